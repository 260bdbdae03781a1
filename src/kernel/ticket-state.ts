import type { AdvisorySeverity, AdvisoryState } from './advisory.js';
import type { TicketRole } from './identifier.js';
/**
 * The app's hidden state of a ticket, by role: the master's intake and running incident (`RunState`: severity,
 * timeline, sitreps, handoffs), a child's master, the communications ticket's approvals. Pure data, written into and
 * read from the block by `block.ts`.
 */

export type Severity = 'high' | 'medium' | 'low';

/** The roles a handoff moves: the Incident Manager, the Deputy and the Communications Officer (seed 003). */
export type HolderRole = 'im' | 'deputy' | 'co';

/**
 * Where an incident stands (seed 003): an unconfirmed event is `investigating`; `confirmed` makes it an incident;
 * `contained` and `resolved` follow; a `false-alarm` is concluded and closed.
 */
export type IncidentStatus = 'investigating' | 'confirmed' | 'contained' | 'resolved' | 'false-alarm';

/**
 * One step of the incident's progression, recorded as it happens for the incident report: a status or severity set,
 * a role that changed hands. Only the app writes it (the master's signed state).
 */
export interface Milestone {
  /** ISO time. */
  at: string;
  /** Username of who did it ('' for the app). */
  by: string;
  kind: 'status' | 'severity' | 'role';
  /** The status, the severity, or the role (`im`, `deputy`, `co`) that changed hands. */
  value: string;
  /** Roles: the new holder and the previous one (absent when nobody held it). */
  to?: string;
  from?: string;
}

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
  /** Where the incident stands; absent on incidents declared before statuses were kept (read as investigating). */
  status?: IncidentStatus;
  /** ISO time the incident was declared (the trigger label); the acknowledgement window counts from it. */
  declaredAt?: string;
  /** Who acknowledged the incident and when (`/ack`, or the Incident Manager's first command or tick). */
  ack?: { by: string; at: string };
  /** How many `ackMinutes` windows without an acknowledgement were escalated already. */
  ackEscalations?: number;
  /** Severities whose escalation list was told, once each, when the severity was set. */
  informed?: Severity[];
  /** The progression of status, severity and roles, oldest first, for the incident report. */
  history?: Milestone[];
  /** ISO time the incident became active, when known (`/set detected <time>`): the time to discovery counts from it. */
  detectedAt?: string;
  /** Situation reports posted with `/sitrep`. */
  sitreps?: number;
  /** Sitrep reminders the sweep posted, in all. */
  reminders?: number;
  /** A handoff completed whose incoming holder still owes the sitrep that notes it (seed 003's ceremony). */
  handoverSitrep?: { role: HolderRole; from: string; to: string; at: string };
  /**
   * The incident report of the current conclusion was posted (or its post-mortem ticket opened, `project#n`); cleared
   * when the incident is taken up again (reopened, or its status moved back from resolved).
   */
  report?: { at: string; ticket?: string };
  /** Release ticket phases whose deadline passed and were looked at (nudged when steps were open). */
  releaseNudged?: string[];
  /** The Public Disclosure Date the release ticket's phase headings were dated from (absent: not dated yet). */
  releaseDated?: string;
  /** The incident's disclosure: its security advisory (GitHub), the gate's override, the publication, the lift. */
  disclosure?: DisclosureState;
}

/** What the app knows of an incident's disclosure, kept in the master's run state. */
export interface DisclosureState {
  /** The repository security advisory of the incident (GitHub). */
  advisory?: AdvisoryLink;
  /** `/disclose --force <reason>`: the Incident Manager opened the publication gate. */
  forced?: { by: string; at: string; reason: string };
  /** When the incident was disclosed (ISO), by `/disclose` or by the advisory's publication, and who did it. */
  disclosedAt?: string;
  disclosedBy?: string;
  /** `/disclose lift`: when the list of what would be lifted was shown. */
  liftListedAt?: string;
  /** `/disclose lift confirm`: when confidentiality was lifted. */
  liftedAt?: string;
}

