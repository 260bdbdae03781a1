import { trustedState } from '../kernel/block.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { incidentProjectPath, releaseProjectPath } from './snapshot.js';
import { masterPlaceProblem } from '../run/links.js';
import type { IntakeEffect } from './effects.js';
import type { IntakeSnapshot } from './snapshot.js';
import type { Issue, IssueRef, Project } from '../kernel/model.js';
import { formatRef, parseRef, sameRef } from '../kernel/model.js';
import { isNotFound, orNotFound } from '../tracker/errors.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import { ConfidentialityError, runIntake } from './apply.js';
import type { EventContext } from '../run/context.js';
import { describeEffect } from './effects.js';
import { ConfigErrorWithLabel, loadSettings, reportConfigError } from '../config/load.js';

/** Where an intake starts from. */
export interface IntakeStart {
  /** The triggering issue, read fresh; null when it no longer exists (a public source deleted by the intake). */
  source: Issue | null;
  sourceRef: IssueRef;
  sourceProject: Project;
  /** Who applied the trigger label; empty when the intake is completed without the trigger event. */
  actor: string;
  /** The First Responder (the actor, with write access as the tracker answered); null when none or unknown. */
  responder?: string | null;
  /** The master, when the source is gone and only the master tells where the incident is. */
  master?: Issue;
}

async function readProject(tracker: Tracker, path: string, known: Project): Promise<Project | null> {
  if (path.toLowerCase() === known.path.toLowerCase()) return known;
  return orNotFound(tracker.getProject(path));
}

/** Reads what every intake decision needs: the source as given, and the projects as the API answers them. */
export async function loadIntakeSnapshot(
  start: IntakeStart,
  config: IncidentDeskConfig,
  ctx: Pick<EventContext, 'tracker' | 'now'>,
): Promise<IntakeSnapshot> {
  const { tracker } = ctx;
  const { source, sourceProject } = start;
  const incidentProject = await readProject(tracker, incidentProjectPath(config, sourceProject.path), sourceProject);
  const releasePath = releaseProjectPath(config, sourceProject.path);
  const releaseProject = config.children.includes('release')
    ? await readProject(tracker, releasePath, incidentProject ?? sourceProject)
    : null;
  const reporter = source ?? start.master;
  return {
    tracker: tracker.kind,
    capabilities: tracker.capabilities,
    config,
    configPath: CONFIG_PATHS[tracker.kind],
    source,
    sourceProject,
    reporter: {
      author: reporter?.author ?? '',
      assignees: reporter?.assignees ?? [],
      number: start.sourceRef.number,
      ...(reporter ? { createdAt: reporter.createdAt } : {}),
    },
    actor: start.actor,
    responder: start.responder ?? null,
    now: (ctx.now ?? (() => new Date()))(),
    incidentProject,
    releaseProject,
    comments: {},
    linked: {},
    // Without its source, the intake can only go on from the master it already made.
    ...(source === null && start.master ? { master: start.master, sourceDeletion: 'deleted' as const } : {}),
  };
}

/** What completing an intake did. */
export interface Completion {
  outcome: 'not-needed' | 'done' | 'config-error' | 'stopped';
  effects: IntakeEffect[];
}

/**
 * Completes the intake of a master whose hidden state says it is not done (`intake` not true): a run that was
 * interrupted (the process killed, the tracker failing) after the master was marked or created and before the end.
 * The same decide/apply loop as a trigger runs from the master's source (the master itself when in place, else the
 * issue its state names), so everything already done is found by state and labels and nothing is made twice.
 * The caller holds the master's lock; the source's lock is taken too when it is another issue, so that a trigger
 * on the source cannot run the same intake alongside. Used by every event on the master, by the sweep and by
 * `npm run reconcile`.
 */
export async function completeIntake(master: Issue, ctx: EventContext): Promise<Completion> {
  const state = trustedState(master);
  if (state?.role !== 'master' || state.intake === true) return { outcome: 'not-needed', effects: [] };
  const sourceRef = sourceRefOf(state.source, master, ctx.tracker.kind);
  if (!sourceRef) {
    ctx.log.warn({ issue: formatRef(master.ref) }, 'master names a source on another tracker; intake not completed');
    return { outcome: 'not-needed', effects: [] };
  }
  const inPlace = sameRef(sourceRef, master.ref);
  const work = () => completeFrom(master, sourceRef, inPlace, ctx);
  return inPlace ? work() : ctx.locks.run(`${ctx.tracker.kind}:${formatRef(sourceRef).toLowerCase()}`, work);
}

async function completeFrom(
  master: Issue,
  sourceRef: IssueRef,
  inPlace: boolean,
  ctx: EventContext,
): Promise<Completion> {
  const { tracker, log } = ctx;
  const issue = formatRef(master.ref);
  const sourceProject = await tracker.getProject(sourceRef.project);
  const settings = await loadSettings(sourceProject.path, ctx);
  if (settings instanceof ConfigErrorWithLabel) {
    // The master is confidential: the problems are named there (once), where the incident's people look.
    await reportConfigError(master.ref, settings.error, ctx);
    return { outcome: 'config-error', effects: [] };
  }
  // The source is followed only from a master where its configuration keeps incidents, carrying that source's label:
  // a state copied onto another issue never opens an intake on someone else's report.
  const problem = masterPlaceProblem(master, trustedState(master)!, settings.config, tracker.kind);
  if (problem) {
    log.warn({ issue, problem }, 'master not where its configuration keeps incidents; intake not completed');
    return { outcome: 'not-needed', effects: [] };
  }
  let source: Issue | null = master;
  if (!inPlace) {
    try {
      source = await tracker.getIssue(sourceRef);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      source = null;
    }
  }
  const snapshot = await loadIntakeSnapshot(
    { source, sourceRef, sourceProject, actor: '', master },
    settings.config,
    ctx,
  );
  const deps = { renderer: settings.renderer, handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl };
  try {
    const run = await runIntake(tracker, snapshot, deps, log);
    log.info({ issue, effects: run.effects.map(describeEffect) }, 'half-done intake completed');
    return { outcome: 'done', effects: run.effects };
  } catch (error) {
    if (!(error instanceof ConfidentialityError)) throw error;
    // The trigger's own run said so on the source; repeating it at every sweep would only be noise.
    log.error({ issue, unconfirmed: error.issue }, 'confidentiality not confirmed; intake not completed');
    return { outcome: 'stopped', effects: [] };
  }
}

/** The source a master's state names (`tracker:project#n`), the master itself when none; null for another tracker's. */
function sourceRefOf(source: string | undefined, master: Issue, kind: Tracker['kind']): IssueRef | null {
  if (!source) return master.ref;
  const match = /^(?<tracker>[a-z]+):(?<ref>.+)$/.exec(source)?.groups;
  if (match && match.tracker !== kind) return null;
  return parseRef(match ? match.ref : source);
}
