import { expect } from 'vitest';
import type { Advisory } from '../../src/kernel/advisory.js';
import type { Comment, Issue, IssueRef, AccessLevel, Project, TrackerKind } from '../../src/kernel/model.js';
import type { EventOutcome } from '../../src/run/context.js';
import type { SweepReport } from '../../src/sweep/handle.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import type { ChangeQuery, IssuePatch } from '../../src/tracker/port.js';
import { teamPath } from '../../src/tracker/port.js';
import type { FaultInjector, FaultOptions } from './faults.js';
import { pushPayload } from './push.js';
import type { PushOptions } from './push.js';
import { minutes, tickIn } from './incident-setup.js';
import type { IncidentSetup } from './incident-setup.js';
import { GITHUB_STATE_KEYS, openGitHubIncident } from './github-incident.js';
import { GITLAB_STATE_KEYS, openGitLabIncident } from './gitlab-incident.js';
import { MEMORY_BOT, openMemoryIncident } from './memory-incident.js';
import { TEST_STATE_KEYS } from './state.js';
import { readTicketState, renderState } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { sealBody } from '../../src/server/state-seal.js';
import type { StateKeys } from '../../src/server/state-seal.js';

/**
 * One scenario, three trackers: the scenarios of test/e2e are written once against `IncidentWorld` and run on every
 * harness of `HARNESSES` — the in-memory tracker (normalized events straight into the shell, under GitLab's and under
 * GitHub's rules, as the shell tests and the offline demo run it), the fake GitHub and the fake GitLab (signed
 * deliveries into the real server, the real SDKs over loopback HTTP). Where the trackers really differ, a scenario asks
 * the harness's `traits`; what only a transport can show (which request asked what), its `probe`.
 */

/** Where every scenario's incident is opened, and the other projects the app serves in the tracking scenarios. */
export const INCIDENT_PROJECT = 'acme/security';

export type HarnessName = 'memory-gitlab' | 'memory-github' | 'github' | 'gitlab';

/** What a delivery's answer says of its handling; GitHub's answer says nothing (Probot answers 200). */
export type Outcome = EventOutcome | undefined;

/** Where the trackers differ, as the scenarios need to know it. */
export interface Traits {
  /** The tracker whose rules apply (the in-memory tracker follows either's). */
  tracker: TrackerKind;
  /** Issues can be confidential (GitLab); on GitHub only a private repository keeps an issue from the public. */
  confidentialIssues: boolean;
  /** Issues have a due date field (GitLab); on GitHub the due date is a `Due: YYYY-MM-DD` line in the description. */
  dueDateField: boolean;
  /** Native links across owners (GitLab issue links); GitHub's sub-issues stay within one owner. */
  linksAcrossOwners: boolean;
  /** Scoped labels are exclusive: adding `a::b::x` takes `a::b::y` off (GitLab). */
  scopedLabels: boolean;
  /** A plan may keep only one assignee of several (GitLab Free keeps the first); GitHub keeps them all. */
  singleAssigneePlans: boolean;
  /** Assignees are written by user id, looked up by username first (GitLab). */
  assigneesById: boolean;
  /** The access of someone who may read but not write: GitHub's read, GitLab's Reporter. */
  reader: AccessLevel;
  /** What a refusal says is needed. */
  requiredAccess: string;
  /** How the configuration names a team of approvers: `@org/team` on GitHub, a group path on GitLab. */
  approverTeam: string;
  /** The answer to a delivery says how its handling ended (GitLab's route, the shell itself). */
  answersOutcome: boolean;
  /** Requests go over HTTP to a fake tracker that can fail a share of them on purpose. */
  faultInjection: boolean;
  /**
   * Deliveries are the tracker's word (GitHub signs them with the app's secret). GitLab's hooks carry a token every
   * maintainer who registers one knows and sign nothing (issue 11): the app asks GitLab who added a label or edited a
   * description, and reads a command's note back by its id.
   */
  signedDeliveries: boolean;
  /**
   * Incidents have a severity field of the tracker's own, set by its own `/severity` quick action (GitLab issues of
   * type Incident), which consumes the comment and sends a change of the issue instead. GitHub has none.
   */
  trackerSeverity: boolean;
  /** Repository security advisories exist (GitHub): private vulnerability reports arrive as advisories. */
  securityAdvisories: boolean;
  /**
   * A child is created already attached to its parent, in one request (GitHub: GraphQL `createIssue` with
   * `parentIssueId`); elsewhere it is created, then linked.
   */
  attachOnCreate: boolean;
  /**
   * The harness can play an older tracker server without creating attached children (GitHub Enterprise Server without
   * GraphQL's `parentIssueId`: `IncidentOptions.withoutParentIssueId`): only the fake GitHub over HTTP.
   */
  olderServer: boolean;
  /**
   * A child's status labels the repository lacks are added by a write of their own right after its create (GitHub's
   * GraphQL create names labels by id), so a run can be cut off between the two
   * (`IncidentOptions.cutIntakeAtStatusLabels`): only the fake GitHub over HTTP. GitLab and the in-memory tracker give
   * every label in the create.
   */
  statusLabelsAfterCreate: boolean;
  /** A label created in a repository is delivered to the app (GitHub's `label.created`); GitLab sends no such event. */
  labelEvents: boolean;
}

