/**
 * `npm run bench -- --intake [incidents]`: what a responder feels of an intake with the production clients. The real
 * server runs with Probot's production Octokit (`resilientOctokit`: plugin-throttling spaces an installation's writes
 * ~1 s apart and notifying writes ~3 s apart) and gitbeaker's default rate limits, against the loopback fakes. For
 * each incident: the time from the trigger's delivery to (a) the master's checklist visible in the tracker and (b)
 * the intake complete (the master's state says so). Incidents run one after the other, a pause between them so that
 * the throttling's spacing of one does not delay the next. Then a repository's first incident: its labels deleted
 * (but the trigger label), without preparation and, on GitHub, after the trigger label's `label.created` delivery.
 * Written into bench/RESULTS.md, its own section.
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
export const PAUSE_MS = 3_500;

export interface IntakeTiming {
  tracker: TrackerName;
  checklist: LatencySummary;
  complete: LatencySummary;
  /** API calls of one intake (the last one measured). */
  calls: number;
  /**
   * A repository's first incident (its labels as before any incident: only the trigger label), in the warm server:
   * without preparation, and (GitHub) after the trigger label's `label.created` prepared its labels.
   */
  first: {
    unprepared: FirstIncident;
    /** Null where the tracker sends no label event (GitLab, which needs no preparation). */
    prepared: FirstIncident | null;
  };
}

