import { mention } from '../kernel/usernames.js';
import { describeMinutes } from '../run/messages.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import {
  APPROVAL_MARKERS,
  keyOf,
  groupOf,
  approvingGroups,
  decisionOf,
  deliverableName,
  groupName,
  code,
  mentionPerson,
  safeTime,
} from './matrix.js';
import type { Approvals, ApprovalOutcome } from './matrix.js';
import { Work } from './decide.js';
import { cutoffAtOf, draftingSource, draftingStartOf, requestedAtOf } from './clock.js';
import { quiet } from '../kernel/usernames.js';

/**
 * The review clocks, from the sweep: per deliverable whose review was requested, the back-ups engaged after
 * `responseMinutes`, and at its cut-off the deliverable going ahead at quorum or escalated to the Incident Manager,
 * each said once. Deliverables nobody asked a review of are left alone. Pure.
 */

/**
 * The clocks of the review, from the scheduler, each deliverable on its own: nothing before its review was requested.
 * `responseMinutes` after its request, the back-ups of each approving group with no decision on it are mentioned,
 * once per deliverable × group (one comment covers all that are due). At its cut-off (`cutoffMinutes` after the start
 * of drafting, see `cutoffAtOf`), a deliverable that is not approved and has no cut-off result either goes ahead at
 * quorum or is escalated to the Incident Manager (mentioned), once; one with a change request is always escalated.
 * A time that passed while the app was down fires at the next sweep, once. `openedAt`: when the communications ticket
 * was opened, the start of drafting when nobody recorded one.
 */
export function sweepApprovals(
  approvals: Approvals,
  state: ApprovalState,
  cutoffMinutes: number,
  now: Date,
  incidentManager: string | null,
  openedAt: string | null = null,
): ApprovalOutcome {
  const w = new Work(approvals, state, now, { cutoffMinutes, openedAt });
  const at = now.getTime();
  if (Number.isNaN(at)) return w.outcome();

  // The cut-off is decided first, so that a sweep after a long outage does not engage the back-ups of a
  // deliverable that goes ahead at quorum; the ping is still said first, as it would have been in time.
  cutoff(w, at, incidentManager);
  const comments = w.comments.length;
  const timeline = w.timeline.length;
  pingBackups(w, at);
  w.comments.unshift(...w.comments.splice(comments));
  w.timeline.unshift(...w.timeline.splice(timeline));
  w.upgradeEscalated();
  w.checkComplete();
  return w.outcome();
}

/** The deliverables whose review was requested, in the configuration's order. */
function requested(w: Work): string[] {
  return Object.keys(w.approvals.deliverables).filter((d) => requestedAtOf(w.state, d) !== undefined);
}

/** `2026-11-22T16:00:00Z`, or `Blog post 2026-11-22T16:00:00Z; FAQ 2026-11-22T16:30:00Z` when they differ. */
function cutoffsOf(w: Work, deliverables: string[]): string {
  const times = deliverables
    .map((d) => [d, cutoffAtOf(w.approvals, w.state, d, w.clock)] as const)
    .filter(([, t]) => !Number.isNaN(t));
  const distinct = new Set(times.map(([, t]) => t));
  if (distinct.size === 0) return '';
  if (distinct.size === 1) return formatRfc3339([...distinct][0]!);
  return times.map(([d, t]) => `${deliverableName(w.approvals, d)} ${formatRfc3339(t)}`).join('; ');
}

