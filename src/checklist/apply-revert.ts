import { joinBody, splitBody, trustedState } from '../kernel/block.js';
import type { IssueRef } from '../kernel/model.js';
import { revertEdit } from './revert.js';
import type { RevertOptions } from './revert.js';
import type { Tracker } from '../tracker/port.js';

/** What undoing an edit wrote: nothing, the block as it was before the edit, or a merge with what was written since. */
export type UndoResult = 'unchanged' | 'undone' | 'merged';

/**
 * Undoes a refused edit of a ticket's block on a fresh read of the ticket (`revertEdit`): only what the edit changed,
 * where the ticket still shows it; what others wrote since (the app's own counters included) stays, and so does the
 * person's text below the block. `merged` when the block had changed since the edit (the app's rendering of it, a
 * progress count say, may then need a refresh).
 */
export async function undoEdit(
  tracker: Tracker,
  ref: IssueRef,
  previousBody: string,
  editedBody: string,
  options: Omit<RevertOptions, 'currentTrusted'>,
): Promise<UndoResult> {
  const base = splitBody(previousBody).block;
  if (base === null) return 'unchanged';
  const fresh = await tracker.getIssue(ref);
  const current = splitBody(fresh.body);
  const edited = splitBody(editedBody).block;
  const block = revertEdit(base, edited, current.block, { ...options, currentTrusted: trustedState(fresh) !== null });
  if (current.block === block) return 'unchanged';
  // A removed block leaves only the person's text; a changed one is replaced in place.
  const body = joinBody(block, current.block === null ? fresh.body : current.rest);
  await tracker.updateIssue(ref, { body });
  return current.block === edited ? 'undone' : 'merged';
}
