import type { AdvisoryEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { runOnce, tellingSweepSchedule } from './handle-event.js';
import { ROUTES } from './routes.js';
import { StateSeal } from './state-seal.js';
import { BodyLimitError, PublicWriteError, WriteGuard } from './write-guard.js';

/**
 * The sequence every advisory delivery goes through, like an issue delivery's (`handleEvent`): the tracker wrapped in
 * the write guard and the state seal, the app's own events ignored (its publication comes back as one), a delivery
 * handled once, then the `advisory` route. A write refused by the guard stops the work with one log line.
 */
export async function handleAdvisoryDelivery(event: AdvisoryEvent, context: EventContext): Promise<EventOutcome> {
  // A report opens an incident whose clocks (the acknowledgement's escalation) the sweep's schedule must see.
  return tellingSweepSchedule(context, () => handleAdvisorySealed(event, context));
}

async function handleAdvisorySealed(event: AdvisoryEvent, context: EventContext): Promise<EventOutcome> {
  const { log } = context;
  const sealed = new StateSeal(context.tracker, context.stateKeys, log);
  // GitHub signs its deliveries: the repository's visibility in the payload starts the guard off.
  const ctx: EventContext = { ...context, tracker: new WriteGuard(sealed, { projects: [event.project] }) };
  const subject = `${event.project.path} ${event.advisory.ghsaId}`;
  if (await ctx.isSelf(event.actor)) return 'ignored-self';
  try {
    const run = () => ROUTES.advisory(event, ctx);
    return event.deliveryId ? await runOnce(`${event.tracker}:${event.deliveryId}`, subject, ctx, run) : await run();
  } catch (error) {
    if (error instanceof PublicWriteError) {
      log.error({ advisory: subject, target: error.target, reason: error.reason }, 'refused to write incident content');
      return 'stopped';
    }
    if (error instanceof BodyLimitError) {
      log.error(
        { advisory: subject, length: error.length, limit: error.limit },
        'write over the tracker limit refused',
      );
      return 'stopped';
    }
    throw error;
  }
}
