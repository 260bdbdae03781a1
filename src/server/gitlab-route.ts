import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PushEvent, TrackerEvent } from '../kernel/events.js';
import {
  gitlabPayloadProblem,
  normalizeGitLabIssueEvent,
  normalizeGitLabNoteEvent,
  normalizeGitLabPush,
} from '../tracker/gitlab/normalize.js';
import type { Logger } from './logger.js';
import { asRecord } from '../tracker/payload.js';
import { matchesAny } from './webhook-secrets.js';
import type { WebhookSecrets } from './webhook-secrets.js';

export { secretsMatch } from './webhook-secrets.js';

export interface GitLabRouteOptions {
  /** The secret tokens GitLab's hooks carry: the global one and those of projects and groups (`WebhookSecrets`). */
  secrets: WebhookSecrets;
  handle(event: TrackerEvent): Promise<unknown>;
  /** A push to a project's default branch (the `config-push` route). */
  push?(change: PushEvent): Promise<unknown>;
  log: Logger;
  /** Bodies above this are refused with 413 (GitLab's issue payloads are far smaller). */
  maxBodyBytes?: number;
  /** Answer 202 and finish in the background when handling takes longer than this (GitLab waits 10 s). */
  answerWithinMs?: number;
}

function send(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Bodies above this are refused with 413 on both webhook routes: the trackers' issue payloads are far smaller. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/**
 * The body as UTF-8, or null as soon as it passes `limit` bytes: nothing more is kept, the rest is drained unread
 * so the caller can still answer (413) before the connection closes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      // A delivery mostly arrives in one chunk: decoded as it is, without copying it into a new buffer first.
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

/** Turns a GitLab payload into a tracker-neutral event; null for what the app does not handle. */
export function normalizeGitLab(payload: unknown, deliveryId: string): TrackerEvent | null {
  const kind = (payload as { object_kind?: unknown } | null)?.object_kind;
  if (kind === 'issue') return normalizeGitLabIssueEvent(payload, deliveryId);
  if (kind === 'note') return normalizeGitLabNoteEvent(payload, deliveryId);
  return null;
}

/** The project path a payload names (`project.path_with_namespace`), or null when it names none. */
function projectPathOf(payload: unknown): string | null {
  const path = asRecord(asRecord(payload)?.project)?.path_with_namespace;
  return typeof path === 'string' && path !== '' ? path : null;
}

/**
 * `POST /api/gitlab/webhooks`: 401 on a wrong or missing token (one that matches no configured secret is refused
 * before the body is read; then it must match the secret of the project the payload names), 400 on malformed JSON, a
 * request without
 * `X-Gitlab-Event`, or a payload that claims an issue or note event it cannot be read as, 413 when too large, 2xx for
 * everything it accepts or ignores, within `answerWithinMs` (GitLab waits ten seconds), and 202 also when handling
 * failed: never a 5xx. Payload content is never logged.
 */
export function createGitLabRoute(options: GitLabRouteOptions) {
  const limit = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const answerWithin = options.answerWithinMs ?? 8_000;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const delivery = await readDelivery(req, res, options, limit);
    if (delivery) await answerDelivery(res, options, delivery, answerWithin);
  };
}

/** A delivery the route accepted: its event, and its id for the log. */
interface Delivery {
  event: TrackerEvent;
  deliveryId: string;
}

/**
 * Checks a request and reads its event: the token (against every secret, then against the named project's), the
 * size, the JSON, GitLab's headers and the payload's shape. Null when the request was answered here: refused, or
 * an event the app does not handle.
 */
