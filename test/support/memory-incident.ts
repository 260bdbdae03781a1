import { expect } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { IssueEvent, TrackerEvent } from '../../src/kernel/events.js';
import type { AccessLevel, Issue, Project, TrackerKind } from '../../src/kernel/model.js';
import type { Advisory } from '../../src/kernel/advisory.js';
import { handleAdvisoryDelivery } from '../../src/server/handle-advisory-event.js';
import { handleLabelDelivery } from '../../src/server/handle-label-event.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { sweepOnSchedule, sweepTracker } from '../../src/sweep/handle.js';
import type { ReviewsSeen } from '../../src/sweep/handle.js';
import { MemorySweepSchedule } from '../../src/server/coordination/sweep-schedule.js';
import { ConfigFiles } from '../../src/server/config-files.js';
import { TrackerError } from '../../src/tracker/errors.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { CONFIG_PATHS } from '../../src/tracker/port.js';
import type { IssuePatch } from '../../src/tracker/port.js';
import { eventContext } from './app-context.js';
import { issueEvent } from './events.js';
import { incidentView, seedIncident, T0, tickIn } from './incident-setup.js';
import type { IncidentSetup } from './incident-setup.js';
import { recordingTracker } from './recording-tracker.js';
import { pushPayload } from './push.js';
import type { PushOptions } from './push.js';
import { handleConfigPush } from '../../src/config/handle-push.js';
import { WriteGuard } from '../../src/server/write-guard.js';
import { normalizeGitHubPush } from '../../src/tracker/github/normalize.js';
import { normalizeGitLabPush } from '../../src/tracker/gitlab/normalize.js';
import type { RecordedCall } from './recording-tracker.js';

/** The account the in-memory tracker writes as, and whose own events the app ignores. */
export const MEMORY_BOT = 'incident-desk[bot]';

/** alice and bob may write, mallory only read (GitLab: a Reporter), `maintainer` maintains. */
const DEFAULT_ACCESS: Record<TrackerKind, Record<string, AccessLevel>> = {
  gitlab: { alice: 'write', bob: 'write', mallory: 'triage', maintainer: 'maintain' },
  github: { alice: 'write', bob: 'write', mallory: 'read', maintainer: 'maintain' },
};

export interface MemoryIncidentOptions extends IncidentSetup {
  /**
   * Whose rules the in-memory tracker follows (confidential issues, due dates, links, configuration path); GitLab's by
   * default.
   */
  kind?: TrackerKind;
  /** The project the incident is opened in; `team/app` by default. */
  path?: string;
  /** Cuts the intake off: every call fails with a 503 from the first one this matches until the trigger failed. */
  outage?: (call: RecordedCall) => boolean;
}

type Change = IssuePatch & { dueDate?: string | null };

/** A port call the shell made, with its arguments, and where it stands in the store's call log (`store.calls`). */
export interface PortCall {
  /** The length of `store.calls` when the call was made: the index its own entry there takes. */
  at: number;
  method: string;
  args: unknown[];
}

/**
 * An incident opened in place at T0 in a private project of the in-memory tracker (GitLab's rules unless `kind` says
 * GitHub's), reported and labeled by alice, with no server and no HTTP: normalized events go straight into the shell
 * (`handleEvent`), the sweep is `sweepTracker`. The same operations as `openGitHubIncident` and `openGitLabIncident`.
 * Under GitLab's rules the events are taken as GitLab's hooks are, which nothing signs (`signedDeliveries: false`):
 * the shell asks the store who acted, so every person's change is recorded as theirs, with the user id their events
 * carry.
 */
