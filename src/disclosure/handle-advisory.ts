import type { Advisory } from '../kernel/advisory.js';
import type { AdvisoryEvent } from '../kernel/events.js';
import type { Issue } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { refusedReport } from '../intake/fail-safe.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { withMaster } from '../run/with-master.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { isNotFound, orNotFound } from '../tracker/errors.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import {
  advisoryLockKey,
  advisoryMasterDraft,
  advisoryMasterLabels,
  decideAdvisoryUpdate,
  followPlan,
  masterOf,
} from './advisories.js';
import type { AdvisoryUpdateOptions } from './advisories.js';
import { renderAdvisoryNotice, withAdvisoryNotice, withoutAdvisoryNotice } from './messages.js';
import type { AdvisoryRefusal } from './messages.js';

/**
 * A `repository_advisory` delivery (GitHub): a private vulnerability report opens an incident exactly like a labelled
 * issue (a master in the private incident repository, its children, links and summary), and a later event on an
 * advisory that has a master (a redelivery, the publication) updates that master. The advisory is read fresh first:
 * what the payload says is only which advisory to read, so a redelivered or late event changes nothing that a newer
 * one wrote. Under the advisory's lock, so that its events never interleave.
 */
export async function handleAdvisoryEvent(event: AdvisoryEvent, ctx: EventContext): Promise<EventOutcome> {
  if (!ctx.tracker.capabilities.securityAdvisories) return 'not-a-trigger';
  const repository = event.project.path;
  const loaded = await loadSettings(repository, ctx);
  return ctx.locks.run(advisoryLockKey(event.advisory.ghsaId), async () => {
    if (loaded instanceof ConfigErrorWithLabel) {
      ctx.log.warn(
        { advisory: event.advisory.ghsaId, repository, problems: loaded.error.problems.length },
        'advisory not taken in: the repository configuration is invalid',
      );
      if (event.action === 'reported') await noticeOnAdvisory(ctx, repository, event.advisory.ghsaId, 'config-error');
      return 'config-error';
    }
    return takeAdvisory(event.action, repository, event.advisory.ghsaId, loaded, ctx);
  });
}

/**
 * One advisory, read fresh: its master is updated from it, or, for a report (or a draft taken in by the sweep:
 * `drafted`), a master is opened. The caller holds the advisory's lock.
 */
export async function takeAdvisory(
  cause: 'reported' | 'published' | 'drafted',
  repository: string,
  ghsaId: string,
  loaded: LoadedConfig,
  ctx: EventContext,
): Promise<EventOutcome> {
  const { tracker, log } = ctx;
  let advisory: Advisory;
  try {
    advisory = await tracker.getAdvisory(repository, ghsaId);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    log.warn({ advisory: ghsaId, repository }, 'advisory not found; ignored');
    return 'not-a-trigger';
  }
  const incidentPath = loaded.config.incidentProject ?? repository;
  const master = await findAdvisoryMaster(tracker, incidentPath, advisory.ghsaId);
  const self = (await tracker.getSelf()).username;
  if (master) {
    await withMaster(master.ref, ctx, (run) => decideAdvisoryUpdate(run, advisory, { self, cause }));
    return 'done';
  }
  // A publication, a closed report or a withdrawn advisory opens nothing: only a report does.
  if (cause === 'published' || !['triage', 'draft'].includes(advisory.state)) {
    log.info({ advisory: ghsaId, repository, state: advisory.state }, 'advisory without an incident; nothing to do');
    return 'not-a-trigger';
  }
  return openAdvisoryIncident(advisory, loaded, incidentPath, { self, cause }, ctx);
}

/** The master of an advisory in the incident project: found by its labels, counted only when its state names it. */
export async function findAdvisoryMaster(
  tracker: Tracker,
  incidentPath: string,
  ghsaId: string,
): Promise<Issue | null> {
  const issues = await orNotFound(
    tracker.listIssues(incidentPath, { labels: advisoryMasterLabels(ghsaId), state: 'all' }),
  );
  return issues ? masterOf(issues, ghsaId) : null;
}

