import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/kernel/model.js';
import { isNotFound, TrackerError } from '../../src/tracker/errors.js';
import { GitHubTracker } from '../../src/tracker/github/github-tracker.js';
import { normalizeGitHubCommentEvent, normalizeGitHubIssueEvent } from '../../src/tracker/github/normalize.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { FAKE_INSTALLATION_ID, startFakeGitHub } from '../support/fake-github.js';
import type { FakeGitHub } from '../support/fake-github.js';

// The examples package is CommonJS JSON whose typings declare an ES default export; require reads it as it is.
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

const API = 'https://api.github.com';
const TOKEN = 'ghs_secret_token_value';

/** The adapter on Probot's Octokit against nock; no retries, so one failing answer is one mock. */
function tracker(): GitHubTracker {
  return new GitHubTracker(
    new ProbotOctokit({ auth: { token: TOKEN }, throttle: { enabled: false }, retry: { enabled: false } }),
  );
}

/** A REST issue as GitHub answers it. */
function restIssue(number: number, extra: Record<string, unknown> = {}) {
  return {
    id: 5000 + number,
    node_id: `I_kwDOtest${number}`,
    number,
    title: `Issue ${number}`,
    body: null,
    labels: [{ name: 'incident::master' }],
    state: 'open',
    locked: false,
    user: { login: 'alice', type: 'User' },
    assignees: [{ login: 'bob' }],
    html_url: `https://github.com/sec/incidents/issues/${number}`,
    created_at: '2026-01-02T03:04:05Z',
    updated_at: '2026-01-02T03:04:06Z',
    ...extra,
  };
}

function issue(project: string, number: number, id: number): Issue {
  return {
    ref: { project, number },
    id,
    title: 't',
    body: '',
    labels: [],
    state: 'open',
    confidential: false,
    locked: false,
    author: 'alice',
    assignees: [],
    webUrl: `https://github.com/${project}/issues/${number}`,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

describe('GitHubTracker error mapping', () => {
  it('rethrows a 500 as a TrackerError with the status and the Octokit error as cause, without the token', async () => {
    nock(API).get('/repos/sec/incidents/issues/7').reply(500, { message: 'Server Error' });
    const error = await tracker()
      .getIssue({ project: 'sec/incidents', number: 7 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    const trackerError = error as TrackerError;
    expect(trackerError.status).toBe(500);
    expect(trackerError.operation).toBe('getIssue');
    expect(trackerError.message).toContain('Server Error');
    expect(trackerError.message).not.toContain(TOKEN);
    expect(trackerError.cause).toMatchObject({ name: 'HttpError', status: 500 });
  });

  it('rethrows a 404 on getIssue so that isNotFound recognises it', async () => {
    nock(API).get('/repos/sec/incidents/issues/999').reply(404, { message: 'Not Found' });
    const error = await tracker()
      .getIssue({ project: 'sec/incidents', number: 999 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).status).toBe(404);
    expect(isNotFound(error)).toBe(true);
  });

  it('maps an issue answer: null body, label objects or strings, logins, dates', async () => {
    nock(API)
      .get('/repos/sec/incidents/issues/3')
      .reply(200, restIssue(3, { labels: [{ name: 'a' }, 'b'], locked: true }));
    expect(await tracker().getIssue({ project: 'sec/incidents', number: 3 })).toEqual({
      ref: { project: 'sec/incidents', number: 3 },
      id: 5003,
      nodeId: 'I_kwDOtest3',
      title: 'Issue 3',
      body: '',
      labels: ['a', 'b'],
      state: 'open',
      confidential: false,
      locked: true,
      author: 'alice',
      assignees: ['bob'],
      webUrl: 'https://github.com/sec/incidents/issues/3',
      createdAt: '2026-01-02T03:04:05Z',
      updatedAt: '2026-01-02T03:04:06Z',
    });
  });

  it('treats a pull request number as a missing issue', async () => {
    nock(API)
      .get('/repos/sec/incidents/issues/4')
      .reply(200, restIssue(4, { pull_request: { url: 'x' } }));
    const error = await tracker()
      .getIssue({ project: 'sec/incidents', number: 4 })
      .catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
  });

  it('lists with the label filter, every state, oldest first, and drops pull requests', async () => {
    nock(API)
      .get('/repos/sec/incidents/issues')
      .query({
        labels: 'incident::master,incident-id::X',
        state: 'all',
        sort: 'created',
        direction: 'asc',
        per_page: '100',
      })
      .reply(200, [restIssue(1), restIssue(2, { pull_request: { url: 'x' } }), restIssue(3)]);
    const issues = await tracker().listIssues('sec/incidents', { labels: ['incident::master', 'incident-id::X'] });
    expect(issues.map((i) => i.ref.number)).toEqual([1, 3]);
  });

  it('writes only the fields given, in one PATCH', async () => {
    nock(API)
      .patch(
        '/repos/sec/incidents/issues/5',
        (body: unknown) => JSON.stringify(body) === JSON.stringify({ labels: ['x'], state: 'closed' }),
      )
      .reply(200, restIssue(5, { labels: [{ name: 'x' }], state: 'closed' }));
    const updated = await tracker().updateIssue(
      { project: 'sec/incidents', number: 5 },
      { labels: ['x'], state: 'closed', confidential: true },
    );
    expect(updated).toMatchObject({ labels: ['x'], state: 'closed', confidential: false });
  });

  it('writes assignees as the complete set of logins in the same PATCH, [] clearing them', async () => {
    nock(API)
      .patch(
        '/repos/sec/incidents/issues/5',
        (body: unknown) => JSON.stringify(body) === JSON.stringify({ body: 'B', assignees: ['carol', 'dan'] }),
      )
      .reply(200, restIssue(5, { assignees: [{ login: 'carol' }, { login: 'dan' }] }));
    nock(API)
      .patch(
        '/repos/sec/incidents/issues/5',
        (body: unknown) => JSON.stringify(body) === JSON.stringify({ assignees: [] }),
      )
      .reply(200, restIssue(5, { assignees: [] }));
    const github = tracker();
    const ref = { project: 'sec/incidents', number: 5 };
    expect((await github.updateIssue(ref, { body: 'B', assignees: ['carol', 'dan'] })).assignees).toEqual([
      'carol',
      'dan',
    ]);
    expect((await github.updateIssue(ref, { assignees: [] })).assignees).toEqual([]);
  });

  it('reads one comment by repository and id, a 404 when it is on another issue', async () => {
    const comment = (issue: number) => ({
      id: 77,
      body: 'timeline',
      user: { login: 'incident-desk[bot]', id: 41 },
      created_at: '2026-01-01T00:00:00Z',
      issue_url: `${API}/repos/sec/incidents/issues/${issue}`,
    });
    nock(API).get('/repos/sec/incidents/issues/comments/77').reply(200, comment(5));
    nock(API).get('/repos/sec/incidents/issues/comments/77').reply(200, comment(6));
    nock(API).get('/repos/sec/incidents/issues/comments/78').reply(404, { message: 'Not Found' });
    const github = tracker();
    const ref = { project: 'sec/incidents', number: 5 };
    expect(await github.getComment(ref, 77)).toEqual({
      id: 77,
      author: 'incident-desk[bot]',
      authorId: 41,
      body: 'timeline',
      createdAt: '2026-01-01T00:00:00Z',
    });
    for (const id of [77, 78]) {
      const error = await github.getComment(ref, id).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TrackerError', status: 404, operation: 'getComment' });
      expect(isNotFound(error)).toBe(true);
    }
  });

  it('reads a missing file as null and rethrows other failures', async () => {
    nock(API).get('/repos/sec/incidents/contents/.github/incident-desk.yml').reply(404, { message: 'Not Found' });
    expect(await tracker().readFile('sec/incidents', '.github/incident-desk.yml')).toBeNull();
    nock(API).get('/repos/sec/incidents/contents/a%20b/c.md').reply(503, { message: 'Unavailable' });
    const error = await tracker()
      .readFile('sec/incidents', 'a b/c.md')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrackerError', status: 503, operation: 'readFile' });
  });
});

describe('GitHubTracker.linkIssues', () => {
  const parent = issue('sec/incidents', 1, 101);
  const child = issue('sec/other-repo', 2, 202);

  it('posts the child global id as a sub-issue', async () => {
    nock(API).post('/repos/sec/incidents/issues/1/sub_issues', { sub_issue_id: 202 }).reply(201, restIssue(1));
    expect(await tracker().linkIssues(parent, child)).toBe('linked');
  });

  it("maps GitHub's duplicate sub-issue 422 to already-linked", async () => {
    nock(API)
      .post('/repos/sec/incidents/issues/1/sub_issues')
      .reply(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'Issue',
            code: 'custom',
            field: 'sub_issue_id',
            message:
              'An error occured while adding the sub-issue to the parent issue. Issue may not contain duplicate ' +
              'sub-issues and Sub issue may only have one parent',
          },
        ],
        documentation_url: 'https://docs.github.com/rest/issues/sub-issues#add-sub-issue',
      });
    expect(await tracker().linkIssues(parent, child)).toBe('already-linked');
  });

  it('still throws for any other 422', async () => {
    nock(API)
      .post('/repos/sec/incidents/issues/1/sub_issues')
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ code: 'custom', message: 'Parent cannot have more than 100 sub-issues' }],
      });
    const error = await tracker()
      .linkIssues(parent, child)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrackerError', status: 422, operation: 'linkIssues' });
  });

  it('answers unsupported across owners without a request', async () => {
    expect(await tracker().linkIssues(parent, issue('Other/repo', 3, 303))).toBe('unsupported');
    // Owners compare case-insensitively, as GitHub does.
    nock(API).post('/repos/sec/incidents/issues/1/sub_issues').reply(201, restIssue(1));
    expect(await tracker().linkIssues(parent, issue('SEC/repo', 3, 303))).toBe('linked');
  });
});

