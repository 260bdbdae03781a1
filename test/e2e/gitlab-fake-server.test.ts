import { afterEach, describe, expect, it } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { commentKinds } from '../support/comments.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { deliverGitLab, gitlabLabeledPayload } from '../support/gitlab-webhook.js';

// End to end: deliveries into the real server and GitLab route, the real gitbeaker client talking to a
// fake GitLab on loopback. No nock here.

const SECRET = 'gitlab-hook-secret';
const REPORT = {
  title: 'SSRF in the webhook tester',
  body: 'Point the tester at http://169.254.169.254/ and read the metadata.\n',
};
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function world() {
  const store = new MemoryStore({ kind: 'gitlab' });
  const fake = await startFakeGitLab(store);
  closers.push(fake.close);
  const server = await startAppServer(
    {
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'glpat-test-token',
      GITLAB_WEBHOOK_SECRET: SECRET,
      PUBLIC_URL: 'https://desk.example',
    },
    { gitlabClientOptions: { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 } },
  );
  closers.push(server.close);
  const deliver = (payload: object | string, key: string, token: string | undefined = SECRET) =>
    deliverGitLab(server.url, token, payload, key);
  return { store, fake, server, deliver };
}

const byLabel = (store: MemoryStore, project: string, label: string) =>
  store.allIssues(project).filter((i) => i.labels.includes(label));

describe('GitLab end to end against a fake GitLab', () => {
  it(
    'in place: the first write makes the source confidential; ' + 'it becomes the master with linked children',
    async () => {
      const { store, fake, deliver } = await world();
      const project = store.addProject('team/app', { visibility: 'public' });
      const source = store.seedIssue('team/app', { ...REPORT, labels: ['incident'], author: 'reporter' });

      const res = await deliver(gitlabLabeledPayload(project, source), 'k-1');
      expect(res.status).toBe(200);

      const firstWrite = fake.requests.find((r) => r.method !== 'GET');
      expect(firstWrite?.method).toBe('PUT');
      expect(firstWrite?.path).toContain(`/issues/${source.ref.number}`);
      const master = store.issue(source.ref);
      const id = `INC-${new Date().getUTCFullYear()}-${source.ref.number}`;
      expect(master.confidential).toBe(true);
      expect(master.title).toBe(`[${id}] ${REPORT.title}`);
      expect(splitBody(master.body).rest).toBe(REPORT.body);
      expect(trustedState(master)).toMatchObject({ id, intake: true });
      const children = byLabel(store, 'team/app', `incident-id::${id}`).filter(
        (i) => i.ref.number !== source.ref.number,
      );
      expect(children).toHaveLength(2);
      expect(children.every((c) => c.confidential)).toBe(true);
      expect(store.linksOf(source.ref)).toHaveLength(2);
      expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
    },
  );

  it(
    'a separate incident project: a confidential master there, ' + 'the source keeps a notice and one comment',
    async () => {
      const { store, deliver } = await world();
      const project = store.addProject('team/app', { visibility: 'public' });
      // The incident project takes reports from team/app (its own configuration says so).
      store.addProject('sec/incidents', {
        visibility: 'private',
        files: { '.gitlab/incident-desk.yml': 'reportsFrom: [team/app]\n' },
      });
      store.putFile('team/app', '.gitlab/incident-desk.yml', 'incidentProject: sec/incidents\n');
      const source = store.seedIssue('team/app', { ...REPORT, labels: ['incident'] });

      expect((await deliver(gitlabLabeledPayload(project, source), 'k-1')).status).toBe(200);

      const [master] = byLabel(store, 'sec/incidents', 'incident::master');
      expect(master!.confidential).toBe(true);
      expect(master!.body).toContain('169.254.169.254');
      expect(
        byLabel(store, 'sec/incidents', trustedState(master!)!.id ? `incident-id::${trustedState(master!)!.id}` : 'x'),
      ).toHaveLength(3);
      const after = store.issue(source.ref);
      expect(after.confidential).toBe(true);
      expect(after.body).not.toContain('169.254');
      expect(store.listComments(source.ref)).toHaveLength(1);
    },
  );

  it('a redelivered and a re-sent trigger, and the Confidential Issue Hook shape, change nothing', async () => {
    const { store, fake, deliver, server } = await world();
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { ...REPORT, labels: ['incident'] });
    expect((await deliver(gitlabLabeledPayload(project, source), 'k-1')).status).toBe(200);
    const writes = () => fake.requests.filter((r) => r.method !== 'GET').length;
    const before = { issues: store.allIssues('team/app').length, writes: writes() };

    expect((await deliver(gitlabLabeledPayload(project, source), 'k-1')).status).toBe(200);
    const confidential = gitlabLabeledPayload(project, store.issue(source.ref));
    expect(confidential.event_type).toBe('confidential_issue');
    const res = await deliverGitLab(server.url, SECRET, confidential, 'k-2', 'Confidential Issue Hook');
    expect(res.status).toBe(200);
    expect(store.allIssues('team/app')).toHaveLength(before.issues);
    expect(writes()).toBe(before.writes);
  });

  it(
    'an invalid configuration: the report made confidential with the defaults, ' +
      'one comment naming the problems, nothing else',
    async () => {
      const { store, deliver } = await world();
      const project = store.addProject('team/app', { visibility: 'private' });
      store.putFile('team/app', '.gitlab/incident-desk.yml', 'approvals:\n  quorum: 0\nidPrefix: 12\n');
      const source = store.seedIssue('team/app', { ...REPORT, labels: ['incident'] });
      expect((await deliver(gitlabLabeledPayload(project, source), 'k-1')).status).toBe(200);
      expect(store.allIssues('team/app')).toHaveLength(1);
      // Fail safe (issue 11): a configuration that cannot be read still protects the report.
      expect(store.issue(source.ref).confidential).toBe(true);
      const comments = store.listComments(source.ref);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('approvals.quorum');
      expect(comments[0]!.body).toContain('idPrefix');
    },
  );

  it('answers 401 without or with a wrong token, 400 on malformed JSON, 2xx for events it ignores', async () => {
    const { store, deliver, server } = await world();
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { ...REPORT, labels: ['incident'] });
    const payload = gitlabLabeledPayload(project, source);
    expect((await deliverGitLab(server.url, undefined, payload, 'k-1')).status).toBe(401);
    expect((await deliver(payload, 'k-2', 'wrong')).status).toBe(401);
    expect((await deliver('{"object_kind": "issue", ', 'k-3')).status).toBe(400);
    expect((await deliver({ object_kind: 'pipeline' }, 'k-4')).status).toBe(202);
    expect(store.allIssues('team/app')).toHaveLength(1);
    expect(store.issue(source.ref).confidential).toBe(false);
  });
});
