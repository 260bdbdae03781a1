import type { IncidentDeskConfig } from '../config/schema.js';
import type { Issue, TrackerKind } from '../kernel/model.js';
import type { ApprovalState, RunState, TicketState } from '../kernel/ticket-state.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import type { TaskRow } from '../tracking/rows.js';

/** Where the report stands: a preview (`/report`) or the report of a conclusion. */
export type ReportKind = 'preview' | 'resolved' | 'false-alarm' | 'closed';

/** What the report is composed from. */
export interface ReportInput {
  kind: ReportKind;
  tracker: TrackerKind;
  config: IncidentDeskConfig;
  master: Issue;
  state: TicketState;
  /** The run state as this event leaves it. */
  run: RunState;
  cells: Map<string, string>;
  now: Date;
  /** The timeline's first and last entries, and the id of its first comment (null when there is none). */
  timeline: { first: TimelineEntry | null; last: TimelineEntry | null; commentId: number | null };
  /** The communications ticket's approval state; null when there is no such ticket or it could not be read. */
  approvals: ApprovalState | null;
  /** The tracking tickets as the master's table lists them. */
  rows: readonly TaskRow[];
}
