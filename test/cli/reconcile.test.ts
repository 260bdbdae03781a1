import { describe, expect, it, onTestFinished } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { describeReconcile, parseIssueUrl, reconcileIssue, runReconcile } from '../../src/cli/reconcile.js';
import { TrackerError } from '../../src/tracker/errors.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext, memoryLogger } from '../support/app-context.js';
import { issueEvent } from '../support/events.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { testPrivateKey } from '../support/github-webhook.js';
import { recordingTracker } from '../support/recording-tracker.js';
import { fastGitLabClientOptions, fastResilientOctokit } from '../support/resilient-clients.js';

const T0 = new Date('2026-11-22T10:00:00Z');

describe('parseIssueUrl', () => {
  const env = { GITLAB_URL: 'https://gitlab.example.com', GHE_HOST: 'ghe.example.com' };
  it.each([
    [
      'https://github.com/acme/security/issues/12',
      { tracker: 'github', ref: { project: 'acme/security', number: 12 } },
    ],
    [
      'https://ghe.example.com/acme/security/issues/3/',
      { tracker: 'github', ref: { project: 'acme/security', number: 3 } },
    ],
    [
      'https://gitlab.example.com/group/sub/project/-/issues/7',
      { tracker: 'gitlab', ref: { project: 'group/sub/project', number: 7 } },
    ],
    [
      'https://gitlab.example.com/group/project/-/work_items/8#note_1',
      { tracker: 'gitlab', ref: { project: 'group/project', number: 8 } },
    ],
  ])('%s', (url, target) => {
    expect(parseIssueUrl(url, env)).toEqual(target);
  });

  it('strips the path GitLab is served under', () => {
    expect(
      parseIssueUrl('https://example.com/gitlab/team/app/-/issues/4', { GITLAB_URL: 'https://example.com/gitlab/' }),
    ).toEqual({
      tracker: 'gitlab',
      ref: { project: 'team/app', number: 4 },
    });
  });

  it.each([
    ['not a url', /not a web address/],
    ['https://github.com/acme/security/pull/12', /not a GitHub issue address/],
    ['https://gitlab.example.com/group/project/issues', /not a GitLab issue address/],
    ['https://elsewhere.example/acme/security/issues/1', /neither GITLAB_URL's host nor GitHub's/],
  ])('refuses %s', (url, message) => {
    expect(() => parseIssueUrl(url, env)).toThrow(message);
  });
});

/** A GitLab incident in place on the in-memory tracker; `down` makes every call fail from the first createIssue. */
async function world() {
  const store = new MemoryStore({ kind: 'gitlab', now: () => T0 });
  const project = store.addProject('team/app', { visibility: 'private' });
  let down = false;
  let cut = false;
  const tracker = recordingTracker(new MemoryTracker(store), (call) => {
    if (cut && call.method === 'createIssue') down = true;
    if (down) throw new TrackerError('GitLab is down', 503, call.method);
  });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => T0);
  const source = store.seedIssue('team/app', { title: 'RCE', body: 'details', labels: ['incident'], author: 'alice' });
  return {
    store,
    project,
    tracker,
    ctx,
    source,
    cutAtFirstChild() {
      cut = true;
    },
    recover() {
      cut = false;
      down = false;
    },
  };
}

