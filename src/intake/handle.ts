import { DEFAULT_CONFIG } from '../config/schema.js';
import type { IssueEvent } from '../kernel/events.js';
import { canWrite, formatRef } from '../kernel/model.js';
import { ConfigErrorWithLabel, loadSettings, reportConfigError } from '../config/load.js';
import type { LoadedConfig, SettingsContext } from '../config/load.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { labelAdder } from '../server/actors.js';
import { ConfidentialityError, runIntake } from './apply.js';
import { loadIntakeSnapshot } from './complete.js';
import { incidentProjectPath } from './snapshot.js';
import { describeEffect } from './effects.js';
import { protectReport, refusedReport } from './fail-safe.js';
import { renderStopped } from './messages.js';
import { isIntakeTrigger, mightTrigger } from './trigger.js';

/**
 * An issue that may carry the trigger label (opened with labels, or labelled): with the project's configuration, a
 * trigger is taken in (`decideIntake` and `applyEffect` until nothing is left to do), under the source's lock. A
 * report the incident project does not take, or whose configuration is invalid, is protected and explained instead.
 */
export async function handleIntake(event: IssueEvent, ctx: EventContext): Promise<EventOutcome> {
  const { log } = ctx;
  const issue = formatRef(event.issue.ref);
  if (!mightTrigger(event)) return 'not-a-trigger';

  const loaded = await loadConfig(event, ctx);
  if (!loaded) return 'config-error';
  if (!isIntakeTrigger(event, loaded.config.label)) return 'not-a-trigger';
  // A project cannot open incidents in another project that does not take its reports; the report is protected.
  const refusal = await refusedReport(event.project.path, loaded.config, ctx);
  if (refusal) {
    log.warn(
      { issue, incidentProject: refusal.project },
      'report refused: the incident project does not take reports from this project',
    );
    await protectReport(event, loaded.config.label, ctx, refusal);
    return 'stopped';
  }

  return ctx.locks.run(`${event.tracker}:${issue.toLowerCase()}`, async () => {
    const source = await ctx.tracker.getIssue(event.issue.ref);
    let declarer: { username: string; id: number } | null = event.actor;
    if (!ctx.tracker.capabilities.signedDeliveries) {
      // An unsigned delivery is a hint: the label must be on the issue, and who added it is the tracker's answer.
      if (source.state !== 'open' || !source.labels.includes(loaded.config.label)) return 'not-a-trigger';
      declarer = await labelAdder(event, loaded.config.label, ctx);
    }
    const actor = declarer?.username ?? '';
    const responder = await firstResponder(declarer, incidentProjectPath(loaded.config, event.project.path), ctx);
    const start = { source, sourceRef: source.ref, sourceProject: event.project, actor, responder };
    const snapshot = await loadIntakeSnapshot(start, loaded.config, ctx);
    const deps = { renderer: loaded.renderer, handbookUrl: loaded.config.handbookUrl ?? ctx.handbookUrl };
    try {
      // The source was read a moment ago (only the configuration and the lookups of earlier tickets since): the
      // intake's first write (marking it as the master) uses that read instead of a second one.
      const run = await runIntake(ctx.tracker, snapshot, deps, log, source);
      log.info({ issue, effects: run.effects.map(describeEffect) }, 'intake reconciled');
      return 'done';
    } catch (error) {
      if (!(error instanceof ConfidentialityError)) throw error;
      log.error({ issue, unconfirmed: error.issue }, 'confidentiality not confirmed; intake stopped');
      await ctx.tracker.createComment(
        event.issue.ref,
        renderStopped('the tracker did not confirm a new ticket as confidential'),
      );
      return 'stopped';
    }
  });
}

/**
 * The outcome of an event that could start an intake only if a label it carries is the configured trigger
 * (`mightTrigger`), when the project's configuration says none is: `not-a-trigger`, or `config-error` when the
 * configuration is invalid and its trigger label (read leniently) is not on the event either, exactly as
 * `handleIntake` would end. Null when one is, or may be: `handleIntake` decides (and reports an invalid configuration
 * on the report). Reads only the configuration, which the server keeps between events.
 */
export async function untriggeredOutcome(
  event: IssueEvent,
  ctx: SettingsContext,
): Promise<'not-a-trigger' | 'config-error' | null> {
  if (!mightTrigger(event)) return 'not-a-trigger';
  const loaded = await loadSettings(event.project.path, ctx);
  if (loaded instanceof ConfigErrorWithLabel)
    return isIntakeTrigger(event, loaded.label ?? DEFAULT_CONFIG.label) ? null : 'config-error';
  return isIntakeTrigger(event, loaded.config.label) ? null : 'not-a-trigger';
}

/**
 * The First Responder (seed 003): whoever declared the incident, when the tracker answers they have write (GitLab:
 * Developer) access to the project the incident lives in. They are its initial Incident Manager; a reporter who could
 * only label the issue is not. Asked only when an intake actually starts.
 */
async function firstResponder(
  declarer: { username: string; id: number } | null,
  incidentProject: string,
  ctx: EventContext,
): Promise<string | null> {
  if (!declarer?.username) return null;
  return canWrite(await ctx.tracker.getAccess(incidentProject, declarer)) ? declarer.username : null;
}

/**
 * Reads and validates the configuration and the templates it names. On any problem the report is still protected
 * with the defaults (`protectReport`), then one comment on the triggering issue names every problem and where it is,
 * and nothing else is done.
 */
async function loadConfig(event: IssueEvent, ctx: EventContext): Promise<LoadedConfig | null> {
  const loaded = await loadSettings(event.project.path, ctx);
  if (!(loaded instanceof ConfigErrorWithLabel)) return loaded;
  // A problem in the configuration does not matter for issues that are not triggers.
  const label = loaded.label ?? DEFAULT_CONFIG.label;
  if (!isIntakeTrigger(event, label)) return null;
  await protectReport(event, label, ctx);
  await reportConfigError(event.issue.ref, loaded.error, ctx);
  return null;
}