describe('GitHubTracker.createAttachedIssue', () => {
  // The master, as an earlier REST answer carried it: with its node id.
  const parent: Issue = { ...issue('sec/incidents', 1, 101), nodeId: 'I_parent' };
  const draft = {
    title: 'Incident INC-1',
    body: 'Steps\r\n- [ ] one 🔗',
    labels: ['incident::release'],
    confidential: true,
  };
  const labels = [{ id: 7, node_id: 'LA_release', name: 'Incident::Release' }];
  /** The GraphQL `createIssue` answer for `input`, as GitHub gives it (a bot's login without `[bot]`). */
  const answer = (number: number, input: { title: string; body: string }) => ({
    data: {
      createIssue: {
        issue: {
          id: `I_child${number}`,
          databaseId: 5000 + number,
          number,
          title: input.title,
          body: input.body,
          url: `https://github.com/sec/incidents/issues/${number}`,
          state: 'OPEN',
          locked: false,
          createdAt: '2026-01-02T03:04:05Z',
          updatedAt: '2026-01-02T03:04:05Z',
          author: { __typename: 'Bot', login: 'incident-desk' },
          labels: { nodes: [{ name: 'incident::release' }] },
          assignees: { nodes: [] },
        },
      },
    },
  });
  const repository = () =>
    nock(API).get('/repos/sec/incidents').reply(200, { id: 9, node_id: 'R_sec', full_name: 'sec/incidents' });
  const labelList = () => nock(API).get('/repos/sec/incidents/labels').query({ per_page: '100' }).reply(200, labels);

  it('creates a sub-issue in one GraphQL request, looking the ids up over REST once per adapter', async () => {
    repository();
    labelList();
    const inputs: Array<Record<string, unknown>> = [];
    nock(API)
      .post('/graphql', (b) => {
        inputs.push(b.variables.input);
        return /createIssue\(input: \$input\)/.test(b.query);
      })
      .times(2)
      .reply(200, (_u, b: any) => answer(10 + inputs.length, b.variables.input));
    const adapter = tracker();
    const first = await adapter.createAttachedIssue('sec/incidents', draft, parent);
    // The second child of the same intake: no look-up again.
    const second = await adapter.createAttachedIssue('sec/incidents', { ...draft, title: 'Other' }, parent);
    expect(inputs[0]).toEqual({
      repositoryId: 'R_sec',
      title: draft.title,
      body: draft.body,
      labelIds: ['LA_release'],
      parentIssueId: 'I_parent',
    });
    expect(first).toEqual({
      link: 'linked',
      issue: {
        ref: { project: 'sec/incidents', number: 11 },
        id: 5011,
        nodeId: 'I_child11',
        title: draft.title,
        body: draft.body,
        labels: ['incident::release'],
        state: 'open',
        confidential: false,
        locked: false,
        author: 'incident-desk[bot]',
        assignees: [],
        webUrl: 'https://github.com/sec/incidents/issues/11',
        createdAt: '2026-01-02T03:04:05Z',
        updatedAt: '2026-01-02T03:04:05Z',
      },
    });
    expect(second.issue.ref.number).toBe(12);
  });

  it("takes the delivery's repository node id, creates a missing label, reads the parent's node id", async () => {
    labelList();
    // Another replica made the label meanwhile: GitHub's 422, then the label is read.
    nock(API)
      .post('/repos/sec/incidents/labels', { name: 'approval::blog::pending', color: 'ededed' })
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
      });
    nock(API)
      .get('/repos/sec/incidents/labels/approval%3A%3Ablog%3A%3Apending')
      .reply(200, { id: 8, node_id: 'LA_blog', name: 'approval::blog::pending' });
    nock(API)
      .get('/repos/sec/incidents/issues/1')
      .reply(200, restIssue(1, { node_id: 'I_read' }));
    nock(API)
      .post('/graphql', (b) => {
        expect(b.variables.input).toMatchObject({
          repositoryId: 'R_delivered',
          labelIds: ['LA_release', 'LA_blog'],
          parentIssueId: 'I_read',
        });
        return true;
      })
      .reply(200, (_u, b: any) => answer(13, b.variables.input));
    const adapter = new GitHubTracker(
      new ProbotOctokit({ auth: { token: TOKEN }, throttle: { enabled: false }, retry: { enabled: false } }),
      { repositories: [{ path: 'sec/incidents', nodeId: 'R_delivered' }] },
    );
    const { nodeId: _known, ...unknown } = parent;
    const created = await adapter.createAttachedIssue(
      'sec/incidents',
      { ...draft, labels: ['incident::release', 'approval::blog::pending', 'INCIDENT::release'] },
      unknown,
    );
    expect(created.link).toBe('linked');
  });

  it('after a lost answer, finds the issue it made instead of creating it again: the link is unknown', async () => {
    repository();
    labelList();
    nock(API).post('/graphql').reply(502, 'Bad Gateway');
    nock(API)
      .get('/repos/sec/incidents/issues')
      .query(true)
      .reply(200, [restIssue(14, { title: draft.title, body: draft.body, labels: [{ name: 'incident::release' }] })]);
    const created = await tracker().createAttachedIssue('sec/incidents', draft, parent);
    expect(created.link).toBe('unknown');
    expect(created.issue.ref.number).toBe(14);
  });

  it('creates the issue unattached across owners, without a link request', async () => {
    nock(API)
      .post('/repos/other/place/issues')
      .reply(201, restIssue(2, { html_url: 'https://github.com/other/place/issues/2' }));
    const created = await tracker().createAttachedIssue('other/place', draft, parent);
    expect(created.link).toBe('unsupported');
  });

  it("throws any other GraphQL error as a TrackerError with GitHub's status: nothing written or resent", async () => {
    const api = {};
    const adapter = new GitHubTracker(
      new ProbotOctokit({ auth: { token: TOKEN }, throttle: { enabled: false }, retry: { enabled: false } }),
      { api },
    );
    repository();
    labelList();
    nock(API)
      .post('/graphql')
      .reply(200, {
        data: { createIssue: null },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['createIssue'],
            message: "Could not resolve to a node with the global id of 'I_parent'",
          },
        ],
      });
    nock(API)
      .post('/graphql')
      .reply(200, {
        errors: [
          {
            message:
              'Variable $input of type CreateIssueInput! was provided invalid value for labelIds ' +
              '(Expected value to not be null)',
            extensions: { problems: [{ path: ['labelIds', 0], explanation: 'Expected value to not be null' }] },
          },
        ],
      });
    const missing = await adapter.createAttachedIssue('sec/incidents', draft, parent).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'TrackerError', status: 404, operation: 'createAttachedIssue' });
    expect(isNotFound(missing)).toBe(true);
    const invalid = await adapter.createAttachedIssue('sec/incidents', draft, parent).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ name: 'TrackerError', status: 422, operation: 'createAttachedIssue' });
    expect((invalid as TrackerError).cause).toBeDefined();
    // Neither is an older server's answer: GraphQL is still asked next time.
    expect(api).toEqual({});
  });

  it("falls back on the inline form of an older server's answer (argumentNotAccepted)", async () => {
    repository();
    labelList();
    nock(API)
      .post('/graphql')
      .reply(200, {
        errors: [
          {
            message: "InputObject 'CreateIssueInput' doesn't accept argument 'parentIssueId'",
            locations: [{ line: 1, column: 60 }],
            path: ['mutation', 'createIssue', 'input', 'parentIssueId'],
            extensions: {
              code: 'argumentNotAccepted',
              name: 'CreateIssueInput',
              typeName: 'InputObject',
              argumentName: 'parentIssueId',
            },
          },
        ],
      });
    nock(API).post('/repos/sec/incidents/issues').reply(201, restIssue(15));
    nock(API).post('/repos/sec/incidents/issues/1/sub_issues', { sub_issue_id: 5015 }).reply(201, restIssue(1));
    const api: { parentIssueId?: boolean } = {};
    const adapter = new GitHubTracker(
      new ProbotOctokit({ auth: { token: TOKEN }, throttle: { enabled: false }, retry: { enabled: false } }),
      { api },
    );
    expect((await adapter.createAttachedIssue('sec/incidents', draft, parent)).link).toBe('linked');
    expect(api.parentIssueId).toBe(false);
  });
});

