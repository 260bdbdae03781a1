import { fileURLToPath } from 'node:url';
import { spawnOwned } from './owned-process.js';
import { freePort } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One log line of a replica (pino JSON). */
export interface ReplicaLogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Replica {
  url: string;
  /** Every JSON line the replica logged so far. */
  lines: ReplicaLogLine[];
  /** What it wrote to stderr, for a failing test's message. */
  stderr(): string;
  stop(): Promise<void>;
  /** Ends the process at once (SIGKILL): no cleanup, its Redis keys stay until their leases end. */
  kill(): Promise<void>;
}

/**
 * The production entry (`src/index.ts`, run by tsx) as its own process on a free loopback port, with `env` on top
 * of a minimal environment (no sweeper unless `SWEEP_INTERVAL_SECONDS` says so). Resolves once `/healthz` answers.
 */
export async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  // Its own process group under a guardian: it ends with the test run however the run ends (see owned-process.ts).
  const owned = spawnOwned(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', SWEEP_INTERVAL_SECONDS: '0', ...env, PORT: String(port) },
  });
  const { child } = owned;
  const lines: ReplicaLogLine[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as ReplicaLogLine);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (owned.exited()) throw new Error(`replica exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await owned.kill();
      throw new Error(`replica did not answer /healthz within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    lines,
    stderr: () => stderr,
    kill: () => owned.kill(),
    stop: () => owned.stop(),
  };
}
