import type { Advisory, AdvisoryDraft, AdvisoryPatch, AdvisoryState } from '../kernel/advisory.js';
import { roleLabel } from '../kernel/identifier.js';
import type {
  AccessLevel,
  Comment,
  Issue,
  IssueDraft,
  IssueRef,
  Project,
  TrackerCapabilities,
  TrackerKind,
} from '../kernel/model.js';

export type { AccessLevel, TrackerCapabilities } from '../kernel/model.js';
export type { Advisory, AdvisoryDraft, AdvisoryPatch } from '../kernel/advisory.js';

/** Which advisories `listAdvisories` answers. */
export interface AdvisoryQuery {
  /** Only advisories in this state; every state when left out. */
  state?: Exclude<AdvisoryState, 'withdrawn'>;
}

/** The temporary private fork of an advisory's repository, where the fix is prepared. */
export interface PrivateFork {
  /** `owner/repo-ghsa-xxxx-xxxx-xxxx`. */
  path: string;
  webUrl: string;
}

/** A new issue; `confidential` is ignored where the tracker has no confidential issues. */
export type NewIssue = IssueDraft;

/** Only the keys present are written. `labels` and `assignees` are complete new sets. */
export interface IssuePatch {
  title?: string;
  body?: string;
  labels?: string[];
  confidential?: boolean;
  state?: 'open' | 'closed';
  /**
   * The complete new set of assignees, by username; `[]` unassigns everyone. The tracker may keep fewer than asked
   * (GitLab Free keeps only the first; GitLab drops people who cannot see the project; GitHub ignores the change
   * without push access), so read the answer. GitLab adapters throw a 422 `TrackerError` for an unknown username.
   */
  assignees?: string[];
}

export interface IssueQuery {
  /** Issues carrying every one of these labels. */
  labels: string[];
  state?: 'open' | 'closed' | 'all';
}

/** The outcome of a native link request. */
export type LinkResult = 'linked' | 'already-linked' | 'unsupported';

/**
 * What `createAttachedIssue` answered: the issue as the tracker created it, and its native link to the parent;
 * `unknown` when the adapter cannot tell whether the link was made (the answer to the create was lost and the issue was
 * found again by its labels and text): link it with `linkIssues`, which is idempotent.
 */
export interface AttachedIssue {
  issue: Issue;
  link: LinkResult | 'unknown';
}

/** The outcome of a delete request. */
export type DeleteResult = 'deleted' | 'forbidden';

/** Who is asking, as the webhook delivery names them: GitHub looks people up by login, GitLab by numeric id. */
export interface AccessActor {
  username: string;
  id: number;
}

/** A kind of change of an issue whose author the app asks the tracker about (`listChanges`). */
export type ChangeQuery =
  /** The additions of one label. */
  | { kind: 'label-added'; label: string }
  /** The retitles; the issue's opening (the title it was opened with) comes last. */
  | { kind: 'title' }
  /** The edits of the description (ticked checklist boxes included). */
  | { kind: 'description' }
  /**
   * The changes of the tracker's own severity field of an incident (GitLab's `/severity` quick action or its sidebar).
   * GitHub issues have no such field: always empty there.
   */
  | { kind: 'severity' };

/** One change as the tracker records it: who made it, and when (ISO 8601). */
export interface IssueChange {
  actor: AccessActor;
  at: string;
}

/** The account the app acts as on a tracker: what it writes is authored by it. */
export interface SelfAccount {
  /** The tracker's numeric user id: the one thing ownership is decided by (a name can be look-alike or renamed). */
  id: number;
  username: string;
}

/** The label that marks an incident's master issue (`incident::master`), which `listOpenMasters` looks for. */
export const MASTER_LABEL = roleLabel('master');

/** The app's configuration file as found in the tracker, with where it was found (for error messages). */
export interface ConfigFile {
  text: string;
  location: string;
}

/** A file of a default branch as last read (null: there was none), with the validator the tracker answered. */
export interface CachedFile {
  text: string | null;
  /** GitHub's `ETag`, sent back as `If-None-Match`: a 304 answer costs no rate limit. */
  etag?: string;
}

/**
 * Files of projects' default branches (configuration, template overrides) kept between events by the server, keyed by
 * project and path. A `fresh` entry is used without a request; a stale one is revalidated (conditionally where the
 * tracker offers it). Push events to a default branch drop what they change (see `ConfigFiles` in the server).
 */
export interface FileCache {
  /** The entry of `path` in `project`, and whether it may be used without asking the tracker. */
  lookup(project: string, path: string): { file: CachedFile; fresh: boolean } | undefined;
  /** Keeps what the tracker answered (or confirmed unchanged) just now. */
  store(project: string, path: string, file: CachedFile): void;
}

/** What the configuration check is named on the trackers (check run, commit status, the comment's heading). */
export const CONFIG_CHECK_NAME = 'incident-desk configuration';

/** One problem of a configuration check, at its place in a file of the checked project. */
export interface ConfigAnnotation {
  /** The file's path in the project. */
  path: string;
  /** 1-based. */
  line: number;
  column?: number;
  message: string;
}

