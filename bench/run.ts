/**
 * `npm run bench`: the real server (`createAppServer`, in its own process on 127.0.0.1) against a fake GitHub and a
 * fake GitLab (test/support, in this process), with real signed deliveries. Per scenario alone: API calls against
 * the minimum (bench/minimums.ts) and latency. A mixed burst at several concurrencies: throughput and latency of the
 * answers and of the work, peak memory, API calls; on GitHub the same deliveries against a bare Probot app that only
 * acknowledges them (the framework's floor). `npm run bench -- --soak <seconds>`: a steady mixed stream, memory
 * sampled after GC, flat or not. Results are written into bench/RESULTS.md (each kind of run its own section).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { closedLoop, ordinaryCycles, replay, replayCycles } from './load.js';
import type { Sent, Traffic } from './load.js';
import { MINIMUM_CALLS, minimumFor } from './minimums.js';
import { measureIntakes, renderIntakes } from './intake.js';
import type { IntakeTiming } from './intake.js';
import { throttling } from '@octokit/plugin-throttling';
import {
  callShapes,
  countCalls,
  GITHUB_LIMITS,
  GITLAB_COM_LIMITS,
  memoryFlatness,
  percentile,
  summarize,
  throughput,
  trackerCeiling,
} from './stats.js';
import type { LatencySummary, MemorySample } from './stats.js';
import { startTarget } from './target-client.js';
import type { Target } from './target-client.js';
import { startWorld } from './world.js';
import { describeOrdinary, feltRun, measureOrdinaryTraffic, previousFigures, sweepDayRun } from './felt.js';
import { measureTickBurst, renderTickBurst } from './tick-burst.js';
import type { TickBurstResult } from './tick-burst.js';
import type { ScenarioName, TrackerName, UnrelatedChange, UnrelatedScenario, World } from './world.js';
import { GITHUB_ANSWER_WITHIN_MS } from '../src/server/github-composition.js';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const SCENARIOS: readonly ScenarioName[] = [
  'trigger',
  'tick',
  'comment-timeline',
  'comment-sitrep',
  'label',
  'unrelated-opened',
  'unrelated-opened-bug',
  'unrelated-edited',
  'unrelated-closed',
  'unrelated-comment',
  'unrelated-slash',
  'unrelated-label-bug',
];
/** Deliveries per scenario measured alone, one at a time. */
const ALONE_COUNT = 20;
const CONCURRENCIES = [1, 8, 32] as const;
/**
 * Deliveries per incident burst: a whole number of incidents (a trigger and 11 run events each) at every concurrency.
 */
const BURST_TOTAL = 384;
/**
 * Deliveries per ordinary burst: a whole number of cycles (an issue opened and UNRELATED_SCRIPT after it: 8; without
 * its labels: 6). Eight times the incidents' count, since each takes about a millisecond: a burst of a few seconds
 * rather than a few hundred milliseconds, which one GC pause or a busy neighbour would decide.
 */
const ORDINARY_TOTAL = 3_072;
/**
 * Rounds of an ordinary burst, the app and bare Probot taking turns (768 deliveries each: a whole number of cycles).
 */
const ORDINARY_ROUNDS = 4;
const BURST_DEADLINE_MS = 60_000;
/** GitLab is answered 202 after 8 s; GitHub after GITHUB_ANSWER_WITHIN_MS. An answer this slow was late. */
const LATE_MS = { github: GITHUB_ANSWER_WITHIN_MS - 50, gitlab: 8_000 - 50 } as const;
const SOAK_CONCURRENCY = 8;
const SOAK_RATE = 20;
const SOAK_SAMPLE_MS = 5_000;
const SOAK_MAX_SECONDS = 3_600;
/** Intakes per tracker of `--intake` when no count is given. */
const INTAKE_COUNT = 20;

