import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnOwned } from '../support/owned-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** True while `pid` runs; a zombie (ended, not yet reaped by its new parent) has ended. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    // The state follows the command name in parentheses: `Z` is a zombie.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return !alive(pid);
}

/** Runs the orphan maker (a test process that starts a command and dies) and answers the pids it printed. */
async function orphanMaker(mode: 'killed' | 'exit'): Promise<{ guardian: number; command: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/orphan-maker.ts', mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(out.trim()) as { guardian: number; command: number };
}

describe('processes the tests start', () => {
  it('end when the test process that started them is killed (no cleanup of its own ran)', async () => {
    const { guardian, command } = await orphanMaker('killed');
    expect(await gone(command, 5_000)).toBe(true);
    expect(await gone(guardian, 5_000)).toBe(true);
  });

  it('end when the test process exits without stopping them', async () => {
    const { guardian, command } = await orphanMaker('exit');
    // The exit hook kills the group before the process is gone: nothing is left to wait for.
    expect(await gone(command, 1_000)).toBe(true);
    expect(await gone(guardian, 1_000)).toBe(true);
  });

  it('stop as a whole group: a command that ignores the polite stop is killed after the grace time', async () => {
    const owned = spawnOwned('sh', ['-c', 'trap "" TERM; echo "$$"; while :; do sleep 1; done']);
    const pid = await new Promise<number>((resolve) =>
      owned.child.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim()))),
    );
    expect(alive(pid)).toBe(true);
    await owned.stop(200);
    expect(await gone(pid, 2_000)).toBe(true);
  });
});
