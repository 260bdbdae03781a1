import { expect, onTestFinished } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { AccessLevel, Issue, Project } from '../../src/kernel/model.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { closedOnce, startAppServer } from './app-server.js';
import { incidentView, seedIncident, T0, tickIn } from './incident-setup.js';
import type { IncidentSetup } from './incident-setup.js';
import { startFakeGitLab } from './fake-gitlab.js';
import type { FaultOptions } from './faults.js';
import { fastGitLabClientOptions } from './resilient-clients.js';
import {
  deliverGitLab,
  gitlabEditPayload,
  gitlabIssueChangePayload,
  gitlabLabeledPayload,
  gitlabLabelsPayload,
  gitlabNotePayload,
} from './gitlab-webhook.js';
import { stateKeys } from '../../src/server/state-seal.js';

const SECRET = 'gitlab-hook-secret';
const TOKEN = 'glpat-test-token';
/** The keys the world's server signs hidden state with: derived from its token (no `STATE_SECRET`). */
export const GITLAB_STATE_KEYS = stateKeys([TOKEN]);
export { minutes, T0, tickIn } from './incident-setup.js';

/** alice and bob are Developers, mallory a Reporter, `maintainer` a Maintainer. */
const DEFAULT_ACCESS: Record<string, AccessLevel> = {
  alice: 'write',
  bob: 'write',
  mallory: 'triage',
  maintainer: 'maintain',
};

export interface GitLabIncidentOptions extends IncidentSetup {
  /** Prefix of the delivery ids. */
  deliveryPrefix?: string;
  /**
   * Fails a share of the fake's requests; the server's GitLab client then retries with its waits shrunk, and a
   * delivery whose handling failed is sent again until it succeeds.
   */
  faults?: FaultOptions;
  /** The project the incident is opened in; `team/app` by default. */
  path?: string;
  /**
   * Cuts the intake off: GitLab goes down from the first request this matches until the trigger was answered (202
   * saying the handling failed: the route never answers a 5xx). The server's client then retries, waits shrunk.
   */
  outage?: (request: { method: string; path: string }) => boolean;
}

/** The log line of a webhook job that failed in the background (see `WorkQueue`). */
const JOB_FAILED = 'queued webhook work failed';

/**
 * A GitLab incident opened in place at T0 in the private `team/app` end to end: the fake GitLab on loopback, the
 * real app server with the real gitbeaker client, and the labeled intake (by alice) already delivered. Anyone
 * `access` does not name is no member (the members route answers 404); `teams` are group paths. The fake and the
 * server are closed when the test finishes.
 */
