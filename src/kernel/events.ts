import type { Advisory } from './advisory.js';
import type { Comment, Issue, Project, TrackerKind } from './model.js';

/** Who caused an event, as the tracker's payload names them. */
export interface Actor {
  username: string;
  id: number;
  /** The tracker marks the account as a bot (GitHub `type: Bot`, GitLab `bot` user). */
  isBot: boolean;
}

/** An issue was opened, labeled, edited, closed or reopened: the tracker-neutral form of both payloads. */
export interface IssueEvent {
  kind: 'issue';
  tracker: TrackerKind;
  action: 'opened' | 'labeled' | 'unlabeled' | 'edited' | 'closed' | 'reopened' | 'assigned' | 'unassigned' | 'other';
  /** GitHub `X-GitHub-Delivery`; GitLab `Idempotency-Key` (stable across retries). */
  deliveryId: string;
  actor: Actor;
  /** The project as the payload carries it (visibility included). */
  project: Project;
  /** The issue as the payload carries it; the shell reads it fresh before deciding. */
  issue: Issue;
  /** Labels this event added and removed (GitHub `label`; GitLab `changes.labels` diff). */
  addedLabels: string[];
  removedLabels: string[];
  /**
   * The description before this edit, when the payload carries it (GitHub `changes.body.from`; GitLab
   * `changes.description.previous`).
   */
  previousBody?: string;
  /**
   * The severity the tracker's own field of an incident was set to in this change, as the tracker names it (GitLab
   * `changes.severity.current`: `critical`, `high`, `medium`, `low`, `unknown`): GitLab's `/severity` quick action,
   * which GitLab carries out itself on an issue of type Incident, sending this change instead of the comment.
   */
  trackerSeverity?: string;
}

/** A comment was posted on an issue. */
export interface NoteEvent {
  kind: 'note';
  tracker: TrackerKind;
  deliveryId: string;
  actor: Actor;
  project: Project;
  issue: Issue;
  comment: Comment;
}

export type TrackerEvent = IssueEvent | NoteEvent;

/**
 * A repository security advisory changed (GitHub's `repository_advisory`): a private vulnerability report arrived
 * (`reported`), or an advisory was published. Not an issue event: it has a route of its own (`advisory`), and its
 * handler reads the advisory fresh before deciding.
 */
export interface AdvisoryEvent {
  kind: 'advisory';
  tracker: TrackerKind;
  action: 'reported' | 'published';
  deliveryId: string;
  /** Who caused it: the reporter of a report, whoever published. */
  actor: Actor;
  /** The advisory's repository, as the payload carries it. */
  project: Project;
  /** The advisory as the payload carries it. */
  advisory: Advisory;
}

/**
 * A label was created in a repository (GitHub's `label` event, action `created`): whoever creates the trigger label is
 * setting the repository up for incidents, so the app prepares the labels its incidents will need (route
 * `prepare-labels`). Not an issue event; GitLab sends no such event.
 */
export interface LabelEvent {
  kind: 'label';
  tracker: TrackerKind;
  action: 'created';
  deliveryId: string;
  /** Who created the label. */
  actor: Actor;
  /** The repository, as the payload carries it. */
  project: Project;
  /** The label's name. */
  label: string;
}

/**
 * A push to a project's default branch, as far as the app cares: which files it changed (null when the payload cannot
 * say, e.g. more commits than it lists). Pushes to other branches are not normalized.
 */
export interface PushEvent {
  tracker: TrackerKind;
  /** `owner/repo` on GitHub, the path with namespace on GitLab. */
  project: string;
  paths: string[] | null;
  /** The delivery's id, for the logs. */
  deliveryId?: string;
  /** The commit the branch points at after the push (its head), when the payload names one. */
  sha?: string;
}
