import type { ApplicationFunction, Probot } from 'probot';
import type { AdvisoryEvent, LabelEvent, PushEvent, TrackerEvent } from '../kernel/events.js';
import { githubAccount, GitHubTracker } from '../tracker/github/github-tracker.js';
import type { GitHubApiMemo, GitHubOctokit } from '../tracker/github/github-tracker.js';
import {
  githubPayloadProblem,
  normalizeGitHubAdvisoryEvent,
  normalizeGitHubCommentEvent,
  normalizeGitHubIssueEvent,
  normalizeGitHubLabelEvent,
  normalizeGitHubPush,
} from '../tracker/github/normalize.js';
import type { FileCache, SelfAccount, Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';

/** The events the app subscribes to; `app.yml` requests exactly these. */
export const GITHUB_EVENTS = [
  'issues.opened',
  'issues.labeled',
  // A hand-removed approval label is put back from the boxes.
  'issues.unlabeled',
  'issues.edited',
  'issues.closed',
  'issues.reopened',
  // A tracking ticket's owner is its first assignee: the master's table follows it.
  'issues.assigned',
  'issues.unassigned',
  'issue_comment.created',
  // A private vulnerability report opens an incident; a publication is recorded on it.
  'repository_advisory.reported',
  'repository_advisory.published',
  // The trigger label created in a repository: the labels its incidents will need are prepared before the first one.
  'label.created',
] as const;

/** Pushes (not an issue event; the `config-push` route): every push, its branch and files read from the payload. */
export const GITHUB_PUSH_EVENT = 'push';

/**
 * The events that say the App's installations changed: installed, removed, suspended, its permissions accepted,
 * repositories added or removed (GitHub sends these two to every App, whatever it subscribes to), its account renamed.
 */
export const GITHUB_INSTALLATION_EVENTS = ['installation', 'installation_repositories', 'installation_target'] as const;

/** Every webhook event the app subscribes to (what app.yml must request). */
export const GITHUB_SUBSCRIBED_EVENTS: readonly string[] = [...GITHUB_EVENTS, GITHUB_PUSH_EVENT];

/** Who the app is on GitHub, asked with any installation's Octokit (see `githubSelfAccount`). */
export type GitHubSelf = (octokit: GitHubOctokit) => Promise<SelfAccount>;

/**
 * The app's own bot user, read once per process and shared by every tracker the server makes: its login from
 * `GET /app` (with the app's JWT), its id from `GET /users/{login}` (with the installation token at hand). A failed
 * read is forgotten, so the next event asks again.
 */
export function githubSelfAccount(probot: Pick<Probot, 'auth'>): GitHubSelf {
  let self: Promise<SelfAccount> | undefined;
  return (octokit) => {
    self ??= (async () => {
      const app = await probot.auth();
      const { data } = await app.request('GET /app');
      return githubAccount(octokit, `${data?.slug ?? ''}[bot]`);
    })().catch((error: unknown) => {
      self = undefined;
      throw error;
    });
    return self;
  };
}

/**
 * The own-event check on an installation's tracker: the app's own events are never answered, its bot user by id. Only
 * a `[bot]` login can be it, so people's events cost no request.
 */
export function isGitHubSelf(tracker: Tracker): (actor: { username: string; id: number }) => Promise<boolean> {
  return async (actor) => actor.username.endsWith('[bot]') && actor.id === (await tracker.getSelf()).id;
}

export interface GitHubAppOptions {
  /** Handles one normalized event with a tracker bound to the event's installation. */
  handle(
    event: TrackerEvent,
    tracker: Tracker,
    isSelf: (actor: { username: string; id: number }) => Promise<boolean>,
  ): Promise<unknown>;
  /** Handles one repository advisory event with a tracker bound to the event's installation. */
  handleAdvisory?(
    event: AdvisoryEvent,
    tracker: Tracker,
    isSelf: (actor: { username: string; id: number }) => Promise<boolean>,
  ): Promise<unknown>;
  /** Handles one label creation (`label.created`) with a tracker bound to the event's installation. */
  handleLabel?(
    event: LabelEvent,
    tracker: Tracker,
    isSelf: (actor: { username: string; id: number }) => Promise<boolean>,
  ): Promise<unknown>;
  /** Who the app is; made from the Probot app itself when left out. */
  self?: GitHubSelf;
  /** Where a delivery that cannot be read is said, in one line without its content. */
  log: Logger;
  /** Configuration and template files kept between events (see `ConfigFiles`). */
  files?: FileCache;
  /** What the process learned of the GitHub server's API (see `GitHubApiMemo`), shared by every event's tracker. */
  api?: GitHubApiMemo;
  /** A push to a repository's default branch (the `config-push` route). */
  push?(change: PushEvent, tracker?: Tracker): Promise<unknown>;
  /** Told of the installations deliveries come from, and of the deliveries that change them (the sweep's list). */
  installations?: InstallationsListener;
  /**
   * Settles at once, before a tracker is made for it, an event no route can want (see `ordinaryKind`); true when it
   * did. Without it every event goes to `handle`.
   */
  settle?(event: TrackerEvent): boolean;
}

/** What the sweep's list of installations hears of deliveries (see `GitHubInstallations`). */
export interface InstallationsListener {
  /** A delivery came from installation `id` on `account`. */
  seen(id: number, account: string): Promise<void>;
  /** An `installation…` delivery; `removed` names an installation deleted or suspended. */
  changed(removed?: number): Promise<void>;
}

/**
 * The installation a delivery came from and the account it is on (the repository's owner: an installation belongs to
 * one account, and its repositories to that account); null for a delivery without either, and for the installation
 * events, whose installation may be the one just removed.
 */
export function installationOf(name: string, payload: unknown): { id: number; account: string } | null {
  if (name.startsWith('installation')) return null;
  const p = payload as { installation?: { id?: unknown }; repository?: { owner?: { login?: unknown } } } | null;
  const id = p?.installation?.id;
  const account = p?.repository?.owner?.login;
  return typeof id === 'number' && typeof account === 'string' && account !== '' ? { id, account } : null;
}

/** The installation an `installation.deleted` or `installation.suspend` delivery removes; undefined otherwise. */
function removedInstallation(name: string, payload: unknown): number | undefined {
  const p = payload as { action?: unknown; installation?: { id?: unknown } } | null;
  if (name !== 'installation' || (p?.action !== 'deleted' && p?.action !== 'suspend')) return undefined;
  return typeof p.installation?.id === 'number' ? p.installation.id : undefined;
}

/** The repository a delivery names, with its node id (GitHub's signed word), for the tracker of that delivery. */
function deliveredRepositories(payload: unknown): Array<{ path: string; nodeId: string }> {
  const repository = (payload as { repository?: { full_name?: unknown; node_id?: unknown } | null }).repository;
  return typeof repository?.full_name === 'string' && typeof repository.node_id === 'string' && repository.node_id
    ? [{ path: repository.full_name, nodeId: repository.node_id }]
    : [];
}

/**
 * The Probot application: normalizes each event and hands it to the shell with a tracker on the
 * installation's Octokit (Probot's throttling and retries included).
 */
export function createGitHubApp(options: GitHubAppOptions): ApplicationFunction {
  return (app: Probot) => {
    const self = options.self ?? githubSelfAccount(app);
    const installations = options.installations;
    if (installations) {
      // What the sweep's list of installations needs; a failure (Redis away) is said once and costs the delivery
      // nothing: the list is read again within a day anyway.
      const told = (work: Promise<void>, delivery: string) =>
        work.catch((error: unknown) =>
          options.log.warn({ delivery, err: { message: (error as Error).message } }, 'installations not updated'),
        );
      app.on([...GITHUB_INSTALLATION_EVENTS], (context) =>
        told(installations.changed(removedInstallation(context.name, context.payload)), context.id),
      );
      app.onAny(async (context) => {
        const from = installationOf(context.name, context.payload);
        if (from) await told(installations.seen(from.id, from.account), context.id);
      });
    }
    // Pushes to the default branch drop the cached configuration and templates they changed.
    app.on(GITHUB_PUSH_EVENT, async (context) => {
      const change = normalizeGitHubPush(context.payload);
      if (!change || !options.push) return;
      const tracker = new GitHubTracker(context.octokit, {
        self: () => self(context.octokit),
        ...(options.files ? { files: options.files } : {}),
      });
      await options.push({ ...change, deliveryId: context.id }, tracker);
    });
    app.on([...GITHUB_EVENTS], async (context) => {
      const name = deliveryName(context.name, context.payload);
      // A signed delivery that cannot be read is ignored with one line: never a 5xx, which GitHub would redeliver.
      const problem = githubPayloadProblem(name, context.payload);
      if (problem) {
        options.log.warn({ problem, delivery: context.id }, 'malformed GitHub payload ignored');
        return;
      }
      const tracker = () =>
        new GitHubTracker(context.octokit, {
          self: () => self(context.octokit),
          ...(options.files ? { files: options.files } : {}),
          ...(options.api ? { api: options.api } : {}),
          repositories: deliveredRepositories(context.payload),
        });
      if (context.name === 'repository_advisory') {
        const advisory = normalizeGitHubAdvisoryEvent(name, context.payload, context.id);
        if (!advisory || !options.handleAdvisory) return;
        const installation = tracker();
        await options.handleAdvisory(advisory, installation, isGitHubSelf(installation));
        return;
      }
      if (context.name === 'label') {
        const created = normalizeGitHubLabelEvent(name, context.payload, context.id);
        if (!created || !options.handleLabel) return;
        const installation = tracker();
        await options.handleLabel(created, installation, isGitHubSelf(installation));
        return;
      }
      const event = normalizeIssueDelivery(context.name, name, context.payload, context.id);
      if (!event || options.settle?.(event)) return;
      const installation = tracker();
      await options.handle(event, installation, isGitHubSelf(installation));
    });
  };
}

/** The subscribed event names (`issues.labeled`), as Probot hands them to the app. */
const SUBSCRIBED: ReadonlySet<string> = new Set(GITHUB_EVENTS);

/** `<event>.<action>` of a delivery, the action read from its payload (empty when it has none). */
function deliveryName(event: string, payload: unknown): string {
  const action = (payload as { action?: unknown } | null)?.action;
  return `${event}.${typeof action === 'string' ? action : ''}`;
}

/** An `issues` or `issue_comment` delivery as the app's event; null for anything else. */
function normalizeIssueDelivery(event: string, name: string, payload: unknown, id: string): TrackerEvent | null {
  if (event === 'issue_comment') return normalizeGitHubCommentEvent(name, payload, id);
  return event === 'issues' ? normalizeGitHubIssueEvent(name, payload, id) : null;
}

/**
 * Settles, before Probot makes anything for it (its Octokit, its logger, its context), a delivery whose signature the
 * caller has verified and that no route can want: one of the subscribed issue events, read exactly as the app's
 * handler reads it, that `settle` takes. False for anything else, which then goes through Probot as always (a payload
 * that cannot be read is logged there).
 */
export function settleBeforeProbot(
  event: string,
  payload: unknown,
  id: string,
  settle: (event: TrackerEvent) => boolean,
): boolean {
  const name = deliveryName(event, payload);
  if (!SUBSCRIBED.has(name) || githubPayloadProblem(name, payload) !== null) return false;
  const normalized = normalizeIssueDelivery(event, name, payload, id);
  return normalized !== null && settle(normalized);
}