interface Args {
  soak: number | null;
  /** `--intake [incidents]`: intakes with the production clients (bench/intake.ts). */
  intake: number | null;
  trackers: TrackerName[];
  /** `--felt`: only the section of what users feel; `--bursts`: only the bursts. Both by default. */
  felt: boolean;
  bursts: boolean;
  /** Incidents per tracker for the intake times (`--felt-incidents`, default 20). */
  incidents: number;
  /** `--tick-burst`: only the burst of 40 ticks on one incident (bench/tick-burst.ts). */
  tickBurst?: boolean;
  /** `--sweep-day`: only the day of sweeps with nothing due of the felt section's budget. */
  sweepDay?: boolean;
  /** `--ordinary`: only the felt section's ordinary traffic against bare Probot, logged, RESULTS.md left alone. */
  ordinary?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    soak: null,
    intake: null,
    trackers: ['github', 'gitlab'],
    felt: true,
    bursts: true,
    incidents: 20,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--soak') {
      const seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds < 10 || seconds > SOAK_MAX_SECONDS)
        throw new Error(`--soak takes seconds from 10 to ${SOAK_MAX_SECONDS}`);
      args.soak = seconds;
    } else if (a === '--intake') {
      const count = /^\d+$/.test(argv[i + 1] ?? '') ? Number(argv[++i]) : INTAKE_COUNT;
      if (count < 1 || count > 100) throw new Error('--intake takes 1 to 100 incidents');
      args.intake = count;
    } else if (a === '--tracker') {
      const t = argv[++i];
      if (t !== 'github' && t !== 'gitlab') throw new Error('--tracker is github or gitlab');
      args.trackers = [t];
    } else if (a === '--felt') args.bursts = false;
    else if (a === '--bursts') args.felt = false;
    else if (a === '--tick-burst') args.tickBurst = true;
    else if (a === '--sweep-day') args.sweepDay = true;
    else if (a === '--ordinary') args.ordinary = true;
    else if (a === '--felt-incidents') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error('--felt-incidents takes 1 to 200');
      args.incidents = n;
    } else
      throw new Error(
        `unknown argument ${a} (use --soak <seconds>, --intake [incidents], --tracker github|gitlab, --felt, ` +
          '--bursts, --tick-burst, --sweep-day, --ordinary, --felt-incidents <n>)',
      );
  }
  return args;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const rate = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const log = (text: string) => process.stderr.write(`${text}\n`);

interface AloneResult {
  scenario: ScenarioName;
  count: number;
  callsPerDelivery: number;
  minCalls: number;
  maxCalls: number;
  minimum: number;
  answer: LatencySummary;
  /** Writes per delivery that Probot's throttling counts as notifying people. */
  notifying: number;
  /** The same deliveries answered by bare Probot, each right after ours (GitHub only). */
  bare?: LatencySummary;
  shapes: Array<[string, number]>;
  errors: number;
}

/** Each scenario alone: one delivery at a time, the work awaited, the fake's log sliced per delivery. */
async function measureAlone(
  world: World,
  target: Target,
  bare: Target | null,
  tracker: TrackerName,
): Promise<AloneResult[]> {
  const results: AloneResult[] = [];
  const { ref } = await (async () => {
    const t = world.trigger();
    await world.send(target.url, t.delivery);
    await target.idle();
    return t;
  })();
  for (const scenario of SCENARIOS) {
    const calls: number[] = [];
    const latencies: number[] = [];
    const bareLatencies: number[] = [];
    let notifying = 0;
    const all: Array<{ method: string; path: string }> = [];
    let errors = 0;
    for (let i = 0; i < ALONE_COUNT; i += 1) {
      const delivery = isUnrelated(scenario)
        ? unrelatedDelivery(world, scenario, i)
        : scenario === 'trigger'
          ? world.trigger().delivery
          : scenario === 'tick'
            ? world.tick(ref, i)
            : scenario === 'label'
              ? world.label(ref)
              : scenario === 'comment-sitrep'
                ? world.comment(ref, `/sitrep Status: contained (update ${i})\nResponders: @bob`, scenario)
                : world.comment(ref, `/timeline bench note ${i}`, scenario);
      const from = world.requests.length;
      const at = performance.now();
      const status = await world.send(target.url, delivery).catch(() => 0);
      latencies.push(performance.now() - at);
      if (status !== 200) errors += 1;
      // The answer waits for the work; idle() makes sure nothing trails it.
      await target.idle();
      const slice = world.requests.slice(from);
      calls.push(countCalls(slice).total);
      all.push(...slice.filter((r) => countCalls([r]).auth === 0));
      notifying += slice.filter(isNotifying).length;
      if (bare) {
        const bareAt = performance.now();
        await world.send(bare.url, delivery).catch(() => 0);
        bareLatencies.push(performance.now() - bareAt);
      }
    }
    const minimum = MINIMUM_CALLS[tracker][scenario];
    results.push({
      scenario,
      count: calls.length,
      callsPerDelivery: calls.reduce((a, b) => a + b, 0) / calls.length,
      minCalls: Math.min(...calls),
      maxCalls: Math.max(...calls),
      minimum,
      notifying: notifying / calls.length,
      answer: summarize(latencies),
      ...(bare ? { bare: summarize(bareLatencies) } : {}),
      shapes: callShapes(all).map(([shape, n]) => [shape, n / calls.length]),
      errors,
    });
    log(`  ${tracker} alone ${scenario}: ${results.at(-1)!.callsPerDelivery.toFixed(2)} calls (min ${minimum})`);
  }
  return results;
}

/**
 * One delivery of an ordinary scenario, on an ordinary issue made for it (whose opening is not delivered: the app
 * needs to have seen nothing of it before).
 */
