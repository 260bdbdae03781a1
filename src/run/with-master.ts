import { splitBody, trustedState } from '../kernel/block.js';
import { parseCommand } from '../commands/parse.js';
import type { Actor, IssueEvent, TrackerEvent } from '../kernel/events.js';
import type { IssueRef } from '../kernel/model.js';
import { canWrite, formatRef, parseRef } from '../kernel/model.js';
import { configProjectOf } from './links.js';
import { decideCommand } from '../commands/decide.js';
import { decideStateChange } from '../tracking/decide.js';
import { emptyPlan } from './plan.js';
import { decideSweep } from '../sweep/decide.js';
import { decideEdit, editTouchesBlock, refusalForEdit } from '../checklist/decide.js';
import { editTouchesState } from '../checklist/revert.js';
import { childLinkProblem, masterPlaceProblem } from './links.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { parseStepId } from '../approvals/matrix.js';
import { renderRefusal, renderStateRefusal } from './messages.js';
import type { RunContext, RunPlan } from './plan.js';
import type { Tracker } from '../tracker/port.js';
import type { EventContext, EventOutcome } from '../server/handle-event.js';
import { ConfigErrorWithLabel, loadSettings, reportConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { applyRunPlan, undoEdit } from './apply.js';
import { applyApprovalEvents, approvalActor } from '../approvals/apply.js';
import { closeMaster, openTask } from '../tracking/handle.js';
import { StateSeal } from '../server/state-seal.js';
import { WriteGuard } from '../server/write-guard.js';
import { completeIntake } from '../intake/complete.js';
import { labelAdder } from '../server/actors.js';
import {
  approvalEventOf,
  approvalEventsOfEdit,
  approvalEventsOfLabels,
  foldApprovals,
  sweepOutcome,
  syncApprovals,
} from '../approvals/approval-events.js';

/**
 * Handles what happens on a running incident: an edit of a ticket's checklist or Quick Links, or a command
 * in a comment on the master. Answers null when the event is not about a running incident.
 */
export async function handleRunEvent(event: TrackerEvent, ctx: EventContext): Promise<EventOutcome | null> {
  const state = trustedState(event.issue);
  if (event.kind === 'issue' && (event.action === 'closed' || event.action === 'reopened')) {
    if (state?.role !== 'master') return null;
    const action = event.action;
    return withMaster(event.issue.ref, ctx, (run) => {
      const acting = { ...run, actor: event.actor };
      // A redelivered or stale close of a master that is open again is not a close.
      if (action === 'closed' && run.master.state === 'closed') return closeMaster(ctx.tracker, acting);
      return decideStateChange(acting, action);
    });
  }
  const edit = event.kind === 'issue' ? blockEditOf(event) : null;
  // A label alone; a label set in the same save as an edit of the block (GitLab's one PUT) goes with the edit below.
  if (event.kind === 'issue' && state?.role === 'comms' && hasApprovalLabelChange(event) && edit?.kind !== 'block') {
    const masterRef = parseRef(state.master);
    if (!masterRef) return 'not-a-trigger';
    return withMaster(masterRef, ctx, async (run, settings) => {
      // A label counts for whoever the tracker says added it; one it cannot confirm is put back like any hand-set one.
      const adder = await approvalLabelAdder(event, ctx);
      const events = adder ? approvalEventsOfLabels(event) : [];
      const actor = await approvalActor(ctx.tracker, settings.config, adder ?? event.actor);
      // A label set by hand is an approval event; a removed one is put back from the boxes.
      const decide = events.length > 0 ? foldApprovals(settings.config, events, actor, run.now) : syncApprovals(settings.config);
      return applyApprovalEvents(ctx.tracker, event.issue.ref, { ...run, actor: adder ?? event.actor }, settings, handbookOf(settings, ctx), decide, ctx.log);
    });
  }
  if (event.kind === 'issue') {
    if (edit === null) return null;
    if (edit.kind === 'untouched') return 'not-a-trigger';
    // The block as it was before this edit decides: a person may have changed or removed the hidden state.
    const { before, previousBody } = edit;
    const masterRef = before.role === 'master' ? event.issue.ref : parseRef(before.master);
    if (!masterRef) return 'not-a-trigger';
    const access = await ctx.tracker.getAccess(event.project.path, event.actor);
    const writer = canWrite(access);
    if (!writer && before.role !== 'comms') return refuseEdit(event, previousBody, masterRef, before.role === 'master', ctx);
    // A writer's boxes and Quick Links values count; the hidden state is the app's alone, and is put back first (the
    // master's own state is what the rest of the event is decided on).
    if (writer && editTouchesState(splitBody(previousBody).block!, splitBody(event.issue.body).block)) {
      await ctx.locks.run(lockKey(ctx, masterRef), () => refuseStateEdit(event, previousBody, ctx));
    }
    return withMaster(masterRef, ctx, async (run, settings) => {
      // A release or communications ticket counts only when its master names it back.
      const problem = before.role === 'release' || before.role === 'comms' ? childLinkProblem({ master: run.master.ref, masterState: run.state, child: event.issue.ref, childState: before, config: settings.config, home: configProjectOf(run.state, run.master) }) : null;
      if (problem) {
        ctx.log.warn({ issue: formatRef(event.issue.ref), problem }, 'ticket and master do not name each other; edit ignored');
        return emptyPlan(run);
      }
      // Approval boxes are decided by the approval rules (approvers need no write access), the rest by access.
      const isApprovalBox = (stepId: string): boolean => before.role === 'comms' && parseStepId(stepId, settings.config.approvals) !== null;
      let plan = emptyPlan(run);
      if (writer) {
        plan = decideEdit({ ...run, actor: event.actor, access }, { ticket: event.issue, previousBody, isMaster: before.role === 'master', ignoreStep: isApprovalBox });
      } else if ((await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, { scope: 'all', keep: isApprovalBox })) !== 'unchanged') {
        await ctx.tracker.createComment(event.issue.ref, refusalForEdit(ctx.tracker.kind, event.actor.username, previousBody, event.issue));
        ctx.log.info({ issue: formatRef(event.issue.ref) }, 'edit by someone without write access undone');
      }
      if (before.role !== 'comms') return plan;
      // The review step starts the clock only when its tick was allowed. Approval labels set in the same save are
      // decided with the boxes, and a removed one is put back from them.
      const events = [...approvalEventsOfEdit(settings.config, previousBody, event.issue).filter((e) => e.kind === 'box' || writer), ...approvalEventsOfLabels(event)];
      if (events.length === 0 && !hasApprovalLabelChange(event)) return plan;
      const actor = await approvalActor(ctx.tracker, settings.config, event.actor);
      const decide = events.length > 0 ? foldApprovals(settings.config, events, actor, run.now) : syncApprovals(settings.config);
      const approvals = await applyApprovalEvents(ctx.tracker, event.issue.ref, { ...run, actor: event.actor }, settings, handbookOf(settings, ctx), decide, ctx.log);
      return { ...plan, timeline: [...plan.timeline, ...approvals.timeline] };
    });
  }
  const command = parseCommand(event.comment.body);
  if (!command) return null;
  if (state?.role === 'comms') {
    const approval = approvalEventOf(command);
    const masterRef = parseRef(state.master);
    if (!approval || !masterRef) return 'not-a-trigger';
    return withMaster(masterRef, ctx, async (run, settings) => {
      const actor = await approvalActor(ctx.tracker, settings.config, event.actor);
      // Starting the review clock pings every approver: people with write access or approvers only.
      if (approval.kind === 'request-approvals' && actor.groups.length === 0 && !canWrite(await ctx.tracker.getAccess(event.project.path, event.actor))) {
        await ctx.tracker.createComment(event.issue.ref, renderRefusal({ actor: event.actor.username, what: 'request approvals', required: ctx.tracker.kind === 'gitlab' ? 'Developer access' : 'write access' }));
        return emptyPlan(run);
      }
      const decide = foldApprovals(settings.config, [approval], actor, run.now);
      return applyApprovalEvents(ctx.tracker, event.issue.ref, { ...run, actor: event.actor }, settings, handbookOf(settings, ctx), decide, ctx.log);
    });
  }
  if (state?.role !== 'master') return 'not-a-trigger';
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    // Help needs no rights; everything else is authorized by the tracker's answer, never by issue text.
    const access = command.name === 'help' || command.name === 'unknown' ? null : await ctx.tracker.getAccess(event.project.path, event.actor);
    const plan = decideCommand({ ...run, actor: event.actor, access }, command);
    return plan.task ? openTask(ctx.tracker, { ...run, actor: event.actor, access }, settings, plan.task, plan) : plan;
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

/**
 * What an issue event does to the app's block: nothing it can judge (`null`: not an edit of the description, or the
 * description before held no state of the app's), an edit that left the block alone (`untouched`), or an edit of the
 * block, with the state the block held before (the one that decides what the edit may change).
 */
function blockEditOf(event: IssueEvent): { kind: 'block'; before: TicketState; previousBody: string } | { kind: 'untouched' } | null {
  if (event.action !== 'edited' || event.previousBody === undefined) return null;
  const before = trustedState({ body: event.previousBody, labels: event.issue.labels });
  if (!before) return null;
  if (!editTouchesBlock(event.previousBody, event.issue)) return { kind: 'untouched' };
  return { kind: 'block', before, previousBody: event.previousBody };
}

function hasApprovalLabelChange(event: IssueEvent): boolean {
  return [...event.addedLabels, ...event.removedLabels].some((l) => l.startsWith('approval::') || l === 'approvals::complete');
}

function handbookOf(settings: LoadedConfig, ctx: Pick<EventContext, 'handbookUrl'>): string {
  return settings.config.handbookUrl ?? ctx.handbookUrl;
}

/**
 * Takes the incident's lock, reads the master fresh with its configuration, decides and applies. The lock key
 * is the one intake uses for an in-place master, so intake and run events of one incident never interleave.
 * A master whose intake was interrupted is completed first, so any event on it finishes the intake.
 */
export async function withMaster(
  ref: IssueRef,
  ctx: EventContext,
  decide: (run: RunContext, settings: LoadedConfig) => Promise<RunPlan> | RunPlan,
): Promise<EventOutcome> {
  return ctx.locks.run(lockKey(ctx, ref), async () => {
    let master = await ctx.tracker.getIssue(ref);
    let state = trustedState(master);
    if (state?.role !== 'master') return 'not-a-trigger';
    if (state.intake !== true && (await completeIntake(master, ctx)).outcome === 'done') {
      // Read again: the intake rewrote the block (or closed this master as one made twice).
      master = await ctx.tracker.getIssue(ref);
      state = trustedState(master);
      if (state?.role !== 'master') return 'not-a-trigger';
    }
    const settings = await loadSettings(configProjectOf(state, master), ctx);
    if (settings instanceof ConfigErrorWithLabel) {
      await reportConfigError(master.ref, settings.error, ctx);
      return 'config-error';
    }
    // A master is followed only where its configuration keeps incidents (a signed state copied elsewhere is not one).
    const problem = masterPlaceProblem(master, state, settings.config, ctx.tracker.kind);
    if (problem) {
      ctx.log.warn({ issue: formatRef(master.ref), problem }, 'master not where its configuration keeps incidents; ignored');
      return 'not-a-trigger';
    }
    const now = (ctx.now ?? (() => new Date()))();
    const plan = await decide({ tracker: ctx.tracker.kind, config: settings.config, master, state, now, actor: null, access: null }, settings);
    await applyRunPlan(ctx.tracker, master, state, plan, {
      config: settings.config,
      renderer: settings.renderer,
      handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl,
      log: ctx.log,
      now,
    });
    return 'done';
  });
}

/**
 * An edit of the app's block by someone without write access: what they changed (boxes, values, text, the hidden
 * state) is undone on a fresh read, under the incident's lock, with one polite refusal on the ticket they edited.
 * What others wrote since, the app's own counters included, stays.
 */
async function refuseEdit(event: IssueEvent, previousBody: string, masterRef: IssueRef, isMaster: boolean, ctx: EventContext): Promise<EventOutcome> {
  const undone = await ctx.locks.run(lockKey(ctx, masterRef), async () => {
    const result = await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, { scope: 'all' });
    await ctx.tracker.createComment(event.issue.ref, refusalForEdit(ctx.tracker.kind, event.actor.username, previousBody, event.issue));
    ctx.log.info({ issue: formatRef(event.issue.ref) }, 'edit by someone without write access undone');
    return result;
  });
  // The master changed in between (a /set, a reminder): its progress, phase and label are rendered again from the block
  // as it now is.
  if (isMaster && undone === 'merged') return withMaster(masterRef, ctx, (run) => ({ ...emptyPlan(run), refresh: true }));
  return 'done';
}

