import type { IncidentDeskConfig } from '../config/schema.js';
import { mentionUser, neutralizeInline, quietUser } from '../kernel/neutralize.js';
import { cleanUsername, mention, quiet } from '../kernel/usernames.js';
import { describeMinutes } from '../run/messages.js';
import { rfc3339 } from '../kernel/timeline.js';
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
  | { kind: 'request-approvals'; deliverable?: string };

/** Who acts, and the group ids they may decide for (as approver or back-up), resolved by the caller (teams included). */
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
} as const;

/** The label prefix of a deliverable's status: `approval::<deliverable>::<status>`. */
export const APPROVAL_LABEL_PREFIX = 'approval::';
/** Set while every deliverable is approved or at quorum. */
export const APPROVALS_COMPLETE_LABEL = 'approvals::complete';

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

const keyOf = (deliverable: string, group: string): string => `${deliverable}/${group}`;

function deliverableOf(approvals: Approvals, id: string): Approvals['deliverables'][string] | undefined {
  return Object.hasOwn(approvals.deliverables, id) ? approvals.deliverables[id] : undefined;
}

function groupOf(approvals: Approvals, id: string): Approvals['groups'][string] | undefined {
  return Object.hasOwn(approvals.groups, id) ? approvals.groups[id] : undefined;
}

function approvingGroups(approvals: Approvals, deliverable: string): string[] {
  return deliverableOf(approvals, deliverable)?.approve ?? [];
}

function decisionOf(state: ApprovalState, deliverable: string, group: string): Decision | undefined {
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
  if (state.cutoff && Object.hasOwn(state.cutoff, deliverable) && state.cutoff[deliverable] === 'quorum') return 'quorum';
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
  const labels = Object.keys(approvals.deliverables).map((d) => `${APPROVAL_LABEL_PREFIX}${d}::${deliverableStatus(approvals, state, d)}`);
  if (approvalsComplete(approvals, state)) labels.push(APPROVALS_COMPLETE_LABEL);
  return labels;
}

/** Every box of the matrix, ticked when its group approved. */
export function approvalBoxes(approvals: Approvals, state: ApprovalState): Array<{ stepId: string; done: boolean }> {
  const boxes: Array<{ stepId: string; done: boolean }> = [];
  for (const [d, deliverable] of Object.entries(approvals.deliverables)) {
    for (const g of deliverable.approve) boxes.push({ stepId: stepIdOf(d, g), done: decisionOf(state, d, g)?.status === 'approved' });
  }
  return boxes;
}

// ---------------------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------------------

function deliverableName(approvals: Approvals, d: string): string {
  return neutralizeInline(deliverableOf(approvals, d)?.name ?? d, 100);
}

function groupName(approvals: Approvals, g: string): string {
  return neutralizeInline(groupOf(approvals, g)?.name ?? g, 100);
}

/** An id from config or from a person, in a code span that cannot be broken out of. */
function code(id: string): string {
  return `\`${neutralizeInline(id, 60).replace(/`/g, "'")}\``;
}

/** A configured person (`alice`, `@alice`, `@org/team`, `group/sub`) named without a ping. */
function quietPerson(person: string): string {
  return quietUser(person.replace(/^@+/, ''));
}

/** A configured person, mentioned. Config values are validated against the person pattern. */
function mentionPerson(person: string): string {
  return mentionUser(person.replace(/^@+/, ''));
}

/** `2026-11-22T10:03:00Z`, or '' for a time that cannot be read. */
function safeTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  try {
    return rfc3339(iso);
  } catch {
    return '';
  }
}

function parseTime(iso: string | undefined): number {
  return iso === undefined ? Number.NaN : Date.parse(iso);
}

