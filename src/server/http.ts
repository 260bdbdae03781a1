import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import type { TrackerEvent } from '../kernel/events.js';
import { GitHubTracker } from '../tracker/github/github-tracker.js';
import { fetchWithTimeout, resilientOctokit } from '../tracker/github/octokit.js';
import { createGitLabClient } from '../tracker/gitlab/client.js';
import type { GitLabClientOptions } from '../tracker/gitlab/client.js';
import { GitLabTracker } from '../tracker/gitlab/gitlab-tracker.js';
import type { Tracker } from '../tracker/port.js';
import { DEFAULT_RETRY_POLICY } from '../tracker/retry.js';
import { loadDefaultTemplates } from '../templates/load.js';
import { memoryCoordination, redisCoordination } from './coordination/coordination.js';
import type { Coordination } from './coordination/coordination.js';
import type { DeliveryGuard } from './coordination/delivery-guard.js';
import { createGitHubApp, githubSelfAccount } from './github-app.js';
import type { GitHubSelf } from './github-app.js';
import { createGitLabRoute, MAX_WEBHOOK_BYTES, readBody } from './gitlab-route.js';
import { parseWebhookSecrets, WebhookSecretsError } from './webhook-secrets.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { handleEvent } from './handle-event.js';
import { loadHandbook, renderHandbookHtml } from './handbook.js';
import type { KeyedLock } from './coordination/keyed-lock.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { sweepTracker } from '../sweep/handle.js';
import { SettingsCache } from '../config/load.js';
import { stateKeysFromEnv } from './state-seal.js';
import type { StateKeys } from './state-seal.js';
import type { SweepReport } from '../sweep/handle.js';
import type { SweepGate } from './coordination/sweep-gate.js';
import { answerWithin, queueKey, WorkQueue } from './work-queue.js';
import type { pino } from 'pino';

/** The environment the server reads; every variable is optional. */
export interface ServerEnv {
  PORT?: string;
  PUBLIC_URL?: string;
  APP_ID?: string;
  PRIVATE_KEY?: string;
  PRIVATE_KEY_PATH?: string;
  WEBHOOK_SECRET?: string;
  GHE_HOST?: string;
  GHE_PROTOCOL?: string;
  GITLAB_URL?: string;
  GITLAB_TOKEN?: string;
  GITLAB_WEBHOOK_SECRET?: string;
  /** Secrets of projects and groups, as a JSON object of paths to secrets (see `WebhookSecrets`). */
  GITLAB_WEBHOOK_SECRETS?: string;
  LOG_LEVEL?: string;
  /** Set to run several replicas: deliveries, incident locks, the sweeper's turn and GitHub's throttling are shared. */
  REDIS_URL?: string;
  /** Seconds between sweeps (read by the entry); with Redis, a finished sweep keeps the turn for this long. */
  SWEEP_INTERVAL_SECONDS?: string;
  /**
   * Signs the app's hidden state (comma-separated: the first signs, all verify). Without it, each tracker's
   * credential serves as the secret (see `stateKeysFromEnv`).
   */
  STATE_SECRET?: string;
  /** Secrets still accepted, never used to sign: the ones a rotation replaced (comma-separated). */
  STATE_SECRET_PREVIOUS?: string;
}

/**
 * How long a GitHub delivery waits for its work before it is answered anyway (the work goes on in the queue).
 * GitHub gives up after ten seconds; a failure within this time is answered 500, which GitHub's delivery log shows
 * and lets someone redeliver.
 */
export const GITHUB_ANSWER_WITHIN_MS = 5_000;

/** Seams for tests: a quieter Octokit (no throttling), a logger, shared guards. */
export interface ServerOverrides {
  log?: Logger;
  /** Production: `resilientOctokit()` (retries, throttling, a timeout per request). */
  githubOctokit?: typeof ProbotOctokit;
  /** Retry policy and rate limits of the GitLab client; production defaults when left out. */
  gitlabClientOptions?: Omit<GitLabClientOptions, 'host' | 'token'>;
  /** How long a GitHub delivery waits for its work before it is answered ({@link GITHUB_ANSWER_WITHIN_MS}). */
  githubAnswerWithinMs?: number;
  /** How long a GitLab delivery waits for its work before it is answered 202 (8 s by default). */
  gitlabAnswerWithinMs?: number;
  deliveries?: DeliveryGuard;
  locks?: KeyedLock;
  sweepGate?: SweepGate;
  /** The clock of event handling (tests pass a fixed one). */
  now?: () => Date;
}

