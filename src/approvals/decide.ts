import { neutralizeInline } from '../kernel/neutralize.js';
import { cleanUsername, mention, quiet } from '../kernel/usernames.js';
import { describeMinutes } from '../run/messages.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import {
  APPROVAL_MARKERS,
  APPROVAL_LABEL_PREFIX,
  keyOf,
  deliverableOf,
  groupOf,
  approvingGroups,
  decisionOf,
  quorumOf,
  deliverableStatus,
  approvalsComplete,
  approvalLabels,
  approvalBoxes,
  deliverableName,
  groupName,
  code,
  mentionPerson,
  quorumRule,
  safeTime,
  STATUS_TEXT,
  whoMayDecide,
  backupsOf,
} from './matrix.js';
import type { Approvals, DeliverableStatus, ApprovalEvent, ApprovalActor, ApprovalOutcome } from './matrix.js';
import {
  NO_CLOCK,
  cutoffAtOf,
  cutoffDeferred,
  draftingCutoffAt,
  draftingSource,
  draftingStartOf,
  requestedAtOf,
  reviewStarted,
} from './clock.js';
import type { ReviewClock } from './clock.js';

/**
 * The approval decisions (seed 000): a box, a command or a label from a person decides for the groups they may
 * decide for, or is refused and put back. `Work` is the working copy of one decision (or sweep) and the texts it
 * says. Pure: the clock comes in, the caller applies the outcome.
 */

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

/** Why a deliverable went ahead with fewer approvals than the quorum. */
const fewer = (quorum: number): string => `fewer than ${quorum} required groups approve it, so it needed all of them`;

/** What to say after "The box was …" / "The label was …" when a refusal put things back. */
function restoredText(via: Via | undefined): string {
  if (!via) return '';
  if (via.kind === 'box') return ` The box was ${via.checked ? 'unticked' : 'ticked'} again to match.`;
  if (via.kind === 'label') return ' The labels were put back to match.';
  return '';
}

export class Work {
  readonly state: ApprovalState;
  readonly comments: string[] = [];
  readonly timeline: string[] = [];

  constructor(
    readonly approvals: Approvals,
    state: ApprovalState,
    readonly now: Date,
    readonly clock: ReviewClock = NO_CLOCK,
  ) {
    const copy: ApprovalState = { ...state, decisions: { ...(state.decisions ?? {}) } };
    if (state.pinged) copy.pinged = [...state.pinged];
    if (state.cutoff) copy.cutoff = { ...state.cutoff };
    if (state.boxChangedAt) copy.boxChangedAt = { ...state.boxChangedAt };
    if (state.requested) copy.requested = { ...state.requested };
    if (state.drafting) copy.drafting = { ...state.drafting };
    if (state.outcomeAt)
      copy.outcomeAt = Object.fromEntries(Object.entries(state.outcomeAt).map(([d, at]) => [d, { ...at }]));
    this.state = copy;
  }

