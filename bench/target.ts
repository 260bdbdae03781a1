/**
 * The process under test, forked by the bench (`bench/target-client.ts`) so that its memory and CPU are its own:
 * the fake tracker, its store and the load generator live in the parent. `BENCH_TARGET=app` runs the real server
 * (`createAppServer`), `BENCH_TARGET=bare` a bare Probot app that only acknowledges the same events (the
 * framework's floor). Both listen on 127.0.0.1 and talk only to the fake named by GHE_HOST / GITLAB_URL.
 * Messages from the parent: `memory` (after a GC when run with --expose-gc), `peak` (the highest RSS and heap
 * sampled every 50 ms since the last `peak`), `idle` (the queued webhook work is done), `cpu`, `stop`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, Probot } from 'probot';
import { GITHUB_EVENTS } from '../src/server/github-app.js';
import { createLogger } from '../src/server/logger.js';
import { createAppServer } from '../src/server/http.js';
import type { AppServer } from '../src/server/http.js';
import type { ServerEnv } from '../src/server/env.js';
import { quietOctokit } from '../test/support/app-server.js';

export type TargetMessage =
  | { id: number; type: 'memory'; gc: boolean }
  | { id: number; type: 'peak' }
  | { id: number; type: 'idle' }
  | { id: number; type: 'cpu' }
  | { id: number; type: 'sweep'; at: string }
  | { id: number; type: 'stop' };

const env = process.env as ServerEnv & { BENCH_TARGET?: string; BENCH_PRODUCTION?: string };
const kind = env.BENCH_TARGET === 'bare' ? 'bare' : 'app';
/**
 * `BENCH_PRODUCTION=1`: the clients as `npm start` makes them (Probot's throttling and retries, gitbeaker's rate
 * limits) and the real clock, for the section of what users feel.
 */
const production = env.BENCH_PRODUCTION === '1';

/**
 * The server's clock runs 60 times faster than the wall clock: deliveries on one incident come tens of milliseconds
 * apart here, and at real time two events of one person within a second make the same timeline line, which the app
 * writes once (it takes the second for a redelivery of the first). At 60× they are seconds apart, as people's are.
 */
const CLOCK_SPEED = 60;
const clockStart = Date.now();
const now = () => new Date(clockStart + (Date.now() - clockStart) * CLOCK_SPEED);

async function start(): Promise<{ server: import('node:http').Server; app?: AppServer }> {
  if (kind === 'app') {
    if (production) {
      const app = await createAppServer(env, { log: createLogger('silent') });
      return { server: app.server, app };
    }
    const app = await createAppServer(env, {
      log: createLogger('silent'),
      now,
      // Probot's throttling spaces writes about 3 s apart (right against GitHub, only slow against a fake) and
      // its retries hide failures: both off, as in the end-to-end tests.
      githubOctokit: quietOctokit(),
      // gitbeaker's client-side rate limits likewise: effectively none.
      gitlabClientOptions: { rateLimits: { '**': 1_000_000 } },
    });
    return { server: app.server, app };
  }
  const probot = new Probot({
    appId: env.APP_ID!,
    privateKey: env.PRIVATE_KEY!,
    secret: env.WEBHOOK_SECRET!,
    log: createLogger('silent') as never,
    baseUrl: `http://${env.GHE_HOST}/api/v3`,
    // Production: Probot's own Octokit (throttling and retries on), as the app's.
    ...(production ? {} : { Octokit: quietOctokit() }),
  });
  // The floor: the same events subscribed, the same signature check and routing, a handler that does nothing.
  const middleware = await createNodeMiddleware(
    (app: Probot) => {
      app.on([...GITHUB_EVENTS], async () => {});
    },
    { probot, webhooksPath: '/api/github/webhooks' },
  );
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  return { server };
}

const { server, app } = await start();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

let peak = { rss: 0, heapUsed: 0 };
const sample = () => {
  const m = process.memoryUsage();
  if (m.rss > peak.rss) peak.rss = m.rss;
  if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
};
const sampler = setInterval(sample, 50);

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (message: TargetMessage) => {
  const answer = (body: object) => process.send?.({ id: message.id, ...body });
  switch (message.type) {
    case 'memory': {
      if (message.gc && gc) gc();
      const m = process.memoryUsage();
      answer({ rss: m.rss, heapUsed: m.heapUsed, gc: Boolean(message.gc && gc) });
      return;
    }
    case 'peak': {
      sample();
      answer({ ...peak });
      peak = { rss: 0, heapUsed: 0 };
      return;
    }
    case 'idle': {
      const started = performance.now();
      void (app ? app.idle() : Promise.resolve()).then(() => answer({ waitedMs: performance.now() - started }));
      return;
    }
    case 'sweep': {
      void (app ? app.sweep(new Date(message.at)) : Promise.resolve(null)).then((report) => answer({ report }));
      return;
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      answer({ cpuMs: (user + system) / 1000 });
      return;
    }
    case 'stop':
      clearInterval(sampler);
      server.closeAllConnections();
      server.close(() => {
        answer({});
        process.disconnect();
      });
  }
});
process.send?.({ id: 0, ready: true, port: (server.address() as AddressInfo).port });
