import type { ProbotOctokit } from 'probot';
import type { Advisory, AdvisoryDraft, AdvisoryPatch } from '../../kernel/advisory.js';
import type { AccessLevel, Comment, Issue, IssueRef, Project, TrackerKind } from '../../kernel/model.js';
import { draftLabels } from '../../kernel/model.js';
import { TrackerError } from '../errors.js';
import { CREATE_ATTEMPTS, createReconciled, findCreatedIssue, findPostedComment } from '../retry.js';
import { advisoryRequestBody, toAdvisory } from './advisories.js';
import type {
  AccessActor,
  AdvisoryQuery,
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
  PrivateFork,
  SelfAccount,
  Tracker,
  TrackerCapabilities,
} from '../port.js';
import { CONFIG_CHECK_NAME, CONFIG_PATHS, MASTER_LABEL, teamPath } from '../port.js';

/**
 * The Octokit the adapter talks through: Probot's, with pagination, retries and throttling. Probot hands one
 * per event (`context.octokit`), authenticated as the installation.
 */
export type GitHubOctokit = ProbotOctokit;

/** The fields of a REST issue the adapter reads. Labels come as strings or objects depending on the endpoint. */
interface RestIssue {
  id: number;
  node_id?: string;
  number: number;
  title: string;
  body?: string | null;
  labels: Array<string | { name?: string | null }>;
  state: string;
  locked?: boolean;
  user: { login: string; id?: number } | null;
  assignees?: Array<{ login: string }> | null;
  html_url: string;
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
}

/** A search result: a REST issue plus the API URL of its repository, which names the project. */
interface RestSearchIssue extends RestIssue {
  repository_url: string;
}

/** `GET /repos/{owner}/{repo}/collaborators/{username}/permission`. */
interface RestPermission {
  /** Legacy base role: admin, write, read or none (maintain reads as write, triage as read). */
  permission?: string | null;
  /** The role itself: admin, maintain, write, triage, read, or the name of a custom role. */
  role_name?: string | null;
}

/** `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`: the fields read. */
interface RestTeamMembership {
  /** `active`, or `pending` while an invitation to the organisation is not yet accepted. */
  state?: string | null;
  /** `member` or `maintainer` (organisation owners read as maintainer). Not used: any active member counts. */
  role?: string | null;
}

export interface GitHubTrackerOptions {
  /**
   * The login of the account (organisation or user) the installation belongs to. `listOpenMasters` searches that
   * account's repositories and needs it; nothing else does.
   */
  account?: string;
  /**
   * Who the app is. `self`: a function answering the whole account (the server reads it once per process and shares
   * it between the trackers it makes); or `appLogin`: the bot's login (`<app-slug>[bot]`), whose id `getSelf` then
   * looks up once per tracker with `GET /users/{login}`.
   */
  self?: () => Promise<SelfAccount>;
  appLogin?: string;
  /** Files read from default branches, kept by the server between events and revalidated with `If-None-Match`. */
  files?: FileCache;
  /**
   * What the process learned of the GitHub server's API, shared by every adapter the server makes (one GitHub host
   * per process; see `GitHubApiMemo`). Without it, each adapter learns for itself.
   */
  api?: GitHubApiMemo;
  /**
   * Repositories the delivery at hand named, with their GraphQL node ids (GitHub's signed word): creating an issue
   * attached to a parent there needs no look-up of the repository.
   */
  repositories?: ReadonlyArray<{ path: string; nodeId: string }>;
}

/**
 * What the server learned of GitHub's API for the process's life: a small memo the server passes to every adapter it
 * makes (like the file cache), so that a later event does not pay a failed request again.
 */
export interface GitHubApiMemo {
  /**
   * False once the server answered that GraphQL's `CreateIssueInput` has no `parentIssueId` (GitHub Enterprise Server
   * releases before sub-issues reached GraphQL): children are then created over REST and linked with the sub-issues
   * endpoint, without asking GraphQL first. Unset until then.
   */
  parentIssueId?: boolean;
}

/**
 * The account of a GitHub App's bot user by its login (`<app-slug>[bot]`), with GitHub's user id, through
 * `GET /users/{username}` (readable with an installation token). Throws a `TrackerError` when GitHub cannot say.
 */
export async function githubAccount(octokit: GitHubOctokit, login: string): Promise<SelfAccount> {
  try {
    const { data } = await octokit.request('GET /users/{username}', { username: login });
    const id = (data as { id?: unknown }).id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
      throw new TrackerError(`GitHub getSelf: no id for ${login}`, undefined, 'getSelf');
    return { id, username: (data as { login?: string }).login ?? login };
  } catch (error) {
    throw toTrackerError(error, 'getSelf', login);
  }
}

/** GitHub's search API answers at most this many results per query. */
const SEARCH_CAP = 1000;

/** The base roles `role_name` can name; anything else is a custom role, read through `permission`. */
const ROLES: Readonly<Record<string, AccessLevel>> = {
  admin: 'admin',
  maintain: 'maintain',
  write: 'write',
  triage: 'triage',
  read: 'read',
};

/** The legacy `permission` values (and the older `push`/`pull` spellings). */
const LEGACY_PERMISSIONS: Readonly<Record<string, AccessLevel>> = {
  admin: 'admin',
  write: 'write',
  push: 'write',
  read: 'read',
  pull: 'read',
  none: 'none',
};

interface RestComment {
  id: number;
  body?: string | null;
  user: { login: string; id?: number } | null;
  created_at: string;
  /** The API URL of the issue the comment is on (`…/repos/owner/repo/issues/12`). */
  issue_url?: string;
}

interface RestRepository {
  id: number;
  node_id?: string;
  full_name: string;
  private: boolean;
  visibility?: string;
  html_url: string;
  default_branch?: string;
}

/** `GET /repos/{owner}/{repo}/issues/{issue_number}/events`: the fields read. */
interface RestIssueEvent {
  event?: string;
  actor?: { login?: string; id?: number } | null;
  created_at?: string;
  label?: { name?: string } | null;
}

/** The GraphQL answer about an issue's author and the edits of its description. */
interface ContentEditsAnswer {
  repository?: {
    issue?: {
      userContentEdits?: {
        nodes?: Array<{ editedAt?: string; editor?: { login?: string; databaseId?: number } | null } | null> | null;
      } | null;
    } | null;
  } | null;
}

/**
 * GitHub's answer to a duplicate sub-issue, as observed from the API: one combined sentence for both "already a
 * sub-issue of this parent" and "already has a parent", e.g. "Issue may not contain duplicate sub-issues and Sub
 * issue may only have one parent". Matched on those two phrases only, so every other 422 still throws.
 */
const ALREADY_LINKED = /\bduplicate sub-issues\b|\bsub[- ]issue may only have one parent\b/i;

