import { trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import { parseRef } from '../kernel/model.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { parseTimeline } from '../kernel/timeline.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { timelineEntry } from '../run/plan.js';
import { quickLinksOf } from '../run/quick-links.js';
import type { Renderer } from '../templates/renderer.js';
import { isNotFound } from '../tracker/errors.js';
import { getOwnComment } from '../tracker/own-comments.js';
import type { Tracker } from '../tracker/port.js';
import { rowsOf } from '../tracking/decide.js';
import { statusOf } from '../triage/status.js';
import { composeReport } from './compose.js';
import type { ReportKind } from './input.js';
import { REPORT_MARKERS } from './markers.js';

/**
 * Adds the incident report to a plan: reads what the master's state does not hold (the timeline's first and last
 * comments, the communications ticket's approvals), composes it (`composeReport`) and renders it with the project's
 * report template. A preview (`/report`) is a comment and nothing more; the report of a conclusion is recorded in the
 * master's state, written before the comment is posted, so it is posted once however often the events come.
 */
export async function addReport(
  tracker: Tracker,
  run: RunContext,
  plan: RunPlan,
  renderer: Renderer,
  kind: 'preview' | 'final' | 'closed',
): Promise<void> {
  const reportKind: ReportKind = kind === 'preview' ? 'preview' : concluded(plan, kind);
  const ids = plan.run.timeline ?? [];
  const firstComment = await readTimeline(tracker, run, ids[0]);
  const lastComment = ids.length > 1 ? await readTimeline(tracker, run, ids.at(-1)) : firstComment;
  const last: TimelineEntry | null = plan.timeline.at(-1) ?? lastComment.at(-1) ?? null;
  const body = renderer.report(
    composeReport({
      kind: reportKind,
      tracker: run.tracker,
      config: run.config,
      master: run.master,
      state: run.state,
      run: plan.run,
      cells: new Map([...quickLinksOf(run.master), ...Object.entries(plan.cells)]),
      now: run.now,
      timeline: { first: firstComment[0] ?? plan.timeline[0] ?? null, last, commentId: ids[0] ?? null },
      approvals: await readApprovals(tracker, run),
      rows: rowsOf(run.master),
    }),
  );
  const marker = reportKind === 'preview' ? REPORT_MARKERS.preview : REPORT_MARKERS.report;
  plan.comments.push({ ref: run.master.ref, body: `${marker}\n${body}` });
  if (reportKind === 'preview') return;
  plan.run.report = { at: formatRfc3339(run.now) };
  plan.timeline.push(timelineEntry(run, 'posted the incident report'));
}

function concluded(plan: RunPlan, kind: 'final' | 'closed'): ReportKind {
  const status = statusOf(plan.run);
  if (status === 'resolved' || status === 'false-alarm') return status;
  return kind === 'closed' ? 'closed' : 'resolved';
}

/** The entries of one of the master's timeline comments; none when it is gone or not the app's. */
async function readTimeline(tracker: Tracker, run: RunContext, id: number | undefined): Promise<TimelineEntry[]> {
  if (id === undefined) return [];
  try {
    return parseTimeline((await getOwnComment(tracker, run.master.ref, id)).body);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** The communications ticket's approval state, when the incident has one whose state is the app's and names it. */
async function readApprovals(tracker: Tracker, run: RunContext): Promise<ApprovalState | null> {
  const comms = (run.state.children ?? []).find((c) => c.role === 'comms');
  const ref = comms ? parseRef(comms.ref) : null;
  if (!ref) return null;
  let issue: Issue;
  try {
    issue = await tracker.getIssue(ref);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const state = trustedState(issue);
  if (state?.role !== 'comms' || state.id !== run.state.id) return null;
  return state.approvals ?? { decisions: {} };
}
