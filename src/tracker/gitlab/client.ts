import { Gitlab } from '@gitbeaker/rest';
import {
  createRequesterFn,
  getMatchingRateLimiter,
  GitbeakerRequestError,
  GitbeakerTimeoutError,
} from '@gitbeaker/requester-utils';
import type { FormattedResponse, RateLimiters, RateLimitOptions, RequestHandlerFn } from '@gitbeaker/requester-utils';
import type { RequestObserver } from '../observe.js';
import { routeTemplate } from '../observe.js';
import { backoffMs, isIdempotentMethod, retryAfterMs, retryPolicy, sleep } from '../retry.js';
import type { RetryPolicy } from '../retry.js';

/**
 * Client-side ceilings per minute, below GitLab.com's documented per-user limits (2000 API requests, 200 issue
 * creations, 300 notes per minute), so that a burst (a sweep over many incidents) waits in the process instead of
 * collecting 429s. Keys are gitbeaker's endpoint globs.
 */
export const GITLAB_RATE_LIMITS: RateLimitOptions = {
  '**': 1_000,
  'projects/*/issues': { method: 'post', limit: 100 },
  'projects/*/issues/*/notes': { method: 'post', limit: 200 },
};

export interface GitLabClientOptions {
  host: string;
  token: string;
  /** Retries, back-off and the per-attempt timeout; production defaults when left out. */
  retry?: Partial<RetryPolicy>;
  /**
   * gitbeaker's client-side rate limits (requests per `rateLimitDuration` seconds); {@link GITLAB_RATE_LIMITS} by
   * default.
   */
  rateLimits?: RateLimitOptions;
  rateLimitDuration?: number;
  /** gitbeaker's budget for one whole call, pages and retries included; none by default (each attempt has its own). */
  queryTimeout?: number | null;
  /** Told of every attempt, retry and rate-limit wait (the server's metrics). */
  observer?: RequestObserver;
}

/**
 * A gitbeaker client whose requests go through {@link retryingRequestHandler}: gitbeaker's own handler retries
 * only 429 and 502, ten times within a few hundred milliseconds, whatever the method (a POST that created an issue
 * and answered 502 through a proxy is sent again) and without reading `Retry-After`, and it has no per-attempt
 * timeout. Answers stay snake_case (no `camelize`), as the adapter expects.
 */
export function createGitLabClient(options: GitLabClientOptions): Gitlab<false> {
  const { retry, rateLimits, rateLimitDuration, queryTimeout, host, token, observer } = options;
  const policy = retryPolicy(retry);
  return new Gitlab({
    host,
    token,
    rateLimits: rateLimits ?? GITLAB_RATE_LIMITS,
    ...(rateLimitDuration !== undefined ? { rateLimitDuration } : {}),
    queryTimeout: queryTimeout ?? null,
    requesterFn: createRequesterFn(
      (_, requestOptions) => Promise.resolve(requestOptions),
      retryingRequestHandler(policy, observer ? { observer } : {}),
    ),
  });
}

/**
 * POST endpoints that are safe to resend: relating two issues twice answers 409, which the adapter reads as
 * `already-linked`.
 */
const IDEMPOTENT_POSTS = /\/issues\/\d+\/links$/;

/** Server errors worth another attempt; others (501, 505, ...) will not get better by asking again. */
const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

interface HandlerOptions {
  rateLimiters?: RateLimiters;
  asStream?: boolean;
  prefixUrl?: string;
  searchParams?: string;
  method?: string;
  signal?: AbortSignal;
  agent?: unknown;
  headers?: Record<string, string>;
  body?: string | FormData;
}

/**
 * gitbeaker's request seam with this app's retry rules:
 * - every attempt has its own timeout (`timeoutMs`); gitbeaker's `queryTimeout`, when set, bounds the whole call;
 * - 429 is retried for every method (GitLab refused it before doing anything), after `Retry-After`;
 * - 500/502/503/504, timeouts and network errors are retried only for idempotent requests (GET, PUT, DELETE, and
 *   the issue-link POST), with exponential back-off and jitter, `Retry-After` honoured when present;
 * - a POST that creates something is never resent here: the adapter looks for what it created first
 *   (`createReconciled`), because a lost answer does not mean a lost write;
 * - after the last attempt the last answer is thrown as gitbeaker's `GitbeakerRequestError` (or
 *   `GitbeakerTimeoutError`), which the adapter turns into a `TrackerError` with the real status.
 */
