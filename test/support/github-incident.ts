import { expect, onTestFinished } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { AccessLevel, Issue, Project } from '../../src/kernel/model.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { closedOnce, startAppServer } from './app-server.js';
import { incidentView, seedIncident, T0, tickIn } from './incident-setup.js';
import type { IncidentSetup } from './incident-setup.js';
import { startFakeGitHub } from './fake-github.js';
import type { FaultOptions } from './faults.js';
import { fastResilientOctokit } from './resilient-clients.js';
import type { Advisory } from '../../src/kernel/advisory.js';
import {
  deliverGitHub,
  githubAdvisoryPayload,
  githubCommentPayload,
  githubEditPayload,
  githubIssueChangePayload,
  githubIssuePayload,
  githubLabelCreatedPayload,
  githubLabelPayload,
  testPrivateKey,
} from './github-webhook.js';
import { stateKeys } from '../../src/server/state-seal.js';

const SECRET = 'webhook-secret';
const KEY = testPrivateKey();
/** The keys the world's server signs hidden state with: derived from its private key (no `STATE_SECRET`). */
export const GITHUB_STATE_KEYS = stateKeys([KEY]);
export { minutes, T0, tickIn } from './incident-setup.js';

/**
 * alice (the reporter) and bob have write, mallory read, `maintainer` maintain; `security-lead`, who labels the report,
 * has write: the First Responder, and so the initial Incident Manager.
 */
const DEFAULT_ACCESS: Record<string, AccessLevel> = {
  'security-lead': 'write',
  alice: 'write',
  bob: 'write',
  mallory: 'read',
  maintainer: 'maintain',
};

export interface GitHubIncidentOptions extends IncidentSetup {
  /** Prefix of the delivery ids. */
  deliveryPrefix?: string;
  /**
   * Fails a share of the fake's requests; the server then runs the production Octokit (retries, throttling,
   * timeouts, waits shrunk), and a delivery whose handling failed is redelivered until it succeeds.
   */
  faults?: FaultOptions;
  /**
   * Cuts the intake off: GitHub goes down from the first request this matches until the trigger was answered (500,
   * which GitHub shows and lets someone redeliver). The server then runs the production Octokit, waits shrunk.
   */
  outage?: (request: { method: string; path: string }) => boolean;
  /** The fake plays an older GitHub Enterprise Server, without GraphQL's `parentIssueId`. */
  withoutParentIssueId?: boolean;
}

/** The log line of a webhook job that failed in the background (see `WorkQueue`). */
const JOB_FAILED = 'queued webhook work failed';

/**
 * A GitHub incident opened in place at T0 in the private `acme/security`, reported by alice, end to end: the fake
 * GitHub on loopback (one installation, on `acme`, which Probot authenticates every delivery with; every repository
 * of `projects` is served by it), the real app server, and the labeled intake already delivered. Anyone `access` does
 * not name is no collaborator (the permission route answers 404). The fake and the server are closed when the test
 * finishes.
 */
