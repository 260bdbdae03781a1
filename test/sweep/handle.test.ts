import { describe, expect, it } from 'vitest';
import { handleEvent } from '../../src/server/handle-event.js';
import { sweepTracker } from '../../src/sweep/handle.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent, noteEvent } from '../support/events.js';

// The running incident's scenarios run on every tracker in test/e2e/run.test.ts (the in-memory one included). Here:
// what only the shell over the in-memory tracker can show.

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('the sweep', () => {
  it('on GitLab ignores a non-confidential look-alike master that the tracker lists', async () => {
    const store = new MemoryStore({ kind: 'gitlab', now: () => T0 });
    const tracker = new MemoryTracker(store);
    const project = store.addProject('team/app', { visibility: 'private' });
    store.setAccess('team/app', 'alice', 'write');
    const source = store.seedIssue('team/app', {
      title: 'Heap overflow',
      body: 'details',
      labels: ['incident'],
      author: 'alice',
    });
    const ctx = await eventContext(tracker, 'incident-desk[bot]', () => T0);
    expect(await handleEvent(issueEvent(project, source), ctx)).toBe('done');
    const master = store.issue(source.ref);
    // The in-memory tracker lists every issue with the master label; only a confidential one is the app's.
    const fake = store.seedIssue('team/app', {
      title: 'fake',
      body: master.body,
      labels: master.labels,
      confidential: false,
    });
    await handleEvent(noteEvent(project, master, '/severity high', 'alice'), ctx);
    const report = await sweepTracker(tracker, ctx, minutes(61));
    expect(report.masters).toBe(2);
    expect(report.fired).toBe(1);
    expect(store.listComments(fake.ref)).toHaveLength(0);
  });
});
