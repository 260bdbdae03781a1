import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProbotOctokit } from 'probot';
import type { AdvisoryEvent, LabelEvent, PushEvent, TrackerEvent } from '../kernel/events.js';
import type { EventOutcome } from '../run/context.js';
import type { GitLabClientOptions } from '../tracker/gitlab/client.js';
import type { FileCache, Tracker } from '../tracker/port.js';
import type { DeliveryGuard } from './coordination/delivery-guard.js';
import type { KeyedLock } from './coordination/keyed-lock.js';
import type { SweepGate } from './coordination/sweep-gate.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { StateKeys } from './state-seal.js';
import type { WorkQueue } from './work-queue.js';
import type { CoalesceOptions } from './coordination/coalesce.js';
import type { InstallationChanges } from './coordination/installation-changes.js';

/**
 * What a tracker brings to the server, made by its composition (`composeGitHub`, `composeGitLab`) from the
 * environment: the webhook route, the check that keeps the app from answering its own events, and the trackers the
 * sweep visits. The server wires them into one HTTP server, one work queue and one sweep.
 */
export interface TrackerComposition {
  /** Serves the tracker's webhook path (`/api/github/webhooks`, `/api/gitlab/webhooks`). */
  route(req: IncomingMessage, res: ServerResponse): void;
  /** The own-event check on one of this composition's trackers: true when the actor is the app itself. */
  isSelf(tracker: Tracker): SelfCheck;
  /**
   * The trackers the sweep visits at `at`, each with the keys of its hidden state (GitHub: one per installation, the
   * list of installations kept between sweeps; see `GitHubInstallations`).
   */
  sweepTargets(at: Date): Promise<SweepTarget[]>;
}

/** A composition, or what the environment lacks for it. */
export type Composed = { composition: TrackerComposition } | { missing: string };

/** True when the actor is the app itself: its own events are never answered. */
export type SelfCheck = (actor: { username: string; id: number }) => Promise<boolean>;

/** A tracker the sweep visits, with the keys of its hidden state. */
export interface SweepTarget {
  tracker: Tracker;
  stateKeys: StateKeys;
  /**
   * Told that sweeping this target failed with `error`; true when the error says the target is gone (a GitHub
   * installation answering 401 or 404): it is dropped, and the failure is no failure of the sweep.
   */
  gone?(error: unknown): boolean;
}

/** A delivery's work as the queue runs it: its logger (one per delivery) and its way to give its turn up. */
export interface DeliveryWork {
  /** The delivery's logger (`logFor`); made anew when left out. */
  log: Logger;
  /** Lets the next queued job of the incident start (the `releaseTurn` the work queue hands its job). */
  yieldTurn: () => void;
}

/** What a composition needs of the server: where deliveries are handled (through the work queue) and logged. */
export interface CompositionDeps {
  log: Logger;
  queue: WorkQueue;
  /** Handles one delivery with the tracker it came from (`handleEvent` with the server's context). */
  handle(
    event: TrackerEvent,
    tracker: Tracker,
    isSelf: SelfCheck,
    stateKeys: StateKeys,
    work?: Partial<DeliveryWork>,
  ): Promise<EventOutcome>;
  /**
   * Counts and settles at once a delivery no route can want (`ordinaryKind`): its outcome, or null when it must be
   * handled (`handle`, through the queue). Called before anything is built for the delivery.
   */
  settleOrdinary?(event: TrackerEvent): EventOutcome | null;
  /** The logger of a delivery's work: every line carries its id, tracker, event and incident. */
  logFor(event: TrackerEvent): Logger;
  /** The server's metrics: the clients tell them their requests. */
  metrics: Metrics;
  /** Handles one repository advisory delivery (GitHub) with the tracker it came from. */
  handleAdvisory(
    event: AdvisoryEvent,
    tracker: Tracker,
    isSelf: SelfCheck,
    stateKeys: StateKeys,
    yieldTurn?: () => void,
  ): Promise<EventOutcome>;
  /** Handles one label creation (GitHub's `label.created`) with the tracker it came from. */
  handleLabel?(event: LabelEvent, tracker: Tracker, isSelf: SelfCheck, stateKeys: StateKeys): Promise<EventOutcome>;
  overrides: ServerOverrides;
  /** Configuration and template files kept between events, one cache per tracker (see `ConfigFiles`). */
  files?: { github: FileCache; gitlab: FileCache };
  /**
   * Handles a push to a default branch (the `config-push` route); with the project's tracker, the configuration it
   * changed is checked and the result written on the commit.
   */
  push?(change: PushEvent, tracker?: Tracker): Promise<unknown>;
  /** What replicas share of the GitHub App's installations, and how a change wakes the sweep. */
  installations?: { changes: InstallationChanges; wake(): Promise<void> };
}

/** Seams for tests: a quieter Octokit (no throttling), a logger, shared guards. */
export interface ServerOverrides {
  log?: Logger;
  /** Production: `resilientOctokit()` (retries, throttling, a timeout per request). */
  githubOctokit?: typeof ProbotOctokit;
  /** Retry policy and rate limits of the GitLab client; production defaults when left out. */
  gitlabClientOptions?: Omit<GitLabClientOptions, 'host' | 'token'>;
  /** How long a GitHub delivery waits for its work before it is answered ({@link GITHUB_ANSWER_WITHIN_MS}). */
  githubAnswerWithinMs?: number;
  /** How long a GitLab delivery waits for its work before it is answered 202 (8 s by default). */
  gitlabAnswerWithinMs?: number;
  deliveries?: DeliveryGuard;
  locks?: KeyedLock;
  /** How a batch of ticks waits for the rest of a burst (production defaults when left out). */
  coalesce?: CoalesceOptions;
  sweepGate?: SweepGate;
  /** The clock of event handling (tests pass a fixed one). */
  now?: () => Date;
  /** Where a `*.pem` private key is looked for (Probot's convention); the process's working directory by default. */
  cwd?: string;
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