describe('reconcileIssue', () => {
  it('completes a half-done intake from the master, then does nothing the second time', async () => {
    const w = await world();
    w.cutAtFirstChild();
    await expect(handleEvent(issueEvent(w.project, w.source), w.ctx)).rejects.toThrow('GitLab is down');
    w.recover();
    expect(trustedState(w.store.issue(w.source.ref))?.intake).toBeUndefined();

    const first = await reconcileIssue(w.source.ref, w.ctx);
    expect(first.master).toEqual(w.source.ref);
    expect(first.intake).toEqual(expect.arrayContaining(['create release in team/app', 'create comms in team/app']));
    expect(trustedState(w.store.issue(w.source.ref))).toMatchObject({ intake: true, summary: true });
    expect(w.store.allIssues('team/app')).toHaveLength(3);

    const writes = w.tracker.writes().length;
    const second = await reconcileIssue(w.source.ref, w.ctx);
    expect(second).toEqual({ master: w.source.ref, intake: [], rerendered: false });
    expect(w.tracker.writes()).toHaveLength(writes);
    expect(describeReconcile({ tracker: 'gitlab', ref: w.source.ref }, second)).toBe(
      `gitlab team/app#${w.source.ref.number}: incident master team/app#${w.source.ref.number}\n- nothing to do: ` +
        `the incident is complete`,
    );
  });

  it("from a child, re-renders a master whose block was damaged by hand, keeping the person's text", async () => {
    const w = await world();
    expect(await handleEvent(issueEvent(w.project, w.source), w.ctx)).toBe('done');
    const master = w.store.issue(w.source.ref);
    const intact = master.body;
    // Someone deleted the Quick Links table from the block and the phase label (the hidden state is intact).
    w.store.editIssue(master.ref, {
      body: intact.replace(/^\| Incident Manager:.*$/m, ''),
      labels: master.labels.filter((l) => !l.startsWith('phase::')),
    });
    const release = w.store.allIssues('team/app').find((i) => i.labels.includes('incident::release'))!;

    const result = await reconcileIssue(release.ref, w.ctx);
    expect(result).toEqual({ master: master.ref, intake: [], rerendered: true });
    expect(w.store.issue(master.ref).body).toBe(intact);
    expect(w.store.issue(master.ref).labels).toContain('phase::before-t5');
    expect(splitBody(w.store.issue(master.ref).body).rest).toBe('details');
    expect(await reconcileIssue(release.ref, w.ctx)).toEqual({ master: master.ref, intake: [], rerendered: false });
  });

  it('takes in a report whose trigger webhook never arrived, once', async () => {
    const w = await world();
    const first = await reconcileIssue(w.source.ref, w.ctx);
    expect(first.master).toEqual(w.source.ref);
    expect(first.intake[0]).toBe(`update team/app#${w.source.ref.number} (make the source confidential)`);
    expect(trustedState(w.store.issue(w.source.ref))).toMatchObject({ intake: true });
    expect(w.store.issue(w.source.ref).confidential).toBe(true);
    const writes = w.tracker.writes().length;
    expect((await reconcileIssue(w.source.ref, w.ctx)).intake).toEqual([]);
    expect(w.tracker.writes()).toHaveLength(writes);
  });

  it("takes nothing in for an incident project that does not take reports from the report's project", async () => {
    const w = await world();
    w.store.addProject('sec/incidents', { visibility: 'private' });
    const other = w.store.addProject('evil/repo', {
      visibility: 'private',
      files: { '.gitlab/incident-desk.yml': 'incidentProject: sec/incidents\n' },
    });
    const report = w.store.seedIssue(other.path, { title: 'RCE', body: 'details', labels: ['incident'] });
    expect(await reconcileIssue(report.ref, w.ctx)).toEqual({
      master: null,
      intake: [],
      rerendered: false,
      note: 'not taken in: sec/incidents does not take reports from evil/repo (its reportsFrom)',
    });
    expect(w.tracker.writes()).toHaveLength(0);
    expect(w.store.allIssues('sec/incidents')).toHaveLength(0);
  });

  it('leaves an issue that is no part of an incident alone', async () => {
    const w = await world();
    const other = w.store.seedIssue('team/app', { title: 'typo', body: 'fix it', labels: ['bug'] });
    expect(await reconcileIssue(other.ref, w.ctx)).toEqual({
      master: null,
      intake: [],
      rerendered: false,
      note: 'not part of an incident (no state, no open `incident` label)',
    });
    expect(w.tracker.writes()).toHaveLength(0);
  });
});

describe('runReconcile (the command) against the fake trackers', () => {
  it("GitLab: from GITLAB_URL and GITLAB_TOKEN, by the issue's address", async () => {
    const store = new MemoryStore({ kind: 'gitlab', now: () => T0 });
    store.addProject('team/app', { visibility: 'private' });
    const fake = await startFakeGitLab(store);
    onTestFinished(fake.close);
    const source = store.seedIssue('team/app', { title: 'RCE', body: 'details', labels: ['incident'] });
    const env = { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test' };
    const url = `${fake.url}/team/app/-/issues/${source.ref.number}`;
    const options = { gitlabClientOptions: fastGitLabClientOptions(), log: memoryLogger() };

    const first = await runReconcile(url, env, options);
    expect(first.split('\n')[0]).toBe(
      `gitlab team/app#${source.ref.number}: incident master team/app#${source.ref.number}`,
    );
    expect(first).toContain('- intake: create release in team/app');
    expect(store.allIssues('team/app')).toHaveLength(3);
    expect(await runReconcile(url, env, options)).toContain('- nothing to do: the incident is complete');
    expect(store.allIssues('team/app')).toHaveLength(3);
  });

  it("GitHub: from APP_ID and PRIVATE_KEY, as the installation on the repository's owner", async () => {
    const store = new MemoryStore({ kind: 'github', now: () => T0 });
    store.addProject('acme/security', { visibility: 'private' });
    const fake = await startFakeGitHub(store, { installationAccount: 'acme' });
    onTestFinished(fake.close);
    const source = store.seedIssue('acme/security', { title: 'RCE', body: 'details', labels: ['incident'] });
    const host = new URL(fake.url).host;
    const env = { APP_ID: '1', PRIVATE_KEY: testPrivateKey(), GHE_HOST: host, GHE_PROTOCOL: 'http' };
    const url = `http://${host}/acme/security/issues/${source.ref.number}`;
    const options = { githubOctokit: fastResilientOctokit(), log: memoryLogger() };

    const first = await runReconcile(url, env, options);
    expect(first).toContain('- intake: create release in acme/security');
    expect(trustedState(store.issue(source.ref))).toMatchObject({ intake: true });
    expect(fake.requests.some((r) => r.path === '/repos/acme/security/installation')).toBe(true);
    expect(await runReconcile(url, env, options)).toContain('- nothing to do: the incident is complete');
    expect(store.allIssues('acme/security')).toHaveLength(3);
  });
});
