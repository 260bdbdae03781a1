import { GitbeakerRequestError, GitbeakerRetryError } from '@gitbeaker/rest';
import type { Gitlab } from '@gitbeaker/rest';
import type { AccessLevel, Comment, Issue, IssueRef, Project } from '../../kernel/model.js';
import { draftLabels } from '../../kernel/model.js';
import { TrackerError } from '../errors.js';
import { CONFIG_CHECK_NAME, CONFIG_PATHS, MASTER_LABEL, teamPath } from '../port.js';
import { CREATE_ATTEMPTS, createReconciled, findCreatedIssue, findPostedComment } from '../retry.js';
import type {
  AccessActor,
  Advisory,
  AttachedIssue,
  ChangeQuery,
  ConfigCheckReport,
  ConfigCheckWritten,
  ConfigFile,
  DeleteResult,
  FileCache,
  IssueChange,
  IssuePatch,
  IssueQuery,
  LinkResult,
  NewIssue,
  SelfAccount,
  Tracker,
  TrackerCapabilities,
} from '../port.js';

/** The fields of GitLab's issue answer the adapter reads (REST, snake_case; gitbeaker's `camelize` stays off). */
interface GitLabIssueJson {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string | null;
  labels: string[];
  state: string;
  confidential?: boolean;
  discussion_locked?: boolean | null;
  author?: { id?: number; username?: string } | null;
  assignees?: Array<{ username?: string }> | null;
  due_date?: string | null;
  web_url: string;
  created_at: string;
  updated_at: string;
  references?: { full?: string } | null;
}

interface GitLabProjectJson {
  id: number;
  path_with_namespace: string;
  visibility?: string;
  web_url: string;
  default_branch?: string | null;
}

interface GitLabNoteJson {
  id: number;
  body: string;
  author?: { id?: number; username?: string } | null;
  created_at: string;
  system?: boolean;
}

/** `GET /projects/:id/issues/:iid/resource_label_events`: the fields read. */
interface GitLabLabelEventJson {
  user?: { id?: number; username?: string } | null;
  created_at?: string;
  label?: { name?: string } | null;
  action?: string;
}

/** System notes GitLab writes when a person edits a description, or ticks or unticks a checklist box in it. */
const DESCRIPTION_NOTE =
  /^(?:changed the description|marked the (?:checklist item|task) .* as (?:completed|incomplete))/s;
/** The system note of a retitle. */
const TITLE_NOTE = /^changed title from /;
/** The system note GitLab writes when an incident's severity is set (`changed the severity to **High - S2**`). */
const SEVERITY_NOTE = /^changed the severity to /;

/** `GET /users?username=`: the fields read. */
interface GitLabUserJson {
  id?: number;
  username?: string;
}

/** `GET /projects/:id/members/all/:user_id` and `GET /groups/:id/members/all/:user_id`: the fields read. */
interface GitLabMemberJson {
  access_level?: number;
  /** `awaiting` while a membership waits for approval (user caps); such a member has no access yet. */
  membership_state?: string | null;
}

/** Guest: the lowest access level that makes a group member (Minimal access, 5, does not). */
const GUEST = 10;

/** GitLab's largest page; fewer round trips for long lists. */
const PER_PAGE = 100;

/**
 * The `Tracker` port on GitLab's REST API v4 through gitbeaker. One instance per GitLab host and token; the
 * caller builds the client (`new Gitlab({ host, token })`) so that tests can point it at a fake server.
 *
 * Every failure is rethrown as a `TrackerError` carrying the HTTP status (when there is one) and the operation;
 * the original error stays reachable as `cause`, with the request's headers (the token) stripped.
 */
export class GitLabTracker implements Tracker {
  readonly kind = 'gitlab' as const;
  readonly capabilities: TrackerCapabilities = {
    confidentialIssues: true,
    nativeLinks: true,
    // An issue is created, then linked (`POST …/links`): GitLab's create takes no parent.
    attachOnCreate: false,
    labelsBeforeUse: false,
    // GitLab has `discussion_locked`, but the core protects GitLab incidents with confidentiality instead of locking.
    lockConversation: false,
    // Deleting an issue needs the Owner role; the app's account is kept below that on purpose (see deleteIssue).
    deleteIssue: false,
    dueDates: true,
    // The hook's token is shared by everyone who registers a hook, and GitLab signs nothing.
    signedDeliveries: false,
    // GitLab has no repository security advisories: the advisory methods throw without a request.
    securityAdvisories: false,
    checks: false,
    // Commit statuses, and notes on commits.
    commitStatuses: true,
  };

