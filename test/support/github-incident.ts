import { expect, onTestFinished } from 'vitest';
import { trustedState } from '../../src/core/block.js';
import type { AccessLevel, Issue, Project } from '../../src/core/model.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { startAppServer } from './app-server.js';
import { startFakeGitHub } from './fake-github.js';
import type { FaultOptions } from './faults.js';
import { fastResilientOctokit } from './resilient-clients.js';
import {
  deliverGitHub,
  githubCommentPayload,
  githubEditPayload,
  githubIssueChangePayload,
  githubIssuePayload,
  githubLabelPayload,
  testPrivateKey,
} from './github-webhook.js';

const SECRET = 'webhook-secret';
const KEY = testPrivateKey();
/** The moment every GitHub incident of the end-to-end tests is opened. */
export const T0 = new Date('2026-11-22T10:00:00Z');
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
export const tickIn = (body: string, stepId: string) => body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');

/** alice (the reporter) and bob have write, mallory read, `maintainer` maintain. */
const DEFAULT_ACCESS: Record<string, AccessLevel> = { alice: 'write', bob: 'write', mallory: 'read', maintainer: 'maintain' };

export interface GitHubIncidentOptions {
  /** The text of `.github/incident-desk.yml` (in `acme/security` and every repository of `projects`); none by default. */
  config?: string;
  /**
   * More repositories the app's installation serves, by path and visibility, with the same configuration and access
   * as `acme/security`. The one installation is on `acme`, and Probot authenticates every delivery with it.
   */
  projects?: Record<string, Project['visibility']>;
  /** Repository access by username; anyone not named is no collaborator (the permission route answers 404). */
  access?: Record<string, AccessLevel>;
  /** Team members by team (`org/team`). */
  teams?: Record<string, string[]>;
  /** Prefix of the delivery ids. */
  deliveryPrefix?: string;
  /** Runs after the report is filed and before its trigger label is delivered (to plant what people did before triage). */
  beforeTrigger?: (store: MemoryStore, source: Issue) => void;
  /**
   * Fails a share of the fake's requests; the server then runs the production Octokit (retries, throttling,
   * timeouts, waits shrunk), and a delivery whose handling failed is redelivered until it succeeds.
   */
  faults?: FaultOptions;
}

/** The log line of a webhook job that failed in the background (see `WorkQueue`). */
const JOB_FAILED = 'queued webhook work failed';

/**
 * A GitHub incident opened in place at T0 in the private `acme/security`, reported by alice, end to end: the fake
 * GitHub on loopback (one installation, on `acme`), the real app server, and the labeled intake already delivered.
 * The fake and the server are closed when the test finishes.
 */
