import { describe, expect, it, onTestFinished } from 'vitest';
import { splitBody, trustedState } from '../../src/core/block.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { expectCompleteAndCorrect, FIFTH_FAILING, isTicked, TICKED } from '../support/fault-scenario.js';
import { minutes, openGitLabIncident, T0 } from '../support/gitlab-incident.js';
import { deliverGitLab, gitlabLabeledPayload, gitlabNotePayload } from '../support/gitlab-webhook.js';
import { fastGitLabClientOptions } from '../support/resilient-clients.js';

// End to end on GitLab with a fifth of the tracker's requests failing (500, 502, 503, stalls, 429 with Retry-After,
// answers lost after the write): the real route and server, the production gitbeaker client (retries, back-off,
// timeouts; waits shrunk), the fake GitLab failing on purpose. A delivery whose handling still failed is sent again
// with the same Idempotency-Key, as "Resend request" does; the route itself never answers a 5xx.

describe('GitLab end to end with a fifth of the tracker calls failing', () => {
  it.each([11, 22, 33])('an intake and a running incident end complete and correct (seed %i)', async (seed) => {
    const t = await openGitLabIncident({ faults: { ...FIFTH_FAILING, seed } });
    const release = () => t.store.allIssues('team/app').find((i) => i.labels.includes('incident::release'))!;

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
    // Nothing is due yet: the sweep must change nothing, even while failing. A sweep whose listing met four failures
    // in a row fails as a whole; the periodic sweeper then runs again at its next tick, as it does here.
    for (let attempt = 1; ; attempt += 1) {
      const swept = await t.sweep(minutes(8)).then(() => true, (error: unknown) => (attempt < 3 ? false : Promise.reject(error)));
      if (swept) break;
    }

    const master = t.master();
    expect(master.confidential).toBe(true);
    expect(master.labels).toContain('severity::high');
    expect(master.body).toContain('| CVSS Score: | 9.8 |');
    expect(isTicked(release().body, 'release-scope')).toBe(true);
    expect(t.timeline()).toMatch(new RegExp(`10:07:00Z · @bob · ticked ".*" on team/app#${release().ref.number}`));
    expect(t.comments('sitrep')).toHaveLength(1);
    expect(trustedState(master)?.run?.timeline).toHaveLength(1);
    expectCompleteAndCorrect({
      store: t.store,
      project: 'team/app',
      ref: t.ref,
      master,
      timeline: t.timeline(),
      faults: t.fake.faults,
      requests: t.fake.requests.length,
      lines: [
        '@alice · labeled the report `incident`',
        'made this ticket confidential',
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

describe('GitLab end to end: an intake cut off by an outage', () => {
  const SECRET = 'gitlab-hook-secret';

  /**
   * The trigger arrives; GitLab goes down as the first child is being created (after the master was marked) and
   * stays down until `recover`. The route still answers 2xx, saying the handling failed.
   */
  async function cutOff() {
    const store = new MemoryStore({ kind: 'gitlab', now: () => T0 });
    const project = store.addProject('team/app', { visibility: 'private' });
    store.setAccess('team/app', 'alice', 'write');
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    const server = await startAppServer(
      { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test-token', GITLAB_WEBHOOK_SECRET: SECRET, PUBLIC_URL: 'https://desk.example' },
      { gitlabClientOptions: fastGitLabClientOptions(), now: () => T0 },
    );
    onTestFinished(server.close);
    const alice = { id: fake.userId('alice'), username: 'alice' };
    const source = store.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'], author: 'alice' });

    fake.faults.outageWhen(({ method, path }) => method === 'POST' && path.endsWith('/issues'));
    const res = await deliverGitLab(server.url, SECRET, gitlabLabeledPayload(project, source, 'incident', alice), 'trigger-1');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, error: 'handling failed' });
    await server.app.idle();
    fake.faults.recover();

    const marked = store.issue(source.ref);
    expect(marked.confidential).toBe(true);
    expect(trustedState(marked)).toMatchObject({ role: 'master', trigger: { by: 'alice' } });
    expect(trustedState(marked)?.intake).toBeUndefined();
    expect(store.allIssues('team/app')).toHaveLength(1);
    expect(fake.faults.counts().outage).toBeGreaterThan(0);
    return { store, project, fake, server, alice, ref: source.ref };
  }

  function expectIntakeDone(store: MemoryStore, ref: { project: string; number: number }) {
    const master = store.issue(ref);
    const ids = trustedState(master)?.run?.timeline ?? [];
    const timeline = ids.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '').join('\n');
    expect(trustedState(master)).toMatchObject({ intake: true, summary: true });
    expect(store.allIssues('team/app')).toHaveLength(3);
    expect(store.linksOf(ref)).toHaveLength(2);
    expect(splitBody(master.body).rest).toBe('details');
    expect(timeline).toContain('@alice · labeled the report `incident`');
    return { master, timeline };
  }

  it('the next event on the master completes it, then is handled', async () => {
    const w = await cutOff();
    const note = w.store.createComment(w.ref, '/severity high', 'alice');
    const payload = gitlabNotePayload(w.project, w.store.issue(w.ref), note, w.alice, (name) => w.fake.userId(name));
    const res = await deliverGitLab(w.server.url, SECRET, payload, 'note-1', 'Confidential Note Hook');
    expect(await res.json()).toEqual({ outcome: 'done' });
    const { master, timeline } = expectIntakeDone(w.store, w.ref);
    expect(master.labels).toContain('severity::high');
    expect(timeline).toContain('@alice · set severity to high');
  });

  it('the sweep completes it, once', async () => {
    const w = await cutOff();
    expect(await w.server.app.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 1 });
    expectIntakeDone(w.store, w.ref);
    const writes = w.fake.requests.filter((r) => r.method !== 'GET').length;
    expect(await w.server.app.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(w.fake.requests.filter((r) => r.method !== 'GET')).toHaveLength(writes);
  });
});
