import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { IssueRef } from '../../src/kernel/model.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { FAKE_INSTALLATION_ID, startFakeGitHub } from '../support/fake-github.js';
import {
  deliverGitHub,
  fromInstallation,
  githubCommentPayload,
  githubInstallationPayload,
  githubIssueChangePayload,
  githubIssuePayload,
  testPrivateKey,
} from '../support/github-webhook.js';
import { minutes, T0 } from '../support/incident-setup.js';
import { startRedis } from '../support/redis-server.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { deliverGitLab, gitlabLabeledPayload } from '../support/gitlab-webhook.js';
import type { ServerOverrides } from '../../src/server/composition.js';
import type { RedisServer } from '../support/redis-server.js';

// The GitHub App's installations as the sweep knows them (issue 15, a sweep that costs what is due): the list is read
// once and kept, read again when a delivery says it changed, grown by a delivery from an installation it does not
// hold, and rid of an installation that answers 401 or 404; with replicas, the one that sweeps knows what another one
// learned. GitHub only (GitLab's sweep is one query, without installations). The real server, the fake GitHub on
// loopback with the installations each test sets, deliveries signed as GitHub signs them; the sweep's clock is given.

const SECRET = 'webhook-secret';
const KEY = testPrivateKey();
const ACME = { id: FAKE_INSTALLATION_ID, account: 'acme' };
const GLOBEX = { id: 5151, account: 'globex' };
const SITREP_REMINDER = '<!-- incident-desk:sitrep-reminder -->';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/**
 * `acme/security` and `globex/security` (private, each its own account), where security-lead (who labels reports)
 * and alice may write; the fake GitHub lists only acme's installation until a test says otherwise; `replicas` servers
 * (sharing `env`), closed when the test finishes. Incidents are declared at T0: a sitrep is due an hour later.
 */
async function world(options: { replicas?: number; env?: Record<string, string>; overrides?: ServerOverrides } = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'github', now: () => clock.now });
  for (const path of ['acme/security', 'globex/security']) {
    store.addProject(path, { visibility: 'private' });
    for (const person of ['security-lead', 'alice']) store.setAccess(path, person, 'write');
  }
  const fake = await startFakeGitHub(store);
  onTestFinished(fake.close);
  fake.setInstallations([ACME]);
  const servers: Array<Awaited<ReturnType<typeof startAppServer>>> = [];
  for (let i = 0; i < (options.replicas ?? 1); i += 1) {
    const server = await startAppServer(
      {
        APP_ID: '1',
        PRIVATE_KEY: KEY,
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: new URL(fake.url).host,
        GHE_PROTOCOL: 'http',
        ...options.env,
      },
      { now: () => clock.now, ...options.overrides },
    );
    onTestFinished(server.close);
    servers.push(server);
  }
  let delivery = 0;
  const deliver = async (replica: number, event: string, payload: object) => {
    const res = await deliverGitHub(servers[replica]!.url, SECRET, event, payload, `i-${++delivery}`);
    await servers[replica]!.app.idle();
    return res.status;
  };
  const requests = (method: string, path: (p: string) => boolean) =>
    fake.requests.filter((r) => r.method === method && path(decodeURIComponent(r.path))).length;
  return {
    store,
    fake,
    servers,
    deliver,
    sweep: (replica: number, at: Date) => servers[replica]!.app.sweep(at),
    /** An incident declared in `path` at T0 through `replica`, delivered as coming from `installation`. */
    declare: async (replica: number, path: string, installation: { id: number }): Promise<IssueRef> => {
      const report = store.seedIssue(path, { title: 'Heap overflow', body: 'details', labels: ['incident'] });
      const payload = githubIssuePayload('labeled', store.getProject(path), report);
      expect(await deliver(replica, 'issues', fromInstallation(payload, installation.id))).toBe(200);
      return report.ref;
    },
    /** `author` comments on the master of `acme/security`'s first incident. */
    say: async (body: string, author: string) => {
      const master = store.allIssues('acme/security')[0]!;
      const comment = store.createComment(master.ref, body, author);
      const payload = githubCommentPayload(store.getProject('acme/security'), store.issue(master.ref), comment);
      expect(await deliver(0, 'issue_comment', payload)).toBe(200);
    },
    /** Reads of the list of installations (`GET /app/installations`). */
    listReads: () => requests('GET', (p) => p.split('?')[0] === '/app/installations'),
    /** The sweep's searches of one account's masters. */
    searches: (account: string) =>
      requests('GET', (p) => p.startsWith('/search/issues') && p.includes(`user:${account}&`)),
    /** Installation tokens asked for `id`. */
    tokens: (id: number) => requests('POST', (p) => p === `/app/installations/${id}/access_tokens`),
    reminders: (ref: IssueRef) => store.listComments(ref).filter((c) => c.body.includes(SITREP_REMINDER)),
  };
}