  /**
   * Project id → `path_with_namespace`, learned from answers. Issue answers name their project by id; this lets
   * the adapter give refs by path without asking again. Per instance, so that two hosts never mix.
   */
  private readonly projectPaths = new Map<number, string>();

  /**
   * Username (lower case: GitLab usernames are case-insensitive) → user id, learned from `GET /users?username=`.
   * Only found users are kept, so a name unknown today is asked again. Per instance, since ids are per host.
   */
  private readonly userIds = new Map<string, number>();

  /** The token's user once asked (`GET /user`); a failed look-up is forgotten, so the next call asks again. */
  private self: Promise<SelfAccount> | undefined;

  /**
   * @param api a gitbeaker client (`new Gitlab({ host, token })`), snake_case answers (no `camelize`).
   * @param files files read from default branches, kept by the server between events (a stale one is read again).
   */
  constructor(
    private readonly api: Gitlab<false>,
    private readonly files?: FileCache,
  ) {}

  /** The user the token belongs to (`GET /user`), read once per instance. */
  async getSelf(): Promise<SelfAccount> {
    this.self ??= this.call('getSelf', () => this.api.Users.showCurrentUser())
      .then((json) => {
        const user = json as unknown as GitLabUserJson;
        if (typeof user.id !== 'number' || !Number.isSafeInteger(user.id) || user.id <= 0) {
          throw new TrackerError('GitLab getSelf: the current user has no id', undefined, 'getSelf');
        }
        return { id: user.id, username: user.username ?? '' };
      })
      .catch((error: unknown) => {
        this.self = undefined;
        throw error;
      });
    return this.self;
  }

  /** Reads a project by its full path (`Projects.show`); 404 `TrackerError` when it is missing or not visible. */
  async getProject(path: string): Promise<Project> {
    const json = await this.call('getProject', () => this.api.Projects.show(path));
    return this.toProject(json as unknown as GitLabProjectJson);
  }

  /** Reads one issue fresh (`Issues.show` by iid within the project). */
  async getIssue(ref: IssueRef): Promise<Issue> {
    const json = await this.call('getIssue', () => this.api.Issues.show(ref.number, { projectId: ref.project }));
    return this.toIssue(json as unknown as GitLabIssueJson, ref.project);
  }

  /**
   * Lists a project's issues carrying every given label, oldest first, following every page. GitLab ANDs the
   * comma-separated `labels`; `scope: all` so that the list does not depend on who the token belongs to.
   */
  async listIssues(project: string, query: IssueQuery): Promise<Issue[]> {
    const state = query.state === 'open' ? 'opened' : query.state === 'closed' ? 'closed' : undefined;
    const list = await this.call('listIssues', () =>
      this.api.Issues.all({
        projectId: project,
        // No labels asked for: no filter (GitLab reads an empty `labels` as no filter too, but omitting is plainer).
        ...(query.labels.length > 0 ? { labels: query.labels.join(',') } : {}),
        scope: 'all',
        ...(state ? { state } : {}),
        orderBy: 'created_at',
        sort: 'asc',
        perPage: PER_PAGE,
      }),
    );
    return (list as unknown as GitLabIssueJson[]).map((json) => this.toIssue(json, project));
  }

  /**
   * Creates an issue; `confidential` is passed through, so check it on the answer. After a server error or a lost
   * answer the issue is looked for by its labels, title and body before it is created again (`createReconciled`);
   * the client never resends a creating POST by itself (see `createGitLabClient`). Assignees are looked up by
   * username first (an unknown one is a 422 `TrackerError`, as in `updateIssue`); `dueDate` becomes `due_date`.
   */
  async createIssue(project: string, input: NewIssue): Promise<Issue> {
    const assigneeIds = input.assignees && input.assignees.length > 0 ? await this.userIdsOf(input.assignees) : [];
    const labels = draftLabels(input);
    const create = async (): Promise<Issue> => {
      const json = await this.call('createIssue', () =>
        this.api.Issues.create(project, input.title, {
          description: input.body,
          // GitLab creates a label on first use: status labels go with the others, in the one request.
          ...(labels.length > 0 ? { labels: labels.join(',') } : {}),
          confidential: input.confidential,
          ...(assigneeIds.length > 0 ? { assigneeIds } : {}),
          ...(input.dueDate ? { dueDate: input.dueDate } : {}),
        }),
      );
      return this.toIssue(json as unknown as GitLabIssueJson, project);
    };
    // Without labels the look would list the whole project: one attempt only.
    if (input.labels.length === 0) return create();
    return createReconciled(CREATE_ATTEMPTS, create, async () =>
      findCreatedIssue(await this.listIssues(project, { labels: input.labels, state: 'all' }), input),
    );
  }

