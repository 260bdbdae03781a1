import { describe, expect, it } from 'vitest';
import type { DeliveryGuard } from '../../src/server/coordination/delivery-guard.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { TrackerError } from '../../src/tracker/errors.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent } from '../support/events.js';

/** A guard that answers every claim and records what the shell told it. */
function recordingGuard(): DeliveryGuard & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    claim: async (id) => {
      said.push(`claim ${id}`);
      return true;
    },
    release: async (id) => void said.push(`release ${id}`),
    complete: async (id) => void said.push(`complete ${id}`),
  };
}

describe('the delivery guard around an event', () => {
  it('is told a handled delivery is complete, and a failed one is released for its redelivery', async () => {
    const store = new MemoryStore({ kind: 'gitlab', now: () => new Date('2026-11-22T10:00:00Z') });
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'] });
    const memory = new MemoryTracker(store);
    const guard = recordingGuard();
    const ctx = { ...(await eventContext(memory)), deliveries: guard };
    expect(
      await handleEvent(issueEvent(project, store.issue(source.ref), { tracker: 'gitlab', deliveryId: 'ok' }), ctx),
    ).toBe('done');
    expect(guard.said).toEqual(['claim gitlab:ok', 'complete gitlab:ok']);

    const failing = new Proxy(memory, {
      get: (target, name, receiver) =>
        name === 'getIssue'
          ? async () => Promise.reject(new TrackerError('down', 503, 'getIssue'))
          : Reflect.get(target, name, receiver),
    });
    const other = store.seedIssue('team/app', { title: 'Another', body: 'details', labels: ['incident'] });
    const failingCtx = { ...(await eventContext(failing)), deliveries: guard };
    await expect(
      handleEvent(issueEvent(project, store.issue(other.ref), { tracker: 'gitlab', deliveryId: 'bad' }), failingCtx),
    ).rejects.toThrow('down');
    expect(guard.said.slice(2)).toEqual(['claim gitlab:bad', 'release gitlab:bad']);
  });

  it('handles every delivery that came without an id: none is dropped as a duplicate of another', async () => {
    const store = new MemoryStore({ kind: 'gitlab', now: () => new Date('2026-11-22T10:00:00Z') });
    const project = store.addProject('team/app', { visibility: 'private' });
    const issue = store.seedIssue('team/app', { title: 'Ordinary', body: 'text', labels: ['bug'] });
    const guard = recordingGuard();
    const ctx = { ...(await eventContext(new MemoryTracker(store))), deliveries: guard };
    const event = issueEvent(project, store.issue(issue.ref), { tracker: 'gitlab', deliveryId: '' });
    const first = await handleEvent(event, ctx);
    expect(first).not.toBe('duplicate');
    expect(await handleEvent(event, ctx)).toBe(first);
    expect(guard.said).toEqual([]);
  });
});
