import { splitBody } from '../kernel/block.js';
import type { IssueEvent } from '../kernel/events.js';
import type { IssueRef } from '../kernel/model.js';
import { canWrite, formatRef, parseRef } from '../kernel/model.js';
import { emptyPlan } from '../run/plan.js';
import { blockEditOf, decideEdit, refusalForEdit } from './decide.js';
import { editTouchesState } from './revert.js';
import { renderStateRefusal } from '../run/messages.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { childLinkProblem, configProjectOf } from '../run/links.js';
import { undoEdit } from './apply-revert.js';
import { withMaster, lockKey } from '../run/with-master.js';
import { publishingTicks, refusePrematureTicks } from '../disclosure/decide.js';
import { readGate } from '../disclosure/handle-gate.js';

/**
 * An edit of the app's block on the master, a release ticket or a tracking ticket (the route sends the
 * communications ticket's to `handleCommsEdit`): a writer's ticks and Quick Links values are recorded and replayed
 * onto a fresh read of the master (`decideEdit`); anyone else's are undone with one refusal. The hidden state is put
 * back whoever changed it.
 */
export async function handleChecklistEdit(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  const edit = blockEditOf(event);
  if (edit?.kind !== 'block') return 'not-a-trigger';
  // The block as it was before this edit decides: a person may have changed or removed the hidden state.
  const { before, previousBody } = edit;
  const after = splitBody(event.issue.body).block;
  const masterRef = before.role === 'master' ? event.issue.ref : parseRef(before.master);
  if (!masterRef) return 'not-a-trigger';
  const access = await ctx.tracker.getAccess(event.project.path, event.actor);
  if (!canWrite(access)) return refuseEdit(event, previousBody, masterRef, before.role === 'master', ctx);
  // A writer's boxes and Quick Links values count; the hidden state is the app's alone, and is put back first (the
  // master's own state is what the rest of the event is decided on).
  await putBackState(event, previousBody, masterRef, ctx);
  return withMaster(masterRef, ctx, async (run, settings) => {
    // A release ticket counts only when its master names it back.
    const problem =
      before.role === 'release'
        ? childLinkProblem({
            master: run.master.ref,
            masterState: run.state,
            child: event.issue.ref,
            childState: before,
            config: settings.config,
            home: configProjectOf(run.state, run.master),
          })
        : null;
    if (problem) {
      ctx.log.warn(
        { issue: formatRef(event.issue.ref), problem },
        'ticket and master do not name each other; edit ignored',
      );
      return emptyPlan(run);
    }
    const runCtx = { ...run, actor: event.actor, access };
    // A publishing step ticked before the publication gate opened is undone (the rest of the edit stands).
    const ticks = before.role === 'master' ? publishingTicks(splitBody(previousBody).block, after) : [];
    const gate = ticks.length > 0 ? await readGate(ctx.tracker, runCtx, ctx.log) : null;
    const premature = gate && !gate.open ? ticks : [];
    const plan = decideEdit(runCtx, {
      ticket: event.issue,
      previousBody,
      isMaster: before.role === 'master',
      ignoreStep: (stepId) => premature.includes(stepId),
    });
    return gate ? refusePrematureTicks(runCtx, plan, premature, gate) : plan;
  });
}

/**
 * A writer's edit that changed the hidden state: only the state is put back, under the incident's lock, before the
 * rest of the edit is decided (`refuseStateEdit`). Nothing when the state was left alone.
 */
export async function putBackState(
  event: IssueEvent,
  previousBody: string,
  masterRef: IssueRef,
  ctx: EventContext,
): Promise<void> {
  if (editTouchesState(splitBody(previousBody).block!, splitBody(event.issue.body).block)) {
    await ctx.locks.run(lockKey(ctx, masterRef), () => refuseStateEdit(event, previousBody, ctx));
  }
}

/**
 * An edit of the app's block by someone without write access: what they changed (boxes, values, text, the hidden
 * state) is undone on a fresh read, under the incident's lock, with one polite refusal on the ticket they edited.
 * What others wrote since, the app's own counters included, stays.
 */
async function refuseEdit(
  event: IssueEvent,
  previousBody: string,
  masterRef: IssueRef,
  isMaster: boolean,
  ctx: EventContext,
): Promise<EventOutcome> {
  const undone = await ctx.locks.run(lockKey(ctx, masterRef), async () => {
    const result = await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, { scope: 'all' });
    await ctx.tracker.createComment(
      event.issue.ref,
      refusalForEdit(ctx.tracker.kind, event.actor.username, previousBody, event.issue),
    );
    ctx.log.info({ issue: formatRef(event.issue.ref) }, 'edit by someone without write access undone');
    return result;
  });
  // The master changed in between (a /set, a reminder): its progress, phase and label are rendered again from the block
  // as it now is.
  if (isMaster && undone === 'merged')
    return withMaster(masterRef, ctx, (run) => ({ ...emptyPlan(run), refresh: true }));
  return 'done';
}

/**
 * An edit of the hidden state by someone whose other changes may stand (write access): only the state is put back,
 * on a fresh read, with one refusal that says so. Logged: it is either a mistake or an attempt.
 */
async function refuseStateEdit(event: IssueEvent, previousBody: string, ctx: EventContext): Promise<void> {
  ctx.log.warn(
    { issue: formatRef(event.issue.ref), actor: event.actor.username },
    'hidden state changed by a person; put back',
  );
  if (
    (await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, { scope: 'state' })) !== 'unchanged'
  ) {
    await ctx.tracker.createComment(event.issue.ref, renderStateRefusal({ actor: event.actor.username }));
  }
}
