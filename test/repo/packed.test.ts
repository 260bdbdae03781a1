import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnOwned } from '../support/owned-process.js';
import { deliverGitHub, githubExample, testPrivateKey } from '../support/github-webhook.js';

/**
 * Issue 16, "done when": the package as an operator gets it. `npm pack` of this working tree (the build runs in
 * `prepack`, in a copy, so that this repository's dist/ is left alone), installed into an empty folder with its
 * production dependencies only (`npm ci --omit=dev`, offline: from npm's cache, never the network), then the
 * `incident-desk` executable of that folder: `--help`, `preview --demo`, `check-config`, and `serve` (with a `.env`)
 * answering `/healthz`, `/metrics` and a signed webhook.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the build reads: package.json's `files` come from these. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE'];
const FOLDERS = ['src', 'scripts', 'templates'];

let scratch: string;
let app: string;
let bin: string;

/**
 * The lock file of a folder that depends on the tarball alone: the tarball's own lock file (npm-shrinkwrap.json) for
 * its dependencies, with their registry addresses, so that `npm ci --offline` installs them from npm's cache by their
 * integrity (no registry metadata needed).
 */
function lockFor(tarball: string, shrinkwrap: { packages: Record<string, Record<string, any>> }) {
  const root = shrinkwrap.packages['']!;
  const manifest = JSON.parse(readFileSync(join(scratch, 'unpacked/package/package.json'), 'utf8'));
  const packages: Record<string, Record<string, any>> = {
    '': { name: 'operator', dependencies: { 'incident-desk': `file:${tarball}` } },
    'node_modules/incident-desk': {
      version: root.version,
      resolved: `file:${tarball}`,
      dependencies: root.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(shrinkwrap.packages)) {
    if (path === '' || entry.dev) continue;
    const name: string = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = {
      ...entry,
      resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`,
    };
  }
  return { name: 'operator', lockfileVersion: 3, requires: true, packages };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'incident-desk-packed-'));
  const source = join(scratch, 'source');
  mkdirSync(join(source, 'docs'), { recursive: true });
  for (const file of SOURCES) cpSync(join(ROOT, file), join(source, file));
  for (const folder of FOLDERS) cpSync(join(ROOT, folder), join(source, folder), { recursive: true });
  cpSync(join(ROOT, 'docs/handbook.md'), join(source, 'docs/handbook.md'));
  // The build needs the dev dependencies (tsc); the tarball never holds them.
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  const out = join(scratch, 'out');
  mkdirSync(out);
  await run('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: source });
  const tarball = join(out, 'incident-desk-0.1.0.tgz');
  mkdirSync(join(scratch, 'unpacked'));
  await run('tar', ['xzf', tarball, '-C', join(scratch, 'unpacked')]);
  const shrinkwrap = JSON.parse(readFileSync(join(scratch, 'unpacked/package/npm-shrinkwrap.json'), 'utf8'));
  app = join(scratch, 'operator');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'operator', private: true, dependencies: { 'incident-desk': `file:${tarball}` } }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockFor(tarball, shrinkwrap)));
  await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
  bin = join(app, 'node_modules/.bin/incident-desk');
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The installed executable, as an operator runs it in `cwd` (the operator's folder by default). */
async function desk(args: string[], cwd = app): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: scratch };
  try {
    const { stdout, stderr } = await run(bin, args, { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the packed tarball, installed with production dependencies only', () => {
  it('holds the build, the templates and the handbook, and installs no development tool', () => {
    const installed = join(app, 'node_modules');
    for (const path of ['dist/src/cli/main.js', 'templates/incident.md.hbs', 'docs/handbook.md'])
      expect(existsSync(join(installed, 'incident-desk', path)), path).toBe(true);
    for (const path of ['src', 'test', 'dist/src/cli/main.ts', 'dist/src/cli/main.js.map'])
      expect(existsSync(join(installed, 'incident-desk', path)), path).toBe(false);
    for (const tool of ['typescript', 'tsx', 'vitest', '@biomejs/biome', 'nock'])
      expect(existsSync(join(installed, tool)), tool).toBe(false);
  });

  it('`incident-desk --help` lists the commands; `preview --demo` prints the tickets of an intake', async () => {
    const help = await desk(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'reconcile', 'check-config', 'preview']) expect(help.stdout).toContain(command);
    const preview = await desk(['preview', '--demo']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/^An intake of acme\/web#1 would make \d+ writes:$/m);
  });

  it('`check-config` prints each problem with its line and column and exits 1; a good file exits 0', async () => {
    const bad = join(scratch, 'bad-clone');
    mkdirSync(join(bad, '.gitlab'), { recursive: true });
    writeFileSync(join(bad, '.gitlab/incident-desk.yml'), 'label: incident\ntaskDueDays: 0\n');
    const failed = await desk(['check-config', '.'], bad);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^\.gitlab\/incident-desk\.yml:2:14: taskDueDays: /m);
    const good = join(scratch, 'good-clone');
    mkdirSync(join(good, '.github'), { recursive: true });
    writeFileSync(join(good, '.github/incident-desk.yml'), 'label: incident\nidPrefix: SEC\n');
    expect(await desk(['check-config', '.'], good)).toMatchObject({
      code: 0,
      stdout: '.github/incident-desk.yml: ok\n',
    });
  });

  it('`serve` reads .env and answers /healthz, /metrics and a signed webhook; SIGTERM stops it', async () => {
    const secret = 'packed-webhook-secret';
    // The key as base64 of its PEM, one of Probot's forms; nothing is asked of GitHub for an event that is no trigger.
    const key = Buffer.from(testPrivateKey()).toString('base64');
    writeFileSync(
      join(app, '.env'),
      `PORT=0\nAPP_ID=1\nPRIVATE_KEY=${key}\nWEBHOOK_SECRET=${secret}\nSWEEP_INTERVAL_SECONDS=0\nLOG_LEVEL=info\n`,
    );
    const server = spawnOwned(bin, ['serve'], { cwd: app, env: { PATH: process.env.PATH ?? '', HOME: scratch } });
    try {
      let output = '';
      server.child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const port = await new Promise<number>((resolve, reject) => {
        const look = () => {
          const line = output.split('\n').find((l) => l.includes('incident-desk listening'));
          if (line) resolve(JSON.parse(line).port);
        };
        server.child.stdout.on('data', look);
        server.child.once('exit', () => reject(new Error(`serve exited: ${output}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', github: true, gitlab: false });

      // An issue opened without the trigger label: signed with the secret from .env, taken, and nothing to do.
      const payload = githubExample('opened');
      payload.issue.labels = [];
      payload.installation = { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
      expect((await deliverGitHub(url, secret, 'issues', payload, 'packed-1')).status).toBe(200);
      expect((await deliverGitHub(url, 'not-the-secret', 'issues', payload, 'packed-2')).status).toBeGreaterThan(399);

      // The delivery was answered at once; its work (here: finding nothing to do) is counted when it is done.
      let metrics = '';
      for (let attempt = 0; attempt < 100 && !metrics.includes('outcome="ignored"'); attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        metrics = await (await fetch(`${url}/metrics`)).text();
      }
      expect(metrics).toMatch(
        /^incident_desk_deliveries_total\{tracker="github",event="issue\.opened",outcome="ignored"\} 1$/m,
      );
      expect(metrics).toMatch(
        /^incident_desk_deliveries_total\{tracker="github",event="unknown",outcome="refused"\} 1$/m,
      );
      expect(metrics).toMatch(/^incident_desk_process_resident_memory_bytes \d+/m);
      // Every line of the server's log is JSON, and the key never reaches it.
      for (const line of output.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      expect(output).not.toContain(key.slice(0, 40));
    } finally {
      await server.stop(5_000);
    }
    // The guardian passes the server's own exit code on: 0 is `serve` finishing its work on SIGTERM and exiting.
    expect(server.child.exitCode).toBe(0);
  });
});
