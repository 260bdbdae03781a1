import { trustedState } from '../kernel/block.js';
import type { Actor, IssueEvent, NoteEvent } from '../kernel/events.js';
import { canWrite, formatRef, parseRef } from '../kernel/model.js';
import { parseCommand } from '../commands/parse.js';
import { blockEditOf, decideEdit, refusalForEdit } from '../checklist/decide.js';
import { undoEdit } from '../checklist/apply-revert.js';
import { putBackState } from '../checklist/handle.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { childLinkProblem, configProjectOf } from '../run/links.js';
import { renderRefusal } from '../run/messages.js';
import { emptyPlan } from '../run/plan.js';
import { handbookOf, withMaster } from '../run/with-master.js';
import { labelAdder } from '../server/actors.js';
import { applyApprovalEvents, approvalActor } from './apply.js';
import {
  approvalEventOf,
  approvalEventsOfEdit,
  approvalEventsOfLabels,
  foldApprovals,
  hasApprovalLabelChange,
  syncApprovals,
} from './approval-events.js';
import { parseStepId } from './matrix.js';

/**
 * The events of the communications ticket, where approvals are given: an edit of its block (approval boxes, the
 * review step, its own checklist), an approval label set or removed by hand, and an approval command in a comment.
 * Each is read as approval events (`approval-events.ts`), decided by the approval rules (`decide.ts`) on a fresh read
 * of the ticket under the incident's lock, and written back by `applyApprovalEvents`.
 */

/**
 * An edit of the communications ticket's block. Approval boxes are decided by the approval rules (approvers need no
 * write access); its other boxes are a writer's to tick, like the master's (`decideEdit`), and anyone else's are
 * undone with one refusal. Approval labels set in the same save (GitLab's one PUT) are decided with the boxes.
 */
export async function handleCommsEdit(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  const edit = blockEditOf(event);
  if (edit?.kind !== 'block') return 'not-a-trigger';
  // The block as it was before this edit decides: a person may have changed or removed the hidden state.
  const { before, previousBody } = edit;
  const masterRef = parseRef(before.master);
  if (!masterRef) return 'not-a-trigger';
  const access = await ctx.tracker.getAccess(event.project.path, event.actor);
  const writer = canWrite(access);
  // A writer's other changes may stand: only the hidden state is put back first. Anyone else's are undone below.
  if (writer) await putBackState(event, previousBody, masterRef, ctx);
  return withMaster(masterRef, ctx, async (run, settings) => {
    // A communications ticket counts only when its master names it back.
    const problem = childLinkProblem({
      master: run.master.ref,
      masterState: run.state,
      child: event.issue.ref,
      childState: before,
      config: settings.config,
      home: configProjectOf(run.state, run.master),
    });
    if (problem) {
      ctx.log.warn(
        { issue: formatRef(event.issue.ref), problem },
        'ticket and master do not name each other; edit ignored',
      );
      return emptyPlan(run);
    }
    // Approval boxes are decided by the approval rules (approvers need no write access), the rest by access.
    const isApprovalBox = (stepId: string): boolean => parseStepId(stepId, settings.config.approvals) !== null;
    let plan = emptyPlan(run);
    if (writer) {
      plan = decideEdit(
        { ...run, actor: event.actor, access },
        { ticket: event.issue, previousBody, isMaster: false, ignoreStep: isApprovalBox },
      );
    } else if (
      (await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, {
        scope: 'all',
        keep: isApprovalBox,
      })) !== 'unchanged'
    ) {
      await ctx.tracker.createComment(
        event.issue.ref,
        refusalForEdit(ctx.tracker.kind, event.actor.username, previousBody, event.issue),
      );
      ctx.log.info({ issue: formatRef(event.issue.ref) }, 'edit by someone without write access undone');
    }
    // The review step starts the clock only when its tick was allowed. Approval labels set in the same save are
    // decided with the boxes, and a removed one is put back from them.
    const events = [
      ...approvalEventsOfEdit(settings.config, previousBody, event.issue).filter((e) => e.kind === 'box' || writer),
      ...approvalEventsOfLabels(event),
    ];
    if (events.length === 0 && !hasApprovalLabelChange(event)) return plan;
    const actor = await approvalActor(ctx.tracker, settings.config, event.actor);
    const decide =
      events.length > 0 ? foldApprovals(settings.config, events, actor, run.now) : syncApprovals(settings.config);
    const approvals = await applyApprovalEvents(
      ctx.tracker,
      event.issue.ref,
      { ...run, actor: event.actor },
      settings,
      handbookOf(settings, ctx),
      decide,
      ctx.log,
    );
    return { ...plan, timeline: [...plan.timeline, ...approvals.timeline] };
  });
}