/** `5 h 12 min`, `45 min`, `2 h`. */
function formatLeft(ms: number): string {
  const total = Math.floor(ms / 60_000);
  if (total < 1) return 'less than a minute';
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const STATUS_TEXT: Record<DeliverableStatus, string> = {
  approved: '✅ approved',
  pending: '⏳ pending',
  quorum: '☑️ quorum (went ahead at the cut-off)',
  'changes-requested': '✋ changes requested',
};

/** Who may decide for a group, quietly: `approvers `@a`; back-ups `@b`, `@c``. */
function whoMayDecide(approvals: Approvals, g: string): string {
  const group = groupOf(approvals, g);
  const approvers = (group?.approvers ?? []).map(quietPerson).filter(Boolean);
  const backups = (group?.backups ?? []).map(quietPerson).filter(Boolean);
  if (approvers.length === 0 && backups.length === 0) {
    return `nobody is configured (\`approvals.groups.${g}\` in the configuration)`;
  }
  return `approvers ${approvers.length > 0 ? approvers.join(', ') : '_none configured_'}; back-ups ${backups.length > 0 ? backups.join(', ') : '_none configured_'}`;
}

/** A group's back-ups, quietly, or `none configured`. */
function backupsOf(approvals: Approvals, g: string): string {
  const backups = (groupOf(approvals, g)?.backups ?? []).map(quietPerson).filter(Boolean);
  return backups.length > 0 ? backups.join(', ') : 'none configured';
}

// ---------------------------------------------------------------------------------------------------------
// The working copy of one decision or sweep
// ---------------------------------------------------------------------------------------------------------

type Via = { kind: 'box'; checked: boolean } | { kind: 'command'; command: string } | { kind: 'label'; label: string };

function viaText(via: Via): string {
  switch (via.kind) {
    case 'box':
      return via.checked ? 'ticked the box' : 'unticked the box';
    case 'command':
      return `with \`/${via.command}\``;
    case 'label':
      return `with the label ${code(via.label)}`;
  }
}

/** What to say after "The box was …" / "The label was …" when a refusal put things back. */
function restoredText(via: Via | undefined): string {
  if (!via) return '';
  if (via.kind === 'box') return ` The box was ${via.checked ? 'unticked' : 'ticked'} again to match.`;
  if (via.kind === 'label') return ' The labels were put back to match.';
  return '';
}

class Work {
  readonly state: ApprovalState;
  readonly comments: string[] = [];
  readonly timeline: string[] = [];

  constructor(
    readonly approvals: Approvals,
    state: ApprovalState,
    readonly now: Date,
  ) {
    const copy: ApprovalState = { ...state, decisions: { ...(state.decisions ?? {}) } };
    if (state.pinged) copy.pinged = [...state.pinged];
    if (state.cutoff) copy.cutoff = { ...state.cutoff };
    if (state.boxChangedAt) copy.boxChangedAt = { ...state.boxChangedAt };
    this.state = copy;
  }

  status(d: string): DeliverableStatus {
    return deliverableStatus(this.approvals, this.state, d);
  }

  outcome(): ApprovalOutcome {
    return {
      state: this.state,
      boxes: approvalBoxes(this.approvals, this.state),
      labels: approvalLabels(this.approvals, this.state),
      comments: this.comments,
      timeline: this.timeline,
    };
  }

  // Decisions ------------------------------------------------------------------------------------------

  private audit(icon: string, actor: string, sentence: string, d: string, via: Via, extra: string[] = []): void {
    const who = quiet(actor) || 'Someone';
    const status = STATUS_TEXT[this.status(d)];
    this.comments.push(
      [
        APPROVAL_MARKERS.audit,
        `${icon} ${who} ${sentence} at ${safeTime(this.now.toISOString())} (${viaText(via)}).`,
        ...extra,
        '',
        `**${deliverableName(this.approvals, d)}** is now: ${status}.`,
        '',
      ].join('\n'),
    );
  }

  approve(d: string, g: string, actor: string, via: Via): void {
    const current = decisionOf(this.state, d, g);
    if (current?.status === 'approved') return;
    this.state.decisions[keyOf(d, g)] = { status: 'approved', by: cleanUsername(actor), at: this.now.toISOString() };
    const dn = deliverableName(this.approvals, d);
    const gn = groupName(this.approvals, g);
    this.audit('✅', actor, `approved the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`, d, via);
    this.timeline.push(`approved the ${dn} for ${gn}`);
  }

  /** Removes a group's decision; `onlyApproved` (an unticked box) leaves a change request alone. */
  revoke(d: string, g: string, actor: string, via: Via, onlyApproved: boolean): void {
    const current = decisionOf(this.state, d, g);
    if (!current || (onlyApproved && current.status !== 'approved')) return;
    delete this.state.decisions[keyOf(d, g)];
    const dn = deliverableName(this.approvals, d);
    const gn = groupName(this.approvals, g);
    if (current.status === 'approved') {
      this.audit('↩️', actor, `revoked the approval of the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`, d, via);
      this.timeline.push(`revoked the approval of the ${dn} for ${gn}`);
    } else {
      this.audit('↩️', actor, `withdrew the change request on the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`, d, via);
      this.timeline.push(`withdrew the change request on the ${dn} for ${gn}`);
    }
  }

  requestChanges(d: string, g: string, actor: string, reason: string, via: Via): void {
    const clean = neutralizeInline(reason, 500) || 'no reason given';
    const current = decisionOf(this.state, d, g);
    if (current?.status === 'changes-requested' && current.reason === clean) return;
    this.state.decisions[keyOf(d, g)] = { status: 'changes-requested', by: cleanUsername(actor), at: this.now.toISOString(), reason: clean };
    const dn = deliverableName(this.approvals, d);
    const gn = groupName(this.approvals, g);
    this.audit('✋', actor, `requested changes to the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`, d, via, ['', `> ${clean}`]);
    this.timeline.push(`requested changes to the ${dn} for ${gn}: ${clean}`);
  }

  // Refusals -------------------------------------------------------------------------------------------

  refuse(actor: string, what: string, groups: string[], via?: Via): void {
    const who = mention(actor);
    const lines = [
      APPROVAL_MARKERS.refusal,
      `${who ? `${who}, sorry` : 'Sorry'}: only an approver or a back-up of a group can decide for it, and you are not one for ${what}, so incident-desk changed nothing.${restoredText(via)}`,
    ];
    if (groups.length > 0) {
      lines.push('', 'Who may decide:', '');
      for (const g of groups) lines.push(`- **${groupName(this.approvals, g)}** (${code(g)}): ${whoMayDecide(this.approvals, g)}`);
    }
    this.comments.push(`${lines.join('\n')}\n`);
  }

  refuseText(actor: string, text: string, via?: Via): void {
    const who = mention(actor);
    this.comments.push(`${APPROVAL_MARKERS.refusal}\n${who ? `${who}: ` : ''}${text}${restoredText(via)}\n`);
  }

  unknownDeliverable(actor: string, d: string, via?: Via): void {
    const ids = Object.keys(this.approvals.deliverables).map(code);
    this.refuseText(
      actor,
      `${code(d)} is not a deliverable of this incident, so nothing was changed. ${ids.length > 0 ? `The deliverables are ${ids.join(', ')}.` : 'No deliverables are configured.'}`,
      via,
    );
  }

  unknownGroup(actor: string, g: string, d: string | null, via?: Via): void {
    if (!groupOf(this.approvals, g)) {
      const ids = Object.keys(this.approvals.groups).map(code);
      this.refuseText(actor, `${code(g)} is not an approval group, so nothing was changed. The groups are ${ids.join(', ') || '_none_'}.`, via);
      return;
    }
    if (d === null) {
      this.refuseText(actor, `Group ${code(g)} approves no deliverable, so nothing was changed.`, via);
      return;
    }
    const ids = approvingGroups(this.approvals, d).map(code);
    this.refuseText(
      actor,
      `Group ${code(g)} does not approve the **${deliverableName(this.approvals, d)}** (${code(d)}), so nothing was changed. ${ids.length > 0 ? `The groups that approve it are ${ids.join(', ')}.` : 'No group approves it.'}`,
      via,
    );
  }

  // Cut-off --------------------------------------------------------------------------------------------

  /** How a deliverable stands against the quorum of its required approving groups. */
  quorumOf(d: string): { approved: string[]; missing: string[]; changes: string[]; met: boolean } {
    const required = approvingGroups(this.approvals, d).filter((g) => this.approvals.required.includes(g));
    const approved = required.filter((g) => decisionOf(this.state, d, g)?.status === 'approved');
    const missing = required.filter((g) => !approved.includes(g));
    const changes = approvingGroups(this.approvals, d).filter((g) => decisionOf(this.state, d, g)?.status === 'changes-requested');
    return { approved, missing, changes, met: changes.length === 0 && approved.length >= this.approvals.quorum };
  }

  /** One line of a cut-off comment about a deliverable, and its result. */
  cutoffLine(d: string): { line: string; result: 'quorum' | 'escalated' } {
    const q = this.quorumOf(d);
    const names = (gs: string[]): string => (gs.length > 0 ? gs.map((g) => groupName(this.approvals, g)).join(', ') : 'none');
    const dn = deliverableName(this.approvals, d);
    if (q.met) {
      return {
        result: 'quorum',
        line: `- **${dn}** (${code(d)}) goes ahead at quorum: ${q.approved.length} of the required groups approved (${names(q.approved)}); not approved: ${names(q.missing)}.`,
      };
    }
    const changes = q.changes.map((g) => {
      const reason = decisionOf(this.state, d, g)?.reason;
      return `${groupName(this.approvals, g)} requested changes${reason ? ` (${reason})` : ''}`;
    });
    const why =
      changes.length > 0
        ? changes.join('; ')
        : `${q.approved.length} required group${q.approved.length === 1 ? '' : 's'} approved, ${this.approvals.quorum} needed (approved: ${names(q.approved)}; not approved: ${names(q.missing)})`;
    return { result: 'escalated', line: `- **${dn}** (${code(d)}) cannot go ahead: ${why}.` };
  }

  /** After a cut-off that escalated, a deliverable that now reaches quorum goes ahead (once). */
  upgradeEscalated(): void {
    const lines: string[] = [];
    for (const d of Object.keys(this.approvals.deliverables)) {
      if (this.state.cutoff?.[d] !== 'escalated' || !Object.hasOwn(this.state.cutoff, d)) continue;
      if (this.status(d) === 'approved' || !this.quorumOf(d).met) continue;
      const { line } = this.cutoffLine(d);
      this.state.cutoff = { ...this.state.cutoff, [d]: 'quorum' };
      lines.push(line);
      this.timeline.push(`${deliverableName(this.approvals, d)} goes ahead at quorum after the cut-off`);
    }
    if (lines.length === 0) return;
    this.comments.push(
      [APPROVAL_MARKERS.cutoff, '### Quorum reached after the cut-off', '', 'The cut-off has passed, and now enough required groups have approved:', '', ...lines, ''].join('\n'),
    );
  }

  checkComplete(): void {
    if (this.state.complete || !approvalsComplete(this.approvals, this.state)) return;
    this.state.complete = true;
    this.timeline.push('all communications approved or at quorum');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------------------

/**
 * Applies one event from a person to the approval state. Nothing changes unless the actor may decide for
 * the group; the outcome's boxes and labels always say what the state says, so a refused tick or a
 * hand-set label that disagrees is put back. `cutoffMinutes` (from the incident's severity; null when not
 * set) is only used to announce the cut-off when approvals are requested.
 */
export function decideApproval(
  approvals: Approvals,
  state: ApprovalState,
  event: ApprovalEvent,
  actor: ApprovalActor,
  now: Date,
  cutoffMinutes: number | null = null,
): ApprovalOutcome {
  const w = new Work(approvals, state, now);
  switch (event.kind) {
    case 'box': {
      const via: Via = { kind: 'box', checked: event.checked };
      const key = `${event.deliverable}/${event.group}`;
      const last = w.state.boxChangedAt?.[key];
      // Deliveries may arrive out of order: an edit older than the box's last change is not a decision.
      if (event.at && last && Date.parse(last) > Date.parse(event.at)) break;
      const targets = resolveTargets(w, actor, event.deliverable, event.group, via);
      if (event.at && targets.length > 0) w.state.boxChangedAt = { ...(w.state.boxChangedAt ?? {}), [key]: event.at };
      for (const [d, g] of targets) {
        if (event.checked) w.approve(d, g, actor.username, via);
        else w.revoke(d, g, actor.username, via, true);
      }
      break;
    }
    case 'approve':
    case 'revoke':
    case 'request-changes': {
      const via: Via = { kind: 'command', command: event.kind };
      if (event.deliverable === 'all' && event.kind !== 'approve') {
        w.unknownDeliverable(actor.username, event.deliverable);
        break;
      }
      const targets = resolveTargets(w, actor, event.deliverable, event.group, via);
      for (const [d, g] of targets) {
        if (event.kind === 'approve') w.approve(d, g, actor.username, via);
        else if (event.kind === 'revoke') w.revoke(d, g, actor.username, via, false);
        else w.requestChanges(d, g, actor.username, event.reason, via);
      }
      break;
    }
    case 'label':
      decideLabel(w, actor, event.deliverable, event.status);
      break;
    case 'request-approvals':
      requestApprovals(w, actor, event.deliverable, cutoffMinutes);
      break;
  }
  w.upgradeEscalated();
  w.checkComplete();
  return w.outcome();
}

/**
 * The (deliverable, group) pairs an event acts on: the named group, or every approving group of the
 * deliverable(s) the actor belongs to. Says why (and changes nothing) when there are none.
 */
function resolveTargets(w: Work, actor: ApprovalActor, deliverable: string, group: string | undefined, via: Via): Array<[string, string]> {
  const { approvals } = w;
  const all = deliverable === 'all';
  if (!all && !deliverableOf(approvals, deliverable)) {
    w.unknownDeliverable(actor.username, deliverable, via.kind === 'command' ? undefined : via);
    return [];
  }
  const ds = all ? Object.keys(approvals.deliverables) : [deliverable];
  const mine = new Set(actor.groups);
  const restore = via.kind === 'command' ? undefined : via;

  if (group !== undefined) {
    const matching = ds.filter((d) => approvingGroups(approvals, d).includes(group));
    if (!groupOf(approvals, group) || matching.length === 0) {
      w.unknownGroup(actor.username, group, all ? null : deliverable, restore);
      return [];
    }
    if (!mine.has(group)) {
      const what = all ? `**${groupName(approvals, group)}**` : `**${groupName(approvals, group)}** on the **${deliverableName(approvals, deliverable)}**`;
      w.refuse(actor.username, what, [group], restore);
      return [];
    }
    return matching.map((d) => [d, group]);
  }

  const targets: Array<[string, string]> = [];
  for (const d of ds) for (const g of approvingGroups(approvals, d)) if (mine.has(g)) targets.push([d, g]);
  if (targets.length === 0) {
    const groups = [...new Set(ds.flatMap((d) => approvingGroups(approvals, d)))];
    const what = all ? 'any group that approves a deliverable' : `any group that approves the **${deliverableName(approvals, deliverable)}**`;
    if (groups.length === 0) w.refuseText(actor.username, `No group approves ${all ? 'any deliverable' : `the **${deliverableName(approvals, deliverable)}**`}, so there is nothing to decide.`, restore);
    else w.refuse(actor.username, what, groups, restore);
  }
  return targets;
}

/**
 * A label set by hand is a request, not a fact: from someone who may decide for an approving group of the
 * deliverable, `approved` approves, `changes-requested` requests changes and `pending` revokes, for their
 * groups; `quorum` is only ever set by the cut-off. A label that already says the deliverable's status is
 * not an event (it is how the app's own labels come back).
 */
function decideLabel(w: Work, actor: ApprovalActor, d: string, status: DeliverableStatus): void {
  const { approvals } = w;
  const label = `${APPROVAL_LABEL_PREFIX}${d}::${status}`;
  const via: Via = { kind: 'label', label };
  if (!deliverableOf(approvals, d)) {
    w.unknownDeliverable(actor.username, d, via);
    return;
  }
  if (w.status(d) === status) return;
  if (status === 'quorum') {
    w.refuseText(actor.username, `${code(label)} can only be set by the cut-off, when enough required groups approved, so nothing was changed.`, via);
    return;
  }
  const mine = approvingGroups(approvals, d).filter((g) => actor.groups.includes(g));
  if (mine.length === 0) {
    w.refuse(actor.username, `any group that approves the **${deliverableName(approvals, d)}**`, approvingGroups(approvals, d), via);
    return;
  }
  for (const g of mine) {
    if (status === 'approved') w.approve(d, g, actor.username, via);
    else if (status === 'changes-requested') w.requestChanges(d, g, actor.username, 'set by label', via);
    else w.revoke(d, g, actor.username, via, false);
  }
}

/** Starts the review clock (once) and asks the approvers of the groups that have not approved. */
function requestApprovals(w: Work, actor: ApprovalActor, deliverable: string | undefined, cutoffMinutes: number | null): void {
  const { approvals, state } = w;
  if (deliverable !== undefined && !deliverableOf(approvals, deliverable)) {
    w.unknownDeliverable(actor.username, deliverable);
    return;
  }
  const ds = deliverable !== undefined ? [deliverable] : Object.keys(approvals.deliverables);
  const started = Number.isNaN(parseTime(state.requestedAt));
  if (started) state.requestedAt = w.now.toISOString();
  const startedAt = safeTime(state.requestedAt);

  // Group → deliverables it still has to approve, in config order of groups.
  const waiting = new Map<string, string[]>();
  for (const d of ds) {
    if (w.status(d) === 'quorum') continue;
    for (const g of approvingGroups(approvals, d)) {
      if (decisionOf(state, d, g)?.status === 'approved') continue;
      waiting.set(g, [...(waiting.get(g) ?? []), d]);
    }
  }
  const order = Object.keys(approvals.groups);
  const groups = [...waiting.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));

  const scope = deliverable !== undefined ? `the **${deliverableName(approvals, deliverable)}** (${code(deliverable)})` : 'the communications';
  const lines = [APPROVAL_MARKERS.request, `### Approval requested: ${deliverable !== undefined ? deliverableName(approvals, deliverable) : 'communications'}`, ''];
  if (groups.length === 0) {
    lines.push(`Every group has already approved ${scope}; nothing is waiting for a decision.`);
  } else {
    lines.push(
      `Please review the final text of ${scope} and decide within ${describeMinutes(approvals.responseMinutes)}: tick your group's box in the matrix, or reply \`/approve <deliverable>\` or \`/request-changes <deliverable> <reason>\`. A group that has not answered by then has its back-ups engaged.`,
      '',
    );
    for (const g of groups) {
      const approvers = (groupOf(approvals, g)?.approvers ?? []).map(mentionPerson).filter(Boolean);
      const names = (waiting.get(g) ?? []).map((d) => deliverableName(approvals, d)).join(', ');
      lines.push(
        `- **${groupName(approvals, g)}** (${code(g)}), for ${names}: ${approvers.length > 0 ? approvers.join(' ') : `no approvers configured (back-ups: ${backupsOf(approvals, g)})`}`,
      );
    }
  }
  lines.push('', started ? `The review starts now (${startedAt}).` : `The review started at ${startedAt}; asking again does not move the cut-off.`);
  let cutoffText: string;
  if (cutoffMinutes !== null && cutoffMinutes > 0) {
    const cutoff = safeTime(new Date(parseTime(state.requestedAt) + cutoffMinutes * 60_000).toISOString());
    cutoffText = `cut-off ${cutoff}`;
    lines.push(`**Cut-off: ${cutoff}** (${describeMinutes(cutoffMinutes)} after the start of the review).`);
  } else {
    const per = (['high', 'medium', 'low'] as const).map((s) => `${s}: ${describeMinutes(approvals.cutoffMinutes[s])}`).join(', ');
    cutoffText = 'cut-off depends on the severity';
    lines.push(`**Cut-off:** counted from the start of the review, by severity (${per}); set the severity with \`/severity\` on the incident ticket.`);
  }
  if (approvals.required.length > 0) {
    lines.push(
      `At the cut-off a deliverable goes ahead once at least ${approvals.quorum} of its required groups (${approvals.required.map((g) => groupName(approvals, g)).join(', ')}) approved; otherwise the Incident Manager decides.`,
    );
  }
  w.comments.push(`${lines.join('\n')}\n`);
  w.timeline.push(
    `requested approval of ${deliverable !== undefined ? `the ${deliverableName(approvals, deliverable)}` : 'the communications'} (${started ? 'review started' : 'asked again'}, ${cutoffText})`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Sweep
// ---------------------------------------------------------------------------------------------------------

/**
 * The clock of the review, from the scheduler: nothing before `requestedAt`. After `responseMinutes`
 * the back-ups of each group with no decision are mentioned, once per deliverable × group (one comment
 * covers all). At `requestedAt + cutoffMinutes` each deliverable that is not approved and has no cut-off
 * result either goes ahead at quorum or is escalated to the Incident Manager (mentioned), once; a
 * deliverable with a change request is always escalated. A time that passed while the app was down fires
 * at the next sweep, once.
 */
export function sweepApprovals(
  approvals: Approvals,
  state: ApprovalState,
  cutoffMinutes: number,
  now: Date,
  incidentManager: string | null,
): ApprovalOutcome {
  const w = new Work(approvals, state, now);
  const start = parseTime(state.requestedAt);
  const at = now.getTime();
  if (Number.isNaN(start) || Number.isNaN(at) || at < start) return w.outcome();
  const elapsed = at - start;
  const cutoffAt = Number.isFinite(cutoffMinutes) && cutoffMinutes > 0 ? start + cutoffMinutes * 60_000 : Number.NaN;

  // The cut-off is decided first, so that a sweep after a long outage does not engage the back-ups of a
  // deliverable that goes ahead at quorum; the ping is still said first, as it would have been in time.
  if (!Number.isNaN(cutoffAt) && at >= cutoffAt) cutoff(w, cutoffAt, cutoffMinutes, incidentManager);
  if (elapsed >= approvals.responseMinutes * 60_000) {
    const comments = w.comments.length;
    const timeline = w.timeline.length;
    pingBackups(w, cutoffAt);
    w.comments.unshift(...w.comments.splice(comments));
    w.timeline.unshift(...w.timeline.splice(timeline));
  }
  w.upgradeEscalated();
  w.checkComplete();
  return w.outcome();
}

function pingBackups(w: Work, cutoffAt: number): void {
  const { approvals, state } = w;
  const pinged = new Set(state.pinged ?? []);
  const waiting = new Map<string, string[]>();
  for (const d of Object.keys(approvals.deliverables)) {
    const status = w.status(d);
    if (status === 'approved' || status === 'quorum') continue;
    for (const g of approvingGroups(approvals, d)) {
      const k = keyOf(d, g);
      if (decisionOf(state, d, g) || pinged.has(k)) continue;
      pinged.add(k);
      waiting.set(g, [...(waiting.get(g) ?? []), d]);
    }
  }
  if (waiting.size === 0) return;
  state.pinged = [...pinged];

  const order = Object.keys(approvals.groups);
  const groups = [...waiting.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const lines = [
    APPROVAL_MARKERS.ping,
    '### Back-ups engaged',
    '',
    `No decision within ${describeMinutes(approvals.responseMinutes)} of the request for approvals (${safeTime(state.requestedAt)}), so the back-ups of these groups are asked to decide instead:`,
    '',
  ];
  for (const g of groups) {
    const backups = (groupOf(approvals, g)?.backups ?? []).map(mentionPerson).filter(Boolean);
    const names = (waiting.get(g) ?? []).map((d) => deliverableName(approvals, d)).join(', ');
    lines.push(
      `- **${groupName(approvals, g)}** (${code(g)}), for ${names}: ${backups.length > 0 ? backups.join(' ') : 'no back-ups are configured; the SecCMOC finds a stand-in'}`,
    );
    w.timeline.push(`back-ups of ${groupName(approvals, g)} engaged for ${names} (no decision within ${describeMinutes(approvals.responseMinutes)})`);
  }
  lines.push(
    '',
    `Tick your group's box in the matrix, or reply \`/approve <deliverable> <group>\` or \`/request-changes <deliverable> <reason>\`.${Number.isNaN(cutoffAt) ? '' : ` The cut-off is ${safeTime(new Date(cutoffAt).toISOString())}.`}`,
    '',
  );
  w.comments.push(lines.join('\n'));
}

function cutoff(w: Work, cutoffAt: number, cutoffMinutes: number, incidentManager: string | null): void {
  const { approvals, state } = w;
  const ahead: string[] = [];
  const escalated: string[] = [];
  for (const d of Object.keys(approvals.deliverables)) {
    if (state.cutoff && Object.hasOwn(state.cutoff, d)) continue;
    if (w.status(d) === 'approved') continue;
    const { line, result } = w.cutoffLine(d);
    state.cutoff = { ...(state.cutoff ?? {}), [d]: result };
    const dn = deliverableName(approvals, d);
    if (result === 'quorum') {
      ahead.push(line);
      w.timeline.push(`cut-off: ${dn} goes ahead at quorum`);
    } else {
      escalated.push(line);
      w.timeline.push(`cut-off: ${dn} escalated to the Incident Manager`);
    }
  }
  if (ahead.length === 0 && escalated.length === 0) return;

  const lines = [
    APPROVAL_MARKERS.cutoff,
    '### Approval cut-off reached',
    '',
    `The cut-off for approvals (${safeTime(new Date(cutoffAt).toISOString())}, ${describeMinutes(cutoffMinutes)} after the review started) has passed. A deliverable goes ahead once at least ${approvals.quorum} of its required groups approved.`,
  ];
  if (ahead.length > 0) lines.push('', ...ahead);
  if (escalated.length > 0) {
    const im = incidentManager ? mention(incidentManager) : '';
    lines.push(
      '',
      `${im || 'Whoever leads this incident'}: ${escalated.length === 1 ? 'this deliverable needs' : 'these deliverables need'} your decision:`,
      '',
      ...escalated,
    );
    if (!im) lines.push('', 'No Incident Manager is set yet: `/set incident-manager @name` on the incident ticket names one.');
    lines.push('', 'A deliverable still goes ahead as soon as enough required groups approve.');
  }
  w.comments.push(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Status table
// ---------------------------------------------------------------------------------------------------------

/** `2026-11-22T10:03Z`. */
function shortTime(iso: string): string {
  const t = safeTime(iso);
  return t ? `${t.slice(0, 16)}Z` : '';
}

/**
 * The approval status of the comms ticket: one row per deliverable, one column per group involved in any
 * deliverable, a status column, and a line with the time left to the cut-off (`cutoffMinutes` from the
 * incident's severity; null when the severity is not set).
 */
export function renderStatusTable(approvals: Approvals, state: ApprovalState, now: Date, cutoffMinutes: number | null): string {
  const ids = Object.keys(approvals.deliverables);
  const involved = new Set(ids.flatMap((d) => [...approvingGroups(approvals, d), ...(deliverableOf(approvals, d)?.fyi ?? [])]));
  const groups = [...Object.keys(approvals.groups).filter((g) => involved.has(g)), ...[...involved].filter((g) => !groupOf(approvals, g))];
  const pinged = new Set(state.pinged ?? []);

  const lines: string[] = [];
  if (ids.length === 0) {
    lines.push('_No deliverables are configured._');
  } else {
    lines.push(`| Deliverable | ${groups.map((g) => groupName(approvals, g)).join(' | ')}${groups.length > 0 ? ' | ' : ''}Status |`);
    lines.push(`| --- | ${groups.map(() => '---').join(' | ')}${groups.length > 0 ? ' | ' : ''}--- |`);
    for (const d of ids) {
      const deliverable = deliverableOf(approvals, d)!;
      const cells = groups.map((g) => {
        if (deliverable.approve.includes(g)) {
          const decision = decisionOf(state, d, g);
          if (decision?.status === 'approved') return ['✅', [quiet(decision.by), shortTime(decision.at)].filter(Boolean).join(', ')].join(' ').trim();
          if (decision?.status === 'changes-requested') return `✋ changes requested${quiet(decision.by) ? ` by ${quiet(decision.by)}` : ''}`;
          return pinged.has(keyOf(d, g)) ? '⏳ pending (back-ups asked)' : '⏳ pending';
        }
        return deliverable.fyi.includes(g) ? 'FYI' : '—';
      });
      const status = deliverableStatus(approvals, state, d);
      const escalated = status === 'pending' && state.cutoff?.[d] === 'escalated' && Object.hasOwn(state.cutoff, d);
      const statusText = escalated ? '⏳ pending (escalated at the cut-off)' : STATUS_TEXT[status];
      lines.push(`| ${deliverableName(approvals, d)} | ${cells.join(' | ')}${cells.length > 0 ? ' | ' : ''}${statusText} |`);
    }
  }

  lines.push('');
  const start = parseTime(state.requestedAt);
  if (Number.isNaN(start)) {
    lines.push('_Approval review not requested yet: `/request-approvals` starts it and announces the cut-off._');
  } else if (cutoffMinutes === null || !(cutoffMinutes > 0)) {
    lines.push(`_Review requested ${safeTime(state.requestedAt)}; the cut-off depends on the severity, which is not set yet (\`/severity\`)._`);
  } else {
    const cutoffAt = start + cutoffMinutes * 60_000;
    const cutoffText = safeTime(new Date(cutoffAt).toISOString());
    const left = cutoffAt - now.getTime();
    lines.push(
      left > 0
        ? `_Review requested ${safeTime(state.requestedAt)}; cut-off ${cutoffText}, ${formatLeft(left)} left._`
        : `_Review requested ${safeTime(state.requestedAt)}; cut-off passed (${cutoffText})._`,
    );
  }
  return lines.join('\n');
}