export async function openGitHubIncident(options: GitHubIncidentOptions = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'github', now: () => clock.now });
  const { project, source } = seedIncident(
    store,
    'acme/security',
    options,
    '.github/incident-desk.yml',
    DEFAULT_ACCESS,
  );
  // The sweep searches `user:<installation account>`: the one installation belongs to the repository's owner.
  const fake = await startFakeGitHub(store, {
    installationAccount: 'acme',
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.withoutParentIssueId ? { parentIssueId: false } : {}),
  });
  onTestFinished(fake.close);
  const resilient = options.faults !== undefined || options.outage !== undefined;
  const startServer = async () => {
    const started = await startAppServer(
      {
        APP_ID: '1',
        PRIVATE_KEY: KEY,
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: new URL(fake.url).host,
        GHE_PROTOCOL: 'http',
        PUBLIC_URL: 'https://desk.example',
      },
      { now: () => clock.now, ...(resilient ? { githubOctokit: fastResilientOctokit() } : {}) },
    );
    return closedOnce(started);
  };
  let server = await startServer();

  let deliveries = 0;
  /** Deliveries sent again because their handling failed (only with faults). */
  const redelivered: string[] = [];
  const deliveryPrefix = options.deliveryPrefix ?? 'run';
  const deliver = async (
    event: 'issues' | 'issue_comment' | 'repository_advisory' | 'push' | 'label',
    payload: object,
    again?: string,
  ) => {
    deliveries += 1;
    const id = again ?? `${deliveryPrefix}-${deliveries}`;
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

  options.beforeTrigger?.(store, source);
  if (options.outage) {
    fake.faults.outageWhen(options.outage);
    const res = await deliverGitHub(
      server.url,
      SECRET,
      'issues',
      githubIssuePayload('labeled', project, source),
      `${deliveryPrefix}-trigger`,
    );
    expect(res.status).toBe(500);
    await server.app.idle();
    fake.faults.recover();
  } else {
    await deliver('issues', githubIssuePayload('labeled', project, source));
  }
  const ref = source.ref;
  const { master, timeline, comments } = incidentView(store, ref);
  expect(trustedState(master())?.role).toBe('master');

  const projectOf = (ticket: Issue): Project => store.getProject(ticket.ref.project);
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
    if (after.state !== before.state)
      await deliver(
        'issues',
        githubIssueChangePayload(after.state === 'closed' ? 'closed' : 'reopened', repo, after, actor),
      );
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
    for (const label of after.labels.filter((l) => !before.labels.includes(l)))
      await deliver('issues', githubLabelPayload('labeled', repo, after, label, actor));
  };
  /**
   * GitHub delivers `issues.edited` describing `after`, edited from `previousBody` by `actor` (a late or racing
   * delivery).
   */
  const deliverEdit = (after: Issue, previousBody: string, actor: string) =>
    deliver('issues', githubEditPayload(projectOf(after), after, previousBody, actor));
  /** GitHub delivers an event describing `snapshot` as it was (a late or repeated delivery). */
  const replay = (
    snapshot: Issue,
    action: 'opened' | 'closed' | 'reopened' | 'edited',
    actor = 'alice',
    previousTitle?: string,
  ) =>
    deliver(
      'issues',
      githubIssueChangePayload(
        action,
        projectOf(snapshot),
        snapshot,
        actor,
        previousTitle === undefined ? {} : { previousTitle },
      ),
    );
  /**
   * A person adds or removes one label by hand; GitHub records who (its issue events) and delivers `issues.labeled` or
   * `issues.unlabeled`.
   */
  const label = async (ticket: Issue, action: 'labeled' | 'unlabeled', name: string, actor: string) => {
    const before = store.issue(ticket.ref);
    store.editIssue(
      ticket.ref,
      { labels: action === 'labeled' ? [...before.labels, name] : before.labels.filter((l) => l !== name) },
      actor,
    );
    return deliver('issues', githubLabelPayload(action, projectOf(before), store.issue(ticket.ref), name, actor));
  };
  /**
   * GitHub delivers `repository_advisory.<action>` describing `advisory` as it is given (now, or as it was: a late or
   * repeated delivery), sent by `sender`; `deliveryId` repeats an earlier delivery's id (GitHub's redelivery).
   */
  const advise = (action: 'reported' | 'published', advisory: Advisory, sender: string, deliveryId?: string) =>
    deliver(
      'repository_advisory',
      githubAdvisoryPayload(action, store.getProject(advisory.repository), advisory, sender),
      deliveryId,
    );
  /** `actor` creates the label `name` in `path`, and GitHub delivers `label.created`; `deliveryId` repeats one. */
  const createLabel = (path: string, name: string, actor: string, deliveryId?: string) => {
    store.createLabel(path, name);
    return deliver('label', githubLabelCreatedPayload(store.getProject(path), name, actor), deliveryId);
  };
  /** The trigger sent again (a re-added label, another delivery). */
  const resendTrigger = () => deliver('issues', githubIssuePayload('labeled', project, master()));
  /** The app restarts: a new server process (fresh memory) against the same GitHub. */
  const restart = async () => {
    await server.close();
    server = await startServer();
  };
  const sweep = (at: Date) => server.app.sweep(at);
  // `server` changes with a restart.
  const world = {
    store,
    fake,
    clock,
    project,
    ref,
    master,
    timeline,
    comments,
    edit,
    tick,
    say,
    open,
    change,
    sweep,
    deliver,
    deliverEdit,
    replay,
    advise,
    label,
    createLabel,
    resendTrigger,
    restart,
    redelivered,
  };
  return {
    ...world,
    get server() {
      return server;
    },
  };
}