/** What a configuration check reports on a commit (see `configCheckReport`): configuration problems only. */
export interface ConfigCheckReport {
  conclusion: 'success' | 'failure';
  /** One line. */
  title: string;
  /** Markdown: every problem with its file, line and column, or what was found valid. */
  summary: string;
  annotations: ConfigAnnotation[];
}

/**
 * How a configuration check was written on a commit: a GitHub check run; a GitHub commit comment where the app may not
 * write checks (a failure only); a GitLab commit status (with a note on the commit on a failure); or nothing.
 */
export type ConfigCheckWritten = 'check-run' | 'commit-comment' | 'commit-status' | 'commit-status-and-note' | 'none';

/**
 * The port every tracker adapter implements. Each method is one logical request (an adapter may page),
 * answers with what the tracker returned, and throws `TrackerError` on failure.
 */
export interface Tracker {
  readonly kind: TrackerKind;
  readonly capabilities: TrackerCapabilities;

  /**
   * The account the app itself acts as (GitHub: the App's bot user; GitLab: the token's user), with the tracker's id.
   * Comments and issues the app writes carry this author. Read once and kept (the answer never changes for a
   * tracker's credentials); throws a `TrackerError` when the tracker cannot say.
   */
  getSelf(): Promise<SelfAccount>;

  /** Reads a project or repository; throws a 404 `TrackerError` when it does not exist or is not visible. */
  getProject(path: string): Promise<Project>;

  /** Reads one issue fresh from the tracker. */
  getIssue(ref: IssueRef): Promise<Issue>;

  /** Lists the issues (never pull requests) of a project that carry all the given labels, oldest first. */
  listIssues(project: string, query: IssueQuery): Promise<Issue[]>;

  /**
   * Creates an issue and returns it as the tracker answered (check `confidential` on the answer), with every label of
   * the draft, its `statusLabels` included, in the one request.
   */
  createIssue(project: string, input: NewIssue): Promise<Issue>;

  /** Writes the given fields of an issue in one request and returns the issue as the tracker answered. */
  updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue>;

  /** Lists an issue's comments, oldest first (system notes excluded). */
  listComments(ref: IssueRef): Promise<Comment[]>;

  /** Reads one comment of an issue by id; throws a 404 `TrackerError` when the issue has no such comment. */
  getComment(ref: IssueRef, commentId: number): Promise<Comment>;

  /** Posts a comment on an issue. */
  createComment(ref: IssueRef, body: string): Promise<Comment>;

