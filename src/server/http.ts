import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AdvisoryEvent, LabelEvent, PushEvent, TrackerEvent } from '../kernel/events.js';
import type { TrackerKind } from '../kernel/model.js';
import type { Tracker } from '../tracker/port.js';
import { loadDefaultTemplates } from '../templates/load.js';
import { memoryCoordination, redisCoordination } from './coordination/coordination.js';
import { Coalescer } from './coordination/coalesce.js';
import type { Coordination } from './coordination/coordination.js';
import type { SweepGate } from './coordination/sweep-gate.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { handleEvent } from './handle-event.js';
import { handleAdvisoryDelivery } from './handle-advisory-event.js';
import { handleLabelDelivery } from './handle-label-event.js';
import { loadHandbook, renderHandbookHtml } from './handbook.js';
import { childLogger, createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { deliveryBindings } from './delivery-log.js';
import { deliveryOutcome, eventLabel, Metrics } from './metrics.js';
import { ordinaryKind, ROUTES } from './routes.js';
import { isIntakeTrigger } from '../intake/trigger.js';
import { WriteGuard } from './write-guard.js';
import { keptTriggerLabel, SettingsCache } from '../config/load.js';
import type { StateKeys } from './state-seal.js';
import { sweepOnSchedule } from '../sweep/handle.js';
import type { ReviewsSeen } from '../sweep/handle.js';
import type { NextDue, SweepReport } from '../sweep/handle.js';
import type { SweepSchedule } from './coordination/sweep-schedule.js';
import { answerWithin, WorkQueue } from './work-queue.js';
import { composeGitHub } from './github-composition.js';
import { composeGitLab } from './gitlab-composition.js';
import { json } from './composition.js';
import type {
  Composed,
  DeliveryWork,
  SelfCheck,
  ServerOverrides,
  SweepTarget,
  TrackerComposition,
} from './composition.js';
import { configMaxAgeMs, sweepHoldMs, sweepSafetyMs } from './env.js';
import { ConfigFiles } from './config-files.js';
import type { ServerEnv } from './env.js';

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
  /** Answers `GET /metrics` (for a server of its own on `METRICS_PORT`). */
  serveMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** The server's metrics. */
  metrics: Metrics;
  /** `memory` (one process) or `redis` (replicas share deliveries, locks and the sweep). */
  coordination: Coordination['kind'];
  /**
   * Stops taking deliveries, finishes queued work (at most `drainMs`, default 20 s), closes the connection to Redis.
   */
  close(drainMs?: number): Promise<void>;
}

