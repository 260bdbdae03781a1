import type { InstallationChanges } from './coordination/installation-changes.js';

/** An installation of the GitHub App: its id and the account (organisation or user) it is installed on. */
export interface Installation {
  id: number;
  /** The account's login: the sweep searches `user:<account>`. */
  account: string;
}

/**
 * What a read of the list of installations answers: the installations (suspended ones left out) with the list's
 * validator when it fits one page, or `unchanged` when GitHub answered a conditional read 304 (which its rate limit
 * does not count).
 */
export type InstallationsRead = { installations: Installation[]; etag?: string } | 'unchanged';

/**
 * How long the list of installations is used without reading it again when nothing said it changed: a bound on how
 * long an installation whose deliveries all went missing stays unknown. It is read conditionally, so an unchanged
 * list costs none of GitHub's rate limit.
 */
export const INSTALLATIONS_MAX_AGE_MS = 24 * 60 * 60_000;

export interface GitHubInstallationsOptions {
  /** Reads the list (`GET /app/installations`), conditionally when `etag` is given. */
  read(etag: string | undefined): Promise<InstallationsRead>;
  /** The changes every replica shares. */
  changes: InstallationChanges;
  /** Makes the sweep's next tick list (an installation it did not know may have incidents with something due). */
  wake(): Promise<void>;
  /** Default {@link INSTALLATIONS_MAX_AGE_MS}. */
  maxAgeMs?: number;
}

/**
 * The GitHub App's installations as the sweep needs them, kept between sweeps so that a listing costs one search per
 * installation and nothing more. The list is read again only when it can have changed: an `installation` or
 * `installation_repositories` delivery (on any replica: the shared generation moves), an installation that answered
 * 401 or 404 (it is dropped at once, and the list read again at the next listing, which brings back one that was
 * dropped by mistake), or once it is {@link INSTALLATIONS_MAX_AGE_MS} old. An installation a delivery comes from that
 * the list does not hold is added at once; one no replica had seen moves the shared generation, so that the replica
 * that sweeps reads the list again and knows it too, and wakes the sweep.
 */
export class GitHubInstallations {
  /** The list as last read, by id; null before the first read. */
  private list: Map<number, Installation> | null = null;
  private etag: string | undefined;
  /** When the list was last read (ms since the epoch) and the shared generation it was read at. */
  private lastRead: { at: number; generation: number } | null = null;
  /** Installations deliveries came from that the list does not hold. */
  private readonly learned = new Map<number, Installation>();
  /** Installations that answered 401 or 404 since the list was last read. */
  private readonly dropped = new Set<number>();
  private readonly maxAgeMs: number;

  constructor(private readonly options: GitHubInstallationsOptions) {
    this.maxAgeMs = options.maxAgeMs ?? INSTALLATIONS_MAX_AGE_MS;
  }

  /**
   * The installations to sweep at `at`, the list read first when it can have changed (a failed read throws, and what
   * was known stays for the next try).
   */
  async current(at: Date): Promise<Installation[]> {
    const generation = await this.options.changes.generation();
    const last = this.lastRead;
    if (last === null || last.generation !== generation || at.getTime() - last.at >= this.maxAgeMs) {
      const answer = await this.options.read(this.list === null ? undefined : this.etag);
      if (answer !== 'unchanged') {
        this.list = new Map(answer.installations.map((i) => [i.id, i]));
        this.etag = answer.etag;
        for (const id of this.list.keys()) this.learned.delete(id);
        // A delivery from one of them, to any replica, is then no change.
        await this.options.changes.listed(answer.installations);
      }
      // A list read since a drop says again which installations exist.
      this.dropped.clear();
      this.lastRead = { at: at.getTime(), generation };
    }
    return this.held();
  }

  /**
   * A delivery came from installation `id` on `account` (GitHub signed it): added when the list does not hold it,
   * and told to the other replicas when none had seen it.
   */
  async seen(id: number, account: string): Promise<void> {
    // Every delivery passes here: a look-up, no request, unless the installation is new to this replica.
    const known = this.learned.get(id) ?? (this.dropped.has(id) ? undefined : this.list?.get(id));
    if (known && known.account.toLowerCase() === account.toLowerCase()) return;
    this.dropped.delete(id);
    this.learned.set(id, { id, account });
    if (!(await this.options.changes.seen(id, account))) return;
    const generation = await this.options.changes.changed();
    // Nobody else changed anything since this replica read the list: what the change stands for is applied here.
    if (this.lastRead?.generation === generation - 1) this.lastRead = { ...this.lastRead, generation };
    await this.options.wake();
  }

  /**
   * An `installation…` delivery: every replica reads the list again before its next listing, which lists at the next
   * tick (an installation back from suspension, or repositories added to one, may hold incidents). `removed`, an
   * installation deleted or suspended, is not asked again here whatever the list says.
   */
  async changed(removed?: number): Promise<void> {
    if (removed !== undefined) this.drop(removed);
    this.lastRead = null;
    await this.options.changes.changed();
    await this.options.wake();
  }

  /** Installation `id` answered 401 or 404: not asked again until a read of the list names it. */
  drop(id: number): void {
    this.dropped.add(id);
    this.learned.delete(id);
    this.lastRead = null;
  }

  private held(): Installation[] {
    const all = new Map<number, Installation>();
    for (const installation of this.list?.values() ?? []) all.set(installation.id, installation);
    for (const installation of this.learned.values()) all.set(installation.id, installation);
    for (const id of this.dropped) all.delete(id);
    return [...all.values()];
  }
}
