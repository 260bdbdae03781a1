import { splitBody, trustedState } from '../kernel/block.js';
import { diffSteps } from '../checklist/steps.js';
import { approvalBoxes, approvalLabels, parseStepId } from './matrix.js';
import { decideApproval } from './decide.js';
import { sweepApprovals } from './deadlines.js';
import type { ApprovalActor, ApprovalEvent, ApprovalOutcome, DeliverableStatus } from './matrix.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import type { IssueEvent } from '../kernel/events.js';
import type { Issue } from '../kernel/model.js';
import type { Command } from '../commands/parse.js';

/**
 * Where approval events come from (comments, edits of the comms ticket, labels) and how several fold into
 * outcomes. Pure; the shell reads and writes around them.
 */

const APPROVAL_LABEL = /^approval::(?<deliverable>[a-z0-9-]+)::(?<status>pending|approved|quorum|changes-requested)$/;

/** The approval events a comms-ticket command gives, or null for other commands. */
export function approvalEventOf(command: Command): ApprovalEvent | null {
  switch (command.name) {
    case 'approve':
      return { kind: 'approve', deliverable: command.deliverable, ...(command.group ? { group: command.group } : {}) };
    case 'revoke':
      return { kind: 'revoke', deliverable: command.deliverable, ...(command.group ? { group: command.group } : {}) };
    case 'request-changes':
      return {
        kind: 'request-changes',
        deliverable: command.deliverable,
        reason: command.reason,
        ...(command.group ? { group: command.group } : {}),
      };
    case 'request-approvals':
      return { kind: 'request-approvals', ...(command.deliverable ? { deliverable: command.deliverable } : {}) };
    case 'drafting':
      return { kind: 'drafting', via: 'command', ...(command.at ? { at: command.at } : {}) };
    default:
      return null;
  }
}

/**
 * The approval events of an edit of the comms ticket: approval boxes ticked or unticked, the review step (which
 * requests every approval) and the drafting step (drafting started at the time of the edit).
 */
export function approvalEventsOfEdit(config: IncidentDeskConfig, previousBody: string, ticket: Issue): ApprovalEvent[] {
  const before = trustedState({ body: previousBody, labels: ticket.labels }) ? splitBody(previousBody).block : null;
  // The boxes as the person left them, whatever the hidden state now says: a changed state is put back on its own,
  // and a box ticked in the same edit is still a decision to take or refuse.
  const after = splitBody(ticket.body).block;
  if (before === null || after === null) return [];
  const events: ApprovalEvent[] = [];
  for (const change of diffSteps(before, after)) {
    const cell = parseStepId(change.stepId, config.approvals);
    if (cell)
      events.push({
        kind: 'box',
        deliverable: cell.deliverable,
        group: cell.group,
        checked: change.to === 'done',
        at: ticket.updatedAt,
      });
    else if (change.stepId === 'comms-ready-for-review' && change.to === 'done')
      events.push({ kind: 'request-approvals' });
    else if (change.stepId === 'comms-drafting-started' && change.to === 'done')
      events.push({ kind: 'drafting', via: 'step', at: ticket.updatedAt });
  }
  return events;
}

/** The approval events of labels a person set on the comms ticket (a removed one is put back by `syncApprovals`). */
export function approvalEventsOfLabels(event: IssueEvent): ApprovalEvent[] {
  const events: ApprovalEvent[] = [];
  for (const label of event.addedLabels) {
    const { deliverable, status } = APPROVAL_LABEL.exec(label)?.groups ?? {};
    if (deliverable && status) events.push({ kind: 'label', deliverable, status: status as DeliverableStatus });
  }
  return events;
}

/** No decision, only the labels and boxes put back to what the state says (a person removed an approval label). */
export function syncApprovals(config: IncidentDeskConfig) {
  return (state: ApprovalState): ApprovalOutcome[] => [
    {
      state,
      boxes: approvalBoxes(config.approvals, state),
      labels: approvalLabels(config.approvals, state),
      comments: [],
      timeline: [],
    },
  ];
}

/** Folds several events into outcomes, each starting from the previous one's state. */
export function foldApprovals(config: IncidentDeskConfig, events: ApprovalEvent[], actor: ApprovalActor, now: Date) {
  return (
    state: ApprovalState,
    cutoffMinutes: number,
    _incidentManager: string | null = null,
    openedAt: string | null = null,
  ): ApprovalOutcome[] => {
    const outcomes: ApprovalOutcome[] = [];
    let current = state;
    for (const event of events) {
      const outcome = decideApproval(config.approvals, current, event, actor, now, cutoffMinutes, openedAt);
      outcomes.push(outcome);
      current = outcome.state;
    }
    return outcomes;
  };
}

/** The sweep's approval step for one comms ticket: back-up pings and the cut-off. */
export function sweepOutcome(config: IncidentDeskConfig, now: Date) {
  return (
    state: ApprovalState,
    cutoffMinutes: number,
    incidentManager: string | null,
    openedAt: string | null = null,
  ): ApprovalOutcome[] => {
    const outcome = sweepApprovals(config.approvals, state, cutoffMinutes, now, incidentManager, openedAt);
    return outcome.comments.length > 0 || JSON.stringify(outcome.state) !== JSON.stringify(state) ? [outcome] : [];
  };
}

export function hasApprovalLabelChange(event: IssueEvent): boolean {
  return [...event.addedLabels, ...event.removedLabels].some(
    (l) => l.startsWith('approval::') || l === 'approvals::complete',
  );
}