export async function openMemoryIncident(options: MemoryIncidentOptions = {}) {
  const clock = { now: T0 };
  const kind = options.kind ?? 'gitlab';
  const store = new MemoryStore({ kind, now: () => clock.now });
  const { project, source } = seedIncident(
    store,
    options.path ?? 'team/app',
    options,
    CONFIG_PATHS[kind],
    DEFAULT_ACCESS[kind],
  );

  let outageFrom = options.outage ?? null;
  let down = false;
  let failures = 0;
  const portCalls: PortCall[] = [];
  /** The app's process: a tracker and fresh guards and caches; a restart makes new ones over the same store. */
  const startApp = async () => {
    const files = new ConfigFiles(60_000);
    // Under GitLab's rules deliveries are GitLab's hooks, which nothing signs: the shell asks the tracker who acted.
    const tracker = recordingTracker(
      // Configuration kept between events as the server keeps it (a restart forgets it).
      new MemoryTracker(store, {
        actor: MEMORY_BOT,
        signedDeliveries: kind === 'github',
        files: files[kind],
        // Under GitHub's rules the one installation belongs to the owner of the repositories, as on the fake GitHub.
        ...(kind === 'github' ? { account: 'acme' } : {}),
      }),
      (call) => {
        portCalls.push({ at: store.calls.length, ...call });
        if (!down && outageFrom?.(call)) down = true;
        if (!down) return;
        failures += 1;
        throw new TrackerError('the tracker is down', 503, call.method);
      },
    );
    // The sweep's schedule, as the server keeps it in memory: a restart forgets it.
    const sweepSchedule = new MemorySweepSchedule();
    const ctx = { ...(await eventContext(tracker, MEMORY_BOT, () => clock.now)), sweepSchedule };
    return { tracker, ctx, sweepSchedule, files, reviews: new Map() as ReviewsSeen };
  };
  let app = await startApp();
  const handle = (event: TrackerEvent) => handleEvent(event, app.ctx);
  /** A person as the tracker knows them: the same user id in events and in what it records. */
  const person = (username: string) => ({ username, id: store.userId(username), isBot: false });
  const projectOf = (ticket: Issue): Project => store.getProject(ticket.ref.project);

  options.beforeTrigger?.(store, source);
  const labeled = (issue: Issue) => issueEvent(project, issue, { tracker: kind, actor: person('alice') });
  if (options.outage) {
    await expect(handle(labeled(source))).rejects.toThrow('the tracker is down');
    down = false;
    outageFrom = null;
  } else {
    expect(await handle(labeled(source))).toBe('done');
  }
  const ref = source.ref;
  const { master, timeline, comments } = incidentView(store, ref);
  expect(trustedState(master())?.role).toBe('master');
  if (kind === 'gitlab') expect(master().confidential).toBe(true);

  /** An edit of `after`'s description from `previousBody` by `actor` reaches the app (late, racing or on time). */
  const deliverEdit = (after: Issue, previousBody: string, actor: string) =>
    handle(
      issueEvent(projectOf(after), after, {
        tracker: kind,
        action: 'edited',
        addedLabels: [],
        previousBody,
        actor: person(actor),
      }),
    );
  /** A person saves an edited description; the tracker records the edit as theirs. */
  const edit = async (change: (body: string) => string, actor: string, ticket: Issue = master()) => {
    const before = store.issue(ticket.ref);
    const after = store.editIssue(ticket.ref, { body: change(before.body) }, actor);
    return deliverEdit(after, before.body, actor);
  };
  const tick = (stepId: string, actor: string, ticket?: Issue) => edit((body) => tickIn(body, stepId), actor, ticket);
  /** A person comments on a ticket, the master by default. */
  const say = async (body: string, actor: string, ticket: Issue = master()) => {
    const comment = store.createComment(ticket.ref, body, actor);
    const issue = store.issue(ticket.ref);
    return handle({
      kind: 'note',
      tracker: kind,
      deliveryId: `note-${comment.id}`,
      actor: person(actor),
      project: projectOf(issue),
      issue,
      comment,
    });
  };
  /** A person opens an issue in a project. Answers the issue and the outcome. */
  const open = async (path: string, input: Parameters<MemoryStore['seedIssue']>[1], actor = 'alice') => {
    const issue = store.seedIssue(path, { author: actor, ...input });
    return {
      issue,
      outcome: await handle(
        issueEvent(projectOf(issue), issue, { tracker: kind, action: 'opened', actor: person(actor) }),
      ),
    };
  };
  /** An event describing `snapshot` as it was reaches the app (a late or repeated delivery). */
  const replay = (snapshot: Issue, action: IssueEvent['action'], actor = 'alice') =>
    handle(issueEvent(projectOf(snapshot), snapshot, { tracker: kind, action, addedLabels: [], actor: person(actor) }));
  /**
   * A person changes an issue (state, title, description, assignees, labels, due date); the tracker records the change
   * as theirs, and one event says so.
   */
  const change = async (ticket: Issue, patch: Change, actor = 'alice') => {
    const before = store.issue(ticket.ref);
    const after = store.editIssue(ticket.ref, patch, actor);
    const addedLabels = after.labels.filter((l) => !before.labels.includes(l));
    const removedLabels = before.labels.filter((l) => !after.labels.includes(l));
    const action = changeAction(before, after, addedLabels, removedLabels);
    return handle(
      issueEvent(projectOf(after), after, {
        tracker: kind,
        ...action,
        addedLabels,
        removedLabels,
        actor: person(actor),
      }),
    );
  };
  /**
   * `actor` sets the tracker's own severity of the master (GitLab's `/severity` quick action): the store records it as
   * theirs, and one change of the issue says so, naming `claimed`.
   */
  const setTrackerSeverity = (level: string, actor: string, claimed = actor) => {
    store.setTrackerSeverity(ref, level, actor);
    const issue = master();
    return handle({
      ...issueEvent(projectOf(issue), issue, {
        tracker: kind,
        action: 'edited',
        addedLabels: [],
        actor: person(claimed),
      }),
      trackerSeverity: level,
    });
  };
  /** A person changes a ticket's labels by hand. */
  const relabel = (ticket: Issue, labels: (labels: string[]) => string[], actor: string) =>
    change(ticket, { labels: labels(store.issue(ticket.ref).labels) }, actor);
  let advisories = 0;
  /** A `repository_advisory` event reaches the app (GitHub's rules): `advisory` as given, sent by `sender`. */
  const advise = (action: 'reported' | 'published', advisory: Advisory, sender: string, deliveryId?: string) =>
    handleAdvisoryDelivery(
      {
        kind: 'advisory',
        tracker: kind,
        action,
        deliveryId: deliveryId ?? `advisory-${++advisories}`,
        actor: person(sender),
        project: store.getProject(advisory.repository),
        advisory,
      },
      app.ctx,
    );
  let labelDeliveries = 0;
  /**
   * `actor` creates the label `name` in `path`; under GitHub's rules its `label.created` reaches the app (GitLab sends
   * no such event). `deliveryId` repeats an earlier delivery.
   */
  const createLabel = async (path: string, name: string, actor: string, deliveryId?: string) => {
    store.createLabel(path, name);
    if (kind !== 'github') return undefined;
    return handleLabelDelivery(
      {
        kind: 'label',
        tracker: kind,
        action: 'created',
        deliveryId: deliveryId ?? `label-${++labelDeliveries}`,
        actor: person(actor),
        project: store.getProject(path),
        label: name,
      },
      app.ctx,
    );
  };
  /** The trigger sent again (a re-added label). */
  const resendTrigger = () => handle(labeled(master()));
  /**
   * A push to the incident project delivered as the tracker sends it, normalized as the server does, into the
   * `config-push` route with the app's tracker behind the write guard.
   */
  const push = async (paths: string[], options: PushOptions = {}) => {
    const payload = pushPayload(kind, store.getProject(options.project ?? project.path), paths, options);
    const change = kind === 'github' ? normalizeGitHubPush(payload) : normalizeGitLabPush(payload);
    if (!change) return;
    await handleConfigPush(change, {
      configChanged: async (pushed) => app.files.forget(pushed),
      sweepSchedule: app.sweepSchedule,
      check: { tracker: new WriteGuard(app.tracker), defaultTemplates: app.ctx.defaultTemplates, log: app.ctx.log },
    });
  };
  /** The app restarts: fresh guards and caches over the same tracker. */
  const restart = async () => {
    app = await startApp();
  };
  // As the server sweeps: listing only when something can be due, the safety interval an hour.
  const sweep = (at: Date) =>
    sweepOnSchedule(
      app.sweepSchedule,
      at,
      3_600_000,
      (due) => sweepTracker(app.tracker, app.ctx, at, due),
      app.reviews,
    );
  return {
    store,
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
    relabel,
    replay,
    deliverEdit,
    advise,
    createLabel,
    resendTrigger,
    push,
    setTrackerSeverity,
    restart,
    sweep,
    /** Calls that failed because the tracker was down. */
    failures: () => failures,
    /** Every port call the shell made, with its arguments (across restarts). */
    portCalls: () => portCalls,
  };
}

/** The action an issue event of one change carries, as the adapters name it. */
function changeAction(
  before: Issue,
  after: Issue,
  added: string[],
  removed: string[],
): Pick<IssueEvent, 'action'> & { previousBody?: string } {
  if (after.state !== before.state) return { action: after.state === 'closed' ? 'closed' : 'reopened' };
  if (after.body !== before.body) return { action: 'edited', previousBody: before.body };
  if (added.length > 0) return { action: 'labeled' };
  if (removed.length > 0) return { action: 'unlabeled' };
  if (after.assignees.join() !== before.assignees.join()) return { action: 'assigned' };
  return { action: 'edited' };
}