/**
 * One HTTP server: `POST /api/github/webhooks` (Probot, HMAC checked), `POST /api/gitlab/webhooks`
 * (token checked), `GET /healthz`, `GET /handbook`. Either tracker may be unconfigured. Each tracker is composed
 * on its own (`composeGitHub`, `composeGitLab`); this wires them into the routes (`serveRequest`), the work queue,
 * the sweep (`createSweeper`) and the shutdown (`closeServer`).
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
  // Ticks that queue behind an incident's lock are folded into one write (issue 15, bursts).
  const batches = new Coalescer(locks, overrides.coalesce);
  const missing: string[] = [];
  // Webhook work runs here, in order per incident, so that deliveries are answered within the trackers' limits.
  const queue = new WorkQueue(log);

  const now = overrides.now ?? (() => new Date());
  const settingsCache = new SettingsCache();
  const metrics = new Metrics({
    queueDepth: () => queue.pending,
    ...(coordination.kind === 'redis' ? { redisUp: () => coordination.healthy() } : {}),
  });
  // Made once per delivery, the pino child only when a line is logged (see `childLogger`).
  const logFor = (event: TrackerEvent) => childLogger(log, () => deliveryBindings(event));
  const context = (
    tracker: Tracker,
    isSelf: SelfCheck,
    stateKeys: StateKeys,
    work: Logger,
    yieldTurn?: () => void,
  ): EventContext => ({
    tracker,
    isSelf,
    deliveries,
    locks,
    batches,
    ...(yieldTurn ? { yieldTurn } : {}),
    handbookUrl,
    defaultTemplates,
    settingsCache,
    log: work,
    now,
    stateKeys,
    sweepSchedule: coordination.sweepSchedule,
  });
  /** Runs one delivery's work, counting its outcome and duration under `label`. */
  const measured = async (tracker: TrackerKind, label: string, work: () => Promise<EventOutcome>) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const outcome = await work();
      metrics.delivery(tracker, label, deliveryOutcome(outcome), seconds());
      return outcome;
    } catch (error) {
      metrics.delivery(tracker, label, 'failed', seconds());
      throw error;
    }
  };
  const handle = (
    event: TrackerEvent,
    tracker: Tracker,
    isSelf: SelfCheck,
    stateKeys: StateKeys,
    work: Partial<DeliveryWork> = {},
  ) =>
    measured(event.tracker, eventLabel(event), () =>
      handleEvent(event, context(tracker, isSelf, stateKeys, work.log ?? logFor(event), work.yieldTurn)),
    );
  const handleAdvisory = (
    event: AdvisoryEvent,
    tracker: Tracker,
    isSelf: SelfCheck,
    stateKeys: StateKeys,
    yieldTurn?: () => void,
  ) => {
    const label = `advisory.${event.action}`;
    const work = childLogger(log, { delivery: event.deliveryId || null, tracker: event.tracker, event: label });
    return measured(event.tracker, label, () =>
      handleAdvisoryDelivery(event, context(tracker, isSelf, stateKeys, work, yieldTurn)),
    );
  };
  const handleLabel = (event: LabelEvent, tracker: Tracker, isSelf: SelfCheck, stateKeys: StateKeys) => {
    const label = `label.${event.action}`;
    const work = childLogger(log, { delivery: event.deliveryId || null, tracker: event.tracker, event: label });
    return measured(event.tracker, label, () => handleLabelDelivery(event, context(tracker, isSelf, stateKeys, work)));
  };
  // Configuration and templates kept between events; a push drops what it changed on every replica.
  const files = new ConfigFiles(configMaxAgeMs(env));
  coordination.configChanges.subscribe((change) => files.forget(change));
  // Ordinary traffic is counted and answered before the queue: what no route can want, and labels that the kept
  // configuration says are not the trigger. A label whose configuration is not at hand goes to `handleEvent`, which
  // reads it before anything else.
  const settleOrdinary = (event: TrackerEvent): EventOutcome | null => {
    const started = process.hrtime.bigint();
    const kind = ordinaryKind(event);
    if (kind === 'unless-trigger' && event.kind === 'issue') {
      const label = keptTriggerLabel(event.project.path, event.tracker, files[event.tracker], settingsCache);
      if (label === undefined || isIntakeTrigger(event, label)) return null;
    } else if (kind !== 'ordinary') return null;
    metrics.delivery(event.tracker, eventLabel(event), 'ignored', Number(process.hrtime.bigint() - started) / 1e9);
    return 'not-a-trigger';
  };
  // One push delivery both drops what it changed and, with the project's tracker, checks the configuration it left.
  const push = (change: PushEvent, tracker?: Tracker) => {
    const work = childLogger(log, { delivery: change.deliveryId || null, tracker: change.tracker, event: 'push' });
    return measured(change.tracker, 'push', () =>
      ROUTES['config-push'](change, {
        configChanged: async (pushed) => {
          files.forget(pushed);
          await coordination.configChanges.publish(pushed);
        },
        sweepSchedule: coordination.sweepSchedule,
        ...(tracker ? { check: { tracker: new WriteGuard(tracker), defaultTemplates, log: work } } : {}),
      }),
    );
  };
  const installations = {
    changes: coordination.installationChanges,
    wake: () => coordination.sweepSchedule.changed(),
  };
  const deps = {
    log,
    queue,
    handle,
    settleOrdinary,
    handleAdvisory,
    handleLabel,
    overrides,
    logFor,
    metrics,
    files,
    push,
    installations,
  };
  // One composition per tracker: its webhook route, its own-event check, the trackers the sweep visits.
  const compositions: TrackerComposition[] = [];
  const compose = (composed: Composed): TrackerComposition | undefined => {
    if ('missing' in composed) {
      missing.push(composed.missing);
      return undefined;
    }
    compositions.push(composed.composition);
    return composed.composition;
  };
  const github = compose(await composeGitHub(env, deps));
  const gitlab = compose(composeGitLab(env, deps));

  // A replica that cannot reach the shared Redis cannot guard deliveries or locks: the balancer should skip it.
  const health = async (): Promise<Health> => {
    const shared = coordination.kind === 'redis' ? { redis: await coordination.healthy() } : {};
    const status = shared.redis === false ? 'unavailable' : 'ok';
    return { status, github: Boolean(github), gitlab: Boolean(gitlab), ...shared };
  };
  // `/metrics` is served here unless METRICS_PORT puts it on a port of its own (kept off the public balancer).
  const metricsHere = env.METRICS_PORT ? undefined : metrics;
  const server = createServer((req, res) =>
    serveRequest(req, res, { github, gitlab, handbookHtml, health, metrics: metricsHere, refused: metrics }),
  );
  const sweeper = createSweeper({
    compositions,
    gate: overrides.sweepGate ?? coordination.sweepGate,
    schedule: coordination.sweepSchedule,
    safetyMs: sweepSafetyMs(env),
    context: { locks, handbookUrl, defaultTemplates, settingsCache, log, draftListings: new Map() },
    now,
    metrics,
  });
  return {
    server,
    github: Boolean(github),
    gitlab: Boolean(gitlab),
    missing,
    sweep: sweeper.sweep,
    startSweeper: sweeper.start,
    idle: () => queue.idle(),
    serveMetrics: (req, res) => metrics.serve(req, res),
    metrics,
    coordination: coordination.kind,
    close: (drainMs = 20_000) => closeServer(server, { queue, sweeper, coordination }, drainMs),
  };
}

