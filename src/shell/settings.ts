import { createHash } from 'node:crypto';
import { ConfigError, DEFAULT_CONFIG, deepFreeze, formatConfigProblems, parseConfig } from '../core/config.js';
import type { IncidentDeskConfig } from '../core/config.js';
import type { IssueRef } from '../core/model.js';
import { formatRef } from '../core/model.js';
import { createRenderer, TemplateError } from '../core/render.js';
import type { Renderer, TemplateSources } from '../core/render.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';

const CONFIG_ERROR_MARKER = '<!-- incident-desk:config-error';

/** What reading settings needs: the tracker and the built-in templates. */
export interface SettingsContext {
  tracker: Tracker;
  defaultTemplates: TemplateSources;
}

/** A project's validated configuration with its compiled templates. */
export interface LoadedConfig {
  config: IncidentDeskConfig;
  renderer: Renderer;
}

/**
 * Reads and validates a project's configuration and the templates it names: the settings, or the
 * configuration error (with the trigger label read leniently, so its issues still get the report).
 */
export async function loadSettings(project: string, ctx: SettingsContext): Promise<LoadedConfig | ConfigErrorWithLabel> {
  const file = await ctx.tracker.readConfig(project);
  try {
    const config = file ? parsedConfig(file.text, file.location) : DEFAULT_CONFIG;
    const custom = await loadTemplates(config, project, ctx);
    return { config, renderer: rendererFor(ctx.defaultTemplates, custom) };
  } catch (error) {
    const problem = asConfigError(error, file?.location ?? `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
    if (!problem) throw error;
    return new ConfigErrorWithLabel(problem, file ? labelOf(file.text) : undefined);
  }
}

/** Templates a project's configuration names, read from the project: they replace the built-in ones. */
type CustomTemplates = Partial<Pick<TemplateSources, 'incident' | 'release' | 'comms' | 'task'>>;

/** Most entries kept in each cache below, the most recent last: a handful of repositories' worth. */
const MAX_CACHED = 64;

/** Looks `key` up in a bounded cache, the entry made most recent; `make` fills a miss (a throw is not kept). */
function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  const known = cache.get(key);
  if (known !== undefined) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const value = make();
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return value;
}

/** Validated configurations by their location and text. */
const CONFIGS = new Map<string, IncidentDeskConfig>();

/**
 * The configuration this text says, parsed and validated once: YAML and the schema were most of the CPU of an event
 * whose only question is whether its label is the trigger. The file is still read at every event, so a change takes
 * effect at once; a file that fails is not kept and fails again. Deep-frozen, since every event of the text shares it.
 */
function parsedConfig(text: string, location: string): IncidentDeskConfig {
  return cached(CONFIGS, `${location}\n${text}`, () => deepFreeze(parseConfig(text, location)));
}

/** Compiled renderers by the built-in templates (one object per server) and the texts of the custom ones. */
const RENDERERS = new WeakMap<TemplateSources, Map<string, Renderer>>();

/**
 * The renderer of these template texts, compiled once: compiling (Handlebars, and the check against sample contexts)
 * was most of an event's CPU, and the texts are the same from one event to the next. Keyed by the custom texts only
 * (the built-in ones are the same object at every event: hashing them each time cost more than the rest of a
 * label's event). The files are still read at every event, so a changed template takes effect at once; a template
 * that fails is not kept and fails again.
 */
function rendererFor(defaults: TemplateSources, custom: CustomTemplates): Renderer {
  let byText = RENDERERS.get(defaults);
  if (!byText) RENDERERS.set(defaults, (byText = new Map()));
  const key = Object.keys(custom).length === 0 ? '' : createHash('sha256').update(JSON.stringify(custom)).digest('hex');
  return cached(byText, key, () => createRenderer({ ...defaults, partials: { ...defaults.partials }, ...custom }));
}

/** A configuration error, with the trigger label when it could still be read. */
export class ConfigErrorWithLabel {
  constructor(
    readonly error: ConfigError,
    readonly label: string | undefined,
  ) {}
}

/** The trigger label of a file that failed validation, read leniently so its issues still get the report. */
function labelOf(text: string): string | undefined {
  const match = /^label:\s*["']?([^"'\n#]+?)["']?\s*(#.*)?$/m.exec(text);
  return match?.[1]?.trim();
}

function asConfigError(error: unknown, location: string): ConfigError | null {
  if (error instanceof ConfigError) return error;
  if (error instanceof TemplateError) return new ConfigError([{ path: 'templates', message: error.message }], location);
  return null;
}

/** The custom templates the configuration names, each read from the project; a missing one is a configuration error. */
async function loadTemplates(config: IncidentDeskConfig, project: string, ctx: SettingsContext): Promise<CustomTemplates> {
  const sources: CustomTemplates = {};
  const problems = [];
  for (const name of ['incident', 'release', 'comms', 'task'] as const) {
    const path = config.templates[name];
    if (!path) continue;
    const text = await ctx.tracker.readFile(project, path);
    if (text === null) problems.push({ path: `templates.${name}`, message: `no file at ${path} on the default branch` });
    else sources[name] = text;
  }
  if (problems.length > 0) throw new ConfigError(problems, `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
  return sources;
}

/** One comment naming every problem of the configuration, not repeated for the same problems. */
export async function reportConfigError(ref: IssueRef, error: ConfigError, ctx: { tracker: Tracker; log: Logger }): Promise<void> {
  const text = formatConfigProblems(error);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const marker = `${CONFIG_ERROR_MARKER} ${digest} -->`;
  const comments = await ctx.tracker.listComments(ref);
  // The same problems reported again (a redelivery, the label re-added) would only be noise.
  if (comments.some((c) => c.body.includes(marker))) return;
  ctx.log.warn({ issue: formatRef(ref), problems: error.problems.length }, 'invalid configuration reported');
  await ctx.tracker.createComment(ref, `${marker}\n${text}`);
}

