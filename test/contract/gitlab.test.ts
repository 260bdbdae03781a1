import { Gitlab } from '@gitbeaker/rest';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { GitLabTracker } from '../../src/tracker/gitlab/gitlab-tracker.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import { describeTrackerContract } from './tracker-contract.js';

describeTrackerContract('gitlab adapter', 'gitlab', async () => {
  const store = new MemoryStore({ kind: 'gitlab' });
  const fake = await startFakeGitLab(store, { token: 'test-token' });
  const api = new Gitlab({
    host: fake.url,
    token: 'test-token',
    // gitbeaker's default limiter queues past 3000 requests a minute; a fresh client per test never gets near it,
    // but a generous explicit limit keeps the tests independent of that default. A hung request fails in 5 s.
    rateLimits: { '**': 100_000 },
    queryTimeout: 5_000,
  });
  return {
    tracker: new GitLabTracker(api),
    store,
    close: () => fake.close(),
    userId: (username) => fake.userId(username),
  };
});
