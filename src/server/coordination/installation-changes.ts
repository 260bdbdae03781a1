/**
 * What the replicas share of the GitHub App's installations, so that whichever replica sweeps knows of an installation
 * another one learned of from a delivery: a generation of changes (an `installation…` delivery, an installation no
 * replica had seen), after which each replica reads the list of installations again before its next listing, and
 * the installations deliveries came from (so that only a new one, or one under a new account name, is a change). The
 * list itself stays in each replica (see `GitHubInstallations`); losing this (a restart, Redis flushed) costs one read
 * of the list at most.
 */
export interface InstallationChanges {
  /** The current generation of changes (0 before any). */
  generation(): Promise<number>;
  /** The installations may have changed: every replica reads their list again. Answers the new generation. */
  changed(): Promise<number>;
  /**
   * Records that a delivery came from installation `id` under `account`; true when no replica had recorded that pair
   * before (a new installation, or its account renamed).
   */
  seen(id: number, account: string): Promise<boolean>;
  /** Records the installations a read of the list named: a delivery from one of them is no change. */
  listed(installations: ReadonlyArray<{ id: number; account: string }>): Promise<void>;
}

/** One process: the generation and the installations seen live in it. */
export class MemoryInstallationChanges implements InstallationChanges {
  private current = 0;
  private readonly accounts = new Map<number, string>();

  async generation(): Promise<number> {
    return this.current;
  }

  async changed(): Promise<number> {
    this.current += 1;
    return this.current;
  }

  async seen(id: number, account: string): Promise<boolean> {
    const key = account.toLowerCase();
    if (this.accounts.get(id) === key) return false;
    this.accounts.set(id, key);
    return true;
  }

  async listed(installations: ReadonlyArray<{ id: number; account: string }>): Promise<void> {
    for (const { id, account } of installations) this.accounts.set(id, account.toLowerCase());
  }
}