describe('GitHubTracker.createAttachedIssue on a server without parentIssueId (older GitHub Enterprise Server)', () => {
  let server: FakeGitHub | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('falls back to REST create and sub-issue link; the next adapter of the process asks GraphQL no more', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents', { visibility: 'private' });
    const master = store.seedIssue('sec/incidents', { title: 'Master', labels: ['incident::master'] });
    server = await startFakeGitHub(store, { parentIssueId: false });
    const octokit = new ProbotOctokit({
      auth: { token: 'test' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    // The server's memo, shared by the adapter of each event.
    const api = {};
    const fake = server;
    const shapes = (from: number) => fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    const first = new GitHubTracker(octokit, { api });
    const parent = await first.getIssue(master.ref);
    const release = await first.createAttachedIssue('sec/incidents', { ...draftOf('incident::release') }, parent);
    expect(release.link).toBe('linked');
    expect(shapes(1)).toEqual([
      'GET /repos/sec/incidents',
      'GET /repos/sec/incidents/labels',
      'POST /repos/sec/incidents/labels',
      'POST /graphql',
      'POST /repos/sec/incidents/issues',
      `POST /repos/sec/incidents/issues/${master.ref.number}/sub_issues`,
    ]);
    const from = fake.requests.length;
    const comms = await new GitHubTracker(octokit, { api }).createAttachedIssue(
      'sec/incidents',
      draftOf('incident::comms'),
      parent,
    );
    expect(comms.link).toBe('linked');
    expect(shapes(from)).toEqual([
      'POST /repos/sec/incidents/issues',
      `POST /repos/sec/incidents/issues/${master.ref.number}/sub_issues`,
    ]);
    expect(store.linksOf(master.ref).sort()).toEqual(
      [release.issue, comms.issue].map((i) => `sec/incidents#${i.ref.number}`).sort(),
    );
    expect(store.issue(comms.issue.ref).labels).toEqual(['incident::comms']);
  });
});

/** A child's draft with one role label. */
function draftOf(label: string) {
  return { title: `Child ${label}`, body: 'text', labels: [label], confidential: true };
}

describe('GitHubTracker.deleteIssue', () => {
  const target = issue('sec/public-app', 9, 909);
  const graphqlDelete = (answer: unknown, status = 200) =>
    nock(API)
      .post(
        '/graphql',
        (body: { query?: string; variables?: { issueId?: string } }) =>
          /deleteIssue\(input: \{ issueId: \$issueId \}\)/.test(body.query ?? '') &&
          body.variables?.issueId === 'I_kwDOtest9',
      )
      .reply(status, answer as nock.Body);

  it('deletes through GraphQL with the node id read over REST', async () => {
    nock(API).get('/repos/sec/public-app/issues/9').reply(200, restIssue(9));
    graphqlDelete({ data: { deleteIssue: { clientMutationId: null } } });
    expect(await tracker().deleteIssue(target)).toBe('deleted');
  });

  it('answers forbidden on a FORBIDDEN GraphQL error', async () => {
    nock(API).get('/repos/sec/public-app/issues/9').reply(200, restIssue(9));
    graphqlDelete({
      data: { deleteIssue: null },
      errors: [
        {
          type: 'FORBIDDEN',
          path: ['deleteIssue'],
          message: 'incident-desk[bot] does not have the correct permissions to execute `DeleteIssue`',
        },
      ],
    });
    expect(await tracker().deleteIssue(target)).toBe('forbidden');
  });

  it('answers forbidden on a 403 about admin rights', async () => {
    nock(API).get('/repos/sec/public-app/issues/9').reply(200, restIssue(9));
    graphqlDelete({ message: 'Must have admin rights to Repository.' }, 403);
    expect(await tracker().deleteIssue(target)).toBe('forbidden');
  });

  it('throws for other GraphQL failures', async () => {
    nock(API).get('/repos/sec/public-app/issues/9').reply(200, restIssue(9));
    graphqlDelete({ data: null, errors: [{ type: 'INTERNAL', message: 'Something went wrong' }] });
    const error = await tracker()
      .deleteIssue(target)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrackerError', operation: 'deleteIssue' });
    expect((error as TrackerError).cause).toBeDefined();
  });
});

describe('GitHubTracker access levels and the master sweep', () => {
  const PERMISSION = '/repos/sec/incidents/collaborators/alice/permission';
  const ALICE = { username: 'alice', id: 42 };
  const SEARCH_QUERY = {
    q: 'is:issue is:open label:"incident::master" user:sec',
    sort: 'created',
    order: 'asc',
    per_page: '100',
  };
  const swept = (account?: string): GitHubTracker =>
    new GitHubTracker(
      new ProbotOctokit({ auth: { token: TOKEN }, throttle: { enabled: false }, retry: { enabled: false } }),
      account === undefined ? {} : { account },
    );

  it('reads role_name for base roles and falls back to permission for custom roles', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ permission: 'admin', role_name: 'admin' }, 'admin'],
      [{ permission: 'write', role_name: 'maintain' }, 'maintain'],
      [{ permission: 'write', role_name: 'write' }, 'write'],
      [{ permission: 'read', role_name: 'triage' }, 'triage'],
      [{ permission: 'read', role_name: 'read' }, 'read'],
      [{ permission: 'write', role_name: 'security-responder' }, 'write'],
      [{ permission: 'read' }, 'read'],
      [{ permission: 'none', role_name: 'none' }, 'none'],
      [{ permission: 'something-new' }, 'none'],
    ];
    for (const [body, level] of cases) {
      nock(API)
        .get(PERMISSION)
        .reply(200, { ...body, user: { login: 'alice' } });
      expect([body, await tracker().getAccess('sec/incidents', ALICE)]).toEqual([body, level]);
    }
  });

  it('answers none on a 404 and throws a TrackerError on other failures', async () => {
    nock(API).get('/repos/sec/incidents/collaborators/ghost/permission').reply(404, { message: 'ghost is not a user' });
    expect(await tracker().getAccess('sec/incidents', { username: 'ghost', id: 0 })).toBe('none');
    nock(API).get(PERMISSION).reply(500, { message: 'Server Error' });
    const error = await tracker()
      .getAccess('sec/incidents', ALICE)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'getAccess' });
    expect((error as TrackerError).message).not.toContain(TOKEN);
    nock(API).get(PERMISSION).reply(403, { message: 'Resource not accessible by integration' });
    expect(
      await tracker()
        .getAccess('sec/incidents', ALICE)
        .catch((e: unknown) => e),
    ).toMatchObject({ status: 403 });
  });

  it('refuses to sweep without the installation account, before any request', async () => {
    const error = await swept()
      .listOpenMasters()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ operation: 'listOpenMasters' });
    expect((error as TrackerError).message).toMatch(/account/);
  });

  it("searches the account's open masters, takes the project from repository_url and drops pull requests", async () => {
    nock(API)
      .get('/search/issues')
      .query(SEARCH_QUERY)
      .reply(200, {
        total_count: 3,
        incomplete_results: false,
        items: [
          restIssue(3, { repository_url: `${API}/repos/sec/incidents` }),
          restIssue(4, { repository_url: `${API}/repos/sec/incidents`, pull_request: { url: 'x' } }),
          restIssue(9, { id: 9009, repository_url: `${API}/repos/sec/web-app` }),
        ],
      });
    const masters = await swept('sec').listOpenMasters();
    expect(masters.map((i) => i.ref)).toEqual([
      { project: 'sec/incidents', number: 3 },
      { project: 'sec/web-app', number: 9 },
    ]);
    expect(masters[1]).toMatchObject({ id: 9009, state: 'open', labels: ['incident::master'] });
  });

  it('throws a TrackerError when the search fails', async () => {
    nock(API).get('/search/issues').query(SEARCH_QUERY).reply(500, { message: 'Server Error' });
    const error = await swept('sec')
      .listOpenMasters()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'listOpenMasters' });
  });
});

