/**
 * `npm run bench -- --intake [incidents]`: what a responder feels of an intake with the production clients. The real
 * server runs with Probot's production Octokit (`resilientOctokit`: plugin-throttling spaces an installation's writes
 * ~1 s apart and notifying writes ~3 s apart) and gitbeaker's default rate limits, against the loopback fakes. For
 * each incident: the time from the trigger's delivery to (a) the master's checklist visible in the tracker and (b)
 * the intake complete (the master's state says so). Incidents run one after the other, a pause between them so that
 * the throttling's spacing of one does not delay the next. Written into bench/RESULTS.md, its own section.
 * BENCH_INTAKE_TRACE=1 prints each request to the fake with its time since the delivery (where the seconds go).
 */
import { trustedState } from '../src/kernel/block.js';
import type { IssueRef } from '../src/kernel/model.js';
import { summarize } from './stats.js';
import type { LatencySummary } from './stats.js';
import { startTarget } from './target-client.js';
import { startWorld } from './world.js';
import type { TrackerName, World } from './world.js';

/** Targets of issue 15 (ms). */
export const INTAKE_TARGETS = {
  github: { checklist: 1_000, complete: 8_000 },
  gitlab: { checklist: 1_000, complete: 1_000 },
} as const;
const POLL_MS = 10;
const GIVE_UP_MS = 60_000;
/** Longer than the notifying spacing, so that one incident's writes do not delay the next one's. */
const PAUSE_MS = 3_500;

export interface IntakeTiming {
  tracker: TrackerName;
  checklist: LatencySummary;
  complete: LatencySummary;
  /** API calls of one intake (the last one measured). */
  calls: number;
}

let traced = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds of the master; answers the ms since `from`. */
async function until(world: World, ref: IssueRef, from: number, done: (body: string) => boolean): Promise<number> {
  for (;;) {
    const elapsed = performance.now() - from;
    if (process.env.BENCH_INTAKE_TRACE) {
      while (traced < world.requests.length) {
        const r = world.requests[traced++]!;
        process.stderr.write(`${(elapsed / 1000).toFixed(2)} s ${r.method} ${r.path}\n`);
      }
    }
    if (done(world.store.issue(ref).body)) return elapsed;
    if (elapsed > GIVE_UP_MS) throw new Error(`intake of ${ref.project}#${ref.number} not done in ${GIVE_UP_MS} ms`);
    await sleep(POLL_MS);
  }
}

/** Measures `count` intakes, one after the other, on one tracker with the production clients. */
export async function measureIntakes(tracker: TrackerName, count: number): Promise<IntakeTiming> {
  const world = await startWorld(tracker);
  const target = await startTarget({ ...world.env, BENCH_TARGET: 'app', BENCH_PRODUCTION: '1' });
  const checklist: number[] = [];
  const complete: number[] = [];
  let calls = 0;
  try {
    // One intake not counted: the installation token, JIT and connection pools.
    for (let i = -1; i < count; i += 1) {
      const { delivery, ref } = world.trigger();
      const before = world.requests.length;
      const sent = performance.now();
      // The server may answer the delivery only once its work is done (or after its answer deadline): the master is
      // watched meanwhile.
      const answered = world.send(target.url, delivery);
      const visible = await until(world, ref, sent, (body) => body.includes('<!-- step:'));
      const done = await until(world, ref, sent, () => trustedState(world.store.issue(ref))?.intake === true);
      const status = await answered;
      if (status >= 300) throw new Error(`the trigger was answered ${status}`);
      await target.idle();
      if (i >= 0) {
        checklist.push(visible);
        complete.push(done);
        calls = world.requests.length - before;
      }
      await sleep(PAUSE_MS);
    }
  } finally {
    await target.stop();
    await world.close();
  }
  return { tracker, checklist: summarize(checklist), complete: summarize(complete), calls };
}

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const verdict = (value: number, target: number) => (value <= target ? 'met' : `**not met** (+${s(value - target)} s)`);

/** The RESULTS.md section of an intake run. */
export function renderIntakes(results: readonly IntakeTiming[], count: number, machine: string): string {
  const rows = results.flatMap((r) => {
    const t = INTAKE_TARGETS[r.tracker];
    return [
      `| ${r.tracker} | (a) checklist visible | ${s(r.checklist.p50)} | ${s(r.checklist.p99)} | ` +
        `≤ ${s(t.checklist)} | ` +
        `${verdict(r.checklist.p99, t.checklist)} |`,
      `| ${r.tracker} | (b) intake complete | ${s(r.complete.p50)} | ${s(r.complete.p99)} | ≤ ${s(t.complete)} | ` +
        `${verdict(r.complete.p99, t.complete)} |`,
    ];
  });
  return [
    '## Intake with production throttling',
    '',
    machine,
    `- Command: \`npm run bench -- --intake ${count}\`: ${count} intakes per tracker, one after the other (one more ` +
      'first, not counted), the real server with the production clients (Probot: writes ~1 s, notifying writes ~3 s ' +
      "apart; gitbeaker's default rate limits) against the loopback fakes; times from the trigger's delivery, s.",
    `- API calls of one intake: ${results.map((r) => `${r.tracker} ${r.calls}`).join(', ')}.`,
    '',
    '| Tracker | Time to | p50 | p99 | Target | |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}
