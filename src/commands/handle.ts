import type { NoteEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';
import { addReport } from '../report/handle.js';
import { handleTaskCommand } from '../tracking/handle-task.js';
import { handleDisclosureCommand } from '../disclosure/handle-command.js';
import { decideCommand } from './decide.js';
import { parseCommand } from './parse.js';

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