function unrelatedDelivery(world: World, scenario: UnrelatedScenario, i: number) {
  if (scenario === 'unrelated-opened') return world.openOrdinary([]).delivery;
  if (scenario === 'unrelated-opened-bug') return world.openOrdinary(['bug']).delivery;
  const change = scenario.slice('unrelated-'.length) as UnrelatedChange;
  return world.unrelated(world.openOrdinary([]).ref, change, i);
}

function isUnrelated(scenario: ScenarioName): scenario is UnrelatedScenario {
  return scenario.startsWith('unrelated-');
}

interface BurstResult {
  traffic: Traffic;
  concurrency: number;
  deliveries: number;
  mix: Record<string, number>;
  errors: number;
  late: number;
  answerThroughput: number;
  workThroughput: number;
  drainMs: number;
  answer: LatencySummary;
  calls: number;
  writes: number;
  /** Writes Probot's throttling counts as notifying people (spaced 3 s apart in production). */
  notifying: number;
  minimum: number;
  peakRss: number;
  peakHeap: number;
  cpuMsPerDelivery: number;
  bare?: {
    throughput: number;
    answer: LatencySummary;
    errors: number;
    peakRss: number;
    peakHeap: number;
    cpuMsPerDelivery: number;
  };
}

/** What the app did in a burst: the counts read from what was sent and from the fake's request log. */
function burstResult(
  world: World,
  tracker: TrackerName,
  traffic: Traffic,
  concurrency: number,
  sent: readonly Sent[],
  measured: {
    answerThroughput: number;
    workThroughput: number;
    drainMs: number;
    cpuMs: number;
    peak: { rss: number; heapUsed: number };
  },
): BurstResult {
  const scenarios = sent.map((s) => s.delivery.scenario);
  const mix: Record<string, number> = {};
  for (const s of scenarios) mix[s] = (mix[s] ?? 0) + 1;
  const calls = countCalls(world.requests);
  return {
    traffic,
    concurrency,
    deliveries: sent.length,
    mix,
    errors: sent.filter((s) => s.status !== 200).length,
    late: sent.filter((s) => s.answerMs >= LATE_MS[tracker]).length,
    answerThroughput: measured.answerThroughput,
    workThroughput: measured.workThroughput,
    drainMs: measured.drainMs,
    answer: summarize(sent.map((s) => s.answerMs)),
    calls: calls.total,
    writes: calls.writes,
    notifying: world.requests.filter(isNotifying).length,
    minimum: minimumFor(tracker, scenarios),
    peakRss: measured.peak.rss,
    peakHeap: measured.peak.heapUsed,
    cpuMsPerDelivery: measured.cpuMs / sent.length,
  };
}

/**
 * An ordinary burst in rounds, the app and bare Probot taking turns with the same cycles: the throughputs are the
 * medians of the rounds, so that a pause of a neighbour on a shared machine decides one round, not the ratio.
 */
async function measureOrdinaryBurst(
  world: World,
  target: Target,
  bare: Target | null,
  tracker: TrackerName,
  concurrency: number,
  traffic: Exclude<Traffic, 'incidents'>,
): Promise<BurstResult> {
  world.requests.length = 0;
  await target.peak();
  await bare?.peak();
  const ours = { sent: [] as Sent[], answer: [] as number[], work: [] as number[], cpuMs: 0, drainMs: 0 };
  const floor = { sent: [] as Sent[], answer: [] as number[], cpuMs: 0 };
  for (let round = 0; round < ORDINARY_ROUNDS; round += 1) {
    const cycles = ordinaryCycles(world, traffic, ORDINARY_TOTAL / ORDINARY_ROUNDS);
    const cpu = await target.cpuMs();
    const run = await replayCycles(world, target.url, cycles, concurrency, BURST_DEADLINE_MS);
    const idle = await target.idle();
    ours.cpuMs += (await target.cpuMs()) - cpu;
    ours.drainMs += idle.waitedMs;
    ours.sent.push(...run.sent);
    ours.answer.push(throughput(run.sent.length, run.elapsedMs));
    ours.work.push(throughput(run.sent.length, run.elapsedMs + idle.waitedMs));
    if (!bare) continue;
    const bareCpu = await bare.cpuMs();
    const other = await replayCycles(world, bare.url, cycles, concurrency, BURST_DEADLINE_MS);
    floor.cpuMs += (await bare.cpuMs()) - bareCpu;
    floor.sent.push(...other.sent);
    floor.answer.push(throughput(other.sent.length, other.elapsedMs));
  }
  const result = burstResult(world, tracker, traffic, concurrency, ours.sent, {
    answerThroughput: percentile(ours.answer, 50),
    workThroughput: percentile(ours.work, 50),
    drainMs: ours.drainMs,
    cpuMs: ours.cpuMs,
    peak: await target.peak(),
  });
  if (bare) {
    const barePeak = await bare.peak();
    result.bare = {
      throughput: percentile(floor.answer, 50),
      answer: summarize(floor.sent.map((s) => s.answerMs)),
      errors: floor.sent.filter((s) => s.status !== 200).length,
      peakRss: barePeak.rss,
      peakHeap: barePeak.heapUsed,
      cpuMsPerDelivery: floor.cpuMs / floor.sent.length,
    };
  }
  log(
    `  ${tracker} ${traffic} burst c=${concurrency}: ${rate(result.answerThroughput)}/s answered (rounds ` +
      `${ours.answer.map(rate).join(', ')})` +
      (result.bare ? `, bare ${rate(result.bare.throughput)}/s (${floor.answer.map(rate).join(', ')})` : ''),
  );
  return result;
}

