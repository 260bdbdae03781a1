import type { Actor, AdvisoryEvent, IssueEvent, LabelEvent, NoteEvent, PushEvent } from '../../kernel/events.js';
import type { Comment, Issue, Project } from '../../kernel/model.js';
import { asRecord, changedPaths, commitSha, isId, isNonEmptyString } from '../payload.js';
import { toAdvisory } from './advisories.js';

/**
 * Turns GitHub webhook payloads into the tracker-neutral events. Pure functions: no I/O, no throwing.
 * Payloads are read defensively, field by field, since they arrive from the network; anything malformed or not
 * handled answers null and the caller ignores the delivery.
 */

type IssueAction = Exclude<IssueEvent['action'], 'other'>;

const ISSUE_ACTIONS: ReadonlySet<string> = new Set<IssueAction>([
  'opened',
  'labeled',
  'unlabeled',
  'edited',
  'closed',
  'reopened',
  'assigned',
  'unassigned',
]);

/**
 * Normalizes an `issues` delivery. `name` is `issues.<action>` (as the app builds it) or plain `issues`, in which
 * case the payload's `action` is used. Answers null for other events and actions, for pull requests and for
 * payloads that do not have the expected shape.
 */
export function normalizeGitHubIssueEvent(name: string, payload: unknown, deliveryId: string): IssueEvent | null {
  const body = asRecord(payload);
  if (!body) return null;
  const action = actionOf(name, 'issues', body);
  if (action === null || !ISSUE_ACTIONS.has(action)) return null;

  const context = issueContext(body);
  if (!context) return null;
  const { project, actor, issue } = context;

  // `label` is the one label this delivery added or removed; GitHub sends one delivery per label.
  const label = labelName(body.label);
  const event: IssueEvent = {
    kind: 'issue',
    tracker: 'github',
    action: action as IssueAction,
    deliveryId,
    actor,
    project,
    issue,
    addedLabels: action === 'labeled' && label !== null ? [label] : [],
    removedLabels: action === 'unlabeled' && label !== null ? [label] : [],
  };
  const previousBody = asRecord(asRecord(asRecord(body.changes)?.body))?.from;
  if (action === 'edited' && typeof previousBody === 'string') event.previousBody = previousBody;
  return event;
}

/**
 * Normalizes an `issue_comment` delivery: only `created` comments on issues. Comments on pull requests (whose
 * issue carries `pull_request`) answer null, as do other actions and malformed payloads.
 */
export function normalizeGitHubCommentEvent(name: string, payload: unknown, deliveryId: string): NoteEvent | null {
  const body = asRecord(payload);
  if (!body) return null;
  if (actionOf(name, 'issue_comment', body) !== 'created') return null;

  const context = issueContext(body);
  const comment = toComment(body.comment);
  if (!context || !comment) return null;
  return { kind: 'note', tracker: 'github', deliveryId, ...context, comment };
}

/** The `repository_advisory` actions the app follows: a private vulnerability report, a publication. */
const ADVISORY_ACTIONS: ReadonlySet<string> = new Set<AdvisoryEvent['action']>(['reported', 'published']);

/**
 * Normalizes a `repository_advisory` delivery (`reported`, `published`); null for other actions and for payloads that
 * do not have the expected shape.
 */
export function normalizeGitHubAdvisoryEvent(name: string, payload: unknown, deliveryId: string): AdvisoryEvent | null {
  const body = asRecord(payload);
  if (!body) return null;
  const action = actionOf(name, 'repository_advisory', body);
  if (action === null || !ADVISORY_ACTIONS.has(action)) return null;
  const project = toProject(body.repository);
  const actor = toActor(body.sender);
  const advisory = project ? toAdvisory(project.path, body.repository_advisory) : null;
  if (!project || !actor || !advisory) return null;
  return {
    kind: 'advisory',
    tracker: 'github',
    action: action as AdvisoryEvent['action'],
    deliveryId,
    actor,
    project,
    advisory,
  };
}