/** What only the transport can tell: which requests the app made. */
export interface Probes {
  /** The tracker was asked for `user`'s access to the incident project. */
  accessAsked(user: string): boolean;
  /** The tracker was asked whether `user` is a member of `team`. */
  teamAsked(team: string, user: string): boolean;
  /** The tracker was asked for the project `path` (its visibility). */
  projectRead(path: string): boolean;
  /** The sweep listed the open masters the tracker's way. */
  mastersListed(): boolean;
  /** Usernames were resolved to user ids (for assignees). */
  usersLookedUp(): boolean;
  /** Requests that write, so far. */
  writes(): number;
  /** Writes of the master issue itself (description, labels, state, assignees), so far. */
  masterWrites(): number;
  /** Native link requests (GitHub sub-issues, GitLab issue links; the in-memory tracker's `linkIssues`), so far. */
  linkRequests(): number;
  /** How many requests (the in-memory tracker: port calls) so far. */
  requestCount(): number;
  /** The requests after the first `from`, with numbers blanked, to compare the cost of two events. */
  requestShapes(from: number): string[];
  /** Whether a shape of `requestShapes` is a write of the master issue. */
  isMasterWrite(shape: string): boolean;
  /** The shapes of `requestShapes` but the app's own authentication (app identity, tokens): an event's work. */
  workShapes(from: number): string[];
  /** Reads of the master issue itself, so far. */
  masterReads(): number;
  /**
   * After the first `from` requests, how often the tracker was asked who changed the master: who added a label
   * (GitLab: its resource label events; GitHub: its issue events) or who edited its description (GitLab: the newest
   * page of its notes, where its system notes say who edited; GitHub: GraphQL's content edits).
   */
  changesAsked(from: number, kind: 'label-added' | 'description'): number;
  /** After the first `from` requests, how often one comment of the master was read back by its id. */
  commentReads(from: number, id: number): number;
  /** Requests that failed because the tracker was down. */
  outageFailures(): number;
  /** The fake's fault injection (null where requests cannot fail on purpose). */
  faults: FaultInjector | null;
  /** The server's `/metrics` text (null where events go straight into the shell, without a server). */
  metrics(): Promise<string | null>;
  /** What the server logged so far (null without a server): each line's fields and message. */
  logLines(): Array<{ obj: Record<string, unknown>; msg: string }> | null;
}

/** A change of an issue; `dueDate` only where the tracker has the field. */
export type Change = IssuePatch & { dueDate?: string | null };

