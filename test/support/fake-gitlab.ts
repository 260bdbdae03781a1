import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessLevel, Comment, Issue, IssueRef, Project } from '../../src/kernel/model.js';
import { TrackerError } from '../../src/tracker/errors.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import type { MemoryStore, StoredChange } from '../../src/tracker/memory/memory-store.js';
import { FaultInjector, sendFault, stall } from './faults.js';
import type { FaultKind, FaultOptions } from './faults.js';

/**
 * A fake GitLab REST API v4 on loopback, backed by a `MemoryStore` (kind `gitlab`). It serves exactly the routes
 * the GitLab adapter uses through gitbeaker, answers GitLab-shaped JSON and pages like GitLab does
 * (`x-next-page`, `x-total-pages`, `Link`). Node only; no dependency.
 */

export interface FakeGitLabOptions {
  /** The token `PRIVATE-TOKEN` must carry; any non-empty token is accepted when unset. */
  token?: string;
  /** The account the token belongs to (`GET /user`, author of what the app writes). */
  bot?: { id: number; username: string };
  /**
   * Access levels by user id for `GET /projects/:id/members/all/:user_id`, in every project; the bot is a Maintainer
   * (40) by default. A level set in the store (`store.setAccess`) for the user's name in that project wins.
   */
  accessLevels?: Record<number, number>;
  /** Fails a share of requests (5xx, stalls, lost answers, 429 with `Retry-After`); none by default. */
  faults?: FaultOptions;
}

/** Every fault the GitLab fake can inject (GitLab has no secondary rate limit). */
export const GITLAB_FAULTS: readonly FaultKind[] = ['500', '502', '503', 'stall', 'rate-limit', 'lost-answer'];

export interface FakeGitLab {
  /** The host to give gitbeaker (`new Gitlab({ host: url, token })`). */
  url: string;
  close(): Promise<void>;
  /** Every request received, in order, with the raw (still URL-encoded) path and no query. */
  requests: Array<{ method: string; path: string }>;
  /** Fault injection: configure, start an outage, recover, and see what was injected. */
  faults: FaultInjector;
  /**
   * The id the fake gives a username (the store knows people by name only), handed out on first use and stable for
   * the fake's life: the bot has its own id, everyone else 100 and up. Pass it as the actor id to `getAccess` and
   * `isTeamMember`.
   * A person exists for `GET /users?username=` once they have an id: from this call, or from appearing in an
   * answer (author, assignee, member).
   */
  userId(username: string): number;
}

interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** `http://127.0.0.1:port` plus the raw path, for pagination links. */
  selfUrl: string;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: RouteRequest) => Reply;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, body, headers });

/** How GitLab names an incident's severity in its system note (`IssuableSeverity::SEVERITY_LABELS`). */
const SEVERITY_LABELS: Record<string, string> = {
  critical: 'Critical - S1',
  high: 'High - S2',
  medium: 'Medium - S3',
  low: 'Low - S4',
  unknown: 'Unknown',
};

