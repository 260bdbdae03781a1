import { approvingGroups, decisionOf, deliverableName, deliverableStatus, groupName } from '../approvals/matrix.js';
import type { Issue, TrackerKind } from '../kernel/model.js';
import { neutralizeInline } from '../kernel/neutralize.js';
import type { Milestone, RunState, Severity, TicketState } from '../kernel/ticket-state.js';
import { formatRfc3339, rfc3339 } from '../kernel/time.js';
import { formatEntry } from '../kernel/timeline.js';
import { quiet } from '../kernel/usernames.js';
import {
  COMMUNICATIONS_OFFICER,
  DEPUTY,
  DISCLOSURE,
  MANAGER,
  ROLE_NAME,
  dateOf,
  holderOf,
} from '../run/quick-links.js';
import type { ReportContext, ReportFigure } from '../templates/contexts.js';
import type { TaskRow } from '../tracking/rows.js';
import { isOverdue } from '../tracking/rows.js';
import { statusOf } from '../triage/status.js';
import { renderDiagram } from './diagram.js';
import type { ReportInput, ReportKind } from './input.js';

/**
 * The incident report (seed 003 "Incident report", seed 004): the figures computed from what the app recorded while
 * the incident ran, its progression, roles, situation reports, approvals and tracking tickets, for the report
 * template. Pure: everything comes in (the master, its state, the timeline's first and last entries, the
 * communications ticket's approval state) and nothing is guessed: a figure that cannot be computed says why.
 */

export type { ReportInput, ReportKind } from './input.js';

const MINUTE = 60_000;

/** `3 d 4 h 12 min`, `45 min`. */
export function describeDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', m || (!d && !h) ? `${m} min` : ''].filter(Boolean).join(' ');
}

/** The time people learned of the incident: the report's, else the declaration's. */
function awarenessOf(state: TicketState, run: RunState): { at: string; what: string } | null {
  if (state.reporter?.at && !Number.isNaN(Date.parse(state.reporter.at)))
    return { at: state.reporter.at, what: 'the report' };
  const declared = declaredOf(state, run);
  return declared ? { at: declared, what: 'the declaration' } : null;
}

function declaredOf(state: TicketState, run: RunState): string | null {
  const at = run.declaredAt ?? state.trigger?.at;
  return at && !Number.isNaN(Date.parse(at)) ? at : null;
}

/** The first milestone of a status among `statuses`, or null. */
function firstStatus(history: readonly Milestone[], statuses: readonly string[]): Milestone | null {
  return history.find((m) => m.kind === 'status' && statuses.includes(m.value)) ?? null;
}

/** The conclusion of the incident, when it has one: the last time it was resolved or called a false alarm. */
function conclusionOf(history: readonly Milestone[]): Milestone | null {
  return (
    [...history].reverse().find((m) => m.kind === 'status' && (m.value === 'resolved' || m.value === 'false-alarm')) ??
    null
  );
}

function span(from: string, to: string): number {
  return Date.parse(to) - Date.parse(from);
}

