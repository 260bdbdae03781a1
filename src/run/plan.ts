import { parseQuickLinks, splitBody, trustedState } from '../kernel/block.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { INCIDENT_PHASES } from '../checklist/phases.js';
import { computeProgress, diffSteps, duePhases, phaseDates, readSteps } from '../checklist/steps.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { validateField } from '../commands/fields.js';
import { renderHelp } from '../commands/help.js';
import { idLabel } from '../kernel/identifier.js';
import type { AccessLevel, Issue, IssueRef, TrackerKind } from '../kernel/model.js';
import { canWrite, formatRef, parseRef } from '../kernel/model.js';
import { mentionUser, neutralizeInline } from '../kernel/neutralize.js';
import {
  renderHandoffDone,
  renderHandoffExpired,
  renderHandoffRequested,
  renderInvalid,
  renderPhaseNudge,
  renderRefusal,
} from './messages.js';
import type { TaskRow } from '../tracking/rows.js';
import { trackingStale } from '../tracking/rows.js';
import type { Command, TaskCommand } from '../commands/parse.js';
import type { HolderRole, RunState, Severity } from '../kernel/ticket-state.js';
import type { StepChange } from '../checklist/steps.js';
import type { FieldKey } from './quick-links.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { FIELD_LABELS } from './quick-links.js';
import { missedSitrepWindows, parseSitrepText, renderSitrep, renderSitrepReminder } from '../commands/sitrep.js';
import { APP_ACTOR } from '../kernel/timeline.js';

const MANAGER = FIELD_LABELS['incident-manager'];
const DEPUTY = FIELD_LABELS.deputy;
const DISCLOSURE = FIELD_LABELS['disclosure-date'];
const ROLE_LABEL: Record<HolderRole, string> = { im: MANAGER, deputy: DEPUTY };
const ROLE_NAME: Record<HolderRole, string> = { im: 'Incident Manager', deputy: 'Deputy Incident Manager' };

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
}

/** A plan that changes nothing (yet). */
export function emptyPlan(ctx: RunContext): RunPlan {
  return { stepOverrides: [], cells: {}, run: { ...(ctx.state.run ?? {}) }, addLabels: [], removeLabels: [], comments: [], timeline: [], tasks: [] };
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
    plan.refresh === true ||
    JSON.stringify(plan.run) !== JSON.stringify(before ?? {})
  );
}

const at = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

function entry(ctx: RunContext, text: string, actor = ctx.actor?.username ?? APP_ACTOR): TimelineEntry {
  return { at: at(ctx.now), actor, text };
}

function stepLabel(change: { role: string; text: string }): string {
  return `"(${change.role}) ${change.text}"`;
}

/** The project whose configuration governs an incident: the source's when the master was opened from one. */
export function configProjectOf(state: TicketState, master: Issue): string {
  const source = parseRef(state.source?.replace(/^[a-z]+:/, ''));
  return source?.project ?? master.ref.project;
}

