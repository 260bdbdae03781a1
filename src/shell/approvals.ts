import { parseQuickLinks, renderState, splitBody, trustedState } from '../core/block.js';
import type { TicketState } from '../core/block.js';
import { diffSteps, readSteps, setStepState } from '../core/checklist-tracking.js';
import { approvalBoxes, approvalLabels, decideApproval, parseStepId, renderStatusTable, sweepApprovals } from '../core/approvals.js';
import type { ApprovalActor, ApprovalEvent, ApprovalOutcome, ApprovalState, DeliverableStatus } from '../core/approvals.js';
import type { Command } from '../core/run-types.js';
import type { IncidentDeskConfig } from '../core/config.js';
import type { IssueEvent } from '../core/events.js';
import { commsContext, computePatch } from '../core/intake.js';
import type { Issue, IssueRef } from '../core/model.js';
import { formatRef } from '../core/model.js';
import { APP_ACTOR, holderOf } from '../core/run.js';
import type { RunContext, RunPlan } from '../core/run.js';
import { FIELD_LABELS } from '../core/run-types.js';
import type { Tracker } from '../tracker/port.js';
import type { LoadedConfig } from './settings.js';

const APPROVAL_LABEL = /^approval::([a-z0-9-]+)::(pending|approved|quorum|changes-requested)$/;

/** The approval events a comms-ticket command gives, or null for other commands. */
export function approvalEventOf(command: Command): ApprovalEvent | null {
  switch (command.name) {
    case 'approve':
      return { kind: 'approve', deliverable: command.deliverable, ...(command.group ? { group: command.group } : {}) };
    case 'revoke':
      return { kind: 'revoke', deliverable: command.deliverable, ...(command.group ? { group: command.group } : {}) };
    case 'request-changes':
      return { kind: 'request-changes', deliverable: command.deliverable, reason: command.reason, ...(command.group ? { group: command.group } : {}) };
    case 'request-approvals':
      return { kind: 'request-approvals', ...(command.deliverable ? { deliverable: command.deliverable } : {}) };
    default:
      return null;
  }
}

/** The approval events of an edit of the comms ticket: approval boxes ticked or unticked, and the review step. */
export function approvalEventsOfEdit(config: IncidentDeskConfig, previousBody: string, ticket: Issue): ApprovalEvent[] {
  const before = splitBody(previousBody).block;
  const after = trustedState(ticket) ? splitBody(ticket.body).block : null;
  if (before === null || after === null) return [];
  const events: ApprovalEvent[] = [];
  for (const change of diffSteps(before, after)) {
    const cell = parseStepId(change.stepId, config.approvals);
    if (cell) events.push({ kind: 'box', deliverable: cell.deliverable, group: cell.group, checked: change.to === 'done' });
    else if (change.stepId === 'comms-ready-for-review' && change.to === 'done') events.push({ kind: 'request-approvals' });
  }
  return events;
}

/** The approval events of labels a person set on the comms ticket (a removed one is put back by `syncApprovals`). */
export function approvalEventsOfLabels(event: IssueEvent): ApprovalEvent[] {
  const events: ApprovalEvent[] = [];
  for (const label of event.addedLabels) {
    const m = APPROVAL_LABEL.exec(label);
    if (m) events.push({ kind: 'label', deliverable: m[1]!, status: m[2] as DeliverableStatus });
  }
  return events;
}

/** No decision, only the labels and boxes put back to what the state says (a person removed an approval label). */
export function syncApprovals(config: IncidentDeskConfig) {
  return (state: ApprovalState): ApprovalOutcome[] => [
    { state, boxes: approvalBoxes(config.approvals, state), labels: approvalLabels(config.approvals, state), comments: [], timeline: [] },
  ];
}

/**
 * The groups a person may decide for: named as an approver or back-up, or a member of a team (`@org/team`,
 * a GitLab group path) named there, as the tracker answers.
 */
