import { trustedState } from '../kernel/block.js';
import { formatRef, parseRef } from '../kernel/model.js';
import type { Issue } from '../kernel/model.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { configProjectOf, masterPlaceProblem } from '../run/links.js';
import { emptyPlan } from '../run/plan.js';
import { decideSweep } from './decide.js';
import type { Tracker } from '../tracker/port.js';
import type { EventContext } from '../run/context.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import { applyApprovalEvents } from '../approvals/apply.js';
import { StateSeal } from '../server/state-seal.js';
import { WriteGuard } from '../server/write-guard.js';
import { sweepOutcome } from '../approvals/approval-events.js';
import { handbookOf, withMaster } from '../run/with-master.js';
import { advisorySyncDue } from '../disclosure/advisories.js';
import { syncAdvisory } from '../disclosure/handle-advisory.js';

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
export async function sweepTracker(
  unguarded: Tracker,
  ctx: Omit<EventContext, 'tracker' | 'isSelf' | 'deliveries'>,
  now: Date,
): Promise<SweepReport> {
  // The sweep writes through the same public-write guard and state seal as events do.
  const tracker = new WriteGuard(new StateSeal(unguarded, ctx.stateKeys, ctx.log));
  const eventCtx: EventContext = {
    ...ctx,
    tracker,
    isSelf: async () => false,
    deliveries: { claim: async () => true },
    now: () => now,
  };
  const masters = await tracker.listOpenMasters();
  const settingsByProject: SettingsByProject = new Map();
  let fired = 0;
  let completed = 0;
  for (const listed of masters) {
    const state = trustedState(listed);
    if (state?.role !== 'master') continue;
    // Every master the app makes on GitLab is confidential; a public look-alike elsewhere on the instance is not ours.
    if (tracker.capabilities.confidentialIssues && !listed.confidential) continue;
    if (state.intake !== true) {
      if (await completeHalfDoneIntake(listed, eventCtx)) completed += 1;
      continue;
    }
    if (await sweepIncident(listed, state, eventCtx, settingsByProject, now)) fired += 1;
  }
  return { masters: masters.length, fired, completed };
}

/** The configuration of each project, read once per sweep. */
type SettingsByProject = Map<string, Awaited<ReturnType<typeof loadSettings>>>;

/** Completes an intake a run left half done; true when it is done now. A failure is logged, the sweep goes on. */
async function completeHalfDoneIntake(listed: Issue, eventCtx: EventContext): Promise<boolean> {
  try {
    // withMaster completes the intake under the incident's lock; nothing else is decided this time.
    let done = false;
    await withMaster(listed.ref, eventCtx, (run) => {
      done = run.state.intake === true;
      return emptyPlan(run);
    });
    return done;
  } catch (error) {
    eventCtx.log.error(
      { issue: formatRef(listed.ref), err: { message: (error as Error).message } },
      'completing a half-done intake failed',
    );
    return false;
  }
}

/**
 * Fires what is due on a running incident: decided first on the master as listed (no request), and only when
 * something is due (or the incident has a communications ticket, whose approval deadlines live there) again under
 * the incident's lock on a fresh read. True when it posted something or refreshed the master.
 */
async function sweepIncident(
  listed: Issue,
  state: TicketState,
  eventCtx: EventContext,
  settingsByProject: SettingsByProject,
  now: Date,
): Promise<boolean> {
  const { tracker, log } = eventCtx;
  const project = configProjectOf(state, listed);
  if (!settingsByProject.has(project)) settingsByProject.set(project, await loadSettings(project, eventCtx));
  const settings = settingsByProject.get(project)!;
  if (settings instanceof ConfigErrorWithLabel) return false;
  // Only masters in projects their configuration names as incident projects are swept.
  if (masterPlaceProblem(listed, state, settings.config, tracker.kind)) return false;
  const quick = decideSweep({
    tracker: tracker.kind,
    config: settings.config,
    master: listed,
    state,
    now,
    actor: null,
    access: null,
  });
  const comms = parseRef(state.children?.find((c) => c.role === 'comms')?.ref);
  // An incident's GitHub advisory is read again at most every `advisories.syncMinutes`.
  const advisoryDue =
    tracker.capabilities.securityAdvisories && advisorySyncDue(state, settings.config.advisories.syncMinutes, now);
  // Approval deadlines live in the comms ticket: a master with one is always looked at closer.
  if (quick.comments.length === 0 && !quick.refresh && !comms && !advisoryDue) return false;
  try {
    let acted = false;
    await withMaster(listed.ref, eventCtx, async (run, loaded) => {
      let plan = decideSweep(run);
      acted = plan.comments.length > 0 || plan.refresh === true;
      if (advisoryDue && advisorySyncDue(run.state, loaded.config.advisories.syncMinutes, now)) {
        const synced = await syncAdvisory(tracker, run, plan);
        plan = synced.plan;
        acted ||= synced.changed;
      }
      if (!comms) return plan;
      const approvals = await applyApprovalEvents(
        tracker,
        comms,
        run,
        loaded,
        handbookOf(loaded, eventCtx),
        sweepOutcome(loaded.config, now),
        log,
      );
      acted ||= approvals.posted > 0;
      return { ...plan, timeline: [...plan.timeline, ...approvals.timeline] };
    });
    return acted;
  } catch (error) {
    // One incident's failure must not stop the sweep of the others.
    log.error(
      { issue: formatRef(listed.ref), err: { message: (error as Error).message } },
      'sweep of an incident failed',
    );
    return false;
  }
}
