/**
 * What users feel (issue 15): the production server's clients (Probot's throttling and retries on, gitbeaker's rate
 * limits) and a new connection per delivery, as GitHub and GitLab deliver. Per tracker: the time from the trigger's
 * delivery to the master's checklist being visible and to the intake being complete (p50/p99 over a series of
 * incidents, one after another); a burst of 40 ticks within 2 s on one incident (the app's writes, the time until all
 * are reflected); the API calls of a whole incident (intake, 50 ticks, 20 commands, 24 h of sweeps) against the rate
 * limits; and on GitHub the throughput of ordinary traffic against bare Probot, both in production form.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { PAUSE_MS } from './intake.js';
import { burstOrder, reflectedTicks } from './tick-burst.js';
import { ordinaryCycles } from './load.js';
import {
  callShapes,
  countCalls,
  isAuthRequest,
  GITHUB_LIMITS,
  GITLAB_COM_LIMITS,
  percentile,
  summarize,
  throughput,
} from './stats.js';
import type { LoggedRequest } from './stats.js';
import { startTarget } from './target-client.js';
import type { Target } from './target-client.js';
import { startWorld } from './world.js';
import type { Delivery, TrackerName, World } from './world.js';

const log = (text: string) => process.stderr.write(`${text}\n`);
const POLL_MS = 5;
const BURST_TICKS = 40;
const BURST_SPREAD_MS = 2_000;
/** How long the bench waits for a burst to be reflected before it says it was not. */
const BURST_CAP_MS = { github: 240_000, gitlab: 60_000 } as const;
const ORDINARY_PER_ROUND = 160;
/** Short rounds taking turns, the order swapped every round: a neighbour's burst then skews a round, not the median. */
const ORDINARY_ROUNDS = 6;
const CONCURRENCIES = [1, 8, 32] as const;

/** The figures of one run, kept in RESULTS.md so that the next run shows them as the previous one. */
export interface FeltFigures {
  [key: string]: number | null;
}

/** The load of the machine (1-minute average) and how many CPUs it has, written next to every measurement. */
function load(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' })
      .trim()
      .replace(/^.*load average:\s*/, 'load ');
  } catch {
    return 'load unknown';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hasChecklist = (body: string) => body.includes('<!-- step:');
/** Requests that are the app's work: not its authentication. */
const work = (requests: readonly LoggedRequest[]) => countCalls(requests);
/** Writes that notify people (GitHub spaces them ~3 s apart): new issues and comments. */
const notifying = (requests: readonly LoggedRequest[]) =>
  requests.filter(
    (r) =>
      r.method === 'POST' &&
      (/\/issues$/.test(r.path.split('?')[0]!) || /\/(?:comments|notes)$/.test(r.path.split('?')[0]!)),
  ).length;

/** Waits until `done()` or `capMs`; answers the ms waited, or null when the cap came first. */
async function until(done: () => boolean, capMs: number): Promise<number | null> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > capMs) return null;
    await sleep(POLL_MS);
  }
  return performance.now() - start;
}

interface IntakeTimes {
  visible: number[];
  complete: number[];
  load: string;
}

/**
 * `n` intakes one after another: trigger delivered → checklist on the master → the app's work all done. A pause before
 * each (as `--intake` makes): sent back to back, the next trigger's first write would wait for the previous intake's
 * last write plus Probot's write spacing, one installation's limiter being shared, a wait no single report meets.
 */
async function measureIntakes(world: World, target: Target, n: number): Promise<IntakeTimes> {
  const times: IntakeTimes = { visible: [], complete: [], load: load() };
  for (let i = 0; i < n; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    const { delivery, ref } = world.trigger();
    const start = performance.now();
    const answered = world.send(target.url, delivery, { newConnection: true });
    const visible = await until(() => hasChecklist(world.store.issue(ref).body), 120_000);
    await answered;
    await target.idle();
    times.visible.push(visible ?? Number.POSITIVE_INFINITY);
    times.complete.push(performance.now() - start);
    log(
      `    intake ${i + 1}/${n}: checklist ${visible?.toFixed(0)} ms, complete ${times.complete.at(-1)!.toFixed(0)} ms`,
    );
  }
  return times;
}

interface BurstFigures {
  ticks: number;
  writes: number;
  /** From the last tick sent to every tick on the master; null when not within the cap. */
  reflectMs: number | null;
  load: string;
}

/**
 * One incident, then `BURST_TICKS` ticks within `BURST_SPREAD_MS` (the boxes the publication gate leaves alone, as
 * `--tick-burst` picks them); reflected when every tick is a line of the master's timeline.
 */