describe('GitHubTracker.isTeamMember', () => {
  const MEMBERSHIP = '/orgs/sec/teams/responders/memberships/alice';
  const ALICE = { username: 'alice', id: 42 };

  it('asks the team membership endpoint and answers true for an active membership only', async () => {
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ role: 'member', state: 'active' }, true],
      [{ role: 'maintainer', state: 'active' }, true],
      [{ role: 'member', state: 'pending' }, false],
      [{ role: 'member' }, false],
      [{ role: 'member', state: 'something-new' }, false],
    ];
    for (const [body, member] of cases) {
      nock(API)
        .get(MEMBERSHIP)
        .reply(200, { url: `${API}/teams/1/memberships/alice`, ...body });
      expect([body, await tracker().isTeamMember('@sec/responders', ALICE)]).toEqual([body, member]);
    }
  });

  it('takes the team with or without the leading @', async () => {
    nock(API).get(MEMBERSHIP).twice().reply(200, { role: 'member', state: 'active' });
    expect(await tracker().isTeamMember('@sec/responders', ALICE)).toBe(true);
    expect(await tracker().isTeamMember('sec/responders', ALICE)).toBe(true);
  });

  it('answers false on a 404 and throws a TrackerError on other failures', async () => {
    nock(API).get('/orgs/sec/teams/responders/memberships/ghost').reply(404, { message: 'Not Found' });
    expect(await tracker().isTeamMember('@sec/responders', { username: 'ghost', id: 0 })).toBe(false);
    nock(API).get('/orgs/sec/teams/nobody-here/memberships/alice').reply(404, { message: 'Not Found' });
    expect(await tracker().isTeamMember('@sec/nobody-here', ALICE)).toBe(false);
    nock(API).get(MEMBERSHIP).reply(500, { message: 'Server Error' });
    const error = await tracker()
      .isTeamMember('@sec/responders', ALICE)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'isTeamMember' });
    expect((error as TrackerError).message).not.toContain(TOKEN);
    // Without the Members permission GitHub refuses: an error, never a "no".
    nock(API).get(MEMBERSHIP).reply(403, { message: 'Resource not accessible by integration' });
    expect(
      await tracker()
        .isTeamMember('@sec/responders', ALICE)
        .catch((e: unknown) => e),
    ).toMatchObject({
      name: 'TrackerError',
      status: 403,
      operation: 'isTeamMember',
    });
  });

  it('refuses what cannot name a team, and an empty username, without a request', async () => {
    for (const team of ['alice', '@alice', '@sec/responders/oncall', 'sec/', '/responders', '']) {
      const error = await tracker()
        .isTeamMember(team, ALICE)
        .catch((e: unknown) => e);
      expect([team, error]).toEqual([team, expect.any(TrackerError)]);
      expect((error as TrackerError).message).toMatch(/not a GitHub team/);
    }
    const error = await tracker()
      .isTeamMember('@sec/responders', { username: '', id: 42 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TrackerError',
      operation: 'isTeamMember',
      message: expect.stringMatching(/no username/),
    });
  });
});