describe('the installations the sweep visits', () => {
  it('are read once over many listings, and again after an installation delivery', async () => {
    const w = await world();
    const acme = await w.declare(0, 'acme/security', ACME);
    // Each of these lists (the first after the declaration, then the sitrep windows and what fired in them).
    for (const at of [1, 61, 62, 121, 122, 181]) expect((await w.sweep(0, minutes(at))).masters).toBe(1);
    expect(w.reminders(acme)).toHaveLength(3);
    expect(w.searches('acme')).toBe(6);
    expect(w.listReads()).toBe(1);

    // globex installs the App; GitHub says so with `installation.created`, and the next tick lists.
    w.fake.setInstallations([ACME, GLOBEX]);
    expect(await w.deliver(0, 'installation', githubInstallationPayload('created', GLOBEX))).toBe(200);
    await w.sweep(0, minutes(183));
    expect(w.listReads()).toBe(2);
    expect(w.searches('globex')).toBe(1);
    // Known again: nothing more is read.
    await w.sweep(0, minutes(241));
    expect(w.listReads()).toBe(2);
    expect(w.searches('globex')).toBe(2);
  });

  it('are revalidated once a day with a conditional request, which an unchanged list answers 304', async () => {
    const w = await world();
    await w.declare(0, 'acme/security', ACME);
    await w.say('/severity low', 'security-lead');
    await w.sweep(0, minutes(1));
    const day = 24 * 60;
    // Acknowledged and low: the sweep lists once an hour, by the safety interval, with nothing due.
    for (let at = 61; at < 1 + day; at += 60) await w.sweep(0, minutes(at));
    expect(w.listReads()).toBe(1);
    expect(w.searches('acme')).toBe(24);
    await w.sweep(0, minutes(1 + day));
    const reads = w.fake.requests.filter((r) => r.path.startsWith('/app/installations?'));
    expect(reads.map((r) => [Boolean(r.conditional), r.status])).toEqual([
      [false, 200],
      [true, 304],
    ]);
    expect(w.searches('acme')).toBe(25);
  });

  it(
    'add an installation a delivery comes from that the list does not hold, ' +
      "and fire its incident's reminder on time",
    async () => {
      const w = await world();
      await w.declare(0, 'acme/security', ACME);
      await w.sweep(0, minutes(1));
      expect(w.listReads()).toBe(1);
      // globex installs the App, and its `installation.created` delivery never arrives.
      w.fake.setInstallations([ACME, GLOBEX]);
      const globex = await w.declare(0, 'globex/security', GLOBEX);
      // The first tick after the sitrep came due (an hour after the declaration) fires it, without reading the list.
      await w.sweep(0, minutes(59));
      expect(w.reminders(globex)).toHaveLength(0);
      await w.sweep(0, minutes(61));
      expect(w.reminders(globex)).toHaveLength(1);
      expect(w.listReads()).toBe(1);
      // And not twice.
      await w.sweep(0, minutes(62));
      expect(w.reminders(globex)).toHaveLength(1);
    },
  );

  it("a removed installation is not asked again; installed anew, its incident's late reminder fires once", async () => {
    const w = await world();
    w.fake.setInstallations([ACME, GLOBEX]);
    await w.declare(0, 'acme/security', ACME);
    const globex = await w.declare(0, 'globex/security', GLOBEX);
    await w.sweep(0, minutes(1));
    // globex uninstalls the App.
    w.fake.setInstallations([ACME]);
    expect(await w.deliver(0, 'installation', githubInstallationPayload('deleted', GLOBEX))).toBe(200);
    const asked = w.searches('globex') + w.tokens(GLOBEX.id);
    const oldTokens = w.tokens(GLOBEX.id);
    for (const at of [2, 61, 62]) await w.sweep(0, minutes(at));
    expect(w.searches('globex') + w.tokens(GLOBEX.id)).toBe(asked);
    expect(w.reminders(globex)).toHaveLength(0);
    // Installed again (a new installation id): the next tick lists it, and the overdue sitrep is reminded of, once.
    const again = { id: 6161, account: 'globex' };
    w.fake.setInstallations([ACME, again]);
    expect(await w.deliver(0, 'installation', githubInstallationPayload('created', again))).toBe(200);
    await w.sweep(0, minutes(70));
    expect(w.reminders(globex)).toHaveLength(1);
    await w.sweep(0, minutes(71));
    expect(w.reminders(globex)).toHaveLength(1);
    // The removed installation was never asked for a token again.
    expect(w.tokens(GLOBEX.id)).toBe(oldTokens);
  });

  it(
    'drop an installation removed without a delivery (its search answers 401), sweep the others, ' +
      'and ask it no more',
    async () => {
      const w = await world();
      w.fake.setInstallations([ACME, GLOBEX]);
      const acme = await w.declare(0, 'acme/security', ACME);
      await w.declare(0, 'globex/security', GLOBEX);
      expect((await w.sweep(0, minutes(1))).masters).toBe(2);
      // globex uninstalls the App, and its `installation.deleted` delivery never arrives: its token is refused.
      w.fake.setInstallations([ACME]);
      const report = await w.sweep(0, minutes(61));
      expect(report.masters).toBe(1);
      expect(w.reminders(acme)).toHaveLength(1);
      expect(w.servers[0]!.log.lines.some((l) => l.msg === 'sweep target gone; dropped')).toBe(true);
      const asked = w.searches('globex') + w.tokens(GLOBEX.id);
      // The next tick lists again, the list read again (without globex): globex is not asked again.
      await w.sweep(0, minutes(62));
      await w.sweep(0, minutes(121));
      await w.sweep(0, minutes(122));
      expect(w.searches('globex') + w.tokens(GLOBEX.id)).toBe(asked);
      expect(w.listReads()).toBe(2);
      expect(w.reminders(acme)).toHaveLength(2);
    },
  );

  it('drop an installation a delivery named whose token GitHub refuses with 404, and ask it no more', async () => {
    const w = await world();
    await w.declare(0, 'acme/security', ACME);
    await w.sweep(0, minutes(1));
    // A delivery from an installation removed right after it was sent (an ordinary issue opened: no request).
    const ordinary = w.store.seedIssue('globex/security', { title: 'Crash on save', body: 'Steps…' });
    const opened = githubIssueChangePayload('opened', w.store.getProject('globex/security'), ordinary, 'alice');
    expect(await w.deliver(0, 'issues', fromInstallation(opened, 7777))).toBe(200);
    expect(w.tokens(7777)).toBe(0);
    // The next tick lists (an installation no replica knew), is refused its token, and drops it.
    await w.sweep(0, minutes(2));
    expect(w.tokens(7777)).toBe(1);
    expect(w.servers[0]!.log.lines.some((l) => l.msg === 'sweep target gone; dropped')).toBe(true);
    for (const at of [3, 61, 62, 121]) await w.sweep(0, minutes(at));
    expect(w.tokens(7777)).toBe(1);
    expect(w.searches('globex')).toBe(0);
  });
});