async function measureBurst(
  world: World,
  target: Target,
  bare: Target | null,
  tracker: TrackerName,
  concurrency: number,
  traffic: Traffic,
): Promise<BurstResult> {
  if (traffic !== 'incidents') return measureOrdinaryBurst(world, target, bare, tracker, concurrency, traffic);
  world.requests.length = 0;
  await target.peak();
  const cpuBefore = await target.cpuMs();
  const run = await closedLoop(world, target, {
    concurrency,
    total: BURST_TOTAL,
    deadlineMs: BURST_DEADLINE_MS,
    lateMs: LATE_MS[tracker],
  });
  const idle = await target.idle();
  const workElapsedMs = run.elapsedMs + idle.waitedMs;
  const result = burstResult(world, tracker, traffic, concurrency, run.sent, {
    answerThroughput: throughput(run.sent.length, run.elapsedMs),
    workThroughput: throughput(run.sent.length, workElapsedMs),
    drainMs: idle.waitedMs,
    cpuMs: (await target.cpuMs()) - cpuBefore,
    peak: await target.peak(),
  });
  if (bare) {
    await bare.peak();
    const bareCpu = await bare.cpuMs();
    // The same bytes, in the order they were sent, at the same concurrency.
    const floor = await replay(
      world,
      bare.url,
      run.sent.map((s) => s.delivery),
      concurrency,
      BURST_DEADLINE_MS,
    );
    const barePeak = await bare.peak();
    result.bare = {
      throughput: throughput(floor.sent.length, floor.elapsedMs),
      answer: summarize(floor.sent.map((s: Sent) => s.answerMs)),
      errors: floor.sent.filter((s) => s.status !== 200).length,
      peakRss: barePeak.rss,
      peakHeap: barePeak.heapUsed,
      cpuMsPerDelivery: ((await bare.cpuMs()) - bareCpu) / floor.sent.length,
    };
  }
  log(
    `  ${tracker} ${traffic} burst c=${concurrency}: ${rate(result.answerThroughput)}/s ` +
      `answered${result.bare ? `, bare ${rate(result.bare.throughput)}/s` : ''}`,
  );
  return result;
}

/** plugin-throttling's own test of a route (the one Probot uses in production). */
const triggersNotification = (throttling as unknown as { triggersNotification(path: string): boolean })
  .triggersNotification;
const isNotifying = (r: { method: string; path: string }) =>
  countCalls([r]).writes === 1 && triggersNotification(r.path);

/** A tracker's bursts, for the note on what limits an incident in production. */
interface TrackerRun {
  tracker: TrackerName;
  alone: AloneResult[];
  incidents: BurstResult[];
  ordinary: BurstResult[];
}

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const perDelivery = (r: BurstResult) => ({
  calls: r.calls / r.deliveries,
  writes: r.writes / r.deliveries,
  notifying: r.notifying / r.deliveries,
});