/** An incident opened in place at T0 in `acme/security` (private), reported and labeled by alice. */
export interface IncidentWorld {
  harness: HarnessName;
  traits: Traits;
  store: MemoryStore;
  clock: { now: Date };
  project: Project;
  ref: IssueRef;
  /** Who labeled the report: the first timeline entry names them. */
  labeledBy: string;
  /** The app's account, as the tracker names it. */
  bot: string;
  master(): Issue;
  timeline(): string;
  /** The app's comments with `<!-- incident-desk:<marker> -->` on a ticket, the master by default. */
  comments(marker: string, ticket?: Issue): Comment[];
  /** A person saves an edited description of a ticket, the master by default. */
  edit(change: (body: string) => string, actor: string, ticket?: Issue): Promise<Outcome>;
  /** A person ticks a box of a ticket, the master by default, and saves. */
  tick(stepId: string, actor: string, ticket?: Issue): Promise<Outcome>;
  /** A person comments on a ticket, the master by default. */
  say(body: string, actor: string, ticket?: Issue): Promise<Outcome>;
  /** A person opens an issue in a project. */
  open(
    path: string,
    input: Parameters<MemoryStore['seedIssue']>[1],
    actor?: string,
  ): Promise<{ issue: Issue; outcome: Outcome }>;
  /** A person changes an issue (closes, reopens, retitles, edits, assigns, labels, moves its due date). */
  change(ticket: Issue, patch: Change, actor?: string): Promise<Outcome>;
  /** A person adds one label by hand (on GitLab a scoped label replaces its sibling). */
  addLabel(ticket: Issue, label: string, actor: string): Promise<Outcome>;
  /** A person removes one label by hand. */
  removeLabel(ticket: Issue, label: string, actor: string): Promise<Outcome>;
  /** An edit of `after`'s description from `previousBody` by `actor` is delivered (late, racing, or the app's own). */
  deliverEdit(after: Issue, previousBody: string, actor: string): Promise<Outcome>;
  /** An event describing `snapshot` as it was is delivered again (late or repeated); `before` says what it changed. */
  replay(
    snapshot: Issue,
    action: 'opened' | 'edited' | 'closed' | 'reopened',
    actor?: string,
    before?: Issue,
  ): Promise<Outcome>;
  /**
   * `actor` creates the label `name` in `options.project` (the incident project by default); where the tracker tells
   * the app (`traits.labelEvents`) its event is delivered, `options.deliveryId` repeating an earlier delivery's id.
   */
  createLabel(name: string, actor: string, options?: { project?: string; deliveryId?: string }): Promise<Outcome>;
  /** The trigger label's event is delivered again. */
  resendTrigger(): Promise<Outcome>;
  /**
   * A push to the incident project (or `options.project`; its default branch unless `options.branch`) whose commit
   * changed `paths` (the files as the store now holds them) is delivered as the tracker sends it.
   */
  push(paths: string[], options?: PushOptions): Promise<void>;
  /**
   * `actor` sets the tracker's own severity of the master with its `/severity` quick action (only where
   * `traits.trackerSeverity`); the delivery names `claimed` (the actor unless forged).
   */
  setTrackerSeverity(level: string, actor: string, claimed?: string): Promise<Outcome>;
  /**
   * A `repository_advisory.<action>` event about `advisory` (as given: now, or as it was) is delivered, sent by
   * `sender`; `deliveryId` repeats an earlier delivery. Only where `traits.securityAdvisories`.
   */
  advise(action: 'reported' | 'published', advisory: Advisory, sender: string, deliveryId?: string): Promise<Outcome>;
  /**
   * `text` committed at `path` on the default branch of `project`, and the push delivered: the server's kept copy of
   * the configuration or template is dropped, as in production.
   */
  pushFile(path: string, text: string, project: string): Promise<void>;
  /** The app restarts (fresh memory, same tracker). */
  restart(): Promise<void>;
  /**
   * A ticket's hidden state is rewritten, with no event, as the app signs it: a ticket an earlier version of the app
   * wrote (a state shape it no longer writes).
   */
  plantState(ticket: Issue, change: (state: TicketState) => TicketState): void;
  sweep(at: Date): Promise<SweepReport>;
  /** Deliveries sent again because their handling failed (only with faults). */
  redelivered: string[];
  probe: Probes;
}

/**
 * What a scenario may ask of a world; each harness maps it onto its own tracker. Teams are named as the trackers
 * store them (`org/team`), whatever `traits.approverTeam` the configuration names them by.
 */
export interface IncidentOptions extends IncidentSetup {
  /** A share of the tracker's requests fails (only where `traits.faultInjection`). */
  faults?: FaultOptions;
  /** The tracker goes down as the intake creates its first child, and is back once the trigger failed. */
  cutIntakeAtFirstChild?: boolean;
  /**
   * The tracker goes down as the intake adds the comms ticket's status labels after creating it, and is back once the
   * trigger failed (only where `traits.statusLabelsAfterCreate`).
   */
  cutIntakeAtStatusLabels?: boolean;
  /** The tracker is an older GitHub Enterprise Server without GraphQL's `parentIssueId` (only where `olderServer`). */
  withoutParentIssueId?: boolean;
}

export interface Harness {
  name: HarnessName;
  traits: Traits;
  open(options?: IncidentOptions): Promise<IncidentWorld>;
}