async function measureTickBurst(world: World, target: Target, tracker: TrackerName): Promise<BurstFigures> {
  const { delivery, ref } = world.trigger();
  await world.send(target.url, delivery, { newConnection: true });
  await target.idle();
  const order = burstOrder(world.store.issue(ref).body, BURST_TICKS);
  const reflectedBefore = reflectedTicks(world, ref);
  const before = world.requests.length;
  const sends: Array<Promise<number>> = [];
  for (const n of order) {
    sends.push(world.send(target.url, world.tick(ref, n), { newConnection: true }).catch(() => 0));
    await sleep(BURST_SPREAD_MS / order.length);
  }
  const figures: BurstFigures = { ticks: order.length, writes: 0, reflectMs: null, load: load() };
  figures.reflectMs = await until(
    () => reflectedTicks(world, ref) - reflectedBefore >= order.length,
    BURST_CAP_MS[tracker],
  );
  await Promise.all(sends);
  await target.idle();
  figures.writes = work(world.requests.slice(before)).writes;
  return figures;
}

export interface Budget {
  intake: number;
  ticks: number;
  commands: number;
  /** The first sweep after the incident's events (they make it list, and look again at what they changed). */
  settle: number;
  sweeps: number;
  sweepListings: number;
  /** Of `sweeps`, conditional requests answered 304 (which GitHub's rate limit does not count). */
  sweepsNotModified: number;
  /** The requests of the 24 h of sweeps. */
  day: LoggedRequest[];
  notifying: number;
}

/**
 * The API calls of a whole incident: its intake, 50 ticks, 20 `/timeline` commands one after another, then 24 h of
 * sweeps every minute with nothing due (the sweep's clock, not the wall's). Nothing due: the Incident Manager sets the
 * severity low and posts a situation report first (else a sitrep is due every hour until the severity is assessed,
 * issue 13), and the first sweep after these events, which they make list, is counted apart.
 */
export async function measureBudget(world: World, target: Target): Promise<Budget> {
  const mark = () => world.requests.length;
  const between = (from: number) => world.requests.slice(from);
  let from = mark();
  const { delivery, ref } = world.trigger();
  await world.send(target.url, delivery);
  await target.idle();
  const intake = work(between(from)).total;
  let all = between(from);
  from = mark();
  for (let n = 0; n < 50; n += 1) {
    await world.send(target.url, world.tick(ref, n % 20));
    await target.idle();
  }
  const ticks = work(between(from)).total;
  all = [...all, ...between(from)];
  from = mark();
  for (let n = 0; n < 20; n += 1) {
    await world.send(target.url, world.comment(ref, `/timeline Checked the logs (${n})`, 'comment-timeline'));
    await target.idle();
  }
  const commands = work(between(from)).total;
  all = [...all, ...between(from)];
  // Nothing due for a day: severity low (a situation report a day), and one posted now.
  await world.send(target.url, world.comment(ref, '/severity low', 'comment-timeline'));
  await world.send(target.url, world.comment(ref, '/sitrep Status: contained\nNext steps: patch', 'comment-sitrep'));
  await target.idle();
  const start = Date.now();
  from = mark();
  await target.sweep(new Date(start));
  const settle = work(between(from)).total;
  from = mark();
  let listings = 0;
  for (let minute = 1; minute <= 24 * 60; minute += 1) {
    const report = await target.sweep(new Date(start + minute * 60_000));
    if (report && report.masters > 0) listings += 1;
  }
  const day = between(from);
  return {
    intake,
    ticks,
    commands,
    settle,
    sweeps: work(day).total,
    sweepListings: listings,
    sweepsNotModified: day.filter((r) => (r as { status?: number }).status === 304).length,
    day,
    notifying: notifying(all),
  };
}

export interface OrdinaryFigures {
  concurrency: number;
  app: number;
  bare: number;
  /** Median of the per-round ratios (each round: the app, then bare Probot, the same deliveries). */
  ratio: number;
  appP99: number;
  bareP99: number;
  appCpuMs: number;
  bareCpuMs: number;
  load: string;
}

