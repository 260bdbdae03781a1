import type { Issue, IssueRef } from '../kernel/model.js';
import { parseRef } from '../kernel/model.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { parseTimeline } from '../kernel/timeline.js';
import { decideClose, namedChildren, rowsOf, decideStateChange } from './decide.js';
import type { ClosingChild } from './decide.js';
import { orNotFound } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import { getOwnComment } from '../tracker/own-comments.js';
import type { IssueEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';
import { addReport } from '../report/handle.js';

/**
 * The master was closed or reopened: a close reads the incident's tickets and keeps the master open while any is
 * (the close guard) or posts the incident's summary (`closeMaster`, `decideClose`); a reopen, and a close of a master
 * that is open again, joins the timeline.
 */
export async function handleMasterStateChange(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  if (event.action !== 'closed' && event.action !== 'reopened') return 'not-a-trigger';
  const action = event.action;
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    const acting = { ...run, actor: event.actor };
    // A redelivered or stale close of a master that is open again is not a close.
    if (action === 'closed' && run.master.state === 'closed') {
      const plan = await closeMaster(ctx.tracker, acting);
      // Closed for good: the incident report, unless its conclusion already had one (seed 003: the final comment).
      return !plan.reopen && !plan.run.report ? addReport(ctx.tracker, acting, plan, settings, 'closed') : plan;
    }
    return decideStateChange(acting, action);
  });
}

/** How many open tracking tickets are re-read when the master closes; the rest are taken from the table. */
const REFRESH_LIMIT = 50;

/**
 * The master was closed: its release and communications tickets and its open tracking tickets are read fresh,
 * then `decideClose` keeps it open (close guard) or posts the incident summary.
 */
export async function closeMaster(tracker: Tracker, run: RunContext): Promise<RunPlan> {
  const children: ClosingChild[] = [];
  const refreshed: Issue[] = [];
  for (const named of namedChildren(run.state)) {
    const ref = parseRef(named.ref);
    if (!ref) continue;
    const issue = await readOrNull(tracker, ref);
    if (issue)
      children.push({ ref: named.ref, role: named.role, state: issue.state, owner: issue.assignees[0] ?? null });
  }
  let reads = 0;
  for (const row of rowsOf(run.master)) {
    const ref = parseRef(row.ref);
    if (row.state === 'open' && ref && reads < REFRESH_LIMIT) {
      reads += 1;
      const issue = await readOrNull(tracker, ref);
      if (!issue) continue;
      refreshed.push(issue);
      children.push({ ref: row.ref, role: 'task', state: issue.state, owner: issue.assignees[0] ?? null });
      continue;
    }
    children.push({ ref: row.ref, role: 'task', state: row.state, owner: row.owner });
  }
  const firstEntry = await firstTimelineEntry(tracker, run);
  return decideClose(run, { children, refreshed, firstEntry });
}

async function readOrNull(tracker: Tracker, ref: IssueRef): Promise<Issue | null> {
  // A child deleted (or moved out of the app's sight) no longer holds the incident open.
  return orNotFound(tracker.getIssue(ref));
}

async function firstTimelineEntry(
  tracker: Tracker,
  run: RunContext,
): Promise<ReturnType<typeof parseTimeline>[number] | null> {
  const id = run.state.run?.timeline?.[0];
  if (id === undefined) return null;
  const comment = await orNotFound(getOwnComment(tracker, run.master.ref, id));
  return comment ? (parseTimeline(comment.body)[0] ?? null) : null;
}
