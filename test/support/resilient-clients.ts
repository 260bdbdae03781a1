import Bottleneck from 'bottleneck';
import type { ProbotOctokit } from 'probot';
import { resilientOctokit } from '../../src/tracker/github/octokit.js';
import type { RetryPolicy } from '../../src/tracker/retry.js';

/**
 * The production retry rules with every wait shrunk: the same attempts, a `Retry-After` second worth 10 ms, and
 * a 250 ms timeout per attempt (the fakes drop a stalled connection after a second).
 */
export const FAST_RETRY: Partial<RetryPolicy> = {
  baseDelayMs: 5,
  maxDelayMs: 40,
  retryAfterUnitMs: 10,
  timeoutMs: 250,
};

/** plugin-throttling's groups without the production spacing (writes one second apart, notifying ones three). */
export function unspacedThrottleGroups() {
  return {
    global: new Bottleneck.Group({ maxConcurrent: 10 }),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    write: new Bottleneck.Group({ maxConcurrent: 1 }),
    search: new Bottleneck.Group({ maxConcurrent: 1 }),
    notifications: new Bottleneck.Group({ maxConcurrent: 1 }),
  };
}

/** Probot's Octokit with the production retry and throttling rules and the waits shrunk, for fault tests. */
export function fastResilientOctokit(retry: Partial<RetryPolicy> = {}): typeof ProbotOctokit {
  return resilientOctokit({ retry: { ...FAST_RETRY, ...retry }, throttleGroups: unspacedThrottleGroups() });
}

/** GitLab client options for `startAppServer`: the production client with the waits shrunk. */
export function fastGitLabClientOptions(retry: Partial<RetryPolicy> = {}) {
  return { rateLimits: { '**': 100_000 }, retry: { ...FAST_RETRY, ...retry } };
}
