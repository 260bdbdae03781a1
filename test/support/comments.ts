import type { IssueRef } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';

/** What each comment on an issue is, by the app's hidden marker (`other` for a person's comment). */
export function commentKinds(store: MemoryStore, ref: IssueRef): string[] {
  return store
    .listComments(ref)
    .map((c) => /<!-- incident-desk:(?<kind>[a-z-]+)/.exec(c.body)?.groups?.kind ?? 'other');
}
