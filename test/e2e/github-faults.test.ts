import { describe, expect, it, onTestFinished } from 'vitest';
import { splitBody, trustedState } from '../../src/core/block.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { expectCompleteAndCorrect, FIFTH_FAILING, isTicked, TICKED } from '../support/fault-scenario.js';
import { minutes, openGitHubIncident, T0 } from '../support/github-incident.js';
import { deliverGitHub, githubCommentPayload, githubIssuePayload, testPrivateKey } from '../support/github-webhook.js';
import { fastResilientOctokit } from '../support/resilient-clients.js';

// End to end on GitHub with a fifth of the tracker's requests failing (500, 502, 503, stalls, primary and secondary
// rate limits, answers lost after the write): signed deliveries into Probot's middleware, the production Octokit
// (plugin-retry, plugin-throttling, a timeout per request; waits shrunk), the fake GitHub failing on purpose. A
// delivery whose handling failed is redelivered with the same id, as GitHub's "Redeliver" does.

describe('GitHub end to end with a fifth of the tracker calls failing', () => {
  it.each([11, 22, 33])('an intake and a running incident end complete and correct (seed %i)', async (seed) => {
    const t = await openGitHubIncident({ faults: { ...FIFTH_FAILING, seed } });
    const release = () => t.store.allIssues('acme/security').find((i) => i.labels.includes('incident::release'))!;

    for (const [index, step] of TICKED.entries()) {
      t.clock.now = minutes(index + 1);
      await t.tick(step, 'bob');
    }
    t.clock.now = minutes(4);
    await t.say('/severity high', 'alice');
    t.clock.now = minutes(5);
    await t.say('/set cvss 9.8', 'bob');
    t.clock.now = minutes(6);
    await t.say('/sitrep Status: contained\nPatch in review.', 'alice');
    t.clock.now = minutes(7);
    await t.tick('release-scope', 'bob', release());
    // Nothing is due yet: the sweep must change nothing, even while failing.
    await t.sweep(minutes(8));

    const master = t.master();
    expect(master.labels).toContain('severity::high');
    expect(master.body).toContain('| CVSS Score: | 9.8 |');
    expect(isTicked(release().body, 'release-scope')).toBe(true);
    expect(t.timeline()).toMatch(new RegExp(`10:07:00Z · @bob · ticked ".*" on acme/security#${release().ref.number}`));
    expect(t.comments('sitrep')).toHaveLength(1);
    expect(trustedState(master)?.run?.timeline).toHaveLength(1);
    expectCompleteAndCorrect({
      store: t.store,
      project: 'acme/security',
      ref: t.ref,
      master,
      timeline: t.timeline(),
      faults: t.fake.faults,
      requests: t.fake.requests.length,
      lines: [
        '@security-lead · labeled the report `incident`',
        '2026-11-22T10:01:00Z · @bob · ticked "(IM) Choose a deputy incident manager',
        '2026-11-22T10:02:00Z · @bob · ticked',
        '2026-11-22T10:03:00Z · @bob · ticked',
        '2026-11-22T10:04:00Z · @alice · set severity to high',
        '2026-11-22T10:05:00Z · @bob · set CVSS Score to 9.8',
        '2026-11-22T10:06:00Z · @alice · posted a situation report',
        '2026-11-22T10:07:00Z · @bob · ticked',
      ],
    });
  });
});

describe('GitHub end to end: an intake cut off by an outage', () => {
  const SECRET = 'webhook-secret';
  const KEY = testPrivateKey();

  /**
   * The trigger arrives; GitHub goes down as the first child is being created (after the master was marked) and
   * stays down until `recover`. The failure is answered 500 (GitHub shows it and lets someone redeliver).
   */
  async function cutOff() {
    const store = new MemoryStore({ kind: 'github', now: () => T0 });
    const project = store.addProject('acme/security', { visibility: 'private' });
    store.setAccess('acme/security', 'alice', 'write');
    const fake = await startFakeGitHub(store, { installationAccount: 'acme' });
    onTestFinished(fake.close);
    const server = await startAppServer(
      { APP_ID: '1', PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, GHE_HOST: new URL(fake.url).host, GHE_PROTOCOL: 'http', PUBLIC_URL: 'https://desk.example' },
      { now: () => T0, githubOctokit: fastResilientOctokit() },
    );
    onTestFinished(server.close);
    const source = store.seedIssue('acme/security', { title: 'Heap overflow', body: 'details', labels: ['incident'], author: 'alice' });

    fake.faults.outageWhen(({ method, path }) => method === 'POST' && /\/issues$/.test(path));
    const res = await deliverGitHub(server.url, SECRET, 'issues', githubIssuePayload('labeled', project, source), 'trigger-1');
    expect(res.status).toBe(500);
    await server.app.idle();
    fake.faults.recover();

    const marked = store.issue(source.ref);
    expect(trustedState(marked)).toMatchObject({ role: 'master', trigger: { by: 'security-lead' } });
    expect(trustedState(marked)?.intake).toBeUndefined();
    expect(store.allIssues('acme/security')).toHaveLength(1);
    expect(fake.faults.counts().outage).toBeGreaterThan(0);
    return { store, project, fake, server, ref: source.ref };
  }

  function expectIntakeDone(store: MemoryStore, ref: { project: string; number: number }) {
    const master = store.issue(ref);
    const ids = trustedState(master)?.run?.timeline ?? [];
    const timeline = ids.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '').join('\n');
    expect(trustedState(master)).toMatchObject({ intake: true, summary: true });
    expect(store.allIssues('acme/security')).toHaveLength(3);
    expect(store.linksOf(ref)).toHaveLength(2);
    expect(splitBody(master.body).rest).toBe('details');
    expect(timeline).toContain('@security-lead · labeled the report `incident`');
    return { master, timeline };
  }

  it('the next event on the master completes it, then is handled', async () => {
    const w = await cutOff();
    const comment = w.store.createComment(w.ref, '/severity high', 'alice');
    const res = await deliverGitHub(w.server.url, SECRET, 'issue_comment', githubCommentPayload(w.project, w.store.issue(w.ref), comment), 'comment-1');
    expect(res.status).toBe(200);
    await w.server.app.idle();
    const { master, timeline } = expectIntakeDone(w.store, w.ref);
    expect(master.labels).toContain('severity::high');
    expect(timeline).toContain('@alice · set severity to high');
  });

  it('the sweep completes it, once', async () => {
    const w = await cutOff();
    expect(await w.server.app.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 1 });
    expectIntakeDone(w.store, w.ref);
    const writes = w.fake.requests.filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens')).length;
    expect(await w.server.app.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(w.fake.requests.filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens'))).toHaveLength(writes);
  });
});
