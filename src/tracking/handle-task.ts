import type { Issue, Project } from '../kernel/model.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import type { TaskCommand } from '../commands/parse.js';
import { decideTask, decideTaskCreated, renderTaskUnconfirmed } from './decide.js';
import { isNotFound, TrackerError } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import type { LoadedConfig } from '../config/load.js';
import type { NoteEvent } from '../kernel/events.js';
import { decideCommand } from '../commands/decide.js';
import { parseCommand } from '../commands/parse.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';

/**
 * `/task @owner <project> <title> [due YYYY-MM-DD] [--public]` on the master: from a person with write access (the
 * tracker's answer, as for every command: `decideCommand`), a tracking ticket is opened in the target project and its
 * row put on the master (`openTask`, `decideTask`).
 */
export async function handleTaskCommand(event: NoteEvent, ctx: EventContext): Promise<EventOutcome> {
  const command = parseCommand(event.comment.body);
  if (command?.name !== 'task') return 'not-a-trigger';
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    const access = await ctx.tracker.getAccess(event.project.path, event.actor);
    const plan = decideCommand({ ...run, actor: event.actor, access }, command);
    return plan.task ? openTask(ctx.tracker, { ...run, actor: event.actor, access }, settings, plan.task, plan) : plan;
  });
}

/**
 * `/task`: reads the target project, decides, creates the ticket (GitLab: confidential, details only once the
 * tracker confirmed it when the project is not private), links it and puts its row on the master.
 */
export async function openTask(
  tracker: Tracker,
  run: RunContext,
  settings: LoadedConfig,
  command: TaskCommand,
  plan: RunPlan,
): Promise<RunPlan> {
  let target: Project | null = null;
  try {
    target = await tracker.getProject(command.project);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const decision = decideTask(run, command, target, {
    capabilities: tracker.capabilities,
    renderer: settings.renderer,
  });
  if (decision.kind === 'refuse')
    return { ...plan, comments: [...plan.comments, { ref: run.master.ref, body: decision.comment }] };
  let child: Issue;
  try {
    child = await tracker.createIssue(target!.path, decision.draft);
  } catch (error) {
    // An owner the tracker does not know (GitLab answers 422): the ticket is opened unassigned and the reply says so.
    if (!(error instanceof TrackerError) || error.status !== 422 || !decision.draft.assignees) throw error;
    child = await tracker.createIssue(target!.path, { ...decision.draft, assignees: [] });
  }
  if (decision.details !== null) {
    if (!child.confidential) {
      // The neutral title and the identifier were written, nothing more: the details stay out of a ticket the
      // tracker did not confirm confidential, and the master is told exactly what it holds.
      return {
        ...plan,
        comments: [...plan.comments, { ref: run.master.ref, body: renderTaskUnconfirmed(child, run.state.id) }],
      };
    }
    child = await tracker.updateIssue(child.ref, decision.details);
  }
  if (!decision.isPublic && decision.state.linked) await tracker.linkIssues(run.master, child);
  const created = decideTaskCreated(run, command, child, decision.due, decision.isPublic);
  // Added to what the plan already holds (the post-mortem ticket of a conclusion comes with its labels and cells).
  return {
    ...plan,
    cells: { ...plan.cells, ...created.cells },
    addLabels: [...plan.addLabels, ...created.addLabels],
    removeLabels: [...plan.removeLabels, ...created.removeLabels],
    tasks: [...plan.tasks, ...created.tasks],
    comments: [...plan.comments, ...created.comments],
    timeline: [...plan.timeline, ...created.timeline],
    run: plan.run,
  };
}
