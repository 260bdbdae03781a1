import type { ApprovalState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { sweepOutcome } from '../approvals/approval-events.js';
import type { RunContext } from '../run/plan.js';
import { decideSweep } from './decide.js';

/**
 * When the sweep next has something to do on an incident, derived from the very decisions that fire it
 * (`decideSweep`, `sweepOutcome`), so that no due item can be missed by a second, hand-kept formula: every item they
 * fire becomes due at one moment and stays due until it is fired (a missed sitrep window, a phase date, a handoff's
 * expiry, an overdue tracking ticket, an approval clock), so the first moment a decision fires is found by bisection.
 * Pure.
 */

/** How close to the true moment the bisection gets; a sweep is at most this much later than it (plus one interval). */
const PRECISION_MS = 1_000;

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
  // The app's due moments fall on whole seconds (minutes of configuration after recorded times): the whole second
  // within the last step is the exact moment when it fires already, so a sweep at that very moment is not skipped.
  const second = Math.floor(due / 1_000) * 1_000;
  if (second > quiet && second < due && fires(new Date(second))) return new Date(second);
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
 * When the review's clock next does something on a communications ticket whose approval state is `state` (back-ups
 * engaged, a cut-off decided), from `now` up to `until`; null when nothing is due by then. `openedAt`: when the
 * communications ticket was opened (a cut-off counts from it while nobody recorded the start of drafting).
 */
export function nextApprovalDue(
  config: IncidentDeskConfig,
  state: ApprovalState,
  cutoffMinutes: number,
  incidentManager: string | null,
  now: Date,
  until: Date,
  openedAt: string | null = null,
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