describe('fake GitHub', () => {
  let server: FakeGitHub | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('refuses requests without an Authorization header', async () => {
    server = await startFakeGitHub(new MemoryStore({ kind: 'github' }));
    const response = await fetch(`${server.url}/repos/sec/incidents`);
    expect(response.status).toBe(401);
  });

  it('lets a real Probot app authenticate as an installation and pages with Link headers', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents');
    for (let i = 0; i < 3; i += 1) store.seedIssue('sec/incidents', { title: `i${i}`, labels: ['x'] });
    server = await startFakeGitHub(store);
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const probot = new Probot({ appId: 1, privateKey, baseUrl: server.url, logLevel: 'fatal' });
    const installation = await probot.auth(1);
    const issues = await installation.paginate('GET /repos/{owner}/{repo}/issues', {
      owner: 'sec',
      repo: 'incidents',
      labels: 'x',
      per_page: 2,
    });
    expect(issues.map((i) => i.title)).toEqual(['i2', 'i1', 'i0']);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /app/installations/1/access_tokens',
      'GET /repos/sec/incidents/issues?labels=x&per_page=2',
      'GET /repos/sec/incidents/issues?labels=x&per_page=2&page=2',
    ]);
    const app = await (await probot.auth()).request('GET /app');
    expect(app.data?.slug).toBe('incident-desk');
  });

  it('deletes only when allowed', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/public-app', { visibility: 'public' });
    const seeded = store.seedIssue('sec/public-app', { title: 'leak' });
    server = await startFakeGitHub(store);
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    expect(await new GitHubTracker(octokit).deleteIssue(seeded)).toBe('forbidden');
    await server.close();
    server = await startFakeGitHub(store, { canDelete: true });
    const allowed = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    expect(await new GitHubTracker(allowed).deleteIssue(seeded)).toBe('deleted');
    expect(store.allIssues('sec/public-app')).toHaveLength(0);
  });

  it("lists one installation for the app, on the account given or the first project's owner", async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents');
    server = await startFakeGitHub(store);
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const first = await octokit.request('GET /app/installations');
    expect(first.data).toMatchObject([{ id: FAKE_INSTALLATION_ID, account: { login: 'sec' } }]);
    await server.close();
    server = await startFakeGitHub(new MemoryStore({ kind: 'github' }));
    const empty = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    expect((await empty.request('GET /app/installations')).data).toMatchObject([{ account: { login: 'acme' } }]);
    await server.close();
    server = await startFakeGitHub(store, { installationAccount: 'other' });
    const named = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    expect((await named.request('GET /app/installations')).data).toMatchObject([{ account: { login: 'other' } }]);
  });

  it("searches only the account's repositories, stops at 1000 results and refuses other queries", async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents');
    store.addProject('other/elsewhere');
    for (let i = 0; i < 1005; i += 1)
      store.seedIssue('sec/incidents', { title: `m${i}`, labels: ['incident::master'] });
    store.seedIssue('other/elsewhere', { title: 'foreign', labels: ['incident::master'] });
    server = await startFakeGitHub(store);
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const masters = await new GitHubTracker(octokit, { account: 'sec' }).listOpenMasters();
    expect(masters).toHaveLength(1000);
    expect(masters.every((i) => i.ref.project === 'sec/incidents')).toBe(true);
    expect(server.requests.filter((r) => r.path.startsWith('/search/issues'))).toHaveLength(10);
    const foreign = await new GitHubTracker(octokit, { account: 'other' }).listOpenMasters();
    expect(foreign.map((i) => i.title)).toEqual(['foreign']);
    const odd = await octokit
      .request('GET /search/issues', { q: 'is:issue label:x author:alice' })
      .catch((e: unknown) => e);
    expect(odd).toMatchObject({ status: 422 });
  });

  it('answers store roles on the permission endpoint and 404 for strangers', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents');
    store.setAccess('sec/incidents', 'Mia', 'maintain');
    server = await startFakeGitHub(store);
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const route = 'GET /repos/{owner}/{repo}/collaborators/{username}/permission' as const;
    const mia = await octokit.request(route, { owner: 'sec', repo: 'incidents', username: 'mia' });
    expect(mia.data).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'mia' } });
    const stranger = await octokit
      .request(route, { owner: 'sec', repo: 'incidents', username: 'zed' })
      .catch((e: unknown) => e);
    expect(stranger).toMatchObject({ status: 404 });
  });

  it('serves active team memberships from the store and 404 for everyone else', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addTeamMember('@Sec/Responders', 'Mia');
    server = await startFakeGitHub(store);
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      baseUrl: server.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const route = 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}' as const;
    const mia = await octokit.request(route, { org: 'sec', team_slug: 'responders', username: 'mia' });
    expect(mia.data).toMatchObject({ role: 'member', state: 'active' });
    for (const [teamSlug, username] of [
      ['responders', 'zed'],
      ['legal', 'mia'],
    ] as const) {
      const missing = await octokit
        .request(route, { org: 'sec', team_slug: teamSlug, username })
        .catch((e: unknown) => e);
      expect(missing).toMatchObject({ status: 404 });
    }
    expect(server.requests.at(-1)).toEqual({
      method: 'GET',
      path: '/orgs/sec/teams/legal/memberships/mia',
      status: 404,
    });
  });
});

