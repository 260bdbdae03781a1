import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Gitlab, GitbeakerRequestError } from '@gitbeaker/rest';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/kernel/model.js';
import { TrackerError } from '../../src/tracker/errors.js';
import { GitLabTracker } from '../../src/tracker/gitlab/gitlab-tracker.js';
import { normalizeGitLabIssueEvent, normalizeGitLabNoteEvent } from '../../src/tracker/gitlab/normalize.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';

const HOST = 'https://gitlab.example.com';
const TOKEN = 'glpat-secret-token-value';
const API = `${HOST}/api/v4`;

function tracker(): GitLabTracker {
  return new GitLabTracker(
    new Gitlab({ host: HOST, token: TOKEN, rateLimits: { '**': 100_000 }, queryTimeout: 5_000 }),
  );
}

/** A GitLab issue answer, as the REST API sends it. */
function issueJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 501,
    iid: 7,
    project_id: 42,
    title: 'Heap overflow',
    description: null,
    state: 'opened',
    labels: ['incident::master'],
    confidential: true,
    discussion_locked: null,
    author: { id: 3, username: 'alice' },
    assignees: [{ id: 4, username: 'bob' }],
    web_url: `${HOST}/sec/incidents/-/issues/7`,
    created_at: '2026-01-02T03:04:05.000Z',
    updated_at: '2026-01-02T03:04:06.000Z',
    references: { short: '#7', relative: '#7', full: 'sec/incidents#7' },
    ...overrides,
  };
}

const REF = { project: 'sec/incidents', number: 7 };
const ISSUE_PATH = '/api/v4/projects/sec%2Fincidents/issues/7';

