import { describe, expect, it } from 'vitest';
import { runEventCalls } from '../support/call-counts.js';
import { minutes, openGitLabIncident } from '../support/gitlab-incident.js';

// API calls per event against the fake GitLab, the numbers `npm run bench` reports against the minimum of each
// scenario (bench/minimums.ts). A call more than these is a regression of the hot path, not noise.

const CONFIG = 'label: incident\n';
/** The app's own user, read once per process so that its own events are ignored: not an event's work. */
const isAuth = (r: { method: string; path: string }) => r.method === 'GET' && r.path === '/api/v4/user';

describe('GitLab: API calls per event', () => {
  it('an intake in place marks the master from the answer of the confidentiality write, and makes 15 calls in all', async () => {
    const t = await openGitLabIncident({ config: CONFIG });
    const work = t.fake.requests.filter((r) => !isAuth(r));
    const issue = `/api/v4/projects/team%2Fapp/issues/${t.ref.number}`;
    // Read fresh at the trigger, and again right before the final block (other writes came between).
    expect(work.filter((r) => r.method === 'GET' && r.path === issue)).toHaveLength(2);
    expect(work.filter((r) => r.method === 'PUT' && r.path === issue)).toHaveLength(3);
    // The hook's token is shared, so who added the trigger label is asked of GitLab: its label events, once.
    expect(work.filter((r) => r.path === `${issue}/resource_label_events`)).toHaveLength(1);
    expect(work).toHaveLength(15);
  });

  it('a tick makes 8 calls and a /timeline command 6: each one read more, who edited and the note as GitLab has them', async () => {
    const t = await openGitLabIncident({ config: CONFIG });
    const from = t.fake.requests.length;
    expect(await runEventCalls(t, minutes, isAuth)).toEqual({ tick: 8, timeline: 6 });
    const issue = `/api/v4/projects/team%2Fapp/issues/${t.ref.number}`;
    const reads = t.fake.requests.slice(from).filter((r) => r.method === 'GET');
    // The tick: the newest page of notes (GitLab's system note names who edited). The command: the note by its id.
    expect(reads.filter((r) => r.path === `${issue}/notes`)).toHaveLength(1);
    const note = t.store.listComments(t.ref).find((c) => c.body.startsWith('/timeline'))!;
    expect(reads.filter((r) => r.path === `${issue}/notes/${note.id}`)).toHaveLength(1);
  });

  it('ordinary issues of the incident project cost nothing, and the configuration only when a label could be the trigger', async () => {
    const t = await openGitLabIncident({ config: CONFIG });
    const since = (from: number) => t.fake.requests.slice(from).filter((r) => !isAuth(r)).map((r) => `${r.method} ${r.path}`);
    const config = 'GET /api/v4/projects/team%2Fapp/repository/files/.gitlab%2Fincident-desk.yml/raw';

    let from = t.fake.requests.length;
    const { issue } = await t.open('team/app', { title: 'Crash when saving a draft', body: 'Steps: type, save.' });
    expect(since(from)).toEqual([]);
    from = t.fake.requests.length;
    await t.edit((body) => `${body} Also on Firefox.`, 'bob', issue);
    expect(since(from)).toEqual([]);
    from = t.fake.requests.length;
    await t.say('Same here on 2.3.', 'bob', issue);
    // A quick action of GitLab's own, not the app's.
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
    const labeled = await t.open('team/app', { title: 'Typo on the pricing page', body: 'It says "pirce".', labels: ['bug'] });
    expect(since(from)).toEqual([config]);
    expect(labeled.outcome).toBe('not-a-trigger');
    expect(t.store.listComments(issue.ref)).toHaveLength(2);
  });
});
