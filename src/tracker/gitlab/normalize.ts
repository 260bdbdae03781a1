import type { Actor, IssueEvent, NoteEvent, PushEvent } from '../../kernel/events.js';
import type { Comment, Issue, Project } from '../../kernel/model.js';
import { asRecord, changedPaths, commitSha, isId, isNonEmptyString } from '../payload.js';

/**
 * Turns GitLab webhook payloads (`Issue Hook`, `Confidential Issue Hook`, `Note Hook`, `Confidential Note Hook`)
 * into the tracker-neutral events. Pure functions: no I/O, no throwing. Payloads arrive from the network, so they
 * are read field by field; anything malformed or not handled answers null and the caller ignores the delivery.
 *
 * The functions key off the body (`object_kind`, `event_type`), never the `X-Gitlab-Event` header alone: the
 * confidential variants carry the same body shape with `event_type: confidential_issue | confidential_note`.
 */

const ISSUE_EVENT_TYPES: ReadonlySet<string> = new Set(['issue', 'confidential_issue']);
const NOTE_EVENT_TYPES: ReadonlySet<string> = new Set(['note', 'confidential_note']);

/** GitLab's `object_attributes.action` for issues, in the neutral vocabulary; `update` is decided separately. */
const ISSUE_ACTIONS: Readonly<Record<string, IssueEvent['action']>> = {
  open: 'opened',
  close: 'closed',
  reopen: 'reopened',
};

/** `project.visibility_level` in hook payloads (Gitlab::VisibilityLevel). */
const VISIBILITY_LEVELS: Readonly<Record<number, Project['visibility']>> = {
  0: 'private',
  10: 'internal',
  20: 'public',
};

/**
 * Normalizes an issue hook (`object_kind: issue`, `event_type: issue | confidential_issue`).
 *
 * `open`/`close`/`reopen` map to opened/closed/reopened. `update` maps to `labeled` (some label added) or
 * `unlabeled` (only removals) when `changes.labels` differ and the description did not change; to `edited`
 * otherwise. The label lists are filled from the `changes.labels` diff whatever the action, so an update that
 * edits the description and adds a label is `edited` with `addedLabels` set. Unknown actions answer `other`.
 */
export function normalizeGitLabIssueEvent(payload: unknown, deliveryId: string): IssueEvent | null {
  const body = asRecord(payload);
  if (body?.object_kind !== 'issue') return null;
  if (body.event_type !== undefined && !(typeof body.event_type === 'string' && ISSUE_EVENT_TYPES.has(body.event_type)))
    return null;

  const project = toProject(body.project);
  const actor = toActor(body.user);
  const attributes = asRecord(body.object_attributes);
  if (!project || !actor || !attributes) return null;

  // Issue hooks carry the labels on the issue and at the top level; older payloads may have only one of them.
  const labels = labelTitles(attributes.labels ?? body.labels ?? []);
  const assignees = usernames(body.assignees ?? []);
  if (labels === null || assignees === null) return null;
  const confidentialFallback = body.event_type === 'confidential_issue';
  const issue = toIssue(project, attributes, { labels, assignees, actor, confidentialFallback });
  if (!issue) return null;

  // `changes` can be missing (older GitLab) or `{}`; every entry is `{ previous, current }`.
  const changes = asRecord(body.changes) ?? {};
  const labelChange = asRecord(changes.labels);
  let addedLabels: string[] = [];
  let removedLabels: string[] = [];
  if (labelChange) {
    const previous = labelTitles(labelChange.previous ?? []);
    const current = labelTitles(labelChange.current ?? []);
    if (previous === null || current === null) return null;
    addedLabels = current.filter((label) => !previous.includes(label));
    removedLabels = previous.filter((label) => !current.includes(label));
  }
  const descriptionChange = asRecord(changes.description);

  const rawAction = attributes.action;
  let action: IssueEvent['action'];
  if (rawAction === 'update') {
    if (descriptionChange === null && addedLabels.length > 0) action = 'labeled';
    else if (descriptionChange === null && removedLabels.length > 0) action = 'unlabeled';
    else action = 'edited';
  } else {
    action = (typeof rawAction === 'string' ? ISSUE_ACTIONS[rawAction] : undefined) ?? 'other';
  }

  const event: IssueEvent = {
    kind: 'issue',
    tracker: 'gitlab',
    action,
    deliveryId,
    actor,
    project,
    issue,
    addedLabels,
    removedLabels,
  };
  // GitLab's own severity of an incident (its `/severity` quick action, which never reaches the app as a comment).
  const severityChange = asRecord(changes.severity);
  if (severityChange && typeof severityChange.current === 'string') event.trackerSeverity = severityChange.current;
  // A `null` previous description means the issue had none: the neutral model spells that ''.
  if (descriptionChange && (typeof descriptionChange.previous === 'string' || descriptionChange.previous === null)) {
    event.previousBody = descriptionChange.previous ?? '';
  }
  return event;
}

