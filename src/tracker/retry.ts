import type { Comment, Issue } from '../kernel/model.js';
import { TrackerError } from './errors.js';
import type { NewIssue } from './port.js';

/**
 * How a tracker client retries a failed request. Only requests that are safe to send twice are retried
 * blindly (reads, and writes that set a complete value: PUT, PATCH, DELETE); a request the tracker refused
 * before doing anything (429 rate limit) is retried whatever its method. Creating POSTs are never resent
 * blindly: see {@link createReconciled}.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The first back-off; each retry doubles it, up to `maxDelayMs`, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** What one second of `Retry-After` is worth, in milliseconds: 1000 (tests shrink it). */
  retryAfterUnitMs: number;
  /**
   * A `Retry-After` longer than this is not waited for in the process: the call fails, and the next event, the
   * sweep or `npm run reconcile` completes the work once the tracker takes requests again.
   */
  maxRetryAfterMs: number;
  /** Each attempt gives up after this long without a complete answer (a stalled connection). */
  timeoutMs: number;
}

/**
 * Production defaults: four attempts (about 0.5 + 1 + 2 s of back-off), ten seconds per attempt, and a
 * `Retry-After` of up to a minute honoured. Webhook answers do not wait for this (the work is queued).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterUnitMs: 1_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 10_000,
};

/** A policy with some fields overridden (tests shrink every wait). */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides };
}

/**
 * The wait before retry number `retry` (1 for the first retry): exponential with full jitter, so that many
 * clients failing at once do not come back at once.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * random());
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds (scaled by `unitMs`) or an HTTP date; undefined when
 * absent or unreadable.
 */
export function retryAfterMs(
  value: string | null | undefined,
  unitMs: number,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * unitMs);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True for methods whose repetition leaves the same state as one request. */
export function isIdempotentMethod(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'].includes(method.toUpperCase());
}

/**
 * True when a failed write may or may not have been applied: a server error (5xx) or no answer at all (a
 * timeout, a reset connection). A 4xx answer means the tracker refused the request and changed nothing.
 */
export function isUncertainWrite(error: unknown): boolean {
  return error instanceof TrackerError && (error.status === undefined || error.status >= 500);
}

/**
 * Creates something (an issue, a comment) at most once as far as the tracker's own state can tell. After an
 * uncertain failure the created thing is looked for first (`findExisting`, a read with its own retries, which
 * also gives a failing tracker time to recover), and the create is sent again only when it is not there.
 * A blind resend would make a second issue or comment whenever the first request was applied and only its
 * answer was lost. A definite refusal (4xx) is thrown at once; after the last attempt the last error is thrown.
 *
 * A request still being processed when the look happens can still be doubled; the intake closes a doubled
 * child or master it finds by its labels (see `decideIntake`).
 */
export async function createReconciled<T>(
  attempts: number,
  create: () => Promise<T>,
  findExisting: () => Promise<T | undefined>,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= Math.max(1, attempts); attempt += 1) {
    try {
      return await create();
    } catch (error) {
      if (!isUncertainWrite(error)) throw error;
      lastError = error;
    }
    let found: T | undefined;
    try {
      found = await findExisting();
    } catch {
      // The look failed too: the tracker is still failing, and the write's own error says more.
      throw lastError;
    }
    if (found !== undefined) return found;
  }
  throw lastError;
}

/**
 * The issue an uncertain create may have made: the newest one carrying the draft's title and body (the look
 * already asked for its labels).
 */
export function findCreatedIssue(issues: Issue[], input: NewIssue): Issue | undefined {
  return [...issues].reverse().find((issue) => issue.title === input.title && sameText(issue.body, input.body));
}

/** Texts equal as a tracker stores them: line endings and trailing white space may be normalized on the way. */
function sameText(stored: string, sent: string): boolean {
  const normal = (text: string): string => text.replace(/\r\n?/g, '\n').trimEnd();
  return normal(stored) === normal(sent);
}

/** How many of an issue's latest comments a look after an uncertain post checks. */
const RECENT_COMMENTS = 20;

/**
 * The comment an uncertain post may have made: the newest of the latest comments with exactly that body. An
 * identical comment posted just before (the same refusal to the same person, say) counts as this one too: a
 * missing repetition is the lesser harm than a doubled message.
 */
export function findPostedComment(comments: Comment[], body: string): Comment | undefined {
  return comments
    .slice(-RECENT_COMMENTS)
    .reverse()
    .find((comment) => sameText(comment.body, body));
}

/**
 * Creates (issues, comments) in all, as many as the retry policy's default attempts; each one after the first
 * comes after a look for what an uncertain failure may have created.
 */
export const CREATE_ATTEMPTS = DEFAULT_RETRY_POLICY.attempts;

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