  /** Records what the cut-off decided for a deliverable, and when (the report reads it). */
  recordCutoff(d: string, result: 'quorum' | 'escalated'): void {
    this.state.cutoff = { ...(this.state.cutoff ?? {}), [d]: result };
    const at = this.state.outcomeAt && Object.hasOwn(this.state.outcomeAt, d) ? this.state.outcomeAt[d] : undefined;
    this.state.outcomeAt = { ...(this.state.outcomeAt ?? {}), [d]: { ...at, [result]: this.now.toISOString() } };
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
        `${icon} ${who} ${sentence} at ${formatRfc3339(this.now)} (${viaText(via)}).`,
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
      this.audit(
        '↩️',
        actor,
        `withdrew the change request on the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`,
        d,
        via,
      );
      this.timeline.push(`withdrew the change request on the ${dn} for ${gn}`);
    }
  }

  requestChanges(d: string, g: string, actor: string, reason: string, via: Via): void {
    const clean = neutralizeInline(reason, 500) || 'no reason given';
    const current = decisionOf(this.state, d, g);
    if (current?.status === 'changes-requested' && current.reason === clean) return;
    this.state.decisions[keyOf(d, g)] = {
      status: 'changes-requested',
      by: cleanUsername(actor),
      at: this.now.toISOString(),
      reason: clean,
    };
    const dn = deliverableName(this.approvals, d);
    const gn = groupName(this.approvals, g);
    this.audit('✋', actor, `requested changes to the **${dn}** (${code(d)}) for **${gn}** (${code(g)})`, d, via, [
      '',
      `> ${clean}`,
    ]);
    this.timeline.push(`requested changes to the ${dn} for ${gn}: ${clean}`);
  }

  // Refusals -------------------------------------------------------------------------------------------

  refuse(actor: string, what: string, groups: string[], via?: Via): void {
    const who = mention(actor);
    const lines = [
      APPROVAL_MARKERS.refusal,
      `${who ? `${who}, sorry` : 'Sorry'}: only an approver or a back-up of a group can decide for it, and you are ` +
        `not one for ${what}, so incident-desk changed nothing.${restoredText(via)}`,
    ];
    if (groups.length > 0) {
      lines.push('', 'Who may decide:', '');
      for (const g of groups)
        lines.push(`- **${groupName(this.approvals, g)}** (${code(g)}): ${whoMayDecide(this.approvals, g)}`);
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
      `${code(d)} is not a deliverable of this incident, so nothing was changed. ` +
        `${ids.length > 0 ? `The deliverables are ${ids.join(', ')}.` : 'No deliverables are configured.'}`,
      via,
    );
  }

  unknownGroup(actor: string, g: string, d: string | null, via?: Via): void {
    if (!groupOf(this.approvals, g)) {
      const ids = Object.keys(this.approvals.groups).map(code);
      this.refuseText(
        actor,
        `${code(g)} is not an approval group, so nothing was changed. The groups are ${ids.join(', ') || '_none_'}.`,
        via,
      );
      return;
    }
    if (d === null) {
      this.refuseText(actor, `Group ${code(g)} approves no deliverable, so nothing was changed.`, via);
      return;
    }
    const ids = approvingGroups(this.approvals, d).map(code);
    this.refuseText(
      actor,
      `Group ${code(g)} does not approve the **${deliverableName(this.approvals, d)}** (${code(d)}), so nothing was ` +
        `changed. ${ids.length > 0 ? `The groups that approve it are ${ids.join(', ')}.` : 'No group approves it.'}`,
      via,
    );
  }

  // Cut-off --------------------------------------------------------------------------------------------

  /**
   * How a deliverable stands against its quorum (`quorumOf`): among the required groups that approve it, `quorum` of
   * them, or all of them when fewer approve it; never met with a change request, nor when no required group approves.
   */
  quorumOf(d: string): { approved: string[]; missing: string[]; changes: string[]; needed: number; met: boolean } {
    const { required, needed } = quorumOf(this.approvals, d);
    const approved = required.filter((g) => decisionOf(this.state, d, g)?.status === 'approved');
    const missing = required.filter((g) => !approved.includes(g));
    const changes = approvingGroups(this.approvals, d).filter(
      (g) => decisionOf(this.state, d, g)?.status === 'changes-requested',
    );
    return { approved, missing, changes, needed, met: changes.length === 0 && needed > 0 && approved.length >= needed };
  }

  /** One line of a cut-off comment about a deliverable, and its result. */
  cutoffLine(d: string): { line: string; result: 'quorum' | 'escalated' } {
    const q = this.quorumOf(d);
    const names = (gs: string[]): string =>
      gs.length > 0 ? gs.map((g) => groupName(this.approvals, g)).join(', ') : 'none';
    const dn = deliverableName(this.approvals, d);
    if (q.met) {
      return {
        result: 'quorum',
        line:
          `- **${dn}** (${code(d)}) goes ahead at quorum: ${q.approved.length} of the required groups approved ` +
          `(${names(q.approved)}); not approved: ${names(q.missing)}` +
          `${q.needed < this.approvals.quorum ? ` (${fewer(this.approvals.quorum)})` : ''}.`,
      };
    }
    const changes = q.changes.map((g) => {
      const reason = decisionOf(this.state, d, g)?.reason;
      return `${groupName(this.approvals, g)} requested changes${reason ? ` (${reason})` : ''}`;
    });
    const why =
      changes.length > 0
        ? changes.join('; ')
        : q.needed === 0
          ? 'no required group approves it, so it cannot go ahead at quorum'
          : `${q.approved.length} required group${q.approved.length === 1 ? '' : 's'} approved, ` +
            `${q.needed} needed (approved: ${names(q.approved)}; not approved: ${names(q.missing)})`;
    return { result: 'escalated', line: `- **${dn}** (${code(d)}) cannot go ahead: ${why}.` };
  }

  /** After a cut-off that escalated, a deliverable that now reaches quorum goes ahead (once). */
  upgradeEscalated(): void {
    const lines: string[] = [];
    for (const d of Object.keys(this.approvals.deliverables)) {
      if (this.state.cutoff?.[d] !== 'escalated' || !Object.hasOwn(this.state.cutoff, d)) continue;
      if (this.status(d) === 'approved' || !this.quorumOf(d).met) continue;
      const { line } = this.cutoffLine(d);
      this.recordCutoff(d, 'quorum');
      lines.push(line);
      this.timeline.push(`${deliverableName(this.approvals, d)} goes ahead at quorum after the cut-off`);
    }
    if (lines.length === 0) return;
    this.comments.push(
      [
        APPROVAL_MARKERS.cutoff,
        '### Quorum reached after the cut-off',
        '',
        'The cut-off has passed, and now enough required groups have approved:',
        '',
        ...lines,
        '',
      ].join('\n'),
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
 * set) and `openedAt` (when the communications ticket was opened: the start of drafting when nobody recorded
 * one) are used to announce the cut-off when approvals are requested or drafting starts.
 */
export function decideApproval(
  approvals: Approvals,
  state: ApprovalState,
  event: ApprovalEvent,
  actor: ApprovalActor,
  now: Date,
  cutoffMinutes: number | null = null,
  openedAt: string | null = null,
): ApprovalOutcome {
  const w = new Work(approvals, state, now, { cutoffMinutes, openedAt });
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
      requestApprovals(w, actor, event.deliverable);
      break;
    case 'drafting':
      recordDrafting(w, actor, event);
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
function resolveTargets(
  w: Work,
  actor: ApprovalActor,
  deliverable: string,
  group: string | undefined,
  via: Via,
): Array<[string, string]> {
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
      const what = all
        ? `**${groupName(approvals, group)}**`
        : `**${groupName(approvals, group)}** on the **${deliverableName(approvals, deliverable)}**`;
      w.refuse(actor.username, what, [group], restore);
      return [];
    }
    return matching.map((d) => [d, group]);
  }

  const targets: Array<[string, string]> = [];
  for (const d of ds) for (const g of approvingGroups(approvals, d)) if (mine.has(g)) targets.push([d, g]);
  if (targets.length === 0) {
    const groups = [...new Set(ds.flatMap((d) => approvingGroups(approvals, d)))];
    const what = all
      ? 'any group that approves a deliverable'
      : `any group that approves the **${deliverableName(approvals, deliverable)}**`;
    if (groups.length === 0)
      w.refuseText(
        actor.username,
        `No group approves ${all ? 'any deliverable' : `the **${deliverableName(approvals, deliverable)}**`}, so ` +
          `there is nothing to decide.`,
        restore,
      );
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
    w.refuseText(
      actor.username,
      `${code(label)} can only be set by the cut-off, when enough required groups approved, so nothing was changed.`,
      via,
    );
    return;
  }
  const mine = approvingGroups(approvals, d).filter((g) => actor.groups.includes(g));
  if (mine.length === 0) {
    w.refuse(
      actor.username,
      `any group that approves the **${deliverableName(approvals, d)}**`,
      approvingGroups(approvals, d),
      via,
    );
    return;
  }
  for (const g of mine) {
    if (status === 'approved') w.approve(d, g, actor.username, via);
    else if (status === 'changes-requested') w.requestChanges(d, g, actor.username, 'set by label', via);
    else w.revoke(d, g, actor.username, via, false);
  }
}