/**
 * Normalizes a note hook (`object_kind: note`, `event_type: note | confidential_note`) for comments on issues
 * only (`noteable_type: Issue`). Newly created, non-system notes only: edits (`action: update`) answer null, like
 * GitHub's edited comments; payloads from GitLab versions without `action` are taken as creations.
 */
export function normalizeGitLabNoteEvent(payload: unknown, deliveryId: string): NoteEvent | null {
  const body = asRecord(payload);
  if (body?.object_kind !== 'note') return null;
  if (body.event_type !== undefined && !(typeof body.event_type === 'string' && NOTE_EVENT_TYPES.has(body.event_type)))
    return null;

  const attributes = asRecord(body.object_attributes);
  if (attributes?.noteable_type !== 'Issue') return null;
  if (attributes.action !== undefined && attributes.action !== 'create') return null;
  if (attributes.system === true) return null;

  const project = toProject(body.project);
  const actor = toActor(body.user);
  const issuePayload = asRecord(body.issue);
  if (!project || !actor || !issuePayload) return null;

  const labels = labelTitles(issuePayload.labels ?? []);
  // Note hooks describe the issue's assignees by id only; usernames when a GitLab version sends them.
  const assignees = usernames(issuePayload.assignees ?? []);
  if (labels === null || assignees === null) return null;
  const confidentialFallback = body.event_type === 'confidential_note';
  const issue = toIssue(project, issuePayload, { labels, assignees, actor, confidentialFallback });
  const comment = toComment(attributes, actor);
  if (!issue || !comment) return null;
  return { kind: 'note', tracker: 'gitlab', deliveryId, actor, project, issue, comment };
}

function toProject(value: unknown): Project | null {
  const project = asRecord(value);
  if (!project) return null;
  const { id, path_with_namespace: path, web_url: webUrl, visibility_level: level } = project;
  if (!isId(id) || !isNonEmptyString(path) || typeof webUrl !== 'string') return null;
  return {
    path,
    id,
    // An unknown or missing level is taken as public: the app then treats the project as exposed, never the reverse.
    visibility: (typeof level === 'number' ? VISIBILITY_LEVELS[level] : undefined) ?? 'public',
    webUrl,
    // `default_branch` is null for an empty repository; the adapter reads files at HEAD anyway.
    defaultBranch: typeof project.default_branch === 'string' ? project.default_branch : '',
  };
}

function toActor(value: unknown): Actor | null {
  const user = asRecord(value);
  if (!user || !isNonEmptyString(user.username) || !isId(user.id)) return null;
  // Hook payloads rarely say whether the user is a bot; only an explicit `bot: true` counts, never a name pattern.
  return { username: user.username, id: user.id, isBot: user.bot === true };
}

interface IssueExtras {
  labels: string[];
  assignees: string[];
  actor: Actor;
  /** Used when the issue object has no `confidential` field: the event type still tells. */
  confidentialFallback: boolean;
}

/** The issue from `object_attributes` (issue hooks) or `issue` (note hooks); both have the same core fields. */
function toIssue(project: Project, issue: Record<string, unknown>, extras: IssueExtras): Issue | null {
  const { id, iid, title, created_at: createdAt, updated_at: updatedAt } = issue;
  if (!isId(id) || !isId(iid) || typeof title !== 'string') return null;
  if (typeof createdAt !== 'string' || typeof updatedAt !== 'string') return null;
  if (issue.description != null && typeof issue.description !== 'string') return null;
  const state = toState(issue);
  if (state === null) return null;
  return {
    ref: { project: project.path, number: iid },
    id,
    title,
    body: typeof issue.description === 'string' ? issue.description : '',
    labels: extras.labels,
    state,
    confidential: typeof issue.confidential === 'boolean' ? issue.confidential : extras.confidentialFallback,
    locked: issue.discussion_locked === true,
    // Hooks name the author by id only; the acting user is the one name the payload gives, so use it when it matches.
    author: issue.author_id === extras.actor.id ? extras.actor.username : '',
    assignees: extras.assignees,
    dueDate: typeof issue.due_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(issue.due_date) ? issue.due_date : null,
    // Note hooks' issue has no `url`; GitLab's issue path is `<project>/-/issues/<iid>`.
    webUrl: typeof issue.url === 'string' ? issue.url : `${project.webUrl}/-/issues/${iid}`,
    createdAt: toIsoTimestamp(createdAt),
    updatedAt: toIsoTimestamp(updatedAt),
  };
}

