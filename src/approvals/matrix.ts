import type { IncidentDeskConfig } from '../config/schema.js';
import { mentionUser, neutralizeInline, quietUser } from '../kernel/neutralize.js';
import { rfc3339 } from '../kernel/time.js';
import type { Decision, ApprovalState } from '../kernel/ticket-state.js';

/**
 * The approval matrix of the communications ticket (seed 000): one box per deliverable × approving group,
 * decided by the group's approvers or back-ups; back-ups are engaged after `responseMinutes` without an
 * answer; at the cut-off a deliverable goes ahead once `quorum` of its required groups approved, otherwise
 * the Incident Manager is asked to decide.
 *
 * Pure: no I/O, the clock comes in. Every function takes the state and returns a new one with the effects
 * to apply (boxes, labels, comments, timeline texts); the caller applies them. Config names are shown
 * neutralized; approvers are named quietly everywhere except in the request for approvals and the back-up
 * ping, which are the messages meant to reach them.
 */

export type Approvals = IncidentDeskConfig['approvals'];

export type DeliverableStatus = 'pending' | 'approved' | 'quorum' | 'changes-requested';

export type ApprovalEvent =
  /** A person ticked or unticked the box `approve-<deliverable>-<group>`. */
  /** `at`: when the edit was made (the tracker's `updated_at`), so an older edit delivered late never wins. */
  | { kind: 'box'; deliverable: string; group: string; checked: boolean; at?: string }
  /** `/approve <deliverable|all> [group]`. */
  | { kind: 'approve'; deliverable: string; group?: string }
  | { kind: 'revoke'; deliverable: string; group?: string }
  | { kind: 'request-changes'; deliverable: string; reason: string; group?: string }
  /** A person set the label `approval::<deliverable>::<status>` by hand. */
  | { kind: 'label'; deliverable: string; status: DeliverableStatus }
  | { kind: 'request-approvals'; deliverable?: string }
  /** Drafting started: its step ticked, or `/drafting [time]` (`at`: the time given, or the edit's). */
  | { kind: 'drafting'; via: 'step' | 'command'; at?: string };

/**
 * Who acts, and the group ids they may decide for (as approver or back-up), resolved by the caller (teams included).
 */
export interface ApprovalActor {
  username: string;
  groups: string[];
}

export interface ApprovalOutcome {
  state: ApprovalState;
  /** Every `approve-<d>-<g>` box of the comms ticket as the state says (ticked = approved). */
  boxes: Array<{ stepId: string; done: boolean }>;
  /** The complete desired set of approval labels. */
  labels: string[];
  /** Comments for the comms ticket, each with one of {@link APPROVAL_MARKERS}. */
  comments: string[];
  /** Texts for the master's timeline; the caller adds the time and the actor. */
  timeline: string[];
}

export const APPROVAL_MARKERS = {
  /** A decision (approve, revoke, request changes), for the audit trail. */
  audit: '<!-- incident-desk:approval -->',
  /** Nothing changed: not allowed, or unknown ids. */
  refusal: '<!-- incident-desk:approval-refusal -->',
  /** Back-ups engaged after the response time. */
  ping: '<!-- incident-desk:approval-ping -->',
  /** What the cut-off decided. */
  cutoff: '<!-- incident-desk:approval-cutoff -->',
  /** The request for approvals (mentions the approvers, announces the cut-off). */
  request: '<!-- incident-desk:approval-request -->',
  /** When drafting started, and the cut-off it gives. */
  drafting: '<!-- incident-desk:approval-drafting -->',
} as const;

/** The label prefix of a deliverable's status: `approval::<deliverable>::<status>`. */
export const APPROVAL_LABEL_PREFIX = 'approval::';

/** Set while every deliverable is approved or at quorum. */
export const APPROVALS_COMPLETE_LABEL = 'approvals::complete';

/** True for a label of the approval family the approvals decision writes: `approval::…` and `approvals::complete`. */
export function isApprovalLabel(label: string): boolean {
  return label.startsWith(APPROVAL_LABEL_PREFIX) || label === APPROVALS_COMPLETE_LABEL;
}

// ---------------------------------------------------------------------------------------------------------
// Ids, statuses, labels
// ---------------------------------------------------------------------------------------------------------

