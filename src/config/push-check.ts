import type { PushEvent } from '../kernel/events.js';
import type { ConfigCheckReport } from '../tracker/port.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { ConfigProblem } from './problems.js';

/**
 * The configuration check a push to a default branch gets: which pushes are checked, and what the check reports. Pure:
 * no I/O. The check itself is `checkSettings`, the same one `incident-desk check-config` runs.
 */

/** A project's configuration as `checkSettings` found it: the files read, every problem with the file it is in. */
export interface CheckedConfig {
  project: string;
  files: string[];
  problems: Array<ConfigProblem & { location: string }>;
}

/** GitHub takes at most this many annotations per request; the others stay in the summary. */
const MAX_ANNOTATIONS = 50;

/**
 * Whether a push to a default branch is checked: it changed the configuration file, a Handlebars template (`*.hbs`,
 * the form template overrides take) or a file in the configuration's own folder (`.github/incident-desk/…`), or the
 * payload cannot say what it changed (a forced push, more commits than it lists). A push without its commit is not.
 */
export function pushNeedsConfigCheck(push: PushEvent): boolean {
  if (!push.sha) return false;
  if (push.paths === null) return true;
  const config = CONFIG_PATHS[push.tracker];
  const folder = `${config.replace(/\.yml$/, '')}/`;
  return push.paths.some((path) => path === config || path.startsWith(folder) || path.endsWith('.hbs'));
}

/**
 * What a check says of a project's configuration: success when it has no problem (or no file: the defaults apply),
 * else a failure listing every problem with its file, line and column; an annotation for each problem in a file of
 * the pushed project itself (an inherited file of another project is named in the summary only). Configuration
 * problems only: the messages name keys and positions, never an incident.
 */
export function configCheckReport(check: CheckedConfig): ConfigCheckReport {
  if (check.problems.length === 0) {
    const [own, ...inherited] = check.files;
    const summary = own
      ? `${own} is valid${inherited.length > 0 ? ` (it inherits ${inherited.join(', then ')})` : ''}.`
      : 'No configuration file: the defaults apply.';
    return { conclusion: 'success', title: 'Configuration is valid', summary, annotations: [] };
  }
  const count = check.problems.length;
  const lines = check.problems.map((p) => {
    const at = p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : '';
    return `- \`${p.location}${at}\`: ${p.path ? `\`${p.path}\`: ` : ''}${p.message}`;
  });
  const prefix = `${check.project}:`;
  const annotations = check.problems
    .filter((p) => p.location.startsWith(prefix) && p.line !== undefined)
    .slice(0, MAX_ANNOTATIONS)
    .map((p) => ({
      path: p.location.slice(prefix.length),
      line: p.line as number,
      ...(p.column !== undefined ? { column: p.column } : {}),
      message: `${p.path ? `${p.path}: ` : ''}${p.message}`,
    }));
  return {
    conclusion: 'failure',
    title: `${count} configuration problem${count === 1 ? '' : 's'}`,
    summary:
      `incident-desk cannot use this configuration; until it is fixed, events in this project are refused with the ` +
      `same problems.\n\n${lines.join('\n')}`,
    annotations,
  };
}
