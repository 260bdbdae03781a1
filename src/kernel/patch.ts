import { writeBlock } from './block.js';
import { titleWithId } from './identifier.js';
import type { Issue } from './model.js';

/** What a write should make of an issue; `computePatch` turns it into the request against a fresh read. */
export interface IssueUpdate {
  addLabels?: string[];
  removeLabels?: string[];
  /** Prefix the title with `[id]` unless it already starts with it. */
  titleId?: string;
  title?: string;
  /** Replace (or prepend) the bot block; the person's text stays byte for byte. */
  block?: string;
  /** Replace the whole description (only for a source whose details were moved). */
  body?: string;
  confidential?: boolean;
  /** Close (or reopen) the issue. */
  state?: 'open' | 'closed';
}

/**
 * The write an update makes against a fresh read of the issue, or null when the issue already is as
 * wanted. Labels are merged into the fresh set, so a label a person added meanwhile is kept.
 */
export function computePatch(
  fresh: Issue,
  effect: IssueUpdate,
): { title?: string; body?: string; labels?: string[]; confidential?: boolean; state?: 'open' | 'closed' } | null {
  const patch: { title?: string; body?: string; labels?: string[]; confidential?: boolean; state?: 'open' | 'closed' } =
    {};
  const title = effect.title ?? (effect.titleId ? titleWithId(fresh.title, effect.titleId) : undefined);
  if (title !== undefined && title !== fresh.title) patch.title = title;
  const body = effect.body ?? (effect.block !== undefined ? writeBlock(fresh, effect.block) : undefined);
  if (body !== undefined && body !== fresh.body) patch.body = body;
  const labels = new Set(fresh.labels);
  for (const l of effect.addLabels ?? []) labels.add(l);
  for (const l of effect.removeLabels ?? []) labels.delete(l);
  if (labels.size !== fresh.labels.length || fresh.labels.some((l) => !labels.has(l))) patch.labels = [...labels];
  if (effect.confidential !== undefined && effect.confidential !== fresh.confidential)
    patch.confidential = effect.confidential;
  if (effect.state !== undefined && effect.state !== fresh.state) patch.state = effect.state;
  return Object.keys(patch).length > 0 ? patch : null;
}