/** The step id of a box of the matrix: `approve-<deliverable>-<group>`. */
export function stepIdOf(deliverable: string, group: string): string {
  return `approve-${deliverable}-${group}`;
}

/**
 * The deliverable and group of a box of the matrix, matched against the configured ids (both may contain
 * hyphens). null when the id is not a box of the matrix, or when two configured pairs would spell it.
 */
export function parseStepId(stepId: string, approvals: Approvals): { deliverable: string; group: string } | null {
  const prefix = 'approve-';
  if (!stepId.startsWith(prefix)) return null;
  const rest = stepId.slice(prefix.length);
  const matches: Array<{ deliverable: string; group: string }> = [];
  for (const [deliverable, d] of Object.entries(approvals.deliverables)) {
    if (!rest.startsWith(`${deliverable}-`)) continue;
    const group = rest.slice(deliverable.length + 1);
    if (d.approve.includes(group)) matches.push({ deliverable, group });
  }
  return matches.length === 1 ? matches[0]! : null;
}

export const keyOf = (deliverable: string, group: string): string => `${deliverable}/${group}`;

export function deliverableOf(approvals: Approvals, id: string): Approvals['deliverables'][string] | undefined {
  return Object.hasOwn(approvals.deliverables, id) ? approvals.deliverables[id] : undefined;
}

export function groupOf(approvals: Approvals, id: string): Approvals['groups'][string] | undefined {
  return Object.hasOwn(approvals.groups, id) ? approvals.groups[id] : undefined;
}

export function approvingGroups(approvals: Approvals, deliverable: string): string[] {
  return deliverableOf(approvals, deliverable)?.approve ?? [];
}

/**
 * What the quorum asks of a deliverable at the cut-off (seed 000: "at least 2 of the 4 required groups"), counted
 * among the required groups that approve this deliverable: `quorum` of them, or all of them when fewer than `quorum`
 * approve it. `needed` is 0 when no required group approves it: such a deliverable never goes ahead at quorum.
 */
export function quorumOf(approvals: Approvals, deliverable: string): { required: string[]; needed: number } {
  const required = approvingGroups(approvals, deliverable).filter((g) => approvals.required.includes(g));
  return { required, needed: Math.min(approvals.quorum, required.length) };
}

/** What the quorum asks of a deliverable, one sentence for the matrix and the request ('' when no group approves). */
export function quorumRule(approvals: Approvals, deliverable: string): string {
  if (approvingGroups(approvals, deliverable).length === 0) return '';
  const { required, needed } = quorumOf(approvals, deliverable);
  if (needed === 0) {
    return (
      'No required group approves it, so it never goes ahead at quorum: it waits for every group that approves it, ' +
      'or for the Incident Manager at the cut-off.'
    );
  }
  const names = required.map((g) => groupName(approvals, g)).join(', ');
  if (needed < required.length) {
    return `At the cut-off it goes ahead once ${needed} of its ${required.length} required groups (${names}) approved.`;
  }
  const all =
    required.length === 1 ? `its one required group (${names})` : `all ${needed} of its required groups (${names})`;
  return required.length < approvals.quorum
    ? `At the cut-off it goes ahead only once ${all} approved: fewer than the quorum of ${approvals.quorum} approve it.`
    : `At the cut-off it goes ahead once ${all} approved.`;
}

export function decisionOf(state: ApprovalState, deliverable: string, group: string): Decision | undefined {
  const decisions = state.decisions ?? {};
  const k = keyOf(deliverable, group);
  return Object.hasOwn(decisions, k) ? decisions[k] : undefined;
}

/**
 * A deliverable's status: changes requested by any approving group wins; approved when every approving
 * group approved (a deliverable no group approves is approved); quorum when the cut-off decided so;
 * pending otherwise (also for an id that is not configured).
 */
export function deliverableStatus(approvals: Approvals, state: ApprovalState, deliverable: string): DeliverableStatus {
  if (!deliverableOf(approvals, deliverable)) return 'pending';
  const groups = approvingGroups(approvals, deliverable);
  const decisions = groups.map((g) => decisionOf(state, deliverable, g));
  if (decisions.some((d) => d?.status === 'changes-requested')) return 'changes-requested';
  if (decisions.every((d) => d?.status === 'approved')) return 'approved';
  if (state.cutoff && Object.hasOwn(state.cutoff, deliverable) && state.cutoff[deliverable] === 'quorum')
    return 'quorum';
  return 'pending';
}