/** The username in a Quick Links cell like `@alice`, or null. */
export function holderOf(cell: string | undefined): string | null {
  const match = /^@([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec((cell ?? '').trim());
  return match ? match[1]! : null;
}

function quickLinksOf(issue: Issue): Map<string, string> {
  return parseQuickLinks(trustedState(issue) ? splitBody(issue.body).block : null);
}

/**
 * A person edited the description of the master or of a child: which boxes (and, on the master, which
 * Quick Links cells) changed, recorded in the timeline when the person may make the change, undone with
 * one refusal when they may not.
 */
export function decideEdit(
  ctx: RunContext,
  edit: { ticket: Issue; previousBody: string; isMaster: boolean; ignoreStep?: (stepId: string) => boolean },
): RunPlan {
  const plan = emptyPlan(ctx);
  const before = trustedState({ body: edit.previousBody, labels: edit.ticket.labels }) ? splitBody(edit.previousBody).block : null;
  // The block as the person left it, whatever its hidden state now says (a changed state is put back on its own).
  const after = splitBody(edit.ticket.body).block;
  if (before === null || after === null) return plan;
  // Approval boxes of the comms ticket are decided by the approval rules, not by write access.
  const changes = diffSteps(before, after).filter((c) => !edit.ignoreStep?.(c.stepId));
  const cellsBefore = parseQuickLinks(before);
  const cellsAfter = parseQuickLinks(after);
  const cellChanges = edit.isMaster
    ? [...cellsAfter.entries()].filter(([label, value]) => cellsBefore.has(label) && cellsBefore.get(label) !== value)
    : [];
  if (changes.length === 0 && cellChanges.length === 0) return plan;

  // Edits by people without write access never reach here: the shell undoes them (`revertEdit`).
  if (!ctx.access || !canWrite(ctx.access)) return plan;

  // The person's ticks are replayed onto the fresh block, so an app write that raced them cannot lose them.
  // A replay never undoes a later change of the same box or cell: events may arrive out of order, so each
  // box and cell remembers the time of the edit that last set it, and an older edit only joins the timeline.
  if (edit.isMaster) {
    const editedAt = edit.ticket.updatedAt;
    const seen = { ...(plan.run.changedAt ?? {}) };
    const newer = (key: string): boolean => !seen[key] || !(Date.parse(seen[key]!) > Date.parse(editedAt));
    for (const change of changes) {
      if (!newer(change.stepId)) continue;
      plan.stepOverrides.push({ stepId: change.stepId, done: change.to === 'done' });
      seen[change.stepId] = editedAt;
    }
    for (const [label, value] of cellChanges) {
      if (!newer(label)) continue;
      plan.cells[label] = value;
      seen[label] = editedAt;
    }
    plan.run.changedAt = seen;
  }
  const where = edit.isMaster ? '' : ` on ${formatRef(edit.ticket.ref)}`;
  for (const change of changes) plan.timeline.push(entry(ctx, `${change.to === 'done' ? 'ticked' : 'unticked'} ${stepLabel(change)}${where}`));
  for (const [label, value] of cellChanges) plan.timeline.push(entry(ctx, `set ${label} to ${value}`));
  // A new disclosure date opens the phase nudges again: a phase nudged for an old date may be due anew.
  if (cellChanges.some(([label]) => label === DISCLOSURE)) plan.run.nudged = [];
  return plan;
}

/**
 * True when an edit changed the app's block of a ticket in any way (a box, a cell, the hidden state, or the
 * block removed): only then is it the app's business.
 */
export function editTouchesBlock(previousBody: string, ticket: Issue): boolean {
  const before = trustedState({ body: previousBody, labels: ticket.labels }) ? splitBody(previousBody).block : null;
  if (before === null) return false;
  return splitBody(ticket.body).block !== before;
}

/** The one polite refusal for an edit that was put back. */
export function refusalForEdit(tracker: TrackerKind, actor: string, previousBody: string, edited: Issue): string {
  const before = splitBody(previousBody).block ?? '';
  const after = splitBody(edited.body).block;
  const changes = after === null ? [] : diffSteps(before, after);
  return renderRefusal({
    actor,
    what: changes.length > 0 ? 'tick or untick checklist boxes here' : 'change the incident-desk part of this description',
    required: requiredAccess(tracker),
    ...(changes[0] ? { boxReverted: changes[0].to === 'done' ? ('unticked' as const) : ('ticked' as const) } : {}),
  });
}

function requiredAccess(tracker: TrackerKind): 'write access' | 'Developer access' {
  return tracker === 'gitlab' ? 'Developer access' : 'write access';
}

function refuse(ctx: RunContext, plan: RunPlan, what: string): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderRefusal({ actor: ctx.actor?.username ?? '', what, required: requiredAccess(ctx.tracker) }) });
  return plan;
}

function invalid(ctx: RunContext, plan: RunPlan, command: string, expected: string): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderInvalid({ command, expected }) });
  return plan;
}

/** The master was closed or reopened: the timeline says who did it and when. */
export function decideStateChange(ctx: RunContext, action: 'closed' | 'reopened'): RunPlan {
  const plan = emptyPlan(ctx);
  plan.timeline.push(entry(ctx, action === 'closed' ? 'closed the incident' : 'reopened the incident'));
  return plan;
}

