import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TrackerKind } from '../kernel/model.js';
import { checkSettings } from '../config/load.js';
import type { ConfigCheck, ConfigSource } from '../config/load.js';
import { loadDefaultTemplates } from '../templates/load.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { ConfigFile } from '../tracker/port.js';
import type { ServerEnv } from '../server/env.js';
import type { Logger } from '../server/logger.js';
import type { ReconcileClients } from './reconcile.js';
import { reachOf, readingTracker, UsageError } from './trackers.js';

/** What `check-config` was asked to check: a project on a tracker, or a folder (or file) on this machine. */
export type CheckTarget =
  | { kind: 'remote'; tracker: TrackerKind; project: string }
  | { kind: 'local'; tracker: TrackerKind; root: string; file: string };

/**
 * Reads the target of `check-config`: a file or folder that exists on this machine (a clone: its
 * `.github/incident-desk.yml` or `.gitlab/incident-desk.yml`), a repository or project web address, or a path like
 * `owner/repo` or `group/sub/project` on the tracker `--tracker` names, or the only one the environment reaches.
 */
export async function checkTarget(
  arg: string,
  tracker: TrackerKind | undefined,
  env: ServerEnv,
  cwd: string,
): Promise<CheckTarget> {
  const onDisk = isAbsolute(arg) ? arg : resolve(cwd, arg);
  if (existsSync(onDisk)) return localTarget(onDisk, tracker);
  if (/^https?:\/\//i.test(arg)) return urlTarget(arg, env);
  if (!/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/.test(arg))
    throw new UsageError(`${arg} is neither a file or folder here nor a project path like owner/repo`);
  if (tracker) return { kind: 'remote', tracker, project: arg };
  const reach = await reachOf(env, cwd);
  if (reach.github && reach.gitlab)
    throw new UsageError(`both GitHub and GitLab are configured: say which with --tracker github or --tracker gitlab`);
  if (reach.gitlab) return { kind: 'remote', tracker: 'gitlab', project: arg };
  if (reach.github) return { kind: 'remote', tracker: 'github', project: arg };
  throw new UsageError(
    `${arg} is not a file or folder here; to read it from a tracker set GITHUB_TOKEN (or APP_ID and PRIVATE_KEY), ` +
      'or GITLAB_URL and GITLAB_TOKEN',
  );
}

function localTarget(path: string, tracker: TrackerKind | undefined): CheckTarget {
  if (statSync(path).isFile()) {
    // A file inside `.github/` or `.gitlab/` names its repository: the folder above; templates are read from there.
    const folder = basename(dirname(path));
    const kind = tracker ?? (folder === '.gitlab' ? 'gitlab' : 'github');
    const root = folder === '.github' || folder === '.gitlab' ? dirname(dirname(path)) : dirname(path);
    return { kind: 'local', tracker: kind, root, file: path };
  }
  const candidates = (tracker ? [tracker] : (['github', 'gitlab'] as const)).filter((k) =>
    existsSync(join(path, CONFIG_PATHS[k])),
  );
  const kind = candidates[0] ?? tracker;
  if (!kind) throw new UsageError(`${path} holds neither ${CONFIG_PATHS.github} nor ${CONFIG_PATHS.gitlab}`);
  if (candidates.length > 1)
    throw new UsageError(`${path} holds both configuration files: say which with --tracker github or --tracker gitlab`);
  return { kind: 'local', tracker: kind, root: path, file: join(path, CONFIG_PATHS[kind]) };
}

function urlTarget(arg: string, env: ServerEnv): CheckTarget {
  const url = new URL(arg);
  const path = url.pathname.replace(/\/-\/.*$/, '').replace(/\/+$/, '');
  const gitlab = env.GITLAB_URL ? new URL(env.GITLAB_URL) : null;
  if (gitlab && url.host.toLowerCase() === gitlab.host.toLowerCase()) {
    const prefix = gitlab.pathname.replace(/\/+$/, '');
    const project = (prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path).slice(1);
    if (project.includes('/')) return { kind: 'remote', tracker: 'gitlab', project: decodeURIComponent(project) };
  }
  const github = ['github.com', 'www.github.com', ...(env.GHE_HOST ? [env.GHE_HOST.toLowerCase()] : [])];
  const repo = /^\/(?<owner>[^/]+)\/(?<repo>[^/]+)/.exec(path)?.groups;
  if (github.includes(url.host.toLowerCase()) && repo)
    return { kind: 'remote', tracker: 'github', project: `${repo.owner}/${repo.repo}` };
  throw new UsageError(`${arg} is not a repository on GitHub (or GHE_HOST) nor a project on GITLAB_URL`);
}

/**
 * A clone on this machine, read as the app reads a project: the configuration file given, and the templates it names
 * from the folder it belongs to. A file of another project (`_extends`) is read from the tracker, when the
 * environment reaches it.
 */
class LocalFolder implements ConfigSource {
  constructor(
    readonly kind: TrackerKind,
    private readonly root: string,
    private readonly file: string,
    private readonly cwd: string,
    private readonly remote: () => Promise<ConfigSource>,
  ) {}

  async readConfig(): Promise<ConfigFile | null> {
    if (!existsSync(this.file)) return null;
    return { text: readFileSync(this.file, 'utf8'), location: this.display(this.file) };
  }

  async readFile(project: string, path: string): Promise<string | null> {
    if (project !== LOCAL) return (await this.remote()).readFile(project, path);
    const full = resolve(this.root, path);
    // The schema already refuses `..`; a path that still leaves the folder reads nothing.
    if (full !== this.root && !full.startsWith(this.root + sep)) return null;
    return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : null;
  }

  private display(path: string): string {
    const shown = relative(this.cwd, path);
    return shown === '' || shown.startsWith('..') ? path : shown;
  }
}

/** The project name a local folder is read under: it has no tracker path. */
const LOCAL = '';

/** Checks the target; the check, and what it was read as. */
export async function runCheckConfig(
  target: CheckTarget,
  env: ServerEnv,
  options: { log: Logger; cwd: string; clients?: ReconcileClients },
): Promise<ConfigCheck> {
  const defaultTemplates = await loadDefaultTemplates();
  if (target.kind === 'remote') {
    const tracker = await readingTracker(target.tracker, target.project, env, options);
    return checkSettings(target.project, { tracker, defaultTemplates });
  }
  const remote = async () => {
    const reach = await reachOf(env, options.cwd);
    if ((target.tracker === 'github' && !reach.github) || (target.tracker === 'gitlab' && !reach.gitlab)) {
      throw new UsageError(
        `the file inherits (_extends) from another project: set ${
          target.tracker === 'github' ? 'GITHUB_TOKEN (or APP_ID and PRIVATE_KEY)' : 'GITLAB_URL and GITLAB_TOKEN'
        } to read it`,
      );
    }
    return readingTracker(target.tracker, '', env, options);
  };
  const folder = new LocalFolder(target.tracker, target.root, target.file, options.cwd, remote);
  return checkSettings(LOCAL, { tracker: folder, defaultTemplates });
}

/**
 * What `check-config` prints: one line per problem as `file:line:column: key: message` (the form editors and CI
 * annotate from), then a summary; or the files read and that they are fine.
 */
export function describeCheck(check: ConfigCheck): string {
  if (check.problems.length === 0) {
    if (check.files.length === 0) return 'no configuration file: the defaults apply';
    const [own, ...inherited] = check.files;
    return `${own}: ok${inherited.length > 0 ? ` (inherits ${inherited.join(', then ')})` : ''}`;
  }
  const lines = check.problems.map((p) => {
    const at = p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : '';
    return `${p.location}${at}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  });
  const count = check.problems.length;
  lines.push(`${count} problem${count === 1 ? '' : 's'}`);
  return lines.join('\n');
}