export async function openGitHubIncident(options: GitHubIncidentOptions = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'github', now: () => clock.now });
  const project = store.addProject('acme/security', { visibility: 'private' });
  const paths = ['acme/security'];
  for (const [path, visibility] of Object.entries(options.projects ?? {})) {
    store.addProject(path, { visibility });
    paths.push(path);
  }
  if (options.config !== undefined) for (const path of paths) store.putFile(path, '.github/incident-desk.yml', options.config);
  // The sweep searches `user:<installation account>`: the one installation belongs to the repository's owner.
  const fake = await startFakeGitHub(store, { installationAccount: 'acme', ...(options.faults ? { faults: options.faults } : {}) });
  onTestFinished(fake.close);
  const server = await startAppServer(
    { APP_ID: '1', PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, GHE_HOST: new URL(fake.url).host, GHE_PROTOCOL: 'http', PUBLIC_URL: 'https://desk.example' },
    { now: () => clock.now, ...(options.faults ? { githubOctokit: fastResilientOctokit() } : {}) },
  );
  onTestFinished(server.close);
  for (const [username, level] of Object.entries(options.access ?? DEFAULT_ACCESS)) for (const path of paths) store.setAccess(path, username, level);
  for (const [team, members] of Object.entries(options.teams ?? {})) for (const member of members) store.addTeamMember(team, member);

  let deliveries = 0;
  /** Deliveries sent again because their handling failed (only with faults). */
  const redelivered: string[] = [];
  const deliveryPrefix = options.deliveryPrefix ?? 'run';
  const deliver = async (event: 'issues' | 'issue_comment', payload: object) => {
    deliveries += 1;
    const id = `${deliveryPrefix}-${deliveries}`;
    for (let attempt = 1; ; attempt += 1) {
      const logged = server.log.lines.length;
      const res = await deliverGitHub(server.url, SECRET, event, payload, id);
      await server.app.idle();
      const failed = res.status >= 500 || server.log.lines.slice(logged).some((line) => line.msg === JOB_FAILED);
      if (!options.faults || !failed) {
        expect(res.status).toBe(200);
        return res;
      }
      // As GitHub's "Redeliver" does: the same delivery, the same id.
      redelivered.push(id);
      if (attempt >= 10) throw new Error(`delivery ${id} still failing after ${attempt} attempts`);
    }
  };

  const source = store.seedIssue('acme/security', { title: 'Heap overflow', body: 'details', labels: ['incident'], author: 'alice' });
  options.beforeTrigger?.(store, source);
  await deliver('issues', githubIssuePayload('labeled', project, source));
  const ref = source.ref;
  const master = (): Issue => store.issue(ref);
  expect(trustedState(master())?.role).toBe('master');

  const projectOf = (ticket: Issue): Project => store.getProject(ticket.ref.project);
  const timeline = (): string => {
    const ids = trustedState(master())?.run?.timeline ?? [];
    return ids.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '').join('\n');
  };
  /** The app's comments with `<!-- incident-desk:<marker> -->` on a ticket, the master by default. */
  const comments = (marker: string, ticket: Issue = master()) =>
    store.listComments(ticket.ref).filter((c) => c.body.includes(`<!-- incident-desk:${marker} -->`));
  /** A person saves an edited description on GitHub; GitHub then delivers `issues.edited` with the body before. */
  const edit = async (change: (body: string) => string, actor: string, ticket: Issue = master()) => {
    const before = store.issue(ticket.ref);
    store.editIssue(ticket.ref, { body: change(before.body) }, actor);
    return deliver('issues', githubEditPayload(projectOf(ticket), store.issue(ticket.ref), before.body, actor));
  };
  const tick = (stepId: string, actor: string, ticket?: Issue) => edit((body) => tickIn(body, stepId), actor, ticket);
  /** A person comments on a ticket, the master by default; GitHub then delivers `issue_comment.created`. */
  const say = async (body: string, actor: string, ticket: Issue = master()) => {
    const comment = store.createComment(ticket.ref, body, actor);
    return deliver('issue_comment', githubCommentPayload(projectOf(ticket), store.issue(ticket.ref), comment));
  };
  /** A person opens an issue in a repository; GitHub then delivers `issues.opened`. */
  const open = async (path: string, input: Parameters<MemoryStore['seedIssue']>[1], actor = 'alice') => {
    const issue = store.seedIssue(path, { author: actor, ...input });
    await deliver('issues', githubIssueChangePayload('opened', projectOf(issue), issue, actor));
    return issue;
  };
  /**
   * A person changes an issue: closes or reopens it, retitles it, edits its description, assigns someone or adds
   * labels. GitHub then delivers one event per change (`closed`/`reopened`, `edited` with `changes`, one `assigned` per
   * new assignee, one `labeled` per new label), in that order.
   */
  const change = async (ticket: Issue, patch: IssuePatch, actor = 'alice') => {
    const before = store.issue(ticket.ref);
    const after = store.editIssue(ticket.ref, patch, actor);
    const repo = projectOf(after);
    if (after.state !== before.state) await deliver('issues', githubIssueChangePayload(after.state === 'closed' ? 'closed' : 'reopened', repo, after, actor));
    if (after.title !== before.title || after.body !== before.body) {
      const edited = {
        ...(after.title !== before.title ? { previousTitle: before.title } : {}),
        ...(after.body !== before.body ? { previousBody: before.body } : {}),
      };
      await deliver('issues', githubIssueChangePayload('edited', repo, after, actor, edited));
    }
    for (const assignee of after.assignees.filter((a) => !before.assignees.includes(a))) {
      await deliver('issues', githubIssueChangePayload('assigned', repo, after, actor, { assignee }));
    }
    for (const label of after.labels.filter((l) => !before.labels.includes(l))) await deliver('issues', githubLabelPayload('labeled', repo, after, label, actor));
  };
  const sweep = (at: Date) => server.app.sweep(at);
  return { store, fake, server, clock, project, ref, master, timeline, comments, edit, tick, say, open, change, sweep, deliver, redelivered };
}
