import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGISTRY_ENV } from './owned-process.js';

/**
 * Gives the test processes a folder to register the process groups they start in, and at the end of the run
 * (passed or failed) kills every group still registered and waits until it is gone: after `npm test`, no process
 * the tests started runs.
 */
export default function setup(): () => Promise<void> {
  const registry = mkdtempSync(join(tmpdir(), 'incident-desk-test-processes-'));
  process.env[REGISTRY_ENV] = registry;
  return async () => {
    const groups = readdirSync(registry)
      .map(Number)
      .filter((pid) => pid > 0);
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const deadline = Date.now() + 5_000;
    while (groups.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    rmSync(registry, { recursive: true, force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