/** `state` (opened/closed) or, where only the id is sent, `state_id` (1 opened, 2 closed). */
function toState(issue: Record<string, unknown>): Issue['state'] | null {
  if (issue.state === 'opened') return 'open';
  if (issue.state === 'closed') return 'closed';
  if (issue.state === undefined && issue.state_id === 1) return 'open';
  if (issue.state === undefined && issue.state_id === 2) return 'closed';
  return null;
}

function toComment(note: Record<string, unknown>, actor: Actor): Comment | null {
  const { id, note: text, created_at: createdAt } = note;
  if (!isId(id) || typeof createdAt !== 'string') return null;
  if (text != null && typeof text !== 'string') return null;
  // A note hook's `user` is the note's author (`author_id` names the same account) and the only name it gives.
  return { id, author: actor.username, authorId: actor.id, body: text ?? '', createdAt: toIsoTimestamp(createdAt) };
}

/** Label titles from hook label objects (`{ title }`); a bare string is accepted too. Null when any is malformed. */
function labelTitles(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const titles: string[] = [];
  for (const item of value as unknown[]) {
    const title = isNonEmptyString(item) ? item : asRecord(item)?.title;
    if (!isNonEmptyString(title)) return null;
    titles.push(title);
  }
  return titles;
}

function usernames(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const names: string[] = [];
  for (const item of value as unknown[]) {
    const username = asRecord(item)?.username;
    if (!isNonEmptyString(username)) return null;
    names.push(username);
  }
  return names;
}

/**
 * Hooks mix `2013-12-03T17:15:43Z` with `2015-05-17 17:06:40 UTC`; the model wants ISO 8601, so the second form is
 * rewritten (same instant). Anything else is kept as sent.
 */
function toIsoTimestamp(value: string): string {
  const match = /^(?<date>\d{4}-\d{2}-\d{2}) (?<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC$/.exec(value)?.groups;
  return match ? `${match.date}T${match.time}Z` : value;
}

/**
 * Why a payload that claims an issue or note event cannot be one, in a few words without its content; null when it
 * has the envelope every such hook carries (a project, a user, the object's attributes, and for a comment on an
 * issue, the issue), or when it claims another event (those are ignored, not refused). A hook GitLab sends always
 * has the envelope: a payload without it is forged or broken, and is refused with 400 rather than ignored.
 */
export function gitlabPayloadProblem(payload: unknown): string | null {
  const body = asRecord(payload);
  if (!body) return 'not a JSON object';
  if (body.object_kind !== 'issue' && body.object_kind !== 'note') return null;
  if (!toProject(body.project)) return `${body.object_kind} hook without a valid project`;
  if (!toActor(body.user)) return `${body.object_kind} hook without a valid user`;
  const attributes = asRecord(body.object_attributes);
  if (!attributes) return `${body.object_kind} hook without object_attributes`;
  if (body.object_kind === 'note' && attributes.noteable_type === 'Issue' && !asRecord(body.issue))
    return 'note hook on an issue without the issue';
  // The envelope is there: an event the app handles whose fields cannot be read is refused too (one log line, 400),
  // never taken as an event it ignores.
  if (
    body.object_kind === 'issue' &&
    (body.event_type === undefined || (typeof body.event_type === 'string' && ISSUE_EVENT_TYPES.has(body.event_type)))
  ) {
    if (!normalizeGitLabIssueEvent(payload, '')) return 'issue hook with unreadable attributes';
  }
  if (
    body.object_kind === 'note' &&
    (body.event_type === undefined || (typeof body.event_type === 'string' && NOTE_EVENT_TYPES.has(body.event_type)))
  ) {
    const handled =
      attributes.noteable_type === 'Issue' &&
      (attributes.action === undefined || attributes.action === 'create') &&
      attributes.system !== true;
    if (handled && !normalizeGitLabNoteEvent(payload, '')) return 'note hook with unreadable attributes';
  }
  return null;
}

/**
 * A `Push Hook` as a {@link PushEvent}, or null when it is not a push to the project's default branch. GitLab lists
 * at most twenty commits and says how many there were (`total_commits_count`): more than it lists changed every file.
 */
export function normalizeGitLabPush(payload: unknown): PushEvent | null {
  const body = asRecord(payload);
  const project = asRecord(body?.project);
  const path = project?.path_with_namespace;
  const branch = project?.default_branch;
  if (body?.object_kind !== 'push' || !isNonEmptyString(path) || !isNonEmptyString(branch)) return null;
  if (body.ref !== `refs/heads/${branch}`) return null;
  const total = typeof body.total_commits_count === 'number' ? body.total_commits_count : Number.POSITIVE_INFINITY;
  const sha = commitSha(body.checkout_sha) ?? commitSha(body.after);
  return { tracker: 'gitlab', project: path, paths: changedPaths(body.commits, total), ...(sha ? { sha } : {}) };
}
