import { trustedState } from '../kernel/block.js';
import { parseRef } from '../kernel/model.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { parseTimeline } from '../kernel/timeline.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { timelineEntry } from '../run/plan.js';
import { quickLinksOf } from '../run/quick-links.js';
import type { LoadedConfig } from '../config/load.js';
import { quiet } from '../kernel/usernames.js';
import { MANAGER, FIELD_LABELS, holderOf } from '../run/quick-links.js';
import { openTask } from '../tracking/handle-task.js';
import { isNotFound, orNotFound } from '../tracker/errors.js';
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
 * master's state, written before the comment is posted, so it is posted once however often the events come. With
 * `postMortem: issue` the report of a conclusion opens a confidential post-mortem ticket instead (`openPostMortem`).
 */
export async function addReport(
  tracker: Tracker,
  run: RunContext,
  plan: RunPlan,
  settings: LoadedConfig,
  kind: 'preview' | 'final' | 'closed',
): Promise<RunPlan> {
  const reportKind: ReportKind = kind === 'preview' ? 'preview' : concluded(plan, kind);
  const ids = plan.run.timeline ?? [];
  const firstComment = await readTimeline(tracker, run, ids[0]);
  const lastComment = ids.length > 1 ? await readTimeline(tracker, run, ids.at(-1)) : firstComment;
  const last: TimelineEntry | null = plan.timeline.at(-1) ?? lastComment.at(-1) ?? null;
  const body = settings.renderer.report(
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
  if (reportKind === 'preview') {
    plan.comments.push({ ref: run.master.ref, body: `${REPORT_MARKERS.preview}\n${body}` });
    return plan;
  }
  if (run.config.postMortem === 'issue') {
    const opened = await openPostMortem(tracker, run, plan, settings, body);
    if (opened) return opened;
  }
  plan.comments.push({ ref: run.master.ref, body: `${REPORT_MARKERS.report}\n${body}` });
  plan.run.report = { at: formatRfc3339(run.now) };
  plan.timeline.push(timelineEntry(run, 'posted the incident report'));
  return plan;
}

/** The Quick Links row the post-mortem ticket is linked from. */
const POST_MORTEM = FIELD_LABELS['post-mortem'];

/**
 * `postMortem: issue`: the report opens a confidential post-mortem ticket in the incident's project, owned by the
 * Incident Manager (else whoever concluded the incident), due in `taskDueDays` and tracked like a `/task` (so the
 * close guard waits for it); the Post-mortem row of Quick Links links it when nobody filled that row, and a short
 * comment on the master says where the report is. Null when the ticket could not be opened as a confidential one:
 * the report is then posted as a comment.
 */
async function openPostMortem(
  tracker: Tracker,
  run: RunContext,
  plan: RunPlan,
  settings: LoadedConfig,
  report: string,
): Promise<RunPlan | null> {
  const cells = quickLinksOf(run.master);
  const owner = holderOf(cells.get(MANAGER)) ?? run.actor?.username ?? run.state.responder ?? '';
  if (!owner) return null;
  const before = new Set(plan.tasks.map((row) => row.ref.toLowerCase()));
  const text =
    'Hold the retrospective and complete the incident report below: the cause analysis, the discovery method, ' +
    `the threat actions and the lessons learned. Close this ticket when the report is complete.\n\n${report}`;
  const opened = await openTask(
    tracker,
    run,
    settings,
    { name: 'task', owner, project: run.master.ref.project, title: 'Post-mortem', text, public: false },
    plan,
  );
  const row = opened.tasks.find((r) => !before.has(r.ref.toLowerCase()));
  if (!row) return null;
  const current = cells.get(POST_MORTEM);
  if (!current || current === '_not set_') opened.cells = { ...opened.cells, [POST_MORTEM]: row.ref };
  opened.run = { ...opened.run, report: { at: formatRfc3339(run.now), ticket: row.ref } };
  opened.comments = [
    ...opened.comments,
    {
      ref: run.master.ref,
      body:
        `${REPORT_MARKERS.report}\n### Incident report · ${run.state.id}\n\nThe incident report is in the ` +
        `confidential post-mortem ticket ${row.ref} (owner ${quiet(owner)}, linked from Quick Links), with its ` +
        'figures ' +
        `and the sections the team fills in. Close it once the report is complete.\n`,
    },
  ];
  opened.timeline = [
    ...opened.timeline,
    timelineEntry(run, `opened the post-mortem ticket ${row.ref} with the incident report`),
  ];
  return opened;
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
  const issue = await orNotFound(tracker.getIssue(ref));
  if (!issue) return null;
  const state = trustedState(issue);
  if (state?.role !== 'comms' || state.id !== run.state.id) return null;
  return state.approvals ?? { decisions: {} };
}
