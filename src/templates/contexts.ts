/**
 * What the templates receive. Every string here is already safe markdown: user text was neutralized
 * before it was put into these objects, so templates print them as they are (`noEscape`).
 */

export interface RenderedStep {
  /** Stable step id; the hidden marker and the handbook anchor. */
  id: string;
  /** Role tag or owner shown in parentheses, e.g. `IM`, `SwEng`, `release managers`. */
  role: string;
  text: string;
  /** Where the 🔗 points: the handbook section of this step. */
  url: string;
  done: boolean;
  /**
   * Not applicable: null when the step applies; otherwise the reason ('' when none was given), already
   * neutralized. A step that does not apply is shown ticked and struck through, with the reason.
   */
  na: string | null;
}

export interface RenderedPhase {
  id: string;
  title: string;
  /** The phase's due date (`YYYY-MM-DD`), null when it has none (no offset, or no disclosure date yet). */
  date: string | null;
  /** Steps done out of the phase's steps: `3/24`. */
  progress: string;
  steps: RenderedStep[];
  /** Steps of this phase that live on the other ticket, each a line that links there (safe markdown). */
  links: RenderedLink[];
}

/** A pointer to steps that live on the other ticket of the incident (one place, one owner). */
export interface RenderedLink {
  text: string;
  /** Where: the other ticket as a markdown reference, and the handbook sections of the steps. */
  reference: string;
}

export interface QuickLinkRow {
  label: string;
  /** Safe markdown: a quiet username, a link, a date or `_not set_`. */
  value: string;
}

export interface RelatedTicketRow {
  /** `Release`, `Communications`, `Task`. */
  role: string;
  /** A markdown reference: `[group/project#12](url)` or just the identifier for a public child. */
  reference: string;
  title: string;
}

/** The master ticket's bot block (inside the markers, which the core adds around it). */
export interface IncidentContext {
  id: string;
  /** The whole checklist's progress: `12/40 steps done`. */
  progress: string;
  quickLinks: QuickLinkRow[];
  phases: RenderedPhase[];
  related: RelatedTicketRow[];
}

/** The release ticket (seed 001). */
export interface ReleaseContext {
  id: string;
  /** Markdown reference to the master ticket. */
  master: string;
  /** Safe one-line title of the incident. */
  title: string;
  phases: RenderedPhase[];
}

export interface ApprovalCell {
  groupId: string;
  groupName: string;
  /** Quiet usernames (no ping): `` `@alice` ``, or `_none configured_`. */
  approvers: string;
  backups: string;
  /** Step id of the checkbox: `approve-<deliverable>-<group>`. */
  stepId: string;
  /** Where the 🔗 points: the handbook's explanation of approving. */
  url: string;
  done: boolean;
}

export interface DeliverableRow {
  id: string;
  name: string;
  approvals: ApprovalCell[];
  /** Group names informed but not approving, joined: `Support, Corporate Communications`. */
  fyi: string;
  /** What the quorum asks of this deliverable at the cut-off, one sentence ('' when no group approves it). */
  quorumRule: string;
  /** The DRI group and its people, quietly: `Corporate Communications (`@director`)`; '' when none is named. */
  dri: string;
}

/** The communications ticket (seed 000). */
export interface CommsContext {
  id: string;
  master: string;
  title: string;
  deliverables: DeliverableRow[];
  /** Group names whose approval counts toward quorum, joined. */
  required: string;
  quorum: number;
  responseMinutes: number;
  /** Cut-off per severity, human readable: `high: 6 h, medium: 12 h, low: 24 h`. */
  cutoff: string;
  /** The process steps of the communications ticket (COMMS_STEPS), as checklist lines. */
  steps: RenderedStep[];
  /** The bot-managed approval status table (markdown), '' before any review. */
  statusTable: string;
}

/** A tracking ticket opened with `/task` in a confidential or private place. */
export interface TaskContext {
  id: string;
  /** Safe one-line title of the task. */
  title: string;
  /** Markdown reference to the master ticket. */
  master: string;
  /** The owner, named without a ping (the assignment notifies them). */
  owner: string;
  /** `YYYY-MM-DD`. */
  due: string;
  /** Safe one-line summary of the incident (the master's title). */
  summary: string;
  /** What the owner is expected to do: safe markdown, the title when nothing more was said. */
  action: string;
}

/** One response figure of the incident report; `note` says what it counts from, or why it cannot be given. */
export interface ReportFigure {
  name: string;
  /** `1 h 5 min`, or a word saying it is not known (`unknown`, `not yet`, `not acknowledged`). */
  value: string;
  note: string;
}

/** The incident report (seed 003 "Incident report", seed 004), posted at the conclusion and previewed by `/report`. */
export interface ReportContext {
  id: string;
  /** Safe one-line title of the master. */
  title: string;
  /** What this report is: a preview, or the report of a resolution, a false alarm, a closing. */
  kind: string;
  /** True for `/report`'s preview. */
  preview: boolean;
  /** RFC 3339 time the report was composed. */
  at: string;
  status: string;
  severity: string;
  figures: ReportFigure[];
  /** Status and severity changes, oldest first; `by` is a quiet username. */
  progression: Array<{ at: string; by: string; change: string }>;
  /** Who holds each role now (quiet usernames, or `_not set_`). */
  roles: Array<{ role: string; holder: string }>;
  /** Roles that changed hands, oldest first. */
  handoffs: Array<{ at: string; role: string; from: string; to: string }>;
  /** Situation reports posted with `/sitrep`, those the cadence called for, and the reminders the app posted. */
  sitreps: { sent: number; due: string; reminders: number };
  /** Per deliverable of the communications ticket: its outcome, the cut-off's decision and who approved when. */
  approvals: Array<{ deliverable: string; outcome: string; cutoff: string; approvals: string }>;
  /** Tracking tickets by owner. */
  owners: Array<{ owner: string; done: number; open: number; overdue: number; tickets: string }>;
  /** The timeline's first and last lines (null when there is none), and a link to the whole. */
  timeline: { first: string | null; last: string | null; link: string };
  /** The Mermaid source of the diagram of the incident over time, without its fence. */
  diagram: string;
}

/**
 * The description of a draft security advisory (`/advisory`, GitHub): what the master knows that may be published.
 * Nothing internal (the master's text, its references, its people) is given to it: the advisory is public one day.
 */
export interface AdvisoryContext {
  /** Safe one-line summary: the incident's title without its identifier. */
  summary: string;
  /** `CVE-2026-12345`, or null before one is known. */
  cve: string | null;
  /** CWE ids joined (`CWE-79, CWE-80`); '' when none is recorded. */
  cwes: string;
  /** The CVSS score or vector as recorded (`9.8`, a vector in a code span); null when none. */
  cvss: string | null;
  /** Affected and patched versions from the release ticket's details; null while `_to be filled_`. */
  affected: string | null;
  patched: string | null;
}

/**
 * The public summary `/disclose lift confirm` posts on a redacted public source (GitHub) and writes into a lifted
 * ticket (GitLab): only what is public once the incident is disclosed.
 */
export interface PublicSummaryContext {
  id: string;
  /** A markdown link to the published advisory, or null when there is none. */
  advisory: string | null;
  cve: string | null;
  /** The fixed versions from the release ticket; null when not recorded. */
  fixed: string | null;
  /** The disclosure date, `YYYY-MM-DD` (UTC). */
  disclosed: string;
}
