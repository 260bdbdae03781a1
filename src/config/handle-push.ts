import type { PushEvent } from '../kernel/events.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { ConfigCheckWritten, Tracker } from '../tracker/port.js';
import type { SweepSchedule } from '../server/coordination/sweep-schedule.js';
import type { Logger } from '../server/logger.js';
import type { TemplateSources } from '../templates/renderer.js';
import { prepareIncidentLabels } from '../intake/handle-labels.js';
import { checkSettings } from './load.js';
import type { IncidentDeskConfig } from './schema.js';
import { configCheckReport, pushNeedsConfigCheck } from './push-check.js';

/** What a push needs: the replicas' caches of files, the sweep's schedule, and where the check is written. */
export interface PushContext {
  /** Drops the files the push changed from every replica's cache. */
  configChanged(change: PushEvent): Promise<void>;
  sweepSchedule?: Pick<SweepSchedule, 'changed'>;
  /** The project's tracker (behind the write guard), to check the configuration and write the result on the commit. */
  check?: { tracker: Tracker; defaultTemplates: TemplateSources; log: Logger };
}

/**
 * A push to a project's default branch: the cached copies of the files it changed are dropped everywhere, so the next
 * event reads the new configuration or template. A changed configuration may also change what is due (a cadence, a
 * phase offset, an incident project fixed), so the next sweep lists. A push that changed the configuration or a
 * template is then checked, and the result written on its commit (`checkPushedConfig`).
 */
export async function handleConfigPush(push: PushEvent, ctx: PushContext): Promise<'done'> {
  await ctx.configChanged(push);
  if (push.paths === null || push.paths.includes(CONFIG_PATHS[push.tracker])) await ctx.sweepSchedule?.changed();
  if (!ctx.check) return 'done';
  try {
    await checkPushedConfig(push, ctx.check);
  } catch (error) {
    // The caches are dropped already; a check that could not be read or written is said in the log (the next event
    // reports the same problems on the incident), never answered as a failed delivery GitLab would count against the
    // hook.
    const status = (error as { status?: unknown }).status;
    ctx.check.log.error(
      {
        project: push.project,
        status: typeof status === 'number' ? status : null,
        err: { message: (error as Error).message },
      },
      'configuration check after a push failed',
    );
  }
  return 'done';
}

/**
 * Checks the configuration a push left on the default branch exactly as an event (and `incident-desk check-config`)
 * reads it, and writes the result on the pushed commit: a check run or a commit comment (GitHub), a commit status and
 * a note (GitLab). A push that touched neither the configuration nor a template costs no request. Configuration
 * only: nothing of an incident is read or written.
 */
export async function checkPushedConfig(
  push: PushEvent,
  ctx: { tracker: Tracker; defaultTemplates: TemplateSources; log: Logger },
): Promise<ConfigCheckWritten | 'not-checked'> {
  if (!pushNeedsConfigCheck(push) || !push.sha) return 'not-checked';
  const check = await checkSettings(push.project, ctx);
  const report = configCheckReport(check);
  const written = await ctx.tracker.reportConfigCheck(push.project, push.sha, report);
  ctx.log.info(
    { project: push.project, conclusion: report.conclusion, problems: check.problems.length, written },
    'configuration checked after a push',
  );
  if (check.config) await prepareLabelsAfterPush(push.project, check.config, ctx);
  return written;
}

/**
 * A valid configuration pushed may name projects or approval deliverables whose labels do not exist yet: they are
 * prepared now (`prepareIncidentLabels`: one read of each project's labels, writes only for what is missing; nothing on
 * GitLab), so that the next incident does not wait for them. A failure is said in the log: the intake still creates
 * what is missing.
 */
async function prepareLabelsAfterPush(
  project: string,
  config: IncidentDeskConfig,
  ctx: { tracker: Tracker; log: Logger },
): Promise<void> {
  try {
    await prepareIncidentLabels(ctx.tracker, config, project, ctx.log);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    ctx.log.warn(
      { project, status: typeof status === 'number' ? status : null, err: { message: (error as Error).message } },
      'incident labels could not be prepared after a push',
    );
  }
}
