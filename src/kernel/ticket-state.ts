/**
 * Shapes of a running incident (checklist tracking, Quick Links fields, timeline, severity, sitreps,
 * handoffs). Pure data; the master's hidden state keeps `RunState`.
 */

export type Severity = 'high' | 'medium' | 'low';

/** The two roles a handoff moves. */
export type HolderRole = 'im' | 'deputy';

/** The Quick Links fields a person may set by command (`/set <field> <value>`). */
export type FieldKey =
  | 'incident-manager'
  | 'deputy'
  | 'disclosure-date'
  | 'cvss'
  | 'advisory'
  | 'chat'
  | 'support-ticket'
  | 'post-mortem';

/** The Quick Links label of each field, exactly as the table shows it. */
export const FIELD_LABELS: Record<FieldKey, string> = {
  'incident-manager': 'Incident Manager',
  deputy: 'Deputy Incident Manager',
  'disclosure-date': 'Public Disclosure Date',
  cvss: 'CVSS Score',
  advisory: 'Security Advisory',
  chat: 'Chat Channel',
  'support-ticket': 'Support Ticket',
  'post-mortem': 'Post-mortem',
};

/** A pending handoff: `from` asked `to` to take `role`; it completes when `to` accepts. */
export interface PendingHandoff {
  from: string;
  to: string;
  role: HolderRole;
  /** ISO time of the request. */
  at: string;
  /** The expiry (not accepted within the hour) was reported. */
  reported?: boolean;
}

/** What the app tracks while an incident runs, kept in the master's hidden state. */
export interface RunState {
  severity?: Severity;
  /** CVE ids recorded with `/cve`; aliases of the incident identifier. */
  aliases?: string[];
  /** Steps marked not applicable, by step id, with the reason ('' when none was given). */
  na?: Record<string, string>;
  /** Ids of the timeline comments, oldest first; entries are appended to the last. */
  timeline?: number[];
  /** ISO time from which the sitrep cadence counts: the last sitrep, or when the severity was set. */
  sitrepSince?: string;
  /** How many sitrep windows since `sitrepSince` were reminded already. */
  sitrepReminders?: number;
  /** Phase ids whose due date passed with open steps and were nudged. */
  nudged?: string[];
  handoff?: PendingHandoff;
  /** When a person last changed each box (by step id) or Quick Links cell (by label): the edit's `updated_at`. */
  changedAt?: Record<string, string>;
}

/** One line of the timeline. */
export interface TimelineEntry {
  /** ISO 8601 UTC time, rendered as RFC 3339 to the second (`2026-11-22T10:03:00Z`). */
  at: string;
  /** Username of who did it, without `@`; the app itself for its own entries. */
  actor: string;
  /** What happened, already neutralized where it quotes people. */
  text: string;
}

/** A command given in a comment. */
export type Command =
  | { name: 'set'; field: FieldKey; value: string }
  | { name: 'cve'; id: string }
  | { name: 'na'; target: string; reason: string }
  | { name: 'timeline'; at?: string; text: string }
  | { name: 'severity'; level: Severity }
  | { name: 'sitrep'; text: string }
  | { name: 'handoff'; to: string; role: HolderRole }
  | { name: 'accept' }
  | { name: 'help' }
  | TaskCommand
  /** Approval commands, on the communications ticket: a deliverable id (or `all` for approve), an optional group id. */
  | { name: 'approve'; deliverable: string; group?: string }
  | { name: 'revoke'; deliverable: string; group?: string }
  | { name: 'request-changes'; deliverable: string; reason: string; group?: string }
  | { name: 'request-approvals'; deliverable?: string }
  /** A word after `/` that is not a command of this app (answered with the help). */
  | { name: 'unknown'; word: string }
  /** A known command with arguments that do not fit; `expected` says what would. */
  | { name: 'invalid'; command: string; expected: string };

/** `/task @owner <project> <title> [due YYYY-MM-DD] [--public]`, with the lines after it as the expected action. */
export interface TaskCommand {
  name: 'task';
  /** Username without `@`. */
  owner: string;
  /** `group/project` or `owner/repo`. */
  project: string;
  title: string;
  /** `YYYY-MM-DD`; the configured SLA when absent. */
  due?: string;
  /** The person confirms the ticket may go to a public place (identifier, title and text only). */
  public: boolean;
  /** What the owner is expected to do (the comment's further lines); '' when the title says it all. */
  text: string;
}

/** How one checklist step changed between two versions of a block. */
export interface StepChange {
  stepId: string;
  /** The step's text as the block shows it, for the timeline. */
  text: string;
  role: string;
  to: 'done' | 'open';
}
