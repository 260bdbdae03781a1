import type { AddressInfo } from 'node:net';
import { ProbotOctokit } from 'probot';
import { onTestFinished } from 'vitest';
import { createAppServer } from '../../src/server/http.js';
import type { ServerEnv } from '../../src/server/env.js';
import type { ServerOverrides } from '../../src/server/composition.js';
import { memoryLogger } from './app-context.js';

/**
 * Probot's Octokit without throttling and retries. Probot passes its own throttle options to every
 * instance, so the switch must be applied last, by a function default.
 */
export function quietOctokit(): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options: Record<string, any>) => ({
    ...options,
    throttle: { ...options.throttle, enabled: false },
    retry: { enabled: false },
  }));
}

/** Starts the real app server on loopback; answers its base URL and a closer. */
export async function startAppServer(env: ServerEnv, overrides: ServerOverrides = {}) {
  const log = memoryLogger();
  const app = await createAppServer(env, {
    log,
    // The throttling plugin spaces writes seconds apart: right in production, only slow in tests.
    githubOctokit: quietOctokit(),
    ...overrides,
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    log,
    close: () => app.close(),
  };
}

/**
 * A started server whose `close` runs once (by a restart, or when the test finishes), registered to end with the test.
 */
export function closedOnce<T extends { close: () => Promise<void> }>(started: T): T {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= started.close());
  onTestFinished(close);
  return { ...started, close };
}