  /**
   * Writes the given fields in one `Issues.edit`. `labels` is the complete set (an empty string clears them all,
   * as GitLab documents); `state` becomes `state_event: close | reopen`. `assignees` becomes `assignee_ids`, each
   * username resolved to its id first (`GET /users?username=`, once per username for the life of the instance); an
   * unknown username throws a 422 `TrackerError` naming it before anything is written. An empty set is sent as
   * `assignee_ids: [0]`, GitLab's documented way to unassign everyone. GitLab keeps only the first assignee on Free
   * and silently drops people who cannot see the project: the answer tells. An empty patch reads the issue
   * instead, since GitLab refuses an edit without parameters.
   */
  async updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue> {
    const options: {
      title?: string;
      description?: string;
      labels?: string;
      confidential?: boolean;
      stateEvent?: string;
      assigneeIds?: number[];
    } = {};
    if (patch.title !== undefined) options.title = patch.title;
    if (patch.body !== undefined) options.description = patch.body;
    if (patch.labels !== undefined) options.labels = patch.labels.join(',');
    if (patch.confidential !== undefined) options.confidential = patch.confidential;
    if (patch.state !== undefined) options.stateEvent = patch.state === 'closed' ? 'close' : 'reopen';
    if (patch.assignees !== undefined) {
      const ids = await this.userIdsOf(patch.assignees);
      options.assigneeIds = ids.length > 0 ? ids : [0];
    }
    if (Object.keys(options).length === 0) return this.getIssue(ref);
    const json = await this.call('updateIssue', () => this.api.Issues.edit(ref.project, ref.number, options));
    return this.toIssue(json as unknown as GitLabIssueJson, ref.project);
  }

  /** Lists an issue's notes oldest first over every page, without system notes ("changed the label" and the like). */
  async listComments(ref: IssueRef): Promise<Comment[]> {
    const notes = await this.call('listComments', () =>
      // GitLab lists notes newest first unless told otherwise.
      this.api.IssueNotes.all(ref.project, ref.number, { sort: 'asc', orderBy: 'created_at', perPage: PER_PAGE }),
    );
    return (notes as unknown as GitLabNoteJson[]).filter((note) => note.system !== true).map(toComment);
  }

  /** Reads one note of an issue (`IssueNotes.show`); a 404 `TrackerError` when the issue has no such note. */
  async getComment(ref: IssueRef, commentId: number): Promise<Comment> {
    const note = await this.call('getComment', () => this.api.IssueNotes.show(ref.project, ref.number, commentId));
    return toComment(note as unknown as GitLabNoteJson);
  }

  /**
   * Posts a note on an issue; after a server error or a lost answer the latest notes are looked at before posting
   * again.
   */
  async createComment(ref: IssueRef, body: string): Promise<Comment> {
    const post = async (): Promise<Comment> => {
      const note = await this.call('createComment', () => this.api.IssueNotes.create(ref.project, ref.number, body));
      return toComment(note as unknown as GitLabNoteJson);
    };
    return createReconciled(CREATE_ATTEMPTS, post, async () => findPostedComment(await this.listComments(ref), body));
  }

