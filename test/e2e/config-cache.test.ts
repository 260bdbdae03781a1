import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { Issue, Project } from '../../src/kernel/model.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { deliverGitHub, githubIssuePayload, testPrivateKey } from '../support/github-webhook.js';
import { deliverGitLab, gitlabLabeledPayload } from '../support/gitlab-webhook.js';
import { startRedis } from '../support/redis-server.js';
import type { RedisServer } from '../support/redis-server.js';

// The configuration of a project is kept between events (ordinary traffic asks the tracker nothing), revalidated
// with a conditional request once it is older than CONFIG_MAX_AGE_SECONDS, and dropped by a push to the default
// branch that changes it, on every replica (Redis pub/sub). Real server, fake trackers on loopback.

const SECRET = 'webhook-secret';
const KEY = testPrivateKey();
const CONFIG = '.github/incident-desk.yml';
const REPORT = { title: 'Token leak in build logs', body: 'The deploy token is printed at step 4.\n' };
const closers: Array<() => Promise<void>> = [];
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A push of `paths` to the default branch, as GitHub sends it. */
function githubPush(project: Project, paths: string[], ref = 'refs/heads/main') {
  return {
    ref,
    before: '0'.repeat(40),
    after: '1'.repeat(40),
    forced: false,
    repository: { id: project.id, full_name: project.path, name: project.path.split('/')[1], default_branch: 'main' },
    commits: [{ id: '1'.repeat(40), added: [], removed: [], modified: paths }],
    installation: { id: 4242 },
    sender: { login: 'octo', id: 1, type: 'User' },
  };
}

async function githubWorld(replicas: number, env: Record<string, string> = {}) {
  const store = new MemoryStore({ kind: 'github' });
  const fake = await startFakeGitHub(store);
  closers.push(fake.close);
  const servers: Array<Awaited<ReturnType<typeof startAppServer>>> = [];
  for (let i = 0; i < replicas; i += 1) {
    const server = await startAppServer({
      APP_ID: '1',
      PRIVATE_KEY: KEY,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: new URL(fake.url).host,
      GHE_PROTOCOL: 'http',
      ...env,
    });
    closers.push(server.close);
    servers.push(server);
  }
  const project = store.addProject('acme/security', { visibility: 'private' });
  // The trigger label is `security-incident` here: an issue labeled `incident` is ordinary traffic.
  store.putFile('acme/security', CONFIG, 'label: security-incident\n');
  let delivery = 0;
  const deliver = (replica: number, event: string, payload: object) =>
    deliverGitHub(servers[replica]!.url, SECRET, event, payload, `d-${++delivery}`);
  const reads = () => fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/contents/'));
  const opened = (issue: Issue) => trustedState(store.issue(issue.ref))?.role === 'master';
  return { store, fake, project, deliver, reads, opened };
}

