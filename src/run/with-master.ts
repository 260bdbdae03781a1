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

/** The handbook a ticket's 🔗 links point at: the configured one, else the one this server serves. */
export function handbookOf(settings: LoadedConfig, ctx: Pick<EventContext, 'handbookUrl'>): string {
  return settings.config.handbookUrl ?? ctx.handbookUrl;
}

/**
 * Takes the incident's lock, reads the master fresh with its configuration, decides and applies. The lock key
 * is the one intake uses for an in-place master, so intake and run events of one incident never interleave.
 * A master whose intake was interrupted is completed first, so any event on it finishes the intake.
 */
export async function withMaster(
  ref: IssueRef,
  ctx: EventContext,
  decide: (run: RunContext, settings: LoadedConfig) => Promise<RunPlan> | RunPlan,
): Promise<EventOutcome> {
  return ctx.locks.run(lockKey(ctx, ref), async () => {
    let master = await ctx.tracker.getIssue(ref);
    let state = trustedState(master);
    if (state?.role !== 'master') return 'not-a-trigger';
    if (state.intake !== true && (await completeIntake(master, ctx)).outcome === 'done') {
      // Read again: the intake rewrote the block (or closed this master as one made twice).
      master = await ctx.tracker.getIssue(ref);
      state = trustedState(master);
      if (state?.role !== 'master') return 'not-a-trigger';
    }
    const settings = await loadSettings(configProjectOf(state, master), ctx);
    if (settings instanceof ConfigErrorWithLabel) {
      await reportConfigError(master.ref, settings.error, ctx);
      return 'config-error';
    }
    // A master is followed only where its configuration keeps incidents (a signed state copied elsewhere is not one).
    const problem = masterPlaceProblem(master, state, settings.config, ctx.tracker.kind);
    if (problem) {
      ctx.log.warn(
        { issue: formatRef(master.ref), problem },
        'master not where its configuration keeps incidents; ignored',
      );
      return 'not-a-trigger';
    }
    const now = (ctx.now ?? (() => new Date()))();
    const run = { tracker: ctx.tracker.kind, config: settings.config, master, state, now, actor: null, access: null };
    const plan = await decide(run, settings);
    // The release ticket's dates and deadlines follow the Public Disclosure Date, whatever the event.
    await syncReleaseSchedule(ctx.tracker, run, plan);
    await applyRunPlan(ctx.tracker, master, state, plan, {
      config: settings.config,
      renderer: settings.renderer,
      handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl,
      log: ctx.log,
      now,
    });
    return 'done';
  });
}

export function lockKey(ctx: EventContext, ref: IssueRef): string {
  return `${ctx.tracker.kind}:${formatRef(ref).toLowerCase()}`;
}
