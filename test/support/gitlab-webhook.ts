import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Issue, Project } from '../../src/core/model.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/gitlab/', import.meta.url));

/** A real GitLab payload from `../shared/fixtures/gitlab/`, parsed fresh. */
export function gitlabFixture(name: 'issue-hook' | 'note-hook-issue' | 'emoji-hook-issue-note'): Record<string, any> {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Record<string, any>;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

/**
 * The real Issue Hook fixture rewritten to describe an issue of the store that just got a label, as
 * GitLab sends it (`Confidential Issue Hook` shape when the issue is confidential).
 */
export function gitlabLabeledPayload(project: Project, issue: Issue, added = 'incident', user = { id: 7, username: 'security-lead' }): Record<string, any> {
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
export async function deliverGitLab(baseUrl: string, token: string | undefined, payload: object | string, idempotencyKey: string, event = 'Issue Hook'): Promise<Response> {
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
