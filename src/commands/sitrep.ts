import { neutralizeBlock, neutralizeInline } from '../kernel/neutralize.js';
import { everyMinutes } from '../run/messages.js';
import { mention, quiet } from '../kernel/usernames.js';
import type { IncidentStatus, Severity } from '../kernel/ticket-state.js';
import { formatRfc3339, rfc3339 } from '../kernel/time.js';

/**
 * Situation reports (sitreps): the regular status update the Incident Manager posts on the master, with
 * the fields the incident-response handbook asks for (description, status, severity, who leads, who
 * responds, what comes next), and the reminder when one is overdue for the severity's cadence.
 * Pure functions; the clock is passed in.
 */

export const SITREP_MARKER = '<!-- incident-desk:sitrep -->';
export const SITREP_REMINDER_MARKER = '<!-- incident-desk:sitrep-reminder -->';

export interface ParsedSitrep {
  /** What happened: the description, and every line that is not a field. */
  description: string;
  status?: string;
  responders?: string;
  /** The impact (seed 003's sitrep: what is affected, for whom). */
  impact?: string;
  /** What comes next. */
  next?: string;
  details?: string;
}

type SitrepField = 'description' | 'status' | 'responders' | 'impact' | 'next' | 'details';

const KEY = /^(?:status|responders|details|next[ -]?steps?|description|impact)/i;

/** Drops up to two bold or italic markers (`*`, `_`) and the whitespace after them. */
function dropEmphasis(text: string): string {
  let i = 0;
  while (i < 2 && (text[i] === '*' || text[i] === '_')) i += 1;
  return text.slice(i).trimStart();
}

/**
 * A line `Status: …` (any case, optionally bold, optionally a list item) as its key and value; null for any other
 * line. Read step by step rather than with one pattern: the pattern this replaces had whitespace runs on both
 * sides of optional parts, and took time quadratic in a long line of spaces (minutes on a megabyte).
 */
export function sitrepKeyLine(line: string): { key: string; value: string } | null {
  let rest = line.trim();
  if ((rest[0] === '-' || rest[0] === '*' || rest[0] === '+') && /^\s$/.test(rest[1] ?? ''))
    rest = rest.slice(1).trimStart();
  rest = dropEmphasis(rest);
  const key = KEY.exec(rest)?.[0];
  if (key === undefined) return null;
  rest = dropEmphasis(rest.slice(key.length).trimStart());
  if (rest[0] !== ':') return null;
  const value = dropEmphasis(rest.slice(1).trimStart());
  // A line separator inside the value ends the line for the pattern's `.`: no key line then, as before.
  if (/[\n\r\u2028\u2029]/.test(value)) return null;
  return { key, value };
}

function fieldOf(key: string): SitrepField {
  const k = key.toLowerCase();
  if (k === 'status' || k === 'responders' || k === 'description' || k === 'impact' || k === 'details') return k;
  return 'next';
}

/**
 * Reads the text of a `/sitrep` command. Lines `Status: …`, `Responders: …`, `Details: …` or
 * `Next steps: …` (any case, optionally bold or as a list item) fill those fields; `Description: …`
 * is read as description. A key with nothing after the colon takes the following lines up to a blank
 * line or the next key (`Next steps:` followed by a list). A key given twice keeps both values, one per
 * line. Everything else is the description.
 */
export function parseSitrepText(text: string): ParsedSitrep {
  const fields: Record<SitrepField, string[]> = {
    description: [],
    status: [],
    responders: [],
    impact: [],
    next: [],
    details: [],
  };
  const rest: string[] = [];
  let open: SitrepField | null = null;
  for (const line of text.split(/\r?\n|\r/)) {
    const m = sitrepKeyLine(line);
    if (m) {
      const field = fieldOf(m.key);
      const value = m.value;
      if (value === '') {
        open = field;
      } else {
        open = null;
        (field === 'description' ? rest : fields[field]).push(value);
      }
      continue;
    }
    if (open !== null) {
      if (line.trim() === '') {
        open = null;
        rest.push(line);
        continue;
      }
      (open === 'description' ? rest : fields[open]).push(line);
      continue;
    }
    rest.push(line);
  }
  const parsed: ParsedSitrep = {
    description: rest
      .join('\n')
      .replace(/^\s*\n/, '')
      .trimEnd()
      .replace(/\n{3,}/g, '\n\n'),
  };
  for (const key of ['status', 'responders', 'impact', 'next', 'details'] as const) {
    const value = fields[key].join('\n').trim();
    if (value) parsed[key] = value;
  }
  return parsed;
}

export interface SitrepInput {
  /** Incident identifier. */
  id: string;
  /** ISO time of the report. */
  at: string;
  /** Who posted it (named, not pinged). */
  author: string;
  severity: Severity | null;
  /** Username of the Incident Manager from the tracker, mentioned; null when not set. */
  incidentManager: string | null;
  parsed: ParsedSitrep;
  /** The severity's cadence; when given, the report says when the next one is due. */
  cadenceMinutes?: number;
  /** The incident's status as the app keeps it; the person's own `Status:` line is added to it. */
  status?: IncidentStatus;
  /** Who reported the incident, named without a ping. */
  reporter?: string | null;
  /** The other roles' holders, named without a ping; absent or null when nobody holds them. */
  deputy?: string | null;
  communicationsOfficer?: string | null;
  /** The handoff this report notes (seed 003: the incoming holder's sitrep notes the handoff). */
  handoff?: { role: string; from: string; to: string } | null;
}