/**
 * Starts the review clock of each deliverable asked for (all of them by default) that has none yet, and asks the
 * approvers of the groups that have not approved. The first review fixes the start of drafting (the ticket's
 * creation when nobody recorded it), from which the cut-off is counted and announced; the DRI of each deliverable
 * is told. Asking again starts no clock anew and moves no cut-off.
 */
function requestApprovals(w: Work, actor: ApprovalActor, deliverable: string | undefined): void {
  const { approvals, state } = w;
  if (deliverable !== undefined && !deliverableOf(approvals, deliverable)) {
    w.unknownDeliverable(actor.username, deliverable);
    return;
  }
  const ds = deliverable !== undefined ? [deliverable] : Object.keys(approvals.deliverables);
  // The cut-off announced now must not move: the first review fixes the start of drafting it counts from.
  if (!reviewStarted(state) && !state.drafting)
    state.drafting = draftingStartOf(state, w.clock) ?? { at: w.now.toISOString(), via: 'review' };
  const started = ds.filter((d) => requestedAtOf(state, d) === undefined);
  const again = ds.filter((d) => !started.includes(d));
  if (started.length > 0) {
    state.requested = { ...(state.requested ?? {}) };
    for (const d of started) state.requested[d] = w.now.toISOString();
  }
  const waiting = waitingGroups(w, ds);

  const scope =
    deliverable !== undefined
      ? `the **${deliverableName(approvals, deliverable)}** (${code(deliverable)})`
      : 'the communications';
  const lines = [
    APPROVAL_MARKERS.request,
    `### Approval requested: ${deliverable !== undefined ? deliverableName(approvals, deliverable) : 'communications'}`,
    '',
  ];
  if (waiting.size === 0) {
    lines.push(`Every group has already approved ${scope}; nothing is waiting for a decision.`);
  } else {
    lines.push(
      `Please review the final text of ${scope} and decide within ${describeMinutes(approvals.responseMinutes)}: ` +
        `tick your group's box in the matrix, or reply \`/approve <deliverable>\` or \`/request-changes ` +
        `<deliverable> <reason>\`. A group that has not answered by then has its back-ups engaged.`,
      '',
    );
    for (const [g, waitingFor] of waiting) {
      const approvers = (groupOf(approvals, g)?.approvers ?? []).map(mentionPerson).filter(Boolean);
      const names = waitingFor.map((d) => deliverableName(approvals, d)).join(', ');
      const asked =
        approvers.length > 0 ? approvers.join(' ') : `no approvers configured (back-ups: ${backupsOf(approvals, g)})`;
      lines.push(`- **${groupName(approvals, g)}** (${code(g)}), for ${names}: ${asked}`);
    }
  }
  lines.push(...driLines(w, ds), '', ...clockLines(w, started, again), '');
  const cutoff = cutoffLines(w, ds);
  lines.push(...cutoff.lines);
  w.comments.push(`${lines.join('\n')}\n`);
  const what = deliverable !== undefined ? `the ${deliverableName(approvals, deliverable)}` : 'the communications';
  const names = (list: string[]) => list.map((d) => deliverableName(approvals, d)).join(', ');
  const how =
    started.length === 0
      ? 'asked again'
      : again.length === 0
        ? 'review started'
        : `review started for ${names(started)}; asked again for ${names(again)}`;
  w.timeline.push(`requested approval of ${what} (${how}, ${cutoff.summary})`);
}

