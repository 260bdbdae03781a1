/**
 * Tracker-neutral shapes of what the app reads from GitHub and GitLab.
 * The core decides on these plain objects only; adapters translate to and from them.
 */

export type TrackerKind = 'github' | 'gitlab';

/** What a tracker can do natively; the core and shell branch on these flags, never on the tracker's name. */
export interface TrackerCapabilities {
  /** Issues can be confidential one by one (GitLab). Without it, privacy is the repository's (GitHub). */
  confidentialIssues: boolean;
  /** The tracker links issues natively (GitLab issue links; GitHub sub-issues within one owner). */
  nativeLinks: boolean;
  /**
   * An issue can be created already attached to its parent, in one request (GitHub GraphQL `createIssue` with
   * `parentIssueId`; the adapter falls back to a create and a link on servers without it). Without it, a child is
   * created, then linked (`linkIssues`).
   */
  attachOnCreate: boolean;
  /**
   * A label must exist in a project before an issue is created with it in one request (GitHub: GraphQL names labels by
   * id), so the labels of incidents are prepared ahead (`ensureLabels`). Without it (GitLab) naming a label on an issue
   * creates it, and `ensureLabels` is a no-op.
   */
  labelsBeforeUse: boolean;
  /** A conversation can be locked so that only maintainers comment (GitHub). */
  lockConversation: boolean;
  /** An issue can be deleted through the API (GitHub GraphQL `deleteIssue`, with admin rights). */
  deleteIssue: boolean;
  /** Issues have a due date field of their own (GitLab). Without it, a due date is a `Due:` line of the text. */
  dueDates: boolean;
  /**
   * Webhook deliveries are signed by the tracker itself (GitHub: an HMAC with a secret only GitHub and the app hold),
   * so what a delivery says (who acted, the comment's text, the project's visibility) is the tracker's word. Without it
   * (GitLab: a token every maintainer who registers a hook knows, and no signature over the body) the shell asks the
   * tracker before anything a delivery says counts.
   */
  signedDeliveries: boolean;
  /**
   * Repository security advisories (GitHub's GHSA): private vulnerability reports arrive as advisories, and the app can
   * draft, update and publish one, request its CVE and open its temporary private fork. GitLab has none.
   */
  securityAdvisories: boolean;
  /** Check runs on commits (GitHub's Checks API; the app needs *Checks: write*), else commit comments. */
  checks: boolean;
  /** Commit statuses and notes on commits (GitLab). */
  commitStatuses: boolean;
}

/**
 * What a person may do in a project, as the tracker reports it (GitHub repository roles; GitLab access levels
 * mapped onto them). Authorization is always taken from this answer, never from what an issue or comment says.
 */
export type AccessLevel = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** True for the levels that may change a project's content: write, maintain and admin. */
export function canWrite(level: AccessLevel): boolean {
  return level === 'write' || level === 'maintain' || level === 'admin';
}

/** An issue to be created. */
export interface IssueDraft {
  title: string;
  body: string;
  /**
   * The labels the issue must carry from its creation: those that find it again (an incident's identifier, a ticket's
   * role), so that a run interrupted right after the create finds it and never opens a second one.
   */
  labels: string[];
  /**
   * Labels that only mirror a state the issue's own text holds (the communications ticket's approval labels), which a
   * later decision rewrites from that state: they may follow the creation by a moment, in a second write, where giving
   * them in the create would cost more (GitHub's GraphQL create names labels by id, so a label the repository lacks
   * would first be created on its own). Adapters that create labels on use (REST `POST /issues`, GitLab) send them
   * with `labels`. Nothing may look an issue up by them. The answer of a create carries them either way.
   */
  statusLabels?: string[];
  /** Requested confidentiality; ignored where the tracker has no confidential issues. */
  confidential: boolean;
  /** Usernames to assign; the tracker may keep fewer (read the answer). */
  assignees?: string[];
  /** `YYYY-MM-DD`; only where the tracker has due dates (GitLab). */
  dueDate?: string;
}

/** Every label a draft gives its issue: `labels`, then the `statusLabels` not among them, each once. */
export function draftLabels(draft: Pick<IssueDraft, 'labels' | 'statusLabels'>): string[] {
  return [...new Set([...draft.labels, ...(draft.statusLabels ?? [])])];
}

/** A project (GitLab) or repository (GitHub), named by its full path: `group/sub/project` or `owner/repo`. */
export interface Project {
  path: string;
  /** GitLab's numeric project id; GitHub's repository id. */
  id: number;
  visibility: 'private' | 'internal' | 'public';
  webUrl: string;
  defaultBranch: string;
}

/** Points at one issue: the project path and the per-project number (GitHub number, GitLab iid). */
export interface IssueRef {
  project: string;
  number: number;
}

export interface Issue {
  ref: IssueRef;
  /** The tracker's global id (GitHub `id`, used by sub-issues; GitLab global `id`). */
  id: number;
  /**
   * The tracker's GraphQL node id where it has one and answered it (GitHub `node_id`): an issue named as a parent by it
   * needs no read.
   */
  nodeId?: string;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  /** GitLab's per-issue confidentiality. Always false on GitHub, where privacy is the repository's. */
  confidential: boolean;
  locked: boolean;
  author: string;
  assignees: string[];
  /** The tracker's own due date (`YYYY-MM-DD`, GitLab); absent or null where there is none. */
  dueDate?: string | null;
  webUrl: string;
  /** ISO 8601 timestamps as the tracker reports them. */
  createdAt: string;
  updatedAt: string;
}

export interface Comment {
  id: number;
  author: string;
  /**
   * The author's numeric id on the tracker (GitHub user id, GitLab user id; 0 when the tracker names nobody, as for a
   * deleted account). Whether a comment is the app's own is decided by this id, never by the name.
   */
  authorId: number;
  body: string;
  createdAt: string;
}

/** Renders `group/project#12` for humans and logs. */
export function formatRef(ref: IssueRef): string {
  return `${ref.project}#${ref.number}`;
}

/** True when two refs point at the same issue (project paths compare case-insensitively, as both trackers do). */
export function sameRef(a: IssueRef, b: IssueRef): boolean {
  return a.number === b.number && a.project.toLowerCase() === b.project.toLowerCase();
}

/** `group/project#12` back to a ref; null for anything else. */
export function parseRef(text: string | undefined): IssueRef | null {
  const match = /^(?<project>.+)#(?<number>\d+)$/.exec(text ?? '')?.groups;
  return match ? { project: match.project!, number: Number(match.number) } : null;
}

/** Description (issue body) limits of the trackers, in characters. JavaScript counts UTF-16 units, never fewer. */
export const DESCRIPTION_LIMITS: Record<TrackerKind, number> = { github: 65536, gitlab: 1048576 };