/** The How-to-read note on the real ceiling: the tracker's limits against what the server did here, from this run. */
function ceilingNote(runs: readonly TrackerRun[]): string {
  const parts: string[] = [];
  for (const run of runs) {
    const limits = run.tracker === 'github' ? GITHUB_LIMITS : GITLAB_COM_LIMITS;
    const best = (rs: BurstResult[]) => rs.reduce((a, b) => (b.workThroughput > a.workThroughput ? b : a));
    const inc = best(run.incidents);
    const ord = best(run.ordinary);
    const incCeiling = trackerCeiling(inc, limits);
    const ordCeiling = trackerCeiling(ord, limits);
    const p = perDelivery(inc);
    const ordCalls = perDelivery(ord).calls;
    const intake = run.alone.find((r) => r.scenario === 'trigger');
    if (run.tracker === 'github') {
      parts.push(
        `On GitHub the incident mix makes ${p.calls.toFixed(2)} API calls per delivery ` +
          `(${p.writes.toFixed(2)} writes, ${p.notifying.toFixed(2)} of them notifying): the rate limit lets about ` +
          `${incCeiling.perSecond.toFixed(2)} such deliveries/s through per installation ` +
          `(${int(incCeiling.perSecond * 3600)} an hour; the tightest bound is the ${incCeiling.bound}), ` +
          `against ${rate(inc.workThroughput)}/s done here at ${inc.concurrency} in flight, ` +
          `${int(inc.workThroughput / incCeiling.perSecond)} times more. ` +
          (intake
            ? `An intake alone makes ${intake.callsPerDelivery.toFixed(0)} calls, ` +
              `${intake.notifying.toFixed(0)} of them notifying: ` +
              `at least ${((intake.notifying - 1) * 3).toFixed(0)} s of Probot's spacing before its last write.`
            : '') +
          ` Ordinary issues (${ordCalls.toFixed(2)} calls per delivery, reads only) pass at about ` +
          `${ordCeiling.perSecond.toFixed(1)}/s per installation against ${int(ord.workThroughput)}/s here.`,
      );
    } else {
      parts.push(
        `On GitLab.com the incident mix (${p.calls.toFixed(2)} calls per delivery) passes at about ` +
          `${incCeiling.perSecond.toFixed(1)} deliveries/s for the app's user, against ` +
          `${rate(inc.workThroughput)}/s done here at ${inc.concurrency} in flight ` +
          `(${int(inc.workThroughput / incCeiling.perSecond)} times more); ordinary issues ` +
          `(${ordCalls.toFixed(2)} calls each) at about ${int(ordCeiling.perSecond)}/s against ` +
          `${int(ord.workThroughput)}/s here.`,
      );
    }
  }
  return [
    '- **What limits an incident in production is the tracker, not this process.** GitHub allows an installation 5,000',
    '  requests an hour (about 1.4/s; more for large organisations), its secondary limits cap content creation (80',
    "  requests a minute, 500 an hour), and Probot's throttling, on in production, spaces an installation's writes 1 s",
    '  apart and those that notify people (new issues, comments, sub-issues) 3 s apart. GitLab.com allows 2,000 API',
    '  requests a minute per user (about 33/s); a self-managed instance sets its own.',
    ...parts.map((t) => wrap(t, '  ')),
    "  So the server's CPU is not what bounds an incident: one process keeps up with many installations, each at its",
    "  own limit, and the speed of an incident is the tracker's pace.",
  ].join('\n');
}

