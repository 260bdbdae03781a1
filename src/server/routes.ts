import { trustedState } from '../kernel/block.js';
import type { IssueEvent, NoteEvent, TrackerEvent } from '../kernel/events.js';
import { handleCommsCommand, handleCommsEdit, handleCommsLabel } from '../approvals/handle.js';
import { hasApprovalLabelChange } from '../approvals/approval-events.js';
import { blockEditOf } from '../checklist/decide.js';
import { handleChecklistEdit } from '../checklist/handle.js';
import { handleMasterCommand, handleTrackerSeverity } from '../commands/handle.js';
import { parseCommand } from '../commands/parse.js';
import { handleIntake } from '../intake/handle.js';
import { handleLabelCreated } from '../intake/handle-labels.js';
import { handleConfigPush } from '../config/handle-push.js';
import { handleAdvisoryEvent } from '../disclosure/handle-advisory.js';
import { mightTrigger } from '../intake/trigger.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { sweepTracker } from '../sweep/handle.js';
import { handleChildEvent } from '../tracking/handle.js';
import { handleMasterStateChange } from '../tracking/handle-close.js';
import { handleTaskCommand } from '../tracking/handle-task.js';
import { mayBeTrackingTicket } from '../tracking/rows.js';
import { carriesAppMarkers } from './state-seal.js';

/**
 * Where every event goes: one table from a route's name to its handler, and `routeOf`, which names the route of a
 * normalized event from the event alone (its kind and action, the ticket's role in the app's verified state, whether
 * its comment is a command). Each handler is its capability's entry; it reads fresh, decides with a pure function and
 * applies. The sweep, started by the clock instead of an event, is the last entry.
 */
export const ROUTES = {
  /** An issue naming an incident by its identifier: a tracking ticket's row on the master. */
  'child-event': handleChildEvent,
  /** An issue that may carry the trigger label: the incident is opened (or its intake completed). */
  intake: handleIntake,
  /** A box or Quick Links value of the app's block changed on the master, a release or a tracking ticket. */
  'master-edit': handleChecklistEdit,
  /** A command in a comment on the master (`/task` has its own route). */
  'master-command': handleMasterCommand,
  /** GitLab's own severity of the master set (its `/severity` quick action): the incident's severity follows. */
  'tracker-severity': handleTrackerSeverity,
  /** `/task` on the master: a tracking ticket opened and put in the master's table. */
  task: handleTaskCommand,
  /** The master closed or reopened: the close guard, the incident's summary. */
  'master-state': handleMasterStateChange,
  /** The communications ticket's block changed: approval boxes, the review step, its checklist. */
  'comms-edit': handleCommsEdit,
  /** An approval command in a comment on the communications ticket. */
  'comms-command': handleCommsCommand,
  /** An approval label set or removed by hand on the communications ticket. */
  'comms-label': handleCommsLabel,
  /** Every open master, at each tick of the sweeper (not an event): reminders, nudges, deadlines, half-done intakes. */
  sweep: sweepTracker,
  /** A push to a default branch (not an issue event): cached configuration and templates it changed are dropped. */
  'config-push': handleConfigPush,
  /** A repository security advisory reported or published (GitHub's `repository_advisory`, not an issue event). */
  advisory: handleAdvisoryEvent,
  /**
   * A label created in a repository (GitHub's `label.created`, not an issue event): the trigger label's creation
   * prepares the labels the repository's incidents will need, so its first incident is as fast as the next.
   */
  'prepare-labels': handleLabelCreated,
} as const;

/** The name of a route. */
export type RouteName = keyof typeof ROUTES;

/** A route with the event its handler takes. */
export type Route =
  | {
      name: 'intake' | 'master-edit' | 'master-state' | 'comms-edit' | 'comms-label' | 'tracker-severity';
      event: IssueEvent;
    }
  | { name: 'master-command' | 'task' | 'comms-command'; event: NoteEvent };

/**
 * The route of an event, or null when no handler has anything to do with it. Tracking tickets are not named here: an
 * issue that names an incident goes to `child-event` first (see `dispatch`), and comes back here when its project's
 * configuration says it is not one. The role is the one the app's verified state gives the ticket; for an edit of the
 * block, the one it had before the edit (a person may have changed or removed the state).
 */
export function routeOf(event: TrackerEvent): Route | null {
  const role = trustedState(event.issue)?.role;
  if (event.kind === 'note') {
    const command = parseCommand(event.comment.body);
    if (!command) return null;
    if (role === 'comms') return { name: 'comms-command', event };
    if (role !== 'master') return null;
    return command.name === 'task' ? { name: 'task', event } : { name: 'master-command', event };
  }
  if (event.action === 'closed' || event.action === 'reopened') {
    if (role === 'master') return { name: 'master-state', event };
    return mightTrigger(event) ? { name: 'intake', event } : null;
  }
  // GitLab's `/severity` on the master: a change of its own field, which neither edits the block nor relabels.
  if (role === 'master' && event.trackerSeverity !== undefined && event.previousBody === undefined)
    return { name: 'tracker-severity', event };
  const edit = blockEditOf(event);
  // A label alone; a label set in the same save as an edit of the block (GitLab's one PUT) goes with the edit.
  if (role === 'comms' && hasApprovalLabelChange(event) && edit?.kind !== 'block')
    return { name: 'comms-label', event };
  if (edit === null) return mightTrigger(event) ? { name: 'intake', event } : null;
  // An edit that left the app's block alone is nobody's business here.
  if (edit.kind === 'untouched') return null;
  return edit.before.role === 'comms' ? { name: 'comms-edit', event } : { name: 'master-edit', event };
}

/**
 * How ordinary a delivery is, from the event alone: `ordinary` when no handler can want it, whatever its verification,
 * its sender or the project's configuration say (its description holds nothing of the app's, so no state to verify and
 * no block; it names no incident, so it is no tracking ticket; and by its kind, action and content it has no route: no
 * command, no label); `unless-trigger` when the same holds but for the intake, which wants it only if a label it
 * carries is the configured trigger (see `untriggeredOutcome`); null when it is to be handled. Most of what an
 * installation receives is ordinary: it is settled before anything is built for it (`handleEvent`), and the server
 * answers `ordinary` deliveries before the queue.
 */
export function ordinaryKind(event: TrackerEvent): 'ordinary' | 'unless-trigger' | null {
  if (carriesAppMarkers(event)) return null;
  if (event.kind === 'issue' && mayBeTrackingTicket(event.issue)) return null;
  const route = routeOf(event);
  if (route === null) return 'ordinary';
  return route.name === 'intake' ? 'unless-trigger' : null;
}

/**
 * Hands a guarded event to its handler. Tracking tickets first: an issue naming an incident is never an intake and
 * never one of the incident's own tickets. Whether it is a tracking ticket depends on its project's configuration,
 * so the child handler may pass it on (`passed`); it then takes its route like any other event.
 */
export async function dispatch(event: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  if (event.kind === 'issue' && mayBeTrackingTicket(event.issue)) {
    const outcome = await ROUTES['child-event'](event, ctx);
    if (outcome !== 'passed') return outcome;
  }
  const route = routeOf(event);
  if (route === null) return 'not-a-trigger';
  switch (route.name) {
    case 'master-command':
    case 'task':
    case 'comms-command':
      return ROUTES[route.name](route.event, ctx);
    default:
      return ROUTES[route.name](route.event, ctx);
  }
}
