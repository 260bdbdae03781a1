import { parseQuickLinks, splitBody, trustedState } from '../kernel/block.js';
import { diffSteps } from './steps.js';
import type { Issue, TrackerKind } from '../kernel/model.js';
import { canWrite, formatRef } from '../kernel/model.js';
import { renderRefusal, requiredAccess } from '../run/messages.js';
import { DISCLOSURE, quickLinksOf } from '../run/quick-links.js';
import { acknowledgeByManager } from '../triage/decide.js';
import { emptyPlan, timelineEntry, stepLabel } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import type { IssueEvent } from '../kernel/events.js';
import type { TicketState } from '../kernel/ticket-state.js';

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
  const before = trustedState({ body: edit.previousBody, labels: edit.ticket.labels })
    ? splitBody(edit.previousBody).block
    : null;
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
  // A tick of the Incident Manager acknowledges the incident (seed 003), on the master or on one of its tickets.
  if (changes.length > 0)
    acknowledgeByManager({ ctx, plan, actor: ctx.actor?.username ?? '', cells: quickLinksOf(ctx.master) });
  const where = edit.isMaster ? '' : ` on ${formatRef(edit.ticket.ref)}`;
  for (const change of changes)
    plan.timeline.push(
      timelineEntry(ctx, `${change.to === 'done' ? 'ticked' : 'unticked'} ${stepLabel(change)}${where}`),
    );
  for (const [label, value] of cellChanges) plan.timeline.push(timelineEntry(ctx, `set ${label} to ${value}`));
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
    what:
      changes.length > 0 ? 'tick or untick checklist boxes here' : 'change the incident-desk part of this description',
    required: requiredAccess(tracker),
    ...(changes[0] ? { boxReverted: changes[0].to === 'done' ? ('unticked' as const) : ('ticked' as const) } : {}),
  });
}

/**
 * What an issue event does to the app's block: nothing it can judge (`null`: not an edit of the description, or the
 * description before held no state of the app's), an edit that left the block alone (`untouched`), or an edit of the
 * block, with the state the block held before (the one that decides what the edit may change).
 */
export function blockEditOf(
  event: IssueEvent,
): { kind: 'block'; before: TicketState; previousBody: string } | { kind: 'untouched' } | null {
  if (event.action !== 'edited' || event.previousBody === undefined) return null;
  const before = trustedState({ body: event.previousBody, labels: event.issue.labels });
  if (!before) return null;
  if (!editTouchesBlock(event.previousBody, event.issue)) return { kind: 'untouched' };
  return { kind: 'block', before, previousBody: event.previousBody };
}