async function readDelivery(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitLabRouteOptions,
  limit: number,
): Promise<Delivery | null> {
  const refuse = (status: number, body: object): null => {
    send(res, status, body);
    return null;
  };
  if (req.method !== 'POST') return refuse(405, { error: 'method not allowed' });
  const token = req.headers['x-gitlab-token'];
  if (typeof token !== 'string' || !matchesAny(token, options.secrets.all()))
    return refuse(401, { error: 'invalid token' });
  const declared = Number(req.headers['content-length'] ?? 0);
  const text = declared > limit ? null : await readBody(req, limit);
  if (text === null) {
    // Keep nothing more of an oversized body: answer, drain the rest unread and close the connection.
    res.setHeader('connection', 'close');
    send(res, 413, { error: 'payload too large' });
    req.resume();
    return null;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    // Without a payload there is no project: only the global secret vouches for the request.
    if (!matchesAny(token, options.secrets.forProject(null))) return refuse(401, { error: 'invalid token' });
    options.log.warn({ bytes: text.length }, 'malformed GitLab payload');
    return refuse(400, { error: 'malformed JSON' });
  }
  // The token must be the secret of the project the payload names (or of its group), not any configured one: a
  // secret known for one project cannot speak for another.
  const project = projectPathOf(payload);
  if (!matchesAny(token, options.secrets.forProject(project))) {
    options.log.warn({ project }, "GitLab token is not the named project's secret");
    return refuse(401, { error: 'invalid token' });
  }
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const deliveryId =
    header('idempotency-key') ?? header('x-gitlab-event-uuid') ?? header('x-gitlab-webhook-uuid') ?? '';
  // GitLab names every delivery's event: a request without the header did not come from a hook.
  if (!header('x-gitlab-event')) {
    options.log.warn({ bytes: text.length, delivery: deliveryId }, 'GitLab delivery without X-Gitlab-Event refused');
    return refuse(400, { error: 'missing X-Gitlab-Event' });
  }
  if (asRecord(payload)?.object_kind === 'push') {
    const change = normalizeGitLabPush(payload);
    if (change && options.push) await options.push({ ...change, deliveryId });
    // Answered as every event the app does not handle as an issue event is: 202.
    return refuse(202, change ? { accepted: true } : { ignored: true });
  }
  const event = normalizeGitLab(payload, deliveryId);
  if (!event) {
    // Events the app does not handle stay 2xx (GitLab disables a hook that keeps failing); a payload that claims
    // an issue or note event without the envelope GitLab always sends is refused, and logged by its shape only.
    const problem = gitlabPayloadProblem(payload);
    if (problem) {
      options.log.warn({ problem, bytes: text.length, delivery: deliveryId }, 'malformed GitLab payload');
      return refuse(400, { error: 'malformed payload' });
    }
    return refuse(202, { ignored: true });
  }
  return { event, deliveryId };
}

/** Handles an accepted delivery and answers it: 200 with the outcome, or 202 when late or failed (never a 5xx). */
async function answerDelivery(
  res: ServerResponse,
  options: GitLabRouteOptions,
  { event, deliveryId }: Delivery,
  answerWithin: number,
): Promise<void> {
  const work = options.handle(event).then(
    (outcome) => ({ ok: true as const, outcome }),
    (error: unknown) => {
      options.log.error({ err: describeError(error), delivery: deliveryId }, 'GitLab event failed');
      return { ok: false as const };
    },
  );
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), answerWithin).unref());
  const first = await Promise.race([work, timer]);
  if (first === 'late') return send(res, 202, { accepted: true });
  // Never a 5xx for a failure of our own: GitLab does not redeliver, and it disables a hook after four failed
  // deliveries in a row (for good after forty), which would lose every later event. The work is completed by
  // the next event on the incident, the sweep, or `npm run reconcile`; the body says it failed.
  if (!first.ok) return send(res, 202, { accepted: true, error: 'handling failed' });
  return send(res, 200, { outcome: first.outcome });
}

/** An error as a log object: name, message, status; never request bodies or headers. */
export function describeError(error: unknown): object {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return { name: error.name, message: error.message, ...(typeof status === 'number' ? { status } : {}) };
  }
  return { message: String(error) };
}
