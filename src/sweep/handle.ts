import { trustedState } from '../kernel/block.js';
import { formatRef, parseRef } from '../kernel/model.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { configProjectOf, masterPlaceProblem } from '../run/links.js';
import { emptyPlan } from '../run/plan.js';
import { decideSweep } from './decide.js';
import type { Tracker } from '../tracker/port.js';
import type { EventContext } from '../run/context.js';
import type { RunContext } from '../run/plan.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import { applyApprovalEvents, readReview } from '../approvals/apply.js';
import { StateSeal } from '../server/state-seal.js';
import { WriteGuard } from '../server/write-guard.js';
import { sweepOutcome } from '../approvals/approval-events.js';
import { handbookOf, withMaster } from '../run/with-master.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import type { SweepSchedule } from '../server/coordination/sweep-schedule.js';
import { syncReleaseSchedule } from '../checklist/handle-release.js';
import { syncAdvisory } from '../disclosure/handle-advisory.js';
import { sweepDrafts } from '../disclosure/handle-drafts.js';
import {
  advisoryReadDue,
  earlierDue,
  nextApprovalDue,
  nextDraftListingDue,
  nextIncidentDue,
  releaseNudgeDue,
} from './next-due.js';

/** What one sweep did. */
export interface SweepReport {
  masters: number;
  fired: number;
  /** Half-done intakes the sweep completed. */
  completed: number;
  /** Draft advisories of watched repositories taken in (`advisories.draftsFrom`); left out when none. */
  drafts?: number;
}

/**
 * Where a listing sweep notes the earliest moment something is due on the incidents it saw (`at`; null: nothing
 * before `until`, the end of the safety interval).
 */
export interface NextDue {
  until: Date;
  at: Date | null;
  /** The generation of changes the listing started at (see `SweepSchedule`). */
  generation?: number;
  /** What earlier listings of this process saw of each incident's review (see {@link ReviewsSeen}). */
  reviews?: ReviewsSeen;
}

/**
 * By master: the generation of changes in which its communications ticket was last read by the sweep, and the moment
 * before which nothing of its review is due. While no event changed anything since, a listing need not read the
 * ticket again (its approval state changes only through events, which change the generation).
 */
export type ReviewsSeen = Map<string, { generation: number; until: number }>;

/** How far ahead the sweep looks for the review's next moment (its clocks count in hours). */
const REVIEW_HORIZON_MS = 7 * 24 * 60 * 60_000;

/** Notes a due moment: the earlier one is kept. */
function noteDue(due: NextDue | undefined, at: Date | null): void {
  if (due) due.at = earlierDue(due.at, at);
}

/**
 * A sweep that lists only when something can be due: skipped (no request at all) while the schedule says the last
 * listing found nothing due before now and no event changed an incident since; otherwise `sweepAll` lists, and the
 * earliest due moment it found (bounded by `safetyMs`, after which a listing comes anyway) is recorded. A skipped
 * sweep reports no masters.
 */
export async function sweepOnSchedule(
  schedule: SweepSchedule,
  at: Date,
  safetyMs: number,
  sweepAll: (due: NextDue) => Promise<SweepReport>,
  reviews?: ReviewsSeen,
): Promise<SweepReport> {
  const generation = await schedule.generation();
  const quiet = await schedule.quiet();
  if (quiet && quiet.generation === generation && at.getTime() < quiet.until)
    return { masters: 0, fired: 0, completed: 0 };
  const due: NextDue = {
    until: new Date(at.getTime() + safetyMs),
    at: null,
    generation,
    ...(reviews ? { reviews } : {}),
  };
  const report = await sweepAll(due);
  // Generation read before the listing: an event handled meanwhile makes this record stale, and the next sweep lists.
  await schedule.record(generation, Math.min((due.at ?? due.until).getTime(), due.until.getTime()));
  return report;
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
  due?: NextDue,
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
      // Its clocks start with the completed intake (or it is tried again): the next sweep looks again.
      noteDue(due, now);
      continue;
    }
    if (await sweepIncident(listed, state, eventCtx, settingsByProject, now, due)) fired += 1;
  }
  // Drafts maintainers created in watched repositories (GitHub sends no webhook for them) open incidents.
  // The schedule wakes for each watched repository's next listing (GitHub sends no webhook for a draft).
  const drafts = await sweepDrafts(masters, eventCtx, now, settingsByProject, (watched, lastListedAt) =>
    noteDue(due, due ? nextDraftListingDue(lastListedAt, watched.syncMinutes, now, due.until) : null),
  );
  return { masters: masters.length, fired, completed, ...(drafts > 0 ? { drafts } : {}) };
}

/**
 * Whether the review on the communications ticket `comms` has anything due at `now`, read without the incident's lock
 * (the ticket alone): the moment before which nothing of it is due (within {@link REVIEW_HORIZON_MS}), or null when
 * something is due now. A ticket that is not the incident's has nothing due.
 */
