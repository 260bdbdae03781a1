import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNodeMiddleware, Probot } from 'probot';
import type { pino } from 'pino';
import type { AdvisoryEvent, LabelEvent, TrackerEvent } from '../kernel/events.js';
import { GitHubTracker } from '../tracker/github/github-tracker.js';
import type { GitHubApiMemo } from '../tracker/github/github-tracker.js';
import { fetchWithTimeout, observedOctokit, resilientOctokit } from '../tracker/github/octokit.js';
import type { FileCache, Tracker } from '../tracker/port.js';
import { DEFAULT_RETRY_POLICY } from '../tracker/retry.js';
import { json } from './composition.js';
import type { Composed, CompositionDeps, SelfCheck, SweepTarget } from './composition.js';
import { MemoryInstallationChanges } from './coordination/installation-changes.js';
import { GitHubInstallations } from './github-installations.js';
import type { Installation, InstallationsRead } from './github-installations.js';
import type { StateKeys } from './state-seal.js';
import { TrackerError } from '../tracker/errors.js';
import { githubBaseUrl, privateKeyFrom, trackerStateKeys } from './env.js';
import type { ServerEnv } from './env.js';
import { createGitHubApp, githubSelfAccount, installationOf, isGitHubSelf, settleBeforeProbot } from './github-app.js';
import type { InstallationsListener } from './github-app.js';
import type { GitHubSelf } from './github-app.js';
import { MAX_WEBHOOK_BYTES, readBody } from './gitlab-route.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { answerWithin, queueKey } from './work-queue.js';

/**
 * How long a GitHub delivery waits for its work before it is answered anyway (the work goes on in the queue).
 * GitHub gives up after ten seconds; a failure within this time is answered 500, which GitHub's delivery log shows
 * and lets someone redeliver.
 */
export const GITHUB_ANSWER_WITHIN_MS = 5_000;

/** Probot needs a pino logger (it makes children per event); a plain test logger gets a silent one. */
function probotLogger(log: Logger): pino.Logger {
  const candidate = log as Partial<pino.Logger>;
  return typeof candidate.child === 'function' ? (log as pino.Logger) : createLogger('silent');
}

/** A GitHub delivery's body within {@link MAX_WEBHOOK_BYTES}, or null when it is larger (by its header or as read). */
async function githubBody(req: IncomingMessage): Promise<string | null> {
  if (req.method !== 'POST') return '';
  if (Number(req.headers['content-length'] ?? 0) > MAX_WEBHOOK_BYTES) return null;
  return readBody(req, MAX_WEBHOOK_BYTES);
}

/** True for a body that parses as JSON but not as an object (`null`, a string, a number, an array). */
function isJsonButNotObject(text: string): boolean {
  // Every delivery is an object: the common case costs no second parse.
  if (/^\s*\{/.test(text)) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value !== 'object' || value === null || Array.isArray(value);
  } catch {
    // Not JSON at all: Probot answers that 400 itself.
    return false;
  }
}

/** The HTTP status of an Octokit error, if it has one. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The App's installations (`GET /app/installations`, with the App's token), suspended ones left out. A list that fits
 * one page is read conditionally with the validator of the last read (`etag`): answered 304 while unchanged, which
 * GitHub's rate limit does not count.
 */
async function readInstallations(probot: Probot, etag: string | undefined): Promise<InstallationsRead> {
  const app = await probot.auth();
  type Listed = Array<{ id: number; account: { login?: string } | null; suspended_at?: string | null }>;
  let first: { data: unknown; headers: { etag?: string; link?: string } };
  try {
    first = await app.request('GET /app/installations', {
      per_page: 100,
      ...(etag ? { headers: { 'if-none-match': etag } } : {}),
    });
  } catch (error) {
    if (statusOf(error) === 304) return 'unchanged';
    throw error;
  }
  const more = /\brel="next"/.test(first.headers.link ?? '');
  const listed = (more ? await app.paginate('GET /app/installations', { per_page: 100 }) : first.data) as Listed;
  const installations: Installation[] = [];
  for (const installation of listed) {
    const account = installation.account?.login;
    if (account && !installation.suspended_at) installations.push({ id: installation.id, account });
  }
  return { installations, ...(!more && first.headers.etag ? { etag: first.headers.etag } : {}) };
}

/**
 * The sweep's targets on GitHub: a tracker per installation, each bound to its account for the sweep's search, the
 * list of installations kept between sweeps (see `GitHubInstallations`), and the trackers with it. An installation
 * whose listing answers 401 or 404 (removed, its token revoked) is dropped.
 */
