import { describe, expect, it, onTestFinished } from 'vitest';
import { TrackerError } from '../../src/tracker/errors.js';
import { GitHubTracker } from '../../src/tracker/github/github-tracker.js';
import { createGitLabClient } from '../../src/tracker/gitlab/client.js';
import { GitLabTracker } from '../../src/tracker/gitlab/gitlab-tracker.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import type { Tracker } from '../../src/tracker/port.js';
import { backoffMs, createReconciled, retryAfterMs, retryPolicy } from '../../src/tracker/retry.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import type { FaultInjector, FaultOptions } from '../support/faults.js';
import { FAST_RETRY, fastResilientOctokit } from '../support/resilient-clients.js';

// The adapters on the production clients (gitbeaker with this app's request handler; Probot's Octokit with
// plugin-retry and plugin-throttling), waits shrunk, against the fake trackers failing on purpose.

interface World {
  tracker: Tracker;
  store: MemoryStore;
  faults: FaultInjector;
  requests: Array<{ method: string; path: string }>;
  project: string;
}

async function gitlabWorld(
  faults?: FaultOptions,
  retry: Parameters<typeof createGitLabClient>[0]['retry'] = FAST_RETRY,
): Promise<World> {
  const store = new MemoryStore({ kind: 'gitlab' });
  store.addProject('sec/incidents', { visibility: 'private' });
  const fake = await startFakeGitLab(store, faults ? { faults } : {});
  onTestFinished(fake.close);
  const client = createGitLabClient({ host: fake.url, token: 'glpat-test', retry, rateLimits: { '**': 100_000 } });
  return {
    tracker: new GitLabTracker(client),
    store,
    faults: fake.faults,
    requests: fake.requests,
    project: 'sec/incidents',
  };
}

async function githubWorld(faults?: FaultOptions, retry = FAST_RETRY): Promise<World> {
  const store = new MemoryStore({ kind: 'github' });
  store.addProject('sec/incidents', { visibility: 'private' });
  const fake = await startFakeGitHub(store, faults ? { faults } : {});
  onTestFinished(fake.close);
  const Octokit = fastResilientOctokit(retry);
  const tracker = new GitHubTracker(new Octokit({ auth: { token: 'ghs_test' }, baseUrl: fake.url, log: quiet }), {
    account: 'sec',
  });
  return { tracker, store, faults: fake.faults, requests: fake.requests, project: 'sec/incidents' };
}

/** Octokit's logger: the rate-limit warnings are expected here. */
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const DRAFT = {
  title: 'Incident INC-1 release',
  body: 'steps\n',
  labels: ['incident::release', 'incident-id::INC-1'],
  confidential: true,
};
const only = (kinds: FaultOptions['kinds'], exempt?: FaultOptions['exempt']): FaultOptions => ({
  rate: 1,
  seed: 1,
  kinds,
  ...(exempt ? { exempt } : {}),
});
const reads = ({ method }: { method: string }) => method === 'GET';
const posts = (w: World) => w.requests.filter((r) => r.method === 'POST' && !r.path.includes('access_tokens'));