  /**
   * Who changed an issue, as the tracker itself records it, newest first: who added a label (GitHub `labeled` issue
   * events; GitLab resource label events, labels given at the opening included), who retitled it (GitHub `renamed`
   * events; GitLab "changed title" system notes; then the opening by its author), who edited its description (GitHub's
   * content edits; GitLab "changed the description" and "marked the checklist item" system notes, the most recent
   * hundred notes). The app asks where it must know who acted and the delivery is not the tracker's word
   * (`capabilities.signedDeliveries`), or where the event at hand is not the change it asks about.
   */
  listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]>;

  /** Replaces the body of one comment. */
  updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment>;

  /** Links `child` to `parent` natively (relates_to / sub-issue); idempotent. */
  linkIssues(parent: Issue, child: Issue): Promise<LinkResult>;

  /**
   * Creates an issue already attached natively to `parent` (GitHub: a sub-issue), and answers it with the link's
   * outcome: `linked` when the tracker attached it, `unsupported` where the pair cannot be linked natively (GitHub
   * across owners: the issue is created unattached, without a link request), `unknown` when the adapter cannot tell.
   * Like `createIssue`, never resent blindly. Only where `capabilities.attachOnCreate`; elsewhere it throws a
   * `TrackerError` before any request, and a child is created, then linked. The draft's `statusLabels` the project
   * lacks may be added by one more write right after the create (GitHub, whose create names labels by id), not created
   * one by one first; the answer carries every label the issue ended with. Should that write fail, it throws with the
   * issue created and findable by its `labels`.
   */
  createAttachedIssue(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue>;

  /**
   * Makes sure a project has these labels, so that issues can later be created with them in one request: reads the
   * project's labels once and creates only those it lacks (names compare as the tracker compares them; GitHub ignores
   * case). Answers the names it created, in the order given; `[]` when all were there. GitHub names labels by id when
   * an issue is created attached to its parent (GraphQL), so a label must exist before; a label another request made
   * meanwhile counts as present. GitLab creates a label when an issue is first given it: there this is a no-op that
   * makes no request and answers `[]`. Never for an incident's identifier label (per incident, and it would show that
   * an incident exists): label names written ahead of an incident carry no incident content.
   */
  ensureLabels(project: string, names: string[]): Promise<string[]>;

  /** Locks an issue's conversation; idempotent. Only where `capabilities.lockConversation`. */
  lockIssue(ref: IssueRef): Promise<void>;

  /** Deletes an issue where the app is allowed to; answers `forbidden` when it is not. */
  deleteIssue(issue: Issue): Promise<DeleteResult>;

  /**
   * Reports a configuration check on a commit of a project's default branch. GitHub (`capabilities.checks`): a check
   * run with one annotation per located problem; where the installation may not write checks (a 403), a commit comment
   * listing the problems instead (nothing for a success). GitLab (`capabilities.commitStatuses`): a commit status,
   * plus a note on the commit listing the problems on a failure. Answers what it wrote.
   */
  reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten>;

  /** Reads the app's configuration for a project, following the tracker's own fallback; null when none exists. */
  readConfig(project: string): Promise<ConfigFile | null>;

  /** Reads one file from a project's default branch; null when it does not exist. */
  readFile(project: string, path: string): Promise<string | null>;

  /**
   * The actor's access to a project as the tracker reports it (GitHub collaborator role, inherited GitLab
   * membership). `none` when the tracker does not know the person as a collaborator or member (its 404), and
   * also when the project itself is missing or not visible: both answer the same 404. Other failures throw.
   */
  getAccess(project: string, actor: AccessActor): Promise<AccessLevel>;

  /**
   * Whether the actor is an active member of a team, for approval groups that name a team instead of people.
   * `team` is a GitHub team `@org/team-slug` (or `org/team-slug`), or a GitLab group path `group/subgroup` (with or
   * without a leading `@`; members inherited from ancestor groups count). False when the tracker does not know the
   * person as a member or does not know the team (its 404), and for a membership still pending or awaiting approval.
   * A name that cannot be a team on this tracker (on GitHub anything but `org/slug`) throws a `TrackerError` before
   * any request. Other failures throw: they never answer false, nor true.
   */
  isTeamMember(team: string, actor: AccessActor): Promise<boolean>;

  /**
   * Every open issue labelled `incident::master` that the tracker's credentials can see, across projects, oldest
   * first where the tracker can sort; for a periodic sweep. GitHub answers from its search index (one installation
   * account, at most 1000 results, possibly a little behind); GitLab lists every issue the token can see,
   * public projects included, so a caller must still check that each project is one the app serves.
   */
  listOpenMasters(): Promise<Issue[]>;

  /**
   * The project holding the configuration every project of these credentials falls back to, for the sweep to find
   * what is configured where no incident is open yet: on GitHub the installation account's `.github` repository (where
   * `readConfig` looks when a repository has no file of its own); null where the tracker has none (GitLab) or the
   * account is not known. No request (async like every port method).
   */
  sharedConfigProject(): Promise<string | null>;

  /**
   * Unlocks an issue's conversation, so that anyone may comment again; idempotent. Only where
   * `capabilities.lockConversation`.
   */
  unlockIssue(ref: IssueRef): Promise<void>;

  /**
   * One repository security advisory by its GHSA id, as the tracker answers it now (drafts and private reports
   * included, which the app's installation may read). Throws a 404 `TrackerError` when the repository has no such
   * advisory. Only where `capabilities.securityAdvisories`; elsewhere every advisory method throws a `TrackerError`.
   */
  getAdvisory(repository: string, ghsaId: string): Promise<Advisory>;

  /**
   * The advisories of a repository (`owner/repo`), or of every repository of an organisation (`owner`), newest first,
   * every page. Only where `capabilities.securityAdvisories`.
   */
  listAdvisories(scope: string, query?: AdvisoryQuery): Promise<Advisory[]>;

  /**
   * Creates a draft advisory in a repository and answers it as the tracker did. Never resent blindly: after an
   * uncertain failure the drafts are looked through for one with the same summary first. Only where
   * `capabilities.securityAdvisories`.
   */
  createAdvisory(repository: string, draft: AdvisoryDraft): Promise<Advisory>;

  /**
   * Writes the given fields of an advisory in one request (`state: 'published'` publishes it) and answers it as the
   * tracker did. Only where `capabilities.securityAdvisories`.
   */
  updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch): Promise<Advisory>;

  /**
   * Asks the tracker's CVE numbering authority for a CVE id for the advisory (GitHub answers 202: the id comes later,
   * and is read from the advisory). Only where `capabilities.securityAdvisories`.
   */
  requestAdvisoryCve(repository: string, ghsaId: string): Promise<void>;

  /**
   * Creates the advisory's temporary private fork (GitHub makes it in the background; it may take minutes before it can
   * be used) and answers where it is. Only where `capabilities.securityAdvisories`.
   */
  createAdvisoryFork(repository: string, ghsaId: string): Promise<PrivateFork>;
}

/** A team name without its leading `@` (`@org/team` and `org/team` name the same team). */
export function teamPath(team: string): string {
  return team.startsWith('@') ? team.slice(1) : team;
}

/** Where each tracker keeps the app's configuration (GitHub also looks in the owner's `.github` repository). */
export const CONFIG_PATHS: Record<TrackerKind, string> = {
  github: '.github/incident-desk.yml',
  gitlab: '.gitlab/incident-desk.yml',
};