/** Every configured deliverable is approved or at quorum (false when none is configured). */
export function approvalsComplete(approvals: Approvals, state: ApprovalState): boolean {
  const ids = Object.keys(approvals.deliverables);
  return ids.length > 0 && ids.every((d) => ['approved', 'quorum'].includes(deliverableStatus(approvals, state, d)));
}

/**
 * The complete desired set of approval labels: `approval::<d>::<status>` per configured deliverable, plus
 * `approvals::complete` while every deliverable is approved or at quorum (from the decisions as they are
 * now, not from the once-recorded `complete` flag).
 */
export function approvalLabels(approvals: Approvals, state: ApprovalState): string[] {
  const labels = Object.keys(approvals.deliverables).map(
    (d) => `${APPROVAL_LABEL_PREFIX}${d}::${deliverableStatus(approvals, state, d)}`,
  );
  if (approvalsComplete(approvals, state)) labels.push(APPROVALS_COMPLETE_LABEL);
  return labels;
}

/** Every box of the matrix, ticked when its group approved. */
export function approvalBoxes(approvals: Approvals, state: ApprovalState): Array<{ stepId: string; done: boolean }> {
  const boxes: Array<{ stepId: string; done: boolean }> = [];
  for (const [d, deliverable] of Object.entries(approvals.deliverables)) {
    for (const g of deliverable.approve)
      boxes.push({ stepId: stepIdOf(d, g), done: decisionOf(state, d, g)?.status === 'approved' });
  }
  return boxes;
}

// ---------------------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------------------

export function deliverableName(approvals: Approvals, d: string): string {
  return neutralizeInline(deliverableOf(approvals, d)?.name ?? d, 100);
}

export function groupName(approvals: Approvals, g: string): string {
  return neutralizeInline(groupOf(approvals, g)?.name ?? g, 100);
}

/** An id from config or from a person, in a code span that cannot be broken out of. */
export function code(id: string): string {
  return `\`${neutralizeInline(id, 60).replace(/`/g, "'")}\``;
}

/** A configured person (`alice`, `@alice`, `@org/team`, `group/sub`) named without a ping. */
function quietPerson(person: string): string {
  return quietUser(person.replace(/^@+/, ''));
}

/** A configured person, mentioned. Config values are validated against the person pattern. */
export function mentionPerson(person: string): string {
  return mentionUser(person.replace(/^@+/, ''));
}

/** `2026-11-22T10:03:00Z`, or '' for a time that cannot be read. */
export function safeTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  try {
    return rfc3339(iso);
  } catch {
    return '';
  }
}

export function parseTime(iso: string | undefined): number {
  return iso === undefined ? Number.NaN : Date.parse(iso);
}

export const STATUS_TEXT: Record<DeliverableStatus, string> = {
  approved: '✅ approved',
  pending: '⏳ pending',
  quorum: '☑️ quorum (went ahead at the cut-off)',
  'changes-requested': '✋ changes requested',
};

/** Who may decide for a group, quietly: `approvers `@a`; back-ups `@b`, `@c``. */
export function whoMayDecide(approvals: Approvals, g: string): string {
  const group = groupOf(approvals, g);
  const approvers = (group?.approvers ?? []).map(quietPerson).filter(Boolean);
  const backups = (group?.backups ?? []).map(quietPerson).filter(Boolean);
  if (approvers.length === 0 && backups.length === 0) {
    return `nobody is configured (\`approvals.groups.${g}\` in the configuration)`;
  }
  return (
    `approvers ${approvers.length > 0 ? approvers.join(', ') : '_none configured_'}; back-ups ` +
    `${backups.length > 0 ? backups.join(', ') : '_none configured_'}`
  );
}

/** A group's back-ups, quietly, or `none configured`. */
export function backupsOf(approvals: Approvals, g: string): string {
  const backups = (groupOf(approvals, g)?.backups ?? []).map(quietPerson).filter(Boolean);
  return backups.length > 0 ? backups.join(', ') : 'none configured';
}
