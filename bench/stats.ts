/**
 * The arithmetic behind the bench's numbers, kept pure so that a test checks it (test/bench/stats.test.ts).
 */

/** One request the fake tracker received. */
export interface LoggedRequest {
  method: string;
  path: string;
}

/**
 * The value at percentile `p` (0–100) of `values`, by the nearest-rank method: the smallest value such that at
 * least p % of the values are at or below it. NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** p50, p99, mean and max of a set of latencies (ms). */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Summarizes latencies; every field is NaN (count 0) for none. */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, mean: Number.NaN, max: Number.NaN };
  let sum = 0;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: sum / values.length,
    max,
  };
}

/** Events per second: `count` events over `elapsedMs`. */
export function throughput(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.NaN;
}

/**
 * Requests that authenticate the app rather than do an event's work: the app's own identity (GitHub `GET /app` and
 * its bot user `GET /users/<slug>[bot]`, GitLab `GET /user`, read once per process) and GitHub installation tokens
 * (cached about an hour). Counted apart, since they do not recur per delivery.
 */
export function isAuthRequest(request: LoggedRequest): boolean {
  const path = request.path.split('?')[0]!;
  if (
    request.method === 'GET' &&
    (path === '/app' || path === '/api/v4/user' || /^\/users\/[^/]+(?:%5Bbot%5D|\[bot\])$/i.test(path))
  )
    return true;
  return request.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path);
}

/** The API calls of a slice of the request log: reads, writes and authentication apart. */
export interface CallCount {
  total: number;
  reads: number;
  writes: number;
  auth: number;
}

/** Counts a slice of the fake's request log; `total` is reads + writes (authentication excluded). */
export function countCalls(requests: readonly LoggedRequest[]): CallCount {
  let reads = 0;
  let writes = 0;
  let auth = 0;
  for (const r of requests) {
    if (isAuthRequest(r)) auth += 1;
    else if (r.method === 'GET' || r.method === 'HEAD') reads += 1;
    else writes += 1;
  }
  return { total: reads + writes, reads, writes, auth };
}

/**
 * The request log grouped by route shape (`GET /repos/:owner/:repo/issues/:n`), numbers and names replaced, most
 * frequent first: what a scenario spends its calls on.
 */
