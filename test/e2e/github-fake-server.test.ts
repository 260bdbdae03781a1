import { afterEach, describe, expect, it } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { commentKinds } from '../support/comments.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { deliverGitHub, githubIssuePayload, testPrivateKey } from '../support/github-webhook.js';

// End to end: signed deliveries into the real server and Probot middleware, the real Octokit talking to a
// fake GitHub on loopback. No nock here: every request is a real HTTP request.

const SECRET = 'webhook-secret';
const KEY = testPrivateKey();
const REPORT = { title: 'Token leak in build logs', body: 'The deploy token is printed at step 4.\n' };
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function world() {
  const store = new MemoryStore({ kind: 'github' });
  const fake = await startFakeGitHub(store);
  closers.push(fake.close);
  const server = await startAppServer({
    APP_ID: '1',
    PRIVATE_KEY: KEY,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: new URL(fake.url).host,
    GHE_PROTOCOL: 'http',
    PUBLIC_URL: 'https://desk.example',
  });
  closers.push(server.close);
  const deliver = (payload: object, id: string) => deliverGitHub(server.url, SECRET, 'issues', payload, id);
  return { store, fake, server, deliver };
}

const byLabel = (store: MemoryStore, project: string, label: string) =>
  store.allIssues(project).filter((i) => i.labels.includes(label));

describe('GitHub end to end against a fake GitHub', () => {
  it('a private repository: the labeled issue becomes the master with linked children', async () => {
    const { store, fake, deliver } = await world();
    const project = store.addProject('acme/security', { visibility: 'private' });
    const source = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'], author: 'octo' });

    const res = await deliver(githubIssuePayload('labeled', project, source), 'd-1');
    expect(res.status).toBe(200);

    const master = store.issue(source.ref);
    const id = `INC-${new Date().getUTCFullYear()}-${source.ref.number}`;
    expect(master.title).toBe(`[${id}] ${REPORT.title}`);
    expect(splitBody(master.body).rest).toBe(REPORT.body);
    expect(trustedState(master)).toMatchObject({ id, intake: true });
    expect(master.body).toContain('https://desk.example/handbook#pick-deputy');
    expect(byLabel(store, 'acme/security', `incident-id::${id}`)).toHaveLength(3);
    expect(store.linksOf(source.ref)).toHaveLength(2);
    // Each child is created already a sub-issue (GraphQL `createIssue` with `parentIssueId`): no link request follows.
    const creates = fake.requests.filter(
      (r) => r.path === '/graphql' && String(r.body?.query).includes('createIssue('),
    );
    expect(
      creates.map((r) => (r.body!.variables as { input: { parentIssueId?: string } }).input.parentIssueId),
    ).toEqual([`I_fake${source.id}`, `I_fake${source.id}`]);
    expect(fake.requests.some((r) => r.method === 'POST' && r.path.includes('/sub_issues'))).toBe(false);
    expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
  });

  it('a redelivered and a re-sent trigger change nothing', async () => {
    const { store, fake, deliver } = await world();
    const project = store.addProject('acme/security', { visibility: 'private' });
    const source = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'] });
    const payload = githubIssuePayload('labeled', project, source);
    expect((await deliver(payload, 'd-1')).status).toBe(200);
    const writes = () => fake.requests.filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens')).length;
    const before = { issues: store.allIssues('acme/security').length, writes: writes() };

    expect((await deliver(payload, 'd-1')).status).toBe(200);
    expect((await deliver(payload, 'd-2')).status).toBe(200);
    expect(store.allIssues('acme/security')).toHaveLength(before.issues);
    expect(writes()).toBe(before.writes);
    expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
  });

  it('a public report moves to the private incident repository; the public issue keeps no details', async () => {
    const { store, fake, deliver } = await world();
    const project = store.addProject('acme/website', { visibility: 'public' });
    // The incident repository takes reports from acme/website (its own configuration says so).
    store.addProject('acme/security', {
      visibility: 'private',
      files: { '.github/incident-desk.yml': 'reportsFrom: [acme/website]\n' },
    });
    store.putFile('acme/website', '.github/incident-desk.yml', 'incidentProject: acme/security\n');
    const source = store.seedIssue('acme/website', { ...REPORT, labels: ['incident'] });

    expect((await deliver(githubIssuePayload('labeled', project, source), 'd-1')).status).toBe(200);

    const [master] = byLabel(store, 'acme/security', 'incident::master');
    expect(master!.body).toContain('deploy token is printed');
    const publicIssue = store.issue(source.ref);
    expect(publicIssue.title).not.toContain('Token leak');
    expect(publicIssue.body).not.toContain('deploy token');
    expect(publicIssue.locked).toBe(true);
    expect(store.listComments(source.ref)).toHaveLength(1);
    // The private repository was read (its privacy verified) before the master was created there.
    const repoRead = fake.requests.findIndex((r) => r.method === 'GET' && r.path === '/repos/acme/security');
    const create = fake.requests.findIndex((r) => r.method === 'POST' && r.path === '/repos/acme/security/issues');
    expect(repoRead).toBeGreaterThanOrEqual(0);
    expect(repoRead).toBeLessThan(create);
  });

  it('a public report without a private incidentProject: nothing created, one label, one comment', async () => {
    const { store, deliver } = await world();
    const project = store.addProject('acme/website', { visibility: 'public' });
    const source = store.seedIssue('acme/website', { ...REPORT, labels: ['incident'] });
    expect((await deliver(githubIssuePayload('labeled', project, source), 'd-1')).status).toBe(200);
    expect((await deliver(githubIssuePayload('labeled', project, source), 'd-2')).status).toBe(200);
    expect(store.allIssues('acme/website')).toHaveLength(1);
    expect(store.issue(source.ref).labels).toContain('incident::needs-config');
    expect(store.issue(source.ref).body).toBe(REPORT.body);
    expect(store.listComments(source.ref)).toHaveLength(1);
  });

  it('an invalid configuration: one comment naming the problems, nothing else', async () => {
    const { store, deliver } = await world();
    const project = store.addProject('acme/security', { visibility: 'private' });
    store.putFile('acme/security', '.github/incident-desk.yml', 'publicSource: shred\nchildren: release\n');
    const source = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'] });
    expect((await deliver(githubIssuePayload('labeled', project, source), 'd-1')).status).toBe(200);
    expect(store.allIssues('acme/security')).toHaveLength(1);
    expect(store.issue(source.ref).body).toBe(REPORT.body);
    const comments = store.listComments(source.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('publicSource');
    expect(comments[0]!.body).toContain('children');
  });

  it('rejects a delivery with a bad signature', async () => {
    const { store, server } = await world();
    const project = store.addProject('acme/security', { visibility: 'private' });
    const source = store.seedIssue('acme/security', { ...REPORT, labels: ['incident'] });
    const res = await deliverGitHub(
      server.url,
      'wrong-secret',
      'issues',
      githubIssuePayload('labeled', project, source),
      'd-x',
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(store.allIssues('acme/security')).toHaveLength(1);
    expect(store.issue(source.ref).title).toBe(REPORT.title);
  });
});