/** The DRI of each deliverable asked for, mentioned: it owns the text and its publication. */
function driLines(w: Work, deliverables: string[]): string[] {
  const { approvals } = w;
  const lines: string[] = [];
  for (const d of deliverables) {
    const dri = deliverableOf(approvals, d)?.dri;
    if (!dri) continue;
    const people = (groupOf(approvals, dri)?.approvers ?? []).map(mentionPerson).filter(Boolean);
    lines.push(
      `- **${deliverableName(approvals, d)}**: its DRI is **${groupName(approvals, dri)}** (${code(dri)}), which ` +
        `owns the text and its publication: ${people.length > 0 ? people.join(' ') : 'no approvers configured'}`,
    );
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

/** Which reviews start now and which had started (their clocks do not move). */
function clockLines(w: Work, started: string[], again: string[]): string[] {
  const { approvals, state } = w;
  const names = (list: string[]) => list.map((d) => deliverableName(approvals, d)).join(', ');
  const lines: string[] = [];
  if (started.length > 0) lines.push(`The review of ${names(started)} starts now (${formatRfc3339(w.now)}).`);
  for (const d of again) {
    lines.push(
      `The review of ${deliverableName(approvals, d)} started at ${safeTime(requestedAtOf(state, d))}; asking again ` +
        'does not move the cut-off.',
    );
  }
  return lines;
}

/** Group → the deliverables it still has to approve, in the configuration's order of groups. */
function waitingGroups(w: Work, deliverables: string[]): Map<string, string[]> {
  const { approvals, state } = w;
  const waiting = new Map<string, string[]>();
  for (const d of deliverables) {
    if (w.status(d) === 'quorum') continue;
    for (const g of approvingGroups(approvals, d)) {
      if (decisionOf(state, d, g)?.status === 'approved') continue;
      waiting.set(g, [...(waiting.get(g) ?? []), d]);
    }
  }
  const order = Object.keys(approvals.groups);
  return new Map([...waiting].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

/**
 * The request's lines on the cut-off of the deliverables asked for: the time, counted from the start of drafting
 * (or later for a review that started too late to leave its approvers their response time), or the cut-off per
 * severity when none is known; then what the quorum asks of each. And what the timeline says of it.
 */
function cutoffLines(w: Work, deliverables: string[]): { lines: string[]; summary: string } {
  const { approvals, state, clock } = w;
  const lines: string[] = [];
  let summary: string;
  const drafting = draftingStartOf(state, clock);
  const fromDrafting = draftingCutoffAt(state, clock);
  if (drafting && clock.cutoffMinutes !== null && !Number.isNaN(fromDrafting)) {
    const cutoff = formatRfc3339(fromDrafting);
    summary = `cut-off ${cutoff}`;
    lines.push(
      `**Cut-off: ${cutoff}** (${describeMinutes(clock.cutoffMinutes)} after drafting started at ` +
        `${safeTime(drafting.at)}, ${draftingSource(drafting, quiet)}).`,
    );
    for (const d of deliverables) {
      if (!cutoffDeferred(approvals, state, d, clock)) continue;
      const at = formatRfc3339(cutoffAtOf(approvals, state, d, clock));
      lines.push(
        `The review of ${deliverableName(approvals, d)} started too late for that cut-off to leave its approvers ` +
          `their ${describeMinutes(approvals.responseMinutes)}: **its cut-off is ${at}**.`,
      );
      summary += `, ${deliverableName(approvals, d)} ${at}`;
    }
  } else {
    const per = (['high', 'medium', 'low'] as const)
      .map((s) => `${s}: ${describeMinutes(approvals.cutoffMinutes[s])}`)
      .join(', ');
    summary = 'cut-off depends on the severity';
    lines.push(
      `**Cut-off:** counted from the start of drafting, by severity (${per}); set the severity with \`/severity\` ` +
        `on the incident ticket.`,
    );
  }
  const rules = deliverables
    .map((d) => [d, quorumRule(approvals, d)] as const)
    .filter(([, rule]) => rule !== '')
    .map(([d, rule]) => `- **${deliverableName(approvals, d)}**: ${rule.replace(/^At the cut-off it/, 'it')}`);
  if (rules.length > 0) {
    lines.push('', 'At the cut-off, unless every group that approves it has approved by then:', '', ...rules);
    lines.push('', 'Otherwise the Incident Manager decides.');
  }
  return { lines, summary };
}

/**
 * Drafting started: the step was ticked, or `/drafting [time]`. The cut-off counts from it (seed 000), so it is
 * recorded once, before any review starts; a time given with the command corrects it until then. After the first
 * review its announced cut-off does not move, and saying so is all that happens.
 */
function recordDrafting(w: Work, actor: ApprovalActor, event: Extract<ApprovalEvent, { kind: 'drafting' }>): void {
  const { state, clock } = w;
  const given = event.at === undefined ? Number.NaN : Date.parse(event.at);
  const now = w.now.getTime();
  // Nothing changed: the person who asked is told (mentioned); a recorded start is said without a ping.
  const who = mention(actor.username);
  const say = (text: string) => w.comments.push(`${APPROVAL_MARKERS.drafting}\n${who ? `${who}: ` : ''}${text}\n`);
  const record = (text: string) => w.comments.push(`${APPROVAL_MARKERS.drafting}\n${text}\n`);
  if (event.via === 'command' && given > now) {
    say(`${safeTime(event.at)} is in the future; the start of drafting is when it started, so nothing was changed.`);
    return;
  }
  if (reviewStarted(state)) {
    const drafting = draftingStartOf(state, clock);
    const cutoff = draftingCutoffAt(state, clock);
    if (event.via === 'step' && !drafting) return;
    say(
      'The review has already started, and its cut-off was announced from the start of drafting ' +
        `(${drafting ? `${safeTime(drafting.at)}, ${draftingSource(drafting, quiet)}` : 'unknown'})` +
        `${Number.isNaN(cutoff) ? '' : `: ${formatRfc3339(cutoff)}`}. It does not move, so nothing was changed.`,
    );
    return;
  }
  if (state.drafting && (event.via === 'step' || event.at === undefined)) {
    if (event.via === 'command')
      say(
        `Drafting started at ${safeTime(state.drafting.at)} (${draftingSource(state.drafting, quiet)}). To correct ` +
          'it before the review starts, give the time: `/drafting 2026-11-22T09:30:00Z`.',
      );
    return;
  }
  const at = Number.isNaN(given) ? w.now : new Date(Math.min(given, now));
  state.drafting = {
    at: at.toISOString(),
    via: event.via,
    ...(cleanUsername(actor.username) ? { by: cleanUsername(actor.username) } : {}),
  };
  const cutoff = draftingCutoffAt(state, clock);
  const cutoffText = Number.isNaN(cutoff)
    ? 'The cut-off for approvals is counted from then, by severity, and announced when the review starts.'
    : `The cut-off for approvals is counted from then: ${formatRfc3339(cutoff)} at the incident's current severity ` +
      `(${describeMinutes(clock.cutoffMinutes ?? 0)} after), announced again when the review starts.`;
  record(`Drafting started at ${formatRfc3339(at)} (${draftingSource(state.drafting, quiet)}). ${cutoffText}`);
  w.timeline.push(
    `drafting of the communications started at ${formatRfc3339(at)}` +
      `${Number.isNaN(cutoff) ? '' : ` (cut-off ${formatRfc3339(cutoff)})`}`,
  );
}
