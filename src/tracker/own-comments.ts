import type { Comment, IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { TrackerError } from './errors.js';
import type { Tracker } from './port.js';

/** Every hidden marker the app puts in its comments (timeline, summary, notices, refusals) starts with this. */
const APP_MARKER = '<!-- incident-desk:';

/**
 * The app's own comments among these: the ones that carry an incident-desk marker and were written by the app's
 * account, compared by id. A person's comment counts for nothing, whatever marker it holds (a planted timeline,
 * summary, configuration error or notice), and neither does an unmarked one. Who the app is is asked only when a
 * comment carries a marker, so an issue without any costs no request.
 */
export async function ownComments(tracker: Pick<Tracker, 'getSelf'>, comments: readonly Comment[]): Promise<Comment[]> {
  const marked = comments.filter((c) => c.body.includes(APP_MARKER));
  if (marked.length === 0) return [];
  const self = await tracker.getSelf();
  return marked.filter((c) => c.authorId === self.id);
}

/** The app's own marked comments of an issue (see `ownComments`), oldest first. */
export async function listOwnComments(tracker: Tracker, ref: IssueRef): Promise<Comment[]> {
  return ownComments(tracker, await tracker.listComments(ref));
}

/**
 * One of the app's own comments by id (a timeline comment its hidden state names). A comment that is not the app's
 * answers like a missing one, a 404 `TrackerError`, so the caller starts anew instead of writing into it.
 */
export async function getOwnComment(tracker: Tracker, ref: IssueRef, commentId: number): Promise<Comment> {
  const comment = await tracker.getComment(ref, commentId);
  if (comment.authorId !== (await tracker.getSelf()).id) {
    throw new TrackerError(`comment ${commentId} on ${formatRef(ref)} is not the app's`, 404, 'getComment');
  }
  return comment;
}
