import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Issue, Project } from '../../src/kernel/model.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/gitlab/', import.meta.url));

/** A real GitLab payload from GitLab's webhook documentation (`test/fixtures/gitlab/`), parsed fresh. */
export function gitlabFixture(name: 'issue-hook' | 'note-hook-issue' | 'emoji-hook-issue-note'): Record<string, any> {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Record<string, any>;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

/**
 * The real Issue Hook fixture rewritten to describe an issue of the store that just got a label, as
 * GitLab sends it (`Confidential Issue Hook` shape when the issue is confidential).
 */
export function gitlabLabeledPayload(
  project: Project,
  issue: Issue,
  added = 'incident',
  user = { id: 7, username: 'security-lead' },
): Record<string, any> {
  const payload = gitlabFixture('issue-hook');
  const label = (title: string, i: number) => ({ ...payload.labels[0], id: 500 + i, title, project_id: project.id });
  const labels = issue.labels.map(label);
  payload.event_type = issue.confidential ? 'confidential_issue' : 'issue';
  payload.user = { ...payload.user, id: user.id, username: user.username, name: user.username };
  Object.assign(payload.project, {
    id: project.id,
    name: project.path.split('/').at(-1),
    path_with_namespace: project.path,
    visibility_level: VISIBILITY_LEVEL[project.visibility],
    web_url: project.webUrl,
    default_branch: project.defaultBranch,
  });
  Object.assign(payload.object_attributes, {
    id: issue.id,
    iid: issue.ref.number,
    project_id: project.id,
    title: issue.title,
    description: issue.body,
    confidential: issue.confidential,
    state: 'opened',
    action: 'update',
    url: issue.webUrl,
    labels,
  });
  payload.labels = labels;
  payload.changes = {
    labels: { previous: labels.filter((l: { title: string }) => l.title !== added), current: labels },
  };
  return payload;
}

/** POSTs a GitLab delivery to the app server with the given token. */
export async function deliverGitLab(
  baseUrl: string,
  token: string | undefined,
  payload: object | string,
  idempotencyKey: string,
  event = 'Issue Hook',
): Promise<Response> {
  return fetch(`${baseUrl}/api/gitlab/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'idempotency-key': idempotencyKey,
      ...(token === undefined ? {} : { 'x-gitlab-token': token }),
    },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

/** A person on the fake GitLab: the id must be the fake's (`fake.userId(username)`), as GitLab sends it. */
export interface GitLabHookUser {
  id: number;
  username: string;
}

/** `2026-11-22T10:03:00.000Z` as GitLab's hooks write it: ISO at second precision, or `2026-11-22 10:03:00 UTC`. */
function hookTime(iso: string, form: 'iso' | 'utc' = 'iso'): string {
  const seconds = iso.replace(/\.\d+Z$/, 'Z');
  return form === 'iso' ? seconds : seconds.replace('T', ' ').replace(/Z$/, ' UTC');
}

/** The fixture's project object rewritten to describe a project of the store. */
function hookProject(template: Record<string, any>, project: Project): Record<string, any> {
  return {
    ...template,
    id: project.id,
    name: project.path.split('/').at(-1),
    path_with_namespace: project.path,
    visibility_level: VISIBILITY_LEVEL[project.visibility],
    web_url: project.webUrl,
    default_branch: project.defaultBranch,
  };
}

function hookUser(template: Record<string, any>, user: GitLabHookUser): Record<string, any> {
  return { ...template, id: user.id, username: user.username, name: user.username, email: '[REDACTED]' };
}

/**
 * The real Issue Hook fixture rewritten as GitLab sends a description edit of `issue` (already saved in the store)
 * by `user`: `action: update`, `changes.description` `{ previous, current }` (plus `updated_at`, `updated_by_id`,
 * `last_edited_*` as GitLab adds them), the labels unchanged. `Confidential Issue Hook` shape when the issue is
 * confidential. `ids` gives the fake's id for the author and assignees (`fake.userId`).
 */
export function gitlabEditPayload(
  project: Project,
  issue: Issue,
  previousBody: string,
  user: GitLabHookUser,
  ids: (username: string) => number,
): Record<string, any> {
  const payload = gitlabFixture('issue-hook');
  const label = (title: string, i: number) => ({ ...payload.labels[0], id: 500 + i, title, project_id: project.id });
  const labels = issue.labels.map(label);
  const assignees = issue.assignees.map((username) => ({ ...payload.assignees[0], name: username, username }));
  payload.event_type = issue.confidential ? 'confidential_issue' : 'issue';
  payload.user = hookUser(payload.user, user);
  payload.project = hookProject(payload.project, project);
  const updatedAt = hookTime(issue.updatedAt);
  Object.assign(payload.object_attributes, {
    id: issue.id,
    iid: issue.ref.number,
    project_id: project.id,
    title: issue.title,
    description: issue.body,
    confidential: issue.confidential,
    discussion_locked: issue.locked,
    due_date: issue.dueDate ?? null,
    author_id: ids(issue.author),
    assignee_ids: issue.assignees.map(ids),
    assignee_id: issue.assignees[0] === undefined ? null : ids(issue.assignees[0]),
    created_at: hookTime(issue.createdAt),
    updated_at: updatedAt,
    updated_by_id: user.id,
    last_edited_at: updatedAt,
    last_edited_by_id: user.id,
    state: issue.state === 'open' ? 'opened' : 'closed',
    state_id: issue.state === 'open' ? 1 : 2,
    action: 'update',
    url: issue.webUrl,
    labels,
  });
  payload.labels = labels;
  payload.assignees = assignees;
  payload.assignee = assignees[0] ?? null;
  payload.changes = {
    description: { previous: previousBody, current: issue.body },
    last_edited_at: { previous: null, current: hookTime(issue.updatedAt, 'utc') },
    last_edited_by_id: { previous: null, current: user.id },
    updated_at: { previous: hookTime(issue.createdAt, 'utc'), current: hookTime(issue.updatedAt, 'utc') },
    updated_by_id: { previous: null, current: user.id },
  };
  return payload;
}

/**
 * The real Note Hook fixture (comment on an issue) rewritten as GitLab sends a new comment `note` (already on
 * `issue` in the store) by `user`: `event_type: confidential_note` when the issue is confidential, the issue and
 * project of the store, timestamps in the note hook's `YYYY-MM-DD HH:MM:SS UTC` form.
 */
export function gitlabNotePayload(
  project: Project,
  issue: Issue,
  note: { id: number; body: string; createdAt: string },
  user: GitLabHookUser,
  ids: (username: string) => number,
): Record<string, any> {
  const payload = gitlabFixture('note-hook-issue');
  const label = (title: string, i: number) => ({
    ...payload.issue.labels[1],
    id: 500 + i,
    title,
    project_id: project.id,
  });
  payload.event_type = issue.confidential ? 'confidential_note' : 'note';
  payload.user = hookUser(payload.user, user);
  payload.project_id = project.id;
  payload.project = hookProject(payload.project, project);
  const at = hookTime(note.createdAt, 'utc');
  Object.assign(payload.object_attributes, {
    id: note.id,
    note: note.body,
    noteable_type: 'Issue',
    author_id: user.id,
    created_at: at,
    updated_at: at,
    project_id: project.id,
    noteable_id: issue.id,
    system: false,
    action: 'create',
    confidential: issue.confidential,
    internal: false,
    url: `${issue.webUrl}#note_${note.id}`,
  });
  Object.assign(payload.issue, {
    id: issue.id,
    iid: issue.ref.number,
    project_id: project.id,
    title: issue.title,
    description: issue.body,
    confidential: issue.confidential,
    author_id: ids(issue.author),
    assignee_ids: issue.assignees.map(ids),
    assignee_id: issue.assignees[0] === undefined ? null : ids(issue.assignees[0]),
    created_at: hookTime(issue.createdAt, 'utc'),
    updated_at: hookTime(issue.updatedAt, 'utc'),
    state: issue.state === 'open' ? 'opened' : 'closed',
    labels: issue.labels.map(label),
  });
  return payload;
}

