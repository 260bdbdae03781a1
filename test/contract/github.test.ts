import { ProbotOctokit } from 'probot';
import { GitHubTracker } from '../../src/tracker/github/github-tracker.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { describeTrackerContract } from './tracker-contract.js';

// The real adapter on Probot's Octokit, against the fake GitHub on loopback. Throttling and retries are off so a
// failure shows at once instead of after back-off.
describeTrackerContract('github adapter', 'github', async () => {
  const store = new MemoryStore({ kind: 'github' });
  const server = await startFakeGitHub(store);
  const octokit = new ProbotOctokit({
    auth: { token: 'test' },
    baseUrl: server.url,
    throttle: { enabled: false },
    retry: { enabled: false },
  });
  // The installation's account: GitHub's search (listOpenMasters) covers that owner's repositories, here `sec/…`. The
  // app's bot login: its id is looked up once.
  return {
    tracker: new GitHubTracker(octokit, { account: 'sec', appLogin: 'incident-desk[bot]' }),
    store,
    close: () => server.close(),
  };
});