describe('normalizeGitHubIssueEvent on @octokit/webhooks-examples payloads', () => {
  const issuesExamples = examples.find((d) => d.name === 'issues')!.examples as unknown as Array<
    Record<string, unknown>
  >;
  const byAction = (list: Array<Record<string, unknown>>, action: string) =>
    structuredClone(list.find((e) => e.action === action)!);

  it('normalizes issues.opened', () => {
    const payload = byAction(issuesExamples, 'opened');
    const event = normalizeGitHubIssueEvent('issues.opened', payload, 'delivery-1');
    const issue = payload.issue as { id: number; number: number; title: string; body: string | null };
    const repository = payload.repository as { id: number; full_name: string };
    expect(event).toMatchObject({
      kind: 'issue',
      tracker: 'github',
      action: 'opened',
      deliveryId: 'delivery-1',
      actor: { username: (payload.sender as { login: string }).login, isBot: false },
      project: { path: repository.full_name, id: repository.id, visibility: 'public' },
      issue: {
        ref: { project: repository.full_name, number: issue.number },
        id: issue.id,
        title: issue.title,
        body: issue.body ?? '',
        labels: ['bug'],
        state: 'open',
      },
      addedLabels: [],
      removedLabels: [],
    });
    expect(event?.previousBody).toBeUndefined();
  });

  it('takes addedLabels and removedLabels from payload.label', () => {
    expect(normalizeGitHubIssueEvent('issues.labeled', byAction(issuesExamples, 'labeled'), 'd')).toMatchObject({
      action: 'labeled',
      addedLabels: ['bug'],
      removedLabels: [],
    });
    expect(normalizeGitHubIssueEvent('issues.unlabeled', byAction(issuesExamples, 'unlabeled'), 'd')).toMatchObject({
      action: 'unlabeled',
      addedLabels: [],
      removedLabels: ['bug'],
    });
  });

  it('takes previousBody from changes.body.from on edits (patched in: the examples carry no changes)', () => {
    const payload = byAction(issuesExamples, 'edited');
    payload.changes = { body: { from: 'the body before' } };
    expect(normalizeGitHubIssueEvent('issues.edited', payload, 'd')).toMatchObject({
      action: 'edited',
      previousBody: 'the body before',
    });
    payload.changes = { title: { from: 'old title' } };
    expect(normalizeGitHubIssueEvent('issues.edited', payload, 'd')?.previousBody).toBeUndefined();
  });

  it('normalizes reopened and closed (closed patched from reopened: the examples have none)', () => {
    const reopened = byAction(issuesExamples, 'reopened');
    expect(normalizeGitHubIssueEvent('issues.reopened', reopened, 'd')).toMatchObject({ action: 'reopened' });
    const closed = {
      ...structuredClone(reopened),
      action: 'closed',
      issue: { ...(reopened.issue as object), state: 'closed' },
    };
    expect(normalizeGitHubIssueEvent('issues', closed, 'd')).toMatchObject({
      action: 'closed',
      issue: { state: 'closed' },
    });
  });

  it('reads private and internal visibility and bot senders', () => {
    const payload = byAction(issuesExamples, 'opened');
    const repository = payload.repository as Record<string, unknown>;
    payload.repository = { ...repository, private: true, visibility: 'private' };
    payload.sender = { ...(payload.sender as object), login: 'incident-desk[bot]', type: 'Bot' };
    expect(normalizeGitHubIssueEvent('issues.opened', payload, 'd')).toMatchObject({
      project: { visibility: 'private' },
      actor: { username: 'incident-desk[bot]', isBot: true },
    });
    payload.repository = { ...repository, private: true, visibility: 'internal' };
    expect(normalizeGitHubIssueEvent('issues.opened', payload, 'd')?.project.visibility).toBe('internal');
  });

  it('answers null for actions, events and payloads it does not handle', () => {
    // Assignments are handled (a tracking ticket's owner is its first assignee); milestones are not.
    expect(normalizeGitHubIssueEvent('issues.assigned', byAction(issuesExamples, 'assigned'), 'd')).toMatchObject({
      action: 'assigned',
    });
    expect(normalizeGitHubIssueEvent('issues.milestoned', byAction(issuesExamples, 'milestoned'), 'd')).toBeNull();
    expect(normalizeGitHubIssueEvent('pull_request.opened', byAction(issuesExamples, 'opened'), 'd')).toBeNull();
    expect(normalizeGitHubIssueEvent('issues.opened', null, 'd')).toBeNull();
    expect(normalizeGitHubIssueEvent('issues.opened', 'text', 'd')).toBeNull();
    expect(normalizeGitHubIssueEvent('issues.opened', { action: 'opened', issue: {} }, 'd')).toBeNull();
    const noLabels = byAction(issuesExamples, 'opened');
    (noLabels.issue as Record<string, unknown>).labels = 'bug';
    expect(normalizeGitHubIssueEvent('issues.opened', noLabels, 'd')).toBeNull();
    const noSender = byAction(issuesExamples, 'opened');
    delete noSender.sender;
    expect(normalizeGitHubIssueEvent('issues.opened', noSender, 'd')).toBeNull();
  });
});

