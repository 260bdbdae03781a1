import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer } from '../support/app-server.js';
import { deliverGitLab, gitlabFixture } from '../support/gitlab-webhook.js';

// End to end through the real server and GitLab route with the real `Issue Hook` payload from GitLab's
// documentation (test/fixtures/gitlab/issue-hook.json). Every GitLab API call is an exact nock
// interceptor: an unexpected call fails (network disabled), an unused one fails the test (setup.ts).

const GITLAB = 'https://gitlab.example.com';
const SECRET = 'hook-secret';
const P = '/api/v4/projects/gitlabhq%2Fgitlab-test';
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

function issueJson(iid: number, fields: Record<string, unknown> = {}) {
  return {
    id: 9000 + iid,
    iid,
    project_id: 1,
    title: `Issue ${iid}`,
    description: '',
    labels: [],
    state: 'opened',
    confidential: false,
    discussion_locked: false,
    author: { id: 99, username: 'incident-desk-bot' },
    assignees: [],
    web_url: `${GITLAB}/gitlabhq/gitlab-test/-/issues/${iid}`,
    references: { full: `gitlabhq/gitlab-test#${iid}` },
    created_at: '2013-12-03T17:15:43Z',
    updated_at: '2013-12-03T17:15:43Z',
    ...fields,
  };
}

