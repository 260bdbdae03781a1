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
import type { Composed, CompositionDeps, SelfCheck } from './composition.js';
import { githubBaseUrl, privateKeyFrom, trackerStateKeys } from './env.js';
import type { ServerEnv } from './env.js';
import { createGitHubApp, githubSelfAccount, isGitHubSelf } from './github-app.js';
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

/** A tracker per installation of the GitHub App, each bound to its account for the sweep's search. */
async function installationTrackers(
  probot: Probot,
  self: GitHubSelf,
  api: GitHubApiMemo,
  files?: FileCache,
): Promise<Tracker[]> {
  const appOctokit = await probot.auth();
  const installations = (await appOctokit.paginate('GET /app/installations', { per_page: 100 })) as Array<{
    id: number;
    account: { login?: string } | null;
  }>;
  const trackers: Tracker[] = [];
  for (const installation of installations) {
    const login = installation.account?.login;
    if (!login) continue;
    const octokit = await probot.auth(installation.id);
    trackers.push(
      new GitHubTracker(octokit, { account: login, self: () => self(octokit), api, ...(files ? { files } : {}) }),
    );
  }
  return trackers;
}

/**
 * The GitHub App from `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET`: Probot's middleware on
 * `POST /api/github/webhooks` (HMAC checked; the body's size checked first), a tracker per installation for each
 * delivery and for the sweep, and the app's own bot user (events by it are never answered).
 */
export async function composeGitHub(env: ServerEnv, deps: CompositionDeps): Promise<Composed> {
  const { log, queue, handle, handleAdvisory, handleLabel, overrides, logFor, metrics, files, push } = deps;
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
      await answerWithin(
        queue.run(queueKey(e), () => handle(e, t, s, stateKeys), logFor(e)),
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
        queue.run(`github:advisory:${e.advisory.ghsaId.toLowerCase()}`, () => handleAdvisory(e, t, s, stateKeys)),
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
  const app = createGitHubApp({
    handle: enqueue,
    handleAdvisory: enqueueAdvisory,
    handleLabel: enqueueLabel,
    self,
    log,
    api,
    ...(files ? { files: files.github } : {}),
    ...(push ? { push } : {}),
  });
  const middleware = await createNodeMiddleware(app, {
    probot,
    webhooksPath: '/api/github/webhooks',
  });
  const route = githubRoute(middleware, log);
  return {
    composition: {
      route,
      isSelf: isGitHubSelf,
      sweepTargets: async () =>
        (await installationTrackers(probot, self, api, files?.github)).map((tracker) => ({ tracker, stateKeys })),
    },
  };
}

/**
 * The GitHub webhook route in front of Probot's middleware. Probot reads any body whole into memory: the size is
 * checked here first (413, the rest not read), and the body handed on as the string Probot verifies the signature of.
 */
function githubRoute(
  middleware: Awaited<ReturnType<typeof createNodeMiddleware>>,
  log: Logger,
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