/** GitHub's answers when the app may not delete an issue (GraphQL `FORBIDDEN`, or the admin-rights wording). */
const DELETE_FORBIDDEN = /must have admin rights|does not have the correct permissions to execute `?DeleteIssue/i;

/**
 * GraphQL `createIssue` with `parentIssueId`: the issue is a sub-issue from its first moment. Asks for every field the
 * port's `Issue` needs, so that the answer serves without a REST read.
 */
const CREATE_ATTACHED_ISSUE =
  'mutation IncidentDeskCreateIssue($input: CreateIssueInput!) { createIssue(input: $input) { issue { id databaseId ' +
  'number title body url state locked createdAt updatedAt author { __typename login } labels(first: 100) { nodes { ' +
  'name } } assignees(first: 100) { nodes { login } } } } }';

/**
 * The validation errors of a server whose `CreateIssueInput` has no `parentIssueId`: as a variable ("Variable $input
 * of type CreateIssueInput! was provided invalid value for parentIssueId (Field is not defined on CreateIssueInput)")
 * or inline ("InputObject 'CreateIssueInput' doesn't accept argument 'parentIssueId'").
 */
const PARENT_NOT_ACCEPTED =
  /\bparentIssueId \(Field is not defined on CreateIssueInput\)|\baccept argument '?parentIssueId\b/i;

/** The colour of a label the app creates: GitHub's own for labels made by naming them on an issue. */
const LABEL_COLOR = 'ededed';

/** An issue as the `createIssue` mutation answers it (the fields asked for). */
interface GraphqlIssue {
  id?: string;
  databaseId?: number | null;
  number?: number;
  title?: string;
  body?: string | null;
  url?: string;
  state?: string;
  locked?: boolean;
  createdAt?: string;
  updatedAt?: string;
  author?: { __typename?: string; login?: string } | null;
  labels?: { nodes?: Array<{ name?: string } | null> | null } | null;
  assignees?: { nodes?: Array<{ login?: string } | null> | null } | null;
}

/**
 * The `Tracker` port on GitHub's REST API (and GraphQL for `deleteIssue`, which REST does not offer).
 * Every failure leaves as a `TrackerError` carrying the HTTP status and the Octokit error as its cause.
 */
export class GitHubTracker implements Tracker {
  readonly kind: TrackerKind = 'github';
  readonly capabilities: TrackerCapabilities = {
    // Privacy is the repository's on GitHub: there are no confidential issues.
    confidentialIssues: false,
    // Sub-issues, within one owner.
    nativeLinks: true,
    // GraphQL `createIssue` with `parentIssueId`; REST create and sub-issue link where the server lacks it.
    attachOnCreate: true,
    // GraphQL's `createIssue` takes label ids: a label must exist first.
    labelsBeforeUse: true,
    lockConversation: true,
    // GraphQL `deleteIssue`; answers `forbidden` without admin rights.
    deleteIssue: true,
    dueDates: false,
    // Deliveries carry GitHub's HMAC over the body, with a secret only GitHub and the app hold.
    signedDeliveries: true,
    // Repository security advisories: private vulnerability reports, drafts, CVE requests, private forks.
    securityAdvisories: true,
    // Check runs need *Checks: write*; without it, a commit comment says the problems.
    checks: true,
    commitStatuses: false,
  };

  private readonly account: string | undefined;
  private readonly selfOption: GitHubTrackerOptions['self'];
  private readonly appLogin: string | undefined;
  /** The answer of `getSelf` once asked (a failed look-up is forgotten, so the next call asks again). */
  private self: Promise<SelfAccount> | undefined;

  /**
   * @param octokit An authenticated Octokit, normally Probot's installation client (`context.octokit`).
   * @param options `account`: the installation's account login, needed by `listOpenMasters` only.
   */
  private readonly files: FileCache | undefined;
  private readonly api: GitHubApiMemo;
  /**
   * GraphQL node ids this adapter looked up (one event creates two children in the same repository): repositories and
   * users by lower-case path or login, labels by repository then lower-case name. A failed look-up is forgotten.
   */
  private readonly repositoryIds = new Map<string, Promise<string>>();
  private readonly labelIds = new Map<string, Promise<Map<string, string>>>();
  private readonly userIds = new Map<string, Promise<string | null>>();

  constructor(
    private readonly octokit: GitHubOctokit,
    options: GitHubTrackerOptions = {},
  ) {
    this.account = options.account;
    this.selfOption = options.self;
    this.appLogin = options.appLogin;
    this.files = options.files;
    this.api = options.api ?? {};
    for (const { path, nodeId } of options.repositories ?? [])
      if (nodeId) this.repositoryIds.set(path.toLowerCase(), Promise.resolve(nodeId));
  }

  /**
   * The App's bot user, by GitHub's user id: from `self` when given, else looked up once by `appLogin`. Throws a
   * `TrackerError` when the tracker was built with neither.
   */
  async getSelf(): Promise<SelfAccount> {
    if (this.selfOption) return this.selfOption();
    const login = this.appLogin;
    if (login === undefined || login === '') {
      throw new TrackerError(
        'GitHub getSelf needs the app: construct GitHubTracker with { self } or { appLogin }',
        undefined,
        'getSelf',
      );
    }
    this.self ??= githubAccount(this.octokit, login).catch((error: unknown) => {
      this.self = undefined;
      throw error;
    });
    return this.self;
  }

  /**
   * Reads a repository. `private` repositories are `private` unless GitHub reports them `internal`
   * (Enterprise); the rest are `public`. Throws a 404 `TrackerError` when the app cannot see it.
   */
  async getProject(path: string): Promise<Project> {
    const { owner, repo } = splitPath(path, 'getProject');
    const data = await this.call('getProject', path, async () => {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
      return response.data as RestRepository;
    });
    if (data.node_id) this.repositoryIds.set(path.toLowerCase(), Promise.resolve(data.node_id));
    return {
      path: data.full_name || path,
      id: data.id,
      visibility: data.visibility === 'internal' ? 'internal' : data.private ? 'private' : 'public',
      webUrl: data.html_url,
      defaultBranch: data.default_branch ?? 'main',
    };
  }

  /** Reads one issue. A pull request's number answers a 404: the port deals in issues only. */
  async getIssue(ref: IssueRef): Promise<Issue> {
    const data = await this.fetchIssue(ref, 'getIssue');
    // GitHub serves pull requests on the issues endpoint; treating one as an issue would let the app edit a PR.
    if (data.pull_request !== undefined && data.pull_request !== null) {
      throw new TrackerError(`GitHub getIssue ${refText(ref)}: is a pull request, not an issue`, 404, 'getIssue');
    }
    return toIssue(ref.project, data);
  }

  /**
   * Lists the issues carrying every label, oldest first, following `Link` pagination to the end.
   * The issues endpoint returns pull requests too; they are dropped.
   */
  async listIssues(project: string, query: IssueQuery): Promise<Issue[]> {
    const { owner, repo } = splitPath(project, 'listIssues');
    const items = await this.call('listIssues', project, () =>
      this.octokit.paginate('GET /repos/{owner}/{repo}/issues', {
        owner,
        repo,
        // GitHub ANDs comma-separated labels, which is what the port asks for.
        ...(query.labels.length > 0 ? { labels: query.labels.join(',') } : {}),
        state: query.state ?? 'all',
        sort: 'created',
        direction: 'asc',
        per_page: 100,
      }),
    );
    return (items as RestIssue[])
      .filter((item) => item.pull_request === undefined || item.pull_request === null)
      .map((item) => toIssue(project, item));
  }

  /**
   * Creates an issue; `confidential` and `dueDate` are ignored (GitHub has neither; assignees without access are
   * dropped by GitHub, so read them on the answer). The POST is never
   * resent blindly (`request.retries: 0`): after a server error or a lost answer the issue is looked for by its
   * labels, title and body, and created again only when it is not there (`createReconciled`).
   */
  async createIssue(project: string, input: NewIssue): Promise<Issue> {
    const { owner, repo } = splitPath(project, 'createIssue');
    const create = async (): Promise<Issue> => {
      const data = await this.call('createIssue', project, async () => {
        const response = await this.octokit.request('POST /repos/{owner}/{repo}/issues', {
          owner,
          repo,
          title: input.title,
          body: input.body,
          // REST creates a label named here that the repository lacks: the status labels go in the same request.
          labels: draftLabels(input),
          ...(input.assignees && input.assignees.length > 0 ? { assignees: input.assignees } : {}),
          request: { retries: 0 },
        });
        return response.data as RestIssue;
      });
      return toIssue(project, data);
    };
    // Without labels the look would list the whole repository: one attempt only.
    if (input.labels.length === 0) return create();
    return createReconciled(CREATE_ATTEMPTS, create, async () =>
      findCreatedIssue(await this.listIssues(project, { labels: input.labels, state: 'all' }), input),
    );
  }

  /**
   * Writes the given fields in one PATCH (labels and assignees as complete sets, assignees by login; `[]` clears
   * them). GitHub ignores assignee changes without push access, so the answer tells what was kept. A patch with
   * nothing GitHub can store (only `confidential`) reads the issue instead, so the caller still gets the issue as
   * GitHub has it.
   */
  async updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue> {
    const fields: {
      title?: string;
      body?: string;
      labels?: string[];
      state?: 'open' | 'closed';
      assignees?: string[];
    } = {};
    if (patch.title !== undefined) fields.title = patch.title;
    if (patch.body !== undefined) fields.body = patch.body;
    if (patch.labels !== undefined) fields.labels = patch.labels;
    if (patch.state !== undefined) fields.state = patch.state;
    if (patch.assignees !== undefined) fields.assignees = patch.assignees;
    if (Object.keys(fields).length === 0) return toIssue(ref.project, await this.fetchIssue(ref, 'updateIssue'));

    const { owner, repo } = splitPath(ref.project, 'updateIssue');
    const data = await this.call('updateIssue', refText(ref), async () => {
      const response = await this.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        owner,
        repo,
        issue_number: ref.number,
        ...fields,
      });
      return response.data as RestIssue;
    });
    return toIssue(ref.project, data);
  }

  /** Lists an issue's comments oldest first (GitHub's order), across all pages. */
  async listComments(ref: IssueRef): Promise<Comment[]> {
    const { owner, repo } = splitPath(ref.project, 'listComments');
    const items = await this.call('listComments', refText(ref), () =>
      this.octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: ref.number,
        per_page: 100,
      }),
    );
    return (items as RestComment[]).map(toComment);
  }

  /**
   * Who changed the issue, newest first: its `labeled` and `renamed` issue events (every page; labels given at the
   * opening are `labeled` events too), then for a title the opening by the issue's author; for the description, the
   * editors of its content edits (GraphQL `userContentEdits`, the most recent hundred; REST has no record of them).
   * GitHub has no severity field: none for `severity`, without a request.
   */
  async listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]> {
    const { owner, repo } = splitPath(ref.project, 'listChanges');
    // GitHub issues have no severity field of their own: nobody ever changed it.
    if (query.kind === 'severity') return [];
    if (query.kind === 'description') {
      const answer = await this.call('listChanges', refText(ref), () =>
        this.octokit.graphql<ContentEditsAnswer>(
          'query IncidentDeskContentEdits($owner: String!, $repo: String!, $number: Int!) { repository(owner: ' +
            '$owner, name: $repo) { issue(number: $number) { userContentEdits(last: 100) { nodes { editedAt editor ' +
            '{ login ... on User { databaseId } ... on Bot { databaseId } } } } } } }',
          { owner, repo, number: ref.number },
        ),
      );
      const nodes = answer.repository?.issue?.userContentEdits?.nodes ?? [];
      return nodes
        .flatMap((n) => changeOf(n?.editor ? { login: n.editor.login, id: n.editor.databaseId } : null, n?.editedAt))
        .sort((a, b) => b.at.localeCompare(a.at));
    }
    const events = (await this.call('listChanges', refText(ref), () =>
      this.octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/events', {
        owner,
        repo,
        issue_number: ref.number,
        per_page: 100,
      }),
    )) as RestIssueEvent[];
    const wanted = (e: RestIssueEvent): boolean =>
      query.kind === 'title' ? e.event === 'renamed' : e.event === 'labeled' && e.label?.name === query.label;
    const changes = events
      .filter(wanted)
      .flatMap((e) => changeOf(e.actor, e.created_at))
      .reverse();
    if (query.kind !== 'title') return changes;
    const issue = await this.fetchIssue(ref, 'listChanges');
    return [...changes, ...changeOf(issue.user, issue.created_at)];
  }

  /**
   * Reads one comment (`GET /repos/{owner}/{repo}/issues/comments/{comment_id}`). GitHub addresses comments by
   * repository and id; a comment that belongs to another issue of the repository answers a 404 like a missing one,
   * as on GitLab, where notes are read through their issue.
   */
  async getComment(ref: IssueRef, commentId: number): Promise<Comment> {
    const { owner, repo } = splitPath(ref.project, 'getComment');
    const target = `${refText(ref)} comment ${commentId}`;
    const data = await this.call('getComment', target, async () => {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner,
        repo,
        comment_id: commentId,
      });
      return response.data as RestComment;
    });
    const number = issueNumberOf(data.issue_url);
    if (number !== undefined && number !== ref.number) {
      throw new TrackerError(`GitHub getComment ${target}: the comment is on issue #${number}`, 404, 'getComment');
    }
    return toComment(data);
  }

  /**
   * Posts a comment on an issue. Never resent blindly: after a server error or a lost answer the issue's latest
   * comments are looked at first (`createReconciled`, `findPostedComment`).
   */
  async createComment(ref: IssueRef, body: string): Promise<Comment> {
    const { owner, repo } = splitPath(ref.project, 'createComment');
    const post = async (): Promise<Comment> => {
      const data = await this.call('createComment', refText(ref), async () => {
        const response = await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: ref.number,
          body,
          request: { retries: 0 },
        });
        return response.data as RestComment;
      });
      return toComment(data);
    };
    return createReconciled(CREATE_ATTEMPTS, post, async () => findPostedComment(await this.listComments(ref), body));
  }

  /** Replaces a comment's body. GitHub addresses comments by repository and id; `ref` names the repository. */
  async updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment> {
    const { owner, repo } = splitPath(ref.project, 'updateComment');
    const data = await this.call('updateComment', `${refText(ref)} comment ${commentId}`, async () => {
      const response = await this.octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner,
        repo,
        comment_id: commentId,
        body,
      });
      return response.data as RestComment;
    });
    return toComment(data);
  }

  /**
   * Makes `child` a sub-issue of `parent`. Sub-issues only exist within one owner, so other pairs answer
   * `unsupported` without a request. GitHub's duplicate answer (a 422) is `already-linked`: its wording covers
   * "already a sub-issue here" and "already has a parent" alike, so both read as linked.
   */
  async linkIssues(parent: Issue, child: Issue): Promise<LinkResult> {
    const { owner, repo } = splitPath(parent.ref.project, 'linkIssues');
    if (owner.toLowerCase() !== splitPath(child.ref.project, 'linkIssues').owner.toLowerCase()) return 'unsupported';
    try {
      await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', {
        owner,
        repo,
        issue_number: parent.ref.number,
        // The global id, not the number: sub-issues may live in another repository of the owner.
        sub_issue_id: child.id,
      });
      return 'linked';
    } catch (error) {
      if (statusOf(error) === 422 && apiMessages(error).some((m) => ALREADY_LINKED.test(m))) return 'already-linked';
      throw toTrackerError(error, 'linkIssues', `${refText(parent.ref)} -> ${refText(child.ref)}`);
    }
  }

  /**
   * Creates a sub-issue of `parent` in one request: GraphQL `createIssue` with `parentIssueId` (the parent's node id,
   * known from an earlier answer), `repositoryId` and `labelIds`, looked up over REST (reads are not spaced by the
   * throttling, GraphQL queries are) and kept for the adapter's life; a label of `labels` the repository does not have
   * yet is created first (`POST …/labels`, one write each). Status labels (`statusLabels`) the repository has go in
   * `labelIds` too; those it lacks are added after the create in one `POST …/issues/{n}/labels`, which creates them (a
   * write that notifies nobody), instead of one label creation each; the answer then carries the labels the issue
   * ended with. A failure of that write throws, the issue created: a later run finds it by its `labels` and adds what
   * it lacks. The answer is read as the port's `Issue` without a REST read. Never resent blindly:
   * after a server error or a lost answer the issue is looked for by its labels, title and body first; one found that
   * way answers `unknown`, since nothing tells whether its link was made. Across owners (no sub-issues there) the issue
   * is created unattached: `unsupported`. A server whose `CreateIssueInput` has no `parentIssueId` (older GitHub
   * Enterprise Server) answers with a validation error, which means nothing was created: the issue is then created over
   * REST and linked with `POST …/sub_issues` (as `createIssue` and `linkIssues` do), and the shared memo keeps later
   * calls from asking GraphQL again. Any other GraphQL error throws a `TrackerError`.
   */
  async createAttachedIssue(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue> {
    const { owner } = splitPath(project, 'createAttachedIssue');
    const parentOwner = splitPath(parent.ref.project, 'createAttachedIssue').owner;
    if (owner.toLowerCase() !== parentOwner.toLowerCase())
      return { issue: await this.createIssue(project, input), link: 'unsupported' };
    if (this.api.parentIssueId !== false) {
      const attached = await this.createWithParent(project, input, parent);
      if (attached) return attached;
      this.api.parentIssueId = false;
    }
    const issue = await this.createIssue(project, input);
    return { issue, link: await this.linkIssues(parent, issue) };
  }

  /** `createAttachedIssue` over GraphQL; null when the server has no `parentIssueId` (nothing was created). */
  private async createWithParent(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue | null> {
    const repositoryId = await this.repositoryNodeId(project);
    const labelIds = await this.labelNodeIds(project, input.labels);
    const status = await this.knownLabelIds(project, input.statusLabels ?? [], input.labels);
    labelIds.push(...status.ids);
    const assigneeIds = await this.userNodeIds(input.assignees ?? []);
    const parentIssueId = parent.nodeId ?? (await this.issueNodeId(parent.ref));
    const fields = {
      repositoryId,
      title: input.title,
      body: input.body,
      labelIds,
      ...(assigneeIds.length > 0 ? { assigneeIds } : {}),
      parentIssueId,
    };
    const create = async (): Promise<AttachedIssue | null> => {
      let answer: { createIssue?: { issue?: GraphqlIssue | null } | null };
      try {
        answer = await this.octokit.graphql(CREATE_ATTACHED_ISSUE, { input: fields, request: { retries: 0 } });
      } catch (error) {
        if (lacksParentIssueId(error)) return null;
        throw graphqlError(error, 'createAttachedIssue', project);
      }
      const issue = fromGraphql(project, answer.createIssue?.issue);
      if (!issue) {
        throw new TrackerError(
          `GitHub createAttachedIssue ${project}: the answer holds no issue`,
          undefined,
          'createAttachedIssue',
        );
      }
      return { issue, link: 'linked' };
    };
    // Without labels the look would list the whole repository: one attempt only.
    const attached =
      input.labels.length === 0
        ? await create()
        : await createReconciled<AttachedIssue | null>(CREATE_ATTEMPTS, create, async () => {
            const found = findCreatedIssue(
              await this.listIssues(project, { labels: input.labels, state: 'all' }),
              input,
            );
            return found ? { issue: found, link: 'unknown' } : undefined;
          });
    if (!attached) return null;
    const has = new Set(attached.issue.labels.map((l) => l.toLowerCase()));
    const lacking = status.missing.filter((name) => !has.has(name.toLowerCase()));
    if (lacking.length === 0) return attached;
    return { ...attached, issue: { ...attached.issue, labels: await this.addLabels(attached.issue.ref, lacking) } };
  }

  /**
   * Splits status labels by whether the repository has them (its labels as `repositoryLabels` keeps them): the node ids
   * of those it has, and the names of those it lacks, each once (case-insensitively, as GitHub compares) and none that
   * `besides` already names.
   */
  private async knownLabelIds(
    project: string,
    names: string[],
    besides: string[],
  ): Promise<{ ids: string[]; missing: string[] }> {
    const skip = new Set(besides.map((n) => n.toLowerCase()));
    const unique = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()].filter(
      (n) => !skip.has(n.toLowerCase()),
    );
    if (unique.length === 0) return { ids: [], missing: [] };
    const known = await this.repositoryLabels(project);
    const ids: string[] = [];
    const missing: string[] = [];
    for (const name of unique) {
      const id = known.get(name.toLowerCase());
      if (id === undefined) missing.push(name);
      else ids.push(id);
    }
    return { ids, missing };
  }

  /**
   * Adds labels to an issue (`POST …/issues/{n}/labels`): GitHub creates those the repository lacks, and the write
   * notifies nobody. The labels it created are kept with the repository's (their node ids are in the answer), so the
   * next create names them by id. Answers the issue's labels as GitHub answered them.
   */
  private async addLabels(ref: IssueRef, names: string[]): Promise<string[]> {
    const { owner, repo } = splitPath(ref.project, 'createAttachedIssue');
    const labels = await this.call('createAttachedIssue', refText(ref), async () => {
      const response = await this.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
        owner,
        repo,
        issue_number: ref.number,
        labels: names,
      });
      return response.data as Array<{ name?: string; node_id?: string }>;
    });
    const known = await this.repositoryLabels(ref.project);
    for (const label of labels)
      if (typeof label.name === 'string' && label.node_id) known.set(label.name.toLowerCase(), label.node_id);
    return labels.flatMap((label) => (typeof label.name === 'string' ? [label.name] : []));
  }

  /** A repository's node id (`GET /repos/{owner}/{repo}`), unless a delivery or an earlier read named it. */
  private repositoryNodeId(project: string): Promise<string> {
    return remember(this.repositoryIds, project.toLowerCase(), async () => {
      const { owner, repo } = splitPath(project, 'createAttachedIssue');
      const data = await this.call('createAttachedIssue', project, async () => {
        const response = await this.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
        return response.data as RestRepository;
      });
      if (!data.node_id) {
        throw new TrackerError(
          `GitHub createAttachedIssue ${project}: the repository has no node_id`,
          undefined,
          'createAttachedIssue',
        );
      }
      return data.node_id;
    });
  }

  /**
   * The node ids of labels by name, from the repository's labels (`GET …/labels`, every page, once per adapter); a
   * label it does not have yet is created (`POST …/labels`, not a notifying write), as naming it on an issue would.
   */
  private async labelNodeIds(project: string, names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const known = await this.repositoryLabels(project);
    const ids: string[] = [];
    // GitHub's label names compare case-insensitively: one id per name.
    for (const name of [...new Map(names.map((n) => [n.toLowerCase(), n])).values()]) {
      let id = known.get(name.toLowerCase());
      if (id === undefined) {
        id = await this.createLabel(project, name);
        known.set(name.toLowerCase(), id);
      }
      ids.push(id);
    }
    return ids;
  }

  /** A repository's labels by lower-case name, with their node ids (`GET …/labels`, every page, once per adapter). */
  private repositoryLabels(project: string): Promise<Map<string, string>> {
    const { owner, repo } = splitPath(project, 'listLabels');
    return remember(this.labelIds, project.toLowerCase(), async () => {
      const items = (await this.call('listLabels', project, () =>
        this.octokit.paginate('GET /repos/{owner}/{repo}/labels', { owner, repo, per_page: 100 }),
      )) as Array<{ name?: string; node_id?: string }>;
      const byName = new Map<string, string>();
      for (const label of items)
        if (typeof label.name === 'string' && label.node_id) byName.set(label.name.toLowerCase(), label.node_id);
      return byName;
    });
  }

  /**
   * The repository's labels read once (`GET …/labels`, every page; kept for the adapter's life, as the intake's label
   * ids are), then `POST …/labels` for each name it lacks (case-insensitive, as GitHub compares), one at a time: a
   * write that notifies nobody. A label another request created meanwhile (GitHub's 422 `already_exists`) is not
   * counted as created. Answers the names created.
   */
  async ensureLabels(project: string, names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const known = await this.repositoryLabels(project);
    const created: string[] = [];
    for (const name of [...new Map(names.map((n) => [n.toLowerCase(), n])).values()]) {
      if (known.has(name.toLowerCase())) continue;
      const { id, made } = await this.createLabelReporting(project, name);
      known.set(name.toLowerCase(), id);
      if (made) created.push(name);
    }
    return created;
  }

  /** Creates a label; when another request made it meanwhile (GitHub's 422 `already_exists`), reads that one. */
  private async createLabel(project: string, name: string): Promise<string> {
    return (await this.createLabelReporting(project, name)).id;
  }

  /** `createLabel`, saying whether this request made the label (`made`) or found it made by another. */
  private async createLabelReporting(project: string, name: string): Promise<{ id: string; made: boolean }> {
    const { owner, repo } = splitPath(project, 'createLabel');
    let data: { node_id?: string };
    let made = true;
    try {
      const response = await this.octokit.request('POST /repos/{owner}/{repo}/labels', {
        owner,
        repo,
        name,
        color: LABEL_COLOR,
      });
      data = response.data as { node_id?: string };
    } catch (error) {
      if (statusOf(error) !== 422 || !alreadyExists(error)) throw toTrackerError(error, 'createLabel', project);
      made = false;
      data = await this.call('createLabel', project, async () => {
        const response = await this.octokit.request('GET /repos/{owner}/{repo}/labels/{name}', { owner, repo, name });
        return response.data as { node_id?: string };
      });
    }
    if (!data.node_id)
      throw new TrackerError(`GitHub createLabel ${project}: the label has no node_id`, undefined, 'createLabel');
    return { id: data.node_id, made };
  }

  /** The node ids of the people to assign (`GET /users/{username}`); someone GitHub does not know is left out. */
  private async userNodeIds(logins: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const login of logins) {
      const id = await remember(this.userIds, login.toLowerCase(), async () => {
        try {
          const response = await this.octokit.request('GET /users/{username}', { username: login });
          return (response.data as { node_id?: string }).node_id ?? null;
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw toTrackerError(error, 'createAttachedIssue', login);
        }
      });
      if (id) ids.push(id);
    }
    return ids;
  }

  /** An issue's node id, read when the caller's copy did not carry it. */
  private async issueNodeId(ref: IssueRef): Promise<string> {
    const data = await this.fetchIssue(ref, 'createAttachedIssue');
    if (!data.node_id) {
      throw new TrackerError(
        `GitHub createAttachedIssue ${refText(ref)}: the parent has no node_id`,
        undefined,
        'createAttachedIssue',
      );
    }
    return data.node_id;
  }

  /** Locks an issue's conversation so only collaborators can comment. GitHub answers 204 when already locked. */
  async lockIssue(ref: IssueRef): Promise<void> {
    const { owner, repo } = splitPath(ref.project, 'lockIssue');
    await this.call('lockIssue', refText(ref), () =>
      this.octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/lock', {
        owner,
        repo,
        issue_number: ref.number,
      }),
    );
  }

  /**
   * Deletes an issue with the GraphQL `deleteIssue` mutation (REST has none), which needs the node id: it is read
   * fresh with a REST GET, since the port's `Issue` does not carry it. GitHub only lets admins delete issues; a
   * refusal answers `forbidden` rather than throwing, so the caller can fall back to hiding the issue.
   */
  async deleteIssue(issue: Issue): Promise<DeleteResult> {
    const data = await this.fetchIssue(issue.ref, 'deleteIssue');
    if (!data.node_id) {
      throw new TrackerError(
        `GitHub deleteIssue ${refText(issue.ref)}: the answer has no node_id`,
        undefined,
        'deleteIssue',
      );
    }
    try {
      await this.octokit.graphql(
        'mutation IncidentDeskDeleteIssue($issueId: ID!) { deleteIssue(input: { issueId: $issueId }) { ' +
          'clientMutationId } }',
        // A deletion is not resent blindly: a second one after a lost answer would fail on the missing issue.
        { issueId: data.node_id, request: { retries: 0 } },
      );
      return 'deleted';
    } catch (error) {
      if (isDeleteForbidden(error)) return 'forbidden';
      throw toTrackerError(error, 'deleteIssue', refText(issue.ref));
    }
  }

  /**
   * A completed check run on the commit, its problems as annotations (`POST /repos/{owner}/{repo}/check-runs`). Where
   * the installation may not write checks (403), a failure becomes a commit comment
   * (`POST /repos/{owner}/{repo}/commits/{commit_sha}/comments`) and a success writes nothing.
   */
  async reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten> {
    const { owner, repo } = splitPath(project, 'reportConfigCheck');
    try {
      await this.call('createCheckRun', project, () =>
        this.octokit.request('POST /repos/{owner}/{repo}/check-runs', {
          owner,
          repo,
          name: CONFIG_CHECK_NAME,
          head_sha: sha,
          status: 'completed',
          conclusion: report.conclusion,
          output: {
            title: report.title,
            summary: report.summary,
            annotations: report.annotations.map((a) => ({
              path: a.path,
              start_line: a.line,
              end_line: a.line,
              // Columns only on a single line, as GitHub requires.
              ...(a.column !== undefined ? { start_column: a.column, end_column: a.column } : {}),
              annotation_level: 'failure' as const,
              message: a.message,
            })),
          },
        }),
      );
      return 'check-run';
    } catch (error) {
      if (!(error instanceof TrackerError) || error.status !== 403) throw error;
    }
    if (report.conclusion === 'success') return 'none';
    await this.call('createCommitComment', project, () =>
      this.octokit.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
        owner,
        repo,
        commit_sha: sha,
        body: `**${CONFIG_CHECK_NAME}: ${report.title}**\n\n${report.summary}`,
      }),
    );
    return 'commit-comment';
  }

  /**
   * Reads `.github/incident-desk.yml` from the repository, then from the owner's `.github` repository (GitHub's
   * convention for organisation-wide defaults); null when neither has it.
   */
  async readConfig(project: string): Promise<ConfigFile | null> {
    const path = CONFIG_PATHS.github;
    const own = await this.readFile(project, path);
    if (own !== null) return { text: own, location: `${project}:${path}` };
    const orgRepo = `${splitPath(project, 'readConfig').owner}/.github`;
    // The owner's `.github` repository has nothing more to offer when it is the one asked about.
    if (orgRepo.toLowerCase() === project.toLowerCase()) return null;
    const shared = await this.readFile(orgRepo, path);
    return shared === null ? null : { text: shared, location: `${orgRepo}:${path}` };
  }

  /**
   * Reads a file from the default branch, decoded from the base64 the contents API answers with. A 404 (no such
   * file, or no such repository) and a path that is not a file (a directory) answer null.
   */
  async readFile(project: string, path: string): Promise<string | null> {
    const known = this.files?.lookup(project, path);
    if (known?.fresh) return known.file.text;
    const { owner, repo } = splitPath(project, 'readFile');
    let data: unknown;
    let etag: string | undefined;
    try {
      // `{+path}` keeps the slashes between segments; each segment is encoded here. A known version is revalidated:
      // GitHub answers 304 (not counted against the rate limit) while it is unchanged.
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{+path}', {
        owner,
        repo,
        path: path.split('/').map(encodeURIComponent).join('/'),
        ...(known?.file.etag ? { headers: { 'if-none-match': known.file.etag } } : {}),
      });
      data = response.data;
      etag = typeof response.headers.etag === 'string' ? response.headers.etag : undefined;
    } catch (error) {
      if (statusOf(error) === 304 && known) {
        this.files?.store(project, path, known.file);
        return known.file.text;
      }
      if (statusOf(error) === 404) {
        this.files?.store(project, path, { text: null });
        return null;
      }
      throw toTrackerError(error, 'readFile', `${project}:${path}`);
    }
    const text = fileText(project, path, data);
    this.files?.store(project, path, { text, ...(etag ? { etag } : {}) });
    return text;
  }

  /**
   * The person's role on the repository (`GET .../collaborators/{username}/permission`), which counts every grant:
   * repository, teams, organisation. `role_name` is used when it is a base role; a custom role falls back to its
   * base `permission`. A 404 (not a user, or a repository the app cannot see) is `none`; GitHub may also answer
   * `none` itself. The actor's id is not used: GitHub looks people up by login.
   */
  async getAccess(project: string, actor: AccessActor): Promise<AccessLevel> {
    const { owner, repo } = splitPath(project, 'getAccess');
    let data: RestPermission;
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
        owner,
        repo,
        username: actor.username,
      });
      data = response.data as RestPermission;
    } catch (error) {
      if (statusOf(error) === 404) return 'none';
      throw toTrackerError(error, 'getAccess', `${project}:${actor.username}`);
    }
    const role = typeof data.role_name === 'string' ? ROLES[data.role_name.toLowerCase()] : undefined;
    if (role !== undefined) return role;
    // An unknown answer grants nothing: authorization must never be guessed upwards.
    return (
      (typeof data.permission === 'string' ? LEGACY_PERMISSIONS[data.permission.toLowerCase()] : undefined) ?? 'none'
    );
  }

  /**
   * Whether the person is an active member of an organisation team
   * (`GET /orgs/{org}/teams/{team_slug}/memberships/{username}`); GitHub counts members of child teams as members
   * of the parent. `team` is `@org/team-slug` or `org/team-slug`; anything else throws before any request. A pending
   * membership (an invitation not yet accepted) is false, and so is a 404: not a member, no such user, no such team,
   * or a team the app cannot see. The app needs the organisation permission Members (read): without it GitHub
   * answers 403, which throws like every other failure. The actor's id is not used: GitHub looks people up by login.
   */
  async isTeamMember(team: string, actor: AccessActor): Promise<boolean> {
    const { org, slug } = splitTeam(team);
    if (actor.username === '')
      throw new TrackerError(`GitHub isTeamMember ${team}: no username`, undefined, 'isTeamMember');
    let data: RestTeamMembership;
    try {
      const response = await this.octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: slug,
        username: actor.username,
      });
      data = response.data as RestTeamMembership;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw toTrackerError(error, 'isTeamMember', `${org}/${slug}:${actor.username}`);
    }
    // Only `active` grants: `pending`, or an answer without a state, never does.
    return data.state === 'active';
  }

  /**
   * Open master issues in the installation account's repositories, through the search API
   * (`is:issue is:open label:"incident::master" user:<account>`), oldest first, every page up to GitHub's cap of
   * 1000 results. The project path comes from each result's `repository_url`. Search results can lag behind recent
   * changes by a little, and GitHub may flag them `incomplete_results` when the search times out; a sweep that runs
   * again soon catches up. Throws when the tracker was built without `account`.
   */
  async sharedConfigProject(): Promise<string | null> {
    return this.account ? `${this.account}/.github` : null;
  }

  async listOpenMasters(): Promise<Issue[]> {
    if (this.account === undefined || this.account === '') {
      throw new TrackerError(
        'GitHub listOpenMasters needs the installation account: construct GitHubTracker with { account }',
        undefined,
        'listOpenMasters',
      );
    }
    const q = `is:issue is:open label:"${MASTER_LABEL}" user:${this.account}`;
    const items = await this.call('listOpenMasters', this.account, () => {
      let seen = 0;
      return this.octokit.paginate(
        'GET /search/issues',
        { q, sort: 'created', order: 'asc', per_page: 100 },
        (response, done) => {
          seen += response.data.length;
          // GitHub stops at 1000 results and answers 422 past them; stop asking at the cap.
          if (seen >= SEARCH_CAP) done();
          return response.data;
        },
      );
    });
    return (items as unknown as RestSearchIssue[])
      .filter((item) => item.pull_request === undefined || item.pull_request === null)
      .slice(0, SEARCH_CAP)
      .map((item) => toIssue(repositoryPath(item.repository_url), item));
  }

  /** Unlocks an issue's conversation (`DELETE …/lock`); GitHub answers 204 when it was not locked either. */
  async unlockIssue(ref: IssueRef): Promise<void> {
    const { owner, repo } = splitPath(ref.project, 'unlockIssue');
    await this.call('unlockIssue', refText(ref), () =>
      this.octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/lock', {
        owner,
        repo,
        issue_number: ref.number,
      }),
    );
  }

  /** `GET /repos/{owner}/{repo}/security-advisories/{ghsa_id}` (drafts and reports need the app's permission). */
  async getAdvisory(repository: string, ghsaId: string): Promise<Advisory> {
    const { owner, repo } = splitPath(repository, 'getAdvisory');
    const data = await this.call('getAdvisory', `${repository} ${ghsaId}`, async () => {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/security-advisories/{ghsa_id}', {
        owner,
        repo,
        ghsa_id: ghsaId,
      });
      return response.data as unknown;
    });
    return advisoryOf(repository, data, 'getAdvisory');
  }

  /**
   * `GET /repos/{owner}/{repo}/security-advisories` for a repository, `GET /orgs/{org}/security-advisories` for every
   * repository of an organisation (a user account answers 404), every page, newest first.
   */
  async listAdvisories(scope: string, query: AdvisoryQuery = {}): Promise<Advisory[]> {
    const params = { ...(query.state ? { state: query.state } : {}), per_page: 100, sort: 'created' as const };
    const items = (await this.call('listAdvisories', scope, () => {
      if (!scope.includes('/'))
        return this.octokit.paginate('GET /orgs/{org}/security-advisories', { org: scope, ...params });
      const { owner, repo } = splitPath(scope, 'listAdvisories');
      return this.octokit.paginate('GET /repos/{owner}/{repo}/security-advisories', { owner, repo, ...params });
    })) as unknown[];
    return items.map((item) => {
      const repository = scope.includes('/') ? scope : advisoryRepository(item);
      return advisoryOf(repository, item, 'listAdvisories');
    });
  }

  /**
   * `POST /repos/{owner}/{repo}/security-advisories` (a draft). After an uncertain failure the repository's drafts are
   * looked through for one with the same summary and description before the create is sent again.
   */
  async createAdvisory(repository: string, draft: AdvisoryDraft): Promise<Advisory> {
    const { owner, repo } = splitPath(repository, 'createAdvisory');
    const create = async (): Promise<Advisory> => {
      const data = await this.call('createAdvisory', repository, async () => {
        const response = await this.octokit.request('POST /repos/{owner}/{repo}/security-advisories', {
          owner,
          repo,
          ...(advisoryRequestBody(draft) as { summary: string; description: string; vulnerabilities: [] }),
          request: { retries: 0 },
        });
        return response.data as unknown;
      });
      return advisoryOf(repository, data, 'createAdvisory');
    };
    return createReconciled(CREATE_ATTEMPTS, create, async () =>
      (await this.listAdvisories(repository, { state: 'draft' })).find(
        (a) => a.summary === draft.summary && a.description.trimEnd() === draft.description.trimEnd(),
      ),
    );
  }

  /** `PATCH /repos/{owner}/{repo}/security-advisories/{ghsa_id}`: only the fields given (`state` publishes). */
  async updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch): Promise<Advisory> {
    const { owner, repo } = splitPath(repository, 'updateAdvisory');
    const data = await this.call('updateAdvisory', `${repository} ${ghsaId}`, async () => {
      const response = await this.octokit.request('PATCH /repos/{owner}/{repo}/security-advisories/{ghsa_id}', {
        owner,
        repo,
        ghsa_id: ghsaId,
        ...advisoryRequestBody(patch),
      });
      return response.data as unknown;
    });
    return advisoryOf(repository, data, 'updateAdvisory');
  }

  /** `POST …/security-advisories/{ghsa_id}/cve`: GitHub answers 202; the CVE id arrives on the advisory later. */
  async requestAdvisoryCve(repository: string, ghsaId: string): Promise<void> {
    const { owner, repo } = splitPath(repository, 'requestAdvisoryCve');
    await this.call('requestAdvisoryCve', `${repository} ${ghsaId}`, () =>
      this.octokit.request('POST /repos/{owner}/{repo}/security-advisories/{ghsa_id}/cve', {
        owner,
        repo,
        ghsa_id: ghsaId,
      }),
    );
  }

  /** `POST …/security-advisories/{ghsa_id}/forks`: GitHub answers 202 with the fork it is making. */
  async createAdvisoryFork(repository: string, ghsaId: string): Promise<PrivateFork> {
    const { owner, repo } = splitPath(repository, 'createAdvisoryFork');
    const data = await this.call('createAdvisoryFork', `${repository} ${ghsaId}`, async () => {
      const response = await this.octokit.request('POST /repos/{owner}/{repo}/security-advisories/{ghsa_id}/forks', {
        owner,
        repo,
        ghsa_id: ghsaId,
      });
      return response.data as { full_name?: unknown; html_url?: unknown };
    });
    if (typeof data.full_name !== 'string' || data.full_name === '') {
      throw new TrackerError(
        `GitHub createAdvisoryFork ${repository} ${ghsaId}: the answer names no repository`,
        undefined,
        'createAdvisoryFork',
      );
    }
    return { path: data.full_name, webUrl: typeof data.html_url === 'string' ? data.html_url : '' };
  }

  /** One REST GET of an issue, pull requests included, with the node id. */
  private async fetchIssue(ref: IssueRef, operation: string): Promise<RestIssue> {
    const { owner, repo } = splitPath(ref.project, operation);
    return this.call(operation, refText(ref), async () => {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner,
        repo,
        issue_number: ref.number,
      });
      return response.data as RestIssue;
    });
  }

  /** Runs one API call and turns whatever it throws into a `TrackerError`. */
  private async call<T>(operation: string, target: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toTrackerError(error, operation, target);
    }
  }
}