function pingBackups(w: Work, at: number): void {
  const { approvals, state } = w;
  const pinged = new Set(state.pinged ?? []);
  const waiting = new Map<string, string[]>();
  const due: string[] = [];
  for (const d of requested(w)) {
    const since = Date.parse(requestedAtOf(state, d) ?? '');
    if (Number.isNaN(since) || at < since + approvals.responseMinutes * 60_000) continue;
    const status = w.status(d);
    if (status === 'approved' || status === 'quorum') continue;
    for (const g of approvingGroups(approvals, d)) {
      const k = keyOf(d, g);
      if (decisionOf(state, d, g) || pinged.has(k)) continue;
      pinged.add(k);
      waiting.set(g, [...(waiting.get(g) ?? []), d]);
      if (!due.includes(d)) due.push(d);
    }
  }
  if (waiting.size === 0) return;
  state.pinged = [...pinged];

  const order = Object.keys(approvals.groups);
  const groups = [...waiting.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const asked = [...new Set(due.map((d) => safeTime(requestedAtOf(state, d))))].join(', ');
  const lines = [
    APPROVAL_MARKERS.ping,
    '### Back-ups engaged',
    '',
    `No decision within ${describeMinutes(approvals.responseMinutes)} of the request for approvals ` +
      `(${asked}), so the back-ups of these groups are asked to decide instead:`,
    '',
  ];
  for (const g of groups) {
    const backups = (groupOf(approvals, g)?.backups ?? []).map(mentionPerson).filter(Boolean);
    const names = (waiting.get(g) ?? []).map((d) => deliverableName(approvals, d)).join(', ');
    lines.push(
      `- **${groupName(approvals, g)}** (${code(g)}), for ${names}: ` +
        `${backups.length > 0 ? backups.join(' ') : 'no back-ups are configured; the SecCMOC finds a stand-in'}`,
    );
    w.timeline.push(
      `back-ups of ${groupName(approvals, g)} engaged for ${names} (no decision within ` +
        `${describeMinutes(approvals.responseMinutes)})`,
    );
  }
  const cutoffs = cutoffsOf(w, due);
  lines.push(
    '',
    `Tick your group's box in the matrix, or reply \`/approve <deliverable> <group>\` or \`/request-changes ` +
      `<deliverable> <reason>\`.${cutoffs ? ` The cut-off is ${cutoffs}.` : ''}`,
    '',
  );
  w.comments.push(lines.join('\n'));
}

function cutoff(w: Work, at: number, incidentManager: string | null): void {
  const { approvals, state, clock } = w;
  const ahead: string[] = [];
  const escalated: string[] = [];
  const fired: string[] = [];
  for (const d of requested(w)) {
    const cutoffAt = cutoffAtOf(approvals, state, d, clock);
    if (Number.isNaN(cutoffAt) || at < cutoffAt) continue;
    if (state.cutoff && Object.hasOwn(state.cutoff, d)) continue;
    if (w.status(d) === 'approved') continue;
    const { line, result } = w.cutoffLine(d);
    w.recordCutoff(d, result);
    fired.push(d);
    const dn = deliverableName(approvals, d);
    if (result === 'quorum') {
      ahead.push(line);
      w.timeline.push(`cut-off: ${dn} goes ahead at quorum`);
    } else {
      escalated.push(line);
      w.timeline.push(`cut-off: ${dn} escalated to the Incident Manager`);
    }
  }
  if (fired.length === 0) return;

  const drafting = draftingStartOf(state, clock);
  const since = drafting
    ? ` (${describeMinutes(clock.cutoffMinutes ?? 0)} after drafting started at ${safeTime(drafting.at)}, ` +
      `${draftingSource(drafting, quiet)})`
    : '';
  const lines = [
    APPROVAL_MARKERS.cutoff,
    '### Approval cut-off reached',
    '',
    `The cut-off for approvals, ${cutoffsOf(w, fired)}${since}, has passed. A deliverable goes ahead once at least ` +
      `${approvals.quorum} of its required groups approved, or all of them when fewer than ${approvals.quorum} ` +
      'approve it.',
  ];
  if (ahead.length > 0) lines.push('', ...ahead);
  if (escalated.length > 0) {
    const im = incidentManager ? mention(incidentManager) : '';
    lines.push(
      '',
      `${im || 'Whoever leads this incident'}: ` +
        `${escalated.length === 1 ? 'this deliverable needs' : 'these deliverables need'} your decision:`,
      '',
      ...escalated,
    );
    if (!im)
      lines.push('', 'No Incident Manager is set yet: `/set incident-manager @name` on the incident ticket names one.');
    lines.push('', 'A deliverable still goes ahead as soon as enough required groups approve.');
  }
  w.comments.push(`${lines.join('\n')}\n`);
}
