import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The parent's handle on a forked process under test (`bench/target.ts`). */
export interface Target {
  url: string;
  /** RSS and heap now, after a full GC when the child runs with --expose-gc (it always does here). */
  memory(gc: boolean): Promise<{ rss: number; heapUsed: number; gc: boolean }>;
  /** The highest RSS and heap sampled since the last call. */
  peak(): Promise<{ rss: number; heapUsed: number }>;
  /** Resolves when the server's queued webhook work is done; answers how long that took. */
  idle(): Promise<{ waitedMs: number }>;
  /** CPU time (user + system) the process used so far, ms. */
  cpuMs(): Promise<number>;
  /** One sweep of the app at `at` (the sweep's clock; the schedule decides whether it lists). */
  sweep(at: Date): Promise<{ masters: number; fired: number; completed: number } | null>;
  stop(): Promise<void>;
}

const TARGET = fileURLToPath(new URL('./target.ts', import.meta.url));
/** No answer from the child within this time is a failure of the bench, not a number. */
const ANSWER_TIMEOUT_MS = 120_000;

/** Forks `bench/target.ts` with `env` (no other environment: no tokens of the caller leak in). */
export async function startTarget(env: Record<string, string>): Promise<Target> {
  const child: ChildProcess = fork(TARGET, [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    // BENCH_CPU_PROF=<dir> profiles the process under test (`node --cpu-prof`), one .cpuprofile per process.
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const waiting = new Map<number, (answer: unknown) => void>();
  const ready = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench target exited with ${code} before it was ready`)));
    child.on('message', (message: { id: number; ready?: boolean; port?: number }) => {
      if (message.id === 0 && message.ready) return resolve(message.port!);
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    });
  });
  const ask = <T>(body: object): Promise<T> => {
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench target did not answer ${JSON.stringify(body)}`)),
        ANSWER_TIMEOUT_MS,
      );
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer as T);
      });
      child.send({ id, ...body });
    });
  };
  const port = await ready;
  return {
    url: `http://127.0.0.1:${port}`,
    memory: (gc) => ask({ type: 'memory', gc }),
    peak: () => ask({ type: 'peak' }),
    idle: () => ask({ type: 'idle' }),
    cpuMs: async () => (await ask<{ cpuMs: number }>({ type: 'cpu' })).cpuMs,
    sweep: async (at) =>
      (
        await ask<{ report: { masters: number; fired: number; completed: number } | null }>({
          type: 'sweep',
          at: at.toISOString(),
        })
      ).report,
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask({ type: 'stop' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