/** A command on the master, from a person whose access the tracker reported. */
export function decideCommand(ctx: RunContext, command: Command): RunPlan {
  const plan = emptyPlan(ctx);
  const actor = ctx.actor?.username ?? '';
  if (command.name === 'help' || command.name === 'unknown') {
    plan.comments.push({ ref: ctx.master.ref, body: renderHelp(command.name === 'unknown' ? `\`/${neutralizeInline(command.word, 40).replace(/`/g, "'")}\` is not an incident-desk command.` : undefined) });
    return plan;
  }
  if (!ctx.access || !canWrite(ctx.access)) return refuse(ctx, plan, `use \`/${command.name === 'invalid' ? command.command : command.name}\``);
  const cells = quickLinksOf(ctx.master);

  switch (command.name) {
    case 'invalid':
      return invalid(ctx, plan, command.command, command.expected);
    case 'set': {
      const result = validateField(command.field, command.value);
      if (!result.ok) return invalid(ctx, plan, `set ${command.field}`, result.expected);
      const label = FIELD_LABELS[command.field];
      if (cells.get(label) === result.value) return plan;
      plan.cells[label] = result.value;
      if (command.field === 'disclosure-date') plan.run.nudged = [];
      plan.timeline.push(entry(ctx, `set ${label} to ${result.value}`));
      return plan;
    }
    case 'cve': {
      const aliases = new Set(plan.run.aliases ?? []);
      if (aliases.has(command.id) || ctx.state.id === command.id) return plan;
      plan.run.aliases = [...aliases, command.id];
      plan.addLabels.push(idLabel(command.id));
      plan.timeline.push(entry(ctx, `recorded ${command.id} for this incident`));
      return plan;
    }
    case 'na': {
      const step = resolveStep(ctx.master, command.target);
      if (!step.ok) return invalid(ctx, plan, 'na', step.expected);
      plan.run.na = { ...(plan.run.na ?? {}), [step.id]: command.reason };
      const reason = command.reason ? `: ${neutralizeInline(command.reason, 200)}` : '';
      plan.timeline.push(entry(ctx, `marked ${stepLabel(step)} not applicable${reason}`));
      return plan;
    }
    case 'timeline':
      plan.timeline.push({ at: command.at ?? at(ctx.now), actor, text: neutralizeInline(command.text, 500) });
      return plan;
    case 'severity': {
      if (plan.run.severity === command.level) return plan;
      const previous = plan.run.severity;
      plan.run.severity = command.level;
      plan.run.sitrepSince ??= at(ctx.now);
      plan.addLabels.push(`severity::${command.level}`);
      if (previous) plan.removeLabels.push(`severity::${previous}`);
      plan.timeline.push(entry(ctx, `set severity to ${command.level}`));
      return plan;
    }
    case 'sitrep': {
      plan.comments.push({
        ref: ctx.master.ref,
        body: renderSitrep({
          id: ctx.state.id,
          at: at(ctx.now),
          author: actor,
          severity: plan.run.severity ?? null,
          incidentManager: holderOf(cells.get(MANAGER)),
          parsed: parseSitrepText(command.text),
          ...(plan.run.severity ? { cadenceMinutes: ctx.config.sitrepMinutes[plan.run.severity] } : {}),
        }),
      });
      plan.run.sitrepSince = at(ctx.now);
      plan.run.sitrepReminders = 0;
      plan.timeline.push(entry(ctx, 'posted a situation report'));
      return plan;
    }
    case 'handoff': {
      const holder = holderOf(cells.get(ROLE_LABEL[command.role]));
      const maintainer = ctx.access === 'maintain' || ctx.access === 'admin';
      if (holder?.toLowerCase() !== actor.toLowerCase() && !maintainer) {
        return refuse(ctx, plan, `hand off the ${ROLE_NAME[command.role]} role (only its current holder or a maintainer can)`);
      }
      plan.run.handoff = { from: holder ?? actor, to: command.to, role: command.role, at: at(ctx.now) };
      plan.comments.push({ ref: ctx.master.ref, body: renderHandoffRequested({ from: holder ?? actor, to: command.to, role: command.role, minutes: ctx.config.handoffMinutes }) });
      plan.timeline.push(entry(ctx, `asked @${command.to} to take over as ${ROLE_NAME[command.role]}`));
      return plan;
    }
    case 'approve':
    case 'revoke':
    case 'request-changes':
    case 'request-approvals': {
      const comms = ctx.state.children?.find((c) => c.role === 'comms');
      return invalid(ctx, plan, command.name, comms ? `Approval commands go on the communications ticket, ${comms.ref}.` : 'Approval commands go on the communications ticket of the incident.');
    }
    case 'task':
      // Opening the ticket needs the target project as the tracker answers it: the shell reads it, then `decideTask`.
      plan.task = command;
      return plan;
    case 'accept': {
      const pending = plan.run.handoff;
      if (!pending || pending.to.toLowerCase() !== actor.toLowerCase()) {
        return invalid(ctx, plan, 'accept', 'There is no handoff waiting for you. The current holder asks with `/handoff @you im` (or `deputy`).');
      }
      delete plan.run.handoff;
      plan.cells[ROLE_LABEL[pending.role]] = mentionUser(pending.to);
      if (pending.role === 'im') plan.assign = { add: pending.to, remove: pending.from === pending.to ? null : pending.from };
      plan.comments.push({ ref: ctx.master.ref, body: renderHandoffDone({ from: pending.from, to: pending.to, role: pending.role }) });
      plan.timeline.push(entry(ctx, `took over as ${ROLE_NAME[pending.role]} from @${pending.from}`));
      return plan;
    }
  }
}

