import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { CliIo } from '../../src/cli/run.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { memoryLogger } from '../support/app-context.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { fastGitLabClientOptions, fastResilientOctokit } from '../support/resilient-clients.js';

/** Runs the command line in-process in `cwd` with `env`, and answers its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}, cwd = folder()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: { ...env },
    cwd,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    clients: { githubOctokit: fastResilientOctokit(), gitlabClientOptions: fastGitLabClientOptions() },
    log: memoryLogger(),
  };
  const code = await runCli(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'incident-desk-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('incident-desk --help', () => {
  it('lists every command; each command has its own help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['serve', 'reconcile', 'check-config', 'preview']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      const one = await cli([command, '--help']);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(new RegExp(`^Usage: incident-desk ${command}`));
    }
  });

  it('without a command prints the usage and fails; an unknown one is one line', async () => {
    expect(await cli([])).toMatchObject({ code: 2, stdout: expect.stringContaining('Usage: incident-desk') });
    const unknown = await cli(['deploy']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe('incident-desk: unknown command "deploy" (incident-desk --help lists them)');
  });

  it.each([
    [['reconcile'], /^incident-desk reconcile: reconcile needs exactly one issue url$/],
    [['check-config', 'a', 'b'], /^incident-desk check-config: check-config needs exactly one project or path$/],
    [['check-config', 'x', '--color'], /^incident-desk check-config: unknown option --color$/],
    [['preview', '--tracker'], /^incident-desk preview: --tracker needs a value$/],
    [['reconcile', 'https://elsewhere.example/a/b/issues/1'], /is neither GITLAB_URL's host nor GitHub's/],
    [['reconcile', 'https://github.com/acme/web/issues/1'], /set APP_ID and PRIVATE_KEY/],
  ])('%j: one line, exit code 2', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('\n');
  });

  it('a private key that cannot be read is one line that never repeats the key', async () => {
    const run = await cli(['reconcile', 'https://github.com/acme/web/issues/1'], {
      APP_ID: '1',
      PRIVATE_KEY: 'sekrit-not-a-key',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^incident-desk reconcile: the GitHub App's private key cannot be read: /);
    expect(run.stderr).not.toContain('sekrit');
  });
});

const VALID = 'label: security-incident\nidPrefix: SEC\ntemplates:\n  task: .github/desk/task.md.hbs\n';
const TASK = '## {{title}}\n\n{{summary}}\n';

describe('incident-desk check-config <path>', () => {
  it('a clone whose file and templates are fine: exit code 0', async () => {
    const dir = folder({ '.github/incident-desk.yml': VALID, '.github/desk/task.md.hbs': TASK });
    const run = await cli(['check-config', '.'], {}, dir);
    expect(run).toMatchObject({ code: 0, stdout: '.github/incident-desk.yml: ok', stderr: '' });
    // The file itself names its repository: the folder above `.github/`.
    expect((await cli(['check-config', join(dir, '.github/incident-desk.yml')])).code).toBe(0);
  });

  it('every problem as file:line:column: key: message, and exit code 1', async () => {
    const dir = folder({
      '.gitlab/incident-desk.yml': 'lable: incident\ntaskDueDays: 0\ntemplates:\n  task: desk/task.md.hbs\n',
    });
    const run = await cli(['check-config', dir], {}, dir);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      expect.stringMatching(/^\.gitlab\/incident-desk\.yml:1:1: lable: unknown key "lable"\. Did you mean `label`\?/),
      expect.stringMatching(/^\.gitlab\/incident-desk\.yml:2:14: taskDueDays: must be a whole number of days/),
      '2 problems',
    ]);
  });

  it('a template that is missing or does not compile is a problem', async () => {
    const missing = await cli(['check-config', '.'], {}, folder({ '.github/incident-desk.yml': VALID }));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('templates.task: no file at .github/desk/task.md.hbs on the default branch');
    const broken = folder({ '.github/incident-desk.yml': VALID, '.github/desk/task.md.hbs': '{{#if}}' });
    const run = await cli(['check-config', '.'], {}, broken);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/templates: template task: /);
  });

  it('a folder without a configuration file, a name neither a path nor reachable: exit code 2', async () => {
    expect((await cli(['check-config', '.'])).stderr).toMatch(/holds neither \.github\/incident-desk\.yml/);
    const remote = await cli(['check-config', 'acme/web']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/set GITHUB_TOKEN \(or APP_ID and PRIVATE_KEY\), or GITLAB_URL and GITLAB_TOKEN$/);
  });
});

describe('incident-desk check-config <project> on the trackers', () => {
  it('GitHub with a personal token (GITHUB_TOKEN), reading an inherited file', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('acme/web', { visibility: 'public' });
    store.addProject('acme/policy', { visibility: 'private' });
    store.putFile('acme/web', '.github/incident-desk.yml', '_extends: policy\nlabel: sec\n');
    store.putFile('acme/policy', '.github/incident-desk.yml', 'idPrefix: SEC\nclosGuard: false\n');
    const fake = await startFakeGitHub(store);
    onTestFinished(fake.close);
    const env = { GITHUB_TOKEN: 'ghp_test', GHE_HOST: new URL(fake.url).host, GHE_PROTOCOL: 'http' };
    const run = await cli(['check-config', 'acme/web'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^acme\/policy:\.github\/incident-desk\.yml:2:1: closGuard: unknown key/m);
    // Read only: nothing but reads.
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    store.putFile('acme/policy', '.github/incident-desk.yml', 'idPrefix: SEC\n');
    expect((await cli(['check-config', `http://${env.GHE_HOST}/acme/web`], env)).stdout).toBe(
      'acme/web:.github/incident-desk.yml: ok (inherits acme/policy:.github/incident-desk.yml)',
    );
  });

  it('GitLab with GITLAB_URL and GITLAB_TOKEN; with both trackers set, --tracker says which', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('sec/sub/app', { visibility: 'internal' });
    store.putFile('sec/sub/app', '.gitlab/incident-desk.yml', 'children: [release, blog]\n');
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    const env = { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test' };
    const run = await cli(['check-config', 'sec/sub/app'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^sec\/sub\/app:\.gitlab\/incident-desk\.yml:1:21: children\[1\]: must be `release` or `comms`$/m,
    );
    const both = { ...env, GITHUB_TOKEN: 'ghp_test' };
    expect((await cli(['check-config', 'sec/sub/app'], both)).stderr).toMatch(/say which with --tracker/);
    expect((await cli(['check-config', 'sec/sub/app', '--tracker', 'gitlab'], both)).code).toBe(1);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });
});

describe('incident-desk preview', () => {
  it('--demo prints the tickets of an intake without any tracker', async () => {
    const run = await cli(['preview', '--demo']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^An intake of acme\/web#1 would make \d+ writes:$/m);
    expect(run.stdout).toContain('- create master in acme/security-incidents');
    expect(run.stdout).toContain('acme/security-incidents#1  [INC-');
    const github = await cli(['preview', '--demo', '--tracker', 'github']);
    expect(github.stdout).toContain('acme/website#1');
  });

  it('a real report on GitLab: the tickets it would make, and not one write to GitLab', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('acme/web', { visibility: 'public' });
    store.addProject('sec/incidents', { visibility: 'private' });
    store.putFile('acme/web', '.gitlab/incident-desk.yml', 'incidentProject: sec/incidents\n');
    store.putFile('sec/incidents', '.gitlab/incident-desk.yml', 'reportsFrom: [acme/web]\nidPrefix: SEC\n');
    for (let i = 0; i < 6; i++) store.seedIssue('acme/web', { title: `other ${i}` });
    const report = store.seedIssue('acme/web', {
      title: 'SQL injection in search',
      body: 'details',
      labels: ['incident'],
    });
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    const env = { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test' };
    const before = store.allIssues('sec/incidents').length;
    const run = await cli(['preview', `${fake.url}/acme/web/-/issues/${report.ref.number}`], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`An intake of acme/web#${report.ref.number} would make`);
    expect(run.stdout).toContain('sec/incidents#1  [INC-2026-1] SQL injection in search');
    expect(store.allIssues('sec/incidents')).toHaveLength(before);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('an incident project that does not take the report says so', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('acme/web', { visibility: 'public' });
    store.addProject('sec/incidents', { visibility: 'private' });
    store.putFile('acme/web', '.gitlab/incident-desk.yml', 'incidentProject: sec/incidents\n');
    const report = store.seedIssue('acme/web', { title: 'x', labels: ['incident'] });
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    const run = await cli(['preview', `${fake.url}/acme/web/-/issues/${report.ref.number}`], {
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'glpat-test',
    });
    expect(run.stdout).toBe(
      'The intake would stop: sec/incidents does not take reports from acme/web (its reportsFrom).',
    );
  });
});