/** The answers of a webhook route that refuse a delivery at the door. */
const REFUSED_STATUSES = new Set([400, 401, 405, 413]);

/** What `/healthz` answers. */
interface Health {
  status: 'ok' | 'unavailable';
  github: boolean;
  gitlab: boolean;
  redis?: boolean;
}

/** Answers one request by its path: health, the handbook, a tracker's webhook route, or 404. */
function serveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  routes: {
    github?: TrackerComposition;
    gitlab?: TrackerComposition;
    handbookHtml: string;
    health: () => Promise<Health>;
    /** Serves `/metrics` here; undefined when it is served on `METRICS_PORT`. */
    metrics: Metrics | undefined;
    /** Counts the deliveries refused at the door. */
    refused: Metrics;
  },
): void {
  const { github, gitlab } = routes;
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics' && routes.metrics) {
    routes.metrics.serve(req, res);
    return;
  }
  const tracker = path === '/api/github/webhooks' ? 'github' : path === '/api/gitlab/webhooks' ? 'gitlab' : null;
  if (tracker) {
    // A delivery refused before it was read as an event (signature, token, size, shape): its event is not trusted.
    res.once('finish', () => {
      if (REFUSED_STATUSES.has(res.statusCode)) routes.refused.refused(tracker);
    });
  }
  if (path === '/healthz') {
    void routes.health().then((body) => json(res, body.status === 'ok' ? 200 : 503, body));
    return;
  }
  if (path === '/handbook' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : routes.handbookHtml);
    return;
  }
  if (path === '/api/gitlab/webhooks') {
    if (gitlab) gitlab.route(req, res);
    else json(res, 503, { error: 'GitLab is not configured on this server' });
    return;
  }
  if (path === '/api/github/webhooks') {
    if (github) github.route(req, res);
    else json(res, 503, { error: 'GitHub is not configured on this server' });
    return;
  }
  json(res, 404, { error: 'not found' });
}

/** The sweep over every configured tracker, on demand or by an interval, and the sweeps under way. */
interface Sweeper {
  sweep(at?: Date): Promise<SweepReport>;
  start(intervalSeconds: number): () => void;
  /** Sweeps under way, so that closing waits for them before the locks' store goes away. */
  underWay: Set<Promise<unknown>>;
}