export function callShapes(requests: readonly LoggedRequest[]): Array<[shape: string, count: number]> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const path = r.path
      .split('?')[0]!
      .replace(/^\/repos\/[^/]+\/[^/]+/, '/repos/:repo')
      .replace(/^\/api\/v4\/projects\/[^/]+/, '/api/v4/projects/:project')
      .replace(/\/members\/all\/\d+/, '/members/all/:user')
      .replace(/\/repository\/files\/[^/]+/, '/repository/files/:path')
      .replace(/\/collaborators\/[^/]+\//, '/collaborators/:user/')
      .replace(/\/contents\/.+$/, '/contents/:path')
      .replace(/\/\d+(?=\/|$)/g, '/:n');
    const shape = `${r.method} ${path}`;
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Least-squares line through the points: slope (y per x) and intercept. NaN slope for fewer than two distinct x. */
export function linearRegression(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  if (xs.length !== ys.length) throw new RangeError('xs and ys differ in length');
  const n = xs.length;
  if (n === 0) return { slope: Number.NaN, intercept: Number.NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0) return { slope: Number.NaN, intercept: my };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** A memory sample of the process under test. */
export interface MemorySample {
  /** Seconds since the soak started. */
  atS: number;
  rss: number;
  heapUsed: number;
}

/** Whether memory stayed flat over a soak, and the numbers that say so. */
export interface FlatnessVerdict {
  /** Heap growth over the second half, bytes per minute (least squares). */
  slopePerMinute: number;
  /** Mean heap of the last quarter of the samples minus that of the first quarter, bytes. */
  firstToLastQuartile: number;
  /** RSS likewise. */
  rssFirstToLastQuartile: number;
  flat: boolean;
}

/**
 * Memory is flat when the heap (sampled after a GC) grows by less than `maxSlopePerMinute` over the second half of
 * the soak (the first half holds the warm-up: JIT, caches, connection pools) and its last quarter is within
 * `maxQuartileGrowth` of its first. The default bounds are 1 MiB/min and 10 MiB: a leak of one object per event
 * at a few dozen events per second shows above both within ten minutes.
 */
export function memoryFlatness(
  samples: readonly MemorySample[],
  maxSlopePerMinute = 1024 * 1024,
  maxQuartileGrowth = 10 * 1024 * 1024,
): FlatnessVerdict {
  const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const half = samples.slice(Math.floor(samples.length / 2));
  const { slope } = linearRegression(
    half.map((s) => s.atS),
    half.map((s) => s.heapUsed),
  );
  const q = Math.max(1, Math.floor(samples.length / 4));
  const first = samples.slice(0, q);
  const last = samples.slice(samples.length - q);
  const firstToLastQuartile = mean(last.map((s) => s.heapUsed)) - mean(first.map((s) => s.heapUsed));
  const rssFirstToLastQuartile = mean(last.map((s) => s.rss)) - mean(first.map((s) => s.rss));
  const slopePerMinute = slope * 60;
  const flat =
    samples.length >= 8 &&
    Number.isFinite(slopePerMinute) &&
    slopePerMinute < maxSlopePerMinute &&
    firstToLastQuartile < maxQuartileGrowth;
  return { slopePerMinute, firstToLastQuartile, rssFirstToLastQuartile, flat };
}

/**
 * What a burst asked of the tracker: deliveries, and the API calls they made (writes, and writes that notify people).
 */
export interface TrackerDemand {
  deliveries: number;
  calls: number;
  writes: number;
  /** Writes that notify people (new issues, comments, sub-issues): Probot's throttling spaces them further. */
  notifying: number;
}

/** The limits a tracker puts on one installation (GitHub) or one user (GitLab), per second. */
export interface TrackerLimits {
  /** The primary rate limit, requests per second. */
  callsPerSecond: number;
  /** Writes at most this many per second (GitHub: Probot's throttling, one second apart); unbounded when left out. */
  writesPerSecond?: number;
  /** Notifying writes at most this many per second (GitHub: three seconds apart). */
  notifyingPerSecond?: number;
}

/** GitHub: 5,000 requests an hour per installation; Probot's throttling spaces writes 1 s apart, notifying ones 3 s. */
export const GITHUB_LIMITS: TrackerLimits = {
  callsPerSecond: 5_000 / 3_600,
  writesPerSecond: 1,
  notifyingPerSecond: 1 / 3,
};
/** GitLab.com: 2,000 API requests a minute per user (the app's token). Self-managed instances set their own. */
export const GITLAB_COM_LIMITS: TrackerLimits = { callsPerSecond: 2_000 / 60 };

/**
 * How many deliveries per second of this mix the tracker's limits let through: the tightest of the rate limit and
 * the spacing of writes, each divided by what a delivery asks of it. Infinity when the mix asks nothing limited.
 */
export function trackerCeiling(
  demand: TrackerDemand,
  limits: TrackerLimits,
): { perSecond: number; bound: 'rate limit' | 'write spacing' | 'notification spacing' | 'none' } {
  const per = (count: number) => count / demand.deliveries;
  const bounds: Array<[number, 'rate limit' | 'write spacing' | 'notification spacing']> = [
    [limits.callsPerSecond / per(demand.calls), 'rate limit'],
  ];
  if (limits.writesPerSecond !== undefined) bounds.push([limits.writesPerSecond / per(demand.writes), 'write spacing']);
  if (limits.notifyingPerSecond !== undefined)
    bounds.push([limits.notifyingPerSecond / per(demand.notifying), 'notification spacing']);
  const finite = bounds.filter(([v]) => Number.isFinite(v));
  if (demand.deliveries === 0 || finite.length === 0) return { perSecond: Infinity, bound: 'none' };
  const [perSecond, bound] = finite.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { perSecond, bound };
}
