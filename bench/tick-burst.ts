/**
 * `npm run bench -- --tick-burst`: forty ticks on one incident within two seconds (issue 15, point 5), against the
 * real server in its own process (one replica, then two on one `redis-server`) with the clients as production has
 * them (Probot's throttling and retries on GitHub, gitbeaker's rate limits on GitLab), over the loopback fakes. Counts
 * the app's writes from the first tick, and the time from the last tick's delivery until every tick is reflected
 * (each on the master's timeline; the master's block rendered with all of them).
 */
import { isPublishingStep } from '../src/disclosure/gate.js';
import { trustedState } from '../src/kernel/block.js';
import type { IssueRef } from '../src/kernel/model.js';
import { startRedis } from '../test/support/redis-server.js';
import { startTarget } from './target-client.js';
import type { Target } from './target-client.js';
import { startWorld } from './world.js';
import type { TrackerName, World } from './world.js';

/** Ticks in the burst, and the time they are spread over. */
const TICKS = 40;
const SPREAD_MS = 2_000;
/** Targets of issue 15. */
export const TICK_BURST_TARGETS = { writes: 10, reflectGitLabMs: 5_000 } as const;
const REFLECT_DEADLINE_MS = 120_000;

export interface TickBurstResult {
  tracker: TrackerName;
  replicas: number;
  ticks: number;
  writes: number;
  /** From the last tick's delivery until all ticks were reflected, ms. */
  reflectMs: number;
  /** The same from the first tick's delivery, ms. */
  reflectFromFirstMs: number;
  /** The fewest writes a folded burst needs (master and timeline): the write spacing's minimum on GitHub. */
  spacingMinimumMs: number | null;
}

const STEP = /- \[(?<box> |x)\] .*<!-- step:(?<id>[A-Za-z0-9_.:-]+) -->/g;
const isAuth = (r: { method: string; path: string }) => /\/access_tokens$/.test(r.path);
const writesOf = (world: World, from: number) =>
  world.requests.slice(from).filter((r) => r.method !== 'GET' && !isAuth(r)).length;

/** The bob lines on the master's timeline. */
export function reflectedTicks(world: World, master: IssueRef): number {
  const ids = trustedState(world.store.issue(master))?.run?.timeline ?? [];
  const comments = world.store.listComments(master);
  return ids
    .map((id) => comments.find((c) => c.id === id)?.body ?? '')
    .join('\n')
    .split('\n')
    .filter((line) => / · @bob · (?:un)?ticked /.test(line)).length;
}

/**
 * Which step bob changes at each of `ticks` ticks: the boxes the publication gate leaves alone (a publishing step is
 * unticked again while the gate is closed), each ticked once, then the first ones unticked.
 */
export function burstOrder(masterBody: string, ticks: number): number[] {
  const steps = [...masterBody.matchAll(STEP)].map((m) => m.groups!.id!);
  const open = steps.map((id, n) => ({ id, n })).filter(({ id }) => !isPublishingStep(id));
  return Array.from({ length: ticks }, (_, i) => open[i % open.length]!.n);
}

/** Forty ticks by bob within two seconds, to `replicas` processes in turn; waits until all are reflected. */
export async function measureTickBurst(tracker: TrackerName, replicas: 1 | 2): Promise<TickBurstResult> {
  const world = await startWorld(tracker);
  const redis = replicas > 1 ? await startRedis() : null;
  const targets: Target[] = [];
  try {
    const env = {
      ...world.env,
      BENCH_TARGET: 'app',
      BENCH_THROTTLE: 'production',
      ...(redis ? { REDIS_URL: redis.url } : {}),
    };
    for (let i = 0; i < replicas; i += 1) targets.push(await startTarget(env));
    const trigger = world.trigger();
    await world.send(targets[0]!.url, trigger.delivery);
    await Promise.all(targets.map((t) => t.idle()));
    const master = trigger.ref;
    const order = burstOrder(world.store.issue(master).body, TICKS);
    const from = world.requests.length;
    const before = reflectedTicks(world, master);
    const sends: Array<Promise<number>> = [];
    let first = 0;
    let last = 0;
    for (let i = 0; i < TICKS; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, SPREAD_MS / (TICKS - 1)));
      const delivery = world.tick(master, order[i]!);
      last = performance.now();
      if (i === 0) first = last;
      sends.push(world.send(targets[i % targets.length]!.url, delivery));
    }
    let reflectedAt = Number.NaN;
    while (performance.now() - last < REFLECT_DEADLINE_MS) {
      if (reflectedTicks(world, master) - before >= TICKS) {
        reflectedAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(sends);
    await Promise.all(targets.map((t) => t.idle()));
    const writes = writesOf(world, from);
    return {
      tracker,
      replicas,
      ticks: TICKS,
      writes,
      reflectMs: reflectedAt - last,
      reflectFromFirstMs: reflectedAt - first,
      // Probot spaces writes ~1 s apart: the burst's writes cannot land sooner than (writes - 1) s after the first.
      spacingMinimumMs: tracker === 'github' ? Math.max(0, writes - 1) * 1_000 : null,
    };
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await redis?.stop();
    await world.close();
  }
}

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'not reflected');

/** The RESULTS.md section "Burst of 40 ticks". */
export function renderTickBurst(results: TickBurstResult[], command: string): string {
  const target = (r: TickBurstResult) =>
    r.tracker === 'gitlab'
      ? `≤ ${TICK_BURST_TARGETS.writes} writes, ≤ ${s(TICK_BURST_TARGETS.reflectGitLabMs)}`
      : `≤ ${TICK_BURST_TARGETS.writes} writes, within the write spacing's minimum`;
  const met = (r: TickBurstResult) =>
    r.writes <= TICK_BURST_TARGETS.writes &&
    (r.tracker === 'gitlab'
      ? r.reflectMs <= TICK_BURST_TARGETS.reflectGitLabMs
      : Number.isFinite(r.reflectMs) && r.reflectMs <= (r.spacingMinimumMs ?? 0) + 1_000);
  return [
    '## Burst of 40 ticks',
    '',
    `- Command: \`${command}\`. Forty ticks by one writer on one incident, one every ` +
      `${(SPREAD_MS / (TICKS - 1)).toFixed(0)} ms (2 s), delivered to the replicas in turn; the clients as in ` +
      "production (Probot throttling and retries on GitHub, gitbeaker's rate limits on GitLab) against the " +
      "loopback fakes. Writes: the app's requests that " +
      'write, from the first tick (unfolded, each tick re-read and rewrote the master and the timeline: about 80). ' +
      "Reflected: every tick on the master's timeline, counted from the last tick's delivery. " +
      '"Spacing minimum" on ' +
      "GitHub: (writes − 1) × 1 s, the soonest Probot's write spacing lets that many writes land; met there when " +
      'every tick is reflected, counted from the last tick, within that minimum and one more interval (1 s).',
    '',
    '| tracker | replicas | writes | reflected after the last tick | after the first | spacing minimum | target ' +
      '| met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.tracker} | ${r.replicas} | ${r.writes} | ${s(r.reflectMs)} | ${s(r.reflectFromFirstMs)} | ` +
        `${r.spacingMinimumMs === null ? '–' : s(r.spacingMinimumMs)} | ${target(r)} | ${met(r) ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}
