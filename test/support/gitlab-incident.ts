import { expect, onTestFinished } from 'vitest';
import { trustedState } from '../../src/core/block.js';
import type { AccessLevel, Issue, Project } from '../../src/core/model.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from './app-server.js';
import { startFakeGitLab } from './fake-gitlab.js';
import type { FaultOptions } from './faults.js';
import { fastGitLabClientOptions } from './resilient-clients.js';
import { deliverGitLab, gitlabEditPayload, gitlabIssueChangePayload, gitlabLabeledPayload, gitlabNotePayload } from './gitlab-webhook.js';

const SECRET = 'gitlab-hook-secret';
/** The moment every GitLab incident of the end-to-end tests is opened. */
export const T0 = new Date('2026-11-22T10:00:00Z');
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
export const tickIn = (body: string, stepId: string) => body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');

/** alice and bob are Developers, mallory a Reporter, `maintainer` a Maintainer. */
const DEFAULT_ACCESS: Record<string, AccessLevel> = { alice: 'write', bob: 'write', mallory: 'triage', maintainer: 'maintain' };

export interface GitLabIncidentOptions {
  /** The text of `.gitlab/incident-desk.yml` (in `team/app` and every project of `projects`); none by default. */
  config?: string;
  /** More projects the app serves, by path and visibility, with the same configuration and access as `team/app`. */
  projects?: Record<string, Project['visibility']>;
  /** Project access by username; anyone not named is no member (the members route answers 404). */
  access?: Record<string, AccessLevel>;
  /** Group members by group path. */
  teams?: Record<string, string[]>;
  /** The author of the labeled issue; alice by default. */
  author?: string;
  /** The assignees of the labeled issue; none by default. */
  assignees?: string[];
  /** Prefix of the delivery ids. */
  deliveryPrefix?: string;
  /** Runs after the report is filed and before its trigger label is delivered (to plant what people did before triage). */
  beforeTrigger?: (store: MemoryStore, source: Issue) => void;
  /**
   * Fails a share of the fake's requests; the server's GitLab client then retries with its waits shrunk, and a
   * delivery whose handling failed is sent again until it succeeds.
   */
  faults?: FaultOptions;
}

/** The log line of a webhook job that failed in the background (see `WorkQueue`). */
const JOB_FAILED = 'queued webhook work failed';

/**
 * A GitLab incident opened in place at T0 in the private `team/app` end to end: the fake GitLab on loopback, the
 * real app server with the real gitbeaker client, and the labeled intake (by alice) already delivered. The fake and
 * the server are closed when the test finishes.
 */
