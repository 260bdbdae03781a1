import { splitBody, trustedState } from '../kernel/block.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import { formatRef, parseRef } from '../kernel/model.js';
import type { RunContext } from '../run/plan.js';
import { DISCLOSURE, quickLinksOf } from '../run/quick-links.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from '../server/logger.js';
import { decideGate } from './gate.js';
import type { Gate } from './gate.js';

/**
 * The publication gate of a master as it is now: its checklist and Public Disclosure Date as just read, and the
 * communications ticket's approvals read fresh (their status as the approvals capability computes it). A
 * communications ticket that cannot be read, or whose state is not the app's, keeps the gate closed.
 */
export async function readGate(tracker: Tracker, ctx: RunContext, log: Logger): Promise<Gate> {
  return decideGate({
    block: splitBody(ctx.master.body).block ?? '',
    disclosureDate: quickLinksOf(ctx.master).get(DISCLOSURE),
    approvals: ctx.config.approvals,
    comms: await readCommsApprovals(tracker, ctx, log),
    disclosure: ctx.state.run?.disclosure,
    now: ctx.now,
  });
}

async function readCommsApprovals(
  tracker: Tracker,
  ctx: RunContext,
  log: Logger,
): Promise<ApprovalState | null | 'unreadable'> {
  const row = (ctx.state.children ?? []).find((c) => c.role === 'comms');
  if (!row) return null;
  const ref = parseRef(row.ref);
  if (!ref) return 'unreadable';
  try {
    const comms = await tracker.getIssue(ref);
    const state = trustedState(comms);
    if (state?.role !== 'comms') return 'unreadable';
    return state.approvals ?? { decisions: {} };
  } catch (error) {
    log.warn({ issue: formatRef(ref), err: error }, 'communications ticket not readable; the gate stays closed');
    return 'unreadable';
  }
}
