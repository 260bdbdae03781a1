import type { IssueEvent, NoteEvent } from '../../src/kernel/events.js';
import type { Comment, Issue, Project } from '../../src/kernel/model.js';

let counter = 0;

/** A normalized issue event as an adapter would produce it, for shell tests on the in-memory tracker. */
export function issueEvent(
  project: Project,
  issue: Issue,
  options: Partial<
    Pick<IssueEvent, 'action' | 'addedLabels' | 'removedLabels' | 'deliveryId' | 'actor' | 'previousBody'>
  > & { tracker?: IssueEvent['tracker'] } = {},
): IssueEvent {
  counter += 1;
  return {
    kind: 'issue',
    tracker: options.tracker ?? 'gitlab',
    action: options.action ?? 'labeled',
    deliveryId: options.deliveryId ?? `delivery-${counter}`,
    actor: options.actor ?? { username: 'alice', id: 7, isBot: false },
    project,
    issue,
    addedLabels: options.addedLabels ?? (options.action === 'opened' ? [] : ['incident']),
    removedLabels: options.removedLabels ?? [],
    ...(options.previousBody !== undefined ? { previousBody: options.previousBody } : {}),
  };
}

/** A person edited an issue's description from `previousBody` to the issue's current body. */
export function editEvent(
  project: Project,
  issue: Issue,
  previousBody: string,
  actor: string,
  tracker: IssueEvent['tracker'] = 'gitlab',
): IssueEvent {
  return issueEvent(project, issue, {
    tracker,
    action: 'edited',
    addedLabels: [],
    previousBody,
    actor: { username: actor, id: idOf(actor), isBot: false },
  });
}

/** A person commented on an issue. */
export function noteEvent(
  project: Project,
  issue: Issue,
  body: string,
  actor: string,
  tracker: NoteEvent['tracker'] = 'gitlab',
): NoteEvent {
  counter += 1;
  return {
    kind: 'note',
    tracker,
    deliveryId: `note-${counter}`,
    actor: { username: actor, id: idOf(actor), isBot: false },
    project,
    issue,
    comment: { id: 90_000 + counter, author: actor, authorId: idOf(actor), body, createdAt: new Date().toISOString() },
  };
}

/** A person's comment, already on the issue (`store.createComment`), as a note event. */
export function commentEvent(
  project: Project,
  issue: Issue,
  comment: Comment,
  tracker: NoteEvent['tracker'] = 'gitlab',
): NoteEvent {
  counter += 1;
  return {
    kind: 'note',
    tracker,
    deliveryId: `note-${counter}`,
    actor: { username: comment.author, id: idOf(comment.author), isBot: false },
    project,
    issue,
    comment,
  };
}

/** A stable numeric id per username, for events. */
export function idOf(username: string): number {
  let hash = 7;
  for (const ch of username) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_000;
  return hash + 10;
}