describe('the installations of two replicas sharing Redis', () => {
  it('the replica that sweeps knows of an installation the other learned of from a delivery', async () => {
    await redis.client().flushall();
    const w = await world({ replicas: 2, env: { REDIS_URL: redis.url, SWEEP_INTERVAL_SECONDS: '0' } });
    await w.declare(0, 'acme/security', ACME);
    // Replica 1 sweeps: it reads the list (acme only).
    await w.sweep(1, minutes(1));
    expect(w.listReads()).toBe(1);
    // globex installs the App (its `installation.created` delivery lost); its report reaches replica 0.
    w.fake.setInstallations([ACME, GLOBEX]);
    const globex = await w.declare(0, 'globex/security', GLOBEX);
    await w.sweep(1, minutes(61));
    expect(w.reminders(globex)).toHaveLength(1);
    // Replica 1 read the list again, once.
    expect(w.listReads()).toBe(2);

    // Replica 0's turn (the tick after a reminder lists): it reads the list (its first listing), fires nothing again.
    expect((await w.sweep(0, minutes(62))).masters).toBe(2);
    expect(w.reminders(globex)).toHaveLength(1);
    expect(w.listReads()).toBe(3);
    // globex uninstalls the App: `installation.deleted` reaches replica 1; replica 0 reads the list again at its
    // next tick, which lists, and does not search globex's masters.
    w.fake.setInstallations([ACME]);
    expect(await w.deliver(1, 'installation', githubInstallationPayload('deleted', GLOBEX))).toBe(200);
    const asked = w.searches('globex');
    expect((await w.sweep(0, minutes(63))).masters).toBe(1);
    expect(w.listReads()).toBe(4);
    expect(w.searches('globex')).toBe(asked);
  });
});

