import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import { isPublishingStep } from '../../src/disclosure/gate.js';
import type { Issue, Project } from '../../src/kernel/model.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import type { FakeGitLab } from '../support/fake-gitlab.js';
import { tickIn } from '../support/gitlab-incident.js';
import { deliverGitHub, githubIssuePayload, testPrivateKey } from '../support/github-webhook.js';
import {
  deliverGitLab,
  gitlabEditPayload,
  gitlabLabeledPayload,
  gitlabNotePayload,
} from '../support/gitlab-webhook.js';
import { startRedis } from '../support/redis-server.js';
import type { RedisServer } from '../support/redis-server.js';
import { startReplica } from '../support/replica.js';
import type { Replica } from '../support/replica.js';

// Two app processes (the production entry, src/index.ts) behind no balancer at all: every delivery goes to both,
// or to either at random. They share one real redis-server and one fake GitLab on loopback, each with its own
// gitbeaker client. What must hold: one master and one of each child however often the trigger comes, and every
// person's tick in the final body and the timeline however the app's own writes interleave with them.

const SECRET = 'replica-hook-secret';
const USERS = Array.from({ length: 50 }, (_, i) => `responder${i + 1}`);

let redis: RedisServer;
let fake: FakeGitLab;
let store: MemoryStore;
let replicas: Replica[];
let reportProject: Project;
let incidentProject: Project;

beforeAll(async () => {
  redis = await startRedis();
  store = new MemoryStore({ kind: 'gitlab' });
  reportProject = store.addProject('team/app', {
    visibility: 'public',
    files: { '.gitlab/incident-desk.yml': 'incidentProject: sec/incidents\n' },
  });
  // The incident project takes reports from team/app (its own configuration says so).
  incidentProject = store.addProject('sec/incidents', {
    visibility: 'private',
    files: { '.gitlab/incident-desk.yml': 'reportsFrom: [team/app]\n' },
  });
  for (const user of USERS) store.setAccess('sec/incidents', user, 'write');
  fake = await startFakeGitLab(store);
  const env = {
    GITLAB_URL: fake.url,
    GITLAB_TOKEN: 'glpat-replica-test',
    GITLAB_WEBHOOK_SECRET: SECRET,
    REDIS_URL: redis.url,
  };
  replicas = await Promise.all([startReplica(env), startReplica(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  await fake?.close();
  await redis?.stop();
});

/** Resolves once the fake has had no request for `quietMs` (the replicas finished what they queued). */
async function settled(quietMs = 1_500, maxMs = 60_000): Promise<void> {
  const started = Date.now();
  let seen = -1;
  while (Date.now() - started < maxMs) {
    if (fake.requests.length === seen) return;
    seen = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  throw new Error('the replicas were still busy after a minute');
}

const logged = (msg: string) => replicas.flatMap((r) => r.lines).filter((line) => line.msg === msg);
const byRole = (role: string) => store.allIssues('sec/incidents').filter((i) => i.labels.includes(`incident::${role}`));

describe('two replicas sharing Redis and one GitLab', () => {
  it('the same trigger delivered 20 times to both at once makes one master and one of each child', async () => {
    const report = store.seedIssue('team/app', {
      title: 'RCE in the importer',
      body: 'details only the team may read',
      labels: ['incident'],
      author: 'reporter',
    });
    const payload = gitlabLabeledPayload(reportProject, report, 'incident', {
      id: fake.userId('reporter'),
      username: 'reporter',
    });
    // Each delivery (one Idempotency-Key) reaches both replicas at the same moment.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        replicas.map((r) => deliverGitLab(r.url, SECRET, payload, `trigger-${i}`, 'Issue Hook')),
      ).flat(),
    );
    expect(answers.map((a) => a.status).every((status) => status === 200 || status === 202)).toBe(true);
    await settled();

    // Each of the 20 deliveries was taken by exactly one replica and dropped by the other.
    expect(logged('duplicate delivery dropped')).toHaveLength(20);
    expect(logged('queued webhook work failed')).toHaveLength(0);
    expect(byRole('master')).toHaveLength(1);
    expect(byRole('release')).toHaveLength(1);
    expect(byRole('comms')).toHaveLength(1);
    // Nothing was made twice and closed afterwards: the incident project holds exactly these three tickets.
    expect(store.allIssues('sec/incidents')).toHaveLength(3);
    const master = byRole('master')[0]!;
    expect(master.confidential).toBe(true);
    expect(trustedState(master)?.intake).toBe(true);
    // The public report: confidential, its notice, and exactly one comment (without details).
    const source = store.issue(report.ref);
    expect(source.confidential).toBe(true);
    expect(store.listComments(report.ref)).toHaveLength(1);
  }, 90_000);

  it('50 ticks by different people, interleaved with the app’s own writes, ' +
    'all survive and are all on the timeline', async () => {
    const master = byRole('master')[0]!;
    const release = byRole('release')[0]!;
    const stepsOf = (issue: Issue) =>
      [...store.issue(issue.ref).body.matchAll(/- \[ \] .*<!-- step:(?<id>[a-z0-9-]+) -->/g)].map((m) => m.groups!.id!);
    // Every box of the master but the four publishing steps, which wait for the publication gate (35 of 39), and
    // fifteen of the release ticket: fifty people, one box each.
    const boxes = [
      ...stepsOf(master)
        .filter((step) => !isPublishingStep(step))
        .map((step) => ({ ticket: master, step })),
      ...stepsOf(release)
        .slice(0, 15)
        .map((step) => ({ ticket: release, step })),
    ];
    expect(boxes).toHaveLength(50);
    const writesBefore = fake.requests.filter((r) => r.method === 'PUT').length;

    // Each person ticks in the tracker (GitLab applies a task-list toggle to the description as it is then) at a
    // moment of their own within two seconds, and the edit's hook goes to either replica. The replicas meanwhile
    // rewrite the master's block (progress, phase) and the timeline, racing the next people's ticks.
    await Promise.all(
      boxes.map(async ({ ticket, step }, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 2_000)));
        const before = store.issue(ticket.ref).body;
        store.editIssue(ticket.ref, { body: tickIn(before, step) }, USERS[i]!);
        const user = { id: fake.userId(USERS[i]!), username: USERS[i]! };
        const payload = gitlabEditPayload(incidentProject, store.issue(ticket.ref), before, user, fake.userId);
        const replica = replicas[Math.floor(Math.random() * replicas.length)]!;
        const res = await deliverGitLab(replica.url, SECRET, payload, `tick-${i}`, 'Confidential Issue Hook');
        expect([200, 202]).toContain(res.status);
      }),
    );
    await settled();
    expect(logged('queued webhook work failed')).toHaveLength(0);

    // The app did write while people ticked (else nothing raced).
    expect(fake.requests.filter((r) => r.method === 'PUT').length - writesBefore).toBeGreaterThan(20);
    // Every box is ticked in the final bodies...
    expect(stepsOf(master).every(isPublishingStep)).toBe(true);
    expect(stepsOf(master)).toHaveLength(4);
    expect(
      boxes
        .filter((b) => b.ticket === release)
        .every(({ step }) => new RegExp(`- \\[x\\] .*<!-- step:${step} -->`).test(store.issue(release.ref).body)),
    ).toBe(true);
    expect(store.issue(master.ref).body).toMatch(/35\/39 steps done/);
    // ...and each person's tick is on the master's timeline exactly once.
    const timelineIds = trustedState(store.issue(master.ref))?.run?.timeline ?? [];
    const timeline = timelineIds
      .map((id) => store.listComments(master.ref).find((c) => c.id === id)?.body ?? '')
      .join('\n');
    for (const user of USERS)
      expect(timeline.match(new RegExp(`· @${user} · ticked `, 'g')) ?? [], user).toHaveLength(1);
    expect(timeline).not.toMatch(/unticked/);
    expect(store.listComments(master.ref).filter((c) => c.body.includes('incident-desk:refusal'))).toHaveLength(0);
  }, 120_000);
});

