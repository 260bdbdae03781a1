import type { TrackerEvent } from '../kernel/events.js';
import type { IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import type { Tracker } from '../tracker/port.js';
import { attributedEvent, confirmedDelivery } from './actors.js';
import { listOwnComments } from '../tracker/own-comments.js';
import { dispatch, ordinaryKind } from './routes.js';
import { untriggeredOutcome } from '../intake/handle.js';
import { openEvent, StateSeal } from './state-seal.js';
import { BodyLimitError, PublicWriteError, WriteGuard } from './write-guard.js';
import type { EventContext, EventOutcome } from '../run/context.js';

/**
 * The sequence every delivery goes through: the payload's hidden state verified, the tracker wrapped in the write guard
 * and the state seal, then the guards (own events, duplicate deliveries, who acted as the tracker answers), then the
 * event's route (`dispatch` in `routes.ts`), whose handler reads fresh, decides and applies.
 */
export async function handleEvent(delivered: TrackerEvent, context: EventContext): Promise<EventOutcome> {
  // The event reads each project's settings once: the ordinary-traffic check's read serves the intake too.
  const ctx: EventContext = { ...context, settingsRead: new Map() };
  return tellingSweepSchedule(ctx, async () => (await ordinaryOutcome(delivered, ctx)) ?? handleSealed(delivered, ctx));
}

/**
 * The outcome of ordinary traffic (`ordinaryKind`), settled before anything is built for it (no seal, no write guard,
 * no delivery claim, no question to the tracker but the kept configuration): `not-a-trigger` when no handler can want
 * it, the intake's outcome when only a label that is not the configured trigger could have made it one
 * (`untriggeredOutcome`). Null when the event is to be handled.
 */
export async function ordinaryOutcome(
  event: TrackerEvent,
  ctx: Pick<EventContext, 'tracker' | 'defaultTemplates' | 'settingsCache' | 'settingsRead'>,
): Promise<EventOutcome | null> {
  const kind = ordinaryKind(event);
  if (kind === 'ordinary') return 'not-a-trigger';
  if (kind === 'unless-trigger' && event.kind === 'issue') return untriggeredOutcome(event, ctx);
  return null;
}

/**
 * Runs a delivery's handling, then tells the sweep's schedule: anything but an event that went nowhere (or failed)
 * may have moved an incident's clocks or opened one, so the next sweep lists.
 */
export async function tellingSweepSchedule(
  context: EventContext,
  handle: () => Promise<EventOutcome>,
): Promise<EventOutcome> {
  let outcome: EventOutcome | undefined;
  try {
    outcome = await handle();
    return outcome;
  } finally {
    if (context.sweepSchedule && !(outcome && UNCHANGED.has(outcome))) {
      await context.sweepSchedule.changed().catch((error: unknown) => {
        context.log.warn(
          { err: { message: (error as Error).message } },
          'sweep schedule could not be told of a change',
        );
      });
    }
  }
}

/** Outcomes of events that changed no incident. */
const UNCHANGED = new Set<EventOutcome>(['ignored-self', 'duplicate', 'not-a-trigger']);

async function handleSealed(delivered: TrackerEvent, context: EventContext): Promise<EventOutcome> {
  const { log } = context;
  // The payload's descriptions are read like the tracker's answers: only a state the app signed counts.
  const opened = openEvent(delivered, context.stateKeys);
  if (opened.rejected)
    log.warn(
      { issue: formatRef(delivered.issue.ref), actor: delivered.actor.username },
      'hidden state in the payload failed verification; ignored',
    );
  const signed = context.tracker.capabilities.signedDeliveries;
  // What an unsigned delivery says of the project's visibility and the issue's confidentiality is not the tracker's
  // word: the project is taken as exposed, and the public-write guard learns both from the API's answers. A signed
  // delivery's word starts the guard off.
  const event: TrackerEvent = signed
    ? opened.event
    : { ...opened.event, project: { ...opened.event.project, visibility: 'public' } };
  // Every write of this event goes through the public-write guard, and every description read or written passes the
  // state's seal.
  const sealed = new StateSeal(context.tracker, context.stateKeys, log);
  const ctx: EventContext = {
    ...context,
    tracker: new WriteGuard(sealed, signed ? { projects: [event.project], issues: [event.issue] } : {}),
  };
  try {
    return await handleGuarded(event, ctx);
  } catch (error) {
    if (error instanceof BodyLimitError) {
      log.error(
        { issue: formatRef(event.issue.ref), length: error.length, limit: error.limit },
        'write over the tracker limit refused',
      );
      await reportTooLong(ctx.tracker, error.ref ?? event.issue.ref, error);
      return 'stopped';
    }
    if (!(error instanceof PublicWriteError)) throw error;
    log.error(
      { issue: formatRef(event.issue.ref), target: error.target, reason: error.reason },
      'refused to write incident content to a public place',
    );
    return 'stopped';
  }
}

/** One clear comment on the ticket whose text would not fit; said once per ticket. Carries only sizes. */
async function reportTooLong(tracker: Tracker, ref: IssueRef, error: BodyLimitError): Promise<void> {
  const marker = `<!-- incident-desk:too-long ${formatRef(ref)} -->`;
  if ((await listOwnComments(tracker, ref)).some((c) => c.body.includes(marker))) return;
  await tracker.createComment(
    ref,
    `${marker}\nincident-desk could not save its update of ${formatRef(ref)}: the text would be ` +
      `${error.length} characters and the tracker keeps at most ${error.limit}. Nothing was cut and nothing was ` +
      `written. Shorten the description below the app's part (move logs or long excerpts into a comment or an ` +
      `attachment); the next change is then saved as usual.\n`,
  );
}

async function handleGuarded(delivered: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  const issue = formatRef(delivered.issue.ref);
  if (await ctx.isSelf(delivered.actor)) return 'ignored-self';
  // A command counts only as the tracker holds it, from the author it names, once.
  const event = await confirmedDelivery(delivered, ctx);
  if (!event) return 'not-a-trigger';
  if (event !== delivered && (await ctx.isSelf(event.actor))) return 'ignored-self';
  // A delivery without an id (a tracker that sent none) cannot be told from another: it is handled, never dropped.
  if (!event.deliveryId) return handleClaimed(event, ctx);
  return runOnce(`${event.tracker}:${event.deliveryId}`, issue, ctx, () => handleClaimed(event, ctx));
}

/**
 * Runs a delivery's work once: a delivery another run (or replica) already claimed is dropped as a duplicate; one whose
 * work failed is released, so that its redelivery is handled again; one whose work is done is recorded as such.
 */
export async function runOnce(
  delivery: string,
  subject: string,
  ctx: Pick<EventContext, 'deliveries' | 'log'>,
  run: () => Promise<EventOutcome>,
): Promise<EventOutcome> {
  const { log } = ctx;
  const issue = subject;
  if (!(await ctx.deliveries.claim(delivery))) {
    log.info({ issue, delivery: delivery.slice(delivery.indexOf(':') + 1) }, 'duplicate delivery dropped');
    return 'duplicate';
  }
  let outcome: EventOutcome;
  try {
    outcome = await run();
  } catch (error) {
    // A delivery that failed is redelivered with the same id (by hand, or by a GitHub redelivery script): it must
    // then be handled, not dropped as a duplicate. Everything it did is found again by state, so nothing doubles.
    await ctx.deliveries.release?.(delivery).catch((releaseError: unknown) => {
      log.warn({ issue, err: { message: (releaseError as Error).message } }, 'failed delivery could not be released');
    });
    throw error;
  }
  // The work is done: a failure to record that only shortens how long a redelivery is recognised.
  await ctx.deliveries.complete?.(delivery).catch((completeError: unknown) => {
    log.warn({ issue, err: { message: (completeError as Error).message } }, 'handled delivery could not be recorded');
  });
  return outcome;
}

/** Everything after the guards: the event goes to its route (`dispatch`). */
async function handleClaimed(delivered: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  // An edit of the app's block counts for whoever the tracker says made it, and for nobody when it names no one.
  const event = await attributedEvent(delivered, ctx);
  if (!event) return 'not-a-trigger';
  return dispatch(event, ctx);
}