describe('GitLabTracker over gitbeaker', () => {
  it('maps an issue answer to the neutral issue', async () => {
    nock(HOST)
      .get(ISSUE_PATH)
      .reply(200, issueJson({ due_date: '2026-12-01' }));
    expect(await tracker().getIssue(REF)).toEqual({
      ref: REF,
      id: 501,
      title: 'Heap overflow',
      body: '',
      labels: ['incident::master'],
      state: 'open',
      confidential: true,
      locked: false,
      author: 'alice',
      assignees: ['bob'],
      dueDate: '2026-12-01',
      webUrl: `${HOST}/sec/incidents/-/issues/7`,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:06.000Z',
    });
  });

  it('takes the project path from references.full, else from the project id it learned', async () => {
    const gitlab = tracker();
    // Asked under an old or differently cased path, GitLab answers with the canonical one.
    nock(HOST)
      .get('/api/v4/projects/SEC%2Fold-name/issues/7')
      .reply(200, issueJson({ references: { full: 'sec/incidents#7' } }));
    expect((await gitlab.getIssue({ project: 'SEC/old-name', number: 7 })).ref).toEqual(REF);
    // Without references, the id → path the instance learned wins over the path the request used.
    nock(HOST)
      .get('/api/v4/projects/42/issues/7')
      .reply(200, issueJson({ references: undefined }));
    expect((await gitlab.getIssue({ project: '42', number: 7 })).ref).toEqual(REF);
    // And with nothing learned, the requested path is the answer's project.
    nock(HOST)
      .get(ISSUE_PATH)
      .reply(200, issueJson({ project_id: 99, references: undefined }));
    expect((await tracker().getIssue(REF)).ref).toEqual(REF);
  });

  it('reads a project with its visibility', async () => {
    nock(HOST)
      .get('/api/v4/projects/sec%2Fincidents')
      .reply(200, {
        id: 42,
        path_with_namespace: 'sec/incidents',
        visibility: 'internal',
        web_url: `${HOST}/sec/incidents`,
        default_branch: 'trunk',
      });
    expect(await tracker().getProject('sec/incidents')).toEqual({
      path: 'sec/incidents',
      id: 42,
      visibility: 'internal',
      webUrl: `${HOST}/sec/incidents`,
      defaultBranch: 'trunk',
    });
  });

  it('rethrows a 500 as a TrackerError with the status and the cause, without the token', async () => {
    nock(HOST).get(ISSUE_PATH).reply(500, { message: '500 Internal Server Error' });
    const error = await tracker()
      .getIssue(REF)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    const trackerError = error as TrackerError;
    expect(trackerError.status).toBe(500);
    expect(trackerError.operation).toBe('getIssue');
    expect(trackerError.message).toContain('500 Internal Server Error');
    expect(trackerError.cause).toBeInstanceOf(GitbeakerRequestError);
    const cause = (trackerError.cause as GitbeakerRequestError).cause!;
    expect(cause.response.status).toBe(500);
    expect(cause.request.url).toBe(`${API}/projects/sec%2Fincidents/issues/7`);
    expect(cause.request.headers.get('private-token')).toBeNull();
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('rethrows a 404 as a 404 TrackerError', async () => {
    nock(HOST).get('/api/v4/projects/sec%2Fmissing').reply(404, { message: '404 Project Not Found' });
    const error = await tracker()
      .getProject('sec/missing')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).status).toBe(404);
    expect((error as TrackerError).operation).toBe('getProject');
  });

  it('rethrows network failures and exhausted retries as TrackerErrors', async () => {
    nock(HOST).get(ISSUE_PATH).replyWithError('socket hang up');
    const network = await tracker()
      .getIssue(REF)
      .catch((e: unknown) => e);
    expect(network).toBeInstanceOf(TrackerError);
    expect((network as TrackerError).status).toBeUndefined();
    expect((network as TrackerError).cause).toBeDefined();

    // gitbeaker retries 429 and 502 ten times (with millisecond back-off), then gives up.
    nock(HOST).get(ISSUE_PATH).times(10).reply(502, 'Bad Gateway');
    const retried = await tracker()
      .getIssue(REF)
      .catch((e: unknown) => e);
    expect(retried).toBeInstanceOf(TrackerError);
    expect((retried as TrackerError).status).toBe(502);
  });

  it('maps a 409 on linking to already-linked and names the target by path', async () => {
    const parent = { ref: REF } as Issue;
    const child = { ref: { project: 'other/proj', number: 3 } } as Issue;
    const expected = { target_project_id: 'other/proj', target_issue_iid: 3, link_type: 'relates_to' };
    nock(HOST)
      .post(`${ISSUE_PATH}/links`, expected)
      .reply(201, { source_issue: {}, target_issue: {}, link_type: 'relates_to' });
    nock(HOST).post(`${ISSUE_PATH}/links`, expected).reply(409, { message: 'Issue(s) already assigned' });
    nock(HOST).post(`${ISSUE_PATH}/links`, expected).reply(403, { message: "Couldn't link issue." });
    const gitlab = tracker();
    expect(await gitlab.linkIssues(parent, child)).toBe('linked');
    expect(await gitlab.linkIssues(parent, child)).toBe('already-linked');
    const error = await gitlab.linkIssues(parent, child).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).status).toBe(403);
  });

  it('clears every label with an empty set, sending only that key', async () => {
    nock(HOST)
      .put(ISSUE_PATH, (body) => JSON.stringify(body) === JSON.stringify({ labels: '' }))
      .reply(200, issueJson({ labels: [] }));
    expect((await tracker().updateIssue(REF, { labels: [] })).labels).toEqual([]);
  });

  it('writes the other fields in one edit with GitLab names', async () => {
    nock(HOST)
      .put(ISSUE_PATH, { title: 'T', description: 'B', labels: 'a,b::c', confidential: true, state_event: 'close' })
      .reply(200, issueJson({ state: 'closed' }));
    nock(HOST).put(ISSUE_PATH, { state_event: 'reopen' }).reply(200, issueJson());
    const gitlab = tracker();
    const closed = await gitlab.updateIssue(REF, {
      title: 'T',
      body: 'B',
      labels: ['a', 'b::c'],
      confidential: true,
      state: 'closed',
    });
    expect(closed.state).toBe('closed');
    expect((await gitlab.updateIssue(REF, { state: 'open' })).state).toBe('open');
  });

  it('resolves assignee usernames once per instance and writes their ids in the same edit', async () => {
    const users = nock(HOST);
    users
      .get('/api/v4/users')
      .query({ username: 'bob' })
      .reply(200, [{ id: 4, username: 'bob', state: 'active' }]);
    users
      .get('/api/v4/users')
      .query({ username: 'carol' })
      .reply(200, [{ id: 5, username: 'carol', state: 'active' }]);
    nock(HOST)
      .put(ISSUE_PATH, (body) => JSON.stringify(body) === JSON.stringify({ title: 'T', assignee_ids: [4, 5] }))
      .reply(
        200,
        issueJson({
          title: 'T',
          assignees: [
            { id: 4, username: 'bob' },
            { id: 5, username: 'carol' },
          ],
        }),
      );
    // The second use asks GitLab for no one (no interceptor for /users would fail it): the ids are cached,
    // case-insensitively as GitLab compares usernames, and a repeated name is sent once.
    nock(HOST)
      .put(ISSUE_PATH, (body) => JSON.stringify(body) === JSON.stringify({ assignee_ids: [5, 4] }))
      .reply(
        200,
        issueJson({
          assignees: [
            { id: 5, username: 'carol' },
            { id: 4, username: 'bob' },
          ],
        }),
      );
    const gitlab = tracker();
    const first = await gitlab.updateIssue(REF, { title: 'T', assignees: ['bob', 'carol'] });
    expect(first.assignees).toEqual(['bob', 'carol']);
    const second = await gitlab.updateIssue(REF, { assignees: ['Carol', 'bob', 'carol'] });
    expect(second.assignees).toEqual(['carol', 'bob']);
  });

  it('keeps the username cache per instance, not per module', async () => {
    for (let i = 0; i < 2; i += 1) {
      nock(HOST)
        .get('/api/v4/users')
        .query({ username: 'bob' })
        .reply(200, [{ id: 4, username: 'bob' }]);
      nock(HOST)
        .put(ISSUE_PATH, { assignee_ids: [4] })
        .reply(200, issueJson());
      expect((await tracker().updateIssue(REF, { assignees: ['bob'] })).assignees).toEqual(['bob']);
    }
  });

  it(
    'throws a 422 TrackerError naming an unknown username, ' + 'before writing anything, and asks again next time',
    async () => {
      nock(HOST)
        .get('/api/v4/users')
        .query({ username: 'bob' })
        .reply(200, [{ id: 4, username: 'bob' }]);
      nock(HOST).get('/api/v4/users').query({ username: 'ghost' }).twice().reply(200, []);
      // No PUT interceptor: a write would fail the test differently.
      const gitlab = tracker();
      for (let i = 0; i < 2; i += 1) {
        const error = await gitlab
          .updateIssue(REF, { body: 'B', assignees: ['bob', 'ghost'] })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrackerError);
        expect(error).toMatchObject({ status: 422, operation: 'updateIssue' });
        expect((error as TrackerError).message).toContain('"ghost"');
      }
    },
  );

  it('refuses an empty username without listing every user, and rethrows lookup failures', async () => {
    const error = await tracker()
      .updateIssue(REF, { assignees: [' '] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TrackerError', status: 422 });
    nock(HOST).get('/api/v4/users').query({ username: 'bob' }).reply(500, { message: '500 Internal Server Error' });
    const failed = await tracker()
      .updateIssue(REF, { assignees: ['bob'] })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TrackerError);
    expect(failed).toMatchObject({ status: 500, operation: 'updateIssue' });
  });

  it('unassigns everyone with assignee_ids [0], without a lookup', async () => {
    nock(HOST)
      .put(ISSUE_PATH, (body) => JSON.stringify(body) === JSON.stringify({ assignee_ids: [0] }))
      .reply(200, issueJson({ assignees: [] }));
    expect((await tracker().updateIssue(REF, { assignees: [] })).assignees).toEqual([]);
  });

  it('reads one note by id, a 404 TrackerError when missing', async () => {
    nock(HOST)
      .get(`${ISSUE_PATH}/notes/31`)
      .reply(200, {
        id: 31,
        body: 'timeline',
        author: { id: 1, username: 'incident-desk-bot' },
        created_at: '2026-01-01T00:00:00Z',
        system: false,
      });
    nock(HOST).get(`${ISSUE_PATH}/notes/32`).reply(404, { message: '404 Not found' });
    const gitlab = tracker();
    expect(await gitlab.getComment(REF, 31)).toEqual({
      id: 31,
      author: 'incident-desk-bot',
      authorId: 1,
      body: 'timeline',
      createdAt: '2026-01-01T00:00:00Z',
    });
    const error = await gitlab.getComment(REF, 32).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 404, operation: 'getComment' });
  });

  it('locks with discussion_locked and refuses to delete without asking', async () => {
    nock(HOST)
      .put(ISSUE_PATH, { discussion_locked: true })
      .reply(200, issueJson({ discussion_locked: true }));
    const gitlab = tracker();
    await gitlab.lockIssue(REF);
    // No interceptor: a request would fail the test (network is disabled).
    expect(await gitlab.deleteIssue({ ref: REF } as Issue)).toBe('forbidden');
    expect(gitlab.capabilities).toEqual({
      confidentialIssues: true,
      nativeLinks: true,
      attachOnCreate: false,
      labelsBeforeUse: false,
      lockConversation: false,
      deleteIssue: false,
      dueDates: true,
      signedDeliveries: false,
      securityAdvisories: false,
      checks: false,
      commitStatuses: true,
    });
  });

  it('lists issues with the label filter, every state, oldest first, across pages', async () => {
    const query = {
      labels: 'incident::master,incident-id::X',
      scope: 'all',
      order_by: 'created_at',
      sort: 'asc',
      per_page: '100',
    };
    nock(HOST)
      .get('/api/v4/projects/sec%2Fincidents/issues')
      .query(query)
      .reply(200, [issueJson({ iid: 1, references: { full: 'sec/incidents#1' } })], {
        link:
          `<${API}/projects/sec%2Fincidents/issues?${new URLSearchParams({ ...query, page: '2' }).toString()}>; ` +
          `rel="next"`,
      });
    nock(HOST)
      .get('/api/v4/projects/sec%2Fincidents/issues')
      .query({ ...query, page: '2' })
      .reply(200, [issueJson({ iid: 2, state: 'closed', references: { full: 'sec/incidents#2' } })]);
    const issues = await tracker().listIssues('sec/incidents', { labels: ['incident::master', 'incident-id::X'] });
    expect(issues.map((i) => [i.ref.number, i.state])).toEqual([
      [1, 'open'],
      [2, 'closed'],
    ]);

    nock(HOST)
      .get('/api/v4/projects/sec%2Fincidents/issues')
      .query({ labels: 'a', scope: 'all', state: 'opened', order_by: 'created_at', sort: 'asc', per_page: '100' })
      .reply(200, []);
    expect(await tracker().listIssues('sec/incidents', { labels: ['a'], state: 'open' })).toEqual([]);
  });

  it('lists notes oldest first without system notes', async () => {
    nock(HOST)
      .get(`${ISSUE_PATH}/notes`)
      .query({ sort: 'asc', order_by: 'created_at', per_page: '100' })
      .reply(200, [
        {
          id: 1,
          body: 'first',
          author: { id: 101, username: 'alice' },
          created_at: '2026-01-01T00:00:00Z',
          system: false,
        },
        {
          id: 2,
          body: 'added ~incident label',
          author: { id: 101, username: 'alice' },
          created_at: '2026-01-01T00:00:01Z',
          system: true,
        },
        {
          id: 3,
          body: 'second',
          author: { id: 102, username: 'bob' },
          created_at: '2026-01-01T00:00:02Z',
          system: false,
        },
      ]);
    const comments = await tracker().listComments(REF);
    expect(comments).toEqual([
      { id: 1, author: 'alice', authorId: 101, body: 'first', createdAt: '2026-01-01T00:00:00Z' },
      { id: 3, author: 'bob', authorId: 102, body: 'second', createdAt: '2026-01-01T00:00:02Z' },
    ]);
  });

  it(
    'answers who edited the description from the newest page of system notes, ' +
      "ticked boxes included, people's words never",
    async () => {
      const page = [
        {
          id: 9,
          body: 'marked the checklist item **(IM) Choose a deputy** as completed',
          author: { id: 103, username: 'carol' },
          created_at: '2026-01-01T00:00:09Z',
          system: true,
        },
        {
          id: 8,
          body: 'changed the description',
          author: { id: 102, username: 'bob' },
          created_at: '2026-01-01T00:00:08Z',
          system: true,
        },
        // A person may write the same words: only GitLab's own notes count.
        {
          id: 7,
          body: 'changed the description',
          author: { id: 666, username: 'mallory' },
          created_at: '2026-01-01T00:00:07Z',
          system: false,
        },
        {
          id: 6,
          body: 'added ~incident label',
          author: { id: 101, username: 'alice' },
          created_at: '2026-01-01T00:00:06Z',
          system: true,
        },
        {
          id: 5,
          body: 'marked the task **old wording** as incomplete',
          author: { id: 101, username: 'alice' },
          created_at: '2026-01-01T00:00:05Z',
          system: true,
        },
      ];
      // One page only, newest first: who edited a moment ago is there; older pages are not read.
      nock(HOST)
        .get(`${ISSUE_PATH}/notes`)
        .query({ sort: 'desc', order_by: 'created_at', per_page: '100' })
        .reply(200, page, { 'x-next-page': '2', 'x-total-pages': '9' });
      expect(await tracker().listChanges(REF, { kind: 'description' })).toEqual([
        { actor: { id: 103, username: 'carol' }, at: '2026-01-01T00:00:09Z' },
        { actor: { id: 102, username: 'bob' }, at: '2026-01-01T00:00:08Z' },
        { actor: { id: 101, username: 'alice' }, at: '2026-01-01T00:00:05Z' },
      ]);
    },
  );

  it('answers who added a label from the resource label events, newest first', async () => {
    nock(HOST)
      .get(`${ISSUE_PATH}/resource_label_events`)
      .query({ per_page: '100' })
      .reply(200, [
        {
          id: 1,
          user: { id: 101, username: 'alice' },
          created_at: '2026-01-01T00:00:01Z',
          label: { id: 5, name: 'approval::blog::approved' },
          action: 'add',
        },
        {
          id: 2,
          user: { id: 102, username: 'bob' },
          created_at: '2026-01-01T00:00:02Z',
          label: { id: 5, name: 'approval::blog::approved' },
          action: 'remove',
        },
        {
          id: 3,
          user: { id: 103, username: 'carol' },
          created_at: '2026-01-01T00:00:03Z',
          label: { id: 5, name: 'approval::blog::approved' },
          action: 'add',
        },
        { id: 4, user: { id: 104, username: 'dave' }, created_at: '2026-01-01T00:00:04Z', label: null, action: 'add' },
        {
          id: 5,
          user: null,
          created_at: '2026-01-01T00:00:05Z',
          label: { id: 5, name: 'approval::blog::approved' },
          action: 'add',
        },
      ]);
    expect(await tracker().listChanges(REF, { kind: 'label-added', label: 'approval::blog::approved' })).toEqual([
      { actor: { id: 103, username: 'carol' }, at: '2026-01-01T00:00:03Z' },
      { actor: { id: 101, username: 'alice' }, at: '2026-01-01T00:00:01Z' },
    ]);
  });

  it('reads raw files at HEAD, null on 404, and fails on other errors', async () => {
    const raw = '/api/v4/projects/sec%2Fincidents/repository/files/.gitlab%2Fincident-desk.yml/raw';
    nock(HOST)
      .get(raw)
      .query({ ref: 'HEAD' })
      .reply(200, 'label: sev\n', { 'content-type': 'text/plain; charset=utf-8' });
    nock(HOST).get(raw).query({ ref: 'HEAD' }).reply(404, { message: '404 File Not Found' });
    nock(HOST).get(raw).query({ ref: 'HEAD' }).reply(403, { message: '403 Forbidden' });
    const gitlab = tracker();
    expect(await gitlab.readConfig('sec/incidents')).toEqual({
      text: 'label: sev\n',
      location: 'sec/incidents:.gitlab/incident-desk.yml',
    });
    expect(await gitlab.readConfig('sec/incidents')).toBeNull();
    const error = await gitlab.readConfig('sec/incidents').catch((e: unknown) => e);
    expect((error as TrackerError).status).toBe(403);
  });
});

