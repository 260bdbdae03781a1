import { neutralizeBlock, neutralizeInline } from '../kernel/neutralize.js';
import { everyMinutes } from '../run/messages.js';
import { mention, quiet } from '../kernel/usernames.js';
import type { Severity } from '../kernel/ticket-state.js';
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
  description: string;
  status?: string;
  responders?: string;
  details?: string;
}

type SitrepField = 'description' | 'status' | 'responders' | 'details';

const KEY = /^(?:status|responders|details|next[ -]?steps?|description)/i;

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
  if (k === 'status' || k === 'responders' || k === 'description') return k;
  return 'details';
}

/**
 * Reads the text of a `/sitrep` command. Lines `Status: …`, `Responders: …`, `Details: …` or
 * `Next steps: …` (any case, optionally bold or as a list item) fill those fields; `Description: …`
 * is read as description. A key with nothing after the colon takes the following lines up to a blank
 * line or the next key (`Next steps:` followed by a list). A key given twice keeps both values, one per
 * line. Everything else is the description.
 */
export function parseSitrepText(text: string): ParsedSitrep {
  const fields: Record<SitrepField, string[]> = { description: [], status: [], responders: [], details: [] };
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
  for (const key of ['status', 'responders', 'details'] as const) {
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
}

const SEVERITY_NAMES: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

/** The severity line of a report before anyone assessed it. */
const NO_SEVERITY = '_not assessed yet_ (`/severity high|medium|low`)';

/** A situation report comment. */
export function renderSitrep(input: SitrepInput): string {
  const { parsed } = input;
  const at = rfc3339(input.at);
  const im = input.incidentManager ? mention(input.incidentManager) : '';
  const lines = [
    SITREP_MARKER,
    `### Situation report · ${neutralizeInline(input.id)} · ${at}`,
    '',
    `- **Status:** ${parsed.status ? neutralizeInline(parsed.status, 500) : '_not given_'}`,
    `- **Severity:** ${input.severity ? SEVERITY_NAMES[input.severity] : NO_SEVERITY}`,
    `- **Incident Manager:** ${im || '_not set_ (`/set incident-manager @name`)'}`,
    `- **Responders:** ${parsed.responders ? neutralizeInline(parsed.responders, 500) : '_not given_'}`,
  ];
  if (input.cadenceMinutes !== undefined && input.cadenceMinutes > 0) {
    const next = formatRfc3339(Date.parse(at) + input.cadenceMinutes * 60_000);
    lines.push(`- **Next update due:** by ${next}`);
  }
  const author = quiet(input.author);
  if (author) lines.push(`- **Posted by:** ${author}`);
  lines.push(
    '',
    '#### Description',
    '',
    parsed.description.trim() ? neutralizeBlock(parsed.description.trim()) : '_No description given._',
  );
  if (parsed.details) lines.push('', '#### Details and next steps', '', neutralizeBlock(parsed.details));
  return `${lines.join('\n')}\n`;
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
  severity: Severity;
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
  if (!im) lines.push('No Incident Manager is set yet: `/set incident-manager @name` names one.');
  return `${lines.join('\n')}\n`;
}
