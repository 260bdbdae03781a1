import { splitBody, trustedState } from '../kernel/block.js';
import { readSteps } from '../checklist/steps.js';
import { validateField } from './fields.js';
import { renderHelp } from './help.js';
import { idLabel } from '../kernel/identifier.js';
import type { Issue } from '../kernel/model.js';
import { canWrite } from '../kernel/model.js';
import { mentionUser, neutralizeInline } from '../kernel/neutralize.js';
import {
  renderHandoffDone,
  renderHandoffRequested,
  renderInvalid,
  renderRefusal,
  requiredAccess,
} from '../run/messages.js';
import type { Command } from './parse.js';
import {
  COMMUNICATIONS_OFFICER,
  DEPUTY,
  FIELD_LABELS,
  MANAGER,
  ROLE_LABEL,
  ROLE_NAME,
  holderOf,
  quickLinksOf,
  roleOfLabel,
} from '../run/quick-links.js';
import { effectiveSeverity, recordMilestone, statusOf } from '../triage/status.js';
import { parseSitrepText, renderSitrep } from './sitrep.js';
import { emptyPlan, timelineEntry, stepLabel } from '../run/plan.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import {
  acknowledgeByManager,
  decideAck,
  decideFalseAlarm,
  decideRubric,
  decideSeverityLevel,
  decideStatus,
  decideStatusList,
} from '../triage/decide.js';

/**
 * What a command on the master changes: `decideCommand` answers the plan of one parsed command from a person whose
 * access the tracker reported (`/help` needs none), by the command's own decide function in {@link DECIDE}. Pure: the
 * master as just read and the clock come in.
 */

/** A command on the master, from a person whose access the tracker reported. */
export function decideCommand(ctx: RunContext, command: Command): RunPlan {
  const plan = emptyPlan(ctx);
  if (command.name === 'help' || command.name === 'unknown') return decideHelp(ctx, plan, command);
  // What a level or a status means is no secret to the master's readers: anyone may ask.
  if (command.name === 'severity' && !command.level) return decideRubric(ctx, plan);
  if (command.name === 'status' && !command.status) return decideStatusList(ctx, plan);
  if (command.name === 'report') return { ...plan, report: 'preview' };
  if (!ctx.access || !canWrite(ctx.access)) {
    return refuse(ctx, plan, `use \`/${command.name === 'invalid' ? command.command : command.name}\``);
  }
  // Routed to the disclosure capability before a master is read (see `handleMasterCommand`); never decided here.
  if (command.name === 'disclose' || command.name === 'advisory') return plan;
  const input: CommandInput = { ctx, plan, actor: ctx.actor?.username ?? '', cells: quickLinksOf(ctx.master) };
  // Any command of the Incident Manager acknowledges the incident (seed 003); `/ack` says so itself.
  if (command.name !== 'ack') acknowledgeByManager(input);
  return decideWith(command.name, input, command);
}

/** What a command's decide function works on: the event's context, the plan it fills, who acted, the Quick Links. */
interface CommandInput {
  ctx: RunContext;
  /** The plan under way; its `run` is the master's run state, changed in place. */
  plan: RunPlan;
  /** The username of who acted; '' when unknown. */
  actor: string;
  /** The Quick Links table as the master shows it. */
  cells: Map<string, string>;
}

/**
 * The commands only people with write access give, by name. The disclosure's commands (`/disclose`, `/advisory`) read
 * the communications ticket or the advisory first and are decided by their capability (`handleDisclosureCommand`).
 */
type WriterCommands = {
  [C in Exclude<Command, { name: 'help' | 'unknown' | 'disclose' | 'advisory' }> as C['name']]: C;
};

