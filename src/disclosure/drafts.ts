import type { Advisory } from '../kernel/advisory.js';
import type { IncidentDeskConfig } from '../config/schema.js';

/**
 * Draft repository security advisories a maintainer created (GitHub sends no webhook for them): which repositories the
 * sweep lists, when, and which of their drafts open an incident. Pure: the sweep lists, this decides.
 */

/** A repository whose drafts an incident project asked for (`advisories.draftsFrom` of its own configuration). */
export interface WatchedRepository {
  repository: string;
  /** The incident project whose configuration lists it. */
  incidentProject: string;
  syncMinutes: number;
  draftMaxAgeHours: number;
}

/**
 * The repositories to watch, from the configurations of incident projects (project → its own configuration), each once:
 * a repository listed by two incident projects is watched for the first (in the order given), since one draft opens
 * one incident. Empty when no configuration lists any.
 */
export function watchedRepositories(configs: ReadonlyArray<[string, IncidentDeskConfig]>): WatchedRepository[] {
  const watched = new Map<string, WatchedRepository>();
  for (const [incidentProject, config] of configs) {
    for (const repository of config.advisories.draftsFrom) {
      const key = repository.toLowerCase();
      if (watched.has(key)) continue;
      watched.set(key, {
        repository,
        incidentProject,
        syncMinutes: config.advisories.syncMinutes,
        draftMaxAgeHours: config.advisories.draftMaxAgeHours,
      });
    }
  }
  return [...watched.values()];
}

/** Whether a watched repository's drafts are listed again: never listed (by this server), or `syncMinutes` ago. */
export function draftListingDue(lastListedAt: number | undefined, syncMinutes: number, now: Date): boolean {
  return lastListedAt === undefined || now.getTime() - lastListedAt >= syncMinutes * 60_000;
}

/**
 * How far back a draft may have been created to be taken in: `draftMaxAgeHours`, never less than two listing
 * intervals, so that a draft made just after one listing is still young enough at the next (or the one after a
 * missed sweep).
 */
export function draftLookBackMs(watched: Pick<WatchedRepository, 'syncMinutes' | 'draftMaxAgeHours'>): number {
  return Math.max(watched.draftMaxAgeHours * 3_600_000, 2 * watched.syncMinutes * 60_000);
}

/** Why a listed draft is not taken in; null when it is. */
export type DraftSkip = 'not-a-draft' | 'by-the-app' | 'too-old' | 'no-creation-time' | 'has-an-incident';

/**
 * Whether the sweep takes in one listed advisory: a draft, created by someone other than the app (the drafts
 * `/advisory` makes belong to their incident already), within the look-back (a repository newly watched does not
 * bring in its backlog; a draft without a creation time is not guessed at), and not linked by an open master the sweep
 * already saw (`known`: GHSA ids, lower case). Taking a draft in twice is harmless (the intake finds its master by the
 * GHSA id), this only spares the requests.
 */
export function draftSkip(
  advisory: Pick<Advisory, 'ghsaId' | 'state' | 'author' | 'createdAt'>,
  options: { self: string; lookBackMs: number; now: Date; known: ReadonlySet<string> },
): DraftSkip | null {
  if (advisory.state !== 'draft') return 'not-a-draft';
  if (advisory.author && advisory.author.toLowerCase() === options.self.toLowerCase()) return 'by-the-app';
  const created = advisory.createdAt ? Date.parse(advisory.createdAt) : Number.NaN;
  if (Number.isNaN(created)) return 'no-creation-time';
  if (options.now.getTime() - created > options.lookBackMs) return 'too-old';
  if (options.known.has(advisory.ghsaId.toLowerCase())) return 'has-an-incident';
  return null;
}

/**
 * Whether the watched repository's own configuration sends its reports to the incident project that watches it (its
 * `incidentProject`, or itself): otherwise the watch is ignored, so that no project's list opens incidents elsewhere.
 */
export function sendsReportsTo(
  repository: string,
  repositoryConfig: Pick<IncidentDeskConfig, 'incidentProject'>,
  incidentProject: string,
): boolean {
  return (repositoryConfig.incidentProject ?? repository).toLowerCase() === incidentProject.toLowerCase();
}