function installationTargets(
  probot: Probot,
  installations: GitHubInstallations,
  self: GitHubSelf,
  stateKeys: StateKeys,
  api: GitHubApiMemo,
  files: FileCache | undefined,
): (at: Date) => Promise<SweepTarget[]> {
  const trackers = new Map<number, { account: string; tracker: Promise<Tracker> }>();
  const trackerOf = (installation: Installation) => {
    const known = trackers.get(installation.id);
    if (known?.account === installation.account) return known.tracker;
    const tracker = (async (): Promise<Tracker> => {
      const octokit = await probot.auth(installation.id);
      return new GitHubTracker(octokit, {
        account: installation.account,
        self: () => self(octokit),
        api,
        ...(files ? { files } : {}),
      });
    })();
    // A failed authentication is not kept: the next sweep tries again.
    tracker.catch(() => {
      if (trackers.get(installation.id)?.tracker === tracker) trackers.delete(installation.id);
    });
    trackers.set(installation.id, { account: installation.account, tracker });
    return tracker;
  };
  return async (at) => {
    const targets: SweepTarget[] = [];
    for (const installation of await installations.current(at)) {
      targets.push({
        tracker: await trackerOf(installation),
        stateKeys,
        gone: (error) => {
          const status = error instanceof TrackerError && error.operation === 'listOpenMasters' ? error.status : 0;
          if (status !== 401 && status !== 404) return false;
          installations.drop(installation.id);
          trackers.delete(installation.id);
          return true;
        },
      });
    }
    return targets;
  };
}

/**
 * The GitHub App from `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET`: Probot's middleware on
 * `POST /api/github/webhooks` (HMAC checked; the body's size checked first), a tracker per installation for each
 * delivery and for the sweep, and the app's own bot user (events by it are never answered).
 */
export async function composeGitHub(env: ServerEnv, deps: CompositionDeps): Promise<Composed> {
  const { log, queue, handle, settleOrdinary, handleAdvisory, handleLabel, overrides, logFor, metrics, files, push } =
    deps;
  const privateKey = await privateKeyFrom(env, overrides.cwd);
  if (!env.APP_ID || !privateKey || !env.WEBHOOK_SECRET)
    return { missing: 'GitHub: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET' };
  const stateKeys = trackerStateKeys(env, 'github', privateKey, log);
  const baseUrl = githubBaseUrl(env);
  const probot = new Probot({
    appId: env.APP_ID,
    privateKey,
    secret: env.WEBHOOK_SECRET,
    log: probotLogger(log),
    ...(baseUrl ? { baseUrl } : {}),
    // Every request is told to the metrics (method, route template, status); never a name or a text.
    Octokit: observedOctokit(
      overrides.githubOctokit ?? resilientOctokit({ observer: metrics.observer('github') }),
      metrics.observer('github'),
    ),
    // With Redis, plugin-throttling's Bottleneck groups live there: every replica spaces its writes with the others.
    ...(env.REDIS_URL ? { redisConfig: env.REDIS_URL } : {}),
    // Probot's own requests (installation tokens) bypass the Octokit plugins: they get the timeout here.
    request: { fetch: fetchWithTimeout(DEFAULT_RETRY_POLICY.timeoutMs) },
  });
  const answerMs = overrides.githubAnswerWithinMs ?? GITHUB_ANSWER_WITHIN_MS;
  // Probot answers once the handler returns: it returns when the work is done or the time is up, whichever first.
  const enqueue = async (e: TrackerEvent, t: Tracker, s: SelfCheck) => {
    try {
      const log = logFor(e);
      await answerWithin(
        queue.run(queueKey(e), (yieldTurn) => handle(e, t, s, stateKeys, { log, yieldTurn }), log),
        answerMs,
      );
    } catch {
      // The queue logged the error; GitHub's delivery log gets a plain 500 without the tracker's wording.
      throw new Error('handling failed; see the app log');
    }
  };
  // An advisory's events run in order per advisory, like an incident's.
  const enqueueAdvisory = async (e: AdvisoryEvent, t: Tracker, s: SelfCheck) => {
    try {
      await answerWithin(
        queue.run(`github:advisory:${e.advisory.ghsaId.toLowerCase()}`, (yieldTurn) =>
          handleAdvisory(e, t, s, stateKeys, yieldTurn),
        ),
        answerMs,
      );
    } catch {
      throw new Error('handling failed; see the app log');
    }
  };
  // A repository's label creations run in order per repository (its trigger label, then the app's own labels).
  const enqueueLabel = async (e: LabelEvent, t: Tracker, s: SelfCheck) => {
    if (!handleLabel) return;
    try {
      await answerWithin(
        queue.run(`github:labels:${e.project.path.toLowerCase()}`, () => handleLabel(e, t, s, stateKeys)),
        answerMs,
      );
    } catch {
      throw new Error('handling failed; see the app log');
    }
  };
  const self = githubSelfAccount(probot);
  // What this process learns of the GitHub server's API (one host per process): an older GitHub Enterprise Server
  // without GraphQL's `parentIssueId` is asked once, not at every intake.
  const api: GitHubApiMemo = {};
  // The sweep's installations, kept between sweeps; deliveries say when they change.
  const installations = new GitHubInstallations({
    read: (etag) => readInstallations(probot, etag),
    changes: deps.installations?.changes ?? new MemoryInstallationChanges(),
    wake: deps.installations?.wake ?? (async () => undefined),
  });
  const app = createGitHubApp({
    handle: enqueue,
    handleAdvisory: enqueueAdvisory,
    handleLabel: enqueueLabel,
    self,
    log,
    api,
    ...(files ? { files: files.github } : {}),
    ...(push ? { push } : {}),
    installations,
    ...(settleOrdinary ? { settle: (event: TrackerEvent) => settleOrdinary(event) !== null } : {}),
  });
  const middleware = await createNodeMiddleware(app, {
    probot,
    webhooksPath: '/api/github/webhooks',
  });
  const route = githubRoute(middleware, log, {
    secret: env.WEBHOOK_SECRET,
    installations,
    ...(settleOrdinary ? { settle: (event: TrackerEvent) => settleOrdinary(event) !== null } : {}),
  });
  return {
    composition: {
      route,
      isSelf: isGitHubSelf,
      sweepTargets: installationTargets(probot, installations, self, stateKeys, api, files?.github),
    },
  };
}