async function server() {
  const started = await startAppServer(
    { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test', GITLAB_WEBHOOK_SECRET: SECRET },
    { gitlabClientOptions: { rateLimits: { '**': 100_000 } } },
  );
  close = started.close;
  return started;
}

describe('GitLab through the real route with the documented payload (nock)', () => {
  it('an issue opened with the trigger label: confidential first, then master, children, links, summary', async () => {
    const payload = gitlabFixture('issue-hook');
    const fixture = payload.object_attributes;
    const source = issueJson(fixture.iid, {
      title: fixture.title,
      description: fixture.description,
      labels: ['API'],
      author: { id: 51, username: 'reporter' },
    });
    const id = `INC-2013-${fixture.iid}`;
    const sent: Record<string, any> = {};
    const labelsOf = (b: any): string[] =>
      String(b.labels ?? '')
        .split(',')
        .filter(Boolean);

    nock(GITLAB).get('/api/v4/user').reply(200, { id: 99, username: 'incident-desk-bot' });
    nock(GITLAB)
      .get(`${P}/repository/files/.gitlab%2Fincident-desk.yml/raw`)
      .query({ ref: 'HEAD' })
      .reply(200, 'label: API\n');
    nock(GITLAB).get(`${P}/issues/${fixture.iid}`).reply(200, source);
    // The hook's token is shared: who added the trigger label is GitLab's answer (its label events), not the payload's.
    nock(GITLAB)
      .get(`${P}/issues/${fixture.iid}/resource_label_events`)
      .query(true)
      .reply(200, [
        {
          id: 7,
          user: { id: 51, username: 'reporter' },
          created_at: '2013-12-03T17:15:43Z',
          resource_type: 'Issue',
          label: { id: 1, name: 'API' },
          action: 'add',
        },
      ]);
    // Whoever added the label is the First Responder only with Developer access, as GitLab answers.
    nock(GITLAB).get(`${P}/members/all/51`).reply(200, { id: 51, username: 'reporter', access_level: 30 });
    nock(GITLAB)
      .put(`${P}/issues/${fixture.iid}`, (b) => {
        sent.confidential = b;
        return true;
      })
      .reply(200, { ...source, confidential: true });
    // Marked as the master (state and labels, no new details) before anything else is written, from the answer of the
    // confidentiality write (no second read).
    nock(GITLAB)
      .put(`${P}/issues/${fixture.iid}`, (b) => {
        sent.mark = b;
        return true;
      })
      .reply(200, (_u, b: any) => ({ ...source, confidential: true, description: b.description, labels: labelsOf(b) }));
    nock(GITLAB)
      .get(`${P}/issues`)
      .query((q) => q.labels === `incident-id::${id}`)
      .reply(200, []);
    nock(GITLAB)
      .post(`${P}/issues`, (b) => {
        sent.release = b;
        return labelsOf(b).includes('incident::release');
      })
      .reply(201, (_u, b: any) =>
        issueJson(24, {
          title: b.title,
          description: b.description,
          labels: labelsOf(b),
          confidential: b.confidential,
        }),
      );
    nock(GITLAB)
      .post(`${P}/issues`, (b) => {
        sent.comms = b;
        return labelsOf(b).includes('incident::comms');
      })
      .reply(201, (_u, b: any) =>
        issueJson(25, {
          title: b.title,
          description: b.description,
          labels: labelsOf(b),
          confidential: b.confidential,
        }),
      );
    nock(GITLAB)
      .post(`${P}/issues/${fixture.iid}/links`, (b) => String(b.target_issue_iid) === '24')
      .reply(201, {});
    nock(GITLAB)
      .post(`${P}/issues/${fixture.iid}/links`, (b) => String(b.target_issue_iid) === '25')
      .reply(201, {});
    nock(GITLAB).get(`${P}/issues/${fixture.iid}/notes`).query(true).reply(200, []);
    // One note (issue 15): the summary, and below it the timeline with the intake's entries.
    nock(GITLAB)
      .post(`${P}/issues/${fixture.iid}/notes`, (b) => {
        sent.summary = b;
        sent.timeline = b;
        return String(b.body).startsWith('<!-- incident-desk:summary -->') && String(b.body).includes('## Timeline');
      })
      .reply(201, (_u, b: any) => ({
        id: 1,
        body: b.body,
        system: false,
        author: { username: 'incident-desk-bot' },
        created_at: '2013-12-03T17:20:00Z',
      }));
    nock(GITLAB)
      .get(`${P}/issues/${fixture.iid}`)
      .reply(200, { ...source, confidential: true });
    nock(GITLAB)
      .put(`${P}/issues/${fixture.iid}`, (b) => {
        sent.master = b;
        return true;
      })
      .reply(200, (_u, b: any) => ({
        ...source,
        confidential: true,
        title: b.title,
        description: b.description,
        labels: labelsOf(b),
      }));

    const app = await server();
    const res = await deliverGitLab(app.url, SECRET, payload, 'idempotency-1');
    expect(res.status).toBe(200);

    expect(sent.confidential).toEqual({ confidential: true });
    // The first write after the confidentiality is the master as people need it (issue 15): labels, identifier,
    // Quick Links and checklist.
    expect(labelsOf(sent.mark).sort()).toEqual([
      'API',
      `incident-id::${id}`,
      'incident::master',
      'phase::before-t5',
      'status::investigating',
    ]);
    expect(sent.mark.description).toContain(`"role":"master","id":"${id}"`);
    expect(sent.mark.description).toContain('<!-- step:');
    expect(sent.mark.description).toContain('| Release Checklist: | _being opened…_ |');
    expect(sent.mark.description).not.toContain('"intake":true');
    expect(sent.release.confidential).toBe(true);
    expect(sent.release.title).toBe(`[${id}] Security release`);
    expect(sent.comms.confidential).toBe(true);
    expect(sent.summary.body).toContain(`incident ${id}`);
    expect(sent.master.title).toBe(`[${id}] ${fixture.title}`);
    expect(sent.master.description.endsWith(`<!-- incident-desk:end -->\n\n${fixture.description}`)).toBe(true);
    expect(labelsOf(sent.master).sort()).toEqual([
      'API',
      `incident-id::${id}`,
      'incident::master',
      'phase::before-t5',
      'status::investigating',
    ]);
    // GitLab answers that whoever added the label is a Developer: the First Responder leads as Incident Manager.
    expect(sent.master.description).toContain('| Incident Manager: | @reporter |');
    expect(sent.timeline.body).toContain('made this ticket confidential');
    expect(sent.timeline.body).toMatch(/@\u200b?reporter · labeled the report `API`/);
    expect(sent.timeline.body).not.toContain('root');

    // GitLab retries a delivery with the same Idempotency-Key: dropped without a single API call.
    expect((await deliverGitLab(app.url, SECRET, payload, 'idempotency-1')).status).toBe(200);
  });

  it('a comment on an issue (the documented Note Hook) is accepted and changes nothing, asking nothing', async () => {
    // No interceptor: a plain comment is ordinary traffic, answered before any request (one would fail: 202).
    const app = await server();
    const res = await deliverGitLab(app.url, SECRET, gitlabFixture('note-hook-issue'), 'idempotency-2', 'Note Hook');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'not-a-trigger' });
  });

  it('an emoji award is acknowledged and ignored', async () => {
    const app = await server();
    const res = await deliverGitLab(
      app.url,
      SECRET,
      gitlabFixture('emoji-hook-issue-note'),
      'idempotency-3',
      'Emoji Hook',
    );
    expect(res.status).toBe(202);
  });
});