export interface AppServer {
  server: Server;
  github: boolean;
  gitlab: boolean;
  /** What is missing for each tracker, for the start-up message and `/healthz`. */
  missing: string[];
  /** One sweep over every open incident of every configured tracker, at `now` (tests pass a fake clock). */
  sweep(now?: Date): Promise<SweepReport>;
  /** Sweeps every `intervalSeconds` until the returned function is called; overlapping sweeps are skipped. */
  startSweeper(intervalSeconds: number): () => void;
  /** Resolves once the webhook work queued so far (and queued meanwhile) is done. */
  idle(): Promise<void>;
  /** `memory` (one process) or `redis` (replicas share deliveries, locks and the sweep). */
  coordination: Coordination['kind'];
  /** Stops taking deliveries, finishes queued work (at most `drainMs`, default 20 s), closes the connection to Redis. */
  close(drainMs?: number): Promise<void>;
}

/** The GitHub App's private key from `PRIVATE_KEY` (with escaped newlines) or `PRIVATE_KEY_PATH`. */
export async function privateKeyFrom(env: ServerEnv): Promise<string | undefined> {
  if (env.PRIVATE_KEY) return env.PRIVATE_KEY.replace(/\\n/g, '\n');
  if (env.PRIVATE_KEY_PATH) return readFile(env.PRIVATE_KEY_PATH, 'utf8');
  return undefined;
}

/** Probot needs a pino logger (it makes children per event); a plain test logger gets a silent one. */
function probotLogger(log: Logger): pino.Logger {
  const candidate = log as Partial<pino.Logger>;
  return typeof candidate.child === 'function' ? (log as pino.Logger) : createLogger('silent');
}