/** One decide function per command, by the command's name. */
const DECIDE: { [N in keyof WriterCommands]: (input: CommandInput, command: WriterCommands[N]) => RunPlan } = {
  invalid: decideInvalid,
  set: decideSet,
  cve: decideCve,
  na: decideNa,
  timeline: decideTimeline,
  severity: decideSeverity,
  sitrep: decideSitrep,
  handoff: decideHandoff,
  accept: decideAccept,
  ack: decideAck,
  status: (input, command) =>
    command.status ? decideStatus(input, command.status) : decideStatusList(input.ctx, input.plan),
  'false-alarm': (input, command) => decideFalseAlarm(input, command.reason),
  report: ({ plan }) => ({ ...plan, report: 'preview' }),
  detected: decideDetected,
  task: decideTaskCommand,
  approve: decideApprovalCommand,
  revoke: decideApprovalCommand,
  'request-changes': decideApprovalCommand,
  'request-approvals': decideApprovalCommand,
  drafting: decideApprovalCommand,
};

function decideWith<N extends keyof WriterCommands>(name: N, input: CommandInput, command: WriterCommands[N]): RunPlan {
  return DECIDE[name](input, command);
}

function refuse(ctx: RunContext, plan: RunPlan, what: string): RunPlan {
  const body = renderRefusal({ actor: ctx.actor?.username ?? '', what, required: requiredAccess(ctx.tracker) });
  plan.comments.push({ ref: ctx.master.ref, body });
  return plan;
}

function invalid(ctx: RunContext, plan: RunPlan, command: string, expected: string): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderInvalid({ command, expected }) });
  return plan;
}

/** `/help`, and a word that is no command: the help, for anyone. */
function decideHelp(
  ctx: RunContext,
  plan: RunPlan,
  command: { name: 'help' } | { name: 'unknown'; word: string },
): RunPlan {
  const notice =
    command.name === 'unknown'
      ? `\`/${neutralizeInline(command.word, 40).replace(/`/g, "'")}\` is not an incident-desk command.`
      : undefined;
  plan.comments.push({ ref: ctx.master.ref, body: renderHelp(notice) });
  return plan;
}

/** A known command whose arguments do not fit: what would. */
function decideInvalid({ ctx, plan }: CommandInput, command: WriterCommands['invalid']): RunPlan {
  return invalid(ctx, plan, command.command, command.expected);
}

/** `/set <field> <value>`: a Quick Links value, once valid and changed. */
function decideSet({ ctx, plan, cells, actor }: CommandInput, command: WriterCommands['set']): RunPlan {
  const result = validateField(command.field, command.value);
  if (!result.ok) return invalid(ctx, plan, `set ${command.field}`, result.expected);
  const label = FIELD_LABELS[command.field];
  if (cells.get(label) === result.value) return plan;
  plan.cells[label] = result.value;
  if (command.field === 'disclosure-date') plan.run.nudged = [];
  const role = roleOfLabel(label);
  if (role) {
    const at = formatRfc3339(ctx.now);
    const before = holderOf(cells.get(label));
    const to = holderOf(result.value) ?? undefined;
    recordMilestone(plan.run, {
      at,
      by: actor,
      kind: 'role',
      value: role,
      ...(to ? { to } : {}),
      ...(before ? { from: before } : {}),
    });
  }
  plan.timeline.push(timelineEntry(ctx, `set ${label} to ${result.value}`));
  return plan;
}

/** `/cve <id>`: a further identifier of the incident, as an alias and a label. */
function decideCve({ ctx, plan }: CommandInput, command: WriterCommands['cve']): RunPlan {
  const aliases = new Set(plan.run.aliases ?? []);
  if (aliases.has(command.id) || ctx.state.id === command.id) return plan;
  plan.run.aliases = [...aliases, command.id];
  plan.addLabels.push(idLabel(command.id));
  plan.timeline.push(timelineEntry(ctx, `recorded ${command.id} for this incident`));
  return plan;
}

