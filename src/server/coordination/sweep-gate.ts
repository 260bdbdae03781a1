/** Lets one sweep run at a time (across replicas, with a shared implementation later). */
export interface SweepGate {
  /** Runs `work` unless a sweep is already running; answers whether it ran. */
  run(work: () => Promise<void>): Promise<boolean>;
}

/** The in-process default: a sweep that is still running when the next tick comes is not doubled. */
export class MemorySweepGate implements SweepGate {
  private running = false;

  async run(work: () => Promise<void>): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      await work();
      return true;
    } finally {
      this.running = false;
    }
  }
}