/** The API base URL of a GitHub Enterprise Server (`GHE_HOST`), undefined for github.com. */
export function githubBaseUrl(env: ServerEnv): string | undefined {
  if (!env.GHE_HOST) return undefined;
  return `${env.GHE_PROTOCOL ?? 'https'}://${env.GHE_HOST}/api/v3`;
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

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * One HTTP server: `POST /api/github/webhooks` (Probot, HMAC checked), `POST /api/gitlab/webhooks`
 * (token checked), `GET /healthz`, `GET /handbook`. Either tracker may be unconfigured.
 */
export async function createAppServer(env: ServerEnv, overrides: ServerOverrides = {}): Promise<AppServer> {
  const log = overrides.log ?? createLogger(env.LOG_LEVEL ?? 'info');
  const port = env.PORT ?? '3000';
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const handbookUrl = `${publicUrl}/handbook`;
  const [defaultTemplates, handbookMarkdown] = await Promise.all([loadDefaultTemplates(), loadHandbook()]);
  const handbookHtml = renderHandbookHtml(handbookMarkdown);
  const coordination = env.REDIS_URL
    ? redisCoordination(env.REDIS_URL, { log, sweepHoldMs: sweepHoldMs(env) })
    : memoryCoordination();
  const deliveries = overrides.deliveries ?? coordination.deliveries;
  const locks = overrides.locks ?? coordination.locks;
  const missing: string[] = [];
  // Webhook work runs here, in order per incident, so that deliveries are answered within the trackers' limits.
  const queue = new WorkQueue(log);

  const now = overrides.now ?? (() => new Date());
  const settingsCache = new SettingsCache();
  const handle = (event: TrackerEvent, tracker: Tracker, isSelf: (actor: { username: string; id: number }) => Promise<boolean>, stateKeys: StateKeys) =>
    handleEvent(event, { tracker, isSelf, deliveries, locks, handbookUrl, defaultTemplates, settingsCache, log, now, stateKeys });
  // Every tracker the sweep visits (the GitLab one, and one per GitHub installation, listed at each sweep), with the
  // keys of its hidden state.
  const sweepTrackers: Array<() => Promise<Array<{ tracker: Tracker; stateKeys: StateKeys }>>> = [];

  let githubMiddleware: ((req: IncomingMessage, res: ServerResponse, next?: () => void) => unknown) | undefined;
  const privateKey = await privateKeyFrom(env);
  if (env.APP_ID && privateKey && env.WEBHOOK_SECRET) {
    const stateKeys = trackerStateKeys(env, 'github', privateKey, log);
    const baseUrl = githubBaseUrl(env);
    const probot = new Probot({
      appId: env.APP_ID,
      privateKey,
      secret: env.WEBHOOK_SECRET,
      log: probotLogger(log),
      ...(baseUrl ? { baseUrl } : {}),
      Octokit: overrides.githubOctokit ?? resilientOctokit(),
      // With Redis, plugin-throttling's Bottleneck groups live there: every replica spaces its writes with the others.
      ...(env.REDIS_URL ? { redisConfig: env.REDIS_URL } : {}),
      // Probot's own requests (installation tokens) bypass the Octokit plugins: they get the timeout here.
      request: { fetch: fetchWithTimeout(DEFAULT_RETRY_POLICY.timeoutMs) },
    });
    const answerMs = overrides.githubAnswerWithinMs ?? GITHUB_ANSWER_WITHIN_MS;
    // Probot answers once the handler returns: it returns when the work is done or the time is up, whichever first.
    const enqueue = async (e: TrackerEvent, t: Tracker, s: (actor: { username: string; id: number }) => Promise<boolean>) => {
      try {
        await answerWithin(queue.run(queueKey(e), () => handle(e, t, s, stateKeys)), answerMs);
      } catch {
        // The queue logged the error; GitHub's delivery log gets a plain 500 without the tracker's wording.
        throw new Error('handling failed; see the app log');
      }
    };
    const self = githubSelfAccount(probot);
    githubMiddleware = await createNodeMiddleware(createGitHubApp({ handle: enqueue, self, log }), {
      probot,
      webhooksPath: '/api/github/webhooks',
    });
    sweepTrackers.push(async () => (await installationTrackers(probot, self)).map((tracker) => ({ tracker, stateKeys })));
  } else {
    missing.push('GitHub: set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET');
  }

  let gitlabRoute: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let gitlabSecrets: WebhookSecrets | undefined;
  if (env.GITLAB_WEBHOOK_SECRET || env.GITLAB_WEBHOOK_SECRETS) {
    try {
      gitlabSecrets = parseWebhookSecrets(env.GITLAB_WEBHOOK_SECRET, env.GITLAB_WEBHOOK_SECRETS);
    } catch (error) {
      // Fail closed: the route is not served rather than served with fewer secrets than meant. The message names no secret.
      if (!(error instanceof WebhookSecretsError)) throw error;
      log.error({ err: { message: error.message } }, 'GitLab webhook secrets cannot be read');
    }
  }
  if (env.GITLAB_URL && env.GITLAB_TOKEN && gitlabSecrets) {
    const stateKeys = trackerStateKeys(env, 'gitlab', env.GITLAB_TOKEN, log);
    const client = createGitLabClient({ host: env.GITLAB_URL, token: env.GITLAB_TOKEN, ...overrides.gitlabClientOptions });
    const tracker = new GitLabTracker(client);
    // The app's own GitLab user (read once by the tracker): its own events are never answered.
    const isSelf = async (actor: { id: number }): Promise<boolean> => actor.id === (await tracker.getSelf()).id;
    gitlabRoute = createGitLabRoute({
      secrets: gitlabSecrets,
      log,
      handle: (event) => queue.run(queueKey(event), () => handle(event, tracker, isSelf, stateKeys)),
      ...(overrides.gitlabAnswerWithinMs !== undefined ? { answerWithinMs: overrides.gitlabAnswerWithinMs } : {}),
    });
    sweepTrackers.push(async () => [{ tracker, stateKeys }]);
  } else {
    missing.push('GitLab: set GITLAB_URL, GITLAB_TOKEN, and GITLAB_WEBHOOK_SECRET or a valid GITLAB_WEBHOOK_SECRETS');
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      void health().then((body) => json(res, body.status === 'ok' ? 200 : 503, body));
      return;
    }
    if (path === '/handbook' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : handbookHtml);
      return;
    }
    if (path === '/api/gitlab/webhooks') {
      if (!gitlabRoute) return json(res, 503, { error: 'GitLab is not configured on this server' });
      gitlabRoute(req, res).catch((error: unknown) => {
        // A request that broke off or could not be read: GitLab is never answered a 5xx (it disables a failing hook).
        log.warn({ err: { message: (error as Error).message } }, 'GitLab delivery could not be read');
        if (!res.headersSent) json(res, 400, { error: 'unreadable request' });
      });
      return;
    }
    if (path === '/api/github/webhooks') {
      if (!githubMiddleware) return json(res, 503, { error: 'GitHub is not configured on this server' });
      const middleware = githubMiddleware;
      // Probot reads any body whole into memory: the size is checked here first (413, the rest not read), and the
      // body handed on as the string Probot verifies the signature of.
      void githubBody(req).then((text) => {
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
      }, (error: unknown) => {
        log.warn({ err: { message: (error as Error).message } }, 'GitHub delivery could not be read');
        if (!res.headersSent) json(res, 400, { error: 'unreadable body' });
      });
      return;
    }
    json(res, 404, { error: 'not found' });
  });

  // A replica that cannot reach the shared Redis cannot guard deliveries or locks: the balancer should skip it.
  const health = async () => {
    const shared = coordination.kind === 'redis' ? { redis: await coordination.healthy() } : {};
    const status = shared.redis === false ? 'unavailable' : 'ok';
    return { status, github: Boolean(githubMiddleware), gitlab: Boolean(gitlabRoute), ...shared };
  };

  const sweepGate = overrides.sweepGate ?? coordination.sweepGate;
  // Sweeps under way, so that closing waits for them before the locks' store goes away.
  const sweeping = new Set<Promise<unknown>>();
  const sweep = async (at: Date = now()): Promise<SweepReport> => {
    const total: SweepReport = { masters: 0, fired: 0, completed: 0 };
    const run = sweepGate.run(async () => {
      for (const list of sweepTrackers) {
        for (const { tracker, stateKeys } of await list()) {
          const report = await sweepTracker(tracker, { locks, handbookUrl, defaultTemplates, settingsCache, log, stateKeys }, at);
          total.masters += report.masters;
          total.fired += report.fired;
          total.completed += report.completed;
        }
      }
    });
    sweeping.add(run);
    try {
      await run;
    } finally {
      sweeping.delete(run);
    }
    return total;
  };
  const startSweeper = (intervalSeconds: number): (() => void) => {
    const timer = setInterval(() => {
      sweep().catch((error: unknown) => log.error({ err: { message: (error as Error).message } }, 'sweep failed'));
    }, intervalSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  };

  const close = async (drainMs = 20_000) => {
    // No new connections; idle kept-alive ones are closed now, so no new delivery arrives on them either.
    const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    server.closeIdleConnections();
    // Work already taken (and sweeps under way) is finished within a bound before the locks' store goes away; what
    // is cut off is completed by the next event or the sweep, like any interrupted run.
    const drained = (async () => {
      await queue.idle();
      await Promise.allSettled([...sweeping]);
    })();
    await answerWithin(drained, drainMs);
    // A connection still open (a client that keeps one alive, a request still running) does not hold the stop.
    server.closeAllConnections();
    await closed;
    await coordination.close();
  };
  return {
    server,
    github: Boolean(githubMiddleware),
    gitlab: Boolean(gitlabRoute),
    missing,
    sweep,
    startSweeper,
    idle: () => queue.idle(),
    coordination: coordination.kind,
    close,
  };
}