/** The store's roles as GitLab access levels (Owner, Maintainer, Developer, Reporter, Guest). */
const GITLAB_LEVELS: Record<Exclude<AccessLevel, 'none'>, number> = {
  admin: 50,
  maintain: 40,
  write: 30,
  triage: 20,
  read: 10,
};

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startFakeGitLab(store: MemoryStore, options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  if (store.kind !== 'gitlab') throw new Error('the fake GitLab needs a MemoryStore of kind gitlab');
  const bot = options.bot ?? { id: 1, username: 'incident-desk-bot' };
  const accessLevels: Record<number, number> = { [bot.id]: 40, ...options.accessLevels };
  const requests: FakeGitLab['requests'] = [];
  const faults = new FaultInjector(GITLAB_FAULTS, options.faults);

  // The store knows people by username only; GitLab answers carry ids, so hand out stable ones.
  const userIds = new Map<string, number>([[bot.username, bot.id]]);
  const userId = (username: string): number => {
    if (!userIds.has(username)) userIds.set(username, 100 + userIds.size);
    return userIds.get(username)!;
  };
  /** The username a known id belongs to. */
  const usernameOf = (id: number): string | undefined => [...userIds].find(([, known]) => known === id)?.[0];
  const userJson = (username: string) => ({
    id: userId(username),
    username,
    name: username,
    state: 'active',
    web_url: `https://gitlab.test/${username}`,
  });

  const project = (id: string): Project => {
    const byId = /^\d+$/.test(id) ? store.projectById(Number(id)) : undefined;
    if (byId) return byId;
    if (store.hasProject(id)) return store.getProject(id);
    throw new HttpError(404, '404 Project Not Found');
  };
  const issueRef = (req: RouteRequest): IssueRef => ({
    project: project(req.params.id!).path,
    number: Number(req.params.iid),
  });
  const issue = (ref: IssueRef): Issue => {
    if (!Number.isSafeInteger(ref.number)) throw new HttpError(404, '404 Not found');
    return store.issue(ref);
  };

  const projectJson = (p: Project) => ({
    id: p.id,
    name: p.path.split('/').at(-1),
    path: p.path.split('/').at(-1),
    path_with_namespace: p.path,
    namespace: { full_path: p.path.split('/').slice(0, -1).join('/') },
    visibility: p.visibility,
    web_url: p.webUrl,
    default_branch: p.defaultBranch,
  });
  const issueJson = (i: Issue) => {
    const p = store.getProject(i.ref.project);
    const assignees = i.assignees.map(userJson);
    return {
      id: i.id,
      iid: i.ref.number,
      project_id: p.id,
      title: i.title,
      // GitLab answers null for an issue without description.
      description: i.body === '' ? null : i.body,
      state: i.state === 'open' ? 'opened' : 'closed',
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.state === 'closed' ? i.updatedAt : null,
      labels: i.labels,
      author: userJson(i.author),
      assignees,
      assignee: assignees[0] ?? null,
      type: 'ISSUE',
      issue_type: 'issue',
      confidential: i.confidential,
      discussion_locked: i.locked,
      due_date: i.dueDate ?? null,
      web_url: i.webUrl,
      references: { short: `#${i.ref.number}`, relative: `#${i.ref.number}`, full: `${p.path}#${i.ref.number}` },
    };
  };
  const noteJson = (c: Comment, i: Issue) => ({
    id: c.id,
    type: null,
    body: c.body,
    author: userJson(c.author),
    created_at: c.createdAt,
    updated_at: c.createdAt,
    system: false,
    noteable_id: i.id,
    noteable_type: 'Issue',
    noteable_iid: i.ref.number,
    confidential: false,
    internal: false,
  });

  /**
   * The system notes GitLab writes for what the store recorded people (and the app) doing to an issue: a retitle, an
   * edited description, an incident's severity. Label changes are resource label events, not notes; the opening writes
   * none.
   */
  const systemNotes = (i: Issue): Array<ReturnType<typeof noteJson>> =>
    store.changesOf(i.ref).flatMap((c: StoredChange) => {
      if (c.opening || (c.kind !== 'title' && c.kind !== 'description' && c.kind !== 'severity')) return [];
      const body =
        c.kind === 'title'
          ? `changed title from **${c.from ?? ''}** to **${c.to ?? ''}**`
          : c.kind === 'severity'
            ? `changed the severity to **${SEVERITY_LABELS[c.to ?? ''] ?? 'Unknown'}**`
            : 'changed the description';
      return [
        { ...noteJson({ id: c.id, author: c.by, authorId: userId(c.by), body, createdAt: c.at }, i), system: true },
      ];
    });

  const routes: Array<[method: string, pattern: string, handler: Handler]> = [
    ['GET', '/user', () => json({ ...userJson(bot.username), bot: true })],
    // The username lookup only: GitLab matches `username` exactly (case aside) and answers `[]` for nobody.
    [
      'GET',
      '/users',
      (req) => {
        const wanted = req.query.get('username');
        if (wanted === null || wanted === '') throw new HttpError(400, 'the fake serves GET /users?username= only');
        const found = [...userIds.keys()].find((name) => name.toLowerCase() === wanted.toLowerCase());
        return json(found === undefined ? [] : [userJson(found)]);
      },
    ],
    [
      'GET',
      '/projects/:id',
      (req) => {
        const p = project(req.params.id!);
        store.record('getProject', p.path);
        return json(projectJson(p));
      },
    ],
    [
      'GET',
      '/projects/:id/members/all/:user_id',
      (req) => {
        const p = project(req.params.id!);
        const id = Number(req.params.user_id);
        const username = usernameOf(id);
        const stored = username === undefined ? 'none' : store.accessOf(p.path, username);
        const level = stored !== 'none' ? GITLAB_LEVELS[stored] : accessLevels[id];
        const name = username ?? `user${id}`;
        store.record('getAccess', `${p.path}:${name}`);
        // GitLab answers 404 for a user who is not a member, and for an unknown user id alike.
        if (level === undefined) throw new HttpError(404, '404 Not found');
        return json({ id, username: name, name, state: 'active', access_level: level, membership_state: 'active' });
      },
    ],
    // Group membership, inherited included (`isTeamMember`): the group by its URL-encoded path (the store has no group
    // ids), the person by the id `userId` handed out. Members added with `store.addTeamMember` (to the group or an
    // ancestor) answer as Developers; anyone else, an unknown id or an unknown group answers GitLab's 404.
    [
      'GET',
      '/groups/:id/members/all/:user_id',
      (req) => {
        const group = req.params.id!;
        const id = Number(req.params.user_id);
        const username = usernameOf(id);
        store.record('isTeamMember', `${group}:${username ?? `user${id}`}`);
        if (username === undefined || !store.isTeamMember(group, username)) throw new HttpError(404, '404 Not found');
        return json({ id, username, name: username, state: 'active', access_level: 30, membership_state: 'active' });
      },
    ],
    // Issues across projects. GitLab's default scope is the token owner's own issues (`created_by_me`).
    [
      'GET',
      '/issues',
      (req) => {
        const labels = (req.query.get('labels') ?? '')
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean);
        const state = req.query.get('state') ?? 'all';
        if (!['opened', 'closed', 'all'].includes(state)) throw new HttpError(400, 'state does not have a valid value');
        const scope = req.query.get('scope') ?? 'created_by_me';
        if (!['created_by_me', 'assigned_to_me', 'all'].includes(scope))
          throw new HttpError(400, 'scope does not have a valid value');
        const found = store
          .listAllIssues({ labels, state: state === 'opened' ? 'open' : state === 'closed' ? 'closed' : 'all' })
          .filter(
            (i) =>
              scope === 'all' ||
              (scope === 'created_by_me' ? i.author === bot.username : i.assignees.includes(bot.username)),
          );
        const asc = req.query.get('sort') === 'asc';
        const orderBy = req.query.get('order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
        found.sort((a, b) => (a[orderBy].localeCompare(b[orderBy]) || a.id - b.id) * (asc ? 1 : -1));
        if (!req.query.has('page') || req.query.get('page') === '1') {
          // Named like the in-memory tracker's call when it is the sweep's query.
          const sweep =
            labels.length === 1 && labels[0] === 'incident::master' && state === 'opened' && scope === 'all';
          store.record(sweep ? 'listOpenMasters' : 'listAllIssues', labels.join(','));
        }
        return paged(req, found.map(issueJson));
      },
    ],
    [
      'GET',
      '/projects/:id/issues',
      (req) => {
        const p = project(req.params.id!);
        const labels = (req.query.get('labels') ?? '')
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean);
        const state = req.query.get('state') ?? 'all';
        if (!['opened', 'closed', 'all'].includes(state)) throw new HttpError(400, 'state does not have a valid value');
        const found = store.listIssues(p.path, {
          labels,
          state: state === 'opened' ? 'open' : state === 'closed' ? 'closed' : 'all',
        });
        // GitLab's default order is newest first; ties on the timestamp fall back to the id.
        const asc = req.query.get('sort') === 'asc';
        const orderBy = req.query.get('order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
        found.sort((a, b) => (a[orderBy].localeCompare(b[orderBy]) || a.id - b.id) * (asc ? 1 : -1));
        if (!req.query.has('page') || req.query.get('page') === '1') store.record('listIssues', p.path);
        return paged(req, found.map(issueJson));
      },
    ],
    [
      'POST',
      '/projects/:id/issues',
      (req) => {
        const p = project(req.params.id!);
        const { title, description, labels, confidential, assignee_ids: assigneeIds, due_date: dueDate } = req.body;
        if (typeof title !== 'string' || title === '') throw new HttpError(400, 'title is missing');
        const ids = assigneeIds === undefined ? [] : splitIds(assigneeIds);
        if (ids === null) throw new HttpError(400, 'assignee_ids is invalid');
        const due = parseDueDate(dueDate);
        store.record('createIssue', p.path);
        const created = store.createIssue(
          p.path,
          {
            title,
            body: typeof description === 'string' ? description : '',
            labels: splitLabels(labels) ?? [],
            confidential: confidential === true,
            // Unknown ids are dropped, as GitLab does; the fake allows several assignees, like GitLab Premium.
            assignees: ids.flatMap((id) => usernameOf(id) ?? []),
            ...(due ? { dueDate: due } : {}),
          },
          bot.username,
        );
        return json(issueJson(created), 201);
      },
    ],
    [
      'GET',
      '/projects/:id/issues/:iid',
      (req) => {
        const ref = issueRef(req);
        store.record('getIssue', `${ref.project}#${ref.number}`);
        return json(issueJson(issue(ref)));
      },
    ],
    [
      'PUT',
      '/projects/:id/issues/:iid',
      (req) => {
        const ref = issueRef(req);
        issue(ref);
        const {
          title,
          description,
          labels,
          confidential,
          state_event: stateEvent,
          discussion_locked: locked,
          assignee_ids: assigneeIds,
          due_date: dueDate,
        } = req.body;
        const patch: IssuePatch & { dueDate?: string | null } = {};
        if (dueDate !== undefined) patch.dueDate = parseDueDate(dueDate);
        if (typeof title === 'string') patch.title = title;
        if (typeof description === 'string') patch.body = description;
        if (labels !== undefined) patch.labels = splitLabels(labels) ?? [];
        if (typeof confidential === 'boolean') patch.confidential = confidential;
        if (stateEvent === 'close') patch.state = 'closed';
        else if (stateEvent === 'reopen') patch.state = 'open';
        else if (stateEvent !== undefined) throw new HttpError(400, 'state_event does not have a valid value');
        if (locked !== undefined && locked !== true) throw new HttpError(400, 'the fake only locks discussions');
        if (assigneeIds !== undefined) {
          const ids = splitIds(assigneeIds);
          if (ids === null) throw new HttpError(400, 'assignee_ids is invalid');
          // As GitLab's IssuableBaseService: `[0]` (or an empty value) unassigns everyone; unknown ids are dropped, and
          // when none is left the assignees stay as they were. The fake allows several assignees, like GitLab Premium.
          const names = ids.flatMap((id) => usernameOf(id) ?? []);
          if (ids.length === 0 || (ids.length === 1 && ids[0] === 0)) patch.assignees = [];
          else if (names.length > 0) patch.assignees = names;
        }
        const provided = [title, description, labels, confidential, stateEvent, locked, assigneeIds, dueDate].some(
          (v) => v !== undefined,
        );
        if (!provided) throw new HttpError(400, 'at least one parameter must be provided');
        store.record('updateIssue', `${ref.project}#${ref.number}`);
        if (locked === true) store.lock(ref);
        const updated = Object.keys(patch).length > 0 ? store.updateIssue(ref, patch, bot.username) : store.issue(ref);
        return json(issueJson(updated));
      },
    ],
    [
      'GET',
      '/projects/:id/issues/:iid/notes',
      (req) => {
        const ref = issueRef(req);
        const i = issue(ref);
        const asc = req.query.get('sort') === 'asc';
        // GitLab lists notes newest first by default, its own system notes among people's comments.
        const notes = [...store.listComments(ref).map((c) => noteJson(c, i)), ...systemNotes(i)].sort(
          (a, b) => (a.created_at.localeCompare(b.created_at) || a.id - b.id) * (asc ? 1 : -1),
        );
        if (!req.query.has('page') || req.query.get('page') === '1')
          store.record('listComments', `${ref.project}#${ref.number}`);
        return paged(req, notes);
      },
    ],
    // Who added and removed which label, oldest first, labels given at the opening included (as GitLab records them).
    [
      'GET',
      '/projects/:id/issues/:iid/resource_label_events',
      (req) => {
        const ref = issueRef(req);
        const i = issue(ref);
        if (!req.query.has('page') || req.query.get('page') === '1')
          store.record('listLabelEvents', `${ref.project}#${ref.number}`);
        const events = store
          .changesOf(ref)
          .filter((c) => c.kind === 'label-added' || c.kind === 'label-removed')
          .map((c) => ({
            id: c.id,
            user: userJson(c.by),
            created_at: c.at,
            resource_type: 'Issue',
            resource_id: i.id,
            label: { id: 500, name: c.label, color: '#fff', description: '' },
            action: c.kind === 'label-added' ? 'add' : 'remove',
          }));
        return paged(req, events);
      },
    ],
    [
      'GET',
      '/projects/:id/issues/:iid/notes/:note_id',
      (req) => {
        const ref = issueRef(req);
        const i = issue(ref);
        store.record('getComment', `${ref.project}#${ref.number}`);
        // The store's 404 for a note that is not on this issue is GitLab's answer too.
        return json(noteJson(store.comment(ref, Number(req.params.note_id)), i));
      },
    ],
    [
      'POST',
      '/projects/:id/issues/:iid/notes',
      (req) => {
        const ref = issueRef(req);
        const i = issue(ref);
        if (typeof req.body.body !== 'string' || req.body.body === '') throw new HttpError(400, 'body is missing');
        store.record('createComment', `${ref.project}#${ref.number}`);
        return json(noteJson(store.createComment(ref, req.body.body, bot.username), i), 201);
      },
    ],
    [
      'PUT',
      '/projects/:id/issues/:iid/notes/:note_id',
      (req) => {
        const ref = issueRef(req);
        const i = issue(ref);
        if (typeof req.body.body !== 'string') throw new HttpError(400, 'body is missing');
        store.record('updateComment', `${ref.project}#${ref.number}`);
        return json(noteJson(store.updateComment(ref, Number(req.params.note_id), req.body.body), i));
      },
    ],
    // A commit status (`success`, `failed`, …) and a note on a commit: the configuration check after a push.
    [
      'POST',
      '/projects/:id/statuses/:sha',
      (req) => {
        const path = project(req.params.id!).path;
        const state = req.body.state ?? req.query.get('state');
        if (typeof state !== 'string' || !['pending', 'running', 'success', 'failed', 'canceled'].includes(state))
          throw new HttpError(400, 'state is missing or invalid');
        const description = typeof req.body.description === 'string' ? req.body.description : '';
        if (description.length > 255) throw new HttpError(400, 'description is too long');
        store.record('createCommitStatus', path);
        store.commitReports.push({
          project: path,
          sha: req.params.sha!,
          kind: 'commit-status',
          state,
          text: description,
        });
        return json({ id: store.commitReports.length, sha: req.params.sha, status: state, name: req.body.name }, 201);
      },
    ],
    [
      'POST',
      '/projects/:id/repository/commits/:sha/comments',
      (req) => {
        const path = project(req.params.id!).path;
        if (typeof req.body.note !== 'string' || req.body.note === '') throw new HttpError(400, 'note is missing');
        store.record('createCommitComment', path);
        store.commitReports.push({ project: path, sha: req.params.sha!, kind: 'commit-comment', text: req.body.note });
        return json({ note: req.body.note, author: userJson(bot.username) }, 201);
      },
    ],
    [
      'POST',
      '/projects/:id/issues/:iid/links',
      (req) => {
        const ref = issueRef(req);
        const source = issue(ref);
        const {
          target_project_id: targetProject,
          target_issue_iid: targetIid,
          link_type: linkType = 'relates_to',
        } = req.body;
        if (!['relates_to', 'blocks', 'is_blocked_by'].includes(String(linkType)))
          throw new HttpError(400, 'link_type does not have a valid value');
        const target = issue({ project: project(String(targetProject)).path, number: Number(targetIid) });
        store.record('linkIssues', `${ref.project}#${ref.number}`);
        if (!store.link(ref, target.ref)) throw new HttpError(409, 'Issue(s) already assigned');
        return json({ source_issue: issueJson(source), target_issue: issueJson(target), link_type: linkType }, 201);
      },
    ],
    [
      'GET',
      '/projects/:id/repository/files/:file_path/raw',
      (req) => {
        const p = project(req.params.id!);
        const ref = req.query.get('ref');
        // HEAD, the default branch by name, or no ref all mean the default branch on GitLab; the store has no other.
        if (ref !== null && ref !== 'HEAD' && ref !== p.defaultBranch) throw new HttpError(404, '404 Commit Not Found');
        store.record('readFile', `${p.path}:${req.params.file_path}`);
        const text = store.readFile(p.path, req.params.file_path!);
        if (text === null) throw new HttpError(404, '404 File Not Found');
        return { status: 200, body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } };
      },
    ],
  ];

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const [rawPath = '', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    requests.push({ method, path: rawPath });
    try {
      const token = req.headers['private-token'];
      if (typeof token !== 'string' || token === '' || (options.token !== undefined && token !== options.token)) {
        return send(res, { status: 401, body: { message: '401 Unauthorized' } });
      }
      if (!rawPath.startsWith('/api/v4/')) throw new HttpError(404, '404 Not Found');
      const segments = rawPath.slice('/api/v4'.length).split('/').slice(1);
      const match = routes
        .filter(([m]) => m === method)
        .map(([, pattern, handler]) => ({ handler, params: matchPath(pattern, segments) }))
        .find((r) => r.params !== null);
      if (!match) throw new HttpError(404, '404 Not Found');
      const body = await readJson(req);
      const selfUrl = `http://${req.headers.host}${rawPath}`;
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      // Decided before the route runs: a failed write is never applied, except for a lost answer.
      const fault = faults.decide(method, rawPath);
      if (fault === 'stall') return stall(res, faults.stallMs);
      if (fault !== null && fault !== 'lost-answer' && fault !== 'secondary-rate-limit')
        return sendGitLabFault(res, fault);
      const reply = match.handler({ params: match.params!, query: new URLSearchParams(rawQuery), body, selfUrl });
      if (fault === 'lost-answer') return stall(res, faults.stallMs);
      send(res, reply);
    } catch (error) {
      // The store's own TrackerErrors (a missing note, say) carry the status GitLab would answer.
      const status = error instanceof HttpError || error instanceof TrackerError ? (error.status ?? 500) : 500;
      send(res, { status, body: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    userId,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/**
 * A fault as GitLab answers it: JSON errors, an HTML 502 from the proxy, 429 with `Retry-After` and RateLimit headers.
 */
function sendGitLabFault(res: ServerResponse, fault: '500' | '502' | '503' | 'rate-limit' | 'outage'): void {
  switch (fault) {
    case '500':
      sendFault(res, 500, JSON.stringify({ message: '500 Internal Server Error' }), {
        'content-type': 'application/json',
      });
      return;
    case '502':
      sendFault(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
      return;
    case '503':
    case 'outage':
      sendFault(res, 503, JSON.stringify({ message: '503 Service Unavailable' }), {
        'content-type': 'application/json',
      });
      return;
    case 'rate-limit':
      sendFault(res, 429, 'Retry later\n', {
        'content-type': 'text/plain',
        'retry-after': '1',
        'ratelimit-limit': '2000',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      });
      return;
  }
}

/** Matches `/projects/:id/...` against the path's segments, URL-decoding each one (project paths arrive as `a%2Fb`). */
function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').slice(1);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = decodeURIComponent(segments[index]!);
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

/** GitLab's offset pagination: `per_page` (default 20, at most 100) and `page`, told in headers and a `Link`. */
function paged(req: RouteRequest, items: unknown[]): Reply {
  const perPage = Math.min(Math.max(Number(req.query.get('per_page') ?? 20) || 20, 1), 100);
  const page = Math.max(Number(req.query.get('page') ?? 1) || 1, 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number): string => {
    const query = new URLSearchParams(req.query);
    query.set('page', String(n));
    query.set('per_page', String(perPage));
    return `${req.selfUrl}?${query.toString()}`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < totalPages) rels.push(`<${link(page + 1)}>; rel="next"`);
  rels.push(`<${link(1)}>; rel="first"`, `<${link(totalPages)}>; rel="last"`);
  return json(items.slice((page - 1) * perPage, page * perPage), 200, {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-total': String(items.length),
    'x-total-pages': String(totalPages),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    link: rels.join(', '),
  });
}

/** GitLab takes labels as a comma-separated string (or an array); null when absent. */
function splitLabels(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return list.map((l) => l.trim()).filter(Boolean);
}

/** `due_date` as GitLab takes it: `YYYY-MM-DD`, or null / an empty string to clear it; anything else is a 400. */
function parseDueDate(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new HttpError(400, 'due_date is invalid');
}

/** GitLab takes ids as an integer array or a comma-separated string; null when malformed. */
function splitIds(value: unknown): number[] | null {
  const list = Array.isArray(value)
    ? value
    : typeof value === 'number'
      ? [value]
      : String(value)
          .split(',')
          .filter((v) => v.trim() !== '');
  const ids = list.map((v) => (typeof v === 'number' ? v : /^\s*\d+\s*$/.test(String(v)) ? Number(v) : NaN));
  return ids.every((id) => Number.isSafeInteger(id) && id >= 0) ? ids : null;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    throw new HttpError(415, 'the fake takes JSON bodies only');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'malformed JSON body');
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(text);
}