describe('a replica killed in the middle of an intake', () => {
  it('leaves a marked master that another replica completes on the next event, ' +
    "once the dead one's lease ends", async () => {
    const project = store.addProject('team/killed', { visibility: 'private' });
    store.setAccess('team/killed', 'alice', 'write');
    const alice = { id: fake.userId('alice'), username: 'alice' };
    const source = store.seedIssue('team/killed', {
      title: 'Token leak',
      body: 'details',
      labels: ['incident'],
      author: 'alice',
    });
    const doomed = await startReplica({
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'glpat-replica-test',
      GITLAB_WEBHOOK_SECRET: SECRET,
      REDIS_URL: redis.url,
    });
    // GitLab goes down as the first child is created; the replica is killed while it waits to retry.
    fake.faults.outageWhen(
      ({ method, path }) =>
        method === 'POST' && path === `/api/v4/projects/${encodeURIComponent('team/killed')}/issues`,
    );
    const answer = deliverGitLab(
      doomed.url,
      SECRET,
      gitlabLabeledPayload(project, source, 'incident', alice),
      'killed-trigger',
      'Issue Hook',
    ).catch(() => null);
    for (let i = 0; i < 100 && !fake.faults.counts().outage; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.faults.counts().outage).toBeGreaterThan(0);
    await doomed.kill();
    await answer;
    fake.faults.recover();
    expect(trustedState(store.issue(source.ref))).toMatchObject({ role: 'master' });
    expect(trustedState(store.issue(source.ref))?.intake).toBeUndefined();
    expect(store.allIssues('team/killed')).toHaveLength(1);

    // The next event on the master reaches a living replica: it waits out the dead one's lock, then completes.
    const note = store.createComment(source.ref, '/severity high', 'alice');
    const res = await deliverGitLab(
      replicas[1]!.url,
      SECRET,
      gitlabNotePayload(project, store.issue(source.ref), note, alice, fake.userId),
      'after-kill',
      'Confidential Note Hook',
    );
    expect([200, 202]).toContain(res.status);
    // The living replica is quiet while it waits (up to the 30 s lease): wait for the outcome, then for quiet.
    for (let i = 0; i < 600 && trustedState(store.issue(source.ref))?.intake !== true; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await settled();
    const master = store.issue(source.ref);
    expect(trustedState(master)).toMatchObject({ intake: true });
    expect(master.labels).toContain('severity::high');
    // One release and one communications ticket: nothing made twice.
    expect(store.allIssues('team/killed')).toHaveLength(3);
    expect(store.allIssues('team/killed').filter((i) => i.labels.includes('incident::duplicate'))).toHaveLength(0);
  }, 90_000);
});

describe('the sweep of two replicas sharing Redis', () => {
  it('runs on one replica at a time, and the other skips its turn within the interval', async () => {
    const env = {
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'glpat-replica-test',
      GITLAB_WEBHOOK_SECRET: SECRET,
      REDIS_URL: redis.url,
      SWEEP_INTERVAL_SECONDS: '60',
    };
    const servers = await Promise.all([startAppServer(env), startAppServer(env)]);
    try {
      const listings = () => fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v4/issues').length;
      const before = listings();
      await Promise.all(servers.map((s) => s.app.sweep()));
      // GitLab's sweep lists open masters with one global query: one sweep ran, not two.
      expect(listings() - before).toBe(1);
      await servers[1]!.app.sweep();
      expect(listings() - before).toBe(1);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('two GitHub replicas sharing Redis', () => {
  let github: MemoryStore;
  let fakeGitHub: Awaited<ReturnType<typeof startFakeGitHub>>;
  let pair: Replica[];

  beforeAll(async () => {
    github = new MemoryStore({ kind: 'github' });
    for (const path of ['acme/web', 'acme/api', 'acme/security']) github.addProject(path, { visibility: 'private' });
    fakeGitHub = await startFakeGitHub(github, { installationAccount: 'acme' });
    // The production entry as it is: Probot's Octokit with retries and throttling, its Bottleneck groups in Redis.
    const env = {
      APP_ID: '1',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: new URL(fakeGitHub.url).host,
      GHE_PROTOCOL: 'http',
      REDIS_URL: redis.url,
    };
    pair = await Promise.all([startReplica(env), startReplica(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((pair ?? []).map((r) => r.stop()));
    await fakeGitHub?.close();
  });

  it("space their writes with one shared throttle (Probot's Bottleneck groups in Redis), " +
    'as GitHub asks of one app', async () => {
    const projects = ['acme/web', 'acme/api'].map((path) => github.getProject(path));
    // One issue in each repository names an incident that does not exist: each replica writes one comment.
    const issues = projects.map((project) =>
      github.seedIssue(project.path, { title: '[INC-2026-404] rotate the keys', body: 'text' }),
    );
    const answers = await Promise.all(
      pair.map((replica, i) =>
        deliverGitHub(
          replica.url,
          SECRET,
          'issues',
          githubIssuePayload('opened', projects[i]!, issues[i]!),
          `opened-${i}`,
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    for (const issue of issues) expect(github.listComments(issue.ref)).toHaveLength(1);
    const posts = fakeGitHub.requests
      .map((r, i) => ({ ...r, at: fakeGitHub.arrivals[i]! }))
      .filter((r) => r.method === 'POST' && r.path.endsWith('/comments'));
    expect(posts).toHaveLength(2);
    // plugin-throttling spaces requests that notify people 3 s apart; shared through Redis, across processes too
    // (two processes with their own throttles would post both at once).
    expect(Math.abs(posts[1]!.at - posts[0]!.at)).toBeGreaterThanOrEqual(2_500);
    expect((await redis.client().keys('b_octokit-notifications*')).length).toBeGreaterThan(0);
  }, 60_000);

  it('the same trigger delivered 20 times to both at once makes one master and one of each child', async () => {
    const project = github.getProject('acme/security');
    const report = github.seedIssue('acme/security', {
      title: 'Heap overflow',
      body: 'details',
      labels: ['incident'],
      author: 'alice',
    });
    const payload = githubIssuePayload('labeled', project, report);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pair.map((r) => deliverGitHub(r.url, SECRET, 'issues', payload, `labeled-${i}`)),
      ).flat(),
    );
    // Answered within 5 s each (the work goes on when it takes longer, as it does here: creates are spaced 3 s).
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (let i = 0; i < 900 && trustedState(github.issue(report.ref))?.summary !== true; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    let seen = -1;
    while (fakeGitHub.requests.length !== seen) {
      seen = fakeGitHub.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const issues = github.allIssues('acme/security');
    const role = (name: string) => issues.filter((i) => i.labels.includes(`incident::${name}`));
    expect(role('master')).toHaveLength(1);
    expect(role('release')).toHaveLength(1);
    expect(role('comms')).toHaveLength(1);
    expect(issues).toHaveLength(3);
    expect(pair.flatMap((r) => r.lines).filter((l) => l.msg === 'duplicate delivery dropped')).toHaveLength(20);
    expect(pair.flatMap((r) => r.lines).filter((l) => l.msg === 'queued webhook work failed')).toHaveLength(0);
  }, 120_000);
});
