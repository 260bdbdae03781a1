import { trustedState } from '../kernel/block.js';
import type { TicketState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { computePatch } from '../kernel/patch.js';
import { phaseLabel, renderMaster } from './master-view.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import { DESCRIPTION_LIMITS, formatRef } from '../kernel/model.js';
import type { Renderer } from '../templates/renderer.js';
import { blankPlan, changesMaster } from './plan.js';
import type { RunPlan } from './plan.js';
import { appendToTimeline, formatEntry, splitTimelineComment, timelineMaxChars } from '../kernel/timeline.js';
import { isNotFound } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from '../server/logger.js';
import { getOwnComment } from '../tracker/own-comments.js';

/** What applying a run plan needs besides the tracker. */
export interface RunDeps {
  config: IncidentDeskConfig;
  renderer: Renderer;
  handbookUrl: string;
  log: Logger;
  /** The clock of this event (overdue tracking tickets). */
  now: Date;
}

/**
 * Applies a run plan in the order that keeps people's work and fires each reminder at most once: the master
 * is re-read and re-rendered (state recorded before any comment is posted), the comments are posted, and
 * the timeline is appended to.
 */
export async function applyRunPlan(
  tracker: Tracker,
  master: Issue,
  state: TicketState,
  plan: RunPlan,
  deps: RunDeps,
): Promise<void> {
  let run = plan.run;
  if (changesMaster(plan, state.run)) await writeMaster(tracker, master.ref, plan, run, deps);
  for (const comment of plan.comments) await tracker.createComment(comment.ref, comment.body);
  for (const child of plan.closeChildren ?? []) await closeChild(tracker, child, deps);
  if (plan.timeline.length === 0) return;

  const ids = [...(run.timeline ?? [])];
  const last = ids.at(-1);
  let current: string | null = null;
  if (last !== undefined) {
    try {
      current = (await getOwnComment(tracker, master.ref, last)).body;
    } catch (error) {
      // A timeline comment deleted by a person (or one that is not the app's) is started anew, never fatal.
      if (!isNotFound(error)) throw error;
      ids.pop();
    }
  }
  // An event handled again after a failure (a redelivery, a retried job) may already have written its lines. Only the
  // timeline's own lines count: the text above its marker (the intake's summary) is never an entry.
  const shown = new Set(
    splitTimelineComment(current ?? '')
      .timeline.split(/\r?\n/)
      .map((line) => line.trimEnd()),
  );
  const entries = plan.timeline.filter((entry) => !shown.has(formatEntry(entry)));
  const result = appendToTimeline(current, entries, timelineMaxChars(tracker.kind));
  if (result.update !== null && last !== undefined && current !== null)
    await tracker.updateComment(master.ref, last, result.update);
  if (result.create.length === 0 && ids.length === (run.timeline ?? []).length) return;
  for (const body of result.create) ids.push((await tracker.createComment(master.ref, body)).id);
  run = { ...run, timeline: ids };
  await writeMaster(
    tracker,
    master.ref,
    {
      ...plan,
      stepOverrides: [],
      cells: {},
      addLabels: [],
      removeLabels: [],
      assign: undefined,
      tasks: [],
      reopen: undefined,
      close: undefined,
    },
    run,
    deps,
  );
}

/**
 * Closes a ticket of the incident with its note (a false alarm): the note first, so whoever follows it sees why. A
 * ticket already closed gets neither; one that is gone is skipped.
 */
async function closeChild(tracker: Tracker, child: { ref: IssueRef; note: string }, deps: RunDeps): Promise<void> {
  let issue: Issue;
  try {
    issue = await tracker.getIssue(child.ref);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    deps.log.info({ issue: formatRef(child.ref) }, 'ticket to close is gone');
    return;
  }
  if (issue.state === 'closed') return;
  await tracker.createComment(child.ref, child.note);
  await tracker.updateIssue(child.ref, { state: 'closed' });
}

/**
 * Re-renders a master's block from its fresh copy and state, keeping every tick, cell and run state, and writes
 * only what differs: a repair after a template or configuration change, or of a block damaged by hand (the hidden
 * state intact). Answers whether anything was written; a second call writes nothing.
 */
export async function rerenderMaster(tracker: Tracker, ref: IssueRef, deps: RunDeps): Promise<boolean> {
  return (await writeMaster(tracker, ref, blankPlan(), undefined, deps)).wrote;
}

/**
 * Re-reads the master, imposes the plan's ticks and cells on its fresh block, re-renders it with the new run
 * state (the fresh one when `run` is undefined), and writes only what differs (block, labels, assignees) in one
 * request.
 */
async function writeMaster(
  tracker: Tracker,
  ref: IssueRef,
  plan: RunPlan,
  run: RunPlan['run'] | undefined,
  deps: RunDeps,
): Promise<{ issue: Issue; wrote: boolean }> {
  const fresh = await tracker.getIssue(ref);
  const state = trustedState(fresh);
  if (!state) {
    deps.log.warn({ issue: formatRef(ref) }, 'master lost its state; run update skipped');
    return { issue: fresh, wrote: false };
  }
  const view = renderMaster(
    {
      master: fresh,
      state: run === undefined ? state : { ...state, run },
      children: state.children ?? [],
      // The First Responder the intake recorded (seed 003); never the report's author for being the author.
      defaultManager: state.responder ?? '',
      config: deps.config,
      stepOverrides: plan.stepOverrides,
      cells: plan.cells,
      tasks: plan.tasks,
      now: deps.now,
      bodyLimit: DESCRIPTION_LIMITS[tracker.kind],
    },
    { renderer: deps.renderer, handbookUrl: deps.handbookUrl },
  );
  const wantPhase = phaseLabel(view.phase);
  const stalePhases = fresh.labels.filter((l) => l.startsWith('phase::') && l !== wantPhase);
  const patch =
    computePatch(fresh, {
      block: view.block,
      addLabels: [...plan.addLabels, wantPhase],
      removeLabels: [...plan.removeLabels, ...stalePhases],
    }) ?? {};
  // The close guard reopens the master in the same write as its block; a false alarm closes it the same way.
  if (plan.reopen && fresh.state === 'closed') Object.assign(patch, { state: 'open' });
  if (plan.close && fresh.state === 'open') Object.assign(patch, { state: 'closed' });
  if (view.shortened.omitted > 0 || view.shortened.compactOpen > 0) {
    deps.log.warn(
      { issue: formatRef(ref), ...view.shortened },
      'tracking tickets shortened to fit the description limit',
    );
  }
  if (plan.assign) {
    // The new holder goes first: a tracker that keeps one assignee (GitLab Free) keeps the first.
    const { add, remove } = plan.assign;
    const others = fresh.assignees.filter(
      (a) => a.toLowerCase() !== add.toLowerCase() && a.toLowerCase() !== remove?.toLowerCase(),
    );
    const assignees = [add, ...others];
    if (assignees.length !== fresh.assignees.length || assignees.some((a, i) => a !== fresh.assignees[i]))
      Object.assign(patch, { assignees });
  }
  if (Object.keys(patch).length === 0) return { issue: fresh, wrote: false };
  const written = await tracker.updateIssue(ref, patch);
  // Check the result: what the tracker kept must be what was written.
  if (patch.body !== undefined && written.body !== patch.body)
    deps.log.warn({ issue: formatRef(ref) }, 'master body differs from what was written');
  if (plan.assign && !written.assignees.some((a) => a.toLowerCase() === plan.assign!.add.toLowerCase())) {
    deps.log.warn({ issue: formatRef(ref) }, 'the tracker did not keep the new Incident Manager as assignee');
  }
  return { issue: written, wrote: true };
}