/** `/na <step> [reason]`: a step of the checklist that does not apply. */
function decideNa({ ctx, plan }: CommandInput, command: WriterCommands['na']): RunPlan {
  const step = resolveStep(ctx.master, command.target);
  if (!step.ok) return invalid(ctx, plan, 'na', step.expected);
  plan.run.na = { ...(plan.run.na ?? {}), [step.id]: command.reason };
  const reason = command.reason ? `: ${neutralizeInline(command.reason, 200)}` : '';
  plan.timeline.push(timelineEntry(ctx, `marked ${stepLabel(step)} not applicable${reason}`));
  return plan;
}

/** `/timeline [time] <text>`: a line of the person's own in the timeline. */
function decideTimeline({ ctx, plan, actor }: CommandInput, command: WriterCommands['timeline']): RunPlan {
  plan.timeline.push({ at: command.at ?? formatRfc3339(ctx.now), actor, text: neutralizeInline(command.text, 500) });
  return plan;
}

/** `/severity <level>`: the severity label, the sitrep cadence, the severity's escalation list told once. */
function decideSeverity(input: CommandInput, command: WriterCommands['severity']): RunPlan {
  return command.level ? decideSeverityLevel(input, command.level) : decideRubric(input.ctx, input.plan);
}

/** `/set detected <time>`: when the incident became active, for the time to discovery of the report. */
function decideDetected({ ctx, plan }: CommandInput, command: WriterCommands['detected']): RunPlan {
  if (plan.run.detectedAt === command.at) return plan;
  plan.run.detectedAt = command.at;
  plan.timeline.push(timelineEntry(ctx, `recorded that the incident became active at ${command.at}`));
  return plan;
}

/** `/sitrep <text>`: a situation report with seed 003's fields, and the sitrep clock starts again. */
function decideSitrep({ ctx, plan, actor, cells }: CommandInput, command: WriterCommands['sitrep']): RunPlan {
  // The incoming holder's first sitrep after a handoff notes it (seed 003's ceremony, step 4).
  const owed = plan.run.handoverSitrep;
  const handoff = owed && owed.to.toLowerCase() === actor.toLowerCase() ? owed : null;
  const severity = plan.run.severity ?? null;
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderSitrep({
      id: ctx.state.id,
      at: formatRfc3339(ctx.now),
      author: actor,
      severity,
      incidentManager: holderOf(cells.get(MANAGER)),
      parsed: parseSitrepText(command.text),
      // Until assessed, the incident is run as high: the next report is due within the hour.
      cadenceMinutes: ctx.config.sitrepMinutes[effectiveSeverity(plan.run)],
      status: statusOf(plan.run),
      reporter: ctx.state.reporter?.author ?? null,
      deputy: holderOf(cells.get(DEPUTY)),
      communicationsOfficer: holderOf(cells.get(COMMUNICATIONS_OFFICER)),
      handoff: handoff ? { role: ROLE_NAME[handoff.role], from: handoff.from, to: handoff.to } : null,
    }),
  });
  plan.run.sitrepSince = formatRfc3339(ctx.now);
  plan.run.sitrepReminders = 0;
  plan.run.sitreps = (plan.run.sitreps ?? 0) + 1;
  if (handoff) delete plan.run.handoverSitrep;
  plan.timeline.push(
    timelineEntry(ctx, handoff ? 'posted a situation report noting the handoff' : 'posted a situation report'),
  );
  return plan;
}

/**
 * `/handoff @user [im|deputy|co]`: a pending handoff, asked by the role's holder or a maintainer; the Incident Manager
 * may also designate the Communications Officer (seed 003).
 */
function decideHandoff({ ctx, plan, actor, cells }: CommandInput, command: WriterCommands['handoff']): RunPlan {
  const holder = holderOf(cells.get(ROLE_LABEL[command.role]));
  const maintainer = ctx.access === 'maintain' || ctx.access === 'admin';
  const manager = holderOf(cells.get(MANAGER));
  const designates = command.role === 'co' && manager?.toLowerCase() === actor.toLowerCase();
  if (holder?.toLowerCase() !== actor.toLowerCase() && !maintainer && !designates) {
    const who =
      command.role === 'co'
        ? 'its current holder, the Incident Manager or a maintainer'
        : 'its current holder or a maintainer';
    return refuse(ctx, plan, `hand off the ${ROLE_NAME[command.role]} role (only ${who} can)`);
  }
  const from = holder ?? actor;
  plan.run.handoff = { from, to: command.to, role: command.role, at: formatRfc3339(ctx.now) };
  const minutes = ctx.config.handoffMinutes;
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderHandoffRequested({ from, to: command.to, role: command.role, minutes }),
  });
  plan.timeline.push(timelineEntry(ctx, `asked @${command.to} to take over as ${ROLE_NAME[command.role]}`));
  return plan;
}