/** The response figures of seed 003 and seed 004, each with what it counts from or why it cannot be given. */
export function computeFigures(input: ReportInput): ReportFigure[] {
  const { state, run, now } = input;
  const history = run.history ?? [];
  const declared = declaredOf(state, run);
  const aware = awarenessOf(state, run);
  const unknownStart =
    'the declaration time was not recorded (the incident was declared before this version of incident-desk)';
  const figures: ReportFigure[] = [];

  // Time to acknowledge: from the declaration to the first acknowledgement.
  if (!declared) figures.push({ name: 'Time to acknowledge', value: 'unknown', note: unknownStart });
  else if (!run.ack)
    figures.push({ name: 'Time to acknowledge', value: 'not acknowledged', note: 'nobody used `/ack`' });
  else
    figures.push({
      name: 'Time to acknowledge',
      value: describeDuration(span(declared, run.ack.at)),
      note: `declared ${rfc3339(declared)}, acknowledged by ${quiet(run.ack.by) || 'someone'} ${rfc3339(run.ack.at)}`,
    });

  // Time to discovery: from when the incident became active to when people learned of it.
  if (!run.detectedAt)
    figures.push({
      name: 'Time to discovery',
      value: 'unknown',
      note: 'when the incident became active is not known: record it with `/set detected <time>`',
    });
  else if (!aware) figures.push({ name: 'Time to discovery', value: 'unknown', note: unknownStart });
  else if (span(run.detectedAt, aware.at) < 0)
    figures.push({
      name: 'Time to discovery',
      value: 'unknown',
      note: `the recorded detection time ${rfc3339(run.detectedAt)} is after ${aware.what}: check \`/set detected\``,
    });
  else
    figures.push({
      name: 'Time to discovery',
      value: describeDuration(span(run.detectedAt, aware.at)),
      note: `active from ${rfc3339(run.detectedAt)}, ${aware.what} ${rfc3339(aware.at)}`,
    });

  // Time to contain and to resolve: from when people learned of it.
  const contained = firstStatus(history, ['contained']);
  const concluded = conclusionOf(history);
  for (const [name, milestone, missing] of [
    [
      'Time to contain',
      contained,
      concluded?.value === 'false-alarm'
        ? 'a false alarm: there was nothing to contain'
        : 'not contained yet: nobody set `/status contained`',
    ],
    [
      'Time to resolve',
      concluded,
      input.kind === 'closed'
        ? 'closed without `/status resolved` or `/false-alarm`'
        : 'not resolved yet: `/status resolved` concludes it',
    ],
  ] as const) {
    if (!aware) figures.push({ name, value: 'unknown', note: unknownStart });
    else if (!milestone) figures.push({ name, value: 'not yet', note: missing });
    else
      figures.push({
        name,
        value: describeDuration(span(aware.at, milestone.at)),
        note: `from ${aware.what} ${rfc3339(aware.at)} to ${milestone.value} ${rfc3339(milestone.at)}`,
      });
  }

  // Time from report to disclosure: the recorded disclosure (`/disclose`, or the advisory's publication) when there
  // is one, to the minute; else the Public Disclosure Date, once it came.
  const disclosedAt = run.disclosure?.disclosedAt;
  const disclosure = dateOf(input.cells.get(DISCLOSURE));
  const today = formatRfc3339(now).slice(0, 10);
  if (disclosedAt && !Number.isNaN(Date.parse(disclosedAt)))
    figures.push(
      aware
        ? {
            name: 'Time from report to disclosure',
            value: describeDuration(span(aware.at, disclosedAt)),
            note:
              `from ${aware.what} ${rfc3339(aware.at)} to the disclosure ${rfc3339(disclosedAt)}` +
              (run.disclosure?.disclosedBy ? ` by ${quiet(run.disclosure.disclosedBy)}` : ''),
          }
        : { name: 'Time from report to disclosure', value: 'unknown', note: unknownStart },
    );
  else if (!disclosure)
    figures.push({
      name: 'Time from report to disclosure',
      value: 'not disclosed',
      note: 'no Public Disclosure Date is set',
    });
  else if (disclosure > today)
    figures.push({
      name: 'Time from report to disclosure',
      value: 'not disclosed yet',
      note: `public disclosure is planned for ${disclosure}`,
    });
  else if (!aware) figures.push({ name: 'Time from report to disclosure', value: 'unknown', note: unknownStart });
  else {
    const days = Math.round(
      (Date.parse(`${disclosure}T00:00:00Z`) - Date.parse(`${aware.at.slice(0, 10)}T00:00:00Z`)) / 86_400_000,
    );
    figures.push({
      name: 'Time from report to disclosure',
      value: `${days} ${days === 1 ? 'day' : 'days'}`,
      note: `${aware.what} on ${aware.at.slice(0, 10)}, public disclosure on ${disclosure}`,
    });
  }
  return figures;
}

/**
 * The situation reports the cadence called for, from the declaration to the conclusion (or now): the initial one,
 * then one per window at the severity of the time (high until assessed). Null without a declaration time.
 */
export function sitrepsDue(input: Pick<ReportInput, 'state' | 'run' | 'config' | 'now'>): number | null {
  const { state, run, config } = input;
  const declared = declaredOf(state, run);
  if (!declared) return null;
  const end = Date.parse(conclusionOf(run.history ?? [])?.at ?? formatRfc3339(input.now));
  let severity: Severity = 'high';
  let from = Date.parse(declared);
  let windows = 0;
  const changes = (run.history ?? []).filter((m) => m.kind === 'severity');
  for (const change of [...changes, null]) {
    const to = Math.min(end, change ? Date.parse(change.at) : end);
    if (to > from) windows += (to - from) / (config.sitrepMinutes[severity] * MINUTE);
    if (change) {
      severity = change.value as Severity;
      from = Math.max(from, Date.parse(change.at));
    }
  }
  return 1 + Math.floor(windows);
}

const STATUS_TEXT: Record<ReturnType<typeof deliverableStatus>, string> = {
  approved: 'approved by every approving group',
  quorum: 'approved at quorum',
  'changes-requested': 'changes requested',
  pending: 'not approved',
};