/** Finds a step of the master's checklist by id or by a unique piece of its text. */
export function resolveStep(master: Issue, target: string): { ok: true; id: string; role: string; text: string } | { ok: false; expected: string } {
  const block = trustedState(master) ? splitBody(master.body).block : null;
  const steps = block ? readSteps(block) : new Map<string, { done: boolean; text: string; role: string }>();
  const byId = steps.get(target.trim());
  if (byId) return { ok: true, id: target.trim(), role: byId.role, text: byId.text };
  const needle = target.trim().toLowerCase();
  const matches = needle ? [...steps.entries()].filter(([, s]) => s.text.toLowerCase().includes(needle)) : [];
  if (matches.length === 1) return { ok: true, id: matches[0]![0], role: matches[0]![1].role, text: matches[0]![1].text };
  return {
    ok: false,
    expected:
      matches.length > 1
        ? `"${neutralizeInline(target, 80)}" matches ${matches.length} steps; name one by its id, e.g. \`/na ${matches[0]![0]} reason\`.`
        : `No step matches "${neutralizeInline(target, 80)}". Name a step by its id (the handbook link ends with it) or by a unique piece of its text.`,
  };
}

/**
 * The periodic sweep of one open master: what is due now (sitrep reminders, phase nudges, handoff expiry),
 * each fired at most once: the plan records it in the run state, which the shell writes before posting.
 */
export function decideSweep(ctx: RunContext): RunPlan {
  const plan = emptyPlan(ctx);
  const run = plan.run;
  const cells = quickLinksOf(ctx.master);
  const manager = holderOf(cells.get(MANAGER));
  const deputy = holderOf(cells.get(DEPUTY));

  if (run.severity && run.sitrepSince) {
    const cadence = ctx.config.sitrepMinutes[run.severity];
    const missed = missedSitrepWindows(run.sitrepSince, cadence, ctx.now);
    if (missed > (run.sitrepReminders ?? 0)) {
      run.sitrepReminders = missed;
      plan.comments.push({
        ref: ctx.master.ref,
        body: renderSitrepReminder({ id: ctx.state.id, incidentManager: manager, severity: run.severity, cadenceMinutes: cadence, missed, since: run.sitrepSince }),
      });
      plan.timeline.push(entry(ctx, `reminded ${manager ? `@${manager}` : 'the incident lead'}: situation report overdue`));
    }
  }

  const block = trustedState(ctx.master) ? splitBody(ctx.master.body).block : null;
  if (block) {
    const progress = computeProgress(block, INCIDENT_PHASES, run.na ?? {});
    const dates = phaseDates(dateOf(cells.get(DISCLOSURE)), ctx.config.phaseOffsets, INCIDENT_PHASES);
    const due = duePhases(dates, progress, ctx.now, run.nudged ?? []);
    if (due.length > 0) {
      run.nudged = [...(run.nudged ?? []), ...due];
      const steps = readSteps(block);
      for (const phaseId of due) {
        const phase = INCIDENT_PHASES.find((p) => p.id === phaseId)!;
        const open = phase.steps
          .filter((s) => !steps.get(s.id)?.done && !(run.na ?? {})[s.id])
          .map((s) => ({ role: s.role, text: s.text }));
        plan.comments.push({
          ref: ctx.master.ref,
          body: renderPhaseNudge({ id: ctx.state.id, phaseTitle: phase.title, date: dates[phaseId]!, openSteps: open, owners: [manager, deputy].filter((o): o is string => Boolean(o)) }),
        });
        plan.timeline.push(entry(ctx, `nudged: "${phase.title}" is due (${dates[phaseId]}) with ${open.length} open steps`));
      }
    }
  }

  // A due date passed: the master's overdue flags and counts are re-rendered.
  if (trackingStale(ctx.master, ctx.now)) plan.refresh = true;

  const pending = run.handoff;
  if (pending && !pending.reported && ctx.now.getTime() - Date.parse(pending.at) >= ctx.config.handoffMinutes * 60_000) {
    run.handoff = { ...pending, reported: true };
    plan.comments.push({ ref: ctx.master.ref, body: renderHandoffExpired({ from: pending.from, to: pending.to, role: pending.role, minutes: ctx.config.handoffMinutes }) });
    plan.timeline.push(entry(ctx, `handoff of ${ROLE_NAME[pending.role]} to @${pending.to} not accepted within ${ctx.config.handoffMinutes} minutes`));
  }
  return plan;
}

/** A `YYYY-MM-DD` date from a Quick Links cell, or null. */
export function dateOf(cell: string | undefined): string | null {
  const match = /\b(\d{4}-\d{2}-\d{2})\b/.exec(cell ?? '');
  return match ? match[1]! : null;
}

export type { Severity, StepChange, FieldKey };