/**
 * The keys of a tracker's hidden state: `STATE_SECRET` (and `STATE_SECRET_PREVIOUS`), or the tracker's own credential
 * when it is not set, which is said once at start (see README, "Threat model").
 */
export function trackerStateKeys(env: ServerEnv, tracker: Tracker['kind'], credential: string, log: Logger): StateKeys {
  const { keys, derived } = stateKeysFromEnv(env, credential);
  if (derived) {
    const from = tracker === 'github' ? "the GitHub App's private key" : 'GITLAB_TOKEN';
    log.warn({ tracker, from }, 'STATE_SECRET is not set: the hidden state is signed with a key derived from the tracker credential; set STATE_SECRET before rotating it');
  }
  return keys;
}

/**
 * How long a finished sweep keeps the shared turn: nine tenths of the interval, so that the replica that swept
 * sweeps again at its next tick and the others skip theirs in between.
 */
function sweepHoldMs(env: ServerEnv): number {
  const seconds = Number(env.SWEEP_INTERVAL_SECONDS ?? 60);
  return Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds * 900) : 0;
}

/** A tracker per installation of the GitHub App, each bound to its account for the sweep's search. */
async function installationTrackers(probot: Probot, self: GitHubSelf): Promise<Tracker[]> {
  const appOctokit = await probot.auth();
  const installations = (await appOctokit.paginate('GET /app/installations', { per_page: 100 })) as Array<{ id: number; account: { login?: string } | null }>;
  const trackers: Tracker[] = [];
  for (const installation of installations) {
    const login = installation.account?.login;
    if (!login) continue;
    const octokit = await probot.auth(installation.id);
    trackers.push(new GitHubTracker(octokit, { account: login, self: () => self(octokit) }));
  }
  return trackers;
}
