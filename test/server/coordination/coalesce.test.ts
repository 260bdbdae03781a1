import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/server/coordination/coalesce.js';
import type { ItemResult } from '../../../src/server/coordination/coalesce.js';
import { MemoryKeyedLock } from '../../../src/server/coordination/keyed-lock.js';

/** A promise with its resolve, to hold the lock as long as a test needs. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
const ok = <R>(value: R): ItemResult<R> => ({ ok: true, value });

describe('Coalescer', () => {
  it('runs a lone item at once, alone', async () => {
    const batches = new Coalescer(new MemoryKeyedLock());
    const runs: string[][] = [];
    const answer = await batches.join('k', 'a', async (items: string[]) => {
      runs.push(items);
      return items.map((i) => ok(`${i}!`));
    });
    expect(answer).toBe('a!');
    expect(runs).toEqual([['a']]);
  });

  it('folds the items queued behind the lock into one run, in arrival order, each with its own answer', async () => {
    const locks = new MemoryKeyedLock();
    const batches = new Coalescer(locks, { quietMs: 0 });
    const held = gate();
    const holder = locks.run('k', () => held.promise);
    const runs: string[][] = [];
    const work = async (items: string[]) => {
      runs.push(items);
      return items.map((i) => ok(i.toUpperCase()));
    };
    const answers = Promise.all(['a', 'b', 'c'].map((i) => batches.join('k', i, work)));
    const other = batches.join('other', 'x', work);
    expect(await other).toBe('X');
    held.open();
    await holder;
    expect(await answers).toEqual(['A', 'B', 'C']);
    expect(runs).toEqual([['x'], ['a', 'b', 'c']]);
  });

  it('fails only the item whose work failed; a failed run fails them all', async () => {
    const locks = new MemoryKeyedLock();
    const batches = new Coalescer(locks, { quietMs: 0 });
    const held = gate();
    const holder = locks.run('k', () => held.promise);
    const mixed = ['a', 'b'].map((i) =>
      batches.join('k', i, async (items: string[]) =>
        items.map((x): ItemResult<string> => (x === 'a' ? { ok: false, error: new Error('a failed') } : ok(x))),
      ),
    );
    held.open();
    await holder;
    await expect(mixed[0]).rejects.toThrow('a failed');
    await expect(mixed[1]).resolves.toBe('b');
    const held2 = gate();
    const holder2 = locks.run('k', () => held2.promise);
    const failing = ['c', 'd'].map((i) =>
      batches.join('k', i, async (): Promise<Array<ItemResult<string>>> => {
        throw new Error('write failed');
      }),
    );
    held2.open();
    await holder2;
    for (const f of failing) await expect(f).rejects.toThrow('write failed');
  });

  it('a closed batch takes no more items: what comes after it runs in a batch of its own', async () => {
    const locks = new MemoryKeyedLock();
    const batches = new Coalescer(locks, { quietMs: 0 });
    const held = gate();
    const holder = locks.run('k', () => held.promise);
    const runs: string[][] = [];
    const work = async (items: string[]) => {
      runs.push(items);
      return items.map(ok);
    };
    const first = batches.join('k', 'a', work);
    batches.close('k');
    const second = batches.join('k', 'b', work);
    held.open();
    await holder;
    await Promise.all([first, second]);
    expect(runs).toEqual([['a'], ['b']]);
  });

  it('a batch opened while the incident is busy waits under the lock for the rest of the burst', async () => {
    const batches = new Coalescer(new MemoryKeyedLock(), { quietMs: 50, maxLingerMs: 5_000 });
    const runs: string[][] = [];
    const work = async (items: string[]) => {
      runs.push(items);
      return items.map(ok);
    };
    await batches.join('k', 'first', work);
    // Items arriving 10 ms apart, each sooner than the quiet time after the one before: one batch.
    const later: Array<Promise<string>> = [];
    for (const i of ['b', 'c', 'd']) {
      later.push(batches.join('k', i, work));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(later);
    expect(runs).toEqual([['first'], ['b', 'c', 'd']]);
  });
});