const WRITE_OPERATIONS = new Set([
  'createIssue',
  'createAttachedIssue',
  'updateIssue',
  'createComment',
  'updateComment',
  'linkIssues',
  'lockIssue',
  'deleteIssue',
]);
const blankNumbers = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/N').replace(/#\d+/g, '#N');
/** The labels after adding `label` where scoped labels are exclusive: its siblings (same `scope::`) go. */
const withScoped = (label: string) => (labels: string[]) => [
  ...labels.filter((l) => !l.includes('::') || scopeOf(l) !== scopeOf(label)),
  label,
];
const scopeOf = (label: string) => label.slice(0, label.lastIndexOf('::'));
/** `plantState` of a world whose app signs with `keys` and acts as `bot`. */
const stateRewriter =
  (store: MemoryStore, kind: TrackerKind, keys: StateKeys, bot: string) =>
  (ticket: Issue, change: (state: TicketState) => TicketState): void => {
    const body = store.issue(ticket.ref).body;
    const state = readTicketState(body);
    expect(state).not.toBeNull();
    const planted = body.replace(/<!-- incident-desk:state [^\n]* -->/, renderState(change(structuredClone(state!))));
    expect(planted).not.toBe(body);
    store.editIssue(ticket.ref, { body: sealBody(planted, keys, kind) }, bot);
  };
/** Whether a port call's first argument is the issue `ref` (an `IssueRef`, or an `Issue` whose `ref` it is). */
const sameRef = (arg: unknown, ref: IssueRef) => {
  const r = (arg as { ref?: IssueRef } | null)?.ref ?? (arg as IssueRef | null);
  return r?.project === ref.project && r?.number === ref.number;
};
/**
 * The GitHub App's own authentication (its identity and its bot user's id, read once per process; installation
 * tokens): no event's work.
 */
const isGitHubAuth = (r: { method: string; path: string }) =>
  r.path === '/app' ||
  r.path === '/users/incident-desk%5Bbot%5D' ||
  /^\/app\/installations\/\d+\/access_tokens$/.test(r.path);
/** The app's own GitLab user, read once per process so that its own events are ignored: no event's work. */
const isGitLabAuth = (r: { method: string; path: string }) => r.method === 'GET' && r.path === '/api/v4/user';

/** GitHub issues have no severity field: a scenario that sets one runs only where `traits.trackerSeverity`. */
const noTrackerSeverity = (): Promise<Outcome> => Promise.reject(new Error('this tracker has no severity field'));

const GITLAB_TRAITS: Traits = {
  tracker: 'gitlab',
  confidentialIssues: true,
  dueDateField: true,
  linksAcrossOwners: true,
  scopedLabels: true,
  singleAssigneePlans: true,
  assigneesById: false,
  reader: 'triage',
  requiredAccess: 'at least the Developer role in this project',
  approverTeam: 'acme/ir-team',
  answersOutcome: true,
  faultInjection: false,
  signedDeliveries: false,
  trackerSeverity: true,
  securityAdvisories: false,
  attachOnCreate: false,
  olderServer: false,
  statusLabelsAfterCreate: false,
  labelEvents: false,
};

const GITHUB_TRAITS: Traits = {
  tracker: 'github',
  confidentialIssues: false,
  dueDateField: false,
  linksAcrossOwners: false,
  scopedLabels: false,
  singleAssigneePlans: false,
  assigneesById: false,
  reader: 'read',
  requiredAccess: 'write access to this repository',
  approverTeam: '"@acme/ir-team"',
  answersOutcome: false,
  faultInjection: true,
  signedDeliveries: true,
  trackerSeverity: false,
  securityAdvisories: true,
  attachOnCreate: true,
  olderServer: false,
  statusLabelsAfterCreate: false,
  labelEvents: true,
};

/**
 * The in-memory tracker under one tracker's rules (`kind`): normalized events straight into the shell, port calls
 * for requests. The shell's scenarios ran on both rule sets, as the offline demo does. Under GitLab's rules the events
 * are unsigned, as GitLab's hooks are: the shell asks the store who acted.
 */
function memoryHarness(kind: TrackerKind): Harness {
  const traits: Traits = {
    ...(kind === 'gitlab' ? GITLAB_TRAITS : GITHUB_TRAITS),
    assigneesById: false,
    answersOutcome: true,
    faultInjection: false,
  };
  const name = `memory-${kind}` as const;
  return { name, traits, open: (options = {}) => openMemoryWorld(name, kind, traits, options) };
}

