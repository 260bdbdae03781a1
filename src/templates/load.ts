import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplateSources } from './renderer.js';
import { findPackageRoot } from './package-root.js';

const SUFFIX = '.md.hbs';

/**
 * The templates shipped in `templates/`: the four tickets, the incident report, the advisory and the public summary,
 * and every `templates/partials/*.md.hbs`.
 */
export async function loadDefaultTemplates(): Promise<TemplateSources> {
  const dir = join(await findPackageRoot(), 'templates');
  const read = (file: string): Promise<string> => readFile(join(dir, file), 'utf8');
  const partialFiles = (await readdir(join(dir, 'partials'))).filter((f) => f.endsWith(SUFFIX)).sort();
  const [incident, release, comms, task, report, advisory, publicSummary, ...partialTexts] = await Promise.all([
    read(`incident${SUFFIX}`),
    read(`release${SUFFIX}`),
    read(`comms${SUFFIX}`),
    read(`task${SUFFIX}`),
    read(`report${SUFFIX}`),
    read(`advisory${SUFFIX}`),
    read(`public-summary${SUFFIX}`),
    ...partialFiles.map((f) => read(join('partials', f))),
  ]);
  const partials: Record<string, string> = {};
  partialFiles.forEach((file, i) => {
    partials[file.slice(0, -SUFFIX.length)] = partialTexts[i]!;
  });
  return {
    incident: incident!,
    release: release!,
    comms: comms!,
    task: task!,
    report: report!,
    advisory: advisory!,
    publicSummary: publicSummary!,
    partials,
  };
}
