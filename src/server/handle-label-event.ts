import type { LabelEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { runOnce } from './handle-event.js';
import { ROUTES } from './routes.js';
import { StateSeal } from './state-seal.js';
import { PublicWriteError, WriteGuard } from './write-guard.js';

/**
 * The sequence every label delivery goes through, like an advisory's (`handleAdvisoryDelivery`): the tracker wrapped
 * in the state seal and the write guard, the app's own events ignored (the labels it creates come back as deliveries),
 * a delivery handled once, then the `prepare-labels` route. It opens no incident and moves no clock, so the sweep's
 * schedule is not told. A write refused by the guard stops the work with one log line.
 */
export async function handleLabelDelivery(event: LabelEvent, context: EventContext): Promise<EventOutcome> {
  const { log } = context;
  const sealed = new StateSeal(context.tracker, context.stateKeys, log);
  // GitHub signs its deliveries: the repository's visibility in the payload starts the guard off.
  const ctx: EventContext = { ...context, tracker: new WriteGuard(sealed, { projects: [event.project] }) };
  if (await ctx.isSelf(event.actor)) return 'ignored-self';
  const subject = event.project.path;
  try {
    const run = () => ROUTES['prepare-labels'](event, ctx);
    return event.deliveryId ? await runOnce(`${event.tracker}:${event.deliveryId}`, subject, ctx, run) : await run();
  } catch (error) {
    if (!(error instanceof PublicWriteError)) throw error;
    log.error({ project: subject, target: error.target, reason: error.reason }, 'refused to write incident content');
    return 'stopped';
  }
}
