import type { KeyedLock } from './keyed-lock.js';

// Events that queue behind the same incident's lock are folded: the first one to wait opens a batch, the ones that
// arrive while it waits join it, and the batch runs once, under the lock, with all of them (one read, one write). A
// batch stays open until it holds the lock, so nothing joins a batch that has started; a batch opened while the
// incident was busy lingers a little under the lock for the rest of a burst. In-process only: each replica folds its
// own events, and the replicas' batches take turns on the shared lock as single events did.

/** How a batch waits for the rest of a burst once it holds the lock. */
export interface CoalesceOptions {
  /**
   * A batch opened while the incident was busy (a batch under way, or one ended less than this ago) waits under the
   * lock until no event has joined it for this long. Default 150 ms: a burst of ticks arrives faster than that.
   */
  quietMs?: number;
  /** Never longer than this after the batch opened. Default 2 s. */
  maxLingerMs?: number;
}

/** One item's answer from a batch's work: its outcome, or why it failed (the others' stand). */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Folds the work of one key's waiting items into one run under the key's lock. */
export interface Batches {
  /**
   * Adds `item` to the batch of `key` that waits for the lock (or opens one), and answers this item's result once
   * the batch has run: `work` gets every item of the batch in arrival order and answers one result per item.
   */
  join<I, R>(key: string, item: I, work: (items: I[]) => Promise<Array<ItemResult<R>>>): Promise<R>;
  /**
   * Closes the batch of `key` that waits, so that what comes next (an event that cannot be folded) runs after it and
   * nothing later joins ahead of it.
   */
  close(key: string): void;
}

interface Batch {
  items: unknown[];
  settle: Array<{ resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
  openedAt: number;
  lastJoinAt: number;
  /** The incident was busy when the batch opened: it lingers for the rest of the burst. */
  linger: boolean;
  closed: boolean;
  wake: () => void;
}

/** The batches of one process, over the incident locks (`KeyedLock`, in memory or on Redis). */
export class Coalescer implements Batches {
  private readonly open = new Map<string, Batch>();
  /** Per key: batches under way, and when the last one ended. */
  private readonly busy = new Map<string, { running: number; endedAt: number }>();
  private readonly quietMs: number;
  private readonly maxLingerMs: number;

  constructor(
    private readonly locks: KeyedLock,
    options: CoalesceOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 150;
    this.maxLingerMs = options.maxLingerMs ?? 2_000;
  }

  join<I, R>(key: string, item: I, work: (items: I[]) => Promise<Array<ItemResult<R>>>): Promise<R> {
    const result = new Promise<R>((resolve, reject) => {
      const waiting = this.open.get(key);
      const settle = { resolve: resolve as (value: unknown) => void, reject };
      if (waiting) {
        waiting.items.push(item);
        waiting.settle.push(settle);
        waiting.lastJoinAt = Date.now();
        return;
      }
      const now = Date.now();
      const state = this.busy.get(key);
      const batch: Batch = {
        items: [item],
        settle: [settle],
        openedAt: now,
        lastJoinAt: now,
        linger: state !== undefined && (state.running > 0 || now - state.endedAt < this.quietMs),
        closed: false,
        wake: () => undefined,
      };
      this.open.set(key, batch);
      this.start(key);
      this.locks
        .run(key, async () => {
          await this.lingerFor(batch);
          this.closeBatch(key, batch);
          return work(batch.items as I[]);
        })
        .then(
          (results) => {
            batch.settle.forEach((s, i) => {
              const r = results[i];
              if (r === undefined) s.reject(new Error('batch work answered no result for an item'));
              else if (r.ok) s.resolve(r.value);
              else s.reject(r.error);
            });
          },
          (error: unknown) => {
            // The lock or the batch's write failed: every item fails, and is handled again (redelivery, next event).
            this.closeBatch(key, batch);
            for (const s of batch.settle) s.reject(error);
          },
        )
        .finally(() => this.end(key));
    });
    return result;
  }

  close(key: string): void {
    const batch = this.open.get(key);
    if (batch) this.closeBatch(key, batch);
  }

  private closeBatch(key: string, batch: Batch): void {
    batch.closed = true;
    batch.wake();
    if (this.open.get(key) === batch) this.open.delete(key);
  }

  /** Waits, under the lock, until the burst has gone quiet or the batch is old enough (or closed). */
  private async lingerFor(batch: Batch): Promise<void> {
    if (!batch.linger) return;
    for (;;) {
      if (batch.closed) return;
      const now = Date.now();
      const left = Math.min(batch.lastJoinAt + this.quietMs, batch.openedAt + this.maxLingerMs) - now;
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        batch.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private start(key: string): void {
    const state = this.busy.get(key) ?? { running: 0, endedAt: 0 };
    state.running += 1;
    this.busy.set(key, state);
  }

  private end(key: string): void {
    const state = this.busy.get(key);
    if (!state) return;
    state.running -= 1;
    state.endedAt = Date.now();
    if (state.running > 0) return;
    // Forgotten once it can no longer make a batch linger (no state kept per idle incident).
    const ended = state.endedAt;
    const timer = setTimeout(() => {
      const now = this.busy.get(key);
      if (now && now.running === 0 && now.endedAt === ended) this.busy.delete(key);
    }, this.quietMs);
    timer.unref();
  }
}