/**
 * An edit of the hidden state by someone whose other changes may stand (write access): only the state is put back,
 * on a fresh read, with one refusal that says so. Logged: it is either a mistake or an attempt.
 */
async function refuseStateEdit(event: IssueEvent, previousBody: string, ctx: EventContext): Promise<void> {
  ctx.log.warn({ issue: formatRef(event.issue.ref), actor: event.actor.username }, 'hidden state changed by a person; put back');
  if ((await undoEdit(ctx.tracker, event.issue.ref, previousBody, event.issue.body, { scope: 'state' })) !== 'unchanged') {
    await ctx.tracker.createComment(event.issue.ref, renderStateRefusal({ actor: event.actor.username }));
  }
}

function lockKey(ctx: EventContext, ref: IssueRef): string {
  return `${ctx.tracker.kind}:${formatRef(ref).toLowerCase()}`;
}

/** What one sweep did. */
export interface SweepReport {
  masters: number;
  fired: number;
  /** Half-done intakes the sweep completed. */
  completed: number;
}

/**
 * One pass of the periodic sweep over the open masters a tracker can see: a half-done intake (a master whose
 * state says `intake` is not done: the run that made it was interrupted) is completed, and whatever is due
 * (sitrep reminders, phase nudges, handoff expiry) fires once. A master with nothing due costs no request beyond
 * the listing and its configuration; one with something due is re-read under its lock and decided again.
 */
