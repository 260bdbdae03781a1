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
  parseTime,
} from './matrix.js';
import type { Approvals, ApprovalOutcome } from './matrix.js';
import { Work } from './decide.js';

/**
 * The review's clock, from the sweep: the back-ups engaged after `responseMinutes`, and at the cut-off each
 * deliverable going ahead at quorum or escalated to the Incident Manager, each said once. Pure.
 */

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
    `No decision within ${describeMinutes(approvals.responseMinutes)} of the request for approvals ` +
      `(${safeTime(state.requestedAt)}), so the back-ups of these groups are asked to decide instead:`,
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
  lines.push(
    '',
    `Tick your group's box in the matrix, or reply \`/approve <deliverable> <group>\` or \`/request-changes ` +
      `<deliverable> <reason>\`.${Number.isNaN(cutoffAt) ? '' : ` The cut-off is ${formatRfc3339(cutoffAt)}.`}`,
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
    `The cut-off for approvals (${formatRfc3339(cutoffAt)}, ${describeMinutes(cutoffMinutes)} after the review ` +
      `started) has passed. A deliverable goes ahead once at least ${approvals.quorum} of its required groups ` +
      `approved, or all of them when fewer than ${approvals.quorum} approve it.`,
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
