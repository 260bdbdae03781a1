import { describe, expect, it } from 'vitest';
import { minimumFor, MINIMUM_CALLS } from '../../bench/minimums.js';
import {
  callShapes,
  countCalls,
  GITHUB_LIMITS,
  GITLAB_COM_LIMITS,
  linearRegression,
  memoryFlatness,
  percentile,
  summarize,
  throughput,
  trackerCeiling,
} from '../../bench/stats.js';
import type { MemorySample } from '../../bench/stats.js';

// The helpers that turn the bench's measurements into numbers (bench/stats.ts): pure, so checked here.

describe('bench arithmetic', () => {
  it('percentile is nearest-rank: the smallest value with at least p % at or below it', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 0)).toBe(15);
    // Order does not matter, and the input is not sorted in place.
    const shuffled = [50, 15, 40, 20, 35];
    expect(percentile(shuffled, 50)).toBe(35);
    expect(shuffled).toEqual([50, 15, 40, 20, 35]);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarize gives count, p50, p99, mean and max; throughput is per second', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, p50: 2, p99: 4, mean: 2.5, max: 4 });
    expect(summarize([]).count).toBe(0);
    expect(throughput(50, 2_000)).toBe(25);
    expect(throughput(1, 0)).toBeNaN();
  });

  it('counts reads and writes apart from authentication, and groups calls by route', () => {
    const log = [
      { method: 'POST', path: '/app/installations/4242/access_tokens' },
      { method: 'GET', path: '/app' },
      { method: 'GET', path: '/repos/acme/security/issues/12' },
      { method: 'GET', path: '/repos/acme/security/issues/13?per_page=100' },
      { method: 'PATCH', path: '/repos/acme/security/issues/12' },
      { method: 'GET', path: '/repos/acme/security/collaborators/bob/permission' },
      { method: 'GET', path: '/api/v4/user' },
      { method: 'PUT', path: '/api/v4/projects/team%2Fapp/issues/3' },
    ];
    expect(countCalls(log)).toEqual({ total: 5, reads: 3, writes: 2, auth: 3 });
    expect(callShapes(log)[0]).toEqual(['GET /repos/:repo/issues/:n', 2]);
    expect(callShapes(log)).toContainEqual(['PUT /api/v4/projects/:project/issues/:n', 1]);
  });

  it('the linear regression finds slope and intercept; no slope from one x', () => {
    const { slope, intercept } = linearRegression([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(slope).toBeCloseTo(2, 10);
    expect(intercept).toBeCloseTo(1, 10);
    expect(linearRegression([2, 2], [1, 5]).slope).toBeNaN();
    expect(() => linearRegression([1], [])).toThrow(RangeError);
  });

  it('memory is flat for a noisy level heap, not for a steadily growing one', () => {
    const MiB = 1024 * 1024;
    const level: MemorySample[] = Array.from({ length: 120 }, (_, i) => ({
      atS: i * 5,
      rss: 150 * MiB,
      heapUsed: 40 * MiB + ((i * 7919) % 5) * 0.1 * MiB,
    }));
    const verdict = memoryFlatness(level);
    expect(verdict.flat).toBe(true);
    expect(Math.abs(verdict.slopePerMinute)).toBeLessThan(0.1 * MiB);
    // 2 MiB a minute: a leak of a few kilobytes per event at a few dozen events per second.
    const growing = level.map((s) => ({ ...s, heapUsed: s.heapUsed + (s.atS / 60) * 2 * MiB }));
    const leak = memoryFlatness(growing);
    expect(leak.flat).toBe(false);
    expect(leak.slopePerMinute / MiB).toBeCloseTo(2, 1);
    expect(leak.firstToLastQuartile / MiB).toBeGreaterThan(10);
    // Too few samples say nothing.
    expect(memoryFlatness(level.slice(0, 4)).flat).toBe(false);
  });

  it('the minimum of a mix is the sum of its scenarios', () => {
    expect(minimumFor('github', ['trigger', 'tick', 'tick', 'label'])).toBe(
      MINIMUM_CALLS.github.trigger + 2 * MINIMUM_CALLS.github.tick + MINIMUM_CALLS.github.label,
    );
    expect(minimumFor('gitlab', [])).toBe(0);
  });
});

describe('the tracker ceiling', () => {
  it('is the tightest of the rate limit and the spacing of writes, per delivery of the mix', () => {
    // 12 deliveries making 72 calls, 24 writes, 6 notifying: 6 calls, 2 writes, 0.5 notifying each.
    const demand = { deliveries: 12, calls: 72, writes: 24, notifying: 6 };
    expect(trackerCeiling(demand, { callsPerSecond: 60 })).toEqual({ perSecond: 10, bound: 'rate limit' });
    expect(trackerCeiling(demand, { callsPerSecond: 60, writesPerSecond: 1 })).toEqual({
      perSecond: 0.5,
      bound: 'write spacing',
    });
    const github = trackerCeiling(demand, GITHUB_LIMITS);
    // 5,000 / 3,600 / 6 = 0.23 per second, below 1 / 2 (writes) and (1 / 3) / 0.5 (notifying).
    expect(github.bound).toBe('rate limit');
    expect(github.perSecond).toBeCloseTo(5_000 / 3_600 / 6, 6);
    expect(trackerCeiling(demand, GITLAB_COM_LIMITS).perSecond).toBeCloseTo(2_000 / 60 / 6, 6);
  });

  it('does not bound a mix that asks nothing limited', () => {
    expect(trackerCeiling({ deliveries: 8, calls: 2, writes: 0, notifying: 0 }, GITHUB_LIMITS)).toEqual({
      perSecond: (8 * (5_000 / 3_600)) / 2,
      bound: 'rate limit',
    });
    expect(trackerCeiling({ deliveries: 8, calls: 0, writes: 0, notifying: 0 }, GITHUB_LIMITS)).toEqual({
      perSecond: Infinity,
      bound: 'none',
    });
  });
});