/**
 * An approval label set or removed by hand on the communications ticket, without an edit of its block (that one goes
 * with the edit). A label set is a request the approval rules decide; a removed one is put back from the boxes.
 */
export async function handleCommsLabel(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  const masterRef = parseRef(trustedState(event.issue)?.master);
  if (!masterRef) return 'not-a-trigger';
  return withMaster(masterRef, ctx, async (run, settings) => {
    // A label counts for whoever the tracker says added it; one it cannot confirm is put back like any hand-set one.
    const adder = await approvalLabelAdder(event, ctx);
    const events = adder ? approvalEventsOfLabels(event) : [];
    const actor = await approvalActor(ctx.tracker, settings.config, adder ?? event.actor);
    // A label set by hand is an approval event; a removed one is put back from the boxes.
    const decide =
      events.length > 0 ? foldApprovals(settings.config, events, actor, run.now) : syncApprovals(settings.config);
    return applyApprovalEvents(
      ctx.tracker,
      event.issue.ref,
      { ...run, actor: adder ?? event.actor },
      settings,
      handbookOf(settings, ctx),
      decide,
      ctx.log,
    );
  });
}

/**
 * `/approve`, `/revoke`, `/request-changes`, `/request-approvals` or `/drafting` on the communications ticket, from
 * anyone the approval rules let decide; starting the review (which pings every approver) needs write access or an
 * approver, recording the start of drafting (which moves the cut-off) write access.
 */
export async function handleCommsCommand(event: NoteEvent, ctx: EventContext): Promise<EventOutcome> {
  const command = parseCommand(event.comment.body);
  const approval = command ? approvalEventOf(command) : null;
  const masterRef = parseRef(trustedState(event.issue)?.master);
  if (!approval || !masterRef) return 'not-a-trigger';
  return withMaster(masterRef, ctx, async (run, settings) => {
    const actor = await approvalActor(ctx.tracker, settings.config, event.actor);
    // Starting the review clock pings every approver: people with write access or approvers only. The start of
    // drafting moves the cut-off: the SecCMOC's, people with write access only.
    const needsWrite =
      (approval.kind === 'request-approvals' && actor.groups.length === 0) || approval.kind === 'drafting';
    if (needsWrite && !canWrite(await ctx.tracker.getAccess(event.project.path, event.actor))) {
      await ctx.tracker.createComment(
        event.issue.ref,
        renderRefusal({
          actor: event.actor.username,
          what: approval.kind === 'drafting' ? 'record when drafting started' : 'request approvals',
          required: ctx.tracker.kind === 'gitlab' ? 'Developer access' : 'write access',
        }),
      );
      return emptyPlan(run);
    }
    const decide = foldApprovals(settings.config, [approval], actor, run.now);
    return applyApprovalEvents(
      ctx.tracker,
      event.issue.ref,
      { ...run, actor: event.actor },
      settings,
      handbookOf(settings, ctx),
      decide,
      ctx.log,
    );
  });
}

/**
 * Who added the approval labels of this delivery, as the tracker answers (`labelAdder`). Where deliveries are not the
 * tracker's word, every label the delivery says was added must be on the ticket now and the tracker must name one
 * account as the latest to add each of them; null otherwise (nothing is then taken from the labels).
 */
async function approvalLabelAdder(event: IssueEvent, ctx: EventContext): Promise<Actor | null> {
  const added = event.addedLabels.filter((l) => l.startsWith('approval::'));
  if (added.length === 0) return null;
  if (ctx.tracker.capabilities.signedDeliveries) return event.actor;
  const fresh = await ctx.tracker.getIssue(event.issue.ref);
  if (!added.every((l) => fresh.labels.includes(l))) return null;
  let adder: Actor | null = null;
  for (const label of added) {
    const who = await labelAdder(event, label, ctx);
    if (!who || (adder && adder.id !== who.id)) return null;
    adder = who;
  }
  return adder;
}