/**
 * Normalizes a `label` delivery of action `created` (a label created in a repository, by hand, by an issue naming it,
 * or by the app); null for other actions and for payloads without a repository, a sender or a label name.
 */
export function normalizeGitHubLabelEvent(name: string, payload: unknown, deliveryId: string): LabelEvent | null {
  const body = asRecord(payload);
  if (!body || actionOf(name, 'label', body) !== 'created') return null;
  const project = toProject(body.repository);
  const actor = toActor(body.sender);
  const label = labelName(body.label);
  if (!project || !actor || label === null) return null;
  return { kind: 'label', tracker: 'github', action: 'created', deliveryId, actor, project, label };
}

/**
 * The repository, sender and issue every issue-related delivery carries; null when one is malformed or the
 * "issue" is a pull request (GitHub's issue events never describe one today; the check keeps it that way).
 */
function issueContext(body: Record<string, unknown>): { project: Project; actor: Actor; issue: Issue } | null {
  const project = toProject(body.repository);
  const actor = toActor(body.sender);
  const issuePayload = asRecord(body.issue);
  if (!project || !actor || !issuePayload || issuePayload.pull_request != null) return null;
  const issue = toIssue(project.path, issuePayload);
  return issue ? { project, actor, issue } : null;
}

/** The action named by `event.action` or, for a bare event name, by the payload; null for another event. */
function actionOf(name: string, event: string, body: Record<string, unknown>): string | null {
  const [eventName, action] = name.split('.', 2);
  if (eventName !== event) return null;
  if (action !== undefined && action !== '') return action;
  return typeof body.action === 'string' ? body.action : null;
}

function toProject(value: unknown): Project | null {
  const repo = asRecord(value);
  if (!repo) return null;
  const { id, full_name: path, html_url: webUrl } = repo;
  if (!isId(id) || !isNonEmptyString(path) || typeof webUrl !== 'string') return null;
  return {
    path,
    id,
    // Internal repositories are also `private: true`; `visibility` tells them apart where GitHub sends it.
    visibility: repo.visibility === 'internal' ? 'internal' : repo.private === true ? 'private' : 'public',
    webUrl,
    defaultBranch: typeof repo.default_branch === 'string' ? repo.default_branch : 'main',
  };
}

function toActor(value: unknown): Actor | null {
  const sender = asRecord(value);
  if (!sender || !isNonEmptyString(sender.login) || !isId(sender.id)) return null;
  return { username: sender.login, id: sender.id, isBot: sender.type === 'Bot' };
}

function toIssue(project: string, issue: Record<string, unknown>): Issue | null {
  const { id, number, title, html_url: webUrl, created_at: createdAt, updated_at: updatedAt } = issue;
  if (!isId(id) || !isId(number) || typeof title !== 'string' || typeof webUrl !== 'string') return null;
  if (typeof createdAt !== 'string' || typeof updatedAt !== 'string') return null;
  if (issue.body != null && typeof issue.body !== 'string') return null;
  if (!Array.isArray(issue.labels ?? [])) return null;
  const labels: string[] = [];
  for (const item of (issue.labels ?? []) as unknown[]) {
    const label = labelName(item);
    if (label === null) return null;
    labels.push(label);
  }
  const author = asRecord(issue.user)?.login;
  const assignees: string[] = [];
  if (issue.assignees != null) {
    if (!Array.isArray(issue.assignees)) return null;
    for (const item of issue.assignees as unknown[]) {
      const login = asRecord(item)?.login;
      if (!isNonEmptyString(login)) return null;
      assignees.push(login);
    }
  }
  return {
    ref: { project, number },
    id,
    title,
    body: typeof issue.body === 'string' ? issue.body : '',
    labels,
    state: issue.state === 'closed' ? 'closed' : 'open',
    confidential: false,
    locked: issue.locked === true,
    author: typeof author === 'string' ? author : '',
    assignees,
    webUrl,
    createdAt,
    updatedAt,
  };
}

