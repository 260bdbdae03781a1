import type { ApprovalState, DraftingStart } from '../kernel/ticket-state.js';
import type { Approvals } from './matrix.js';

/**
 * The review clocks of the communications ticket (seed 000): each deliverable's review starts when its approval is
 * requested, its back-ups are engaged `responseMinutes` later, and its cut-off is announced at the start of its
 * review, counted from the start of drafting (the plan's 6 hours hold the drafting, the reviews and the deployment).
 * Pure: the times come in.
 */

/** What the clocks need besides the approval state. */
export interface ReviewClock {
  /** Minutes from the start of drafting to the cut-off, for the incident's severity; null when not known. */
  cutoffMinutes: number | null;
  /** When the communications ticket was opened (ISO): the start of drafting when nobody recorded one. */
  openedAt: string | null;
}

/** A clock without a cut-off or an opening time (tests of decisions that do not look at it). */
export const NO_CLOCK: ReviewClock = { cutoffMinutes: null, openedAt: null };

function time(iso: string | undefined | null): number {
  return iso ? Date.parse(iso) : Number.NaN;
}

/**
 * When the review of a deliverable was requested (ISO), or undefined when it was not. A state of the single clock of
 * earlier versions (`requestedAt`) reads as every deliverable requested at that time.
 */
export function requestedAtOf(state: ApprovalState, deliverable: string): string | undefined {
  const own = state.requested && Object.hasOwn(state.requested, deliverable) ? state.requested[deliverable] : undefined;
  if (own !== undefined && !Number.isNaN(time(own))) return own;
  return state.requestedAt !== undefined && !Number.isNaN(time(state.requestedAt)) ? state.requestedAt : undefined;
}

/** Whether the review of any deliverable was requested. */
export function reviewStarted(state: ApprovalState): boolean {
  if (state.requestedAt !== undefined && !Number.isNaN(time(state.requestedAt))) return true;
  return Object.values(state.requested ?? {}).some((at) => !Number.isNaN(time(at)));
}

/**
 * When drafting started: as recorded (a step, `/drafting`, or fixed at the first review), else, for a state of the
 * single clock of earlier versions, that clock's start (the cut-off it announced stays where it was), else the
 * ticket's creation. Null when none of these is known.
 */
export function draftingStartOf(state: ApprovalState, clock: ReviewClock): DraftingStart | null {
  if (state.drafting && !Number.isNaN(time(state.drafting.at))) return state.drafting;
  if (state.requestedAt !== undefined && !Number.isNaN(time(state.requestedAt)))
    return { at: state.requestedAt, via: 'review' };
  if (clock.openedAt && !Number.isNaN(time(clock.openedAt))) return { at: clock.openedAt, via: 'opened' };
  return null;
}

/** The cut-off counted from the start of drafting (ms), NaN when either is unknown. */
export function draftingCutoffAt(state: ApprovalState, clock: ReviewClock): number {
  const drafting = draftingStartOf(state, clock);
  const minutes = clock.cutoffMinutes;
  if (!drafting || minutes === null || !(minutes > 0)) return Number.NaN;
  return time(drafting.at) + minutes * 60_000;
}

/**
 * A deliverable's cut-off (ms): `cutoffMinutes` after the start of drafting, but never earlier than `responseMinutes`
 * after its own review started, so that a review requested late still gives its approvers their response time. NaN
 * when its review was not requested or the cut-off is not known.
 */
export function cutoffAtOf(
  approvals: Approvals,
  state: ApprovalState,
  deliverable: string,
  clock: ReviewClock,
): number {
  const requested = time(requestedAtOf(state, deliverable));
  const fromDrafting = draftingCutoffAt(state, clock);
  if (Number.isNaN(requested) || Number.isNaN(fromDrafting)) return Number.NaN;
  return Math.max(fromDrafting, requested + approvals.responseMinutes * 60_000);
}

/** Whether a deliverable's cut-off was moved later than the drafting's so that its approvers get their time. */
export function cutoffDeferred(approvals: Approvals, state: ApprovalState, deliverable: string, clock: ReviewClock) {
  const at = cutoffAtOf(approvals, state, deliverable, clock);
  return !Number.isNaN(at) && at > draftingCutoffAt(state, clock);
}

/** How the start of drafting was learned, for a sentence: `recorded by `@alice``, `when this ticket was opened`. */
export function draftingSource(drafting: DraftingStart, quietName: (username: string) => string): string {
  switch (drafting.via) {
    case 'step':
      return drafting.by ? `ticked by ${quietName(drafting.by)}` : 'the step was ticked';
    case 'command':
      return drafting.by ? `recorded by ${quietName(drafting.by)}` : 'recorded with `/drafting`';
    case 'opened':
      return 'when this ticket was opened: nobody recorded the start of drafting';
    case 'review':
      return 'when the review started';
  }
}