/**
 * The real Issue Hook fixture rewritten as GitLab sends a change of labels on `issue` (already saved in the store) by
 * `user`, the description untouched: `action: update`, `changes.labels` `{ previous, current }` as label objects (plus
 * `updated_at` and `updated_by_id`), no `changes.description`. A label keeps its id across `previous` and `current`.
 * `Confidential Issue Hook` shape when the issue is confidential.
 */
export function gitlabLabelsPayload(
  project: Project,
  issue: Issue,
  previousLabels: string[],
  user: GitLabHookUser,
  ids: (username: string) => number,
  previousUpdatedAt: string = issue.createdAt,
): Record<string, any> {
  const payload = gitlabEditPayload(project, issue, issue.body, user, ids);
  const template = payload.labels[0] ?? gitlabFixture('issue-hook').labels[0];
  const titles = [...new Set([...issue.labels, ...previousLabels])];
  const label = (title: string) => ({ ...template, id: 500 + titles.indexOf(title), title, project_id: project.id });
  const current = issue.labels.map(label);
  // A label change is no description edit: GitLab leaves `last_edited_*` as they were.
  Object.assign(payload.object_attributes, { labels: current, last_edited_at: null, last_edited_by_id: null });
  payload.labels = current;
  payload.changes = {
    labels: { previous: previousLabels.map(label), current },
    updated_at: { previous: hookTime(previousUpdatedAt, 'utc'), current: hookTime(issue.updatedAt, 'utc') },
    updated_by_id: { previous: null, current: user.id },
  };
  return payload;
}

