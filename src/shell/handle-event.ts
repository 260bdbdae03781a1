import { createHash } from 'node:crypto';
import { ConfigError, DEFAULT_CONFIG, formatConfigProblems, parseConfig } from '../core/config.js';
import type { IncidentDeskConfig } from '../core/config.js';
import type { IssueEvent, TrackerEvent } from '../core/events.js';
import { incidentProjectPath, releaseProjectPath } from '../core/intake.js';
import type { IntakeSnapshot } from '../core/intake.js';
import { renderStopped } from '../core/messages.js';
import type { Issue, Project } from '../core/model.js';
import { formatRef } from '../core/model.js';
import { createRenderer, TemplateError } from '../core/render.js';
import type { Renderer, TemplateSources } from '../core/render.js';
import { isIntakeTrigger, mightTrigger } from '../core/trigger.js';
import { isNotFound } from '../tracker/errors.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import { ConfidentialityError } from './apply.js';
import type { DeliveryGuard } from './delivery-guard.js';
import type { KeyedLock } from './keyed-lock.js';
import type { Logger } from './logger.js';
import { describeEffect, runIntake } from './intake.js';

/** Everything the shell needs to handle an event from one tracker. */
export interface EventContext {
  tracker: Tracker;
  /** True when the actor is the app itself: its own events are never answered. */
  isSelf(actor: { username: string; id: number }): Promise<boolean>;
  deliveries: DeliveryGuard;
  locks: KeyedLock;
  /** The handbook the 🔗 links point at when `handbookUrl` is not configured. */
  handbookUrl: string;
  defaultTemplates: TemplateSources;
  log: Logger;
}

export type EventOutcome =
  | 'ignored-self'
  | 'duplicate'
  | 'not-a-trigger'
  | 'config-error'
  | 'stopped'
  | 'done';

const CONFIG_ERROR_MARKER = '<!-- incident-desk:config-error';

/**
 * The shell's one sequence for an event: guard (own events, duplicates), load configuration, take the
 * incident's lock, read fresh state, decide and apply. All I/O for an event happens here.
 */
export async function handleEvent(event: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  const { log } = ctx;
  const issue = formatRef(event.issue.ref);
  if (await ctx.isSelf(event.actor)) return 'ignored-self';
  if (!(await ctx.deliveries.claim(`${event.tracker}:${event.deliveryId}`))) {
    log.info({ issue, delivery: event.deliveryId }, 'duplicate delivery dropped');
    return 'duplicate';
  }
  if (event.kind !== 'issue' || !mightTrigger(event)) return 'not-a-trigger';

  const loaded = await loadConfig(event, ctx);
  if (!loaded) return 'config-error';
  if (!isIntakeTrigger(event, loaded.config.label)) return 'not-a-trigger';

  return ctx.locks.run(`${event.tracker}:${issue.toLowerCase()}`, async () => {
    const snapshot = await loadSnapshot(event, loaded.config, ctx);
    const deps = { renderer: loaded.renderer, handbookUrl: loaded.config.handbookUrl ?? ctx.handbookUrl };
    try {
      const run = await runIntake(ctx.tracker, snapshot, deps, log);
      log.info({ issue, effects: run.effects.map(describeEffect) }, 'intake reconciled');
      return 'done';
    } catch (error) {
      if (!(error instanceof ConfidentialityError)) throw error;
      log.error({ issue, unconfirmed: error.issue }, 'confidentiality not confirmed; intake stopped');
      await ctx.tracker.createComment(event.issue.ref, renderStopped('the tracker did not confirm a new ticket as confidential'));
      return 'stopped';
    }
  });
}

interface LoadedConfig {
  config: IncidentDeskConfig;
  renderer: Renderer;
}

/**
 * Reads and validates the configuration and the templates it names. On any problem, one comment on the
 * triggering issue names every problem and where it is, and nothing else is done.
 */
async function loadConfig(event: IssueEvent, ctx: EventContext): Promise<LoadedConfig | null> {
  const project = event.project.path;
  const file = await ctx.tracker.readConfig(project);
  let config: IncidentDeskConfig = DEFAULT_CONFIG;
  try {
    if (file) config = parseConfig(file.text, file.location);
    // A problem in the configuration does not matter for issues that are not triggers.
    const sources = await loadTemplates(config, project, ctx);
    return { config, renderer: createRenderer(sources) };
  } catch (error) {
    const problem = asConfigError(error, file?.location ?? `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
    if (!problem) throw error;
    if (!isIntakeTrigger(event, file ? labelOf(file.text) ?? DEFAULT_CONFIG.label : DEFAULT_CONFIG.label)) return null;
    await reportConfigError(event, problem, ctx);
    return null;
  }
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

async function loadTemplates(config: IncidentDeskConfig, project: string, ctx: EventContext): Promise<TemplateSources> {
  const sources: TemplateSources = { ...ctx.defaultTemplates, partials: { ...ctx.defaultTemplates.partials } };
  const problems = [];
  for (const name of ['incident', 'release', 'comms'] as const) {
    const path = config.templates[name];
    if (!path) continue;
    const text = await ctx.tracker.readFile(project, path);
    if (text === null) problems.push({ path: `templates.${name}`, message: `no file at ${path} on the default branch` });
    else sources[name] = text;
  }
  if (problems.length > 0) throw new ConfigError(problems, `${project}:${CONFIG_PATHS[ctx.tracker.kind]}`);
  return sources;
}

async function reportConfigError(event: IssueEvent, error: ConfigError, ctx: EventContext): Promise<void> {
  const text = formatConfigProblems(error);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const marker = `${CONFIG_ERROR_MARKER} ${digest} -->`;
  const comments = await ctx.tracker.listComments(event.issue.ref);
  // The same problems reported again (a redelivery, the label re-added) would only be noise.
  if (comments.some((c) => c.body.includes(marker))) return;
  ctx.log.warn({ issue: formatRef(event.issue.ref), problems: error.problems.length }, 'invalid configuration reported');
  await ctx.tracker.createComment(event.issue.ref, `${marker}\n${text}`);
}

async function readProject(tracker: Tracker, path: string, known: Project): Promise<Project | null> {
  if (path.toLowerCase() === known.path.toLowerCase()) return known;
  try {
    return await tracker.getProject(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Reads what every intake decision needs: the source fresh, and the projects as the API answers them. */
async function loadSnapshot(event: IssueEvent, config: IncidentDeskConfig, ctx: EventContext): Promise<IntakeSnapshot> {
  const { tracker } = ctx;
  const source: Issue = await tracker.getIssue(event.issue.ref);
  const sourceProject = event.project;
  const incidentProject = await readProject(tracker, incidentProjectPath(config, sourceProject.path), sourceProject);
  const releasePath = releaseProjectPath(config, sourceProject.path);
  const releaseProject = config.children.includes('release')
    ? await readProject(tracker, releasePath, incidentProject ?? sourceProject)
    : null;
  return {
    tracker: tracker.kind,
    capabilities: tracker.capabilities,
    config,
    configPath: CONFIG_PATHS[tracker.kind],
    source,
    sourceProject,
    reporter: { author: source.author, assignees: source.assignees },
    incidentProject,
    releaseProject,
    comments: {},
    linked: {},
  };
}