describe.each([
  ['gitlab', gitlabWorld],
  ['github', githubWorld],
] as const)('%s adapter on the production client', (_name, world) => {
  it('completes every call with a fifth of the requests failing in every way', async () => {
    const w = await world({ rate: 0.2, seed: 7 });
    const seeded = w.store.seedIssue(w.project, { title: 'report', body: 'text', labels: ['incident'] });
    for (let i = 0; i < 12; i += 1) {
      expect((await w.tracker.getIssue(seeded.ref)).title).toBe('report');
      await w.tracker.updateIssue(seeded.ref, { labels: ['incident', `round-${i}`] });
      await w.tracker.createComment(seeded.ref, `comment ${i}`);
    }
    const created = await w.tracker.createIssue(w.project, DRAFT);
    expect(w.store.issue(seeded.ref).labels).toEqual(['incident', 'round-11']);
    expect(w.store.listComments(seeded.ref).map((c) => c.body)).toEqual(
      Array.from({ length: 12 }, (_, i) => `comment ${i}`),
    );
    expect(
      w.store
        .allIssues(w.project)
        .filter((i) => i.title === DRAFT.title)
        .map((i) => i.ref),
    ).toEqual([created.ref]);
    // The run met several kinds of faults, not just one.
    expect(Object.keys(w.faults.counts()).length).toBeGreaterThanOrEqual(3);
  });

  it('a create whose answer was lost is found, not made twice', async () => {
    const w = await world(only(['lost-answer'], reads));
    const created = await w.tracker.createIssue(w.project, DRAFT);
    expect(w.store.allIssues(w.project).map((i) => i.ref)).toEqual([created.ref]);
    expect(posts(w)).toHaveLength(1);

    const comment = await w.tracker.createComment(created.ref, 'posted once');
    expect(w.store.listComments(created.ref)).toEqual([
      expect.objectContaining({ id: comment.id, body: 'posted once' }),
    ]);
    expect(posts(w)).toHaveLength(2);
  });

  it('a create refused with a server error is sent again after a look, and never applied twice', async () => {
    const w = await world(only(['503'], reads));
    // Every POST fails: four creates, each followed by a look; then the error, never swallowed.
    const error = await w.tracker.createIssue(w.project, DRAFT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 503, operation: 'createIssue' });
    expect(w.store.allIssues(w.project)).toHaveLength(0);
    expect(posts(w)).toHaveLength(4);
  });

  it('rate limits are waited out as the tracker says, for writes too', async () => {
    const w = await world(only(['rate-limit']));
    // Only the first request is limited; the retry of each call goes through.
    w.faults.configure({ rate: 1, seed: 1, kinds: ['rate-limit'], exempt: () => w.faults.injected.length > 0 });
    const created = await w.tracker.createIssue(w.project, DRAFT);
    expect(w.faults.counts()).toEqual({ 'rate-limit': 1 });
    expect(w.store.allIssues(w.project).map((i) => i.ref)).toEqual([created.ref]);
  });

  it("gives up after the last attempt with the tracker's status", async () => {
    const w = await world(undefined);
    const seeded = w.store.seedIssue(w.project, { title: 'report', body: 'text', labels: [] });
    w.faults.outageAfter(0);
    const error = await w.tracker.getIssue(seeded.ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).status).toBe(503);
    // The production number of attempts: four.
    expect(w.faults.counts().outage).toBe(4);
  });

  it('a stalled read times out and is asked again', async () => {
    const w = await world(only(['stall']));
    const seeded = w.store.seedIssue(w.project, { title: 'report', body: 'text', labels: [] });
    w.faults.configure({ rate: 1, seed: 1, kinds: ['stall'], exempt: () => w.faults.injected.length > 0 });
    expect((await w.tracker.getIssue(seeded.ref)).title).toBe('report');
    expect(w.faults.counts()).toEqual({ stall: 1 });
  });
});

describe('GitHub secondary rate limit', () => {
  it('is retried after its retry-after, for reads and writes', async () => {
    const w = await githubWorld();
    const seeded = w.store.seedIssue(w.project, { title: 'report', body: 'text', labels: [] });
    w.faults.configure({
      rate: 1,
      seed: 1,
      kinds: ['secondary-rate-limit'],
      exempt: () => w.faults.injected.length >= 2,
    });
    await w.tracker.createComment(seeded.ref, 'after the limit');
    expect(w.faults.counts()).toEqual({ 'secondary-rate-limit': 2 });
    expect(w.store.listComments(seeded.ref).map((c) => c.body)).toEqual(['after the limit']);
  });
});

describe('GitLab 429', () => {
  it('waits at least the Retry-After it was given', async () => {
    // A Retry-After second worth 150 ms here; the back-off itself stays far below it.
    const w = await gitlabWorld(undefined, { ...FAST_RETRY, retryAfterUnitMs: 150 });
    const seeded = w.store.seedIssue(w.project, { title: 'report', body: 'text', labels: [] });
    w.faults.configure({ rate: 1, seed: 1, kinds: ['rate-limit'], exempt: () => w.faults.injected.length > 0 });
    const started = performance.now();
    await w.tracker.getIssue(seeded.ref);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('retry helpers', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000 });
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffMs(policy, 3, () => 0.5)).toBe(200);
    expect(backoffMs(policy, 3, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(retryAfterMs('2', 1_000, now)).toBe(2_000);
    expect(retryAfterMs('1', 10, now)).toBe(10);
    expect(retryAfterMs('Sun, 22 Nov 2026 10:00:05 GMT', 1_000, now)).toBe(5_000);
    expect(retryAfterMs(undefined, 1_000, now)).toBeUndefined();
    expect(retryAfterMs('soon', 1_000, now)).toBeUndefined();
  });

  it('a create refused with a 4xx is not looked for nor sent again', async () => {
    let creates = 0;
    let looks = 0;
    const refused = new TrackerError('no', 422, 'createIssue');
    const error = await createReconciled(
      3,
      async () => {
        creates += 1;
        throw refused;
      },
      async () => {
        looks += 1;
        return undefined;
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(refused);
    expect({ creates, looks }).toEqual({ creates: 1, looks: 0 });
  });
});