async function openMemoryWorld(
  name: HarnessName,
  kind: TrackerKind,
  traits: Traits,
  options: IncidentOptions,
): Promise<IncidentWorld> {
  const outage = options.cutIntakeAtFirstChild
    ? { outage: (call: { method: string }) => call.method === 'createIssue' || call.method === 'createAttachedIssue' }
    : {};
  const m = await openMemoryIncident({ ...options, kind, path: INCIDENT_PROJECT, ...outage });
  const calls = () => m.store.calls;
  const called = (operation: string, target: string) =>
    calls().some((c) => c.operation === operation && c.target === target);
  const masterTarget = `${m.ref.project}#${m.ref.number}`;
  /** The shell's port calls on the master after the first `from` entries of the store's call log. */
  const masterCalls = (from: number, method: string) =>
    m.portCalls().filter((c) => c.at >= from && c.method === method && sameRef(c.args[0], m.ref));
  return {
    harness: name,
    traits,
    store: m.store,
    clock: m.clock,
    project: m.project,
    ref: m.ref,
    labeledBy: 'alice',
    bot: MEMORY_BOT,
    master: m.master,
    timeline: m.timeline,
    comments: m.comments,
    edit: m.edit,
    tick: m.tick,
    say: m.say,
    open: m.open,
    change: m.change,
    addLabel: (ticket, label, actor) =>
      m.relabel(ticket, traits.scopedLabels ? withScoped(label) : (labels) => [...labels, label], actor),
    removeLabel: (ticket, label, actor) => m.relabel(ticket, (labels) => labels.filter((l) => l !== label), actor),
    deliverEdit: m.deliverEdit,
    replay: (snapshot, action, actor) => m.replay(snapshot, action, actor),
    createLabel: (name, actor, options = {}) =>
      m.createLabel(options.project ?? INCIDENT_PROJECT, name, actor, options.deliveryId),
    resendTrigger: m.resendTrigger,
    push: m.push,
    setTrackerSeverity: (level, actor, claimed) =>
      traits.trackerSeverity ? m.setTrackerSeverity(level, actor, claimed) : noTrackerSeverity(),
    advise: m.advise,
    pushFile: filePusher(m.store, m.push),
    restart: m.restart,
    plantState: stateRewriter(m.store, kind, TEST_STATE_KEYS, MEMORY_BOT),
    sweep: m.sweep,
    redelivered: [],
    probe: {
      accessAsked: (user) => called('getAccess', `${INCIDENT_PROJECT}:${user}`),
      teamAsked: (team, user) =>
        calls().some(
          (c) => c.operation === 'isTeamMember' && c.target.replace(/^@/, '') === `${teamPath(team)}:${user}`,
        ),
      projectRead: (path) => called('getProject', path),
      mastersListed: () => calls().some((c) => c.operation === 'listOpenMasters'),
      usersLookedUp: () => false,
      writes: () => calls().filter((c) => WRITE_OPERATIONS.has(c.operation)).length,
      masterWrites: () => calls().filter((c) => c.operation === 'updateIssue' && c.target === masterTarget).length,
      linkRequests: () => calls().filter((c) => c.operation === 'linkIssues').length,
      requestCount: () => calls().length,
      requestShapes: (from) =>
        calls()
          .slice(from)
          .map((c) => `${c.operation} ${blankNumbers(c.target)}`),
      isMasterWrite: (shape) => shape === `updateIssue ${INCIDENT_PROJECT}#N`,
      workShapes: (from) =>
        calls()
          .slice(from)
          .map((c) => `${c.operation} ${blankNumbers(c.target)}`),
      masterReads: () => calls().filter((c) => c.operation === 'getIssue' && c.target === masterTarget).length,
      changesAsked: (from, kind) =>
        masterCalls(from, 'listChanges').filter((c) => (c.args[1] as ChangeQuery).kind === kind).length,
      commentReads: (from, id) => masterCalls(from, 'getComment').filter((c) => c.args[1] === id).length,
      outageFailures: m.failures,
      faults: null,
      metrics: async () => null,
      logLines: () => null,
    },
  };
}

/**
 * A scenario's `pushFile` over its `push`: `text` committed at `path` on the project's default branch in the
 * tracker's store, then that push delivered as the tracker sends it (one way to deliver a push, whichever helper a
 * scenario uses).
 */
function filePusher(
  store: { putFile(project: string, path: string, text: string): void },
  push: IncidentWorld['push'],
): IncidentWorld['pushFile'] {
  return async (path, text, project) => {
    store.putFile(project, path, text);
    await push([path], { project });
  };
}

