import { trustedState } from '../kernel/block.js';
import type { IssueRef } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { configProjectOf, masterPlaceProblem } from './links.js';
import type { RunContext, RunPlan } from './plan.js';
import type { EventContext, EventOutcome } from './context.js';
import { ConfigErrorWithLabel, loadSettings, reportConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { applyRunPlan } from './apply.js';
import { completeIntake } from '../intake/complete.js';
import { syncReleaseSchedule } from '../checklist/handle-release.js';
import { foldBatch } from './fold.js';
import type { ItemResult } from '../server/coordination/coalesce.js';

/** The handbook a ticket's 🔗 links point at: the configured one, else the one this server serves. */
export function handbookOf(settings: LoadedConfig, ctx: Pick<EventContext, 'handbookUrl'>): string {
  return settings.config.handbookUrl ?? ctx.handbookUrl;
}

/** How `withMaster` runs an event. */
export interface WithMasterOptions {
  /**
   * The event may be folded with the others that queue behind the incident's lock (a tick): they are decided one
   * after another on one read of the master, each on the run state the previous ones left, and written together
   * (`foldBatch`). Only where the context has `batches`.
   */
  coalesce?: boolean;
}

type Decide = (run: RunContext, settings: LoadedConfig) => Promise<RunPlan> | RunPlan;

/**
 * Takes the incident's lock, reads the master fresh with its configuration, decides and applies. The lock key
 * is the one intake uses for an in-place master, so intake and run events of one incident never interleave.
 * A master whose intake was interrupted is completed first, so any event on it finishes the intake. With `coalesce`,
 * the event joins the batch of events waiting for the lock, and lets the next queued event of the incident start.
 */
export async function withMaster(
  ref: IssueRef,
  ctx: EventContext,
  decide: Decide,
  options: WithMasterOptions = {},
): Promise<EventOutcome> {
  const key = lockKey(ctx, ref);
  const batches = ctx.batches;
  if (!batches) return ctx.locks.run(key, async () => single(await runMaster(ref, ctx, [decide])));
  if (!options.coalesce) {
    // What comes after the waiting batch is not folded into it, and nothing later joins ahead of this event.
    batches.close(key);
    return ctx.locks.run(key, async () => single(await runMaster(ref, ctx, [decide])));
  }
  const outcome = batches.join<Decide, EventOutcome>(key, decide, (decides) => runMaster(ref, ctx, decides));
  ctx.yieldTurn?.();
  return outcome;
}

/** `withMaster` with `coalesce`: the event may be folded with the others queued behind the incident's lock. */
export function withMasterFolded(ref: IssueRef, ctx: EventContext, decide: Decide): Promise<EventOutcome> {
  return withMaster(ref, ctx, decide, { coalesce: true });
}

function single(results: Array<ItemResult<EventOutcome>>): EventOutcome {
  const [result] = results;
  if (!result) throw new Error('no outcome');
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Under the lock: one read of the master and its configuration, each event decided in order on the run state the
 * ones before it left, the plans folded and written (one write of the master and one timeline append for a batch
 * of ticks). An event whose decision fails fails alone; a failed write fails them all (each is handled again: the next
 * event or the sweep recomputes from a fresh read).
 */
async function runMaster(
  ref: IssueRef,
  ctx: EventContext,
  decides: Decide[],
): Promise<Array<ItemResult<EventOutcome>>> {
  const all = (value: EventOutcome) => decides.map(() => ({ ok: true as const, value }));
  let master = await ctx.tracker.getIssue(ref);
  let state = trustedState(master);
  if (state?.role !== 'master') return all('not-a-trigger');
  if (state.intake !== true && (await completeIntake(master, ctx)).outcome === 'done') {
    // Read again: the intake rewrote the block (or closed this master as one made twice).
    master = await ctx.tracker.getIssue(ref);
    state = trustedState(master);
    if (state?.role !== 'master') return all('not-a-trigger');
  }
  const settings = await loadSettings(configProjectOf(state, master), ctx);
  if (settings instanceof ConfigErrorWithLabel) {
    await reportConfigError(master.ref, settings.error, ctx);
    return all('config-error');
  }
  // A master is followed only where its configuration keeps incidents (a signed state copied elsewhere is not one).
  const problem = masterPlaceProblem(master, state, settings.config, ctx.tracker.kind);
  if (problem) {
    ctx.log.warn(
      { issue: formatRef(master.ref), problem },
      'master not where its configuration keeps incidents; ignored',
    );
    return all('not-a-trigger');
  }
  const now = (ctx.now ?? (() => new Date()))();
  const run: RunContext = {
    tracker: ctx.tracker.kind,
    config: settings.config,
    master,
    state,
    now,
    actor: null,
    access: null,
  };
  const results: Array<ItemResult<EventOutcome>> = [];
  const plans: RunPlan[] = [];
  for (const decide of decides) {
    // Each event sees the run state the events before it in the batch leave.
    const chained = plans.at(-1);
    const current = chained ? { ...run, state: { ...run.state, run: chained.run } } : run;
    try {
      plans.push(await decide(current, settings));
      results.push({ ok: true, value: 'done' });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  const deps = {
    config: settings.config,
    renderer: settings.renderer,
    handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl,
    log: ctx.log,
    now,
  };
  if (decides.length > 1) ctx.log.debug({ issue: formatRef(master.ref), events: decides.length }, 'events folded');
  let before = state;
  for (const [index, folded] of foldBatch(plans).entries()) {
    let plan = folded;
    if (index > 0) {
      // A plan written after another (one that could not be folded) keeps the timeline comments that one wrote.
      const fresh = trustedState(await ctx.tracker.getIssue(ref));
      plan = { ...plan, run: { ...plan.run, timeline: fresh?.run?.timeline ?? plan.run.timeline } };
      before = { ...before, run: { ...before.run, timeline: fresh?.run?.timeline ?? before.run?.timeline } };
    }
    // The release ticket's dates and deadlines follow the Public Disclosure Date, whatever the event.
    await syncReleaseSchedule(ctx.tracker, { ...run, state: before }, plan);
    await applyRunPlan(ctx.tracker, master, before, plan, deps);
    before = { ...before, run: plan.run };
  }
  return results;
}

export function lockKey(ctx: EventContext, ref: IssueRef): string {
  return `${ctx.tracker.kind}:${formatRef(ref).toLowerCase()}`;
}