/**
 * Opens the incident of a report: only in a private incident repository that takes this repository's reports
 * (verified from the API's answers before anything is written; otherwise one notice on the advisory and nothing
 * copied), then the intake in place and what the master takes from the advisory, under the master's lock.
 */
async function openAdvisoryIncident(
  advisory: Advisory,
  loaded: LoadedConfig,
  incidentPath: string,
  options: AdvisoryUpdateOptions,
  ctx: EventContext,
): Promise<EventOutcome> {
  const { tracker, log } = ctx;
  const repository = advisory.repository;
  const refusal = await refusedReport(repository, loaded.config, ctx);
  const project = refusal ? null : await readProject(tracker, incidentPath);
  const reason: AdvisoryRefusal | null = refusal
    ? 'incident-project-refuses'
    : !project
      ? 'incident-project-missing'
      : project.visibility !== 'private'
        ? 'incident-project-not-private'
        : null;
  if (reason) {
    log.warn({ advisory: advisory.ghsaId, repository, incidentProject: incidentPath, reason }, 'report not taken in');
    await noticeOnAdvisory(ctx, repository, advisory.ghsaId, reason, incidentPath, advisory);
    return 'stopped';
  }
  const created = await tracker.createIssue(incidentPath, advisoryMasterDraft(advisory));
  log.info({ advisory: advisory.ghsaId, issue: formatRef(created.ref) }, 'master opened for a private report');
  await withMaster(created.ref, ctx, (run) => decideAdvisoryUpdate(run, advisory, options));
  await clearAdvisoryNotice(ctx, advisory);
  return 'done';
}

async function readProject(tracker: Tracker, path: string) {
  return orNotFound(tracker.getProject(path));
}

/**
 * One notice on the advisory (where maintainers triage the report) saying why no incident was opened; written once,
 * replaced when the reason changes.
 */
async function noticeOnAdvisory(
  ctx: EventContext,
  repository: string,
  ghsaId: string,
  reason: AdvisoryRefusal,
  project?: string,
  read?: Advisory,
): Promise<void> {
  const advisory = read ?? (await ctx.tracker.getAdvisory(repository, ghsaId));
  const notice = renderAdvisoryNotice({ reason, configPath: CONFIG_PATHS.github, project });
  const description = withAdvisoryNotice(advisory.description, notice);
  if (description === advisory.description) return;
  await ctx.tracker.updateAdvisory(repository, ghsaId, { description });
}

/** The app's notice taken out of an advisory once its incident exists; the reporter's text stays byte for byte. */
async function clearAdvisoryNotice(ctx: EventContext, advisory: Advisory): Promise<void> {
  const description = withoutAdvisoryNotice(advisory.description);
  if (description === advisory.description) return;
  await ctx.tracker.updateAdvisory(advisory.repository, advisory.ghsaId, { description });
}

/**
 * The sweep's read of an open incident's advisory (what GitHub sends no webhook for: a CVE assigned, the severity or
 * state changed, a withdrawal), decided on top of the sweep's own plan for the master. An advisory that is gone leaves
 * the plan as it was. True in `changed` when the master learns anything beyond the time it was read.
 */
export async function syncAdvisory(
  tracker: Tracker,
  run: RunContext,
  plan: RunPlan,
): Promise<{ plan: RunPlan; changed: boolean }> {
  const link = run.state.run?.disclosure?.advisory;
  if (!link || !tracker.capabilities.securityAdvisories) return { plan, changed: false };
  let advisory: Advisory;
  try {
    advisory = await tracker.getAdvisory(link.repository, link.ghsa);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { plan, changed: false };
  }
  const self = (await tracker.getSelf()).username;
  const synced = decideAdvisoryUpdate({ ...run, state: { ...run.state, run: plan.run } }, advisory, {
    self,
    cause: 'sweep',
  });
  const changed =
    synced.timeline.length > 0 ||
    Object.keys(synced.cells).length > 0 ||
    synced.addLabels.length > 0 ||
    synced.stepOverrides.length > 0;
  return { plan: followPlan(plan, synced), changed };
}