async function quietReview(
  tracker: Tracker,
  comms: IssueRef,
  ctx: RunContext,
  now: Date,
  log: EventContext['log'],
): Promise<Date | null> {
  const horizon = new Date(now.getTime() + REVIEW_HORIZON_MS);
  const review = await readReview(tracker, comms, ctx, log);
  if (!review) return horizon;
  const { approvals, cutoffMinutes, incidentManager, openedAt } = review;
  if (sweepOutcome(ctx.config, now)(approvals, cutoffMinutes, incidentManager, openedAt).length > 0) return null;
  return nextApprovalDue(ctx.config, approvals, cutoffMinutes, incidentManager, openedAt, now, horizon) ?? horizon;
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
  due?: NextDue,
): Promise<boolean> {
  const { tracker, log } = eventCtx;
  const project = configProjectOf(state, listed);
  if (!settingsByProject.has(project)) settingsByProject.set(project, await loadSettings(project, eventCtx));
  const settings = settingsByProject.get(project)!;
  if (settings instanceof ConfigErrorWithLabel) return false;
  // Only masters in projects their configuration names as incident projects are swept.
  if (masterPlaceProblem(listed, state, settings.config, tracker.kind)) return false;
  const listedCtx: RunContext = {
    tracker: tracker.kind,
    config: settings.config,
    master: listed,
    state,
    now,
    actor: null,
    access: null,
  };
  const quick = decideSweep(listedCtx);
  const comms = parseRef(state.children?.find((c) => c.role === 'comms')?.ref);
  const key = formatRef(listed.ref);
  const seen = due?.reviews?.get(key);
  const advisories = tracker.capabilities.securityAdvisories;
  // An incident's GitHub advisory is read again at most every `advisories.syncMinutes`.
  const advisoryDue = advisoryReadDue(settings.config, state, advisories, now);
  // A release phase whose deadline passed (issue 13): the release ticket is read under the lock, and nudged once.
  const releaseDue = releaseNudgeDue(listed, state, now);
  // Approval deadlines live in the comms ticket: a master with one is looked at closer, unless this process read it
  // since the last change and nothing of its review is due yet.
  const reviewQuiet = !comms || (seen && seen.generation === due?.generation && now.getTime() < seen.until);
  const onlyReview = quick.comments.length === 0 && !quick.refresh && !releaseDue && !advisoryDue;
  if (onlyReview && reviewQuiet) {
    if (due) {
      noteDue(due, nextIncidentDue(listedCtx, advisories, due.until));
      if (comms && seen) noteDue(due, new Date(seen.until));
    }
    return false;
  }
  due?.reviews?.delete(key);
  try {
    // Nothing is due but maybe the review: its ticket alone is read, and the incident taken under its lock (the master
    // read again) only when the review has something due now.
    if (onlyReview && comms) {
      const reviewUntil = await quietReview(tracker, comms, listedCtx, now, log);
      if (reviewUntil !== null) {
        if (due) noteDue(due, earlierDue(nextIncidentDue(listedCtx, advisories, due.until), reviewUntil));
        if (due?.reviews && due.generation !== undefined)
          due.reviews.set(key, { generation: due.generation, until: reviewUntil.getTime() });
        return false;
      }
    }
    let acted = false;
    let next: Date | null = null;
    let review: Date | null = null;
    await withMaster(listed.ref, eventCtx, async (run, loaded) => {
      let plan = decideSweep(run);
      // Here rather than only in withMaster, so that a release nudge counts as fired (withMaster finds nothing left).
      await syncReleaseSchedule(tracker, run, plan);
      acted = plan.comments.length > 0 || plan.refresh === true;
      if (advisoryDue && advisoryReadDue(loaded.config, run.state, advisories, now)) {
        const synced = await syncAdvisory(tracker, run, plan);
        plan = synced.plan;
        acted ||= synced.changed;
      }
      // From the state this sweep leaves (an advisory just read, a release phase just nudged).
      if (due && !acted)
        next = nextIncidentDue({ ...run, state: { ...run.state, run: plan.run } }, advisories, due.until);
      if (!comms) return plan;
      const outcomes = sweepOutcome(loaded.config, now);
      const approvals = await applyApprovalEvents(
        tracker,
        comms,
        run,
        loaded,
        handbookOf(loaded, eventCtx),
        (approval: ApprovalState, cutoffMinutes: number, manager: string | null, openedAt: string | null) => {
          const decided = outcomes(approval, cutoffMinutes, manager, openedAt);
          // The review's next moment (each deliverable's clock), from the state this sweep leaves.
          const after = decided.at(-1)?.state ?? approval;
          const horizon = new Date(now.getTime() + REVIEW_HORIZON_MS);
          if (due) review = nextApprovalDue(loaded.config, after, cutoffMinutes, manager, openedAt, now, horizon);
          return decided;
        },
        log,
      );
      acted ||= approvals.posted > 0;
      return { ...plan, timeline: [...plan.timeline, ...approvals.timeline] };
    });
    // What fired changed the master: the next sweep decides again on what it wrote.
    noteDue(due, acted ? now : earlierDue(next, review));
    if (comms && !acted && due?.reviews && due.generation !== undefined)
      due.reviews.set(key, {
        generation: due.generation,
        until: (review ?? new Date(now.getTime() + REVIEW_HORIZON_MS)).getTime(),
      });
    return acted;
  } catch (error) {
    // Tried again at the next sweep.
    noteDue(due, now);
    // One incident's failure must not stop the sweep of the others.
    log.error(
      { issue: formatRef(listed.ref), err: { message: (error as Error).message } },
      'sweep of an incident failed',
    );
    return false;
  }
}
