import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Built from parts, so that this file does not name it itself.
const OUTSIDE = ['..', 'shared'].join('/');

function filesUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return [path];
  });
}

describe('the repository stands on its own', () => {
  it(`has no file in src, test, bench, scripts or the docs that reads from ${OUTSIDE}`, () => {
    const places = ['src', 'test', 'bench', 'scripts', 'docs', 'templates', '.ci'].map((dir) => join(ROOT, dir));
    const files = [...places.flatMap(filesUnder), join(ROOT, 'README.md'), join(ROOT, 'package.json')];
    expect(files.length).toBeGreaterThan(50);
    const offending = files.filter(
      (file) => statSync(file).size < 5_000_000 && readFileSync(file, 'utf8').includes(OUTSIDE),
    );
    expect(offending.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it("keeps GitLab's documented payloads in the repository, with a note of where they come from", () => {
    const dir = join(ROOT, 'test/fixtures/gitlab');
    const note = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const name of ['issue-hook.json', 'note-hook-issue.json', 'emoji-hook-issue-note.json']) {
      expect(note).toContain(name);
      expect(() => JSON.parse(readFileSync(join(dir, name), 'utf8'))).not.toThrow();
    }
    expect(note).toMatch(/webhook_events\.md/);
  });
});