export async function approvalActor(tracker: Tracker, config: IncidentDeskConfig, actor: { username: string; id: number }): Promise<ApprovalActor> {
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
  decide: (state: ApprovalState, cutoffMinutes: number, incidentManager: string | null) => Promise<ApprovalOutcome[]> | ApprovalOutcome[],
): Promise<RunPlan & { posted: number }> {
  const plan: RunPlan & { posted: number } = {
    posted: 0, stepOverrides: [], cells: {}, run: { ...(run.state.run ?? {}) }, addLabels: [], removeLabels: [], comments: [], timeline: [] };
  const comms = await tracker.getIssue(commsRef);
  const state = trustedState(comms);
  if (state?.role !== 'comms') return plan;
  const manager = holderOf(parseQuickLinks(splitBody(run.master.body).block).get(FIELD_LABELS['incident-manager']));
  const cutoff = cutoffMinutesFor(run);
  const outcomes = await decide(state.approvals ?? { decisions: {} }, cutoff, manager);
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
    for (const text of outcome.timeline) plan.timeline.push({ at: run.now.toISOString().replace(/\.\d{3}Z$/, 'Z'), actor: run.actor?.username ?? APP_ACTOR, text: `${text} (${formatRef(commsRef)})` });
  }
  return plan;
}

/** Folds several events into outcomes, each starting from the previous one's state. */
export function foldApprovals(config: IncidentDeskConfig, events: ApprovalEvent[], actor: ApprovalActor, now: Date) {
  return (state: ApprovalState, cutoffMinutes: number): ApprovalOutcome[] => {
    const outcomes: ApprovalOutcome[] = [];
    let current = state;
    for (const event of events) {
      const outcome = decideApproval(config.approvals, current, event, actor, now, cutoffMinutes);
      outcomes.push(outcome);
      current = outcome.state;
    }
    return outcomes;
  };
}

/** The sweep's approval step for one comms ticket: back-up pings and the cut-off. */
export function sweepOutcome(config: IncidentDeskConfig, now: Date) {
  return (state: ApprovalState, cutoffMinutes: number, incidentManager: string | null): ApprovalOutcome[] => {
    const outcome = sweepApprovals(config.approvals, state, cutoffMinutes, now, incidentManager);
    return outcome.comments.length > 0 || JSON.stringify(outcome.state) !== JSON.stringify(state) ? [outcome] : [];
  };
}

async function writeComms(
  tracker: Tracker,
  listed: Issue,
  listedState: TicketState,
  outcome: ApprovalOutcome,
  run: RunContext,
  settings: LoadedConfig,
  handbookUrl: string,
  cutoffMinutes: number,
): Promise<void> {
  // Re-read right before writing: a person's tick of a process step meanwhile is kept.
  const fresh = await tracker.getIssue(listed.ref);
  const freshState = trustedState(fresh) ?? listedState;
  let block = splitBody(fresh.body).block ?? '';
  for (const box of outcome.boxes) block = setStepState(block, box.stepId, box.done);
  const done = new Set([...readSteps(block)].filter(([, s]) => s.done).map(([id]) => id));
  const state: TicketState = { ...freshState, approvals: outcome.state };
  const masterReference = `[${formatRef(run.master.ref)}](${run.master.webUrl})`;
  const statusTable = renderStatusTable(run.config.approvals, outcome.state, run.now, outcome.state.requestedAt ? cutoffMinutes : null);
  const content = settings.renderer.comms(
    commsContext(run.config, state.id, masterReference, `Incident ${state.id}`, { renderer: settings.renderer, handbookUrl }, { done, statusTable }),
  );
  const inner = `${renderState(state)}\n${content.trimEnd()}`;
  const wanted = new Set(outcome.labels);
  const stale = fresh.labels.filter((l) => (l.startsWith('approval::') || l === 'approvals::complete') && !wanted.has(l));
  const patch = computePatch(fresh, { kind: 'update', ref: fresh.ref, why: 'approval state', block: inner, addLabels: outcome.labels, removeLabels: stale });
  if (patch) await tracker.updateIssue(fresh.ref, patch);
}
