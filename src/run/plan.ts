import type { TicketState, RunState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import type { AccessLevel, Issue, IssueRef, TrackerKind } from '../kernel/model.js';
import type { TaskRow } from '../tracking/rows.js';
import type { TaskCommand } from '../commands/parse.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { APP_ACTOR } from '../kernel/timeline.js';
import { formatRfc3339 } from '../kernel/time.js';

/**
 * What every decision on a running incident shares: the context it decides on (`RunContext`) and the plan it
 * answers (`RunPlan`), which `applyRunPlan` writes. Pure.
 */

/** What every run decision looks at: the master as just read, its trusted state, the clock, the actor. */
export interface RunContext {
  tracker: TrackerKind;
  config: IncidentDeskConfig;
  master: Issue;
  state: TicketState;
  now: Date;
  /** Who acted; null for the sweep. */
  actor: { username: string; id: number } | null;
  /** The actor's access on the master's project as the tracker answered; null when not read. */
  access: AccessLevel | null;
}

/**
 * What one event changes. The shell applies it in order: child revert, master (re-read, then the step
 * overrides and cells applied to the fresh block and the block re-rendered), comments, timeline.
 */
export interface RunPlan {
  /** Checkbox states imposed on the master's fresh block: a person's intent replayed, or a refused tick undone. */
  stepOverrides: Array<{ stepId: string; done: boolean }>;
  /** Quick Links cells to write, by label. */
  cells: Record<string, string>;
  /** The master's run state after this event. */
  run: RunState;
  addLabels: string[];
  removeLabels: string[];
  /** Assignee changes on the master (handoff of the Incident Manager role). */
  assign?: { add: string; remove: string | null };
  /** Comments to post, each on the ticket named. */
  comments: Array<{ ref: IssueRef; body: string }>;
  timeline: TimelineEntry[];
  /** Tracking-ticket rows to put in the master's section (a child's change, a new `/task`). */
  tasks: TaskRow[];
  /** Reopen the master in the same write (the close guard). */
  reopen?: boolean;
  /** Re-render the master even if nothing else changed (overdue flags moved with the date). */
  refresh?: boolean;
  /** A `/task` to open: the shell reads the target project, then `decideTask` says what to create. */
  task?: TaskCommand;
  /** Close the master in the same write (a false alarm); the close event is the app's own and is not answered. */
  close?: boolean;
  /** Tickets of the incident to close, each with a note posted first (a false alarm closes them with the master). */
  closeChildren?: Array<{ ref: IssueRef; note: string }>;
  /**
   * The incident report to compose: the shell reads what it needs (the timeline, the communications ticket) and adds
   * it, as a preview comment (`/report`), or as the report of this conclusion (`final`), a comment or a ticket.
   */
  report?: 'preview' | 'final';
}

/** A plan that changes nothing, over the run state `run` (none by default). */
export function blankPlan(run: RunState = {}): RunPlan {
  return {
    stepOverrides: [],
    cells: {},
    run,
    addLabels: [],
    removeLabels: [],
    comments: [],
    timeline: [],
    tasks: [],
  };
}

/** A plan that changes nothing (yet), over a copy of the incident's run state. */
export function emptyPlan(ctx: RunContext): RunPlan {
  return blankPlan({ ...(ctx.state.run ?? {}) });
}

/** True when a plan changes the master (its block, labels or assignees), so it must be written. */
export function changesMaster(plan: RunPlan, before: RunState | undefined): boolean {
  return (
    plan.stepOverrides.length > 0 ||
    Object.keys(plan.cells).length > 0 ||
    plan.addLabels.length > 0 ||
    plan.removeLabels.length > 0 ||
    plan.assign !== undefined ||
    plan.tasks.length > 0 ||
    plan.reopen === true ||
    plan.close === true ||
    plan.refresh === true ||
    JSON.stringify(plan.run) !== JSON.stringify(before ?? {})
  );
}

/** A timeline entry of this event, by its actor (the app for the sweep). */
export function timelineEntry(ctx: RunContext, text: string, actor = ctx.actor?.username ?? APP_ACTOR): TimelineEntry {
  return { at: formatRfc3339(ctx.now), actor, text };
}

/** A step as the timeline names it: `"(IM) Pick a deputy"`. */
export function stepLabel(change: { role: string; text: string }): string {
  return `"(${change.role}) ${change.text}"`;
}
