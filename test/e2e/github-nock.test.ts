import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer } from '../support/app-server.js';
import { deliverGitHub, githubExample, testPrivateKey } from '../support/github-webhook.js';

// End to end through the real server and Probot middleware, with a real `issues.labeled` payload from
// @octokit/webhooks-examples. Every GitHub API call is an exact nock interceptor: an unexpected call fails
// the handler (network is disabled), an expected call that never happens fails the test (setup.ts).

const SECRET = 'webhook-secret';
const API = 'https://api.github.com';
const REPO = '/repos/Codertocat/Hello-World';
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

function issueJson(number: number, fields: Record<string, unknown> = {}) {
  return {
    id: 7000 + number,
    node_id: `I_${number}`,
    number,
    title: `Issue ${number}`,
    body: '',
    labels: [],
    state: 'open',
    locked: false,
    user: { login: 'incident-desk[bot]', type: 'Bot' },
    assignees: [],
    html_url: `https://github.com/Codertocat/Hello-World/issues/${number}`,
    created_at: '2019-05-15T15:20:18Z',
    updated_at: '2019-05-15T15:20:18Z',
    ...fields,
  };
}

describe('GitHub through Probot with a real payload (nock)', () => {
  it('turns a labeled issue in a private repository into a master with two linked children', async () => {
    const payload = githubExample('labeled');
    payload.installation = { id: 4242 };
    payload.repository.private = true;
    payload.label = { ...payload.label, name: 'incident' };
    payload.issue.labels = [{ ...payload.issue.labels[0], name: 'incident' }];
    const source = issueJson(1, {
      title: payload.issue.title,
      body: payload.issue.body,
      labels: [{ name: 'incident' }],
      user: { login: 'Codertocat', type: 'User' },
    });
    const id = 'INC-2019-1';
    const bodies: Record<string, any> = {};

    nock(API)
      .post('/app/installations/4242/access_tokens')
      .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
    nock(API).get(`${REPO}/contents/.github/incident-desk.yml`).reply(404, { message: 'Not Found' });
    nock(API).get('/repos/Codertocat/.github/contents/.github/incident-desk.yml').reply(404, { message: 'Not Found' });
    nock(API).get(`${REPO}/issues/1`).reply(200, source);
    // Marked as the master (state and labels, no new details) before anything else is written, from the read just
    // made (no second read).
    nock(API)
      .patch(`${REPO}/issues/1`, (b) => {
        bodies.mark = b;
        return true;
      })
      .reply(200, (_u, b: any) => ({ ...source, body: b.body, labels: b.labels.map((name: string) => ({ name })) }));
    nock(API).get(`${REPO}/issues`).query(true).reply(200, []);
    // Whoever applied the label is the First Responder only with write access, as GitHub answers.
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write' });
    // The repository's labels, read once for GraphQL's label ids: an earlier incident left the children's role and
    // approval labels, and the master's first write made its identifier's. The one missing, an approval label, only
    // mirrors the comms ticket's approval state: it is added right after that ticket's create, in one write that
    // creates it (no label creation of its own).
    const labelIds: Record<string, string> = {};
    const labelsOf = (names: string[]) =>
      names.map((name, i) => {
        labelIds[name] = `LA_${i}_${name}`;
        return { id: 100 + i, node_id: labelIds[name], name, color: 'ededed' };
      });
    nock(API)
      .get(`${REPO}/labels`)
      .query({ per_page: '100' })
      .reply(
        200,
        labelsOf([
          `incident-id::${id}`,
          'incident::release',
          'incident::comms',
          'approval::blog::pending',
          'approval::customer-email::pending',
          'approval::support-faq::pending',
          'approval::social::pending',
        ]),
      );
    // Each child is created already a sub-issue of the master, in one GraphQL request: the repository by the
    // delivery's node id, the master by the node id of GitHub's answers, the labels by id. No link request follows.
    const created = (number: number, input: any) => ({
      data: {
        createIssue: {
          issue: {
            id: `I_${number}`,
            databaseId: 7000 + number,
            number,
            title: input.title,
            body: input.body,
            url: `https://github.com/Codertocat/Hello-World/issues/${number}`,
            state: 'OPEN',
            locked: false,
            createdAt: '2019-05-15T15:20:19Z',
            updatedAt: '2019-05-15T15:20:19Z',
            author: { __typename: 'Bot', login: 'incident-desk' },
            labels: {
              nodes: input.labelIds.map((labelId: string) => ({
                name: Object.keys(labelIds).find((name) => labelIds[name] === labelId),
              })),
            },
            assignees: { nodes: [] },
          },
        },
      },
    });
    const createsChild = (role: string, key: 'release' | 'comms') => (b: any) => {
      const input = b.variables?.input;
      if (!/createIssue\(input: \$input\)/.test(b.query) || !input?.labelIds.includes(labelIds[role])) return false;
      bodies[key] = input;
      return true;
    };
    nock(API)
      .post('/graphql', createsChild('incident::release', 'release'))
      .reply(200, (_u, b: any) => created(2, b.variables.input));
    nock(API)
      .post('/graphql', createsChild('incident::comms', 'comms'))
      .reply(200, (_u, b: any) => created(3, b.variables.input));
    nock(API)
      .post(`${REPO}/issues/3/labels`, { labels: ['approval::media::pending'] })
      .reply(200, () =>
        [...bodies.comms.labelIds, 'LA_created'].map((labelId: string, i: number) => ({
          id: 300 + i,
          node_id: labelId,
          name: Object.keys(labelIds).find((name) => labelIds[name] === labelId) ?? 'approval::media::pending',
          color: 'ededed',
        })),
      );
    nock(API).get(`${REPO}/issues/1/comments`).query(true).reply(200, []);
    // One comment (issue 15): the summary, and below it the timeline with the intake's entries.
    nock(API)
      .post(`${REPO}/issues/1/comments`, (b) => {
        bodies.summary = b;
        bodies.timeline = b;
        return b.body.startsWith('<!-- incident-desk:summary -->') && b.body.includes('## Timeline');
      })
      .reply(201, (_u, b: any) => ({
        id: 1,
        body: b.body,
        user: { login: 'incident-desk[bot]' },
        created_at: '2019-05-15T15:21:00Z',
      }));
    nock(API).get(`${REPO}/issues/1`).reply(200, source);
    nock(API)
      .patch(`${REPO}/issues/1`, (b) => {
        bodies.master = b;
        return true;
      })
      .reply(200, (_u, b: any) => ({
        ...source,
        title: b.title,
        body: b.body,
        labels: b.labels.map((name: string) => ({ name })),
      }));

    const server = await startAppServer({ APP_ID: '1', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET });
    close = server.close;
    const res = await deliverGitHub(server.url, SECRET, 'issues', payload, 'delivery-1');
    expect(res.status).toBe(200);

    // The first write is the master as people need it (issue 15): labels, identifier, Quick Links and checklist.
    expect([...bodies.mark.labels].sort()).toEqual([
      'incident',
      `incident-id::${id}`,
      'incident::master',
      'phase::before-t5',
      'status::investigating',
    ]);
    expect(bodies.mark.body).toContain(`"role":"master","id":"${id}"`);
    expect(bodies.mark.body).toContain('<!-- step:');
    expect(bodies.mark.body).toContain('| Release Checklist: | _being opened…_ |');
    expect(bodies.release.title).toBe(`[${id}] Security release`);
    expect(bodies.release).toMatchObject({
      repositoryId: payload.repository.node_id,
      parentIssueId: 'I_1',
      labelIds: [labelIds[`incident-id::${id}`], labelIds['incident::release']],
    });
    expect(bodies.comms.labelIds).toEqual([
      labelIds[`incident-id::${id}`],
      labelIds['incident::comms'],
      labelIds['approval::blog::pending'],
      labelIds['approval::customer-email::pending'],
      labelIds['approval::support-faq::pending'],
      labelIds['approval::social::pending'],
    ]);
    expect(bodies.comms.body).toContain('<!-- step:approve-blog-security -->');
    expect(bodies.summary.body).toContain(`incident ${id}`);
    expect(bodies.master.title).toBe(`[${id}] ${payload.issue.title}`);
    expect(bodies.master.body.endsWith(`<!-- incident-desk:end -->\n\n${payload.issue.body}`)).toBe(true);
    expect([...bodies.master.labels].sort()).toEqual([
      'incident',
      `incident-id::${id}`,
      'incident::master',
      'phase::before-t5',
      'status::investigating',
    ]);
    // The declarer has write access: the First Responder leads as Incident Manager.
    expect(bodies.master.body).toContain('| Incident Manager: | @Codertocat |');
    expect(bodies.timeline.body).toContain('@Codertocat · labeled the report `incident`');

    // The same delivery again is dropped before any API call (no interceptor is left to answer one).
    expect((await deliverGitHub(server.url, SECRET, 'issues', payload, 'delivery-1')).status).toBe(200);
  });

  it('ignores an issue event without the trigger label without calling the API', async () => {
    const payload = githubExample('labeled');
    payload.installation = { id: 4242 };
    const server = await startAppServer({ APP_ID: '1', PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: SECRET });
    close = server.close;
    // A `bug` label is not a trigger by itself, but the configuration is read to know the trigger label.
    nock(API)
      .post('/app/installations/4242/access_tokens')
      .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
    nock(API).get(`${REPO}/contents/.github/incident-desk.yml`).reply(404, { message: 'Not Found' });
    nock(API).get('/repos/Codertocat/.github/contents/.github/incident-desk.yml').reply(404, { message: 'Not Found' });
    expect((await deliverGitHub(server.url, SECRET, 'issues', payload, 'delivery-2')).status).toBe(200);
  });
});
