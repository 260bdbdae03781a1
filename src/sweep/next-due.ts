import type { Issue } from '../kernel/model.js';
import type { ApprovalState, TicketState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { sweepOutcome } from '../approvals/approval-events.js';
import { dueReleasePhases, releaseDates } from '../checklist/release-schedule.js';
import { advisorySyncDue } from '../disclosure/advisories.js';
import { draftListingDue } from '../disclosure/drafts.js';
import { DISCLOSURE, dateOf, quickLinksOf } from '../run/quick-links.js';
import type { RunContext } from '../run/plan.js';
import { decideSweep } from './decide.js';

/**
 * When the sweep next has something to do on an incident, derived from the very decisions that fire it
 * (`decideSweep`, `sweepOutcome`), so that no due item can be missed by a second, hand-kept formula: every item they
 * fire becomes due at one moment and stays due until it is fired (a missed sitrep window, a phase date, a handoff's
 * expiry, an unacknowledged incident's escalation, an overdue tracking ticket, a release phase's deadline, an
 * advisory's read, a watched repository's draft listing, an approval clock per deliverable), so the first moment a
 * decision fires is found by bisection. Pure.
 */

/** How close to the true moment the bisection gets: to the millisecond, so that a sweep at the very moment fires. */
const PRECISION_MS = 1;

/**
 * The first moment in `(from, until]` at which `fires` answers true, to within a second (never before the true
 * moment), or null when it does not fire by `until`. `from` itself when it fires already. `fires` must stay true once
 * it is (every due item of the app does until it is fired).
 */
export function firstFiring(fires: (at: Date) => boolean, from: Date, until: Date): Date | null {
  if (fires(from)) return from;
  if (!(until.getTime() > from.getTime()) || !fires(until)) return null;
  let quiet = from.getTime();
  let due = until.getTime();
  while (due - quiet > PRECISION_MS) {
    const middle = Math.floor((quiet + due) / 2);
    if (fires(new Date(middle))) due = middle;
    else quiet = middle;
  }
  return new Date(due);
}

/**
 * When `decideSweep` next fires on this master (a sitrep reminder, a phase nudge, a handoff's expiry, a re-render for
 * an overdue tracking ticket), from `ctx.now` up to `until`; null when nothing is due by then.
 */
export function nextSweepDue(ctx: RunContext, until: Date): Date | null {
  return firstFiring(
    (at) => {
      const plan = decideSweep({ ...ctx, now: at });
      return plan.comments.length > 0 || plan.refresh === true;
    },
    ctx.now,
    until,
  );
}

/**
 * Whether a release phase's deadline has passed on this incident and its open steps are not nudged yet (what the
 * sweep reads the release ticket for, `syncReleaseSchedule`): only an incident that names a release ticket, dated from
 * the master's Public Disclosure Date.
 */
export function releaseNudgeDue(master: Issue, state: TicketState, at: Date): boolean {
  if (!state.children?.some((c) => c.role === 'release')) return false;
  const dates = releaseDates(dateOf(quickLinksOf(master).get(DISCLOSURE)));
  return dueReleasePhases(dates, state.run ?? {}, at).length > 0;
}

/**
 * Whether the sweep reads the incident's GitHub advisory at `at` (every `advisories.syncMinutes`), on a tracker that
 * has security advisories.
 */
export function advisoryReadDue(
  config: IncidentDeskConfig,
  state: TicketState,
  advisories: boolean,
  at: Date,
): boolean {
  return advisories && advisorySyncDue(state, config.advisories.syncMinutes, at);
}

/**
 * When the sweep next has anything to do on a running incident that is not its review: `decideSweep` (sitrep
 * reminders, phase nudges, handoff expiry, the acknowledgement's escalation, overdue tracking tickets), a release
 * phase's deadline, the advisory's read. From `ctx.now` up to `until`; null when nothing is due by then.
 */
export function nextIncidentDue(ctx: RunContext, advisories: boolean, until: Date): Date | null {
  const release = firstFiring((at) => releaseNudgeDue(ctx.master, ctx.state, at), ctx.now, until);
  const advisory = firstFiring((at) => advisoryReadDue(ctx.config, ctx.state, advisories, at), ctx.now, until);
  return earlierDue(nextSweepDue(ctx, until), earlierDue(release, advisory));
}

/**
 * When a watched repository's draft advisories are next listed (`advisories.draftsFrom`, every `syncMinutes` since
 * `lastListedAt`), from `now` up to `until`; null when not by then.
 */
export function nextDraftListingDue(
  lastListedAt: number | undefined,
  syncMinutes: number,
  now: Date,
  until: Date,
): Date | null {
  return firstFiring((at) => draftListingDue(lastListedAt, syncMinutes, at), now, until);
}

/**
 * When the review's clocks next do something on a communications ticket whose approval state is `state` (back-ups
 * engaged, a deliverable's cut-off decided), from `now` up to `until`; null when nothing is due by then. `openedAt`:
 * the ticket's creation, where a deliverable's cut-off counts from when nobody recorded the start of drafting.
 */
export function nextApprovalDue(
  config: IncidentDeskConfig,
  state: ApprovalState,
  cutoffMinutes: number,
  incidentManager: string | null,
  openedAt: string | null,
  now: Date,
  until: Date,
): Date | null {
  return firstFiring(
    (at) => sweepOutcome(config, at)(state, cutoffMinutes, incidentManager, openedAt).length > 0,
    now,
    until,
  );
}

/** The earlier of two due moments (null: nothing due). */
export function earlierDue(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
