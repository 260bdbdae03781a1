/** Runs work for one key at a time (one incident is handled by one worker at a time). */
export interface KeyedLock {
  /** Runs `work` once no other work holds `key`; releases the key when it settles, error or not. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The in-process default: a promise chain per key, dropped when idle. */
export class MemoryKeyedLock implements KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.catch(() => undefined).then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