describe('normalizeGitHubCommentEvent on @octokit/webhooks-examples payloads', () => {
  const commentExamples = examples.find((d) => d.name === 'issue_comment')!.examples as unknown as Array<
    Record<string, unknown>
  >;
  const created = () => structuredClone(commentExamples.find((e) => e.action === 'created')!);

  it('normalizes issue_comment.created on an issue', () => {
    const payload = created();
    const comment = payload.comment as { id: number; body: string; created_at: string; user: { login: string } };
    const event = normalizeGitHubCommentEvent('issue_comment.created', payload, 'delivery-2');
    expect(event).toMatchObject({
      kind: 'note',
      tracker: 'github',
      deliveryId: 'delivery-2',
      project: { path: 'Codertocat/Hello-World' },
      issue: { ref: { project: 'Codertocat/Hello-World', number: (payload.issue as { number: number }).number } },
      comment: { id: comment.id, author: comment.user.login, body: comment.body, createdAt: comment.created_at },
    });
  });

  it('ignores comments on pull requests, other actions and malformed payloads', () => {
    const onPull = created();
    (onPull.issue as Record<string, unknown>).pull_request = { url: 'https://api.github.com/repos/x/y/pulls/1' };
    expect(normalizeGitHubCommentEvent('issue_comment.created', onPull, 'd')).toBeNull();
    const edited = structuredClone(commentExamples.find((e) => e.action === 'edited')!);
    expect(normalizeGitHubCommentEvent('issue_comment.edited', edited, 'd')).toBeNull();
    expect(normalizeGitHubCommentEvent('issues.opened', created(), 'd')).toBeNull();
    const noComment = created();
    delete noComment.comment;
    expect(normalizeGitHubCommentEvent('issue_comment.created', noComment, 'd')).toBeNull();
    expect(normalizeGitHubCommentEvent('issue_comment.created', [], 'd')).toBeNull();
  });
});