describe('the configuration kept between events', () => {
  it('ordinary traffic reads it once; a push that changes it takes effect at the next event', async () => {
    const { store, project, deliver, reads, opened } = await githubWorld(1);
    const issues = [1, 2, 3].map((n) => store.seedIssue('acme/security', { ...REPORT, title: `t${n}` }));
    for (const issue of issues) {
      store.editIssue(issue.ref, { labels: ['incident'] }, 'octo');
      expect((await deliver(0, 'issues', githubIssuePayload('labeled', project, store.issue(issue.ref)))).status).toBe(
        200,
      );
    }
    // Three label events on ordinary issues: one read of the configuration.
    expect(reads()).toHaveLength(1);
    expect(issues.some(opened)).toBe(false);

    // A push elsewhere (another file, another branch) keeps it.
    expect((await deliver(0, 'push', githubPush(project, ['README.md']))).status).toBe(200);
    expect(await deliver(0, 'push', githubPush(project, [CONFIG], 'refs/heads/feature'))).toBeTruthy();
    expect(
      (await deliver(0, 'issues', githubIssuePayload('labeled', project, store.issue(issues[0]!.ref)))).status,
    ).toBe(200);
    expect(reads()).toHaveLength(1);

    // The configuration changes on the default branch: `incident` is now the trigger, from the next event on.
    store.putFile('acme/security', CONFIG, 'label: incident\n');
    expect((await deliver(0, 'push', githubPush(project, [CONFIG]))).status).toBe(200);
    await deliver(0, 'issues', githubIssuePayload('labeled', project, store.issue(issues[1]!.ref)));
    expect(reads()).toHaveLength(2);
    expect(opened(issues[1]!)).toBe(true);
  });

  it('once older than its maximum age it is revalidated with If-None-Match, and a 304 keeps it', async () => {
    const { store, project, deliver, reads, opened } = await githubWorld(1, { CONFIG_MAX_AGE_SECONDS: '0' });
    const issue = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'] });
    await deliver(0, 'issues', githubIssuePayload('labeled', project, issue));
    await deliver(0, 'issues', githubIssuePayload('labeled', project, issue));
    expect(reads().map((r) => Boolean(r.conditional))).toEqual([false, true]);
    expect(opened(issue)).toBe(false);
    // Changed without a push (none arrived): the revalidation sees the new version.
    store.putFile('acme/security', CONFIG, 'label: incident\n');
    await deliver(0, 'issues', githubIssuePayload('labeled', project, issue));
    expect(reads().map((r) => Boolean(r.conditional))).toEqual([false, true, true]);
    expect(opened(issue)).toBe(true);
  });

  it('two replicas on Redis: a push delivered to one drops the copy of the other', async () => {
    const { store, project, deliver, reads, opened } = await githubWorld(2, { REDIS_URL: redis.url });
    const issue = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'] });
    // Each replica reads the configuration once and keeps it.
    for (const replica of [0, 1, 0, 1]) await deliver(replica, 'issues', githubIssuePayload('labeled', project, issue));
    expect(reads()).toHaveLength(2);
    expect(opened(issue)).toBe(false);

    store.putFile('acme/security', CONFIG, 'label: incident\n');
    expect((await deliver(0, 'push', githubPush(project, [CONFIG]))).status).toBe(200);
    // Replica 1 hears of it over Redis: its next event reads the new configuration (asked until the message is in).
    await vi.waitFor(
      async () => {
        await deliver(1, 'issues', githubIssuePayload('labeled', project, issue));
        expect(opened(issue)).toBe(true);
      },
      { timeout: 5_000, interval: 20 },
    );
  });
});

describe('the configuration kept between events on GitLab', () => {
  it('is read once for ordinary traffic and dropped by a Push Hook that changes it', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    const fake = await startFakeGitLab(store);
    closers.push(fake.close);
    const server = await startAppServer({
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'glpat-test',
      GITLAB_WEBHOOK_SECRET: SECRET,
    });
    closers.push(server.close);
    const project = store.addProject('team/app', { visibility: 'private' });
    store.putFile('team/app', '.gitlab/incident-desk.yml', 'label: security-incident\n');
    store.setAccess('team/app', 'alice', 'write');
    const issue = store.seedIssue('team/app', { ...REPORT, labels: [], author: 'alice' });
    store.editIssue(issue.ref, { labels: ['incident'] }, 'alice');
    const alice = { id: store.userId('alice'), username: 'alice' };
    const reads = () => fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/repository/files/'));
    let delivery = 0;
    const deliver = (payload: object, event = 'Issue Hook') =>
      deliverGitLab(server.url, SECRET, payload, `g-${++delivery}`, event);
    for (let i = 0; i < 3; i += 1)
      await deliver(gitlabLabeledPayload(project, store.issue(issue.ref), 'incident', alice));
    expect(reads()).toHaveLength(1);
    expect(trustedState(store.issue(issue.ref))).toBeNull();

    store.putFile('team/app', '.gitlab/incident-desk.yml', 'label: incident\n');
    const push = {
      object_kind: 'push',
      ref: 'refs/heads/main',
      project: { id: project.id, path_with_namespace: 'team/app', default_branch: 'main' },
      total_commits_count: 1,
      commits: [{ id: 'abc', added: [], modified: ['.gitlab/incident-desk.yml'], removed: [] }],
    };
    expect((await deliver(push, 'Push Hook')).status).toBe(202);
    await deliver(gitlabLabeledPayload(project, store.issue(issue.ref), 'incident', alice));
    expect(reads()).toHaveLength(2);
    expect(trustedState(store.issue(issue.ref))?.role).toBe('master');
  });
});
