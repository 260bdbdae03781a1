import type { IssueEvent, NoteEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';
import { addReport } from '../report/handle.js';
import { handleTaskCommand } from '../tracking/handle-task.js';
import { handleDisclosureCommand } from '../disclosure/handle-command.js';
import { decideCommand } from './decide.js';
import { parseCommand, severityOfTracker } from './parse.js';

/**
 * A command in a comment on the master (`/set`, `/severity`, `/sitrep`, `/handoff`, `/accept`, …): decided on the
 * master as just read, under the incident's lock, with the actor's access as the tracker answers it. `/task` has a
 * route of its own (`handleTaskCommand`, tracking tickets).
 */
export async function handleMasterCommand(event: NoteEvent, ctx: EventContext): Promise<EventOutcome> {
  const command = parseCommand(event.comment.body);
  if (!command) return 'not-a-trigger';
  if (command.name === 'task') return handleTaskCommand(event, ctx);
  if (command.name === 'disclose' || command.name === 'advisory') return handleDisclosureCommand(event, command, ctx);
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    // Help needs no rights; everything else is authorized by the tracker's answer, never by issue text.
    const access =
      command.name === 'help' || command.name === 'unknown'
        ? null
        : await ctx.tracker.getAccess(event.project.path, event.actor);
    const acting = { ...run, actor: event.actor, access };
    const plan = decideCommand(acting, command);
    // The incident report: `/report`'s preview, or the report of the conclusion this command reached.
    return plan.report ? addReport(ctx.tracker, acting, plan, settings, plan.report) : plan;
  });
}

/**
 * GitLab's own `/severity` quick action (or its sidebar) on the master, an issue of type Incident: GitLab carries it
 * out and sends the change instead of the comment, so the incident's severity follows it as if `/severity` had been
 * given to the app, by the person the tracker says set it (see `attributedEvent`) and with their access.
 */
export async function handleTrackerSeverity(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  const level = event.trackerSeverity === undefined ? null : severityOfTracker(event.trackerSeverity);
  if (!level) return 'not-a-trigger';
  return withMaster(event.issue.ref, ctx, async (run) => {
    const access = await ctx.tracker.getAccess(event.project.path, event.actor);
    return decideCommand({ ...run, actor: event.actor, access }, { name: 'severity', level });
  });
}
