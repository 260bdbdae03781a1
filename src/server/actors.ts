import { trustedState } from '../kernel/block.js';
import { parseCommand } from '../commands/parse.js';
import { editTouchesBlock } from '../checklist/decide.js';
import type { Actor, IssueEvent, NoteEvent, TrackerEvent } from '../kernel/events.js';
import type { Comment } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { isNotFound } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';

/**
 * Who acted and what they wrote, as the tracker answers. Where deliveries are the tracker's word
 * (`capabilities.signedDeliveries`: GitHub signs them with the app's own secret) the delivery says it; elsewhere
 * (GitLab: one token every maintainer who registers a hook knows, no signature over the body) a delivery is only a
 * hint, and before anything it says counts the app asks the tracker: the note and its author, who added a label, who
 * edited a description. Nothing here reads a clock of its own.
 */

/** What these checks need of an event's context. */
export interface ActorContext {
  tracker: Tracker;
  log: Logger;
  now?: () => Date;
}

/**
 * How old a note or an edit may be and still count, measured on the tracker's own timestamp: a delivery replayed
 * later than this is refused, one replayed sooner is dropped by the delivery guard (which remembers a handled note an
 * hour). GitLab delivers within seconds; a delivery half an hour late has lost its moment anyway.
 */
export const FRESH_MS = 30 * 60_000;

function isFresh(at: string, ctx: ActorContext): boolean {
  const now = (ctx.now ?? (() => new Date()))().getTime();
  const time = Date.parse(at);
  return !Number.isNaN(time) && now - time <= FRESH_MS;
}

function asActor(actor: { username: string; id: number }, delivered: Actor): Actor {
  return { username: actor.username, id: actor.id, isBot: delivered.isBot && delivered.id === actor.id };
}

/**
 * True when a delivery, taken at its word, asks for a command to be carried out: a comment whose first line is a
 * command, on a ticket whose (unverified) text says it is an incident's master or communications ticket. Anything
 * else is ignored whatever it says, so it costs no request.
 */
function mayBeCommand(event: NoteEvent): boolean {
  if (!parseCommand(event.comment.body)) return false;
  const role = trustedState(event.issue)?.role;
  return role === 'master' || role === 'comms';
}

/**
 * The delivery as the tracker has it. A comment that may be a command is read back from the tracker: its text and its
 * author there are what counts, it must be on the issue the delivery names and fresh, and it counts once, however
 * many hooks or replays deliver it (its delivery id becomes the note's). Null, with one log line, when it cannot be
 * confirmed. Deliveries the tracker signed, and everything else, are answered as they are.
 */
export async function confirmedDelivery(event: TrackerEvent, ctx: ActorContext): Promise<TrackerEvent | null> {
  if (ctx.tracker.capabilities.signedDeliveries || event.kind !== 'note' || !mayBeCommand(event)) return event;
  const issue = formatRef(event.issue.ref);
  let note: Comment;
  try {
    note = await ctx.tracker.getComment(event.issue.ref, event.comment.id);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    ctx.log.warn({ issue, note: event.comment.id }, 'delivered comment not found on the tracker: ignored');
    return null;
  }
  if (note.authorId <= 0 || !isFresh(note.createdAt, ctx)) {
    ctx.log.warn({ issue, note: note.id, at: note.createdAt }, 'delivered comment too old or without author: ignored');
    return null;
  }
  if (note.authorId !== event.actor.id || note.body !== event.comment.body) {
    ctx.log.warn({ issue, note: note.id }, "delivered comment differs from the tracker's: the tracker's counts");
  }
  const actor = asActor({ username: note.author, id: note.authorId }, event.actor);
  return { ...event, deliveryId: `note:${issue.toLowerCase()}:${note.id}`, actor, comment: note };
}

/**
 * The delivery with who acted as the tracker answers, for what depends on it and is not the tracker's word: an edit of
 * the app's block (a tick, a cell, the hidden state) is attributed by `editor`, a change of the tracker's own severity
 * by its record of severity changes; either answers null when the tracker does not attribute it to its sender.
 * Everything else is answered as it is.
 */