const github: Harness = {
  name: 'github',
  traits: { ...GITHUB_TRAITS, olderServer: true, statusLabelsAfterCreate: true },
  async open(options = {}) {
    const { cutIntakeAtFirstChild, cutIntakeAtStatusLabels, ...rest } = options;
    const g = await openGitHubIncident({
      ...rest,
      // A child is created over REST, or with GraphQL's `createIssue` (the intake's only GraphQL request).
      ...(cutIntakeAtFirstChild
        ? { outage: ({ method, path }) => method === 'POST' && (/\/issues$/.test(path) || path === '/graphql') }
        : {}),
      // The labels a child's create left out are added to it right after (`POST …/issues/{n}/labels`).
      ...(cutIntakeAtStatusLabels
        ? { outage: ({ method, path }) => method === 'POST' && /\/issues\/\d+\/labels$/.test(path) }
        : {}),
    });
    const requests = () => g.fake.requests;
    const requested = (method: string, path: string) => requests().some((r) => r.method === method && r.path === path);
    const masterPath = `/repos/${INCIDENT_PROJECT}/issues/${g.ref.number}`;
    const none = async () => undefined;
    const push: IncidentWorld['push'] = (paths, options) =>
      g
        .deliver(
          'push',
          pushPayload('github', g.store.getProject(options?.project ?? INCIDENT_PROJECT), paths, options),
        )
        .then(() => {});
    return {
      harness: 'github',
      traits: github.traits,
      store: g.store,
      clock: g.clock,
      project: g.project,
      ref: g.ref,
      labeledBy: 'security-lead',
      bot: 'incident-desk[bot]',
      master: g.master,
      timeline: g.timeline,
      comments: g.comments,
      edit: (change, actor, ticket) => g.edit(change, actor, ticket).then(none),
      tick: (stepId, actor, ticket) => g.tick(stepId, actor, ticket).then(none),
      say: (body, actor, ticket) => g.say(body, actor, ticket).then(none),
      open: async (path, input, actor) => ({ issue: await g.open(path, input, actor), outcome: undefined }),
      change: (ticket, patch, actor) => g.change(ticket, patch, actor).then(none),
      addLabel: (ticket, label, actor) => g.label(ticket, 'labeled', label, actor).then(none),
      removeLabel: (ticket, label, actor) => g.label(ticket, 'unlabeled', label, actor).then(none),
      deliverEdit: (after, previousBody, actor) => g.deliverEdit(after, previousBody, actor).then(none),
      replay: (snapshot, action, actor, before) =>
        g
          .replay(snapshot, action, actor, before && before.title !== snapshot.title ? before.title : undefined)
          .then(none),
      createLabel: (name, actor, options = {}) =>
        g.createLabel(options.project ?? INCIDENT_PROJECT, name, actor, options.deliveryId).then(none),
      resendTrigger: () => g.resendTrigger().then(none),
      push,
      setTrackerSeverity: noTrackerSeverity,
      advise: (action, advisory, sender, deliveryId) => g.advise(action, advisory, sender, deliveryId).then(none),
      pushFile: filePusher(g.store, push),
      restart: g.restart,
      plantState: stateRewriter(g.store, 'github', GITHUB_STATE_KEYS, 'incident-desk[bot]'),
      sweep: g.sweep,
      redelivered: g.redelivered,
      probe: {
        accessAsked: (user) => requested('GET', `/repos/${INCIDENT_PROJECT}/collaborators/${user}/permission`),
        teamAsked: (team, user) => {
          const [org, slug] = teamPath(team).split('/');
          return requested('GET', `/orgs/${org}/teams/${slug}/memberships/${user}`);
        },
        projectRead: (path) => requested('GET', `/repos/${path}`),
        mastersListed: () =>
          requests().some((r) => r.method === 'GET' && r.path.startsWith('/app/installations')) &&
          requests().some(
            (r) =>
              r.method === 'GET' &&
              r.path.startsWith('/search/issues') &&
              decodeURIComponent(r.path).includes('user:acme'),
          ),
        usersLookedUp: () => false,
        writes: () => requests().filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens')).length,
        masterWrites: () => requests().filter((r) => r.method === 'PATCH' && r.path === masterPath).length,
        linkRequests: () => requests().filter((r) => r.method === 'POST' && r.path.endsWith('/sub_issues')).length,
        requestCount: () => requests().length,
        requestShapes: (from) =>
          requests()
            .slice(from)
            .map((r) => `${r.method} ${blankNumbers(r.path)}`),
        isMasterWrite: (shape) => shape === `PATCH /repos/${INCIDENT_PROJECT}/issues/N`,
        workShapes: (from) =>
          requests()
            .slice(from)
            .filter((r) => !isGitHubAuth(r))
            .map((r) => `${r.method} ${blankNumbers(r.path)}`),
        masterReads: () => requests().filter((r) => r.method === 'GET' && r.path === masterPath).length,
        changesAsked: (from, kind) =>
          requests()
            .slice(from)
            .filter((r) =>
              kind === 'label-added'
                ? r.method === 'GET' && r.path.startsWith(`${masterPath}/events`)
                : r.method === 'POST' && r.path === '/graphql' && String(r.body?.query).includes('userContentEdits'),
            ).length,
        commentReads: (from, id) =>
          requests()
            .slice(from)
            .filter((r) => r.method === 'GET' && r.path === `/repos/${INCIDENT_PROJECT}/issues/comments/${id}`).length,
        outageFailures: () => g.fake.faults.counts().outage ?? 0,
        faults: g.fake.faults,
        metrics: () => g.server.app.metrics.registry.metrics(),
        logLines: () => g.server.log.lines.map(({ obj, msg }) => ({ obj: obj as Record<string, unknown>, msg })),
      },
    };
  },
};