/**
 * `/accept`: the handoff waiting for this person completes (seed 003's ceremony): the incoming holder now owes the
 * sitrep that notes the handoff, and the outgoing one stays reachable for a while.
 */
function decideAccept({ ctx, plan, actor }: CommandInput): RunPlan {
  const pending = plan.run.handoff;
  if (!pending || pending.to.toLowerCase() !== actor.toLowerCase()) {
    const expected =
      'There is no handoff waiting for you. The current holder asks with `/handoff @you im` (or `deputy`, or `co`).';
    return invalid(ctx, plan, 'accept', expected);
  }
  const at = formatRfc3339(ctx.now);
  delete plan.run.handoff;
  plan.cells[ROLE_LABEL[pending.role]] = mentionUser(pending.to);
  if (pending.role === 'im')
    plan.assign = { add: pending.to, remove: pending.from === pending.to ? null : pending.from };
  plan.run.handoverSitrep = { role: pending.role, from: pending.from, to: pending.to, at };
  recordMilestone(plan.run, { at, by: actor, kind: 'role', value: pending.role, to: pending.to, from: pending.from });
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderHandoffDone({ from: pending.from, to: pending.to, role: pending.role, at }),
  });
  plan.timeline.push(timelineEntry(ctx, `took over as ${ROLE_NAME[pending.role]} from @${pending.from}`));
  return plan;
}

/**
 * `/task`: opening the ticket needs the target project as the tracker answers it, so the plan hands the command on:
 * the shell reads the project, then `decideTask` decides the ticket.
 */
function decideTaskCommand({ plan }: CommandInput, command: WriterCommands['task']): RunPlan {
  plan.task = command;
  return plan;
}

/** Approval commands go on the communications ticket: on the master they only say where. */
function decideApprovalCommand({ ctx, plan }: CommandInput, command: { name: string }): RunPlan {
  const comms = ctx.state.children?.find((c) => c.role === 'comms');
  const expected = comms
    ? `Approval commands go on the communications ticket, ${comms.ref}.`
    : 'Approval commands go on the communications ticket of the incident.';
  return invalid(ctx, plan, command.name, expected);
}

/** Finds a step of the master's checklist by id or by a unique piece of its text. */
export function resolveStep(
  master: Issue,
  target: string,
): { ok: true; id: string; role: string; text: string } | { ok: false; expected: string } {
  const block = trustedState(master) ? splitBody(master.body).block : null;
  const steps = block ? readSteps(block) : new Map<string, { done: boolean; text: string; role: string }>();
  const byId = steps.get(target.trim());
  if (byId) return { ok: true, id: target.trim(), role: byId.role, text: byId.text };
  const needle = target.trim().toLowerCase();
  const matches = needle ? [...steps.entries()].filter(([, s]) => s.text.toLowerCase().includes(needle)) : [];
  if (matches.length === 1)
    return { ok: true, id: matches[0]![0], role: matches[0]![1].role, text: matches[0]![1].text };
  return {
    ok: false,
    expected:
      matches.length > 1
        ? `"${neutralizeInline(target, 80)}" matches ${matches.length} steps; name one by its id, e.g. \`/na ` +
          `${matches[0]![0]} reason\`.`
        : `No step matches "${neutralizeInline(target, 80)}". Name a step by its id (the handbook link ends with ` +
          `it) or by a unique piece of its text.`,
  };
}
