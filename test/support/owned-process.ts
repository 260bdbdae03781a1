import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GUARDIAN = fileURLToPath(new URL('./guardian.mjs', import.meta.url));

/** Where the global setup collects the process groups the tests started, to stop what is left at the end. */
export const REGISTRY_ENV = 'INCIDENT_DESK_TEST_PROCESSES';

/** A process a test started, in a process group of its own. */
export interface OwnedProcess {
  child: ChildProcessWithoutNullStreams;
  /** True once the process has exited. */
  exited(): boolean;
  /** Resolves when the process has exited. */
  gone(): Promise<void>;
  /** Asks the command to stop (SIGTERM), SIGKILLs its whole group after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** Ends the whole group at once (SIGKILL). */
  kill(): Promise<void>;
}

// The groups this test process started and has not seen end: stopped on exit, whatever else happens.
const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function forget(pid: number): void {
  live.delete(pid);
  const registry = process.env[REGISTRY_ENV];
  if (registry) rmSync(join(registry, String(pid)), { force: true });
}

/**
 * Starts `command` for a test so that it cannot outlive the test run: it runs under a guardian in a process group
 * of its own (stopped as a whole), the guardian ends it when this process dies (its stdin closes), this process
 * kills what is left when it exits, and the global teardown kills what any test process left behind.
 */
export function spawnOwned(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): OwnedProcess {
  const child = spawn(process.execPath, [GUARDIAN, command, ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  live.add(pid);
  const registry = process.env[REGISTRY_ENV];
  if (registry) writeFileSync(join(registry, String(pid)), '');
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const group of live) killGroup(group);
    });
  }
  const gonePromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      // The guardian is gone; anything its command left in the group goes with it.
      killGroup(pid);
      forget(pid);
      resolve();
    });
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    exited,
    gone: () => gonePromise,
    stop: async (graceMs = 3_000) => {
      if (exited()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(pid), graceMs);
      await gonePromise;
      clearTimeout(timer);
    },
    kill: async () => {
      if (exited()) return;
      killGroup(pid);
      await gonePromise;
    },
  };
}
