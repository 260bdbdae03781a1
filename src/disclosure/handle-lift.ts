import { splitBody, trustedState } from '../kernel/block.js';
import type { NoteEvent } from '../kernel/events.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import { canWrite, formatRef, parseRef } from '../kernel/model.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { renderInvalid, renderRefusal, requiredAccess } from '../run/messages.js';
import { emptyPlan } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { lockKey, withMaster } from '../run/with-master.js';
import { isNotFound } from '../tracker/errors.js';
import { listOwnComments } from '../tracker/own-comments.js';
import type { Tracker } from '../tracker/port.js';
import { PublicWriteError } from '../server/write-guard.js';
import {
  decideLifted,
  decideLiftList,
  liftedBody,
  liftItems,
  liftProblem,
  mayLift,
  publicSummaryContextOf,
  publicSummaryText,
  recordOf,
  REDACTED_COMMENT,
  sourceRefOf,
} from './lift.js';
import type { LiftItem, LiftResult } from './lift.js';
import { DISCLOSURE_MARKERS } from './messages.js';

/**
 * `/disclose lift` and `/disclose lift confirm` on the master: after the disclosure, the Incident Manager or a
 * maintainer first sees what would be made public, then confirms. Every write passes the write guard, which checks a
 * lifted ticket's title, description and every comment on it, and the public summary posted on a public issue: a
 * ticket that still names anything private stays confidential, and the answer says so.
 */
export async function handleLift(event: NoteEvent, confirm: boolean, ctx: EventContext): Promise<EventOutcome> {
  let masterToLift: { ref: IssueRef; summary: string; comms: IssueRef | null } | null = null;
  const outcome = await withMaster(event.issue.ref, ctx, async (run, settings) => {
    const access = await ctx.tracker.getAccess(event.project.path, event.actor);
    const rctx: RunContext = { ...run, actor: event.actor, access };
    if (!access || !canWrite(access) || !mayLift(rctx)) {
      return answer(
        rctx,
        renderRefusal({
          actor: event.actor.username,
          what: 'lift the confidentiality of this incident (only the Incident Manager or a maintainer can)',
          required: requiredAccess(rctx.tracker),
        }),
      );
    }
    const problem = liftProblem(rctx);
    if (problem) return answer(rctx, renderInvalid({ command: 'disclose', expected: problem }));
    const tickets = await readTickets(ctx.tracker, rctx);
    const items = liftItems(rctx, tickets);
    if (!confirm || !rctx.state.run?.disclosure?.liftListedAt) return decideLiftList(rctx, items);
    const release = tickets.find((t) => t.role === 'release')?.issue ?? null;
    const summary = settings.renderer.publicSummary(publicSummaryContextOf(rctx, release));
    const comms = tickets.find((t) => t.role === 'comms')?.issue.ref ?? null;
    const results: LiftResult[] = [];
    for (const item of items) {
      if (item.action === 'keep' || item.role === 'master') continue;
      results.push(await act(ctx, item, summary, comms));
    }
    const master = items.find((i) => i.role === 'master' && i.action === 'lift');
    if (master) masterToLift = { ref: master.ref, summary, comms };
    return decideLifted(rctx, results, master !== undefined);
  });
  const pending = masterToLift as { ref: IssueRef; summary: string; comms: IssueRef | null } | null;
  if (outcome !== 'done' || !pending) return outcome;
  // The master last, once its own plan is written: from then on it holds no state of the app's.
  await ctx.locks.run(lockKey(ctx, pending.ref), async () => {
    const result = await liftTicket(ctx, pending.ref, pending.summary, pending.comms, true);
    if (!result.done)
      await ctx.tracker.createComment(
        pending.ref,
        `${DISCLOSURE_MARKERS.lift}\nThis master stays confidential: ${result.why ?? 'refused'}. Fix that, then ` +
          'make it non-confidential by hand.\n',
      );
  });
  return outcome;
}

function answer(ctx: RunContext, body: string): RunPlan {
  const plan = emptyPlan(ctx);
  plan.comments.push({ ref: ctx.master.ref, body });
  return plan;
}

/** The incident's other tickets as they are now: release and communications tickets, and the public source. */
async function readTickets(
  tracker: Tracker,
  ctx: RunContext,
): Promise<Array<{ role: 'release' | 'comms' | 'source'; issue: Issue }>> {
  const wanted: Array<{ role: 'release' | 'comms' | 'source'; ref: IssueRef | null }> = [
    ...(ctx.state.children ?? []).map((c) => ({ role: c.role, ref: parseRef(c.ref) })),
    { role: 'source' as const, ref: sourceRefOf(ctx) },
  ];
  const tickets: Array<{ role: 'release' | 'comms' | 'source'; issue: Issue }> = [];
  for (const { role, ref } of wanted) {
    if (!ref) continue;
    try {
      tickets.push({ role, issue: await tracker.getIssue(ref) });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return tickets;
}

async function act(ctx: EventContext, item: LiftItem, summary: string, comms: IssueRef | null): Promise<LiftResult> {
  if (item.action === 'summary') return postSummary(ctx, item, summary);
  return { item, ...(await liftTicket(ctx, item.ref, summary, comms, false)) };
}

/** GitHub: the public summary on the redacted public report (once), and its conversation unlocked. */
async function postSummary(ctx: EventContext, item: LiftItem, summary: string): Promise<LiftResult> {
  try {
    const own = await listOwnComments(ctx.tracker, item.ref);
    if (!own.some((c) => c.body.includes(DISCLOSURE_MARKERS.publicSummary)))
      await ctx.tracker.createComment(item.ref, publicSummaryText(summary));
    if (ctx.tracker.capabilities.lockConversation) await ctx.tracker.unlockIssue(item.ref);
    return { item, done: true };
  } catch (error) {
    if (error instanceof PublicWriteError) return { item, done: false, why: 'the summary names something private' };
    throw error;
  }
}

/**
 * GitLab: one ticket made non-confidential. Its app parts are kept on the communications ticket first (without the
 * hidden state), the app's own comments on it emptied, then its description (the public summary in place of the app's
 * block) and its confidentiality are written in one request, which the write guard checks against everything the
 * ticket holds; refused, the ticket stays confidential.
 */
async function liftTicket(
  ctx: EventContext,
  ref: IssueRef,
  summary: string,
  comms: IssueRef | null,
  isMaster: boolean,
): Promise<{ done: boolean; why?: string }> {
  const { tracker, log } = ctx;
  const issue = await tracker.getIssue(ref);
  if (!issue.confidential) return { done: true };
  const block = trustedState(issue) ? splitBody(issue.body).block : null;
  const own = (await listOwnComments(tracker, ref)).filter((c) => !c.body.includes(DISCLOSURE_MARKERS.redacted));
  if (comms && (block || own.length > 0)) {
    const parts = [
      ...(block ? [block.replace(/<!-- incident-desk:(?:unverified-)?state [^\n]*-->\n?/g, '')] : []),
      ...own.map((c) => c.body),
    ];
    await tracker.createComment(comms, recordOf(tracker.kind, ref, parts));
  }
  for (const c of own) await tracker.updateComment(ref, c.id, REDACTED_COMMENT);
  try {
    await tracker.updateIssue(ref, { body: liftedBody(issue.body, summary), confidential: false });
    return { done: true };
  } catch (error) {
    if (!(error instanceof PublicWriteError)) throw error;
    log.warn({ issue: formatRef(ref), master: isMaster }, 'lift refused by the write guard; ticket stays confidential');
    return { done: false, why: 'it still names something private (a person’s text or comment)' };
  }
}
