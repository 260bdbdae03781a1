import type { PushEvent } from '../../kernel/events.js';

/** Pushes that changed configuration or templates, told to every replica so each drops its cached copies. */
export interface ConfigChanges {
  /** Tells every replica (this one included) of a change. */
  publish(change: PushEvent): Promise<void>;
  /** Calls `listener` for every change published by any replica. */
  subscribe(listener: (change: PushEvent) => void): void;
}

/** One process: a change is told to this process's listeners at once. */
export class MemoryConfigChanges implements ConfigChanges {
  private readonly listeners: Array<(change: PushEvent) => void> = [];

  async publish(change: PushEvent): Promise<void> {
    for (const listener of this.listeners) listener(change);
  }

  subscribe(listener: (change: PushEvent) => void): void {
    this.listeners.push(listener);
  }
}
