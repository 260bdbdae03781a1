import type { IssueRef } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';

/**
 * What each comment on an issue is, by the app's hidden markers (`other` for a person's comment); a comment that
 * carries several is every one of them in order, joined by `+`: the intake's summary with the timeline below it is
 * `summary+timeline`.
 */
export function commentKinds(store: MemoryStore, ref: IssueRef): string[] {
  return store.listComments(ref).map((c) => {
    const kinds = [...c.body.matchAll(/<!-- incident-desk:(?<kind>[a-z-]+)/g)].map((m) => m.groups?.kind ?? '');
    return kinds.length > 0 ? kinds.join('+') : 'other';
  });
}

/** Whether a kind of `commentKinds` is (or carries) `kind`. */
export function isKind(kinds: string, kind: string): boolean {
  return kinds.split('+').includes(kind);
}