describe('GitLabTracker access levels and the master sweep', () => {
  const MEMBER_PATH = '/api/v4/projects/sec%2Fincidents/members/all/42';
  const ALICE = { username: 'alice', id: 42 };

  it('maps access levels to roles, inherited memberships included', async () => {
    const cases: Array<[number, string]> = [
      [60, 'admin'],
      [50, 'admin'],
      [40, 'maintain'],
      [30, 'write'],
      [20, 'triage'],
      [15, 'read'],
      [10, 'read'],
      [5, 'none'],
      [0, 'none'],
    ];
    for (const [level, role] of cases) {
      nock(HOST)
        .get(MEMBER_PATH)
        .reply(200, { id: 42, username: 'alice', state: 'active', access_level: level, membership_state: 'active' });
      expect([level, await tracker().getAccess('sec/incidents', ALICE)]).toEqual([level, role]);
    }
  });

  it('answers none for a membership awaiting approval and for an answer without a level', async () => {
    nock(HOST)
      .get(MEMBER_PATH)
      .reply(200, { id: 42, username: 'alice', access_level: 30, membership_state: 'awaiting' });
    expect(await tracker().getAccess('sec/incidents', ALICE)).toBe('none');
    nock(HOST).get(MEMBER_PATH).reply(200, { id: 42, username: 'alice' });
    expect(await tracker().getAccess('sec/incidents', ALICE)).toBe('none');
  });

  it('answers none on a 404 and throws a TrackerError on other failures', async () => {
    nock(HOST).get(MEMBER_PATH).reply(404, { message: '404 Not found' });
    expect(await tracker().getAccess('sec/incidents', ALICE)).toBe('none');
    nock(HOST).get(MEMBER_PATH).reply(500, { message: '500 Internal Server Error' });
    const error = await tracker()
      .getAccess('sec/incidents', ALICE)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'getAccess' });
    expect((error as TrackerError).message).not.toContain(TOKEN);
    nock(HOST).get(MEMBER_PATH).reply(403, { message: '403 Forbidden' });
    expect(
      await tracker()
        .getAccess('sec/incidents', ALICE)
        .catch((e: unknown) => e),
    ).toMatchObject({ status: 403 });
  });

  it('sweeps open masters across projects with scope=all over every page, paths from references.full', async () => {
    const query = {
      labels: 'incident::master',
      state: 'opened',
      scope: 'all',
      order_by: 'created_at',
      sort: 'asc',
      per_page: '100',
    };
    nock(HOST)
      .get('/api/v4/issues')
      .query(query)
      .reply(200, [issueJson({ iid: 7, project_id: 42, references: { full: 'sec/incidents#7' } })], {
        link: `<${API}/issues?${new URLSearchParams({ ...query, page: '2' }).toString()}>; rel="next"`,
      });
    nock(HOST)
      .get('/api/v4/issues')
      .query({ ...query, page: '2' })
      .reply(200, [issueJson({ id: 900, iid: 3, project_id: 77, references: { full: 'team/sub/app#3' } })]);
    const masters = await tracker().listOpenMasters();
    expect(masters.map((i) => i.ref)).toEqual([REF, { project: 'team/sub/app', number: 3 }]);
  });

  it('resolves the project by id when an answer has no references', async () => {
    nock(HOST)
      .get('/api/v4/issues')
      .query(true)
      .reply(200, [issueJson({ project_id: 77, references: undefined })]);
    nock(HOST)
      .get('/api/v4/projects/77')
      .reply(200, { id: 77, path_with_namespace: 'team/app', visibility: 'private', web_url: `${HOST}/team/app` });
    expect((await tracker().listOpenMasters()).map((i) => i.ref)).toEqual([{ project: 'team/app', number: 7 }]);
  });

  it('throws a TrackerError when the sweep fails', async () => {
    nock(HOST).get('/api/v4/issues').query(true).reply(500, { message: '500 Internal Server Error' });
    const error = await tracker()
      .listOpenMasters()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'listOpenMasters' });
  });
});