const SEVERITY_NAMES: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

/** The severity line of a report before anyone assessed it. */
const NO_SEVERITY = '_not assessed yet_ (`/severity high|medium|low`)';

/** A situation report comment, with the fields of seed 003's sitrep. */
export function renderSitrep(input: SitrepInput): string {
  const { parsed } = input;
  const at = rfc3339(input.at);
  const im = input.incidentManager ? mention(input.incidentManager) : '';
  const given = parsed.status ? neutralizeInline(parsed.status, 500) : '';
  const status = input.status ? `${input.status}${given ? ` — ${given}` : ''}` : given || '_not given_';
  const lines = [
    SITREP_MARKER,
    `### Situation report · ${neutralizeInline(input.id)} · ${at}`,
    '',
    `- **Status:** ${status}`,
    `- **Severity:** ${input.severity ? SEVERITY_NAMES[input.severity] : NO_SEVERITY}`,
  ];
  if (input.reporter !== undefined) lines.push(`- **Reporter:** ${quietOr(input.reporter)}`);
  lines.push(`- **Incident Manager:** ${im || '_not set_ (`/set incident-manager @name`)'}`);
  if (input.deputy) lines.push(`- **Deputy:** ${quiet(input.deputy)}`);
  if (input.communicationsOfficer) lines.push(`- **Communications Officer:** ${quiet(input.communicationsOfficer)}`);
  lines.push(`- **Responders:** ${parsed.responders ? neutralizeInline(parsed.responders, 500) : '_not given_'}`);
  if (input.handoff) {
    lines.push(
      `- **Handoff:** ${quiet(input.handoff.to)} took over as ${neutralizeInline(input.handoff.role, 60)} from ` +
        `${quiet(input.handoff.from)}; this report notes it.`,
    );
  }
  if (input.cadenceMinutes !== undefined && input.cadenceMinutes > 0) {
    const next = formatRfc3339(Date.parse(at) + input.cadenceMinutes * 60_000);
    lines.push(`- **Next update due:** by ${next}`);
  }
  const author = quiet(input.author);
  if (author) lines.push(`- **Posted by:** ${author}`);
  lines.push(
    '',
    '#### What happened',
    '',
    parsed.description.trim() ? neutralizeBlock(parsed.description.trim()) : '_No description given._',
  );
  if (parsed.impact) lines.push('', '#### Impact', '', neutralizeBlock(parsed.impact));
  if (parsed.next) lines.push('', '#### Next steps', '', neutralizeBlock(parsed.next));
  if (parsed.details) lines.push('', '#### Details', '', neutralizeBlock(parsed.details));
  return `${lines.join('\n')}\n`;
}

function quietOr(username: string | null): string {
  return (username ? quiet(username) : '') || '_not known_';
}

/** Whole sitrep windows of `cadenceMinutes` elapsed since `since` (0 when not yet one, or on bad input). */
export function missedSitrepWindows(since: string, cadenceMinutes: number, now: Date): number {
  const start = Date.parse(since);
  if (Number.isNaN(start) || !(cadenceMinutes > 0) || Number.isNaN(now.getTime())) return 0;
  return Math.max(0, Math.floor((now.getTime() - start) / (cadenceMinutes * 60_000)));
}

export interface SitrepReminderInput {
  id: string;
  incidentManager: string | null;
  /** The severity the cadence is the one of: the assessed one, else high. */
  severity: Severity;
  /** No severity was assessed yet: the incident is run as high, and the reminder asks for the assessment too. */
  unassessed?: boolean;
  cadenceMinutes: number;
  /** Windows missed so far (from {@link missedSitrepWindows}). */
  missed: number;
  /** ISO time from which the cadence counts: the last sitrep, or when the severity was set. */
  since: string;
}

/** The reminder posted when a sitrep is overdue; mentions the Incident Manager when known. */
export function renderSitrepReminder(input: SitrepReminderInput): string {
  const im = input.incidentManager ? mention(input.incidentManager) : '';
  const who = im || 'Whoever leads this incident';
  const missed = Math.max(1, Math.floor(input.missed));
  const lines = [
    SITREP_REMINDER_MARKER,
    `${who}: a situation report for **${neutralizeInline(input.id)}** is overdue. At ${input.severity} severity one ` +
      `is due ${everyMinutes(input.cadenceMinutes)}, and none was posted since ` +
      `${rfc3339(input.since)} (${missed === 1 ? 'one window' : `${missed} windows`} missed).`,
    '',
    'Post one with `/sitrep` followed by a description of the situation; lines such as `Status: …`, `Responders: …` ' +
      'and `Next steps: …` fill the matching fields.',
  ];
  if (input.unassessed)
    lines.push(
      'No severity was assessed yet, so the incident is run as high (a report every hour): assess it with ' +
        '`/severity` (without a value it shows what high, medium and low mean).',
    );
  if (!im) lines.push('No Incident Manager is set yet: `/set incident-manager @name` names one.');
  return `${lines.join('\n')}\n`;
}
