import type { PushEvent } from '../kernel/events.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { SweepSchedule } from '../server/coordination/sweep-schedule.js';

/** What a push needs: the replicas' caches of files, and the sweep's schedule. */
export interface PushContext {
  /** Drops the files the push changed from every replica's cache. */
  configChanged(change: PushEvent): Promise<void>;
  sweepSchedule?: Pick<SweepSchedule, 'changed'>;
}

/**
 * A push to a project's default branch: the cached copies of the files it changed are dropped everywhere, so the next
 * event reads the new configuration or template. A changed configuration may also change what is due (a cadence, a
 * phase offset, an incident project fixed), so the next sweep lists.
 */
export async function handleConfigPush(push: PushEvent, ctx: PushContext): Promise<'done'> {
  await ctx.configChanged(push);
  if (push.paths === null || push.paths.includes(CONFIG_PATHS[push.tracker])) await ctx.sweepSchedule?.changed();
  return 'done';
}
