import { describe, expect, it } from 'vitest';
import { joinBody, renderState } from '../../src/kernel/block.js';
import { answerWithin, QueueFullError, queueKey, WorkQueue } from '../../src/server/work-queue.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { memoryLogger } from '../support/app-context.js';
import { issueEvent } from '../support/events.js';

/** A promise with its resolve and reject, to hold a job open as long as a test needs. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('runs the jobs of one key one after another in arrival order, other keys alongside', async () => {
    const queue = new WorkQueue(memoryLogger());
    const events: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async () => {
      events.push('a1 start');
      await first.promise;
      events.push('a1 end');
    });
    const a2 = queue.run('a', async () => {
      events.push('a2');
    });
    const b1 = queue.run('b', async () => {
      events.push('b1');
    });
    await tick();
    await b1;
    expect(events).toEqual(['a1 start', 'b1']);
    expect(queue.pending).toBe(2);
    first.open();
    await Promise.all([a1, a2]);
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('lets the next job of a key start when a job gives its turn up, and waits for both when idle', async () => {
    const queue = new WorkQueue(memoryLogger());
    const events: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async (releaseTurn) => {
      events.push('a1 start');
      releaseTurn();
      await first.promise;
      events.push('a1 end');
    });
    const a2 = queue.run('a', async () => {
      events.push('a2');
    });
    await a2;
    expect(events).toEqual(['a1 start', 'a2']);
    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    first.open();
    await Promise.all([a1, waiting]);
    expect(events).toEqual(['a1 start', 'a2', 'a1 end']);
  });

  it('logs a failed job, answers its error, and goes on with the next job of the key', async () => {
    const log = memoryLogger();
    const queue = new WorkQueue(log);
    const failed = queue.run('github:acme/security#1', async () => {
      throw new Error('tracker down');
    });
    const next = queue.run('github:acme/security#1', async () => 'next ran');
    await expect(failed).rejects.toThrow('tracker down');
    expect(await next).toBe('next ran');
    expect(log.lines).toEqual([
      {
        level: 'error',
        obj: { issue: 'github:acme/security#1', err: { name: 'Error', message: 'tracker down' } },
        msg: 'queued webhook work failed',
      },
    ]);
  });

  it('idle waits for every job, those queued meanwhile too', async () => {
    const queue = new WorkQueue(memoryLogger());
    const done: string[] = [];
    const slow = gate();
    void queue.run('a', async () => {
      await slow.promise;
      done.push('a');
      // Work queued while the queue drains is waited for too.
      void queue.run('b', async () => {
        done.push('b');
      });
    });
    const idle = queue.idle().then(() => done.push('idle'));
    await tick();
    expect(done).toEqual([]);
    slow.open();
    await idle;
    expect(done).toEqual(['a', 'b', 'idle']);
    expect(queue.pending).toBe(0);
  });

  it('refuses work beyond its bound rather than queueing without end', async () => {
    const queue = new WorkQueue(memoryLogger(), 2);
    const held = gate();
    const jobs = [queue.run('a', () => held.promise), queue.run('b', () => held.promise)];
    await expect(queue.run('c', async () => undefined)).rejects.toBeInstanceOf(QueueFullError);
    held.open();
    await Promise.all(jobs);
    await expect(queue.run('c', async () => 'room again')).resolves.toBe('room again');
  });
});

describe('answerWithin', () => {
  it('answers the outcome when the work is quick, late when it is not, and the error when it fails first', async () => {
    expect(await answerWithin(Promise.resolve('done'), 1_000)).toBe('done');
    const slow = gate<string>();
    expect(await answerWithin(slow.promise, 10)).toBe('late');
    slow.open('finished later');
    expect(await slow.promise).toBe('finished later');
    await expect(answerWithin(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
  });
});

describe('queueKey', () => {
  it("keys a child ticket's events by its master, anything else by the issue", () => {
    const store = new MemoryStore({ kind: 'github' });
    const project = store.addProject('acme/security', { visibility: 'private' });
    const master = store.seedIssue('acme/security', { title: 'm', body: 'x', labels: [] });
    const child = store.seedIssue('acme/security', {
      title: 'c',
      body: joinBody(
        renderState({ v: 1, role: 'release', id: 'INC-1', master: `acme/security#${master.ref.number}` }),
        '',
      ),
      labels: ['incident::release'],
    });
    expect(queueKey(issueEvent(project, child, { tracker: 'github' }))).toBe(
      `github:acme/security#${master.ref.number}`,
    );
    expect(queueKey(issueEvent(project, master, { tracker: 'github' }))).toBe(
      `github:acme/security#${master.ref.number}`,
    );
  });
});
