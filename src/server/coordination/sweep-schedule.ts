/**
 * Where the sweep keeps when it next has something to do, so that a tick with nothing due costs no request: the
 * moment until which the last listing found nothing due (bounded by the safety interval), recorded with the
 * generation of changes it saw. Every handled event bumps the generation, so a listing made before an incident
 * changed never keeps the next sweep quiet. Losing it (a restart, Redis flushed) only costs one listing.
 */
export interface SweepSchedule {
  /** The current generation of changes (0 before any). */
  generation(): Promise<number>;
  /** What the last listing recorded: its generation and the moment (ms since the epoch) until which nothing is due. */
  quiet(): Promise<{ generation: number; until: number } | null>;
  /** Records that nothing is due before `until`, as seen by a listing that started at `generation`. */
  record(generation: number, until: number): Promise<void>;
  /** An incident changed (an event was handled on it, a configuration was pushed): the next sweep lists. */
  changed(): Promise<void>;
}

/** The in-process schedule: a restart forgets it, and the first sweep after it lists. */
export class MemorySweepSchedule implements SweepSchedule {
  private current = 0;
  private recorded: { generation: number; until: number } | null = null;

  async generation(): Promise<number> {
    return this.current;
  }

  async quiet(): Promise<{ generation: number; until: number } | null> {
    return this.recorded;
  }

  async record(generation: number, until: number): Promise<void> {
    this.recorded = { generation, until };
  }

  async changed(): Promise<void> {
    this.current += 1;
  }
}