/** Sends cycles of ordinary deliveries, each on a new connection, `concurrency` cycles at a time. */
async function replayFresh(
  world: World,
  url: string,
  cycles: readonly Delivery[][],
  concurrency: number,
): Promise<{ answers: number[]; elapsedMs: number; errors: number }> {
  const answers: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < cycles.length) {
      for (const delivery of cycles[next++]!) {
        const at = performance.now();
        const status = await world.send(url, delivery, { newConnection: true }).catch(() => 0);
        if (status < 200 || status >= 300) errors += 1;
        answers.push(performance.now() - at);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { answers, elapsedMs: performance.now() - start, errors };
}

async function measureOrdinary(world: World, app: Target, bare: Target, concurrency: number): Promise<OrdinaryFigures> {
  const ratios: number[] = [];
  const appRates: number[] = [];
  const bareRates: number[] = [];
  const appAnswers: number[] = [];
  const bareAnswers: number[] = [];
  let appCpu = 0;
  let bareCpu = 0;
  let sent = 0;
  const figuresLoad = load();
  for (let round = 0; round < ORDINARY_ROUNDS; round += 1) {
    const cycles = ordinaryCycles(world, 'unrelated', ORDINARY_PER_ROUND);
    const runApp = async () => {
      const a0 = await app.cpuMs();
      const run = await replayFresh(world, app.url, cycles, concurrency);
      await app.idle();
      appCpu += (await app.cpuMs()) - a0;
      return run;
    };
    const runBare = async () => {
      const b0 = await bare.cpuMs();
      const run = await replayFresh(world, bare.url, cycles, concurrency);
      bareCpu += (await bare.cpuMs()) - b0;
      return run;
    };
    let ours: Awaited<ReturnType<typeof replayFresh>>;
    let theirs: Awaited<ReturnType<typeof replayFresh>>;
    if (round % 2 === 0) {
      ours = await runApp();
      theirs = await runBare();
    } else {
      theirs = await runBare();
      ours = await runApp();
    }
    sent += ours.answers.length;
    const a = throughput(ours.answers.length, ours.elapsedMs);
    const b = throughput(theirs.answers.length, theirs.elapsedMs);
    appRates.push(a);
    bareRates.push(b);
    ratios.push(a / b);
    appAnswers.push(...ours.answers);
    bareAnswers.push(...theirs.answers);
    if (ours.errors + theirs.errors > 0) log(`    errors: app ${ours.errors}, bare ${theirs.errors}`);
  }
  const figures: OrdinaryFigures = {
    concurrency,
    app: percentile(appRates, 50),
    bare: percentile(bareRates, 50),
    ratio: percentile(ratios, 50),
    appP99: summarize(appAnswers).p99,
    bareP99: summarize(bareAnswers).p99,
    appCpuMs: appCpu / sent,
    bareCpuMs: bareCpu / sent,
    load: figuresLoad,
  };
  log(
    `  ordinary c=${concurrency}: app ${figures.app.toFixed(0)}/s, bare ${figures.bare.toFixed(0)}/s, ` +
      `ratio ${figures.ratio.toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
  return figures;
}

/**
 * Ordinary traffic on GitHub against bare Probot, both as in production (`BENCH_PRODUCTION=1`), each in a process of
 * its own after a warm-up, at each of CONCURRENCIES in flight. `npm run bench -- --ordinary` runs only this part
 * (with `BENCH_CPU_PROF=<dir>`, each process writes a CPU profile there).
 */
export async function measureOrdinaryTraffic(): Promise<OrdinaryFigures[]> {
  const world = await startWorld('github');
  const app = await startTarget({ ...world.env, BENCH_TARGET: 'app', BENCH_PRODUCTION: '1' });
  const bare = await startTarget({ ...world.env, BENCH_TARGET: 'bare', BENCH_PRODUCTION: '1' });
  try {
    const warm = ordinaryCycles(world, 'unrelated', 240);
    await replayFresh(world, app.url, warm, 4);
    await replayFresh(world, bare.url, warm, 4);
    const figures: OrdinaryFigures[] = [];
    for (const c of CONCURRENCIES) figures.push(await measureOrdinary(world, app, bare, c));
    return figures;
  } finally {
    await app.stop();
    await bare.stop();
    await world.close();
  }
}

/** One measurement of ordinary traffic in a line: throughputs, p99s, CPU per delivery and the machine's load. */
export function describeOrdinary(o: OrdinaryFigures): string {
  return (
    `${o.app.toFixed(0)} vs ${o.bare.toFixed(0)} deliveries/s; p99 ${o.appP99.toFixed(1)} vs ` +
    `${o.bareP99.toFixed(1)} ms; CPU ${o.appCpuMs.toFixed(2)} vs ${o.bareCpuMs.toFixed(2)} ms/delivery; ${o.load}`
  );
}

/** The figures the previous run kept in RESULTS.md (in the section's hidden line), if any. */
export function previousFigures(results: string, name = 'felt'): FeltFigures {
  if (!existsSync(results)) return {};
  const match = new RegExp(`<!-- ${name}-figures (?<json>\\{.*\\}) -->`).exec(readFileSync(results, 'utf8'));
  try {
    return match?.groups ? (JSON.parse(match.groups.json!) as FeltFigures) : {};
  } catch {
    return {};
  }
}

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? '–' : Number.isFinite(v) ? v.toFixed(digits) : 'not within the cap';

/** Runs the section on `trackers`; answers its markdown (with the figures for the next run) . */
export async function feltRun(trackers: TrackerName[], incidents: number, previous: FeltFigures): Promise<string> {
  const figures: FeltFigures = {};
  const rows: string[] = [];
  const row = (figure: string, key: string, value: number | null, target: string, digits = 0, note = '') => {
    figures[key] = value;
    rows.push(`| ${figure} | ${fmt(value, digits)} | ${target} | ${fmt(previous[key], digits)} | ${note} |`);
  };
  for (const tracker of trackers) {
    log(`${tracker}: what users feel`);
    // Production clients: intakes, the burst.
    {
      const world = await startWorld(tracker);
      const target = await startTarget({ ...world.env, BENCH_TARGET: 'app', BENCH_PRODUCTION: '1' });
      try {
        // Warm-up, not counted: the installation token, the configuration, the JIT.
        const warm = world.trigger();
        await world.send(target.url, warm.delivery, { newConnection: true });
        await target.idle();
        const intakes = await measureIntakes(world, target, incidents);
        const visible = summarize(intakes.visible);
        const complete = summarize(intakes.complete);
        const checklistTarget = tracker === 'github' ? '≤ 1000 (before: ≈ 15000)' : '≤ 1000';
        const completeTarget = tracker === 'github' ? '≤ 8000 (before: ≈ 16000–18000)' : '≤ 1000';
        row(
          `${tracker}: checklist visible, p50 ms`,
          `${tracker}.visible.p50`,
          visible.p50,
          checklistTarget,
          0,
          intakes.load,
        );
        row(`${tracker}: checklist visible, p99 ms`, `${tracker}.visible.p99`, visible.p99, checklistTarget);
        row(`${tracker}: intake complete, p50 ms`, `${tracker}.complete.p50`, complete.p50, completeTarget);
        row(`${tracker}: intake complete, p99 ms`, `${tracker}.complete.p99`, complete.p99, completeTarget);
        const burst = await measureTickBurst(world, target, tracker);
        row(
          `${tracker}: ${burst.ticks} ticks in 2 s, app writes`,
          `${tracker}.burst.writes`,
          burst.writes,
          '≤ 10 (before: 78 with two replicas)',
          0,
          burst.load,
        );
        row(
          `${tracker}: ${burst.ticks} ticks, ms from the last to all reflected`,
          `${tracker}.burst.reflect`,
          burst.reflectMs,
          // On GitHub: within the write spacing's minimum for that many writes, and one more interval (--tick-burst).
          tracker === 'github' ? `≤ ${Math.max(0, burst.writes - 1) + 1} s (writes − 1, + 1 s)` : '≤ 5000',
        );
      } finally {
        await target.stop();
        await world.close();
      }
    }
    // Calls are the same with or without throttling: the whole incident's budget on the quiet clients.
    {
      const world = await startWorld(tracker);
      const target = await startTarget({ ...world.env, BENCH_TARGET: 'app' });
      try {
        const budget = await measureBudget(world, target);
        const limits = tracker === 'github' ? GITHUB_LIMITS : GITLAB_COM_LIMITS;
        const perHour = limits.callsPerSecond * 3_600;
        const events = budget.intake + budget.ticks + budget.commands;
        row(`${tracker}: calls of the intake`, `${tracker}.budget.intake`, budget.intake, '—');
        row(`${tracker}: calls of 50 ticks`, `${tracker}.budget.ticks`, budget.ticks, '—');
        row(`${tracker}: calls of 20 commands`, `${tracker}.budget.commands`, budget.commands, '—');
        row(
          `${tracker}: notifying writes of the above`,
          `${tracker}.budget.notifying`,
          budget.notifying,
          '—',
          0,
          tracker === 'github' ? '~3 s apart each under the throttling' : '',
        );
        row(
          `${tracker}: share of an hour's rate limit (${perHour.toFixed(0)} calls) of the above`,
          `${tracker}.budget.share`,
          (100 * events) / perHour,
          '—',
          1,
          '%',
        );
        row(
          `${tracker}: calls of the first sweep after the events above`,
          `${tracker}.budget.settle`,
          budget.settle,
          '—',
        );
        row(
          `${tracker}: calls of the next 24 h of sweeps (every minute), nothing due`,
          `${tracker}.budget.sweeps`,
          budget.sweeps,
          '≤ 24 per installation',
          0,
          `${budget.sweepListings} listings` +
            (budget.sweepsNotModified > 0
              ? `; ${budget.sweepsNotModified} of the calls answered 304 (not counted by GitHub's rate limit)`
              : ''),
        );
      } finally {
        await target.stop();
        await world.close();
      }
    }
    // Ordinary traffic against bare Probot, both as in production (GitHub only: bare Probot is GitHub's framework).
    if (tracker === 'github') {
      for (const o of await measureOrdinaryTraffic()) {
        row(
          `github: ordinary traffic at ${o.concurrency} in flight, × bare Probot`,
          `github.ordinary.${o.concurrency}`,
          o.ratio,
          '≥ 0.95',
          2,
          describeOrdinary(o),
        );
      }
    }
  }
  return [
    '## What users feel (production clients, a new connection per delivery)',
    '',
    `- Date: ${new Date().toISOString()}; ${incidents} incidents per tracker for the intake times, one after another`,
    `  with ${PAUSE_MS / 1000} s between them (the write spacing of one does not delay the next)`,
    `- The machine is shared (2 CPUs, other work running): the load is written next to each measurement; ratios are`,
    '  measured back to back (the app and bare Probot, the same deliveries, six short rounds in alternating order,',
    '  median ratio; CPU per delivery is the figure the load distorts least), call and',
    '  write counts do not depend on the load.',
    "- Intake and burst: `npm start`'s clients (Probot's throttling and retries; gitbeaker's rate limits) against",
    '  the fake tracker on loopback, each delivery on a new connection. The budget runs on the quiet clients (the',
    '  calls are the same, without minutes of throttling); approvals are not part of it. Sweeps: one a minute of the',
    "  sweep's clock for 24 h after the first sweep that follows the incident's events (counted apart), the incident",
    '  acknowledged, low, its situation report just posted: nothing due. One installation (GitHub).',
    '',
    '| figure | this run | target | previous run | note |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `<!-- felt-figures ${JSON.stringify(figures)} -->`,
  ].join('\n');
}

