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
  parseTime,
  STATUS_TEXT,
} from './matrix.js';
import type { Approvals } from './matrix.js';

/** The approval status table of the communications ticket, and the time left to the cut-off. Pure. */

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

/**
 * The approval status of the comms ticket: one row per deliverable, one column per group involved in any
 * deliverable, a status column, and a line with the time left to the cut-off (`cutoffMinutes` from the
 * incident's severity; null when the severity is not set).
 */
export function renderStatusTable(
  approvals: Approvals,
  state: ApprovalState,
  now: Date,
  cutoffMinutes: number | null,
): string {
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
    const groupCells = groups.map((g) => groupName(approvals, g)).join(' | ');
    lines.push(`| Deliverable | ${groupCells}${groups.length > 0 ? ' | ' : ''}Status |`);
    lines.push(`| --- | ${groups.map(() => '---').join(' | ')}${groups.length > 0 ? ' | ' : ''}--- |`);
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
      lines.push(
        `| ${deliverableName(approvals, d)} | ${cells.join(' | ')}${cells.length > 0 ? ' | ' : ''}${statusText} |`,
      );
    }
  }

  lines.push('');
  const start = parseTime(state.requestedAt);
  if (Number.isNaN(start)) {
    lines.push('_Approval review not requested yet: `/request-approvals` starts it and announces the cut-off._');
  } else if (cutoffMinutes === null || !(cutoffMinutes > 0)) {
    lines.push(
      `_Review requested ${safeTime(state.requestedAt)}; the cut-off depends on the severity, which is not set yet ` +
        `(\`/severity\`)._`,
    );
  } else {
    const cutoffAt = start + cutoffMinutes * 60_000;
    const cutoffText = formatRfc3339(cutoffAt);
    const left = cutoffAt - now.getTime();
    lines.push(
      left > 0
        ? `_Review requested ${safeTime(state.requestedAt)}; cut-off ${cutoffText}, ${formatLeft(left)} left._`
        : `_Review requested ${safeTime(state.requestedAt)}; cut-off passed (${cutoffText})._`,
    );
  }
  return lines.join('\n');
}