export function retryingRequestHandler(
  policy: RetryPolicy,
  deps: { wait?: (ms: number) => Promise<void>; random?: () => number; observer?: RequestObserver } = {},
): RequestHandlerFn {
  const wait = deps.wait ?? sleep;
  const observer = deps.observer;
  return async (endpoint, rawOptions) => {
    const options = (rawOptions ?? {}) as HandlerOptions;
    const {
      rateLimiters,
      asStream = false,
      prefixUrl,
      searchParams,
      signal,
      agent,
      method = 'GET',
      headers,
      body,
    } = options;
    const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters, method);
    const base = prefixUrl === undefined ? undefined : prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`;
    const url = new URL(endpoint, base);
    url.search = searchParams ?? '';
    const idempotent =
      isIdempotentMethod(method) || (method.toUpperCase() === 'POST' && IDEMPOTENT_POSTS.test(url.pathname));
    const route = observer ? routeTemplate(url.pathname) : '';
    const told = (status: number) => observer?.request(method.toUpperCase(), route, status);

    for (let attempt = 1; ; attempt += 1) {
      const request = new Request(url, {
        method,
        ...(headers ? { headers } : {}),
        ...(body !== undefined ? { body } : {}),
      });
      await rateLimit();
      const timeout = AbortSignal.timeout(policy.timeoutMs);
      const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const last = attempt >= policy.attempts;
      let response: Response;
      let answered = false;
      try {
        const init: RequestInit & { dispatcher?: unknown } = {
          signal: attemptSignal,
          ...(agent ? { dispatcher: agent } : {}),
        };
        answered = false;
        response = await fetch(request, init);
        answered = true;
        told(response.status);
        if (response.ok) return await parseResponse(response, asStream);
      } catch (error) {
        if (!answered) told(0);
        // The caller's whole-call budget is spent: no retry can help.
        if (signal?.aborted) throw new GitbeakerTimeoutError('Query timeout was reached', { cause: error });
        const failure = timeout.aborted
          ? new GitbeakerTimeoutError(`No answer within ${policy.timeoutMs} ms`, { cause: error })
          : error;
        if (!idempotent || last) throw failure;
        observer?.retry();
        await wait(backoffMs(policy, attempt, deps.random));
        continue;
      }
      const status = response.status;
      const retryable = status === 429 || (idempotent && RETRYABLE_STATUSES.has(status));
      const after = retryAfterMs(response.headers.get('retry-after'), policy.retryAfterUnitMs);
      if (!retryable || last || (after !== undefined && after > policy.maxRetryAfterMs))
        await throwFailedRequest(request, response);
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      observer?.retry();
      if (status === 429 || after !== undefined) observer?.rateLimitWait();
      await wait(Math.max(after ?? 0, backoffMs(policy, attempt, deps.random)));
    }
  };
}

async function processBody(response: Response): Promise<FormattedResponse['body']> {
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (contentType === 'application/json')
    return response.json().then((v: unknown) => (v ?? {}) as FormattedResponse['body']);
  if (contentType.startsWith('text/')) return response.text().then((t) => t || '');
  return response.blob();
}

/** An answer as gitbeaker's own handler gives it. */
async function parseResponse(response: Response, asStream: boolean): Promise<FormattedResponse> {
  const headers = Object.fromEntries(response.headers.entries());
  let body: FormattedResponse['body'];
  if (asStream) body = response.body as FormattedResponse['body'];
  else body = response.status === 204 ? null : await processBody(response);
  return { body, headers, status: response.status };
}

/** A failed answer as gitbeaker throws it: the message is GitLab's `message` or `error`, the cause holds both ends. */
async function throwFailedRequest(request: Request, response: Response): Promise<never> {
  const content = await response.text();
  let description = content;
  if (response.headers.get('content-type')?.includes('application/json')) {
    try {
      const output = JSON.parse(content) as { error?: unknown; message?: unknown } | null;
      const property = output?.error ?? output?.message ?? '';
      description = typeof property === 'string' ? property : JSON.stringify(property);
    } catch {
      description = content;
    }
  }
  throw new GitbeakerRequestError(description, { cause: { description, request, response } });
}