/**
 * The GitHub webhook route in front of Probot's middleware. Probot reads any body whole into memory: the size is
 * checked here first (413, the rest not read), and the body handed on as the string Probot verifies the signature of.
 * Ordinary traffic is answered here, its signature checked as Probot checks it, before Probot makes anything for it
 * (`answeredBeforeProbot`).
 */
function githubRoute(
  middleware: Awaited<ReturnType<typeof createNodeMiddleware>>,
  log: Logger,
  ordinary: { secret: string; installations: InstallationsListener; settle?: (event: TrackerEvent) => boolean },
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void githubBody(req).then(
      (text) => {
        if (text === null) {
          res.setHeader('connection', 'close');
          json(res, 413, { error: 'payload too large' });
          req.resume();
          return;
        }
        // A body that is JSON but no object is no delivery GitHub sends (Probot would answer it 500): refused here.
        if (isJsonButNotObject(text)) {
          log.warn({ bytes: text.length }, 'malformed GitHub payload');
          json(res, 400, { error: 'malformed payload' });
          return;
        }
        if (ordinary.settle && answeredBeforeProbot(req, res, text, ordinary, log)) return;
        (req as IncomingMessage & { body?: string }).body = text;
        return middleware(req, res, () => json(res, 404, { error: 'not found' }));
      },
      (error: unknown) => {
        log.warn({ err: { message: (error as Error).message } }, 'GitHub delivery could not be read');
        if (!res.headersSent) json(res, 400, { error: 'unreadable body' });
      },
    );
  };
}

/** The content types Probot's middleware takes a delivery in (`@octokit/webhooks`); anything else it refuses. */
const JSON_CONTENT = /^\s*application\/json\s*(?:;|$)/u;

/**
 * Answers a delivery no route can want as Probot would (`200 ok`), without Probot: only a POST that Probot would
 * take (JSON, GitHub's three headers), whose `X-Hub-Signature-256` is the HMAC-SHA256 of the body with the webhook
 * secret (compared in constant time, as `@octokit/webhooks` compares it), and which `settleBeforeProbot` settles. False
 * for everything else, which Probot then checks and answers as always: a forged or malformed delivery is refused there,
 * and counted as refused. Probot would make an Octokit, a logger and a context for the delivery: none is made here. The
 * sweep's list of installations hears of the delivery as it does of every other (`installationOf`).
 */
function answeredBeforeProbot(
  req: IncomingMessage,
  res: ServerResponse,
  text: string,
  ordinary: { secret: string; installations: InstallationsListener; settle?: (event: TrackerEvent) => boolean },
  log: Logger,
): boolean {
  const { secret, settle } = ordinary;
  if (!settle) return false;
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const event = header('x-github-event');
  const id = header('x-github-delivery');
  const signature = header('x-hub-signature-256');
  if (event !== 'issues' && event !== 'issue_comment') return false;
  if (!id || !signature || !JSON_CONTENT.test(header('content-type') ?? '')) return false;
  if (!signedWith(secret, text, signature)) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return false;
  }
  if (!settleBeforeProbot(event, payload, id, settle)) return false;
  log.debug({ delivery: id, event }, 'ordinary delivery answered before Probot');
  const from = installationOf(event, payload);
  const told = from
    ? ordinary.installations.seen(from.id, from.account).catch((error: unknown) => {
        log.warn({ delivery: id, err: { message: (error as Error).message } }, 'installations not updated');
      })
    : Promise.resolve();
  void told.then(() => {
    res.writeHead(200, { 'content-type': 'text/plain', accept: 'application/json', 'content-length': '3' });
    res.end('ok\n');
  });
  return true;
}

/** True when `signature` is `sha256=` and the hex HMAC-SHA256 of `text` with `secret`. */
function signedWith(secret: string, text: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(text).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