describe('GitLabTracker.isTeamMember', () => {
  const MEMBER_PATH = '/api/v4/groups/sec%2Fresponders/members/all/42';
  const ALICE = { username: 'alice', id: 42 };
  const member = (fields: Record<string, unknown>) => ({ id: 42, username: 'alice', state: 'active', ...fields });

  it('asks the group members endpoint with inherited members, Guest and up when not awaiting', async () => {
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ access_level: 50, membership_state: 'active' }, true],
      [{ access_level: 30, membership_state: 'active' }, true],
      [{ access_level: 15, membership_state: 'active' }, true],
      [{ access_level: 10, membership_state: 'active' }, true],
      // Older GitLab answers without membership_state.
      [{ access_level: 20 }, true],
      [{ access_level: 5, membership_state: 'active' }, false],
      [{ access_level: 0, membership_state: 'active' }, false],
      [{ access_level: 30, membership_state: 'awaiting' }, false],
      [{ membership_state: 'active' }, false],
    ];
    for (const [fields, expected] of cases) {
      nock(HOST).get(MEMBER_PATH).reply(200, member(fields));
      expect([fields, await tracker().isTeamMember('sec/responders', ALICE)]).toEqual([fields, expected]);
    }
  });

  it('takes the group path with or without the leading @, URL-encoded, top-level groups too', async () => {
    nock(HOST)
      .get(MEMBER_PATH)
      .reply(200, member({ access_level: 30, membership_state: 'active' }));
    expect(await tracker().isTeamMember('@sec/responders', ALICE)).toBe(true);
    nock(HOST)
      .get('/api/v4/groups/sec/members/all/42')
      .reply(200, member({ access_level: 30, membership_state: 'active' }));
    expect(await tracker().isTeamMember('sec', ALICE)).toBe(true);
    nock(HOST)
      .get('/api/v4/groups/sec%2Fresponders%2Foncall/members/all/42')
      .reply(200, member({ access_level: 10 }));
    expect(await tracker().isTeamMember('@sec/responders/oncall', ALICE)).toBe(true);
  });

  it('answers false on a 404 and throws a TrackerError on other failures', async () => {
    nock(HOST).get(MEMBER_PATH).reply(404, { message: '404 Not found' });
    expect(await tracker().isTeamMember('sec/responders', ALICE)).toBe(false);
    nock(HOST).get('/api/v4/groups/sec%2Fnobody-here/members/all/42').reply(404, { message: '404 Group Not Found' });
    expect(await tracker().isTeamMember('sec/nobody-here', ALICE)).toBe(false);
    nock(HOST).get(MEMBER_PATH).reply(500, { message: '500 Internal Server Error' });
    const error = await tracker()
      .isTeamMember('sec/responders', ALICE)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect(error).toMatchObject({ status: 500, operation: 'isTeamMember' });
    expect((error as TrackerError).message).not.toContain(TOKEN);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    nock(HOST).get(MEMBER_PATH).reply(403, { message: '403 Forbidden' });
    expect(
      await tracker()
        .isTeamMember('sec/responders', ALICE)
        .catch((e: unknown) => e),
    ).toMatchObject({
      name: 'TrackerError',
      status: 403,
      operation: 'isTeamMember',
    });
  });

  it('refuses an empty group path without a request', async () => {
    for (const team of ['', '@', 'sec//responders', 'sec/', '/sec']) {
      const error = await tracker()
        .isTeamMember(team, ALICE)
        .catch((e: unknown) => e);
      expect([team, error]).toEqual([team, expect.any(TrackerError)]);
      expect((error as TrackerError).message).toMatch(/not a GitLab group path/);
    }
  });
});

