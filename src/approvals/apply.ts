import { parseQuickLinks, renderState, splitBody, trustedState } from '../kernel/block.js';
import type { TicketState, ApprovalState } from '../kernel/ticket-state.js';
import { readSteps, setStepState } from '../checklist/steps.js';
import { renderStatusTable } from './status-table.js';
import type { ApprovalActor, ApprovalOutcome } from './matrix.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { commsContext } from './comms-context.js';
import { computePatch } from '../kernel/patch.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { childLinkProblem, configProjectOf } from '../run/links.js';
import { APP_ACTOR } from '../kernel/timeline.js';
import { formatRfc3339 } from '../kernel/time.js';
import { emptyPlan } from '../run/plan.js';
import { holderOf, FIELD_LABELS } from '../run/quick-links.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from '../server/logger.js';
import type { LoadedConfig } from '../config/load.js';

/**
 * The groups a person may decide for: named as an approver or back-up, or a member of a team (`@org/team`,
 * a GitLab group path) named there, as the tracker answers.
 */
export async function approvalActor(
  tracker: Tracker,
  config: IncidentDeskConfig,
  actor: { username: string; id: number },
): Promise<ApprovalActor> {
  const groups: string[] = [];
  const me = actor.username.toLowerCase();
  const teamAnswers = new Map<string, Promise<boolean>>();
  for (const [groupId, group] of Object.entries(config.approvals.groups)) {
    for (const entry of [...group.approvers, ...group.backups]) {
      const name = entry.replace(/^@/, '');
      let member = false;
      if (name.includes('/')) {
        if (!teamAnswers.has(name)) teamAnswers.set(name, tracker.isTeamMember(name, actor));
        member = await teamAnswers.get(name)!;
      } else {
        member = name.toLowerCase() === me;
      }
      if (member) {
        groups.push(groupId);
        break;
      }
    }
  }
  return { username: actor.username, groups };
}

/** Severity of the incident as the master records it; high when none was set (the seed's S1 default). */
function cutoffMinutesFor(run: RunContext): number {
  const severity = run.state.run?.severity ?? 'high';
  return run.config.approvals.cutoffMinutes[severity];
}

/** A communications ticket's review, as the approval decisions take it (see `readReview`). */
export interface Review {
  comms: Issue;
  state: TicketState;
  approvals: ApprovalState;
  cutoffMinutes: number;
  incidentManager: string | null;
  /** Where a deliverable's cut-off counts from when nobody recorded the start of drafting: the ticket's creation. */
  openedAt: string | null;
}

/**
 * Reads the communications ticket `commsRef` of the incident of `run`: its review as the approval decisions take it,
 * or null when the ticket is not that incident's (no state of the app's, or it and the master do not name each other,
 * which is logged: a copied state never decides for another incident).
 */
export async function readReview(
  tracker: Tracker,
  commsRef: IssueRef,
  run: RunContext,
  log?: Logger,
): Promise<Review | null> {
  const comms = await tracker.getIssue(commsRef);
  const state = trustedState(comms);
  if (state?.role !== 'comms') return null;
  const problem = childLinkProblem({
    master: run.master.ref,
    masterState: run.state,
    child: commsRef,
    childState: state,
    config: run.config,
    home: configProjectOf(run.state, run.master),
  });
  if (problem) {
    log?.warn(
      { issue: formatRef(commsRef), master: formatRef(run.master.ref), problem },
      'communications ticket and master do not name each other; approvals ignored',
    );
    return null;
  }
  return {
    comms,
    state,
    approvals: state.approvals ?? { decisions: {} },
    cutoffMinutes: cutoffMinutesFor(run),
    incidentManager: holderOf(parseQuickLinks(splitBody(run.master.body).block).get(FIELD_LABELS['incident-manager'])),
    // The ticket's creation is the start of drafting when nobody recorded one.
    openedAt: comms.createdAt,
  };
}

/**
 * Applies approval events to the comms ticket under the incident's lock: re-reads it, decides, writes the
 * boxes, the status table, the hidden state and the labels in one update, posts the audit comments, and
 * answers the master's timeline entries as a run plan.
 */
export async function applyApprovalEvents(
  tracker: Tracker,
  commsRef: IssueRef,
  run: RunContext,
  settings: LoadedConfig,
  handbookUrl: string,
  decide: (
    state: ApprovalState,
    cutoffMinutes: number,
    incidentManager: string | null,
    openedAt: string | null,
  ) => Promise<ApprovalOutcome[]> | ApprovalOutcome[],
  log?: Logger,
): Promise<RunPlan & { posted: number }> {
  const plan: RunPlan & { posted: number } = { ...emptyPlan(run), posted: 0 };
  const review = await readReview(tracker, commsRef, run, log);
  if (!review) return plan;
  const { comms, state, cutoffMinutes: cutoff } = review;
  const outcomes = await decide(review.approvals, cutoff, review.incidentManager, review.openedAt);
  const last = outcomes.at(-1);
  if (!last) return plan;
  await writeComms(tracker, comms, state, last, run, settings, handbookUrl, cutoff);
  for (const outcome of outcomes) {
    // One comment per event, however many decisions it made: each is a content-creating request, which
    // GitHub spaces seconds apart. Every part keeps its own hidden marker.
    if (outcome.comments.length > 0) {
      await tracker.createComment(commsRef, outcome.comments.join('\n\n---\n\n'));
      plan.posted += 1;
    }
    for (const text of outcome.timeline)
      plan.timeline.push({
        at: formatRfc3339(run.now),
        actor: run.actor?.username ?? APP_ACTOR,
        text: `${text} (${formatRef(commsRef)})`,
      });
  }
  return plan;
}

/**
 * Writes the decision into the comms ticket read a moment ago (under the incident's lock, with no other
 * write between): the boxes it decided, every other box as people left it, the status table, the hidden
 * state and the labels, in one update, and only what differs.
 */
async function writeComms(
  tracker: Tracker,
  fresh: Issue,
  freshState: TicketState,
  outcome: ApprovalOutcome,
  run: RunContext,
  settings: LoadedConfig,
  handbookUrl: string,
  cutoffMinutes: number,
): Promise<void> {
  let block = splitBody(fresh.body).block ?? '';
  for (const box of outcome.boxes) block = setStepState(block, box.stepId, box.done);
  const done = new Set([...readSteps(block)].filter(([, s]) => s.done).map(([id]) => id));
  const state: TicketState = { ...freshState, approvals: outcome.state };
  const masterReference = `[${formatRef(run.master.ref)}](${run.master.webUrl})`;
  const statusTable = renderStatusTable(run.config.approvals, outcome.state, run.now, cutoffMinutes, fresh.createdAt);
  const content = settings.renderer.comms(
    commsContext(
      run.config,
      state.id,
      masterReference,
      `Incident ${state.id}`,
      { renderer: settings.renderer, handbookUrl },
      { done, statusTable },
    ),
  );
  const inner = `${renderState(state)}\n${content.trimEnd()}`;
  const wanted = new Set(outcome.labels);
  const stale = fresh.labels.filter(
    (l) => (l.startsWith('approval::') || l === 'approvals::complete') && !wanted.has(l),
  );
  const patch = computePatch(fresh, { block: inner, addLabels: outcome.labels, removeLabels: stale });
  if (patch) await tracker.updateIssue(fresh.ref, patch);
}