const gitlab: Harness = {
  name: 'gitlab',
  traits: { ...GITLAB_TRAITS, assigneesById: true, faultInjection: true },
  async open(options = {}) {
    const { cutIntakeAtFirstChild, cutIntakeAtStatusLabels: _none, ...rest } = options;
    const g = await openGitLabIncident({
      ...rest,
      path: INCIDENT_PROJECT,
      ...(cutIntakeAtFirstChild ? { outage: ({ method, path }) => method === 'POST' && path.endsWith('/issues') } : {}),
    });
    const requests = () => g.fake.requests;
    const requested = (method: string, path: string) => requests().some((r) => r.method === method && r.path === path);
    const projectPath = (path: string) => `/api/v4/projects/${encodeURIComponent(path)}`;
    const masterPath = `${projectPath(INCIDENT_PROJECT)}/issues/${g.ref.number}`;
    const outcome = (answer: { outcome?: string }) => answer.outcome as Outcome;
    const hookAction = { opened: 'open', edited: 'update', closed: 'close', reopened: 'reopen' } as const;
    const push: IncidentWorld['push'] = (paths, options) =>
      g
        .deliver(
          'Push Hook',
          pushPayload('gitlab', g.store.getProject(options?.project ?? INCIDENT_PROJECT), paths, options),
        )
        .then(() => {});
    return {
      harness: 'gitlab',
      traits: gitlab.traits,
      store: g.store,
      clock: g.clock,
      project: g.project,
      ref: g.ref,
      labeledBy: 'alice',
      bot: 'incident-desk-bot',
      master: g.master,
      timeline: g.timeline,
      comments: g.comments,
      edit: (change, actor, ticket) => g.edit(change, actor, ticket).then(outcome),
      tick: (stepId, actor, ticket) => g.tick(stepId, actor, ticket).then(outcome),
      say: (body, actor, ticket) => g.say(body, actor, ticket).then(outcome),
      open: async (path, input, actor) => {
        const opened = await g.open(path, input, actor);
        return { issue: opened.issue, outcome: opened.outcome as Outcome };
      },
      change: (ticket, patch, actor) => g.change(ticket, patch, actor).then((o) => o as Outcome),
      addLabel: (ticket, label, actor) => g.relabel(ticket, withScoped(label), actor).then(outcome),
      removeLabel: (ticket, label, actor) =>
        g.relabel(ticket, (labels) => labels.filter((l) => l !== label), actor).then(outcome),
      deliverEdit: (after, previousBody, actor) => g.deliverEdit(after, previousBody, actor).then(outcome),
      replay: (snapshot, action, actor, before) => g.replay(snapshot, hookAction[action], actor, before).then(outcome),
      // GitLab sends no event for a label created in a project.
      createLabel: async (name, _actor, options = {}) => {
        g.store.createLabel(options.project ?? INCIDENT_PROJECT, name);
        return undefined;
      },
      resendTrigger: () => g.resendTrigger().then(outcome),
      push,
      setTrackerSeverity: (level, actor, claimed) =>
        g.setTrackerSeverity(level, actor, claimed).then((o) => o as Outcome),
      advise: async () => {
        throw new Error('GitLab has no repository security advisories');
      },
      pushFile: filePusher(g.store, push),
      restart: g.restart,
      plantState: stateRewriter(g.store, 'gitlab', GITLAB_STATE_KEYS, 'incident-desk-bot'),
      sweep: g.sweep,
      redelivered: g.redelivered,
      probe: {
        accessAsked: (user) => requested('GET', `${projectPath(INCIDENT_PROJECT)}/members/all/${g.fake.userId(user)}`),
        teamAsked: (team, user) =>
          requested('GET', `/api/v4/groups/${encodeURIComponent(teamPath(team))}/members/all/${g.fake.userId(user)}`),
        projectRead: (path) => requested('GET', projectPath(path)),
        mastersListed: () => g.store.calls.some((c) => c.operation === 'listOpenMasters'),
        usersLookedUp: () => requested('GET', '/api/v4/users'),
        writes: g.writes,
        masterWrites: () => requests().filter((r) => r.method === 'PUT' && r.path === masterPath).length,
        linkRequests: () =>
          requests().filter((r) => r.method === 'POST' && /\/issues\/\d+\/links$/.test(r.path)).length,
        requestCount: () => requests().length,
        requestShapes: (from) =>
          requests()
            .slice(from)
            .map((r) => `${r.method} ${blankNumbers(r.path)}`),
        isMasterWrite: (shape) => shape === `PUT ${projectPath(INCIDENT_PROJECT)}/issues/N`,
        workShapes: (from) =>
          requests()
            .slice(from)
            .filter((r) => !isGitLabAuth(r))
            .map((r) => `${r.method} ${blankNumbers(r.path)}`),
        masterReads: () => requests().filter((r) => r.method === 'GET' && r.path === masterPath).length,
        changesAsked: (from, kind) =>
          requests()
            .slice(from)
            .filter(
              (r) =>
                r.method === 'GET' &&
                r.path === `${masterPath}/${kind === 'label-added' ? 'resource_label_events' : 'notes'}`,
            ).length,
        commentReads: (from, id) =>
          requests()
            .slice(from)
            .filter((r) => r.method === 'GET' && r.path === `${masterPath}/notes/${id}`).length,
        outageFailures: () => g.fake.faults.counts().outage ?? 0,
        faults: g.fake.faults,
        metrics: () => g.server.app.metrics.registry.metrics(),
        logLines: () => g.server.log.lines.map(({ obj, msg }) => ({ obj: obj as Record<string, unknown>, msg })),
      },
    };
  },
};

