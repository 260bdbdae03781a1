import { createHash } from 'node:crypto';
import { ConfigError, formatConfigProblems } from './problems.js';
import type { ConfigProblem } from './problems.js';
import { DEFAULT_CONFIG, deepFreeze } from './schema.js';
import { parseConfigChain } from './parse.js';
import { MAX_EXTENDS_DEPTH, parseExtends, sameTarget } from './extends.js';
import type { ExtendsTarget } from './extends.js';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { IncidentDeskConfig } from './schema.js';
import type { IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { createRenderer, TemplateError } from '../templates/renderer.js';
import type { Renderer, TemplateSources } from '../templates/renderer.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { ConfigFile, FileCache, Tracker } from '../tracker/port.js';
import type { Logger } from '../server/logger.js';
import { listOwnComments } from '../tracker/own-comments.js';

const CONFIG_ERROR_MARKER = '<!-- incident-desk:config-error';

/** What settings are read from: a tracker, or anything that reads files as one does (the command line's folder). */
export type ConfigSource = Pick<Tracker, 'kind' | 'readConfig' | 'readFile'>;

/** What reading settings needs: the tracker, the built-in templates, and where parsed settings are kept. */
export interface SettingsContext {
  tracker: ConfigSource;
  defaultTemplates: TemplateSources;
  /** Parsed configurations and compiled templates by their texts; without one, every read parses and compiles. */
  settingsCache?: SettingsCache;
  /**
   * The settings one event has read so far, by project (lower case): an event reads each project's settings once, and
   * the next event reads them again. Made per event (`handleEvent`); without it every call reads.
   */
  settingsRead?: Map<string, Promise<LoadedConfig | ConfigErrorWithLabel>>;
}

/** A project's validated configuration with its compiled templates. */
export interface LoadedConfig {
  config: IncidentDeskConfig;
  renderer: Renderer;
}

/**
 * Reads and validates a project's configuration and the templates it names: the settings, or the
 * configuration error (with the trigger label read leniently, so its issues still get the report). Once per event
 * and project where the context keeps what the event read (`settingsRead`).
 */
export function loadSettings(project: string, ctx: SettingsContext): Promise<LoadedConfig | ConfigErrorWithLabel> {
  const read = ctx.settingsRead;
  if (!read) return readSettings(project, ctx);
  const key = project.toLowerCase();
  let settings = read.get(key);
  if (!settings) {
    settings = readSettings(project, ctx);
    read.set(key, settings);
  }
  return settings;
}

async function readSettings(project: string, ctx: SettingsContext): Promise<LoadedConfig | ConfigErrorWithLabel> {
  let file: ConfigFile | null = null;
  try {
    const files = await readConfigFiles(project, ctx);
    file = files[0] ?? null;
    const cache = ctx.settingsCache;
    const config = files.length === 0 ? DEFAULT_CONFIG : cache ? cache.configOf(files) : parseConfigChain(files);
    const custom = await loadTemplates(config, project, ctx);
    return {
      config,
      renderer: cache ? cache.renderer(ctx.defaultTemplates, custom) : compileRenderer(ctx.defaultTemplates, custom),
    };
  } catch (error) {
    const problem = asConfigError(error, file?.location ?? `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
    if (!problem) throw error;
    return new ConfigErrorWithLabel(problem, file ? labelOf(file.text) : undefined);
  }
}

/** What checking a project's configuration found: the files read (own first), and every problem with its file. */
export interface ConfigCheck {
  project: string;
  /** Where each file was read (`project:path`), the project's own first; empty when it has none. */
  files: string[];
  problems: Array<ConfigProblem & { location: string }>;
  /** The configuration found valid (the defaults where the project has no file); absent when it has problems. */
  config?: IncidentDeskConfig;
}

/**
 * Checks a project's configuration exactly as an event would read it: the file and those it inherits, the schema,
 * and the templates it names (read and compiled). Every problem, each with the file it is in. Tracker failures throw.
 */
export async function checkSettings(
  project: string,
  ctx: Pick<SettingsContext, 'tracker' | 'defaultTemplates'>,
): Promise<ConfigCheck> {
  const located = (error: ConfigError) => error.problems.map((p) => ({ ...p, location: p.location ?? error.location }));
  let files: ConfigFile[];
  try {
    files = await readConfigFiles(project, ctx);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { project, files: [], problems: located(error) };
  }
  const check: ConfigCheck = { project, files: files.map((f) => f.location), problems: [] };
  try {
    const config = files.length === 0 ? DEFAULT_CONFIG : parseConfigChain(files);
    compileRenderer(ctx.defaultTemplates, await loadTemplates(config, project, ctx));
    check.config = config;
  } catch (error) {
    const problem = asConfigError(error, files[0]?.location ?? `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
    if (!problem) throw error;
    check.problems = located(problem);
  }
  return check;
}

/** Templates a project's configuration names, read from the project: they replace the built-in ones. */
type CustomTemplates = Partial<
  Pick<TemplateSources, 'incident' | 'release' | 'comms' | 'task' | 'report' | 'advisory' | 'publicSummary'>
>;

/**
 * Validated configurations and compiled renderers by their texts, one per server (the built-in templates are that
 * server's): YAML, the schema and Handlebars were most of an event's CPU, and the texts are the same from one event to
 * the next. The files are still read at every event, so a change takes effect at once; what fails is not kept and
 * fails again. Bounded: the most recent `maxEntries` of each.
 */
export class SettingsCache {
  private readonly configs = new Map<string, IncidentDeskConfig>();
  private readonly renderers = new Map<string, Renderer>();
  private readonly inherits = new Map<string, { value: unknown }>();

  constructor(private readonly maxEntries = 64) {}

  /**
   * The `_extends` value of a file's text (see `extendsValue`), parsed once: every labelled issue reads the
   * configuration to learn its trigger label, and parsing the YAML again each time was most of that event's CPU.
   */
  extendsOf(text: string): unknown {
    return this.cached(this.inherits, text, () => ({ value: extendsValue(text) })).value;
  }

  /**
   * The configuration these files say (the project's own first, then those it inherits), parsed once; deep-frozen,
   * since every event of the texts shares it.
   */
  configOf(files: readonly ConfigFile[]): IncidentDeskConfig {
    const key = files.map((f) => `${f.location}\n${f.text}`).join('\n\0');
    return this.cached(this.configs, key, () => deepFreeze(parseConfigChain(files)));
  }

  /** The configuration one file says (see {@link configOf}). */
  config(text: string, location: string): IncidentDeskConfig {
    return this.configOf([{ text, location }]);
  }

  /**
   * The renderer of the built-in templates with these custom ones, compiled once. Keyed by the custom texts only: the
   * built-in ones are the same at every event of a server, and hashing them each time cost more than a label's event.
   */
  renderer(defaults: TemplateSources, custom: CustomTemplates): Renderer {
    const key =
      Object.keys(custom).length === 0 ? '' : createHash('sha256').update(JSON.stringify(custom)).digest('hex');
    return this.cached(this.renderers, key, () => compileRenderer(defaults, custom));
  }

  /** Looks `key` up, the entry made most recent; `make` fills a miss (a throw is not kept). */
  private cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
    const known = cache.get(key);
    if (known !== undefined) {
      cache.delete(key);
      cache.set(key, known);
      return known;
    }
    const value = make();
    cache.set(key, value);
    if (cache.size > this.maxEntries) cache.delete(cache.keys().next().value!);
    return value;
  }
}

/**
 * The trigger label of a project's configuration when it can be told without reading or waiting for anything: the
 * project's own file (the first place every tracker looks, `CONFIG_PATHS`) is kept and fresh in `files`, inherits from
 * no other (`_extends`), names no template of its own, and is valid. Undefined otherwise: the configuration is then
 * read as usual (`loadSettings`), which also reports what is wrong with it. Synchronous, so that ordinary labels are
 * answered before any work is queued for them.
 */
export function keptTriggerLabel(
  project: string,
  kind: Tracker['kind'],
  files: FileCache,
  cache: SettingsCache,
): string | undefined {
  const path = CONFIG_PATHS[kind];
  const kept = files.lookup(project, path);
  const text = kept?.fresh ? kept.file.text : null;
  if (text === null || text === undefined || cache.extendsOf(text) !== undefined) return undefined;
  let config: IncidentDeskConfig;
  try {
    config = cache.config(text, `${project}:${path}`);
  } catch {
    return undefined;
  }
  return Object.values(config.templates).some(Boolean) ? undefined : config.label;
}

function compileRenderer(defaults: TemplateSources, custom: CustomTemplates): Renderer {
  return createRenderer({ ...defaults, partials: { ...defaults.partials }, ...custom });
}

/** A configuration error, with the trigger label when it could still be read. */
export class ConfigErrorWithLabel {
  constructor(
    readonly error: ConfigError,
    readonly label: string | undefined,
  ) {}
}

/**
 * A project's configuration file and the files it inherits (`_extends`), in that order; empty when the project has no
 * file. Throws ConfigError (located in the file that names it) for an `_extends` that names no readable file, comes
 * back to a file already read, or goes deeper than {@link MAX_EXTENDS_DEPTH} files.
 */
export async function readConfigFiles(
  project: string,
  ctx: Pick<SettingsContext, 'tracker' | 'settingsCache'>,
): Promise<ConfigFile[]> {
  const own = await ctx.tracker.readConfig(project);
  if (!own) return [];
  const files: ConfigFile[] = [own];
  const seen: ExtendsTarget[] = [targetOf(own.location)];
  for (let file = own; ; ) {
    const value = ctx.settingsCache ? ctx.settingsCache.extendsOf(file.text) : extendsValue(file.text);
    if (value === undefined) return files;
    const problem = (message: string): ConfigError => new ConfigError([{ path: '_extends', message }], file.location);
    // A value the schema refuses is reported with the file's other problems.
    const target = typeof value === 'string' ? parseExtends(value, seen[seen.length - 1]!) : null;
    if (!target) return files;
    if (seen.some((s) => sameTarget(s, target)))
      throw problem(`\`${target.project}:${target.path}\` was already read: the files inherit from each other`);
    if (files.length >= MAX_EXTENDS_DEPTH)
      throw problem(`at most ${MAX_EXTENDS_DEPTH} files may inherit from each other`);
    const text = await ctx.tracker.readFile(target.project, target.path);
    if (text === null)
      throw problem(
        `no file at \`${target.path}\` on the default branch of \`${target.project}\` (or it cannot be read)`,
      );
    file = { text, location: `${target.project}:${target.path}` };
    files.push(file);
    seen.push(target);
  }
}

/** `project:path` of a file's location. */
function targetOf(location: string): ExtendsTarget {
  const colon = location.lastIndexOf(':');
  if (colon < 0) return { project: '', path: location };
  return { project: location.slice(0, colon), path: location.slice(colon + 1) };
}

/** The file's `_extends` value: undefined when it has none (or is no YAML mapping; parsing reports that). */
function extendsValue(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const node = doc.contents.get('_extends', true);
  if (node === undefined) return undefined;
  return isScalar(node) ? node.value : node;
}

/** The trigger label of a file that failed validation, read leniently so its issues still get the report. */
function labelOf(text: string): string | undefined {
  return /^label:\s*["']?(?<label>[^"'\n#]+?)["']?\s*(?:#.*)?$/m.exec(text)?.groups?.label?.trim();
}

function asConfigError(error: unknown, location: string): ConfigError | null {
  if (error instanceof ConfigError) return error;
  if (error instanceof TemplateError) return new ConfigError([{ path: 'templates', message: error.message }], location);
  return null;
}

/** The custom templates the configuration names, each read from the project; a missing one is a configuration error. */
async function loadTemplates(
  config: IncidentDeskConfig,
  project: string,
  ctx: SettingsContext,
): Promise<CustomTemplates> {
  const sources: CustomTemplates = {};
  const problems = [];
  for (const name of ['incident', 'release', 'comms', 'task', 'report', 'advisory', 'publicSummary'] as const) {
    const path = config.templates[name];
    if (!path) continue;
    const text = await ctx.tracker.readFile(project, path);
    if (text === null)
      problems.push({ path: `templates.${name}`, message: `no file at ${path} on the default branch` });
    else sources[name] = text;
  }
  if (problems.length > 0) throw new ConfigError(problems, `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
  return sources;
}

/** One comment naming every problem of the configuration, not repeated for the same problems. */
export async function reportConfigError(
  ref: IssueRef,
  error: ConfigError,
  ctx: { tracker: Tracker; log: Logger },
): Promise<void> {
  const text = formatConfigProblems(error);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const marker = `${CONFIG_ERROR_MARKER} ${digest} -->`;
  const comments = await listOwnComments(ctx.tracker, ref);
  // The same problems reported again (a redelivery, the label re-added) would only be noise.
  if (comments.some((c) => c.body.includes(marker))) return;
  ctx.log.warn({ issue: formatRef(ref), problems: error.problems.length }, 'invalid configuration reported');
  await ctx.tracker.createComment(ref, `${marker}\n${text}`);
}
