import { parseRef } from '../kernel/model.js';
import { mentionUser } from '../kernel/neutralize.js';
import type { IncidentStatus, RunState, Severity } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import { timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { COMMUNICATIONS_OFFICER, DEPUTY, MANAGER, holderOf } from '../run/quick-links.js';
import { rowsOf } from '../tracking/decide.js';
import {
  renderAck,
  renderChildFalseAlarm,
  renderEscalation,
  renderFalseAlarm,
  renderResolved,
  renderRubric,
  renderSeverityInformed,
  renderStatusList,
} from './messages.js';
import { effectiveSeverity, isConcluded, recordMilestone, STATUS_LABELS, statusLabel, statusOf } from './status.js';

/**
 * Triage of a running incident (seed 003): acknowledgement and its escalation, the severity and its rubric, the
 * status, and the conclusion (resolved, or a false alarm). Pure: each function fills the plan of one event, from the
 * master as just read and the clock that come in.
 */

/** Who acted and the master's Quick Links, as a command's decision sees them. */
export interface TriageInput {
  ctx: RunContext;
  plan: RunPlan;
  /** The username of who acted; '' when unknown. */
  actor: string;
  cells: Map<string, string>;
}

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return Boolean(a) && Boolean(b) && a!.toLowerCase() === b!.toLowerCase();
}

/**
 * The Incident Manager acknowledges by acting (seed 003): their first command or tick counts as `/ack`. Anyone else's
 * does not; only an explicit `/ack` does.
 */
export function acknowledgeByManager({ ctx, plan, actor, cells }: TriageInput): void {
  if (plan.run.ack || !actor || !same(holderOf(cells.get(MANAGER)), actor)) return;
  plan.run.ack = { by: actor, at: formatRfc3339(ctx.now) };
  plan.timeline.push(timelineEntry(ctx, 'acknowledged the incident (first action of the Incident Manager)'));
}

/**
 * `/ack`: the incident is acknowledged and its escalation stops. Nobody holding the Incident Manager role (nobody with
 * write access declared it), whoever acknowledges takes it.
 */
export function decideAck({ ctx, plan, actor, cells }: TriageInput): RunPlan {
  const at = formatRfc3339(ctx.now);
  if (plan.run.ack) {
    plan.comments.push({
      ref: ctx.master.ref,
      body: renderAck({ by: actor, at, declaredAt: plan.run.declaredAt, tookManager: false, already: plan.run.ack }),
    });
    return plan;
  }
  const tookManager = holderOf(cells.get(MANAGER)) === null && actor !== '';
  plan.run.ack = { by: actor, at };
  plan.timeline.push(timelineEntry(ctx, 'acknowledged the incident'));
  if (tookManager) {
    plan.cells[MANAGER] = mentionUser(actor);
    plan.assign = { add: actor, remove: null };
    recordMilestone(plan.run, { at, by: actor, kind: 'role', value: 'im', to: actor });
    plan.timeline.push(timelineEntry(ctx, 'took the Incident Manager role (nobody held it)'));
  }
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderAck({ by: actor, at, declaredAt: plan.run.declaredAt, tookManager }),
  });
  return plan;
}

/** `/severity` without a value: the rubric. */
export function decideRubric(ctx: RunContext, plan: RunPlan): RunPlan {
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderRubric({
      current: plan.run.severity ?? null,
      sitrepMinutes: ctx.config.sitrepMinutes,
      escalation: ctx.config.escalation,
    }),
  });
  return plan;
}

/**
 * `/severity <level>`: the label and the sitrep cadence (counted from the declaration, or from now on an incident
 * declared before declarations were kept), the milestone, and the severity's escalation list told once.
 */
export function decideSeverityLevel({ ctx, plan, actor }: TriageInput, level: Severity): RunPlan {
  if (plan.run.severity === level) return plan;
  const previous = plan.run.severity;
  const at = formatRfc3339(ctx.now);
  plan.run.severity = level;
  plan.run.sitrepSince ??= at;
  plan.addLabels.push(`severity::${level}`);
  if (previous) plan.removeLabels.push(`severity::${previous}`);
  recordMilestone(plan.run, { at, by: actor, kind: 'severity', value: level });
  plan.timeline.push(timelineEntry(ctx, `set severity to ${level}`));
  const people = ctx.config.escalation[level];
  if (people.length > 0 && !(plan.run.informed ?? []).includes(level)) {
    plan.run.informed = [...(plan.run.informed ?? []), level];
    plan.comments.push({
      ref: ctx.master.ref,
      body: renderSeverityInformed({
        id: ctx.state.id,
        level,
        by: actor,
        people,
        sitrepMinutes: ctx.config.sitrepMinutes[level],
      }),
    });
    plan.timeline.push(timelineEntry(ctx, `told the escalation list of ${level} severity (${people.length} people)`));
  }
  return plan;
}

