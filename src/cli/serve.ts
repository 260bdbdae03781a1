import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { SmeeClient } from 'smee-client';
import { createAppServer } from '../server/http.js';
import type { AppServer } from '../server/http.js';
import type { ServerEnv } from '../server/env.js';
import { createLogger } from '../server/logger.js';
import type { Logger } from '../server/logger.js';

/** A running server, for the caller to stop (the command line stops it on SIGTERM and SIGINT). */
export interface Serving {
  app: AppServer;
  port: number;
  /** The port `/metrics` is served on (the main one unless `METRICS_PORT` is set). */
  metricsPort: number;
  stop(): Promise<void>;
}

/**
 * `incident-desk serve`: the one HTTP server on `PORT` (default 3000), the sweeper every `SWEEP_INTERVAL_SECONDS`,
 * `/metrics` on `METRICS_PORT` when set, and, for development, deliveries forwarded from `WEBHOOK_PROXY_URL` (a
 * smee.io channel) to the GitHub route.
 */
export async function serve(env: ServerEnv, options: { log?: Logger; cwd?: string } = {}): Promise<Serving> {
  const log = options.log ?? createLogger(env.LOG_LEVEL ?? 'info');
  const app = await createAppServer(env, { log, ...(options.cwd ? { cwd: options.cwd } : {}) });
  for (const missing of app.missing) log.warn({ missing }, 'tracker not configured');
  if (!app.github && !app.gitlab)
    log.warn({}, 'no tracker configured: serving /healthz and /handbook only (see .env.example)');
  const port = await listen(app.server, Number(env.PORT ?? 3000));
  const metricsServer = env.METRICS_PORT ? createServer((req, res) => app.serveMetrics(req, res)) : null;
  const metricsPort = metricsServer ? await listen(metricsServer, Number(env.METRICS_PORT)) : port;
  log.info(
    { port, metricsPort, github: app.github, gitlab: app.gitlab, coordination: app.coordination },
    'incident-desk listening',
  );
  // The sweep fires sitrep reminders, phase nudges and handoff expiry; 0 turns it off.
  const sweepSeconds = Number(env.SWEEP_INTERVAL_SECONDS ?? 60);
  const stopSweeper = sweepSeconds > 0 && (app.github || app.gitlab) ? app.startSweeper(sweepSeconds) : () => undefined;
  const proxy = env.WEBHOOK_PROXY_URL ? startProxy(env.WEBHOOK_PROXY_URL, port, log) : null;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      stopSweeper();
      proxy?.stop();
      log.info({}, 'stopping: finishing queued work');
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await app.close();
    })());
  return { app, port, metricsPort, stop };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Forwards the deliveries of a smee.io channel to this server's GitHub route, as Probot does for development: GitHub
 * sends to the channel, the channel streams them here. Never for production: the channel's address is its only secret.
 */
function startProxy(source: string, port: number, log: Logger): { stop(): void } {
  const target = `http://127.0.0.1:${port}/api/github/webhooks`;
  const client = new SmeeClient({
    source,
    target,
    logger: {
      info: (...args: unknown[]) => log.info({ proxy: 'smee' }, args.map(String).join(' ')),
      error: (...args: unknown[]) => log.warn({ proxy: 'smee' }, args.map(String).join(' ')),
    },
  });
  log.info({ target }, 'forwarding deliveries from WEBHOOK_PROXY_URL');
  const started = client.start();
  return {
    stop: () => {
      void Promise.resolve(started).then(() => client.stop());
    },
  };
}