export async function attributedEvent(event: TrackerEvent, ctx: ActorContext): Promise<TrackerEvent | null> {
  // Asked only for a master (as its unverified text says): a severity set on any other issue is nobody's business.
  if (
    event.kind === 'issue' &&
    event.trackerSeverity !== undefined &&
    trustedState(event.issue)?.role === 'master' &&
    !ctx.tracker.capabilities.signedDeliveries
  ) {
    const actor = await severitySetter(event, ctx);
    return actor ? { ...event, actor } : null;
  }
  if (
    ctx.tracker.capabilities.signedDeliveries ||
    event.kind !== 'issue' ||
    event.action !== 'edited' ||
    event.previousBody === undefined
  )
    return event;
  if (
    !trustedState({ body: event.previousBody, labels: event.issue.labels }) ||
    !editTouchesBlock(event.previousBody, event.issue)
  )
    return event;
  const actor = await editor(event, ctx);
  return actor ? { ...event, actor } : null;
}

/**
 * Who set the tracker's own severity in this delivery: the sender only when the tracker records a severity change by
 * that very account (by id) within {@link FRESH_MS}, named as the tracker names them; null (one log line) otherwise.
 */
async function severitySetter(event: IssueEvent, ctx: ActorContext): Promise<Actor | null> {
  const changes = await ctx.tracker.listChanges(event.issue.ref, { kind: 'severity' });
  const change = changes.find((c) => c.actor.id === event.actor.id && isFresh(c.at, ctx));
  if (!change) {
    ctx.log.warn(
      { issue: formatRef(event.issue.ref) },
      'delivered severity change not confirmed by the tracker: ignored',
    );
    return null;
  }
  return asActor(change.actor, event.actor);
}

/**
 * Who edited the description in this delivery, as the tracker answers: the delivery's sender where it is the
 * tracker's word; elsewhere the sender only when the tracker records a description edit by that very account (by id)
 * within {@link FRESH_MS}, named as the tracker names them. Null (with one log line) when it records none: the
 * delivery is then forged, replayed, or about an edit the tracker does not attribute, and nothing in it counts.
 */
export async function editor(event: IssueEvent, ctx: ActorContext): Promise<Actor | null> {
  if (ctx.tracker.capabilities.signedDeliveries) return event.actor;
  const edits = await ctx.tracker.listChanges(event.issue.ref, { kind: 'description' });
  const edit = edits.find((e) => e.actor.id === event.actor.id && isFresh(e.at, ctx));
  if (!edit) {
    ctx.log.warn({ issue: formatRef(event.issue.ref) }, 'delivered edit not confirmed by the tracker: ignored');
    return null;
  }
  return asActor(edit.actor, event.actor);
}

/**
 * Who added a label, as the tracker answers: the delivery's sender where it is the tracker's word and this delivery
 * is that addition (the label added, or the issue opened with it); otherwise the account the tracker records for the
 * latest addition of that label. Null when it records none.
 */
export async function labelAdder(
  event: IssueEvent,
  label: string,
  ctx: Pick<ActorContext, 'tracker'>,
): Promise<Actor | null> {
  const thisChange =
    event.addedLabels.includes(label) || (event.action === 'opened' && event.issue.labels.includes(label));
  if (ctx.tracker.capabilities.signedDeliveries && thisChange) return event.actor;
  const [latest] = await ctx.tracker.listChanges(event.issue.ref, { kind: 'label-added', label });
  return latest ? asActor(latest.actor, event.actor) : null;
}

/**
 * Who gave the issue its current title, as the tracker answers: the delivery's sender where it is the tracker's word
 * and this delivery opened the issue; otherwise the latest retitle the tracker records, or the author who opened it.
 */
export async function titleSetter(event: IssueEvent, ctx: Pick<ActorContext, 'tracker'>): Promise<Actor | null> {
  if (ctx.tracker.capabilities.signedDeliveries && event.action === 'opened') return event.actor;
  const [latest] = await ctx.tracker.listChanges(event.issue.ref, { kind: 'title' });
  return latest ? asActor(latest.actor, event.actor) : null;
}