describe('GitHubTracker.createAttachedIssue with status labels', () => {
  let server: FakeGitHub | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const ID = 'incident-id::INC-1';
  const APPROVALS = ['approval::blog::pending', 'approval::media::pending'];
  /** A comms child's draft: what finds it again as labels, its approval labels as status labels. */
  const comms = {
    title: 'Comms',
    body: 'text',
    labels: [ID, 'incident::comms'],
    statusLabels: APPROVALS,
    confidential: true,
  };

  /** A repository holding `labels` and a master; the adapter (no retries) on a fake GitHub serving it. */
  async function world(labels: string[], options: { parentIssueId?: false } = {}) {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('sec/incidents', { visibility: 'private' });
    for (const label of labels) store.createLabel('sec/incidents', label);
    const master = store.seedIssue('sec/incidents', { title: 'Master', labels: ['incident::master', ID] });
    const fake = await startFakeGitHub(store, options);
    server = fake;
    const octokit = new ProbotOctokit({
      auth: { token: 'test' },
      baseUrl: fake.url,
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    const adapter = new GitHubTracker(octokit, { api: {} });
    const parent = await adapter.getIssue(master.ref);
    const from = fake.requests.length;
    const shapes = () =>
      fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]!.replace(/\/\d+\//, '/N/')}`);
    return { store, fake, adapter, parent, shapes };
  }

  it('adds the status labels the repository lacks in one write after the create, creating none first', async () => {
    const w = await world(['incident::comms']);
    const created = await w.adapter.createAttachedIssue('sec/incidents', comms, w.parent);
    expect(w.shapes()).toEqual([
      'GET /repos/sec/incidents',
      'GET /repos/sec/incidents/labels',
      'POST /graphql',
      'POST /repos/sec/incidents/issues/N/labels',
    ]);
    expect(created.link).toBe('linked');
    // The answer carries the labels the issue ended with, as the tracker has them.
    expect(created.issue.labels).toEqual([ID, 'incident::comms', ...APPROVALS]);
    expect(w.store.issue(created.issue.ref).labels).toEqual(created.issue.labels);
    expect(w.store.labelsOf('sec/incidents').map((l) => l.name)).toEqual(expect.arrayContaining(APPROVALS));
    // The labels that write created are known by id from its answer: the next create names them in its one request.
    const next = w.fake.requests.length;
    const again = await w.adapter.createAttachedIssue('sec/incidents', { ...comms, title: 'Other' }, w.parent);
    expect(w.fake.requests.slice(next).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /graphql']);
    expect(again.issue.labels).toEqual([ID, 'incident::comms', ...APPROVALS]);
  });

  it('a prepared repository: the status labels go in the create, and the calls are those without them', async () => {
    const w = await world(['incident::comms', ...APPROVALS]);
    const created = await w.adapter.createAttachedIssue('sec/incidents', comms, w.parent);
    expect(w.shapes()).toEqual(['GET /repos/sec/incidents', 'GET /repos/sec/incidents/labels', 'POST /graphql']);
    expect(created.issue.labels).toEqual([ID, 'incident::comms', ...APPROVALS]);
  });

  it('a missing label that finds the issue again (its role) is still created first; status labels follow', async () => {
    const w = await world([APPROVALS[0]!]);
    const created = await w.adapter.createAttachedIssue('sec/incidents', comms, w.parent);
    expect(w.shapes()).toEqual([
      'GET /repos/sec/incidents',
      'GET /repos/sec/incidents/labels',
      'POST /repos/sec/incidents/labels',
      'POST /graphql',
      'POST /repos/sec/incidents/issues/N/labels',
    ]);
    expect(
      w.fake.requests.find((r) => r.path === '/repos/sec/incidents/labels' && r.method === 'POST')?.body,
    ).toMatchObject({
      name: 'incident::comms',
    });
    expect(w.fake.requests.find((r) => r.path.endsWith(`/issues/${created.issue.ref.number}/labels`))?.body).toEqual({
      labels: [APPROVALS[1]],
    });
    expect(w.store.issue(created.issue.ref).labels).toEqual([ID, 'incident::comms', ...APPROVALS]);
  });

  it('a failed label write throws, the issue created with what finds it again', async () => {
    const w = await world(['incident::comms']);
    w.fake.faults.outageWhen(({ method, path }) => method === 'POST' && /\/issues\/\d+\/labels$/.test(path));
    const error = await w.adapter.createAttachedIssue('sec/incidents', comms, w.parent).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrackerError', status: 503, operation: 'createAttachedIssue' });
    const [child] = w.store.listIssues('sec/incidents', { labels: ['incident::comms'], state: 'all' });
    expect(child?.labels).toEqual([ID, 'incident::comms']);
  });

  it('an older server without parentIssueId gets every label in its REST create', async () => {
    const w = await world(['incident::comms'], { parentIssueId: false });
    const created = await w.adapter.createAttachedIssue('sec/incidents', comms, w.parent);
    expect(w.shapes().filter((s) => s.includes('labels'))).toEqual(['GET /repos/sec/incidents/labels']);
    expect(
      w.fake.requests.find((r) => r.method === 'POST' && r.path === '/repos/sec/incidents/issues')?.body,
    ).toMatchObject({
      labels: [ID, 'incident::comms', ...APPROVALS],
    });
    expect(created.issue.labels).toEqual([ID, 'incident::comms', ...APPROVALS]);
  });
});