describe('GitLabTracker against the fake GitLab', () => {
  async function withFake<T>(
    run: (gitlab: GitLabTracker, store: MemoryStore, requests: Array<{ method: string; path: string }>) => Promise<T>,
    token = 'fake-token',
  ): Promise<T> {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('sec/incidents');
    const fake = await startFakeGitLab(store, { token: 'fake-token' });
    try {
      return await run(
        new GitLabTracker(new Gitlab({ host: fake.url, token, rateLimits: { '**': 100_000 }, queryTimeout: 5_000 })),
        store,
        fake.requests,
      );
    } finally {
      await fake.close();
    }
  }

  it('clears labels with an empty set', async () => {
    await withFake(async (gitlab, store) => {
      const issue = store.seedIssue('sec/incidents', { title: 'T', labels: ['a', 'b'] });
      expect((await gitlab.updateIssue(issue.ref, { labels: [] })).labels).toEqual([]);
      expect(store.issue(issue.ref).labels).toEqual([]);
    });
  });

  it('pages with per_page 100 and locks through discussion_locked', async () => {
    await withFake(async (gitlab, store, requests) => {
      for (let i = 0; i < 150; i += 1) store.seedIssue('sec/incidents', { title: `m${i}`, labels: ['x'] });
      expect(await gitlab.listIssues('sec/incidents', { labels: ['x'] })).toHaveLength(150);
      expect(requests.filter((r) => r.path === '/api/v4/projects/sec%2Fincidents/issues')).toHaveLength(2);
      const first = store.allIssues('sec/incidents')[0]!;
      await gitlab.lockIssue(first.ref);
      expect((await gitlab.getIssue(first.ref)).locked).toBe(true);
    });
  });

  it('answers 401 without the right token', async () => {
    await withFake(async (gitlab) => {
      const error = await gitlab.getProject('sec/incidents').catch((e: unknown) => e);
      expect((error as TrackerError).status).toBe(401);
    }, 'wrong-token');
  });

  it('looks users up by username among the people it knows, and assigns by id', async () => {
    await withFake(async (gitlab, store, requests) => {
      const issue = store.seedIssue('sec/incidents', { title: 'T', author: 'alice' });
      // alice exists: the fake showed her as the author.
      await gitlab.getIssue(issue.ref);
      const assigned = await gitlab.updateIssue(issue.ref, { assignees: ['ALICE'] });
      expect(assigned.assignees).toEqual(['alice']);
      expect(requests.filter((r) => r.path === '/api/v4/users')).toHaveLength(1);
      const error = await gitlab.updateIssue(issue.ref, { assignees: ['nobody-here'] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TrackerError', status: 422 });
      expect(store.issue(issue.ref).assignees).toEqual(['alice']);
    });
  });

  it('serves the bot user and its access level', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    const project = store.addProject('sec/incidents');
    const fake = await startFakeGitLab(store);
    try {
      const api = new Gitlab({ host: fake.url, token: 't', rateLimits: { '**': 100_000 } });
      const user = await api.Users.showCurrentUser();
      expect(user).toMatchObject({ id: 1, username: 'incident-desk-bot' });
      const member = await api.ProjectMembers.show(project.id, 1, { includeInherited: true });
      expect(member).toMatchObject({ id: 1, access_level: 40 });
      expect(fake.requests.at(-1)).toEqual({ method: 'GET', path: `/api/v4/projects/${project.id}/members/all/1` });
    } finally {
      await fake.close();
    }
  });

  it('serves store access levels by the ids it hands out, 404 for others', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('sec/incidents');
    store.setAccess('sec/incidents', 'alice', 'maintain');
    const fake = await startFakeGitLab(store, { accessLevels: { 7: 20 } });
    try {
      const api = new Gitlab({ host: fake.url, token: 't', rateLimits: { '**': 100_000 } });
      const aliceId = fake.userId('alice');
      expect(fake.userId('alice')).toBe(aliceId);
      expect(fake.userId('bob')).not.toBe(aliceId);
      expect(await api.ProjectMembers.show('sec/incidents', aliceId, { includeInherited: true })).toMatchObject({
        id: aliceId,
        username: 'alice',
        access_level: 40,
      });
      expect(await api.ProjectMembers.show('sec/incidents', 7, { includeInherited: true })).toMatchObject({
        access_level: 20,
      });
      const missing = await api.ProjectMembers.show('sec/incidents', fake.userId('bob'), {
        includeInherited: true,
      }).catch((e: unknown) => e);
      expect((missing as GitbeakerRequestError).cause?.response.status).toBe(404);
    } finally {
      await fake.close();
    }
  });

  it(
    'serves group memberships from the store by the ids it hands out, ' + 'inherited from ancestors, 404 for others',
    async () => {
      const store = new MemoryStore({ kind: 'gitlab' });
      store.addTeamMember('@sec', 'erin');
      store.addTeamMember('sec/responders', 'alice');
      const fake = await startFakeGitLab(store);
      try {
        const api = new Gitlab({ host: fake.url, token: 't', rateLimits: { '**': 100_000 } });
        const aliceId = fake.userId('alice');
        const erinId = fake.userId('erin');
        const show = (group: string, id: number) => api.GroupMembers.show(group, id, { includeInherited: true });
        expect(await show('sec/responders', aliceId)).toMatchObject({
          id: aliceId,
          username: 'alice',
          access_level: 30,
          membership_state: 'active',
        });
        expect(fake.requests.at(-1)).toEqual({
          method: 'GET',
          path: `/api/v4/groups/sec%2Fresponders/members/all/${aliceId}`,
        });
        expect(await show('sec/responders', erinId)).toMatchObject({ id: erinId, username: 'erin' });
        for (const [group, id] of [
          ['sec', aliceId],
          ['sec/responders', fake.userId('bob')],
          ['sec/responders', 9_999],
          ['other', erinId],
        ] as const) {
          const missing = await show(group, id).catch((e: unknown) => e);
          expect([group, id, (missing as GitbeakerRequestError).cause?.response.status]).toEqual([group, id, 404]);
        }
      } finally {
        await fake.close();
      }
    },
  );

  it(
    "lists issues across projects: the bot's own by default (GitLab's scope), " + 'every visible one with scope=all',
    async () => {
      const store = new MemoryStore({ kind: 'gitlab' });
      store.addProject('sec/incidents');
      store.addProject('team/app');
      store.seedIssue('team/app', { title: 'by someone', labels: ['incident::master'] });
      store.seedIssue('sec/incidents', {
        title: 'by the bot',
        labels: ['incident::master'],
        author: 'incident-desk-bot',
      });
      const closed = store.seedIssue('sec/incidents', { title: 'closed', labels: ['incident::master'] });
      store.editIssue(closed.ref, { state: 'closed' });
      const fake = await startFakeGitLab(store);
      try {
        const titles = async (query: string): Promise<string[]> => {
          const response = await fetch(`${fake.url}/api/v4/issues?${query}`, { headers: { 'PRIVATE-TOKEN': 't' } });
          return ((await response.json()) as Array<{ title: string }>).map((i) => i.title).sort();
        };
        expect(await titles('labels=incident::master&state=opened')).toEqual(['by the bot']);
        expect(await titles('labels=incident::master&state=opened&scope=all')).toEqual(['by someone', 'by the bot']);
        const gitlab = new GitLabTracker(new Gitlab({ host: fake.url, token: 't', rateLimits: { '**': 100_000 } }));
        const masters = await gitlab.listOpenMasters();
        expect(masters.map((i) => [i.ref.project, i.title])).toEqual([
          ['team/app', 'by someone'],
          ['sec/incidents', 'by the bot'],
        ]);
      } finally {
        await fake.close();
      }
    },
  );
});

