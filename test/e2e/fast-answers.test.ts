import { describe, expect, it, onTestFinished } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from '../support/app-server.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { deliverGitHub, githubIssuePayload, testPrivateKey } from '../support/github-webhook.js';
import { deliverGitLab, gitlabLabeledPayload } from '../support/gitlab-webhook.js';

// A delivery is answered within the trackers' ten seconds however slow the tracker is: the work goes on in the
// queue. Here every request to the fake tracker takes 40 ms, so an intake takes well over a second, and the app is
// told to answer after 150 ms (5 s for GitHub and 8 s for GitLab in production).

const SLOW_MS = 40;
const ANSWER_MS = 150;

describe('answers before slow work ends', () => {
  it('GitHub: the delivery is answered 200 while the intake still runs; the intake then completes', async () => {
    const store = new MemoryStore({ kind: 'github' });
    const project = store.addProject('acme/security', { visibility: 'private' });
    const fake = await startFakeGitHub(store, { installationAccount: 'acme' });
    onTestFinished(fake.close);
    fake.faults.latencyMs = SLOW_MS;
    const server = await startAppServer(
      {
        APP_ID: '1',
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: 'secret',
        GHE_HOST: new URL(fake.url).host,
        GHE_PROTOCOL: 'http',
      },
      { githubAnswerWithinMs: ANSWER_MS },
    );
    onTestFinished(server.close);
    const source = store.seedIssue('acme/security', { title: 'Heap overflow', body: 'details', labels: ['incident'] });

    const started = performance.now();
    const res = await deliverGitHub(
      server.url,
      'secret',
      'issues',
      githubIssuePayload('labeled', project, source),
      'slow-1',
    );
    const answeredAfter = performance.now() - started;
    expect(res.status).toBe(200);
    // Answered while the work was still going on: the intake was not done yet.
    expect(trustedState(store.issue(source.ref))?.intake).toBeUndefined();
    // A generous bound, far from GitHub's ten seconds.
    expect(answeredAfter).toBeLessThan(2_000);

    await server.app.idle();
    expect(trustedState(store.issue(source.ref))).toMatchObject({ intake: true, summary: true });
    expect(store.allIssues('acme/security')).toHaveLength(3);
  });

  it('GitLab: the delivery is answered 202 while the intake still runs; the intake then completes', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    const project = store.addProject('team/app', { visibility: 'private' });
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    fake.faults.latencyMs = SLOW_MS;
    const server = await startAppServer(
      { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test', GITLAB_WEBHOOK_SECRET: 'secret' },
      { gitlabClientOptions: { rateLimits: { '**': 100_000 } }, gitlabAnswerWithinMs: ANSWER_MS },
    );
    onTestFinished(server.close);
    const source = store.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'] });

    const started = performance.now();
    const res = await deliverGitLab(server.url, 'secret', gitlabLabeledPayload(project, source), 'slow-1');
    const answeredAfter = performance.now() - started;
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true });
    expect(trustedState(store.issue(source.ref))?.intake).toBeUndefined();
    expect(answeredAfter).toBeLessThan(2_000);

    await server.app.idle();
    expect(trustedState(store.issue(source.ref))).toMatchObject({ intake: true, summary: true });
    expect(store.allIssues('team/app')).toHaveLength(3);
  });
});