/** What changed in an issue hook: GitLab's `object_attributes.action` and the `changes` entries besides `updated_*`. */
export interface GitLabIssueChange {
  action: 'open' | 'close' | 'reopen' | 'update';
  /** The issue before the change, for the entries GitLab adds for what differs (title, assignees, due date, labels). */
  before?: Issue;
  /**
   * An incident's severity set with GitLab's own `/severity` quick action: GitLab consumes the comment and sends this
   * update instead, `changes.severity` from the previous to the current value and the issue's `severity` attribute.
   */
  severity?: { previous: string; current: string };
}

/**
 * The real Issue Hook fixture rewritten as GitLab sends a change of `issue` (already saved in the store) by `user`
 * that is no description edit: opened (`action: open`, every field's `changes` from nothing), closed, reopened
 * (`state_id` 1 ⇄ 2), or updated (`title`, `assignees` as user objects, `due_date` and `labels` entries for what
 * differs from `before`). `Confidential Issue Hook` shape when the issue is confidential.
 */
export function gitlabIssueChangePayload(
  project: Project,
  issue: Issue,
  user: GitLabHookUser,
  ids: (username: string) => number,
  change: GitLabIssueChange,
): Record<string, any> {
  const payload = gitlabEditPayload(project, issue, issue.body, user, ids);
  const before = change.before;
  const template = payload.labels[0] ?? gitlabFixture('issue-hook').labels[0];
  const titles = [...new Set([...issue.labels, ...(before?.labels ?? [])])];
  const label = (title: string) => ({ ...template, id: 500 + titles.indexOf(title), title, project_id: project.id });
  const person = (username: string) => ({ id: ids(username), username, name: username, avatar_url: null });
  const changes: Record<string, { previous: unknown; current: unknown }> = {
    updated_at: {
      previous: hookTime(before?.updatedAt ?? issue.createdAt, 'utc'),
      current: hookTime(issue.updatedAt, 'utc'),
    },
    updated_by_id: { previous: null, current: user.id },
  };
  Object.assign(payload.object_attributes, { action: change.action, last_edited_at: null, last_edited_by_id: null });
  if (change.action === 'open') {
    Object.assign(changes, {
      id: { previous: null, current: issue.id },
      iid: { previous: null, current: issue.ref.number },
      title: { previous: null, current: issue.title },
      description: { previous: null, current: issue.body },
      author_id: { previous: null, current: ids(issue.author) },
      created_at: { previous: null, current: hookTime(issue.createdAt, 'utc') },
      ...(issue.labels.length > 0 ? { labels: { previous: [], current: issue.labels.map(label) } } : {}),
    });
    delete changes.updated_by_id;
  } else if (change.action === 'close' || change.action === 'reopen') {
    changes.state_id = change.action === 'close' ? { previous: 1, current: 2 } : { previous: 2, current: 1 };
    changes.closed_at =
      change.action === 'close'
        ? { previous: null, current: hookTime(issue.updatedAt, 'utc') }
        : { previous: hookTime(before?.updatedAt ?? issue.updatedAt, 'utc'), current: null };
  } else if (before) {
    if (before.title !== issue.title) changes.title = { previous: before.title, current: issue.title };
    if (before.assignees.join() !== issue.assignees.join())
      changes.assignees = { previous: before.assignees.map(person), current: issue.assignees.map(person) };
    if ((before.dueDate ?? null) !== (issue.dueDate ?? null))
      changes.due_date = { previous: before.dueDate ?? null, current: issue.dueDate ?? null };
    if (before.labels.join() !== issue.labels.join())
      changes.labels = { previous: before.labels.map(label), current: issue.labels.map(label) };
  }
  if (change.severity) {
    changes.severity = { ...change.severity };
    Object.assign(payload.object_attributes, { severity: change.severity.current, issue_type: 'incident' });
  }
  payload.changes = changes;
  return payload;
}
