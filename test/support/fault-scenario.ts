import { expect } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue, IssueRef } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { commentKinds, isKind } from './comments.js';
import type { FaultInjector, FaultOptions } from './faults.js';
import { isTicked } from './incident-setup.js';

/** A fifth of the tracker's requests fail, every kind mixed; stalled connections are dropped after a second. */
export const FIFTH_FAILING: Omit<FaultOptions, 'seed'> = { rate: 0.2, stallMs: 1_000 };

/** The boxes ticked on the master in the fault scenarios, one per minute from minute 1. */
export const TICKED = ['pick-deputy', 'respond-reporter', 'check-public-leaks'] as const;

export { isTicked } from './incident-setup.js';

/** What a run of the fault scenario must have left, whatever failed on the way. */
export interface FinalState {
  store: MemoryStore;
  project: string;
  ref: IssueRef;
  master: Issue;
  timeline: string;
  faults: FaultInjector;
  /** How many requests the fake received. */
  requests: number;
  /** Lines the timeline must show exactly once. */
  lines: string[];
}

/**
 * One master with its state complete, one open release and one open comms ticket and nothing else, both linked, one
 * summary, one timeline comment, every tick in the block, every expected timeline line exactly once, and the run met
 * faults at about the rate asked, of several kinds (so the scenario proved something; each kind on its own is
 * covered by test/tracker/retries.test.ts).
 */
export function expectCompleteAndCorrect(final: FinalState): void {
  const { store, project, master } = final;
  const state = trustedState(master);
  expect(state).toMatchObject({ role: 'master', intake: true, summary: true });
  const id = state!.id;
  const issues = store.allIssues(project);
  expect(issues.filter((i) => i.labels.includes('incident::master'))).toHaveLength(1);
  const children = issues.filter(
    (i) => i.labels.includes(`incident-id::${id}`) && !i.labels.includes('incident::master'),
  );
  expect(
    children.flatMap((c) => c.labels.filter((l) => l === 'incident::release' || l === 'incident::comms')).sort(),
  ).toEqual(['incident::comms', 'incident::release']);
  expect(children.every((c) => c.state === 'open')).toBe(true);
  // Nothing was made twice: three issues in all.
  expect(issues).toHaveLength(3);
  expect(store.linksOf(final.ref)).toHaveLength(2);
  for (const child of children) expect(master.body).toContain(`${child.ref.project}#${child.ref.number}`);
  expect(commentKinds(store, final.ref).filter((k) => isKind(k, 'summary') || isKind(k, 'timeline'))).toEqual([
    'summary+timeline',
  ]);
  for (const step of TICKED) expect(isTicked(master.body, step)).toBe(true);
  expect(splitBody(master.body).rest).toBe('details');
  for (const line of final.lines) expect(final.timeline.split(line).length - 1, line).toBe(1);
  expect(final.faults.injected.length).toBeGreaterThan(final.requests * 0.1);
  expect(Object.keys(final.faults.counts()).length).toBeGreaterThanOrEqual(4);
}