/** The intakes of a repository's first incident. */
export interface FirstIncident {
  checklist: LatencySummary;
  complete: LatencySummary;
  /**
   * API calls of one such intake (the last one measured), and of them label creations (`POST …/labels`) and writes of
   * labels a child's create left out (`POST …/issues/{n}/labels`, which creates those the repository lacks).
   */
  calls: number;
  labelWrites: number;
  labelAdds: number;
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

/** The server under test, as `startTarget` answers it. */
type Target = Awaited<ReturnType<typeof startTarget>>;

/** One intake from its trigger's delivery: the times to the checklist and to the end, and its requests. */
async function timeIntake(
  world: World,
  target: Target,
): Promise<{ visible: number; done: number; calls: number; labelWrites: number; labelAdds: number }> {
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
  const requests = world.requests.slice(before);
  const posts = requests.filter((r) => r.method === 'POST');
  const labelWrites = posts.filter((r) => /^\/repos\/[^/]+\/[^/]+\/labels$/.test(r.path)).length;
  const labelAdds = posts.filter((r) => /\/issues\/\d+\/labels$/.test(r.path)).length;
  await sleep(PAUSE_MS);
  return { visible, done, calls: requests.length, labelWrites, labelAdds };
}

/** `count` first incidents of the repository, its labels deleted before each (`prepare`: then prepared first). */
async function firstIncidents(world: World, target: Target, count: number, prepare: boolean): Promise<FirstIncident> {
  const checklist: number[] = [];
  const complete: number[] = [];
  let last = { calls: 0, labelWrites: 0, labelAdds: 0 };
  for (let i = 0; i < count; i += 1) {
    world.resetLabels();
    if (prepare) {
      const created = world.labelCreated('incident');
      if (!created) throw new Error(`${world.tracker} sends no label event`);
      const status = await world.send(target.url, created);
      if (status >= 300) throw new Error(`the label's creation was answered ${status}`);
      await target.idle();
      // Whoever set the repository up labels a report later: the preparation's spaced writes are over by then.
      await sleep(PAUSE_MS);
    }
    const timed = await timeIntake(world, target);
    checklist.push(timed.visible);
    complete.push(timed.done);
    last = timed;
  }
  return { checklist: summarize(checklist), complete: summarize(complete), ...last };
}

/**
 * Measures `count` intakes, one after the other, on one tracker with the production clients; then `count` first
 * incidents of the repository (its labels deleted before each), without preparation and (GitHub) after the trigger
 * label's creation prepared them.
 */
export async function measureIntakes(tracker: TrackerName, count: number): Promise<IntakeTiming> {
  const world = await startWorld(tracker);
  const target = await startTarget({ ...world.env, BENCH_TARGET: 'app', BENCH_PRODUCTION: '1' });
  const checklist: number[] = [];
  const complete: number[] = [];
  let calls = 0;
  try {
    // One intake not counted: the installation token, JIT and connection pools (and the repository's labels).
    for (let i = -1; i < count; i += 1) {
      const timed = await timeIntake(world, target);
      if (i >= 0) {
        checklist.push(timed.visible);
        complete.push(timed.done);
        calls = timed.calls;
      }
    }
    const unprepared = await firstIncidents(world, target, count, false);
    const prepared = world.labelCreated('incident') ? await firstIncidents(world, target, count, true) : null;
    return {
      tracker,
      checklist: summarize(checklist),
      complete: summarize(complete),
      calls,
      first: { unprepared, prepared },
    };
  } finally {
    await target.stop();
    await world.close();
  }
}

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const verdict = (value: number, target: number) => (value <= target ? 'met' : `**not met** (+${s(value - target)} s)`);

/** The RESULTS.md section of an intake run. */
export function renderIntakes(results: readonly IntakeTiming[], count: number, machine: string): string {
  const row = (tracker: TrackerName, what: string, timing: { checklist: LatencySummary; complete: LatencySummary }) => {
    const t = INTAKE_TARGETS[tracker];
    return [
      `| ${tracker} | ${what} | (a) checklist visible | ${s(timing.checklist.p50)} | ${s(timing.checklist.p99)} | ` +
        `≤ ${s(t.checklist)} | ${verdict(timing.checklist.p99, t.checklist)} |`,
      `| ${tracker} | ${what} | (b) intake complete | ${s(timing.complete.p50)} | ${s(timing.complete.p99)} | ` +
        `≤ ${s(t.complete)} | ${verdict(timing.complete.p99, t.complete)} |`,
    ];
  };
  const rows = results.flatMap((r) => [
    ...row(r.tracker, 'a later incident', r),
    ...row(r.tracker, "a repository's first incident", r.first.unprepared),
    ...(r.first.prepared ? row(r.tracker, "first incident, after the trigger label's creation", r.first.prepared) : []),
  ]);
  const labels = (f: FirstIncident) => {
    const adds = f.labelAdds > 0 ? `, ${f.labelAdds} write of labels after a create` : '';
    return `${f.labelWrites} label creations${adds}`;
  };
  const firstCalls = (r: IntakeTiming) =>
    [
      `${r.tracker} ${r.first.unprepared.calls} (${labels(r.first.unprepared)})`,
      ...(r.first.prepared ? [`after the preparation ${r.first.prepared.calls} (${labels(r.first.prepared)})`] : []),
    ].join(', ');
  return [
    '## Intake with production throttling',
    '',
    machine,
    `- Command: \`npm run bench -- --intake ${count}\`: ${count} intakes per tracker, one after the other (one more ` +
      'first, not counted), the real server with the production clients (Probot: writes ~1 s, notifying writes ~3 s ' +
      "apart; gitbeaker's default rate limits) against the loopback fakes; times from the trigger's delivery, s.",
    `- A repository's first incident: ${count} more intakes, each after every label of the repository but the ` +
      'trigger label was deleted (the repository as a new user has it), in the same warm server (a new ' +
      "installation would also fetch its token once); on GitHub, also after the trigger label's `label.created` " +
      "delivery, its preparation's writes over before the report is labelled.",
    `- API calls of one intake: ${results.map((r) => `${r.tracker} ${r.calls}`).join(', ')}; of a first one: ` +
      `${results.map(firstCalls).join('; ')} (one more where the kept configuration was revalidated: a conditional ` +
      'request answered 304, at most once a minute).',
    '',
    '| Tracker | Incident | Time to | p50 | p99 | Target | |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}
