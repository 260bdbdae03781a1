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
import { FIELD_LABELS, MANAGER, ROLE_LABEL, ROLE_NAME, holderOf, quickLinksOf } from '../run/quick-links.js';
import { parseSitrepText, renderSitrep } from './sitrep.js';
import { emptyPlan, timelineEntry, stepLabel } from '../run/plan.js';
import { formatRfc3339 } from '../kernel/time.js';
import type { RunContext, RunPlan } from '../run/plan.js';

/**
 * What a command on the master changes: `decideCommand` answers the plan of one parsed command from a person whose
 * access the tracker reported (`/help` needs none). Pure: the master as just read and the clock come in.
 */

function refuse(ctx: RunContext, plan: RunPlan, what: string): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderRefusal({ actor: ctx.actor?.username ?? '', what, required: requiredAccess(ctx.tracker) }) });
  return plan;
}

function invalid(ctx: RunContext, plan: RunPlan, command: string, expected: string): RunPlan {
  plan.comments.push({ ref: ctx.master.ref, body: renderInvalid({ command, expected }) });
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
      plan.timeline.push(timelineEntry(ctx, `set ${label} to ${result.value}`));
      return plan;
    }
    case 'cve': {
      const aliases = new Set(plan.run.aliases ?? []);
      if (aliases.has(command.id) || ctx.state.id === command.id) return plan;
      plan.run.aliases = [...aliases, command.id];
      plan.addLabels.push(idLabel(command.id));
      plan.timeline.push(timelineEntry(ctx, `recorded ${command.id} for this incident`));
      return plan;
    }
    case 'na': {
      const step = resolveStep(ctx.master, command.target);
      if (!step.ok) return invalid(ctx, plan, 'na', step.expected);
      plan.run.na = { ...(plan.run.na ?? {}), [step.id]: command.reason };
      const reason = command.reason ? `: ${neutralizeInline(command.reason, 200)}` : '';
      plan.timeline.push(timelineEntry(ctx, `marked ${stepLabel(step)} not applicable${reason}`));
      return plan;
    }
    case 'timeline':
      plan.timeline.push({ at: command.at ?? formatRfc3339(ctx.now), actor, text: neutralizeInline(command.text, 500) });
      return plan;
    case 'severity': {
      if (plan.run.severity === command.level) return plan;
      const previous = plan.run.severity;
      plan.run.severity = command.level;
      plan.run.sitrepSince ??= formatRfc3339(ctx.now);
      plan.addLabels.push(`severity::${command.level}`);
      if (previous) plan.removeLabels.push(`severity::${previous}`);
      plan.timeline.push(timelineEntry(ctx, `set severity to ${command.level}`));
      return plan;
    }
    case 'sitrep': {
      plan.comments.push({
        ref: ctx.master.ref,
        body: renderSitrep({
          id: ctx.state.id,
          at: formatRfc3339(ctx.now),
          author: actor,
          severity: plan.run.severity ?? null,
          incidentManager: holderOf(cells.get(MANAGER)),
          parsed: parseSitrepText(command.text),
          ...(plan.run.severity ? { cadenceMinutes: ctx.config.sitrepMinutes[plan.run.severity] } : {}),
        }),
      });
      plan.run.sitrepSince = formatRfc3339(ctx.now);
      plan.run.sitrepReminders = 0;
      plan.timeline.push(timelineEntry(ctx, 'posted a situation report'));
      return plan;
    }
    case 'handoff': {
      const holder = holderOf(cells.get(ROLE_LABEL[command.role]));
      const maintainer = ctx.access === 'maintain' || ctx.access === 'admin';
      if (holder?.toLowerCase() !== actor.toLowerCase() && !maintainer) {
        return refuse(ctx, plan, `hand off the ${ROLE_NAME[command.role]} role (only its current holder or a maintainer can)`);
      }
      plan.run.handoff = { from: holder ?? actor, to: command.to, role: command.role, at: formatRfc3339(ctx.now) };
      plan.comments.push({ ref: ctx.master.ref, body: renderHandoffRequested({ from: holder ?? actor, to: command.to, role: command.role, minutes: ctx.config.handoffMinutes }) });
      plan.timeline.push(timelineEntry(ctx, `asked @${command.to} to take over as ${ROLE_NAME[command.role]}`));
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
      plan.timeline.push(timelineEntry(ctx, `took over as ${ROLE_NAME[pending.role]} from @${pending.from}`));
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