/** A change by an account GitHub names with a login and an id; none when it names nobody (a deleted account). */
function changeOf(user: { login?: string; id?: number } | null | undefined, at: string | undefined): IssueChange[] {
  if (!user || typeof user.login !== 'string' || typeof user.id !== 'number' || typeof at !== 'string') return [];
  return [{ actor: { username: user.login, id: user.id }, at }];
}

/** Splits `owner/repo`; anything else is a caller's mistake, reported before any request. */
function splitPath(path: string, operation: string): { owner: string; repo: string } {
  const parts = path.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new TrackerError(`not a GitHub repository path (owner/repo): ${path}`, undefined, operation);
  }
  return { owner: parts[0], repo: parts[1] };
}

/** Splits `@org/team-slug` (or `org/team-slug`); anything else cannot name a team, reported before any request. */
function splitTeam(team: string): { org: string; slug: string } {
  const parts = teamPath(team).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new TrackerError(`not a GitHub team (@org/team-slug): ${team}`, undefined, 'isTeamMember');
  }
  return { org: parts[0], slug: parts[1] };
}

/** An advisory answer read as one; a `TrackerError` when it is not one (GitHub always answers its id and state). */
function advisoryOf(repository: string, data: unknown, operation: string): Advisory {
  const advisory = toAdvisory(repository, data);
  if (!advisory)
    throw new TrackerError(`GitHub ${operation} ${repository}: unexpected advisory answer`, undefined, operation);
  return advisory;
}