function toComment(value: unknown): Comment | null {
  const comment = asRecord(value);
  if (!comment) return null;
  const { id, body, created_at: createdAt } = comment;
  const user = asRecord(comment.user);
  const author = user?.login;
  if (!isId(id) || typeof createdAt !== 'string' || !isNonEmptyString(author)) return null;
  if (body != null && typeof body !== 'string') return null;
  return { id, author, authorId: isId(user?.id) ? user.id : 0, body: body ?? '', createdAt };
}

/** A label as GitHub sends it: an object with `name` (webhooks) or, in some answers, a bare string. */
function labelName(value: unknown): string | null {
  if (isNonEmptyString(value)) return value;
  const name = asRecord(value)?.name;
  return isNonEmptyString(name) ? name : null;
}

/**
 * Why a delivery of an event the app subscribes to (`issues`, `issue_comment`) cannot be read, in a few words without
 * its content; null when it can, or when it is one the app ignores on purpose (another action, a pull request). GitHub
 * signs what it sends, so such a delivery is broken or forged by someone holding the secret: it is ignored (a 2xx,
 * so that GitHub does not redeliver it) with one log line.
 */
export function githubPayloadProblem(name: string, payload: unknown): string | null {
  const body = asRecord(payload);
  if (!body) return 'not a JSON object';
  const [event] = name.split('.', 1);
  if (event === 'repository_advisory') return advisoryPayloadProblem(name, body);
  if (event !== 'issues' && event !== 'issue_comment') return null;
  const action = actionOf(name, event, body);
  if (action === null) return `${event} delivery without an action`;
  if (event === 'issues' ? !ISSUE_ACTIONS.has(action) : action !== 'created') return null;
  if (!isId(asRecord(body.installation)?.id)) return `${event} delivery without an installation`;
  if (!toProject(body.repository)) return `${event} delivery without a valid repository`;
  if (!toActor(body.sender)) return `${event} delivery without a valid sender`;
  const issue = asRecord(body.issue);
  if (!issue) return `${event} delivery without a valid issue`;
  if (issue.pull_request != null) return null;
  if (!toIssue('owner/repo', issue)) return `${event} delivery with an unreadable issue`;
  if (event === 'issue_comment' && !toComment(body.comment)) return 'issue_comment delivery with an unreadable comment';
  return null;
}

/** GitHub lists at most this many commits in a push payload. */
const GITHUB_PUSH_COMMITS = 20;

/**
 * A `push` delivery as a {@link PushEvent}, or null when it is not a push to the repository's default branch. A
 * forced push, or one with as many commits as the payload lists at most, changed what it cannot tell: every file.
 */
export function normalizeGitHubPush(payload: unknown): PushEvent | null {
  const body = asRecord(payload);
  const repository = asRecord(body?.repository);
  const project = repository?.full_name;
  const branch = repository?.default_branch;
  if (!isNonEmptyString(project) || !isNonEmptyString(branch) || body?.ref !== `refs/heads/${branch}`) return null;
  const commits = Array.isArray(body.commits) ? body.commits : null;
  const complete = body.forced !== true && commits !== null && commits.length < GITHUB_PUSH_COMMITS;
  const sha = commitSha(body.after);
  return { tracker: 'github', project, paths: complete ? changedPaths(commits, 0) : null, ...(sha ? { sha } : {}) };
}

/** Why a `repository_advisory` delivery of a followed action cannot be read; null when it can (or is ignored). */
function advisoryPayloadProblem(name: string, body: Record<string, unknown>): string | null {
  const action = actionOf(name, 'repository_advisory', body);
  if (action === null) return 'repository_advisory delivery without an action';
  if (!ADVISORY_ACTIONS.has(action)) return null;
  if (!isId(asRecord(body.installation)?.id)) return 'repository_advisory delivery without an installation';
  const project = toProject(body.repository);
  if (!project) return 'repository_advisory delivery without a valid repository';
  if (!toActor(body.sender)) return 'repository_advisory delivery without a valid sender';
  if (!toAdvisory(project.path, body.repository_advisory))
    return 'repository_advisory delivery with an unreadable advisory';
  return null;
}
