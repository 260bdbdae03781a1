import type { PushEvent } from '../kernel/events.js';
import type { CachedFile, FileCache } from '../tracker/port.js';

/**
 * The configuration and template files of every project the server has read, one cache per tracker, kept between
 * events so that ordinary traffic (a label on an unrelated issue, an issue opened elsewhere) asks the tracker nothing.
 * A push to a default branch drops what it changed (`forget`, shared with the other replicas through Redis), so a
 * change takes effect at the next event; an entry older than `maxAgeMs` is revalidated (a conditional request on
 * GitHub, answered 304 without rate limit), which bounds how long a change whose push never arrived goes unseen.
 */
export class ConfigFiles {
  readonly github: TimedFileCache;
  readonly gitlab: TimedFileCache;

  constructor(maxAgeMs: number, now: () => number = Date.now, maxEntries = 2_000) {
    this.github = new TimedFileCache(maxAgeMs, now, maxEntries);
    this.gitlab = new TimedFileCache(maxAgeMs, now, maxEntries);
  }

  /** Drops, in this process, the files a push changed. */
  forget(change: PushEvent): void {
    this[change.tracker].forget(change.project, change.paths);
  }
}

/** A bounded cache of files by project and path, each fresh for `maxAgeMs` after it was read or revalidated. */
export class TimedFileCache implements FileCache {
  private readonly entries = new Map<string, { file: CachedFile; at: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number,
    private readonly maxEntries: number,
  ) {}

  lookup(project: string, path: string): { file: CachedFile; fresh: boolean } | undefined {
    const entry = this.entries.get(keyOf(project, path));
    if (!entry) return undefined;
    return { file: entry.file, fresh: this.now() - entry.at < this.maxAgeMs };
  }

  store(project: string, path: string, file: CachedFile): void {
    const key = keyOf(project, path);
    this.entries.delete(key);
    this.entries.set(key, { file, at: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops the entries of `project` whose path is in `paths`, or all of the project's when `paths` is null. */
  forget(project: string, paths: string[] | null): void {
    const prefix = keyOf(project, '');
    const changed = paths === null ? null : new Set(paths);
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      if (changed === null || changed.has(key.slice(prefix.length))) this.entries.delete(key);
    }
  }
}

/** Project paths are case-insensitive on both trackers; file paths are not. */
function keyOf(project: string, path: string): string {
  return `${project.toLowerCase()}\n${path}`;
}