  /**
   * Who changed the issue, newest first, from what GitLab records: resource label events (`add`) for a label, labels
   * given at the opening included; system notes for a retitle ("changed title from …", every page, then the opening
   * by the issue's author) and for the description ("changed the description", "marked the checklist item … as
   * completed", from the most recent hundred notes: enough to tell who edited a moment ago), and for an incident's
   * severity ("changed the severity to …", from the same hundred notes).
   */
  async listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]> {
    if (query.kind === 'label-added') {
      const events = (await this.call('listChanges', () =>
        this.api.IssueLabelEvents.all(ref.project, ref.number, { perPage: PER_PAGE }),
      )) as unknown as GitLabLabelEventJson[];
      return events
        .filter((e) => e.action === 'add' && e.label?.name === query.label)
        .flatMap((e) => changeOf(e.user, e.created_at))
        .reverse();
    }
    const notes = (await this.call('listChanges', () =>
      this.api.IssueNotes.all(ref.project, ref.number, {
        sort: 'desc',
        orderBy: 'created_at',
        perPage: PER_PAGE,
        ...(query.kind === 'title' ? {} : { maxPages: 1 }),
      }),
    )) as unknown as Array<GitLabNoteJson & { author?: { id?: number; username?: string } | null }>;
    const pattern = query.kind === 'title' ? TITLE_NOTE : query.kind === 'severity' ? SEVERITY_NOTE : DESCRIPTION_NOTE;
    const changes = notes
      .filter((n) => n.system === true && pattern.test(n.body))
      .flatMap((n) => changeOf(n.author, n.created_at));
    if (query.kind !== 'title') return changes;
    const issue = (await this.call('listChanges', () =>
      this.api.Issues.show(ref.number, { projectId: ref.project }),
    )) as unknown as GitLabIssueJson;
    return [...changes, ...changeOf(issue.author, issue.created_at)];
  }

  /** Replaces the body of one note. */
  async updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment> {
    const note = await this.call('updateComment', () =>
      this.api.IssueNotes.edit(ref.project, ref.number, commentId, { body }),
    );
    return toComment(note as unknown as GitLabNoteJson);
  }

  /**
   * Relates `child` to `parent` (`relates_to`, GitLab Free). GitLab answers 409 when the issues are already
   * related, which is the idempotent `already-linked`. The target project is named by path, which the API accepts.
   */
  async linkIssues(parent: Issue, child: Issue): Promise<LinkResult> {
    try {
      await this.call('linkIssues', () =>
        this.api.IssueLinks.create(parent.ref.project, parent.ref.number, child.ref.project, child.ref.number, {
          linkType: 'relates_to',
        }),
      );
      return 'linked';
    } catch (error) {
      if (error instanceof TrackerError && error.status === 409) return 'already-linked';
      throw error;
    }
  }

  /**
   * Sets `discussion_locked` (only project members may then comment). The core does not call it on GitLab
   * (`capabilities.lockConversation` is false: confidentiality protects GitLab incidents), but a caller that does
   * gets the real lock, like on the in-memory tracker, rather than a silent no-op. Idempotent.
   */
  async lockIssue(ref: IssueRef): Promise<void> {
    await this.call('lockIssue', () => this.api.Issues.edit(ref.project, ref.number, { discussionLocked: true }));
  }

  /** Clears `discussion_locked`, the inverse of `lockIssue` (not called by the core on GitLab either). Idempotent. */
  async unlockIssue(ref: IssueRef): Promise<void> {
    await this.call('unlockIssue', () => this.api.Issues.edit(ref.project, ref.number, { discussionLocked: false }));
  }

  /**
   * GitLab's create takes no parent to link to (`capabilities.attachOnCreate` is false): throws before any request; an
   * issue is created with `createIssue`, then linked with `linkIssues`.
   */
  /**
   * GitLab creates a label when an issue is first given it (issues are created with labels by name): nothing to
   * prepare, no request. Answers `[]`.
   */
  async ensureLabels(): Promise<string[]> {
    return [];
  }

  async createAttachedIssue(): Promise<AttachedIssue> {
    throw new TrackerError('GitLab cannot create an issue attached to a parent', undefined, 'createAttachedIssue');
  }

  /** GitLab has no repository security advisories (`capabilities.securityAdvisories` is false): throws, no request. */
  async getAdvisory(): Promise<Advisory> {
    throw noAdvisories('getAdvisory');
  }

  /** See `getAdvisory`. */
  async listAdvisories(): Promise<Advisory[]> {
    throw noAdvisories('listAdvisories');
  }

  /** See `getAdvisory`. */
  async createAdvisory(): Promise<Advisory> {
    throw noAdvisories('createAdvisory');
  }

  /** See `getAdvisory`. */
  async updateAdvisory(): Promise<Advisory> {
    throw noAdvisories('updateAdvisory');
  }

  /** See `getAdvisory`. */
  async requestAdvisoryCve(): Promise<void> {
    throw noAdvisories('requestAdvisoryCve');
  }

  /** See `getAdvisory`. */
  async createAdvisoryFork(): Promise<{ path: string; webUrl: string }> {
    throw noAdvisories('createAdvisoryFork');
  }

  /**
   * Always `forbidden`, without a request: GitLab lets only project Owners (and admins) delete issues, and the
   * app's account is deliberately given less (Maintainer at most), so that a bug or a stolen token cannot destroy
   * incident records. `capabilities.deleteIssue` is false so the core closes instead.
   */
  async deleteIssue(_issue: Issue): Promise<DeleteResult> {
    return 'forbidden';
  }

  /**
   * A commit status (`POST /projects/:id/statuses/:sha`: `success` or `failed`, its title as the description), and on
   * a failure a note on the commit listing the problems (`POST /projects/:id/repository/commits/:sha/comments`).
   */
  async reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten> {
    const state = report.conclusion === 'success' ? 'success' : 'failed';
    await this.call('createCommitStatus', () =>
      this.api.Commits.editStatus(project, sha, state, { name: CONFIG_CHECK_NAME, description: report.title }),
    );
    if (report.conclusion === 'success') return 'commit-status';
    await this.call('createCommitComment', () =>
      this.api.Commits.createComment(project, sha, `**${CONFIG_CHECK_NAME}: ${report.title}**\n\n${report.summary}`),
    );
    return 'commit-status-and-note';
  }

  /** Reads `.gitlab/incident-desk.yml` from the project's default branch; GitLab has no group-level fallback. */
  async readConfig(project: string): Promise<ConfigFile | null> {
    const path = CONFIG_PATHS.gitlab;
    const text = await this.readFile(project, path);
    return text === null ? null : { text, location: `${project}:${path}` };
  }

  /**
   * Reads one file raw from the default branch; null on 404 (missing file, or a project the token cannot see).
   * `ref: HEAD` is the default branch on GitLab, which saves reading the project first.
   */
  async readFile(project: string, path: string): Promise<string | null> {
    const known = this.files?.lookup(project, path);
    if (known?.fresh) return known.file.text;
    const text = await this.readFileNow(project, path);
    this.files?.store(project, path, { text });
    return text;
  }

  private async readFileNow(project: string, path: string): Promise<string | null> {
    try {
      const raw = await this.call('readFile', () => this.api.RepositoryFiles.showRaw(project, path, 'HEAD'));
      // gitbeaker answers text for `text/*` bodies and a Blob for anything else (binary-looking files).
      if (typeof raw === 'string') return raw;
      if (raw instanceof Blob) return await raw.text();
      throw new TrackerError(`GitLab readFile: unexpected body for ${project}:${path}`, undefined, 'readFile');
    } catch (error) {
      if (error instanceof TrackerError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The person's access level in the project, inherited memberships (groups, shared groups) included
   * (`GET /projects/:id/members/all/:user_id`): Owner → admin, Maintainer → maintain, Developer → write,
   * Reporter → triage, Guest and Planner → read, Minimal access and no access → none. A 404 (not a member, no such
   * user, or a project the token cannot see) is `none`, as is a membership still awaiting approval. GitLab looks
   * people up by id; the username is only used in error messages.
   */
  async getAccess(project: string, actor: AccessActor): Promise<AccessLevel> {
    let member: GitLabMemberJson;
    try {
      member = (await this.call('getAccess', () =>
        this.api.ProjectMembers.show(project, actor.id, { includeInherited: true }),
      )) as unknown as GitLabMemberJson;
    } catch (error) {
      if (error instanceof TrackerError && error.status === 404) return 'none';
      throw error;
    }
    if (typeof member.membership_state === 'string' && member.membership_state !== 'active') return 'none';
    return toAccessLevel(member.access_level);
  }

  /**
   * Whether the person is a member of a group (`GET /groups/:id/members/all/:user_id`, the id being the URL-encoded
   * path `group/subgroup`, with or without a leading `@`), members inherited from ancestor groups and from groups
   * the group is invited to included. True for an access level of Guest (10) or more whose membership is not awaiting
   * approval; Minimal access is not membership. A 404 (not a member, no such user, or a group the token cannot see)
   * is false. GitLab looks people up by id; the username is not used.
   */
  async isTeamMember(team: string, actor: AccessActor): Promise<boolean> {
    const path = teamPath(team);
    if (path.split('/').some((segment) => segment === '')) {
      throw new TrackerError(`not a GitLab group path: ${team}`, undefined, 'isTeamMember');
    }
    let member: GitLabMemberJson;
    try {
      member = (await this.call('isTeamMember', () =>
        this.api.GroupMembers.show(path, actor.id, { includeInherited: true }),
      )) as unknown as GitLabMemberJson;
    } catch (error) {
      if (error instanceof TrackerError && error.status === 404) return false;
      throw error;
    }
    if (typeof member.membership_state === 'string' && member.membership_state !== 'active') return false;
    return typeof member.access_level === 'number' && member.access_level >= GUEST;
  }

  /**
   * Every open issue labelled `incident::master` the token can see (`GET /issues?scope=all`), oldest first, over
   * every page. The project path comes from `references.full`; an answer without it is resolved by project id.
   * `scope=all` includes every public project on the instance, not only the ones the app serves.
   */
  /** GitLab's configuration has no shared fallback (`readConfig` reads the project's own file only). */
  async sharedConfigProject(): Promise<string | null> {
    return null;
  }

  async listOpenMasters(): Promise<Issue[]> {
    const list = (await this.call('listOpenMasters', () =>
      this.api.Issues.all({
        labels: MASTER_LABEL,
        state: 'opened',
        scope: 'all',
        orderBy: 'created_at',
        sort: 'asc',
        perPage: PER_PAGE,
      }),
    )) as unknown as GitLabIssueJson[];
    const issues: Issue[] = [];
    for (const json of list) {
      if (!hasFullReference(json) && !this.projectPaths.has(json.project_id)) {
        // Learns the path (toProject records it) so toIssue can name the project.
        await this.getProject(String(json.project_id));
      }
      issues.push(this.toIssue(json, String(json.project_id)));
    }
    return issues;
  }

  /** The ids of the given usernames, in order and without repeats, for `updateIssue`'s `assignee_ids`. */
  private async userIdsOf(usernames: string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const username of usernames) {
      const id = await this.userIdOf(username);
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  /**
   * One username's id: from this instance's cache, else `GET /users?username=` (GitLab matches it exactly, case
   * aside). No match is a 422 `TrackerError` naming the username: dropping it silently would write a different set
   * of assignees than the caller asked for. An empty name is refused without a request (GitLab would list everyone).
   */
  private async userIdOf(username: string): Promise<number> {
    const wanted = username.trim().toLowerCase();
    const cached = this.userIds.get(wanted);
    if (cached !== undefined) return cached;
    const unknown = (): TrackerError =>
      new TrackerError(
        `GitLab updateIssue failed: no user with username ${JSON.stringify(username)}`,
        422,
        'updateIssue',
      );
    if (wanted === '') throw unknown();
    const users = (await this.call('updateIssue', () =>
      this.api.Users.all({ username: username.trim() }),
    )) as unknown as GitLabUserJson[];
    const user = users.find(
      (u) => typeof u.id === 'number' && typeof u.username === 'string' && u.username.toLowerCase() === wanted,
    );
    if (user?.id === undefined) throw unknown();
    this.userIds.set(wanted, user.id);
    return user.id;
  }

  /** Runs one gitbeaker call and turns any failure into a `TrackerError`. */
  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toTrackerError(error, operation);
    }
  }

  private toProject(json: GitLabProjectJson): Project {
    this.projectPaths.set(json.id, json.path_with_namespace);
    return {
      path: json.path_with_namespace,
      id: json.id,
      visibility: toVisibility(json.visibility),
      webUrl: json.web_url,
      defaultBranch: json.default_branch ?? '',
    };
  }

  /**
   * Maps an issue answer. The project path comes from `references.full` (`group/project#12`, GitLab's canonical
   * path even after a rename), else from what this instance learned about `project_id`, else from the path the
   * request used (`requested`), which addressed that very project.
   */
  private toIssue(json: GitLabIssueJson, requested: string): Issue {
    const full = json.references?.full;
    const suffix = `#${json.iid}`;
    let project: string;
    if (typeof full === 'string' && full.endsWith(suffix) && full.length > suffix.length) {
      project = full.slice(0, -suffix.length);
      this.projectPaths.set(json.project_id, project);
    } else {
      project = this.projectPaths.get(json.project_id) ?? requested;
    }
    return {
      ref: { project, number: json.iid },
      id: json.id,
      title: json.title,
      body: json.description ?? '',
      labels: [...(json.labels ?? [])],
      state: json.state === 'closed' ? 'closed' : 'open',
      confidential: json.confidential === true,
      locked: json.discussion_locked === true,
      author: json.author?.username ?? '',
      assignees: (json.assignees ?? []).flatMap((a) => (typeof a.username === 'string' ? [a.username] : [])),
      dueDate: typeof json.due_date === 'string' ? json.due_date : null,
      webUrl: json.web_url,
      createdAt: json.created_at,
      updatedAt: json.updated_at,
    };
  }
}

/** True when the answer's `references.full` names its project (`group/project#iid`). */
function hasFullReference(json: GitLabIssueJson): boolean {
  const full = json.references?.full;
  const suffix = `#${json.iid}`;
  return typeof full === 'string' && full.endsWith(suffix) && full.length > suffix.length;
}

/**
 * GitLab's `access_level` (Gitlab::Access) as a role: 50 Owner (60 Admin) → admin, 40 Maintainer → maintain,
 * 30 Developer → write, 20 Reporter → triage, 10 Guest and 15 Planner → read, 5 Minimal access and 0 → none.
 * Levels in between count as the role below them, so an unknown level never grants more than GitLab documents.
 */
function toAccessLevel(level: number | undefined): AccessLevel {
  if (typeof level !== 'number' || !Number.isFinite(level)) return 'none';
  if (level >= 50) return 'admin';
  if (level >= 40) return 'maintain';
  if (level >= 30) return 'write';
  if (level >= 20) return 'triage';
  if (level >= 10) return 'read';
  return 'none';
}

/** A change by a user GitLab names with an id and a username; none when it names nobody (a deleted account). */
function changeOf(user: { id?: number; username?: string } | null | undefined, at: string | undefined): IssueChange[] {
  if (!user || typeof user.id !== 'number' || typeof user.username !== 'string' || typeof at !== 'string') return [];
  return [{ actor: { id: user.id, username: user.username }, at }];
}

function toComment(note: GitLabNoteJson): Comment {
  return {
    id: note.id,
    author: note.author?.username ?? '',
    authorId: note.author?.id ?? 0,
    body: note.body,
    createdAt: note.created_at,
  };
}

/** An unknown visibility is taken as public: the app then treats the project as exposed, never the reverse. */
function toVisibility(value: string | undefined): Project['visibility'] {
  return value === 'private' || value === 'internal' ? value : 'public';
}

/**
 * Turns what gitbeaker throws into a `TrackerError`. `GitbeakerRequestError.cause` holds the fetch `Request` and
 * `Response`; the status is `cause.response.status`. The `Request` carries the `PRIVATE-TOKEN` header, so the
 * cause is rebuilt with a header-less copy of it: the error may be logged whole. After retries (429/502) gitbeaker
 * throws `GitbeakerRetryError` whose message alone carries the last status.
 */
export function toTrackerError(error: unknown, operation: string): TrackerError {
  if (error instanceof TrackerError) return error;
  if (error instanceof GitbeakerRequestError && error.cause) {
    const { description, request, response } = error.cause;
    const safeCause = new GitbeakerRequestError(error.message, {
      cause: { description, request: new Request(request.url, { method: request.method }), response },
    });
    safeCause.stack = error.stack;
    const status = response.status;
    return new TrackerError(`GitLab ${operation} failed: ${status} ${description}`.trim(), status, operation, {
      cause: safeCause,
    });
  }
  if (error instanceof GitbeakerRetryError) {
    const match = /last status code: (?<status>\d{3})/.exec(error.message)?.groups;
    const status = match ? Number(match.status) : undefined;
    return new TrackerError(`GitLab ${operation} failed: ${error.message}`, status, operation, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TrackerError(`GitLab ${operation} failed: ${message}`, undefined, operation, { cause: error });
}

/** The error of every advisory method: GitLab has no repository security advisories. */
function noAdvisories(operation: string): TrackerError {
  return new TrackerError('GitLab has no repository security advisories', undefined, operation);
}
