import { ProbotOctokit } from 'probot';
import type { RequestObserver } from '../observe.js';
import { routeTemplate } from '../observe.js';
import { retryPolicy } from '../retry.js';
import type { RetryPolicy } from '../retry.js';

/** plugin-retry's default refusals, plus 429: rate limits belong to plugin-throttling, which reads their timing. */
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

/** Bottleneck groups plugin-throttling spaces requests with (tests pass unspaced ones). */
export interface ThrottleGroups {
  global?: unknown;
  auth?: unknown;
  write?: unknown;
  search?: unknown;
  notifications?: unknown;
}

export interface GitHubClientOptions {
  /** Attempts, back-off, `Retry-After` scale and the per-attempt timeout; production defaults when left out. */
  retry?: Partial<RetryPolicy>;
  /**
   * plugin-throttling's spacing per installation. Left out in production: GitHub asks integrators to space
   * writes (one second, three for requests that notify people), which the plugin's own groups do.
   */
  throttleGroups?: ThrottleGroups;
  /** Told of rate-limit waits (the server's metrics); requests themselves are told by {@link observedOctokit}. */
  observer?: RequestObserver;
}

interface LimitedRequest {
  method?: string;
  url?: string;
}

interface LoggingOctokit {
  log: { warn(obj: object, msg: string): void };
}

/**
 * Probot's Octokit with this app's retry rules, for production (`createAppServer`) and for fault tests:
 * - plugin-retry retries 5xx answers, timeouts and network errors (each attempt bounded by `timeoutMs`), with a
 *   growing wait; the adapter turns creating POSTs' retries off (`request.retries: 0`) and looks for what it
 *   created instead (`createReconciled`), since a lost answer does not mean a lost write;
 * - plugin-throttling owns rate limits: a primary limit (403/429 with `x-ratelimit-remaining: 0`) waits for the
 *   reset, and GitHub's secondary rate limit (403/429 "secondary rate limit", `retry-after`) waits as told
 *   (Probot's own default gives up on secondary limits); a wait beyond `maxRetryAfterMs` is not taken, and the
 *   call fails for the sweep or the next event to complete;
 * - every attempt gives up after `timeoutMs` without an answer.
 */
export function resilientOctokit(options: GitHubClientOptions = {}): typeof ProbotOctokit {
  const policy = retryPolicy(options.retry);
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: LimitedRequest, octokit: LoggingOctokit, retryCount: number): boolean => {
      const waitMs = retryAfter * policy.retryAfterUnitMs;
      const retry = retryCount < policy.attempts - 1 && waitMs <= policy.maxRetryAfterMs;
      octokit.log.warn(
        { method: request.method, route: request.url, retryAfter, retryCount, retry },
        `GitHub ${kind} rate limit`,
      );
      if (retry) options.observer?.rateLimitWait();
      return retry;
    };
  return ProbotOctokit.defaults((instance: OctokitDefaults) => ({
    ...instance,
    request: { ...instance.request, fetch: fetchWithTimeout(policy.timeoutMs, instance.request?.fetch) },
    retry: {
      ...instance.retry,
      enabled: true,
      retries: policy.attempts - 1,
      // plugin-retry waits (n + 1)² × this before retry n: 0.5 s, 2 s, 4.5 s by default.
      retryAfterBaseValue: policy.baseDelayMs,
      doNotRetry: DO_NOT_RETRY,
    },
    throttle: {
      ...instance.throttle,
      ...options.throttleGroups,
      enabled: true,
      retryAfterBaseValue: policy.retryAfterUnitMs,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  }));
}

/** The options Probot's Octokit is made with, as far as {@link resilientOctokit} reads and extends them. */
interface OctokitDefaults {
  request?: { fetch?: typeof fetch; [option: string]: unknown };
  retry?: Record<string, unknown>;
  throttle?: Record<string, unknown>;
  [option: string]: unknown;
}

/**
 * A fetch whose every call gives up after `timeoutMs` (on top of the caller's own signal). Octokit turns the
 * timeout into a `RequestError` with status 500, which plugin-retry retries like a server error.
 */
export function fetchWithTimeout(timeoutMs: number, inner: typeof fetch = globalThis.fetch): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return inner(input, { ...init, signal });
  };
}

/** What an Octokit request hook is given: the route's method and URL template, and plugin-retry's count. */
interface HookOptions {
  method?: string;
  url?: string;
  request?: { retryCount?: number };
}

/**
 * An Octokit class whose every request is told to `observer`: method, route template and the final status (0 when no
 * answer came), and the retries plugin-retry made for it. Added last, the hook sees each call once, after its retries.
 */
export function observedOctokit(Base: typeof ProbotOctokit, observer: RequestObserver): typeof ProbotOctokit {
  return Base.plugin((octokit) => {
    octokit.hook.wrap('request', async (request, options) => {
      const hooked = options as HookOptions;
      const tell = (status: number) => {
        observer.request((hooked.method ?? 'GET').toUpperCase(), routeTemplate(hooked.url ?? ''), status);
        for (let i = 0; i < (hooked.request?.retryCount ?? 0); i += 1) observer.retry();
      };
      try {
        const response = await request(options);
        tell(response.status);
        return response;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        tell(typeof status === 'number' && status < 600 ? status : 0);
        throw error;
      }
    });
  }) as unknown as typeof ProbotOctokit;
}
