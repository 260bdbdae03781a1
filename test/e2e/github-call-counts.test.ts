import { describe, expect, it } from 'vitest';
import { runEventCalls } from '../support/call-counts.js';
import { minutes, openGitHubIncident } from '../support/github-incident.js';

// API calls per event against the fake GitHub, the numbers `npm run bench` reports against the minimum of each
// scenario (bench/minimums.ts). A call more than these is a regression of the hot path, not noise.

const CONFIG = 'label: incident\n';
/**
 * The requests the app's own authentication makes (app identity and its bot user's id, read once per process;
 * installation tokens): not an event's work.
 */
const isAuth = (r: { method: string; path: string }) =>
  r.path === '/app' || r.path === '/users/incident-desk%5Bbot%5D' || /^\/app\/installations\/\d+\/access_tokens$/.test(r.path);

describe('GitHub: API calls per event', () => {
  it('an intake in place reads the source twice (fresh, and right before the final block), and makes 13 calls in all', async () => {
    const t = await openGitHubIncident({ config: CONFIG });
    const work = t.fake.requests.filter((r) => !isAuth(r));
    const sourceReads = work.filter((r) => r.method === 'GET' && r.path === `/repos/acme/security/issues/${t.ref.number}`);
    expect(sourceReads).toHaveLength(2);
    expect(work).toHaveLength(13);
  });

  it('a tick makes 7 calls and a /timeline command 5', async () => {
    const t = await openGitHubIncident({ config: CONFIG });
    expect(await runEventCalls(t, minutes, isAuth)).toEqual({ tick: 7, timeline: 5 });
  });

  it('ordinary issues of the incident repository cost nothing, and the configuration only when a label could be the trigger', async () => {
    const t = await openGitHubIncident({ config: CONFIG });
    const since = (from: number) => t.fake.requests.slice(from).filter((r) => !isAuth(r)).map((r) => `${r.method} ${r.path}`);
    const config = 'GET /repos/acme/security/contents/.github/incident-desk.yml';

    let from = t.fake.requests.length;
    const issue = await t.open('acme/security', { title: 'Crash when saving a draft', body: 'Steps: type, save.' });
    expect(since(from)).toEqual([]);
    from = t.fake.requests.length;
    await t.change(issue, { body: 'Steps: type, save. Also on Firefox.' });
    expect(since(from)).toEqual([]);
    from = t.fake.requests.length;
    await t.say('Same here on 2.3.', 'bob', issue);
    await t.say('/assign me', 'bob', issue);
    expect(since(from)).toEqual([]);
    // `bug` could be the configured trigger: the file says it is not, and nothing is written.
    from = t.fake.requests.length;
    await t.change(issue, { labels: ['bug'] });
    expect(since(from)).toEqual([config]);
    from = t.fake.requests.length;
    await t.change(issue, { state: 'closed' });
    expect(since(from)).toEqual([]);
    from = t.fake.requests.length;
    const labeled = await t.open('acme/security', { title: 'Typo on the pricing page', body: 'It says "pirce".', labels: ['bug'] });
    expect(since(from)).toEqual([config]);
    expect(t.store.listComments(issue.ref)).toHaveLength(2);
    expect(t.store.issue(labeled.ref).labels).toEqual(['bug']);
  });
});