describe('the sweep of both trackers', () => {
  it('sweeps GitLab when GitHub fails, fails the sweep, and lists again at the next tick', async () => {
    const lab = new MemoryStore({ kind: 'gitlab', now: () => T0 });
    lab.addProject('team/app', { visibility: 'private' });
    lab.setAccess('team/app', 'alice', 'write');
    const report = lab.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'] });
    const gitlab = await startFakeGitLab(lab);
    onTestFinished(gitlab.close);
    const w = await world({
      env: { GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'glpat-sweep', GITLAB_WEBHOOK_SECRET: 'gitlab-secret' },
      overrides: { gitlabClientOptions: { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 } },
    });
    const acme = await w.declare(0, 'acme/security', ACME);
    const alice = { id: gitlab.userId('alice'), username: 'alice' };
    const payload = gitlabLabeledPayload(lab.getProject('team/app'), report, 'incident', alice);
    expect((await deliverGitLab(w.servers[0]!.url, 'gitlab-secret', payload, 'lab-1')).status).toBe(200);
    await w.servers[0]!.app.idle();
    const labReminders = () => lab.listComments(report.ref).filter((c) => c.body.includes(SITREP_REMINDER));
    await w.sweep(0, minutes(1));
    // GitHub is down when both sitreps come due: GitLab's fires, and the sweep fails.
    w.fake.faults.outageWhen((r) => r.path.startsWith('/search/issues'));
    await expect(w.sweep(0, minutes(61))).rejects.toThrow();
    expect(labReminders()).toHaveLength(1);
    expect(w.reminders(acme)).toHaveLength(0);
    // Nothing was recorded as quiet: the next tick lists both, and GitHub's fires once it answers.
    w.fake.faults.recover();
    await w.sweep(0, minutes(62));
    expect(w.reminders(acme)).toHaveLength(1);
    expect(labReminders()).toHaveLength(1);
  });
});