/** `/status` without a value: where the incident stands and what each status means. */
export function decideStatusList(ctx: RunContext, plan: RunPlan): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderStatusList(statusOf(plan.run)) });
  return plan;
}

/**
 * `/status <status>`: the label and the milestone. Resolving asks the Incident Manager for the final sitrep, thanks
 * the responders and has the incident report composed (once per conclusion); moving back from resolved takes the
 * incident up again, and its next conclusion gets a report of its own.
 */
export function decideStatus(input: TriageInput, status: Exclude<IncidentStatus, 'false-alarm'>): RunPlan {
  const { ctx, plan, actor, cells } = input;
  const previous = statusOf(plan.run);
  if (previous === status) return plan;
  setStatus(input, status);
  if (status !== 'resolved') {
    if (previous === 'resolved') delete plan.run.report;
    return plan;
  }
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderResolved({
      id: ctx.state.id,
      manager: holderOf(cells.get(MANAGER)),
      responders: respondersOf(plan.run, cells, actor),
    }),
  });
  if (!plan.run.report) plan.report = 'final';
  return plan;
}

function setStatus({ ctx, plan, actor }: TriageInput, status: IncidentStatus): void {
  const at = formatRfc3339(ctx.now);
  plan.run.status = status;
  plan.addLabels.push(statusLabel(status));
  plan.removeLabels.push(...STATUS_LABELS.filter((l) => l !== statusLabel(status) && ctx.master.labels.includes(l)));
  recordMilestone(plan.run, { at, by: actor, kind: 'status', value: status });
  plan.timeline.push(timelineEntry(ctx, `set status to ${status}`));
}

/**
 * Everyone who visibly took part, to thank: the role holders, who acknowledged, who moved the incident along. The
 * reporter is not among them unless they did one of those things.
 */
function respondersOf(run: RunState, cells: Map<string, string>, actor: string): string[] {
  const names = [
    holderOf(cells.get(MANAGER)),
    holderOf(cells.get(DEPUTY)),
    holderOf(cells.get(COMMUNICATIONS_OFFICER)),
    run.ack?.by,
    ...(run.history ?? []).flatMap((m) => [m.by, m.to]),
    actor,
  ];
  const seen = new Map<string, string>();
  for (const name of names) if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()];
}

/**
 * `/false-alarm <reason>` (seed 003: a false alarm is concluded at once): the master and its tickets are closed, each
 * with a note, the master's without the close guard (the app closes it itself), and the report of the conclusion is
 * composed.
 */
export function decideFalseAlarm(input: TriageInput, reason: string): RunPlan {
  const { ctx, plan, actor } = input;
  if (statusOf(plan.run) === 'false-alarm' && ctx.master.state === 'closed') return plan;
  setStatus(input, 'false-alarm');
  plan.close = true;
  const children = [
    ...(ctx.state.children ?? []).map((c) => c.ref),
    ...rowsOf(ctx.master)
      .filter((row) => row.state === 'open')
      .map((row) => row.ref),
  ];
  const refs = children.map((ref) => ({ text: ref, ref: parseRef(ref) })).filter((c) => c.ref !== null);
  plan.closeChildren = refs.map((c) => ({ ref: c.ref!, note: renderChildFalseAlarm(ctx.state.id) }));
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderFalseAlarm({ id: ctx.state.id, by: actor, reason, closed: refs.map((c) => c.text) }),
  });
  plan.timeline.push(timelineEntry(ctx, `concluded the incident as a false alarm and closed ${refs.length} tickets`));
  if (!plan.run.report) plan.report = 'final';
  return plan;
}

/**
 * The sweep's escalation of an incident nobody acknowledged (seed 003: within 10 minutes, else escalate until someone
 * does): one comment per `ackMinutes` window without an acknowledgement, recorded in the state before it is posted.
 * Only incidents whose declaration time the app recorded, and not once concluded.
 */
export function escalateUnacknowledged(ctx: RunContext, plan: RunPlan, manager: string | null): void {
  const run = plan.run;
  if (run.ack || !run.declaredAt || isConcluded(run)) return;
  const start = Date.parse(run.declaredAt);
  if (Number.isNaN(start)) return;
  const minutes = ctx.config.ackMinutes;
  const windows = Math.floor((ctx.now.getTime() - start) / (minutes * 60_000));
  if (!(windows > (run.ackEscalations ?? 0))) return;
  run.ackEscalations = windows;
  const severity = effectiveSeverity(run);
  const people = ctx.config.escalation[severity];
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderEscalation({
      id: ctx.state.id,
      manager,
      people,
      severity,
      unassessed: !run.severity,
      declaredAt: run.declaredAt,
      minutes,
      windows,
    }),
  });
  plan.timeline.push(
    timelineEntry(
      ctx,
      `escalated: not acknowledged within ${minutes * windows} minutes (escalation list of ${severity} severity, ` +
        `${people.length} people)`,
    ),
  );
}
