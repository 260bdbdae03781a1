import { quiet } from '../kernel/usernames.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import {
  keyOf,
  deliverableOf,
  groupOf,
  approvingGroups,
  decisionOf,
  deliverableStatus,
  deliverableName,
  groupName,
  safeTime,
  STATUS_TEXT,
} from './matrix.js';
import type { Approvals } from './matrix.js';
import {
  cutoffAtOf,
  draftingCutoffAt,
  draftingSource,
  draftingStartOf,
  requestedAtOf,
  reviewStarted,
} from './clock.js';
import type { ReviewClock } from './clock.js';

/** The approval status table of the communications ticket, each deliverable's cut-off and the time left. Pure. */

/** `5 h 12 min`, `45 min`, `2 h`. */
function formatLeft(ms: number): string {
  const total = Math.floor(ms / 60_000);
  if (total < 1) return 'less than a minute';
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `2026-11-22T10:03Z`. */
function shortTime(iso: string): string {
  const t = safeTime(iso);
  return t ? `${t.slice(0, 16)}Z` : '';
}

/** A deliverable's cut-off cell: not requested, or its time and the time left. */
function cutoffCell(approvals: Approvals, state: ApprovalState, d: string, clock: ReviewClock, now: Date): string {
  const requested = requestedAtOf(state, d);
  if (requested === undefined) return 'review not requested';
  const at = cutoffAtOf(approvals, state, d, clock);
  if (Number.isNaN(at)) return `review requested ${shortTime(requested)}`;
  const left = at - now.getTime();
  return left > 0
    ? `${shortTime(new Date(at).toISOString())}, ${formatLeft(left)} left`
    : `${shortTime(new Date(at).toISOString())} (passed)`;
}

/**
 * The approval status of the comms ticket: one row per deliverable, one column per group involved in any
 * deliverable, a status column and the deliverable's cut-off (its review's own), then a line on the start of
 * drafting and the cut-off counted from it (`cutoffMinutes` from the incident's severity, null when not known;
 * `openedAt`, the ticket's creation, is the start of drafting when nobody recorded one).
 */
export function renderStatusTable(
  approvals: Approvals,
  state: ApprovalState,
  now: Date,
  cutoffMinutes: number | null,
  openedAt: string | null = null,
): string {
  const clock: ReviewClock = { cutoffMinutes, openedAt };
  const ids = Object.keys(approvals.deliverables);
  const involved = new Set(
    ids.flatMap((d) => {
      const deliverable = deliverableOf(approvals, d);
      return [
        ...approvingGroups(approvals, d),
        ...(deliverable?.fyi ?? []),
        ...(deliverable?.dri ? [deliverable.dri] : []),
      ];
    }),
  );
  const groups = [
    ...Object.keys(approvals.groups).filter((g) => involved.has(g)),
    ...[...involved].filter((g) => !groupOf(approvals, g)),
  ];
  const pinged = new Set(state.pinged ?? []);

  const lines: string[] = [];
  if (ids.length === 0) {
    lines.push('_No deliverables are configured._');
  } else {
    const groupCells = groups.map((g) => `${groupName(approvals, g)} | `).join('');
    lines.push(`| Deliverable | ${groupCells}Status | Cut-off |`);
    lines.push(`| --- | ${groups.map(() => '--- | ').join('')}--- | --- |`);
    for (const d of ids) {
      const deliverable = deliverableOf(approvals, d)!;
      const approvalCell = (g: string): string => {
        const decision = decisionOf(state, d, g);
        if (decision?.status === 'approved')
          return ['✅', [quiet(decision.by), shortTime(decision.at)].filter(Boolean).join(', ')].join(' ').trim();
        if (decision?.status === 'changes-requested')
          return `✋ changes requested${quiet(decision.by) ? ` by ${quiet(decision.by)}` : ''}`;
        return pinged.has(keyOf(d, g)) ? '⏳ pending (back-ups asked)' : '⏳ pending';
      };
      const cells = groups.map((g) => {
        const dri = deliverable.dri === g;
        if (deliverable.approve.includes(g)) return dri ? `${approvalCell(g)} · DRI` : approvalCell(g);
        if (dri) return 'DRI';
        return deliverable.fyi.includes(g) ? 'FYI' : '—';
      });
      const status = deliverableStatus(approvals, state, d);
      const escalated = status === 'pending' && state.cutoff?.[d] === 'escalated' && Object.hasOwn(state.cutoff, d);
      const statusText = escalated ? '⏳ pending (escalated at the cut-off)' : STATUS_TEXT[status];
      const cutoff = status === 'approved' ? '—' : cutoffCell(approvals, state, d, clock, now);
      lines.push(
        `| ${deliverableName(approvals, d)} | ${cells.map((c) => `${c} | `).join('')}${statusText} | ${cutoff} |`,
      );
    }
  }

  lines.push('', draftingLine(state, clock, now));
  return lines.join('\n');
}

/** The line under the table: when drafting started, and the cut-off counted from it. */
function draftingLine(state: ApprovalState, clock: ReviewClock, now: Date): string {
  const started = reviewStarted(state);
  const drafting = state.drafting ?? (started ? draftingStartOf(state, clock) : null);
  if (!drafting) {
    return (
      '_Approval review not requested yet: `/request-approvals [deliverable]` starts it and announces the cut-off, ' +
      'counted from the start of drafting (`/drafting`, or the "Drafting started" step; when nobody says, the ' +
      "ticket's creation)._"
    );
  }
  const since = `_Drafting started ${safeTime(drafting.at)} (${draftingSource(drafting, quiet)})`;
  const waiting = started ? '' : ' No review requested yet: `/request-approvals [deliverable]` starts one.';
  const cutoffAt = draftingCutoffAt(state, clock);
  if (Number.isNaN(cutoffAt)) {
    return `${since}; the cut-off depends on the severity, which is not set yet (\`/severity\`).${waiting}_`;
  }
  const left = cutoffAt - now.getTime();
  const cutoff = formatRfc3339(cutoffAt);
  return left > 0
    ? `${since}; cut-off ${cutoff}, ${formatLeft(left)} left.${waiting}_`
    : `${since}; cut-off passed (${cutoff}).${waiting}_`;
}
