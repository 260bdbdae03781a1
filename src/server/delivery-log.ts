import { trustedState } from '../kernel/block.js';
import type { TrackerEvent } from '../kernel/events.js';
import { formatRef } from '../kernel/model.js';
import { eventLabel } from './metrics.js';

/** An incident identifier: a CVE id, or `<idPrefix>-<year>-<number>`. */
const INCIDENT_ID = /^(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,9}-\d{4}-\d{1,9})$/;

/**
 * The fields every log line of a delivery's work carries: the delivery's id, its tracker and event, the issue, and the
 * incident's identifier when the ticket already belongs to one (its master's or its own verified state; an intake
 * learns it only as it goes). Identifiers and references only, never a title or a text.
 */
export function deliveryBindings(event: TrackerEvent): Record<string, string | null> {
  // Read from the payload before it is verified, like the queue's key: it only labels the lines, so only an id of the
  // identifiers' shape is kept (a forged state cannot put text into the log).
  const id = trustedState(event.issue)?.id;
  return {
    delivery: event.deliveryId || null,
    tracker: event.tracker,
    event: eventLabel(event),
    issue: formatRef(event.issue.ref),
    incident: id && INCIDENT_ID.test(id) ? id : null,
  };
}