/** Wraps `text` at 116 columns, each line indented. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > 116) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function machine(): string {
  const cpu = (() => {
    try {
      return (
        /model name\s*:\s*(?<model>.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.groups?.model ??
        os.cpus()[0]?.model ??
        'unknown'
      );
    } catch {
      return os.cpus()[0]?.model ?? 'unknown';
    }
  })();
  const nproc = (() => {
    try {
      return execFileSync('nproc', { encoding: 'utf8' }).trim();
    } catch {
      return String(os.availableParallelism());
    }
  })();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${nproc} CPUs (nproc), ${cpu}, ${mib(os.totalmem())} MiB memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version}`,
  ].join('\n');
}

function renderAlone(tracker: TrackerName, results: AloneResult[]): string {
  const withBare = results.some((r) => r.bare);
  const lines = [
    `#### ${tracker === 'github' ? 'GitHub' : 'GitLab'}: each scenario alone (${ALONE_COUNT} deliveries, one at a ` +
      `time${withBare ? '; each also to bare Probot' : ''})`,
    '',
    `| scenario | API calls per delivery (min–max) | minimum | above minimum | answer p50 ms | answer p99 ms ` +
      `|${withBare ? ' bare p50 ms |' : ''} errors |`,
    `| --- | --- | --- | --- | --- | --- |${withBare ? ' --- |' : ''} --- |`,
  ];
  for (const r of results) {
    const above = r.callsPerDelivery - r.minimum;
    lines.push(
      `| ${r.scenario} | ${r.callsPerDelivery.toFixed(2)} (${r.minCalls}–${r.maxCalls}) | ${r.minimum} | ` +
        `${above > 1 ? '**' : ''}${above >= 0 ? '+' : ''}${above.toFixed(2)}${above > 1 ? '**' : ''} | ` +
        `${ms(r.answer.p50)} | ${ms(r.answer.p99)} |` +
        `${withBare ? ` ${r.bare ? ms(r.bare.p50) : '–'} |` : ''} ${r.errors} |`,
    );
  }
  lines.push('', '<details><summary>Calls per delivery by route</summary>', '');
  for (const r of results) {
    const shapes = r.shapes.map(([shape, n]) => `${Number.isInteger(n) ? n : n.toFixed(2)}× \`${shape}\``);
    lines.push(`- **${r.scenario}**: ${r.shapes.length === 0 ? 'none' : ''}${shapes.join(', ')}`);
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}

function renderBursts(tracker: TrackerName, results: BurstResult[]): string {
  const name = tracker === 'github' ? 'GitHub' : 'GitLab';
  const traffic = results[0]?.traffic ?? 'incidents';
  const mix = results[0]
    ? Object.entries(results[0].mix)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')
    : '';
  const what =
    traffic === 'unrelated'
      ? 'ordinary issues, no incident'
      : traffic === 'unlabeled'
        ? 'ordinary issues without labels, no API call needed'
        : 'mixed burst';
  const ordinary =
    traffic === 'unrelated' ? ', ordinary issues' : traffic === 'unlabeled' ? ', ordinary issues without labels' : '';
  const lines = [
    `#### ${name}: ${what} (${results[0]?.deliveries ?? 0} deliveries: ${mix})`,
    '',
    '| in flight | answered /s | work done /s | answer p50 ms | answer p99 ms | late answers | errors | API calls ' +
      '(minimum) | per delivery above minimum | peak RSS MiB | peak heap MiB | CPU ms per delivery |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const above = (r.calls - r.minimum) / r.deliveries;
    lines.push(
      `| ${r.concurrency} | ${rate(r.answerThroughput)} | ${rate(r.workThroughput)} | ${ms(r.answer.p50)} | ` +
        `${ms(r.answer.p99)} | ${r.late} | ${r.errors} | ${r.calls} (${r.minimum}) | +${above.toFixed(2)} | ` +
        `${mib(r.peakRss)} | ${mib(r.peakHeap)} | ${r.cpuMsPerDelivery.toFixed(2)} |`,
    );
  }
  if (results.some((r) => r.bare)) {
    lines.push(
      '',
      `#### ${name}${ordinary}: the same deliveries against a bare Probot app (acknowledges only)`,
      '',
      '| in flight | bare answered /s | ours answered /s | ratio (ours / bare) | target ≥ 0.8 | bare p50 ms | bare ' +
        'p99 ms | bare peak RSS MiB | bare CPU ms per delivery | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of results) {
      if (!r.bare) continue;
      const ratio = r.answerThroughput / r.bare.throughput;
      lines.push(
        `| ${r.concurrency} | ${rate(r.bare.throughput)} | ${rate(r.answerThroughput)} | ${ratio.toFixed(2)} | ` +
          `${ratio >= 0.8 ? 'met' : '**missed**'} | ${ms(r.bare.answer.p50)} | ${ms(r.bare.answer.p99)} | ` +
          `${mib(r.bare.peakRss)} | ${r.bare.cpuMsPerDelivery.toFixed(2)} | ${r.bare.errors} |`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

const how = (runs: readonly TrackerRun[]) =>
  `How to read these numbers:
- The server under test runs in its own process (\`bench/target.ts\`), so its memory and CPU are its own; the fake
  trackers, their stores and the load generator run in the bench's process. Everything is on 127.0.0.1.
- Probot's throttling is **off** (and its retries), as in the end-to-end tests (\`quietOctokit()\`): in production it
  spaces writes 1 s apart (3 s for those that notify people) on purpose, which would make every number here a
  measure of that pause. gitbeaker's client-side rate limits are lifted likewise. Against real GitHub or GitLab
  every call costs a network round trip (~50–300 ms) instead of ~1 ms here, so real throughput per incident is
  bound by the API, not by this process (the last note puts numbers on it).
- *Answered /s* counts the webhook answers. The GitHub route answers when the work is done or after
  ${GITHUB_ANSWER_WITHIN_MS / 1000} s, whichever comes first; the GitLab route after the work or 202 after 8 s. So an
  answer here includes the work against the fake, and *answer latency is the work's latency* for every answer that
  was not late (the *late answers* column counts the others). *Work done /s* counts until the server's work queue
  is idle (\`idle()\`) after the last answer.
- The bare Probot app verifies the same signatures and routes the same events to a handler that does nothing: its
  throughput is the framework's floor, and the ratio compares an answer that includes the work with one that does not.
- API calls are counted from the fake's request log; authentication (installation tokens, the app's identity, read
  once per process) is left out. The minimum per scenario is reasoned in \`bench/minimums.ts\`.
- Each incident burst is closed loop: N workers, each running incidents one after another (a trigger, then 11 run
  events on it), each sending its next delivery when the previous one is answered, built from the fake's current
  state. Ordinary issues are built ahead (the app keeps nothing of them) and sent the same way, per issue, to the
  app and to bare Probot, in ${ORDINARY_ROUNDS} rounds of ${ORDINARY_TOTAL / ORDINARY_ROUNDS} taking turns; their ` +
  `throughputs are the
  medians of the rounds (one pause of a neighbour on a shared machine then decides one round, not the ratio).
- The ordinary-issue bursts are the traffic an installation mostly gets: issues of the same configured repository
  with nothing to do with an incident (each worker opens one without labels, comments twice, adds \`bug\`, writes
  \`/assign me\`, edits and closes it, then opens another with \`bug\`). They need no call but the configuration when a
  label could be the trigger (bench/minimums.ts), so a quarter of them wait for one read of the configuration,
  which is not cached on purpose (a change takes effect at the next event). The same traffic without the two label
  deliveries needs no call at all: there the ratio to bare Probot measures only the app's own overhead. An
  incident's ratio cannot come near either: its answer waits for 5–15 API calls, bare Probot's for none.
${ceilingNote(runs)}`;

function replaceSection(name: string, content: string): void {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nWritten by `npm run bench` (bursts) and `npm run bench -- --soak <seconds>` (soak); ' +
      'each run replaces its own section.\n\n<!-- bench:burst:begin -->\n<!-- bench:burst:end -->\n\n<!-- ' +
      'bench:soak:begin -->\n<!-- bench:soak:end -->\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) text += `\n${begin}\n${end}\n`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  text = `${text.slice(0, a + begin.length)}\n${content}\n${text.slice(b)}`;
  writeFileSync(RESULTS, text);
}

async function burstRun(trackers: TrackerName[]): Promise<void> {
  const started = performance.now();
  const sections: string[] = [];
  const runs: TrackerRun[] = [];
  for (const tracker of trackers) {
    log(`${tracker}: starting`);
    const world = await startWorld(tracker);
    const target = await startTarget({ ...world.env, BENCH_TARGET: 'app' });
    const bare = tracker === 'github' ? await startTarget({ ...world.env, BENCH_TARGET: 'bare' }) : null;
    try {
      // Warm-up, not counted: JIT, the installation token, connection pools; bare Probot's too.
      const warm = await closedLoop(world, target, {
        concurrency: 2,
        total: 48,
        deadlineMs: 30_000,
        lateMs: LATE_MS[tracker],
      });
      if (bare)
        await replay(
          world,
          bare.url,
          warm.sent.map((s) => s.delivery),
          2,
          30_000,
        );
      const warmOrdinary = ordinaryCycles(world, 'unrelated', 480);
      await replayCycles(world, target.url, warmOrdinary, 2, 30_000);
      if (bare) await replayCycles(world, bare.url, warmOrdinary, 2, 30_000);
      await target.idle();
      const alone = await measureAlone(world, target, bare, tracker);
      const bursts: BurstResult[] = [];
      for (const c of CONCURRENCIES) bursts.push(await measureBurst(world, target, bare, tracker, c, 'incidents'));
      const ordinary: BurstResult[] = [];
      for (const c of CONCURRENCIES) ordinary.push(await measureBurst(world, target, bare, tracker, c, 'unrelated'));
      const unlabeled: BurstResult[] = [];
      for (const c of CONCURRENCIES) unlabeled.push(await measureBurst(world, target, bare, tracker, c, 'unlabeled'));
      sections.push(
        renderAlone(tracker, alone),
        renderBursts(tracker, bursts),
        renderBursts(tracker, ordinary),
        renderBursts(tracker, unlabeled),
      );
      runs.push({ tracker, alone, incidents: bursts, ordinary });
    } finally {
      await target.stop();
      await bare?.stop();
      await world.close();
    }
  }
  replaceSection(
    'burst',
    [
      '## Bursts',
      '',
      machine(),
      `- Command: \`npm run bench\`${trackers.length === 1 ? ` -- --tracker ${trackers[0]}` : ''} (took ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s)`,
      '',
      how(runs),
      '',
      ...sections,
    ].join('\n'),
  );
}

async function intakeRun(count: number, trackers: TrackerName[]): Promise<void> {
  const results: IntakeTiming[] = [];
  for (const tracker of trackers) {
    log(`${tracker}: ${count} intakes with the production clients`);
    results.push(await measureIntakes(tracker, count));
  }
  replaceSection('intake', renderIntakes(results, count, machine()));
}

async function soakRun(seconds: number, tracker: TrackerName): Promise<void> {
  const world = await startWorld(tracker);
  const target = await startTarget({ ...world.env, BENCH_TARGET: 'app' });
  const samples: MemorySample[] = [];
  let stop = false;
  let forgotten = 0;
  try {
    const start = performance.now();
    const sampler = (async () => {
      while (!stop) {
        const m = await target.memory(true);
        samples.push({ atS: (performance.now() - start) / 1000, rss: m.rss, heapUsed: m.heapUsed });
        log(`  soak ${samples.at(-1)!.atS.toFixed(0)} s: heap ${mib(m.heapUsed)} MiB, rss ${mib(m.rss)} MiB`);
        // The request log is only needed per phase; a long soak would otherwise grow this process.
        world.requests.length = 0;
        const until = performance.now() + SOAK_SAMPLE_MS;
        while (!stop && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const run = await closedLoop(world, target, {
      concurrency: SOAK_CONCURRENCY,
      ratePerSecond: SOAK_RATE,
      total: Math.ceil(seconds * SOAK_RATE * 1.05),
      deadlineMs: seconds * 1000,
      lateMs: LATE_MS[tracker],
      // Forgotten once done, so that the fake's store (in this process) and its cost stay the same.
      incidentDone: (master, late) => {
        if (late) return;
        world.forget(master);
        forgotten += 1;
      },
    });
    await target.idle();
    stop = true;
    await sampler;
    const last = await target.memory(true);
    samples.push({ atS: (performance.now() - start) / 1000, rss: last.rss, heapUsed: last.heapUsed });
    const verdict = memoryFlatness(samples);
    const answer = summarize(run.sent.map((s) => s.answerMs));
    const errors = run.sent.filter((s) => s.status !== 200).length;
    const late = run.sent.filter((s) => s.answerMs >= LATE_MS[tracker]).length;
    const table = samples.filter(
      (_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0 || i === samples.length - 1,
    );
    replaceSection(
      'soak',
      [
        `## Soak (${tracker === 'github' ? 'GitHub' : 'GitLab'}, ${seconds} s)`,
        '',
        machine(),
        `- Command: \`npm run bench -- --soak ${seconds}\` (the server process always runs with \`--expose-gc\`)`,
        `- A steady mixed stream: ${SOAK_CONCURRENCY} workers, at most ${SOAK_RATE} deliveries/s, incidents as in ` +
          `the bursts (forgotten from the fake once done: ${forgotten}).`,
        `- Memory of the server process sampled every ${SOAK_SAMPLE_MS / 1000} s after a full GC (\`global.gc\`).`,
        '',
        '| deliveries | answered /s | answer p50 ms | answer p99 ms | late | errors | heap slope, 2nd half | heap, ' +
          'last − first quartile | RSS, last − first quartile | flat (slope < 1 MiB/min and growth < 10 MiB) |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        `| ${run.sent.length} | ${rate(throughput(run.sent.length, run.elapsedMs))} | ${ms(answer.p50)} | ` +
          `${ms(answer.p99)} | ${late} | ${errors} | ${(verdict.slopePerMinute / 1024).toFixed(1)} KiB/min | ` +
          `${mib(verdict.firstToLastQuartile)} MiB | ${mib(verdict.rssFirstToLastQuartile)} MiB | ` +
          `${verdict.flat ? 'yes' : '**no**'} |`,
        '',
        '| at s | heap after GC MiB | RSS MiB |',
        '| --- | --- | --- |',
        ...table.map((s) => `| ${s.atS.toFixed(0)} | ${mib(s.heapUsed)} | ${mib(s.rss)} |`),
        '',
      ].join('\n'),
    );
    log(
      `soak: ${run.sent.length} deliveries, heap slope ${(verdict.slopePerMinute / 1024).toFixed(1)} KiB/min, flat: ` +
        `${verdict.flat}`,
    );
  } finally {
    stop = true;
    await target.stop();
    await world.close();
  }
}

/** The burst of 40 ticks on one incident, one replica and two on one Redis, per tracker. */
async function tickBurstRun(trackers: TrackerName[]): Promise<void> {
  const results: TickBurstResult[] = [];
  for (const tracker of trackers)
    for (const replicas of [1, 2] as const) {
      log(`${tracker}: 40 ticks in 2 s, ${replicas} replica(s)`);
      const result = await measureTickBurst(tracker, replicas);
      log(`  ${result.writes} writes, reflected ${result.reflectMs.toFixed(0)} ms after the last tick`);
      results.push(result);
    }
  const command = `npm run bench -- --tick-burst${trackers.length === 1 ? ` --tracker ${trackers[0]}` : ''}`;
  replaceSection('tick-burst', renderTickBurst(results, command));
}

const args = parseArgs(process.argv.slice(2));
if (args.soak !== null) await soakRun(args.soak, args.trackers[0]!);
else if (args.tickBurst) await tickBurstRun(args.trackers);
else if (args.sweepDay)
  replaceSection('sweep-day', await sweepDayRun(args.trackers, previousFigures(RESULTS, 'sweep-day')));
else if (args.ordinary) {
  // A part of the felt section: logged only, so that RESULTS.md keeps the whole section of one run.
  for (const o of await measureOrdinaryTraffic()) {
    const ratio = `${o.ratio.toFixed(2)} × bare Probot`;
    log(`github: ordinary traffic at ${o.concurrency} in flight: ${ratio}; ${describeOrdinary(o)}`);
  }
} else if (args.intake !== null) await intakeRun(args.intake, args.trackers);
else {
  if (args.bursts) await burstRun(args.trackers);
  if (args.felt) replaceSection('felt', await feltRun(args.trackers, args.incidents, previousFigures(RESULTS)));
}
if (!args.ordinary) log(`results in ${RESULTS}`);