describe('GitLab payload normalization', () => {
  const fixtures = new URL('../fixtures/gitlab/', import.meta.url);
  const load = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as Record<string, unknown>;
  /** The issue hook as an `update` with the given changes (the fixture's `action: open` is a doc quirk). */
  const update = (changes: unknown): Record<string, unknown> => {
    const payload = load('issue-hook.json');
    (payload.object_attributes as Record<string, unknown>).action = 'update';
    if (changes === undefined) delete payload.changes;
    else payload.changes = changes;
    return payload;
  };
  const label = (title: string) => ({ id: title.length, title, color: '#fff', type: 'ProjectLabel' });

  it('normalizes the documented issue hook', () => {
    const event = normalizeGitLabIssueEvent(load('issue-hook.json'), 'delivery-1');
    expect(event).toEqual({
      kind: 'issue',
      tracker: 'gitlab',
      action: 'opened',
      deliveryId: 'delivery-1',
      actor: { username: 'root', id: 1, isBot: false },
      project: {
        path: 'gitlabhq/gitlab-test',
        id: 1,
        visibility: 'public',
        webUrl: 'http://example.com/gitlabhq/gitlab-test',
        defaultBranch: 'master',
      },
      issue: {
        ref: { project: 'gitlabhq/gitlab-test', number: 23 },
        id: 301,
        title: 'New API: create/update/delete file',
        body: 'Create new API for manipulations with repository',
        labels: ['API'],
        state: 'open',
        confidential: false,
        locked: true,
        // author_id 51 is not the acting user (1): the payload names no author.
        author: '',
        assignees: ['user1'],
        webUrl: 'http://example.com/diaspora/issues/23',
        dueDate: null,
        createdAt: '2013-12-03T17:15:43Z',
        updatedAt: '2013-12-03T17:15:43Z',
      },
      // The example's `changes.labels` (API → Platform), reported whatever the action.
      addedLabels: ['Platform'],
      removedLabels: ['API'],
    });
  });

  it('accepts the confidential issue hook', () => {
    const payload = load('issue-hook.json');
    payload.event_type = 'confidential_issue';
    (payload.object_attributes as Record<string, unknown>).confidential = true;
    expect(normalizeGitLabIssueEvent(payload, 'd')?.issue.confidential).toBe(true);
    // Without the field, the event type still says the issue is confidential.
    delete (payload.object_attributes as Record<string, unknown>).confidential;
    expect(normalizeGitLabIssueEvent(payload, 'd')?.issue.confidential).toBe(true);
  });

  it('maps updates by what changed', () => {
    const labelsOnly = normalizeGitLabIssueEvent(
      update({ labels: { previous: [label('a')], current: [label('a'), label('incident')] } }),
      'd',
    );
    expect(labelsOnly).toMatchObject({ action: 'labeled', addedLabels: ['incident'], removedLabels: [] });
    expect(labelsOnly?.previousBody).toBeUndefined();

    const removal = normalizeGitLabIssueEvent(
      update({ labels: { previous: [label('a'), label('b')], current: [label('a')] } }),
      'd',
    );
    expect(removal).toMatchObject({ action: 'unlabeled', addedLabels: [], removedLabels: ['b'] });

    const fixtureChanges = normalizeGitLabIssueEvent(update(load('issue-hook.json').changes), 'd');
    expect(fixtureChanges).toMatchObject({ action: 'labeled', addedLabels: ['Platform'], removedLabels: ['API'] });

    for (const changes of [undefined, {}, { title: { previous: 'old', current: 'new' } }]) {
      expect(normalizeGitLabIssueEvent(update(changes), 'd')).toMatchObject({
        action: 'edited',
        addedLabels: [],
        removedLabels: [],
      });
    }
  });

  it("reads changes.severity, GitLab's `/severity` quick action on an incident, as the tracker's own severity", () => {
    const set = normalizeGitLabIssueEvent(update({ severity: { previous: 'unknown', current: 'critical' } }), 'd');
    expect(set).toMatchObject({ action: 'edited', trackerSeverity: 'critical', addedLabels: [] });
    expect(set?.previousBody).toBeUndefined();
    expect(normalizeGitLabIssueEvent(update({ title: { previous: 'a', current: 'b' } }), 'd')).not.toHaveProperty(
      'trackerSeverity',
    );
    expect(normalizeGitLabIssueEvent(update({ severity: { previous: 'low', current: 3 } }), 'd')).not.toHaveProperty(
      'trackerSeverity',
    );
  });

  it('reads changes.description as the previous body, edited even with label changes', () => {
    const event = normalizeGitLabIssueEvent(
      update({
        description: { previous: 'old body', current: 'Create new API for manipulations with repository' },
        labels: { previous: [], current: [label('incident')] },
      }),
      'd',
    );
    expect(event).toMatchObject({
      action: 'edited',
      previousBody: 'old body',
      addedLabels: ['incident'],
      removedLabels: [],
    });
    expect(
      normalizeGitLabIssueEvent(update({ description: { previous: null, current: 'x' } }), 'd')?.previousBody,
    ).toBe('');
  });

  it('maps close and reopen, and unknown actions to other', () => {
    const withAction = (action: unknown, state = 'opened') => {
      const payload = load('issue-hook.json');
      delete payload.changes;
      Object.assign(payload.object_attributes as Record<string, unknown>, { action, state });
      return normalizeGitLabIssueEvent(payload, 'd');
    };
    expect(withAction('close', 'closed')).toMatchObject({ action: 'closed', issue: { state: 'closed' } });
    expect(withAction('reopen')).toMatchObject({ action: 'reopened', issue: { state: 'open' } });
    expect(withAction('move')?.action).toBe('other');
    expect(withAction(undefined)?.action).toBe('other');
  });

  it('normalizes the documented note hook on an issue', () => {
    expect(normalizeGitLabNoteEvent(load('note-hook-issue.json'), 'delivery-2')).toEqual({
      kind: 'note',
      tracker: 'gitlab',
      deliveryId: 'delivery-2',
      actor: { username: 'root', id: 1, isBot: false },
      project: {
        path: 'gitlab-org/gitlab-test',
        id: 5,
        visibility: 'internal',
        webUrl: 'http://example.com/gitlab-org/gitlab-test',
        defaultBranch: 'master',
      },
      issue: {
        ref: { project: 'gitlab-org/gitlab-test', number: 17 },
        id: 92,
        title: 'test',
        body: 'test',
        labels: ['Afterpod', 'Element'],
        state: 'closed',
        confidential: false,
        locked: false,
        author: 'root',
        assignees: [],
        webUrl: 'http://example.com/gitlab-org/gitlab-test/-/issues/17',
        dueDate: null,
        createdAt: '2015-04-12T14:53:17Z',
        updatedAt: '2015-04-26T08:28:42Z',
      },
      comment: { id: 1241, author: 'root', authorId: 1, body: 'Hello world', createdAt: '2015-05-17T17:06:40Z' },
    });
  });

  it('accepts the confidential note hook', () => {
    const payload = load('note-hook-issue.json');
    payload.event_type = 'confidential_note';
    const event = normalizeGitLabNoteEvent(payload, 'd');
    expect(event?.issue.confidential).toBe(true);
    expect(event?.comment.body).toBe('Hello world');
  });

  it('ignores notes that are not new comments on issues', () => {
    const note = (patch: Record<string, unknown>) => {
      const payload = load('note-hook-issue.json');
      Object.assign(payload.object_attributes as Record<string, unknown>, patch);
      return normalizeGitLabNoteEvent(payload, 'd');
    };
    expect(note({ noteable_type: 'MergeRequest' })).toBeNull();
    expect(note({ system: true })).toBeNull();
    expect(note({ action: 'update' })).toBeNull();
    expect(note({ action: undefined })).not.toBeNull();
  });

  it('answers null for other hooks and malformed payloads, never throwing', () => {
    const emoji = load('emoji-hook-issue-note.json');
    expect(normalizeGitLabIssueEvent(emoji, 'd')).toBeNull();
    expect(normalizeGitLabNoteEvent(emoji, 'd')).toBeNull();
    expect(normalizeGitLabIssueEvent(load('note-hook-issue.json'), 'd')).toBeNull();
    expect(normalizeGitLabNoteEvent(load('issue-hook.json'), 'd')).toBeNull();

    const broken: unknown[] = [
      null,
      undefined,
      'issue',
      42,
      [],
      { object_kind: 'issue' },
      { ...load('issue-hook.json'), event_type: 'work_item' },
      { ...load('issue-hook.json'), project: null },
      { ...load('issue-hook.json'), user: { username: 'root' } },
      {
        ...load('issue-hook.json'),
        labels: 'API',
        object_attributes: { ...(load('issue-hook.json').object_attributes as object), labels: undefined },
      },
      { ...load('issue-hook.json'), changes: { labels: { previous: 'x', current: [] } } },
      {
        ...load('issue-hook.json'),
        object_attributes: { ...(load('issue-hook.json').object_attributes as object), iid: '23' },
      },
      {
        ...load('issue-hook.json'),
        object_attributes: { ...(load('issue-hook.json').object_attributes as object), state: 'merged' },
      },
    ];
    for (const payload of broken) expect(normalizeGitLabIssueEvent(payload, 'd')).toBeNull();
    for (const payload of [
      null,
      {},
      { object_kind: 'note' },
      { ...load('note-hook-issue.json'), issue: 'x' },
      {
        ...load('note-hook-issue.json'),
        object_attributes: { ...(load('note-hook-issue.json').object_attributes as object), note: 5 },
      },
    ]) {
      expect(normalizeGitLabNoteEvent(payload, 'd')).toBeNull();
    }
  });
});