/** The advisory an incident is linked to, as the app last read or wrote it. */
export interface AdvisoryLink {
  /** `owner/repo`. */
  repository: string;
  /** `GHSA-xxxx-xxxx-xxxx`. */
  ghsa: string;
  url: string;
  state: AdvisoryState;
  /** The incident was opened from this advisory (a private vulnerability report, or a draft taken in). */
  origin?: boolean;
  cve?: string | null;
  severity?: AdvisorySeverity | null;
  cvss?: string | null;
  /**
   * Digests of the summary and description the app last wrote into it: a later `/advisory` rewrites them only while
   * nobody changed them on GitHub since.
   */
  written?: { summary: string; description: string };
  /** When a CVE was requested with `/advisory cve`. */
  cveRequestedAt?: string;
  /** The temporary private fork opened with `/advisory fork`. */
  fork?: { path: string; url: string };
  /** When the sweep last read the advisory (ISO). */
  checkedAt?: string;
  publishedAt?: string | null;
  withdrawnAt?: string | null;
}

/** What the app remembers about a ticket, stored in the ticket itself. */
export interface TicketState {
  v: 1;
  role: TicketRole;
  /** The incident identifier. */
  id: string;
  /** Masters: the issue the incident was opened from (`tracker:project#n`), when it is not the master itself. */
  source?: string;
  /** Children: the master, as `project#n`. */
  master?: string;
  /**
   * Masters created confidential first: the source's text is still to be copied in once confidentiality is verified.
   */
  pendingCopy?: boolean;
  /** Masters: intake finished (children, links, summary, source notice). */
  intake?: boolean;
  /**
   * Masters: who applied the trigger label and when, written with the first mark, so that an intake completed
   * later (by the sweep, the next event or `npm run reconcile`) still opens the timeline with them.
   */
  trigger?: { by: string; at: string };
  /**
   * Masters: the First Responder (seed 003): who declared the incident with write (Developer) access as the tracker
   * answered; the initial Incident Manager until a handoff. Absent when whoever declared it had no such access.
   */
  responder?: string;
  /** Masters: who reported the incident (the report's author), never pinged by reminders, and when. */
  reporter?: { author: string; at: string };
  /** Masters: the summary comment was posted. */
  summary?: boolean;
  /** Masters: children natively linked (or found unlinkable), as `project#n`. */
  links?: string[];
  /** Masters: the running incident (severity, timeline, deadlines, handoff). */
  run?: RunState;
  /** Masters: the children opened at intake, so the block can be re-rendered without looking them up. */
  children?: ChildRow[];
  /** Comms tickets: the approval decisions and the review clock. */
  approvals?: ApprovalState;
  /** Tracking tickets: the native link to the master was made (or found impossible); never retried. */
  linked?: boolean;
}

/** A child ticket as the master's block shows it. */
export interface ChildRow {
  role: 'release' | 'comms';
  /** `project#n`. */
  ref: string;
  url: string;
  title: string;
}

export type DecisionStatus = 'approved' | 'changes-requested';

export interface Decision {
  status: DecisionStatus;
  /** Username (without `@`) of who decided. */
  by: string;
  /** ISO time of the decision. */
  at: string;
  /** Why changes were requested (neutralized, one line). */
  reason?: string;
}

/** When drafting of the communications started, and how the app knows: the cut-off counts from it (seed 000). */
export interface DraftingStart {
  /** ISO time. */
  at: string;
  /**
   * `step`: the "Drafting started" step was ticked; `command`: `/drafting`; `opened`: nobody said, so the ticket's
   * creation, fixed when the first review started; `review`: the first review's start (the ticket's creation unknown).
   */
  via: 'step' | 'command' | 'opened' | 'review';
  /** Username (without `@`) of who said so (`step`, `command`). */
  by?: string;
}

export interface ApprovalState {
  /** Key `${deliverable}/${group}`; absent = pending. */
  decisions: Record<string, Decision>;
  /**
   * The single review clock of earlier versions (ISO): read as every deliverable requested at that time, and as the
   * start the announced cut-off counted from. New states keep a clock per deliverable in `requested`.
   */
  requestedAt?: string;
  /** Per deliverable, when its review was requested (ISO): its own clock of back-up pings and cut-off. */
  requested?: Record<string, string>;
  /** When drafting started: the anchor of the cut-off. */
  drafting?: DraftingStart;
  /** Per deliverable, when the cut-off escalated it and when it went ahead at quorum (ISO). */
  outcomeAt?: Record<string, { escalated?: string; quorum?: string }>;
  /** `${deliverable}/${group}` whose back-ups were mentioned (once). */
  pinged?: string[];
  /** Per deliverable, what the cut-off decided. */
  cutoff?: Record<string, 'quorum' | 'escalated'>;
  /** Every deliverable approved or at quorum (recorded once). */
  complete?: boolean;
  /** When a person last ticked or unticked each box (`${deliverable}/${group}`): the edit's own time. */
  boxChangedAt?: Record<string, string>;
}