/** Every tracker the scenarios run on. */
export const HARNESSES: readonly Harness[] = [memoryHarness('gitlab'), memoryHarness('github'), github, gitlab];

/** The outcome a delivery's answer reports, where the tracker's answer says it (GitHub's does not). */
export function expectOutcome(t: IncidentWorld, outcome: Outcome, expected: Outcome): void {
  if (t.traits.answersOutcome) expect(outcome).toBe(expected);
}

/** One save of a ticket's description, with the description before it, to deliver as an edit. */
export interface SavedEdit {
  saved: Issue;
  before: string;
}

/**
 * A box of `ticket` is ticked at 10:05 by `ticker` and unticked at 10:06 by `unticker` (two saves, each recorded by the
 * tracker as its saver's edit, the clock then at 10:07): both edits, to deliver in either order, as the trackers do not
 * promise one.
 */
export function tickThenUntick(
  t: IncidentWorld,
  ticket: Issue,
  stepId: string,
  ticker: string,
  unticker: string,
): { tick: SavedEdit; untick: SavedEdit } {
  const base = t.store.issue(ticket.ref).body;
  const ticked = tickIn(base, stepId);
  t.clock.now = minutes(5);
  const tick = { saved: t.store.editIssue(ticket.ref, { body: ticked }, ticker), before: base };
  t.clock.now = minutes(6);
  const untick = { saved: t.store.editIssue(ticket.ref, { body: base }, unticker), before: ticked };
  // The edits carry their own times: that is all the app has to order them by.
  expect(tick.saved.updatedAt).toBe('2026-11-22T10:05:00.000Z');
  expect(untick.saved.updatedAt).toBe('2026-11-22T10:06:00.000Z');
  t.clock.now = minutes(7);
  return { tick, untick };
}

/**
 * Two people tick one box each of `ticket` on the same page and save; the second saved last, so the tracker holds
 * their version (and records both saves, each by its saver). Both edits are delivered at once.
 */
export async function tickFromTheSamePage(
  t: IncidentWorld,
  ticket: Issue,
  first: [actor: string, stepId: string],
  second: [actor: string, stepId: string],
) {
  const base = t.store.issue(ticket.ref).body;
  t.store.editIssue(ticket.ref, { body: tickIn(base, first[1]) }, first[0]);
  const current = t.store.editIssue(ticket.ref, { body: tickIn(base, second[1]) }, second[0]);
  await Promise.all(
    [first, second].map(([actor, stepId]) => t.deliverEdit({ ...current, body: tickIn(base, stepId) }, base, actor)),
  );
}
