import type { ApprovalState, DraftingStart } from '../kernel/ticket-state.js';
import { cutoffAtOf, draftingStartOf, requestedAtOf } from './clock.js';
import type { ReviewClock } from './clock.js';
import { approvingGroups, decisionOf, deliverableOf, deliverableStatus } from './matrix.js';
import type { Approvals, DeliverableStatus } from './matrix.js';

/**
 * The approvals of a communications ticket as a record, deliverable by deliverable with its times: what an incident
 * report shows (approved / at quorum / escalated, and when). Ids only, no display text: the reader renders them.
 * Pure.
 */

/** One group's say on one deliverable. */
export interface GroupRecord {
  group: string;
  decision: 'approved' | 'changes-requested' | 'pending';
  /** Username (without `@`) of who decided, when someone did. */
  by: string | null;
  /** ISO time of the decision. */
  at: string | null;
}

/** One deliverable's review. Times are ISO; null when it did not happen (or is not known). */
export interface DeliverableRecord {
  deliverable: string;
  status: DeliverableStatus;
  /** The group that is its DRI, if any. */
  dri: string | null;
  /** When its review was requested: the start of its clock. */
  requestedAt: string | null;
  /** Its cut-off, when its review was requested and the cut-off is known. */
  cutoffAt: string | null;
  /** When the last of its approving groups approved, while it is approved. */
  approvedAt: string | null;
  /** When the cut-off escalated it to the Incident Manager. */
  escalatedAt: string | null;
  /** When it went ahead at quorum (at the cut-off, or later after an escalation). */
  quorumAt: string | null;
  groups: GroupRecord[];
}

export interface ApprovalsRecord {
  /** When drafting started, and how that is known (the cut-off counts from it). */
  drafting: DraftingStart | null;
  /** Every configured deliverable, in the matrix's order. */
  deliverables: DeliverableRecord[];
}

/**
 * The approvals of a communications ticket, per deliverable, from its state (`clock`: the severity's cut-off minutes
 * and the ticket's creation, for the cut-off times). States of the single clock of earlier versions read as every
 * deliverable requested at that clock's start; escalations and quorums they recorded carry no time.
 */
export function approvalsRecord(approvals: Approvals, state: ApprovalState, clock: ReviewClock): ApprovalsRecord {
  const deliverables = Object.keys(approvals.deliverables).map((d): DeliverableRecord => {
    const status = deliverableStatus(approvals, state, d);
    const groups = approvingGroups(approvals, d).map((g): GroupRecord => {
      const decision = decisionOf(state, d, g);
      return decision
        ? { group: g, decision: decision.status, by: decision.by || null, at: decision.at || null }
        : { group: g, decision: 'pending', by: null, at: null };
    });
    const times = state.outcomeAt && Object.hasOwn(state.outcomeAt, d) ? state.outcomeAt[d] : undefined;
    const result = state.cutoff && Object.hasOwn(state.cutoff, d) ? state.cutoff[d] : undefined;
    const cutoffAt = cutoffAtOf(approvals, state, d, clock);
    const approvedAt =
      status === 'approved'
        ? (groups
            .map((g) => g.at)
            .filter((at): at is string => at !== null)
            .sort()
            .at(-1) ?? null)
        : null;
    return {
      deliverable: d,
      status,
      dri: deliverableOf(approvals, d)?.dri ?? null,
      requestedAt: requestedAtOf(state, d) ?? null,
      cutoffAt: Number.isNaN(cutoffAt) ? null : new Date(cutoffAt).toISOString(),
      approvedAt,
      escalatedAt: times?.escalated ?? null,
      quorumAt: result === 'quorum' ? (times?.quorum ?? null) : null,
      groups,
    };
  });
  return { drafting: draftingStartOf(state, clock), deliverables };
}
