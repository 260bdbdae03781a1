import type { NoteEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';
import { openTask } from '../tracking/apply-task.js';
import { decideCommand } from './decide.js';
import { parseCommand } from './parse.js';

/**
 * A command in a comment on the master (`/set`, `/severity`, `/sitrep`, `/handoff`, `/task`, …): decided on the master
 * as just read, under the incident's lock, with the actor's access as the tracker answers it. `/task` opens its
 * ticket through `openTask` once the decision says what to open.
 */
export async function handleMasterCommand(event: NoteEvent, ctx: EventContext): Promise<EventOutcome> {
  const command = parseCommand(event.comment.body);
  if (!command) return 'not-a-trigger';
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    // Help needs no rights; everything else is authorized by the tracker's answer, never by issue text.
    const access = command.name === 'help' || command.name === 'unknown' ? null : await ctx.tracker.getAccess(event.project.path, event.actor);
    const plan = decideCommand({ ...run, actor: event.actor, access }, command);
    return plan.task ? openTask(ctx.tracker, { ...run, actor: event.actor, access }, settings, plan.task, plan) : plan;
  });
}