export async function openGitLabIncident(options: GitLabIncidentOptions = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const project = store.addProject('team/app', { visibility: 'private' });
  const paths = ['team/app'];
  for (const [path, visibility] of Object.entries(options.projects ?? {})) {
    store.addProject(path, { visibility });
    paths.push(path);
  }
  if (options.config !== undefined) for (const path of paths) store.putFile(path, '.gitlab/incident-desk.yml', options.config);
  const fake = await startFakeGitLab(store, options.faults ? { faults: options.faults } : {});
  onTestFinished(fake.close);
  const server = await startAppServer(
    { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test-token', GITLAB_WEBHOOK_SECRET: SECRET, PUBLIC_URL: 'https://desk.example' },
    {
      gitlabClientOptions: options.faults ? fastGitLabClientOptions() : { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 },
      now: () => clock.now,
    },
  );
  onTestFinished(server.close);
  for (const [username, level] of Object.entries(options.access ?? DEFAULT_ACCESS)) {
    for (const path of paths) store.setAccess(path, username, level);
    // Members are GitLab users: `GET /users?username=` finds them before they ever act.
    fake.userId(username);
  }
  for (const [group, members] of Object.entries(options.teams ?? {})) for (const member of members) store.addTeamMember(group, member);
  const user = (username: string) => ({ id: fake.userId(username), username });
  const ids = (username: string) => fake.userId(username);
  const projectOf = (ticket: Issue): Project => store.getProject(ticket.ref.project);
  /** GitLab sends events of confidential issues through the confidential triggers. */
  const hookOf = (ticket: Issue, kind: 'Issue' | 'Note') => `${ticket.confidential ? 'Confidential ' : ''}${kind} Hook`;

  let deliveries = 0;
  /** Deliveries sent again because their handling failed (only with faults). */
  const redelivered: string[] = [];
  const deliveryPrefix = options.deliveryPrefix ?? 'run';
  const deliver = async (event: string, payload: object) => {
    deliveries += 1;
    const id = `${deliveryPrefix}-${deliveries}`;
    for (let attempt = 1; ; attempt += 1) {
      const logged = server.log.lines.length;
      const res = await deliverGitLab(server.url, SECRET, payload, id, event);
      const body = (await res.json()) as { outcome?: string; error?: string };
      await server.app.idle();
      // GitLab is never answered a 5xx (it would disable the hook); a failure says so in the body and the log.
      expect(res.status).toBeLessThan(500);
      const failed = body.error !== undefined || server.log.lines.slice(logged).some((line) => line.msg === JOB_FAILED);
      if (!options.faults || !failed) {
        expect(res.status).toBe(200);
        return body;
      }
      // As "Resend request" in the hook's event log does: the same delivery, the same Idempotency-Key.
      redelivered.push(id);
      if (attempt >= 10) throw new Error(`delivery ${id} still failing after ${attempt} attempts`);
    }
  };

  const source = store.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'], author: options.author ?? 'alice', assignees: options.assignees ?? [] });
  options.beforeTrigger?.(store, source);
  expect(await deliver('Issue Hook', gitlabLabeledPayload(project, source, 'incident', user('alice')))).toEqual({ outcome: 'done' });
  const ref = source.ref;
  const master = (): Issue => store.issue(ref);
  expect(trustedState(master())?.role).toBe('master');
  expect(master().confidential).toBe(true);

  const timeline = (): string => {
    const timelineIds = trustedState(master())?.run?.timeline ?? [];
    return timelineIds.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '').join('\n');
  };
  /** The app's comments with `<!-- incident-desk:<marker> -->` on a ticket, the master by default. */
  const comments = (marker: string, ticket: Issue = master()) =>
    store.listComments(ticket.ref).filter((c) => c.body.includes(`<!-- incident-desk:${marker} -->`));
  /** A person saves an edited description; GitLab then delivers a `Confidential Issue Hook` with the body before. */
  const edit = async (change: (body: string) => string, actor: string, ticket: Issue = master()) => {
    const before = store.issue(ticket.ref);
    store.editIssue(ticket.ref, { body: change(before.body) }, actor);
    const after = store.issue(ticket.ref);
    return deliver(hookOf(after, 'Issue'), gitlabEditPayload(projectOf(after), after, before.body, user(actor), ids));
  };
  const tick = (stepId: string, actor: string, ticket?: Issue) => edit((body) => tickIn(body, stepId), actor, ticket);
  /** A person comments on a ticket, the master by default; GitLab then delivers a `Confidential Note Hook`. */
  const say = async (body: string, actor: string, ticket: Issue = master()) => {
    const note = store.createComment(ticket.ref, body, actor);
    const issue = store.issue(ticket.ref);
    return deliver(hookOf(issue, 'Note'), gitlabNotePayload(projectOf(issue), issue, note, user(actor), ids));
  };
  /** A person opens an issue in a project; GitLab then delivers its `open` hook. Answers the issue and the outcome. */
  const open = async (path: string, input: Parameters<MemoryStore['seedIssue']>[1], actor = 'alice') => {
    const issue = store.seedIssue(path, { author: actor, ...input });
    const answer = await deliver(hookOf(issue, 'Issue'), gitlabIssueChangePayload(projectOf(issue), issue, user(actor), ids, { action: 'open' }));
    return { issue, outcome: answer.outcome };
  };
  /**
   * A person changes an issue other than by editing its description (closes, reopens, retitles, assigns, labels it or
   * moves its due date); GitLab then delivers the hook with the changes. Answers the outcome.
   */
  const change = async (ticket: Issue, patch: IssuePatch & { dueDate?: string | null }, actor = 'alice') => {
    const before = store.issue(ticket.ref);
    const after = store.editIssue(ticket.ref, patch, actor);
    const action = patch.state === undefined || patch.state === before.state ? 'update' : patch.state === 'closed' ? 'close' : 'reopen';
    const answer = await deliver(hookOf(after, 'Issue'), gitlabIssueChangePayload(projectOf(after), after, user(actor), ids, { action, before }));
    return answer.outcome;
  };
  const sweep = (at: Date) => server.app.sweep(at);
  const writes = () => fake.requests.filter((r) => r.method !== 'GET').length;
  return { store, fake, server, clock, project, ref, master, timeline, comments, edit, tick, say, open, change, sweep, deliver, user, ids, writes, redelivered };
}