export async function sweepTracker(unguarded: Tracker, ctx: Omit<EventContext, 'tracker' | 'isSelf' | 'deliveries'>, now: Date): Promise<SweepReport> {
  // The sweep writes through the same public-write guard and state seal as events do.
  const tracker = new WriteGuard(new StateSeal(unguarded, ctx.stateKeys, ctx.log));
  const eventCtx: EventContext = { ...ctx, tracker, isSelf: async () => false, deliveries: { claim: async () => true }, now: () => now };
  const masters = await tracker.listOpenMasters();
  const settingsByProject = new Map<string, Awaited<ReturnType<typeof loadSettings>>>();
  let fired = 0;
  let completed = 0;
  for (const listed of masters) {
    const state = trustedState(listed);
    if (state?.role !== 'master') continue;
    // Every master the app makes on GitLab is confidential; a public look-alike elsewhere on the instance is not ours.
    if (tracker.capabilities.confidentialIssues && !listed.confidential) continue;
    if (state.intake !== true) {
      try {
        // withMaster completes the intake under the incident's lock; nothing else is decided this time.
        let done = false;
        await withMaster(listed.ref, eventCtx, (run) => {
          done = run.state.intake === true;
          return emptyPlan(run);
        });
        if (done) completed += 1;
      } catch (error) {
        ctx.log.error({ issue: formatRef(listed.ref), err: { message: (error as Error).message } }, 'completing a half-done intake failed');
      }
      continue;
    }
    const project = configProjectOf(state, listed);
    if (!settingsByProject.has(project)) settingsByProject.set(project, await loadSettings(project, eventCtx));
    const settings = settingsByProject.get(project)!;
    if (settings instanceof ConfigErrorWithLabel) continue;
    // Only masters in projects their configuration names as incident projects are swept.
    if (masterPlaceProblem(listed, state, settings.config, tracker.kind)) continue;
    const quick = decideSweep({ tracker: tracker.kind, config: settings.config, master: listed, state, now, actor: null, access: null });
    const comms = parseRef(state.children?.find((c) => c.role === 'comms')?.ref);
    // Approval deadlines live in the comms ticket: a master with one is always looked at closer.
    if (quick.comments.length === 0 && !quick.refresh && !comms) continue;
    try {
      let acted = false;
      await withMaster(listed.ref, eventCtx, async (run, loaded) => {
        const plan = decideSweep(run);
        acted = plan.comments.length > 0 || plan.refresh === true;
        if (!comms) return plan;
        const approvals = await applyApprovalEvents(tracker, comms, run, loaded, handbookOf(loaded, eventCtx), sweepOutcome(loaded.config, now), ctx.log);
        acted ||= approvals.posted > 0;
        return { ...plan, timeline: [...plan.timeline, ...approvals.timeline] };
      });
      if (acted) fired += 1;
    } catch (error) {
      // One incident's failure must not stop the sweep of the others.
      ctx.log.error({ issue: formatRef(listed.ref), err: { message: (error as Error).message } }, 'sweep of an incident failed');
    }
  }
  return { masters: masters.length, fired, completed };
}
