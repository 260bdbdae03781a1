import type { Advisory } from '../kernel/advisory.js';
import { trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import type { EventContext } from '../run/context.js';
import { advisoryLockKey } from './advisories.js';
import { draftListingDue, draftLookBackMs, draftSkip, sendsReportsTo, watchedRepositories } from './drafts.js';
import type { WatchedRepository } from './drafts.js';
import { takeAdvisory } from './handle-advisory.js';

/** At most this many repositories' listing times are kept (the configurations allow far fewer). */
const MAX_LISTING_TIMES = 1_000;

/**
 * The sweep's pass over the draft advisories maintainers created in the repositories incident projects watch
 * (`advisories.draftsFrom`; GitHub sends no webhook for a draft): each watched repository's drafts are listed at most
 * every `syncMinutes`, and each one to take in goes through the intake of a private report (`takeAdvisory`), under the
 * advisory's lock, exactly as a `reported` delivery does, so that a later report, a redelivery, a second sweep or a
 * second replica finds the master by the GHSA id instead of opening another. The key is read from the own configuration
 * of the incident projects the open `masters` live in; nothing is listed when none watches a repository. Answers how
 * many drafts were taken in. A failure is logged per repository; the sweep goes on. `settings`: the configurations the
 * sweep already read this pass, by project (read here only for the projects it lacks, and kept there). `listed`: told,
 * after its pass, of each watched repository and when its drafts were last listed (undefined: never; a failed listing
 * keeps the time of the one before, so it is due again at once), so that the sweep's schedule wakes for the next
 * listing.
 */
export async function sweepDrafts(
  masters: Issue[],
  ctx: EventContext,
  now: Date,
  settings: Map<string, LoadedConfig | ConfigErrorWithLabel> = new Map(),
  listed?: (repository: WatchedRepository, lastListedAt: number | undefined) => void,
): Promise<number> {
  const { tracker, log } = ctx;
  if (!tracker.capabilities.securityAdvisories) return 0;
  const configs: Array<[string, LoadedConfig['config']]> = [];
  for (const project of incidentProjectsOf(masters)) {
    const config = await configOf(project, ctx, settings);
    if (config) configs.push([project, config]);
  }
  // The owner's shared configuration, read at every pass: an incident project that has no open master yet (and no
  // file of its own) is configured there. It watches for the incident project it names.
  const shared = await tracker.sharedConfigProject();
  const sharedConfig = shared ? await configOf(shared, ctx, settings) : null;
  if (sharedConfig?.incidentProject) configs.push([sharedConfig.incidentProject, sharedConfig]);
  const watched = watchedRepositories(configs);
  if (watched.length === 0) return 0;
  const known = knownAdvisories(masters);
  const self = (await tracker.getSelf()).username;
  let taken = 0;
  for (const repository of watched) {
    const key = repository.repository.toLowerCase();
    if (!draftListingDue(ctx.draftListings?.get(key), repository.syncMinutes, now)) {
      listed?.(repository, ctx.draftListings?.get(key));
      continue;
    }
    try {
      const drafts = await tracker.listAdvisories(repository.repository, { state: 'draft' });
      rememberListing(ctx, key, now);
      const options = { self, lookBackMs: draftLookBackMs(repository), now, known };
      for (const draft of drafts) {
        if (draftSkip(draft, options) !== null) continue;
        if (await takeDraft(draft, repository, ctx)) taken += 1;
      }
    } catch (error) {
      log.error(
        { repository: repository.repository, err: { message: (error as Error).message } },
        'sweep of the draft advisories of a repository failed',
      );
    }
    listed?.(repository, ctx.draftListings?.get(key));
  }
  return taken;
}

/** A project's valid configuration, read once per pass; null when invalid or unreadable (logged: the sweep goes on). */
async function configOf(
  project: string,
  ctx: EventContext,
  settings: Map<string, LoadedConfig | ConfigErrorWithLabel>,
): Promise<LoadedConfig['config'] | null> {
  try {
    if (!settings.has(project)) settings.set(project, await loadSettings(project, ctx));
  } catch (error) {
    ctx.log.error(
      { project, err: { message: (error as Error).message } },
      'reading a configuration for the draft advisories failed',
    );
    return null;
  }
  const loaded = settings.get(project)!;
  return loaded instanceof ConfigErrorWithLabel ? null : loaded.config;
}

/** The incident projects of the open masters, each once: where the masters live. */
function incidentProjectsOf(masters: Issue[]): string[] {
  const projects = new Map<string, string>();
  for (const master of masters) {
    if (trustedState(master)?.role !== 'master') continue;
    projects.set(master.ref.project.toLowerCase(), master.ref.project);
  }
  return [...projects.values()];
}

/** The GHSA ids the open masters' own state links (lower case): their drafts have an incident already. */
function knownAdvisories(masters: Issue[]): Set<string> {
  const known = new Set<string>();
  for (const master of masters) {
    const state = trustedState(master);
    if (state?.role !== 'master') continue;
    const linked = state.run?.disclosure?.advisory?.ghsa;
    if (linked) known.add(linked.toLowerCase());
    for (const alias of state.run?.aliases ?? []) known.add(alias.toLowerCase());
  }
  return known;
}

/** When a repository's drafts were last listed, the oldest forgotten first beyond the bound. */
function rememberListing(ctx: EventContext, key: string, now: Date): void {
  const times = ctx.draftListings;
  if (!times) return;
  times.delete(key);
  times.set(key, now.getTime());
  while (times.size > MAX_LISTING_TIMES) times.delete(times.keys().next().value!);
}

/**
 * One draft taken in as a private report, with the watched repository's own configuration (as a `reported` delivery
 * is), and only when that configuration sends its reports to the incident project that watches it. True when an
 * incident was opened or updated.
 */
async function takeDraft(draft: Advisory, watched: WatchedRepository, ctx: EventContext): Promise<boolean> {
  const { log } = ctx;
  const repository = watched.repository;
  const loaded = await loadSettings(repository, ctx);
  if (loaded instanceof ConfigErrorWithLabel) {
    log.warn({ advisory: draft.ghsaId, repository }, 'draft not taken in: the repository configuration is invalid');
    return false;
  }
  if (!sendsReportsTo(repository, loaded.config, watched.incidentProject)) {
    log.warn(
      { advisory: draft.ghsaId, repository, incidentProject: watched.incidentProject },
      'draft not taken in: the repository sends its reports to another incident project',
    );
    return false;
  }
  const outcome = await ctx.locks.run(advisoryLockKey(draft.ghsaId), () =>
    takeAdvisory('drafted', repository, draft.ghsaId, loaded, ctx),
  );
  log.info({ advisory: draft.ghsaId, repository, outcome }, 'draft advisory taken in');
  return outcome === 'done';
}