/**
 * `--sweep-day`: only the sweeps of the budget (issue 15, point 4), on the quiet clients: the incident's events, the
 * first sweep after them, then 24 h of sweeps every minute with nothing due, the day's calls by route. A few minutes.
 */
export async function sweepDayRun(trackers: TrackerName[], previous: FeltFigures): Promise<string> {
  const rows: string[] = [];
  const figures: FeltFigures = {};
  for (const tracker of trackers) {
    log(`${tracker}: a day of sweeps with nothing due`);
    const world = await startWorld(tracker);
    const target = await startTarget({ ...world.env, BENCH_TARGET: 'app' });
    try {
      const budget = await measureBudget(world, target);
      const shapes = callShapes(budget.day.filter((r) => !isAuthRequest(r)))
        .map(([shape, count]) => `${shape} × ${count}`)
        .join('; ');
      figures[`${tracker}.settle`] = budget.settle;
      figures[`${tracker}.day`] = budget.sweeps;
      const was = (key: string) => fmt(previous[`${tracker}.${key}`]);
      rows.push(
        `| ${tracker} | ${budget.settle} (${was('settle')}) | ${budget.sweeps} (${was('day')}) | ` +
          `${budget.sweepListings} | ${budget.sweepsNotModified} | ${shapes} |`,
      );
    } finally {
      await target.stop();
      await world.close();
    }
  }
  return [
    '## A day of sweeps with nothing due (`npm run bench -- --sweep-day`)',
    '',
    `- Date: ${new Date().toISOString()}; the quiet clients against the fake tracker on loopback, one installation`,
    "  (GitHub). The incident of the felt section's budget (intake, 50 ticks, 20 commands), then the Incident",
    "  Manager's `/severity low` and a situation report: nothing due for a day. The first sweep after these events",
    "  lists (they changed the incident) and is counted apart; then one sweep a minute of the sweep's clock for 24 h.",
    '- Target (issue 15): ≤ 1 API call per installation per hour when nothing is due, ≤ 24 for the day. In',
    '  parentheses: the previous run.',
    '',
    '| tracker | first sweep after the events | calls of the next 24 h (target ≤ 24) | listings | ' +
      "of the calls answered 304 | the day's calls |",
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `<!-- sweep-day-figures ${JSON.stringify(figures)} -->`,
  ].join('\n');
}
