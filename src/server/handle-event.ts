import { DEFAULT_CONFIG } from '../config/schema.js';
import type { IssueEvent, TrackerEvent } from '../kernel/events.js';
import { renderStopped } from '../intake/messages.js';
import type { IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import type { TemplateSources } from '../templates/renderer.js';
import { isIntakeTrigger, mightTrigger } from '../intake/trigger.js';
import type { Tracker } from '../tracker/port.js';
import { ConfidentialityError } from '../intake/apply.js';
import { loadIntakeSnapshot } from '../intake/complete.js';
import type { DeliveryGuard } from './coordination/delivery-guard.js';
import type { KeyedLock } from './coordination/keyed-lock.js';
import type { Logger } from './logger.js';
import { describeEffect } from '../intake/effects.js';
import { runIntake } from '../intake/apply.js';
import { protectReport, refusedReport } from '../intake/fail-safe.js';
import { attributedEvent, confirmedDelivery, labelAdder } from './actors.js';
import { listOwnComments } from '../tracker/own-comments.js';
import { handleRunEvent } from '../run/with-master.js';
import { handleChildEvent } from '../tracking/handle.js';
import { openEvent, StateSeal } from './state-seal.js';
import type { StateKeys } from './state-seal.js';
import { BodyLimitError, PublicWriteError, WriteGuard } from './write-guard.js';
import { ConfigErrorWithLabel, loadSettings, reportConfigError } from '../config/load.js';
import type { LoadedConfig, SettingsCache } from '../config/load.js';

/** Everything the shell needs to handle an event from one tracker. */
export interface EventContext {
  tracker: Tracker;
  /** True when the actor is the app itself: its own events are never answered. */
  isSelf(actor: { username: string; id: number }): Promise<boolean>;
  deliveries: DeliveryGuard;
  locks: KeyedLock;
  /** The handbook the 🔗 links point at when `handbookUrl` is not configured. */
  handbookUrl: string;
  defaultTemplates: TemplateSources;
  /** Parsed configurations and compiled templates, kept for the server's life (see `SettingsCache`). */
  settingsCache?: SettingsCache;
  log: Logger;
  /** The clock (tests pass a fixed one); the core never reads one itself. */
  now?: () => Date;
  /** The keys of the hidden state's signature on this tracker (see `StateSeal`). */
  stateKeys: StateKeys;
}

export type EventOutcome =
  | 'ignored-self'
  | 'duplicate'
  | 'not-a-trigger'
  | 'config-error'
  | 'stopped'
  | 'done';

/**
 * The shell's one sequence for an event: guard (own events, duplicates), load configuration, take the
 * incident's lock, read fresh state, decide and apply. All I/O for an event happens here.
 */
export async function handleEvent(delivered: TrackerEvent, context: EventContext): Promise<EventOutcome> {
  const { log } = context;
  // The payload's descriptions are read like the tracker's answers: only a state the app signed counts.
  const opened = openEvent(delivered, context.stateKeys);
  if (opened.rejected) log.warn({ issue: formatRef(delivered.issue.ref), actor: delivered.actor.username }, 'hidden state in the payload failed verification; ignored');
  const signed = context.tracker.capabilities.signedDeliveries;
  // What an unsigned delivery says of the project's visibility and the issue's confidentiality is not the tracker's
  // word: the project is taken as exposed, and the public-write guard learns both from the API's answers. A signed
  // delivery's word starts the guard off.
  const event: TrackerEvent = signed ? opened.event : { ...opened.event, project: { ...opened.event.project, visibility: 'public' } };
  // Every write of this event goes through the public-write guard, and every description read or written passes the
  // state's seal.
  const sealed = new StateSeal(context.tracker, context.stateKeys, log);
  const ctx: EventContext = { ...context, tracker: new WriteGuard(sealed, signed ? { projects: [event.project], issues: [event.issue] } : {}) };
  try {
    return await handleGuarded(event, ctx);
  } catch (error) {
    if (error instanceof BodyLimitError) {
      log.error({ issue: formatRef(event.issue.ref), length: error.length, limit: error.limit }, 'write over the tracker limit refused');
      await reportTooLong(ctx.tracker, error.ref ?? event.issue.ref, error);
      return 'stopped';
    }
    if (!(error instanceof PublicWriteError)) throw error;
    log.error({ issue: formatRef(event.issue.ref), target: error.target, reason: error.reason }, 'refused to write incident content to a public place');
    return 'stopped';
  }
}

/** One clear comment on the ticket whose text would not fit; said once per ticket. Carries only sizes. */
async function reportTooLong(tracker: Tracker, ref: IssueRef, error: BodyLimitError): Promise<void> {
  const marker = `<!-- incident-desk:too-long ${formatRef(ref)} -->`;
  if ((await listOwnComments(tracker, ref)).some((c) => c.body.includes(marker))) return;
  await tracker.createComment(
    ref,
    `${marker}\nincident-desk could not save its update of ${formatRef(ref)}: the text would be ${error.length} characters and the tracker keeps at most ${error.limit}. Nothing was cut and nothing was written. Shorten the description below the app's part (move logs or long excerpts into a comment or an attachment); the next change is then saved as usual.\n`,
  );
}

async function handleGuarded(delivered: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  const { log } = ctx;
  const issue = formatRef(delivered.issue.ref);
  if (await ctx.isSelf(delivered.actor)) return 'ignored-self';
  // A command counts only as the tracker holds it, from the author it names, once.
  const event = await confirmedDelivery(delivered, ctx);
  if (!event) return 'not-a-trigger';
  if (event !== delivered && (await ctx.isSelf(event.actor))) return 'ignored-self';
  // A delivery without an id (a tracker that sent none) cannot be told from another: it is handled, never dropped.
  if (!event.deliveryId) return handleClaimed(event, ctx);
  const delivery = `${event.tracker}:${event.deliveryId}`;
  if (!(await ctx.deliveries.claim(delivery))) {
    log.info({ issue, delivery: event.deliveryId }, 'duplicate delivery dropped');
    return 'duplicate';
  }
  let outcome: EventOutcome;
  try {
    outcome = await handleClaimed(event, ctx);
  } catch (error) {
    // A delivery that failed is redelivered with the same id (by hand, or by a GitHub redelivery script): it must
    // then be handled, not dropped as a duplicate. Everything it did is found again by state, so nothing doubles.
    await ctx.deliveries.release?.(delivery).catch((releaseError: unknown) => {
      log.warn({ issue, err: { message: (releaseError as Error).message } }, 'failed delivery could not be released');
    });
    throw error;
  }
  // The work is done: a failure to record that only shortens how long a redelivery is recognised.
  await ctx.deliveries.complete?.(delivery).catch((completeError: unknown) => {
    log.warn({ issue, err: { message: (completeError as Error).message } }, 'handled delivery could not be recorded');
  });
  return outcome;
}

/** Everything after the guards: a running incident's event, or an intake. */
async function handleClaimed(delivered: TrackerEvent, ctx: EventContext): Promise<EventOutcome> {
  const { log } = ctx;
  const issue = formatRef(delivered.issue.ref);
  // An edit of the app's block counts for whoever the tracker says made it, and for nobody when it names no one.
  const event = await attributedEvent(delivered, ctx);
  if (!event) return 'not-a-trigger';
  // Tracking tickets first: an issue naming an incident is never an intake and never one of its own tickets.
  const child = event.kind === 'issue' ? await handleChildEvent(event, ctx) : null;
  if (child) return child;
  const run = await handleRunEvent(event, ctx);
  if (run) return run;
  if (event.kind !== 'issue' || !mightTrigger(event)) return 'not-a-trigger';

  const loaded = await loadConfig(event, ctx);
  if (!loaded) return 'config-error';
  if (!isIntakeTrigger(event, loaded.config.label)) return 'not-a-trigger';
  // A project cannot open incidents in another project that does not take its reports; the report is protected.
  const refusal = await refusedReport(event.project.path, loaded.config, ctx);
  if (refusal) {
    log.warn({ issue, incidentProject: refusal.project }, 'report refused: the incident project does not take reports from this project');
    await protectReport(event, loaded.config.label, ctx, refusal);
    return 'stopped';
  }

  return ctx.locks.run(`${event.tracker}:${issue.toLowerCase()}`, async () => {
    const source = await ctx.tracker.getIssue(event.issue.ref);
    let actor = event.actor.username;
    if (!ctx.tracker.capabilities.signedDeliveries) {
      // An unsigned delivery is a hint: the label must be on the issue, and who added it is the tracker's answer.
      if (source.state !== 'open' || !source.labels.includes(loaded.config.label)) return 'not-a-trigger';
      actor = (await labelAdder(event, loaded.config.label, ctx))?.username ?? '';
    }
    const start = { source, sourceRef: source.ref, sourceProject: event.project, actor };
    const snapshot = await loadIntakeSnapshot(start, loaded.config, ctx);
    const deps = { renderer: loaded.renderer, handbookUrl: loaded.config.handbookUrl ?? ctx.handbookUrl };
    try {
      // The source was read a moment ago (only the configuration and the lookups of earlier tickets since): the intake's
      // first write (marking it as the master) uses that read instead of a second one.
      const run = await runIntake(ctx.tracker, snapshot, deps, log, source);
      log.info({ issue, effects: run.effects.map(describeEffect) }, 'intake reconciled');
      return 'done';
    } catch (error) {
      if (!(error instanceof ConfidentialityError)) throw error;
      log.error({ issue, unconfirmed: error.issue }, 'confidentiality not confirmed; intake stopped');
      await ctx.tracker.createComment(event.issue.ref, renderStopped('the tracker did not confirm a new ticket as confidential'));
      return 'stopped';
    }
  });
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