/**
 * One listing of every target of every composition at `at`, added up in `total`. One target's failure does not keep
 * the others from being swept: the failures are answered, and the sweep fails after them (the schedule records
 * nothing, and the next tick lists again). A target that is gone (a removed installation) is dropped instead.
 */
async function sweepCompositions(
  compositions: TrackerComposition[],
  context: Omit<EventContext, 'tracker' | 'isSelf' | 'deliveries' | 'stateKeys' | 'now'>,
  at: Date,
  due: NextDue,
  total: SweepReport,
): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const composition of compositions) {
    let targets: SweepTarget[];
    try {
      targets = await composition.sweepTargets(at);
    } catch (error) {
      failures.push(error);
      continue;
    }
    for (const target of targets) {
      let report: SweepReport;
      try {
        report = await ROUTES.sweep(target.tracker, { ...context, stateKeys: target.stateKeys }, at, due);
      } catch (error) {
        if (!target.gone?.(error)) {
          failures.push(error);
          continue;
        }
        context.log.warn({ err: { message: (error as Error).message } }, 'sweep target gone; dropped');
        // The next tick lists again, after a new read of the list: one dropped by mistake is back in time.
        due.at = at;
        continue;
      }
      total.masters += report.masters;
      total.fired += report.fired;
      total.completed += report.completed;
      if (report.drafts) total.drafts = (total.drafts ?? 0) + report.drafts;
    }
  }
  return failures;
}

function createSweeper(options: {
  compositions: TrackerComposition[];
  gate: SweepGate;
  schedule: SweepSchedule;
  safetyMs: number;
  context: Omit<EventContext, 'tracker' | 'isSelf' | 'deliveries' | 'stateKeys' | 'now'>;
  now: () => Date;
  metrics: Metrics;
}): Sweeper {
  const { compositions, gate, schedule, safetyMs, context, now, metrics } = options;
  const underWay = new Set<Promise<unknown>>();
  // What this process's listings saw of each incident's review (see `ReviewsSeen`).
  const reviews: ReviewsSeen = new Map();
  const sweep = async (at: Date = now()): Promise<SweepReport> => {
    const total: SweepReport = { masters: 0, fired: 0, completed: 0 };
    // Nothing is asked of any tracker (not even its installations) while the schedule says nothing is due.
    const run = gate.run(async () => {
      await sweepOnSchedule(
        schedule,
        at,
        safetyMs,
        async (due) => {
          const failures = await sweepCompositions(compositions, context, at, due, total);
          // The first failure is the sweep's (logged by its caller); the others are said here.
          for (const error of failures.slice(1))
            context.log.error({ err: { message: (error as Error).message } }, 'sweep of a tracker failed');
          if (failures.length > 0) throw failures[0];
          return total;
        },
        reviews,
      );
    });
    underWay.add(run);
    try {
      await run;
    } catch (error) {
      metrics.sweep('failed', total.fired);
      throw error;
    } finally {
      underWay.delete(run);
    }
    metrics.sweep('done', total.fired);
    return total;
  };
  const start = (intervalSeconds: number): (() => void) => {
    const timer = setInterval(() => {
      sweep().catch((error: unknown) =>
        context.log.error({ err: { message: (error as Error).message } }, 'sweep failed'),
      );
    }, intervalSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  };
  return { sweep, start, underWay };
}

/** Stops taking deliveries, finishes queued work and sweeps (at most `drainMs`), closes the coordination. */
async function closeServer(
  server: Server,
  running: { queue: WorkQueue; sweeper: Sweeper; coordination: Coordination },
  drainMs: number,
): Promise<void> {
  // No new connections; idle kept-alive ones are closed now, so no new delivery arrives on them either.
  const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  server.closeIdleConnections();
  // Work already taken (and sweeps under way) is finished within a bound before the locks' store goes away; what
  // is cut off is completed by the next event or the sweep, like any interrupted run.
  const drained = (async () => {
    await running.queue.idle();
    await Promise.allSettled([...running.sweeper.underWay]);
  })();
  await answerWithin(drained, drainMs);
  // A connection still open (a client that keeps one alive, a request still running) does not hold the stop.
  server.closeAllConnections();
  await closed;
  await running.coordination.close();
}