/** The repository of an advisory listed for an organisation: from its API `url` (`…/repos/owner/repo/security-…`). */
function advisoryRepository(item: unknown): string {
  const url = (item as { url?: unknown } | null)?.url;
  const match =
    typeof url === 'string'
      ? /\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/security-advisories\//.exec(url)?.groups
      : undefined;
  if (!match)
    throw new TrackerError('GitHub listAdvisories: an advisory without its repository', undefined, 'listAdvisories');
  return `${decodeURIComponent(match.owner!)}/${decodeURIComponent(match.repo!)}`;
}

/** `owner/repo` from a repository API URL (`https://api.github.com/repos/owner/repo`, or under `/api/v3` on GHES). */
function repositoryPath(url: string): string {
  const match = /\/repos\/(?<owner>[^/]+)\/(?<repo>[^/?#]+)\/?(?:[?#].*)?$/.exec(url)?.groups;
  if (!match) {
    throw new TrackerError(`GitHub listOpenMasters: unexpected repository_url ${url}`, undefined, 'listOpenMasters');
  }
  return `${decodeURIComponent(match.owner!)}/${decodeURIComponent(match.repo!)}`;
}

/** The issue number at the end of a comment's `issue_url`; undefined when it has none. */
function issueNumberOf(url: string | undefined): number | undefined {
  const match = typeof url === 'string' ? /\/issues\/(?<number>\d+)\/?$/.exec(url)?.groups : undefined;
  return match ? Number(match.number) : undefined;
}

function refText(ref: IssueRef): string {
  return `${ref.project}#${ref.number}`;
}

/** Maps a REST issue; `project` is the path the caller used, so refs compare equal to the ones it holds. */
function toIssue(project: string, data: RestIssue): Issue {
  return {
    ref: { project, number: data.number },
    id: data.id,
    ...(data.node_id ? { nodeId: data.node_id } : {}),
    title: data.title,
    // GitHub answers `null` for an empty body.
    body: data.body ?? '',
    labels: (data.labels ?? [])
      .map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
      .filter((name) => name !== ''),
    state: data.state === 'closed' ? 'closed' : 'open',
    confidential: false,
    locked: data.locked === true,
    author: data.user?.login ?? '',
    assignees: (data.assignees ?? []).map((a) => a.login),
    webUrl: data.html_url,
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

function toComment(data: RestComment): Comment {
  return {
    id: data.id,
    author: data.user?.login ?? '',
    authorId: data.user?.id ?? 0,
    body: data.body ?? '',
    createdAt: data.created_at,
  };
}

/**
 * The `createIssue` mutation's issue as the port's `Issue` (through the REST shape `toIssue` reads); null when the
 * answer lacks what identifies it. GraphQL names a GitHub App's bot user without REST's `[bot]`: it is added back, so
 * the author reads the same on both APIs.
 */
function fromGraphql(project: string, node: GraphqlIssue | null | undefined): Issue | null {
  if (!node || typeof node.databaseId !== 'number' || typeof node.number !== 'number') return null;
  const login = node.author?.login;
  const author = login && node.author?.__typename === 'Bot' && !login.endsWith('[bot]') ? `${login}[bot]` : login;
  return toIssue(project, {
    id: node.databaseId,
    ...(node.id ? { node_id: node.id } : {}),
    number: node.number,
    title: node.title ?? '',
    body: node.body ?? null,
    labels: (node.labels?.nodes ?? []).flatMap((label) => (label?.name ? [{ name: label.name }] : [])),
    state: node.state === 'CLOSED' ? 'closed' : 'open',
    locked: node.locked === true,
    user: author ? { login: author } : null,
    assignees: (node.assignees?.nodes ?? []).flatMap((user) => (user?.login ? [{ login: user.login }] : [])),
    html_url: node.url ?? '',
    created_at: node.createdAt ?? '',
    updated_at: node.updatedAt ?? '',
  });
}

/** The GraphQL errors of an answer (`GraphqlResponseError`); none for a failure of another kind. */
function graphqlErrors(error: unknown): Array<Record<string, unknown>> {
  if (typeof error !== 'object' || error === null || statusOf(error) !== undefined) return [];
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors)
    ? errors.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    : [];
}

/**
 * True for the answer of a server whose `CreateIssueInput` has no `parentIssueId`: validation errors only (none of
 * GraphQL's execution errors, which carry a `type`: the mutation never ran), one of them about `parentIssueId` —
 * by its `problems` path, its `argumentNotAccepted` code, or its wording.
 */
function lacksParentIssueId(error: unknown): boolean {
  const errors = graphqlErrors(error);
  if (errors.length === 0 || errors.some((e) => typeof e.type === 'string')) return false;
  return errors.some((e) => {
    const extensions = (e.extensions ?? {}) as { code?: unknown; argumentName?: unknown; problems?: unknown };
    const problems = Array.isArray(extensions.problems) ? extensions.problems : [];
    if (problems.some((p) => Array.isArray((p as { path?: unknown })?.path) && p.path[0] === 'parentIssueId'))
      return true;
    if (extensions.code === 'argumentNotAccepted' && extensions.argumentName === 'parentIssueId') return true;
    return typeof e.message === 'string' && PARENT_NOT_ACCEPTED.test(e.message);
  });
}

/**
 * A failed GraphQL write as a `TrackerError`. GitHub answered it (HTTP 200 with errors), so nothing was written: the
 * status says so (`NOT_FOUND` 404, `FORBIDDEN` 403, anything else 422), which keeps `createReconciled` from resending
 * it. A failure without an answer keeps its own status, or none.
 */
function graphqlError(error: unknown, operation: string, target: string): TrackerError {
  const errors = graphqlErrors(error);
  if (errors.length === 0) return toTrackerError(error, operation, target);
  const types = graphqlTypes(error);
  const status = types.includes('NOT_FOUND') ? 404 : types.includes('FORBIDDEN') ? 403 : 422;
  const detail = apiMessages(error).join('; ') || (error instanceof Error ? error.message : String(error));
  return new TrackerError(`GitHub ${operation} ${target} failed (${status}): ${detail}`, status, operation, {
    cause: error,
  });
}

/** GitHub's 422 for a label that exists already (`errors[].code: already_exists`). */
function alreadyExists(error: unknown): boolean {
  const data = (error as { response?: { data?: { errors?: unknown } } }).response?.data;
  return Array.isArray(data?.errors) && data.errors.some((e) => (e as { code?: unknown })?.code === 'already_exists');
}

/**
 * The value kept under `key`, loaded once: concurrent callers share one request, and a failed load is forgotten so the
 * next call asks again.
 */
function remember<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const known = cache.get(key);
  if (known) return known;
  const loading = load();
  cache.set(key, loading);
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
  return loading;
}

/** The HTTP status of an Octokit `RequestError` (GraphQL errors have none). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's own wording from an error answer: the top-level message, every `errors[]` message, GraphQL's too. */
function apiMessages(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const messages: string[] = [];
  const data = (error as { response?: { data?: unknown } }).response?.data;
  if (typeof data === 'string') messages.push(data);
  const collect = (source: unknown): void => {
    if (typeof source !== 'object' || source === null) return;
    const { message, errors } = source as { message?: unknown; errors?: unknown };
    if (typeof message === 'string') messages.push(message);
    if (Array.isArray(errors)) {
      for (const item of errors) {
        if (typeof item === 'string') messages.push(item);
        else if (
          typeof item === 'object' &&
          item !== null &&
          typeof (item as { message?: unknown }).message === 'string'
        ) {
          messages.push((item as { message: string }).message);
        }
      }
    }
  };
  collect(data);
  // GraphqlResponseError carries `errors` on itself.
  const graphqlErrors = (error as { errors?: unknown }).errors;
  if (Array.isArray(graphqlErrors)) collect({ errors: graphqlErrors });
  return messages;
}

/** GraphQL error types (`FORBIDDEN`, `NOT_FOUND`, ...) of a `GraphqlResponseError`. */
function graphqlTypes(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const errors = (error as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e) => (typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined))
    .filter((t): t is string => typeof t === 'string');
}

function isDeleteForbidden(error: unknown): boolean {
  if (graphqlTypes(error).includes('FORBIDDEN')) return true;
  if (apiMessages(error).some((m) => DELETE_FORBIDDEN.test(m))) return true;
  // A 403 is a refusal unless it is a rate limit, which must surface as an error to be retried later.
  if (statusOf(error) === 403) {
    const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
    const limited = headers['x-ratelimit-remaining'] === '0' || apiMessages(error).some((m) => /rate limit/i.test(m));
    return !limited;
  }
  return false;
}

/**
 * Wraps a failure as a `TrackerError` with GitHub's status and wording. The message holds no request headers,
 * so no token; Octokit redacts the authorization header in the cause's `request` too.
 */
function toTrackerError(error: unknown, operation: string, target: string): TrackerError {
  if (error instanceof TrackerError) return error;
  let status = statusOf(error);
  // GraphQL answers 200 with typed errors; NOT_FOUND reads as a 404 so `isNotFound` works on it.
  if (status === undefined && graphqlTypes(error).includes('NOT_FOUND')) status = 404;
  const messages = apiMessages(error);
  const detail = messages.length > 0 ? messages.join('; ') : error instanceof Error ? error.message : String(error);
  return new TrackerError(
    `GitHub ${operation} ${target} failed${status === undefined ? '' : ` (${status})`}: ${detail}`,
    status,
    operation,
    { cause: error },
  );
}

/**
 * The text of a contents answer, decoded from base64; null for what is not a file (a directory). Files over 1 MB come
 * with `encoding: none` and no content: refused loudly rather than read as empty.
 */
function fileText(project: string, path: string, data: unknown): string | null {
  if (Array.isArray(data) || typeof data !== 'object' || data === null) return null;
  const file = data as { type?: string; encoding?: string; content?: string };
  if (file.type !== 'file') return null;
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    throw new TrackerError(
      `GitHub readFile ${project}:${path}: unexpected encoding ${String(file.encoding)} (file too large?)`,
      undefined,
      'readFile',
    );
  }
  return Buffer.from(file.content, 'base64').toString('utf8');
}