export async function openGitLabIncident(options: GitLabIncidentOptions = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const { project, source, people } = seedIncident(
    store,
    options.path ?? 'team/app',
    options,
    '.gitlab/incident-desk.yml',
    DEFAULT_ACCESS,
  );
  const fake = await startFakeGitLab(store, options.faults ? { faults: options.faults } : {});
  onTestFinished(fake.close);
  const resilient = options.faults !== undefined || options.outage !== undefined;
  const startServer = async () =>
    closedOnce(
      await startAppServer(
        {
          GITLAB_URL: fake.url,
          GITLAB_TOKEN: TOKEN,
          GITLAB_WEBHOOK_SECRET: SECRET,
          PUBLIC_URL: 'https://desk.example',
        },
        {
          gitlabClientOptions: resilient
            ? fastGitLabClientOptions()
            : { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 },
          now: () => clock.now,
        },
      ),
    );
  let server = await startServer();
  // Members are GitLab users: `GET /users?username=` finds them before they ever act.
  for (const username of people) fake.userId(username);
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
        // A push is not an issue event: answered 202, as every event the app does not handle as one.
        expect(res.status).toBe(event === 'Push Hook' ? 202 : 200);
        return body;
      }
      // As "Resend request" in the hook's event log does: the same delivery, the same Idempotency-Key.
      redelivered.push(id);
      if (attempt >= 10) throw new Error(`delivery ${id} still failing after ${attempt} attempts`);
    }
  };

  options.beforeTrigger?.(store, source);
  if (options.outage) {
    fake.faults.outageWhen(options.outage);
    const res = await deliverGitLab(
      server.url,
      SECRET,
      gitlabLabeledPayload(project, source, 'incident', user('alice')),
      `${deliveryPrefix}-trigger`,
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, error: 'handling failed' });
    await server.app.idle();
    fake.faults.recover();
  } else {
    expect(await deliver('Issue Hook', gitlabLabeledPayload(project, source, 'incident', user('alice')))).toEqual({
      outcome: 'done',
    });
  }
  const ref = source.ref;
  const { master, timeline, comments } = incidentView(store, ref);
  expect(trustedState(master())?.role).toBe('master');
  expect(master().confidential).toBe(true);

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
    const answer = await deliver(
      hookOf(issue, 'Issue'),
      gitlabIssueChangePayload(projectOf(issue), issue, user(actor), ids, { action: 'open' }),
    );
    return { issue, outcome: answer.outcome };
  };
  /**
   * A person changes an issue other than by editing its description (closes, reopens, retitles, assigns, labels it or
   * moves its due date); GitLab then delivers the hook with the changes. Answers the outcome.
   */
  const change = async (ticket: Issue, patch: IssuePatch & { dueDate?: string | null }, actor = 'alice') => {
    const before = store.issue(ticket.ref);
    const after = store.editIssue(ticket.ref, patch, actor);
    const action =
      patch.state === undefined || patch.state === before.state
        ? 'update'
        : patch.state === 'closed'
          ? 'close'
          : 'reopen';
    const answer = await deliver(
      hookOf(after, 'Issue'),
      gitlabIssueChangePayload(projectOf(after), after, user(actor), ids, { action, before }),
    );
    return answer.outcome;
  };
  /**
   * `actor` gives GitLab's own `/severity <level>` on the master (an issue of type Incident): GitLab records the change
   * as theirs (a system note) and, instead of the comment, delivers the issue hook with `changes.severity`, naming
   * `claimed` as its user (the actor unless a forged delivery names someone else).
   */
  const setTrackerSeverity = async (level: string, actor: string, claimed = actor) => {
    store.setTrackerSeverity(ref, level, actor);
    const issue = store.issue(ref);
    const answer = await deliver(
      hookOf(issue, 'Issue'),
      gitlabIssueChangePayload(projectOf(issue), issue, user(claimed), ids, {
        action: 'update',
        before: issue,
        severity: { previous: 'unknown', current: level },
      }),
    );
    return answer.outcome;
  };
  /** GitLab delivers an edit describing `after`, edited from `previousBody` by `actor` (a late or racing delivery). */
  const deliverEdit = (after: Issue, previousBody: string, actor: string) =>
    deliver(hookOf(after, 'Issue'), gitlabEditPayload(projectOf(after), after, previousBody, user(actor), ids));
  /**
   * GitLab delivers a hook describing `snapshot` as it was (a late or repeated delivery); `before` names what changed.
   */
  const replay = (snapshot: Issue, action: 'open' | 'close' | 'reopen' | 'update', actor = 'alice', before?: Issue) =>
    deliver(
      hookOf(snapshot, 'Issue'),
      gitlabIssueChangePayload(projectOf(snapshot), snapshot, user(actor), ids, {
        action,
        ...(before ? { before } : {}),
      }),
    );
  /**
   * A person changes a ticket's labels in the sidebar; GitLab records who (its resource label events) and delivers one
   * hook with `changes.labels`.
   */
  const relabel = async (ticket: Issue, change: (labels: string[]) => string[], actor: string) => {
    const before = store.issue(ticket.ref);
    store.editIssue(ticket.ref, { labels: change(before.labels) }, actor);
    const after = store.issue(ticket.ref);
    return deliver(
      hookOf(after, 'Issue'),
      gitlabLabelsPayload(projectOf(after), after, before.labels, user(actor), ids, before.updatedAt),
    );
  };
  /** The trigger sent again (a re-added label, another delivery). */
  const resendTrigger = () =>
    deliver(hookOf(master(), 'Issue'), gitlabLabeledPayload(project, master(), 'incident', user('alice')));
  /** The app restarts: a new server process (fresh memory) against the same GitLab. */
  const restart = async () => {
    await server.close();
    server = await startServer();
  };
  const sweep = (at: Date) => server.app.sweep(at);
  const writes = () => fake.requests.filter((r) => r.method !== 'GET').length;
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
    relabel,
    resendTrigger,
    setTrackerSeverity,
    restart,
    user,
    ids,
    writes,
    redelivered,
  };
  return {
    ...world,
    get server() {
      return server;
    },
  };
}