/** Each deliverable's approvals: the outcome, the cut-off's decision, and who approved when. */
function approvalRows(input: ReportInput): ReportContext['approvals'] {
  const state = input.approvals;
  if (!state) return [];
  const approvals = input.config.approvals;
  return Object.keys(approvals.deliverables).map((d) => {
    const decided = approvingGroups(approvals, d)
      .map((g) => ({ g, decision: decisionOf(state, d, g) }))
      .filter((x) => x.decision?.status === 'approved')
      .map((x) => `${groupName(approvals, x.g)} (${quiet(x.decision!.by) || 'someone'}, ${rfc3339(x.decision!.at)})`);
    const cutoff = state.cutoff?.[d];
    return {
      deliverable: neutralizeInline(deliverableName(approvals, d), 120),
      outcome: STATUS_TEXT[deliverableStatus(approvals, state, d)],
      cutoff: cutoff === 'quorum' ? 'at quorum' : cutoff === 'escalated' ? 'escalated' : '—',
      approvals: decided.length > 0 ? decided.join('; ') : '—',
    };
  });
}

/** Tracking tickets by owner: how many are done, open and overdue, and which. */
function ownerRows(rows: readonly TaskRow[], now: Date): ReportContext['owners'] {
  const byOwner = new Map<string, TaskRow[]>();
  for (const row of rows) {
    const key = row.owner ?? '';
    byOwner.set(key, [...(byOwner.get(key) ?? []), row]);
  }
  return [...byOwner.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([owner, list]) => ({
      owner: owner ? quiet(owner) : '_nobody_',
      done: list.filter((r) => r.state === 'closed').length,
      open: list.filter((r) => r.state === 'open').length,
      overdue: list.filter((r) => isOverdue(r, now)).length,
      tickets: list.map((r) => `${neutralizeInline(r.ref, 200)}${isOverdue(r, now) ? ' (overdue)' : ''}`).join(', '),
    }));
}

const SEVERITY_TEXT: Record<Severity, string> = { high: 'high', medium: 'medium', low: 'low' };

/** The link to the timeline's first comment on the master. */
export function timelineLink(tracker: TrackerKind, master: Issue, commentId: number | null): string {
  if (commentId === null) return master.webUrl;
  return tracker === 'github' ? `${master.webUrl}#issuecomment-${commentId}` : `${master.webUrl}#note_${commentId}`;
}

/** The context of the report template. */
export function composeReport(input: ReportInput): ReportContext {
  const { run, state, cells } = input;
  const history = run.history ?? [];
  const due = sitrepsDue(input);
  const sent = run.sitreps ?? 0;
  const holders: ReportContext['roles'] = [
    { role: 'Reporter', holder: state.reporter?.author ? quiet(state.reporter.author) : '_not known_' },
    { role: 'First Responder', holder: state.responder ? quiet(state.responder) : '_nobody with write access_' },
    ...[MANAGER, DEPUTY, COMMUNICATIONS_OFFICER].map((label) => {
      const holder = holderOf(cells.get(label));
      return { role: label, holder: holder ? quiet(holder) : '_not set_' };
    }),
  ];
  const progression = history
    .filter((m) => m.kind !== 'role')
    .map((m) => ({
      at: rfc3339(m.at),
      by: quiet(m.by) || 'incident-desk',
      change: `${m.kind} → ${neutralizeInline(m.value, 40)}`,
    }));
  const handoffs = history
    .filter((m) => m.kind === 'role')
    .map((m) => ({
      at: rfc3339(m.at),
      role: ROLE_NAME[m.value as keyof typeof ROLE_NAME] ?? neutralizeInline(m.value, 40),
      from: m.from ? quiet(m.from) : '_nobody_',
      to: m.to ? quiet(m.to) : '_nobody_',
    }));
  const kindText: Record<ReportKind, string> = {
    preview: 'a preview: the incident is not concluded, and the figures are as of now',
    resolved: 'the report of its resolution',
    'false-alarm': 'the report of a false alarm',
    closed: 'the report of its closing',
  };
  return {
    id: neutralizeInline(state.id, 60),
    title: neutralizeInline(input.master.title, 300),
    kind: kindText[input.kind],
    preview: input.kind === 'preview',
    at: formatRfc3339(input.now),
    status: statusOf(run),
    severity: run.severity ? SEVERITY_TEXT[run.severity] : 'not assessed (run as high)',
    figures: computeFigures(input),
    progression,
    roles: holders,
    handoffs,
    sitreps: {
      sent,
      due: due === null ? 'unknown (the declaration time was not recorded)' : String(due),
      reminders: run.reminders ?? 0,
    },
    approvals: approvalRows(input),
    owners: ownerRows(input.rows, input.now),
    timeline: {
      first: input.timeline.first ? formatEntry(input.timeline.first).replace(/^- /, '') : null,
      last: input.timeline.last ? formatEntry(input.timeline.last).replace(/^- /, '') : null,
      link: timelineLink(input.tracker, input.master, input.timeline.commentId),
    },
    diagram: renderDiagram(input),
  };
}
