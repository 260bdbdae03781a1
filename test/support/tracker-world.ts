import { onTestFinished } from 'vitest';
import type { AccessLevel, Comment, Issue, Project, TrackerKind } from '../../src/kernel/model.js';
import type { ServerEnv } from '../../src/server/env.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { CONFIG_PATHS } from '../../src/tracker/port.js';
import { startAppServer } from './app-server.js';
import { startFakeGitHub } from './fake-github.js';
import { startFakeGitLab } from './fake-gitlab.js';
import {
  deliverGitHub,
  githubCommentPayload,
  githubIssueChangePayload,
  githubLabelPayload,
  testPrivateKey,
} from './github-webhook.js';
import { deliverGitLab, gitlabIssueChangePayload, gitlabLabelsPayload, gitlabNotePayload } from './gitlab-webhook.js';

/** The secrets the worlds' servers are configured with. */
export const WORLD_SECRETS = { github: 'world-github-secret', gitlab: 'world-gitlab-secret' } as const;

export interface WorldOptions {
  /** The projects (GitLab) or repositories (GitHub, one owner: one installation) and their configuration files. */
  projects: Record<string, { visibility: Project['visibility']; config?: string }>;
  /** Access by username, in every project. */
  access?: Record<string, AccessLevel>;
  /** More environment for the server (GitLab's per-project secrets, say). */
  env?: Partial<ServerEnv>;
}

/** What a delivery was answered: the HTTP status and the JSON body (when there is one). */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One tracker end to end, for scenarios written once and run on both trackers: a fake GitHub or GitLab on loopback
 * over a `MemoryStore`, the real app server, and the deliveries a person's actions make (real payloads, signed or
 * with the hook's token). Unlike the incident harnesses, nothing is opened first. Closed when the test finishes.
 */
export async function startWorld(kind: TrackerKind, options: WorldOptions) {
  const store = new MemoryStore({ kind });
  for (const [path, project] of Object.entries(options.projects)) {
    store.addProject(path, { visibility: project.visibility });
    if (project.config !== undefined) store.putFile(path, CONFIG_PATHS[kind], project.config);
  }
  const paths = Object.keys(options.projects);
  const owner = paths[0]!.split('/')[0]!;
  const gitlab = kind === 'gitlab' ? await startFakeGitLab(store) : null;
  const github = kind === 'github' ? await startFakeGitHub(store, { installationAccount: owner }) : null;
  onTestFinished(() => (gitlab ?? github)!.close());
  const env: ServerEnv =
    kind === 'gitlab'
      ? {
          GITLAB_URL: gitlab!.url,
          GITLAB_TOKEN: 'glpat-world-token',
          GITLAB_WEBHOOK_SECRET: WORLD_SECRETS.gitlab,
          ...options.env,
        }
      : {
          APP_ID: '1',
          PRIVATE_KEY: testPrivateKey(),
          WEBHOOK_SECRET: WORLD_SECRETS.github,
          GHE_HOST: new URL(github!.url).host,
          GHE_PROTOCOL: 'http',
          ...options.env,
        };
  const server = await startAppServer(
    env,
    kind === 'gitlab' ? { gitlabClientOptions: { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 } } : {},
  );
  onTestFinished(server.close);
  for (const [username, level] of Object.entries(options.access ?? {})) {
    for (const path of paths) store.setAccess(path, username, level);
    gitlab?.userId(username);
  }
  const projectOf = (issue: Issue): Project => store.getProject(issue.ref.project);
  const user = (username: string) => ({ id: gitlab!.userId(username), username });
  const ids = (username: string) => gitlab!.userId(username);

  let deliveries = 0;
  /** Sends one delivery as the tracker would (GitHub: signed; GitLab: with the hook's token) and waits for its work. */
  const deliver = async (
    event: string,
    payload: unknown,
    headers: { token?: string; secret?: string } = {},
  ): Promise<Answer> => {
    deliveries += 1;
    const id = `world-${deliveries}`;
    const res =
      kind === 'gitlab'
        ? await deliverGitLab(server.url, headers.token ?? WORLD_SECRETS.gitlab, payload as object, id, event)
        : await deliverGitHub(server.url, headers.secret ?? WORLD_SECRETS.github, event, payload as object, id);
    const text = await res.text();
    await server.app.idle();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Probot answers plain text.
    }
    return { status: res.status, body };
  };
  const issueHook = (issue: Issue) => `${issue.confidential ? 'Confidential ' : ''}Issue Hook`;
  const noteHook = (issue: Issue) => `${issue.confidential ? 'Confidential ' : ''}Note Hook`;

  /** `actor` opens an issue; the tracker delivers its `opened` event. */
  const open = async (path: string, input: Parameters<MemoryStore['seedIssue']>[1], actor = 'alice') => {
    const issue = store.seedIssue(path, { author: actor, ...input });
    const answer =
      kind === 'gitlab'
        ? await deliver(
            issueHook(issue),
            gitlabIssueChangePayload(projectOf(issue), issue, user(actor), ids, { action: 'open' }),
          )
        : await deliver('issues', githubIssueChangePayload('opened', projectOf(issue), issue, actor));
    return { issue, answer };
  };
  /** `actor` adds a label; the tracker delivers the change. */
  const label = async (issue: Issue, name: string, actor = 'alice'): Promise<Answer> => {
    const before = store.issue(issue.ref);
    const after = store.editIssue(issue.ref, { labels: [...before.labels, name] }, actor);
    return kind === 'gitlab'
      ? deliver(
          issueHook(after),
          gitlabLabelsPayload(projectOf(after), after, before.labels, user(actor), ids, before.updatedAt),
        )
      : deliver('issues', githubLabelPayload('labeled', projectOf(after), after, name, actor));
  };
  /** `actor` comments; the tracker delivers the comment. */
  const comment = async (issue: Issue, body: string, actor = 'alice'): Promise<{ note: Comment; answer: Answer }> => {
    const note = store.createComment(issue.ref, body, actor);
    const fresh = store.issue(issue.ref);
    const answer =
      kind === 'gitlab'
        ? await deliver(noteHook(fresh), gitlabNotePayload(projectOf(fresh), fresh, note, user(actor), ids))
        : await deliver('issue_comment', githubCommentPayload(projectOf(fresh), fresh, note));
    return { note, answer };
  };
  return { kind, store, server, gitlab, github, deliver, open, label, comment, projectOf, user, ids };
}

export type World = Awaited<ReturnType<typeof startWorld>>;
