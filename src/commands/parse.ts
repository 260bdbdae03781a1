/**
 * Parses the command a comment gives (`/set im @alice`, `/timeline …`). Pure: no I/O, no state; values are
 * returned as written (trimmed) and checked elsewhere (`validateField`), so every reply can say what was wrong.
 */
import type { HolderRole, IncidentStatus, Severity } from '../kernel/ticket-state.js';
import type { FieldKey } from '../run/quick-links.js';
import { findCve } from '../kernel/identifier.js';
import { formatRfc3339 } from '../kernel/time.js';

/** The names `/set` accepts for each field, canonical name first (all matched case-insensitively). */
export const FIELD_ALIASES: Readonly<Record<FieldKey, readonly string[]>> = {
  'incident-manager': ['incident-manager', 'im', 'manager'],
  deputy: ['deputy', 'deputy-im'],
  'communications-officer': ['communications-officer', 'co', 'comms-officer'],
  'disclosure-date': ['disclosure-date', 'disclosure', 'date'],
  cvss: ['cvss', 'cvss-score'],
  cwe: ['cwe', 'cwes', 'weakness'],
  advisory: ['advisory', 'security-advisory'],
  chat: ['chat', 'chat-channel', 'channel'],
  'support-ticket': ['support-ticket', 'support', 'ticket'],
  'post-mortem': ['post-mortem', 'postmortem'],
};

const FIELD_BY_ALIAS: ReadonlyMap<string, FieldKey> = new Map(
  (Object.entries(FIELD_ALIASES) as Array<[FieldKey, readonly string[]]>).flatMap(([key, names]) =>
    names.map((name) => [name, key] as const),
  ),
);

/** The field a `/set` name means (case-insensitive), or null. */
export function resolveField(name: string): FieldKey | null {
  return FIELD_BY_ALIAS.get(name.toLowerCase()) ?? null;
}

/** A username as both trackers allow it (no bots, no `[bot]` suffix). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

/** Names that ping a whole group on some tracker or chat; never a person to hand an incident to. */
const RESERVED_USERNAMES = new Set(['all', 'everyone', 'here', 'channel']);

/**
 * The username in `@alice` or `alice`, without `@`; null when it is not exactly one plausible username
 * (bots like `renovate[bot]` and group pings like `@all` are refused).
 */
export function parseUsername(text: string): string | null {
  const name = text.trim().replace(/^@/, '');
  if (!USERNAME_PATTERN.test(name)) return null;
  if (RESERVED_USERNAMES.has(name.toLowerCase())) return null;
  return name;
}

const FIELD_LIST = Object.keys(FIELD_ALIASES).join(', ');

/** What each command expects, as a short sentence a reply can quote. */
export const COMMAND_EXPECTED = {
  set: `Use \`/set <field> <value>\` with one of the fields ${FIELD_LIST}, like \`/set cvss 9.8\`.`,
  cve: 'Use `/cve` with one CVE identifier, like `/cve CVE-2026-12345`.',
  na:
    'Use `/na` with a step id or the quoted step text, then an optional reason, like `/na pick-deputy IM works ' +
    'alone` or `/na "pick a deputy" not needed`.',
  timeline:
    'Use `/timeline` with what happened, optionally after an RFC 3339 time with a zone, like `/timeline ' +
    '2026-11-22T10:03:00Z Patch deployed` or `/timeline Patch deployed`.',
  severity:
    'Use `/severity` with one of high, medium or low, like `/severity high`, or alone to see what each level means.',
  status:
    'Use `/status` with one of investigating, confirmed, contained or resolved, like `/status contained`, or alone ' +
    'to see where the incident stands.',
  'false-alarm':
    'Say why after `/false-alarm`, like `/false-alarm the traffic was our own load test`: the incident and its ' +
    'tickets are closed.',
  detected:
    'Use `/set detected` with the RFC 3339 time (with a zone) at which the incident became active, like `/set ' +
    'detected 2026-11-22T08:15:00Z`.',
  sitrep: 'Write the situation report after `/sitrep`, like `/sitrep Fix in review; next update 14:00 UTC`.',
  handoff:
    'Use `/handoff` with one username and optionally the role im, deputy or co (Communications Officer; im by ' +
    'default), like `/handoff @alice`, `/handoff @alice deputy` or `/handoff @carol co`.',
  approve:
    'Use `/approve` with a deliverable id (or `all`) and optionally a group id, like `/approve blog` or `/approve ' +
    'blog legal`.',
  revoke: 'Use `/revoke` with a deliverable id and optionally a group id, like `/revoke blog` or `/revoke blog legal`.',
  'request-changes':
    'Use `/request-changes` with a deliverable id and the reason, like `/request-changes blog the second paragraph ' +
    'overstates the impact`.',
  'request-approvals':
    'Use `/request-approvals`, optionally with one deliverable id, like `/request-approvals` or `/request-approvals ' +
    'blog`.',
  drafting:
    'Use `/drafting` alone (drafting starts now), or with when it started as an RFC 3339 time with a zone, like ' +
    '`/drafting 2026-11-22T09:30:00Z`.',
  task:
    'Use `/task @owner <project> <title>`, optionally ending with `due YYYY-MM-DD` and `--public`, with what is ' +
    'expected on the next lines, like `/task @alice acme/api Patch the parser due 2026-12-01`.',
  disclose:
    'Use `/disclose` to publish once the gate is open, `/disclose --force <reason>` (Incident Manager) to open the ' +
    'gate without the missing conditions, like `/disclose --force the fix is already public upstream`, or ' +
    '`/disclose lift` then `/disclose lift confirm` to make the disclosed incident public.',
  advisory:
    'Use `/advisory` to draft or update the security advisory, `/advisory cve` to request its CVE, or `/advisory ' +
    'fork` to open its temporary private fork.',
} as const;

const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

const ROLE_ALIASES: ReadonlyMap<string, HolderRole> = new Map<string, HolderRole>([
  ['im', 'im'],
  ['manager', 'im'],
  ['incident-manager', 'im'],
  ['deputy', 'deputy'],
  ['deputy-im', 'deputy'],
  ['co', 'co'],
  ['communications-officer', 'co'],
  ['comms-officer', 'co'],
]);

/** A step id as the checklists write them: kebab-case with at least one hyphen (`pick-deputy`). */
const STEP_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

/** The first line of a command: at most three spaces of indent (four make a code block), `/`, a letter. */
const COMMAND_LINE = /^ {0,3}\/(?<word>[A-Za-z]\S*)(?<rest>[\s\S]*)$/;
/** A text whose first character that is not white space is `/`: the only texts that may hold a command. */
const STARTS_WITH_SLASH = /^\s*\//;

/** A first word and what follows it after white space (nothing when there is no more). */
const FIRST_AND_REST = /^(?<first>\S+)(?:\s+(?<rest>[\s\S]*))?$/;

/** Longest word kept for an unknown command (it may be quoted back in the help reply). */
const MAX_WORD = 64;

function invalid(command: keyof typeof COMMAND_EXPECTED): Command {
  return { name: 'invalid', command, expected: COMMAND_EXPECTED[command] };
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * The command a comment gives, or null when its first non-blank line does not start with `/` and a
 * letter. Only the first line counts for one-line commands; `/timeline` and `/sitrep` take the rest of the
 * comment.
 */
export function parseCommand(body: string): Command | null {
  // Most comments are no command: one look at the first character that is not white space tells (`\s` covers the
  // byte order mark and every line break), before the comment is split into lines.
  if (!STARTS_WITH_SLASH.test(body)) return null;
  const lines = body
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const start = lines.findIndex((line) => line.trim() !== '');
  if (start < 0) return null;
  const match = COMMAND_LINE.exec(lines[start] ?? '')?.groups;
  if (!match) return null;
  const token = match.word ?? '';
  if (token.toLowerCase() === DESK_PREFIX) return parseDeskCommand(lines, start, match.rest ?? '');
  const word = token.toLowerCase();
  /** The rest of the first line. */
  const line = (match.rest ?? '').trim();
  /** The rest of the comment, from after the command word. */
  const rest = [match.rest ?? '', ...lines.slice(start + 1)].join('\n').trim();

  switch (word) {
    case 'set':
      return parseSet(line);
    case 'cve':
      return parseCve(line);
    case 'na':
      return parseNa(line);
    case 'timeline':
      return parseTimeline(rest);
    case 'severity':
      return parseSeverity(line);
    case 'sitrep':
      return rest ? { name: 'sitrep', text: rest } : invalid('sitrep');
    case 'handoff':
      return parseHandoff(line);
    case 'accept':
      return { name: 'accept' };
    case 'ack':
      return { name: 'ack' };
    case 'status':
      return parseStatus(line);
    case 'false-alarm':
      return rest ? { name: 'false-alarm', reason: rest } : invalid('false-alarm');
    case 'report':
      return { name: 'report' };
    case 'disclose':
      return parseDisclose(line);
    case 'advisory':
      return parseAdvisory(line);
    case 'help':
      return { name: 'help' };
    case 'approve':
    case 'revoke':
      return parseApproval(word, line);
    case 'request-changes':
      return parseRequestChanges(rest);
    case 'request-approvals':
      return parseRequestApprovals(line);
    case 'drafting':
      return parseDrafting(line);
    case 'task':
      return parseTask(
        line,
        lines
          .slice(start + 1)
          .join('\n')
          .trim(),
      );
    default:
      return { name: 'unknown', word: word.length > MAX_WORD ? `${word.slice(0, MAX_WORD - 1)}…` : word };
  }
}

/**
 * The prefix every command may also be written with: `/desk severity high` is `/severity high`. GitLab runs its own
 * quick actions (`/severity`, `/timeline` on issues of type Incident, `/label`, …) before the app sees a comment, and
 * drops a comment made only of them; `/desk` is no GitLab quick action, so the comment reaches the app whole.
 */
export const DESK_PREFIX = 'desk';

/** What follows `/desk`: a command word (with or without its own `/`) and its arguments. */
const DESK_REST = /^[ \t]+\/?(?<word>[A-Za-z]\S*)(?<rest>[\s\S]*)$/;

/**
 * `/desk <command> …`: the command as if written without the prefix; `/desk` alone is `/help`. Only one prefix counts
 * (`/desk desk help` is an unknown command `desk`).
 */
function parseDeskCommand(lines: string[], start: number, rest: string): Command {
  const m = DESK_REST.exec(rest)?.groups;
  if (!m) return rest.trim() === '' ? { name: 'help' } : { name: 'unknown', word: DESK_PREFIX };
  if ((m.word ?? '').toLowerCase() === DESK_PREFIX) return { name: 'unknown', word: DESK_PREFIX };
  const unprefixed = [`/${m.word ?? ''}${m.rest ?? ''}`, ...lines.slice(start + 1)].join('\n');
  return parseCommand(unprefixed) ?? { name: 'help' };
}

/**
 * The incident's severity for a severity the tracker's own field was set to (GitLab: `critical`, `high`, `medium`,
 * `low`, `unknown`), or null when it names none: GitLab's S1 and S2 are both the highest level the app knows, and
 * `unknown` (the field cleared) changes nothing.
 */
export function severityOfTracker(value: string): Severity | null {
  switch (value.toLowerCase()) {
    case 'critical':
    case 'high':
      return 'high';
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return null;
  }
}

const APPROVAL_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function parseApproval(word: 'approve' | 'revoke', line: string): Command {
  const args = words(line.toLowerCase());
  const [deliverable, group] = args;
  if (
    !deliverable ||
    args.length > 2 ||
    !APPROVAL_ID.test(deliverable) ||
    (group !== undefined && !APPROVAL_ID.test(group))
  )
    return invalid(word);
  if (word === 'revoke' && deliverable === 'all') return invalid(word);
  return { name: word, deliverable, ...(group ? { group } : {}) };
}

function parseRequestChanges(rest: string): Command {
  const m = FIRST_AND_REST.exec(rest)?.groups;
  const deliverable = m?.first?.toLowerCase() ?? '';
  const reason = (m?.rest ?? '').trim();
  if (!APPROVAL_ID.test(deliverable) || deliverable === 'all' || !reason) return invalid('request-changes');
  return { name: 'request-changes', deliverable, reason };
}

function parseRequestApprovals(line: string): Command {
  const args = words(line.toLowerCase());
  if (args.length > 1 || (args[0] !== undefined && !APPROVAL_ID.test(args[0]))) return invalid('request-approvals');
  return args[0] ? { name: 'request-approvals', deliverable: args[0] } : { name: 'request-approvals' };
}

function parseDrafting(line: string): Command {
  const args = words(line);
  if (args.length === 0) return { name: 'drafting' };
  const at = args.length === 1 ? parseRfc3339(args[0] ?? '') : null;
  return at ? { name: 'drafting', at } : invalid('drafting');
}

/** A project or repository path: `group/sub/project`, `owner/repo`. */
const PROJECT_PATH = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/;
const MAX_TASK_TITLE = 200;

function parseTask(line: string, text: string): Command {
  const args = words(line);
  const owner = args[0]?.startsWith('@') ? parseUsername(args[0]) : null;
  const project = args[1] ?? '';
  if (!owner || !PROJECT_PATH.test(project) || project.includes('..')) return invalid('task');
  let rest = args.slice(2);
  const isPublic = rest.includes('--public');
  rest = rest.filter((w) => w !== '--public');
  let due: string | undefined;
  const dueAt = rest.findIndex((w, i) => w.toLowerCase() === 'due' && i === rest.length - 2);
  if (dueAt >= 0) {
    const date = rest[dueAt + 1]!;
    const parts = /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})$/.exec(date)?.groups;
    if (!parts || !isRealDate(Number(parts.year), Number(parts.month), Number(parts.day))) return invalid('task');
    due = date;
    rest = rest.slice(0, dueAt);
  }
  const title = rest.join(' ').trim();
  if (!title || title.length > MAX_TASK_TITLE) return invalid('task');
  return { name: 'task', owner, project, title, ...(due ? { due } : {}), public: isPublic, text };
}

/** The names `/set` takes for the time the incident became active (no Quick Links row: the report shows it). */
const DETECTED_NAMES = new Set(['detected', 'detected-at', 'detection']);

function parseSet(line: string): Command {
  if (DETECTED_NAMES.has(words(line)[0]?.toLowerCase() ?? '')) {
    const args = words(line);
    const at = args.length === 2 ? parseRfc3339(args[1]!) : null;
    return at ? { name: 'detected', at } : invalid('detected');
  }
  const m = /^(?<field>\S+)\s+(?<value>\S[\s\S]*)$/.exec(line)?.groups;
  const field = m ? resolveField(m.field ?? '') : null;
  if (!m || !field) return invalid('set');
  return { name: 'set', field, value: (m.value ?? '').trim() };
}

function parseCve(line: string): Command {
  const args = words(line);
  const id = args.length === 1 && /^CVE-\d{4}-\d{4,7}$/i.test(args[0] ?? '') ? findCve(args[0] ?? '') : null;
  return id ? { name: 'cve', id } : invalid('cve');
}

const QUOTES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\u201c', '\u201d'],
]);

function parseNa(line: string): Command {
  if (!line) return invalid('na');
  const close = QUOTES.get(line[0] ?? '');
  if (close) {
    const end = line.indexOf(close, 1);
    if (end < 0) return invalid('na');
    const target = line.slice(1, end).trim();
    if (!target) return invalid('na');
    return { name: 'na', target, reason: line.slice(end + 1).trim() };
  }
  const m = FIRST_AND_REST.exec(line)?.groups;
  const first = m?.first ?? '';
  if (STEP_ID.test(first)) return { name: 'na', target: first, reason: (m?.rest ?? '').trim() };
  return { name: 'na', target: line, reason: '' };
}

/** An RFC 3339 time (seconds and fraction optional, zone required): the date, the time, the zone. */
const RFC3339 = new RegExp(
  [
    String.raw`^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})`,
    String.raw`[Tt](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.\d{1,9})?)?`,
    String.raw`(?:(?<utc>[Zz])|(?<sign>[+-])(?<offsetHours>\d{2}):(?<offsetMinutes>\d{2}))$`,
  ].join(''),
);

/** The time as UTC ISO without milliseconds (`2026-11-22T08:03:00Z`), or null when it is not a real time. */
export function parseRfc3339(text: string): string | null {
  const m = RFC3339.exec(text)?.groups;
  if (!m) return null;
  const [year, month, day, hour, minute] = [m.year, m.month, m.day, m.hour, m.minute].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m.second === undefined ? 0 : Number(m.second);
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (!m.utc) {
    const oh = Number(m.offsetHours);
    const om = Number(m.offsetMinutes);
    if (oh > 23 || om > 59) return null;
    offset = (m.sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offset, second, 0);
  if (Number.isNaN(date.getTime())) return null;
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) return null;
  return formatRfc3339(date);
}

/** True for a day that exists in the proleptic Gregorian calendar (`2028-02-29` yes, `2026-02-30` no). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

function parseTimeline(rest: string): Command {
  const m = FIRST_AND_REST.exec(rest)?.groups;
  if (!m) return invalid('timeline');
  const first = m.first ?? '';
  // Anything shaped like a date and a time is meant as the time: it must be a real one with a zone.
  if (/^\d{4}-\d{2}-\d{2}[Tt]\d/.test(first)) {
    const at = parseRfc3339(first);
    const text = (m.rest ?? '').trim();
    if (!at || !text) return invalid('timeline');
    return { name: 'timeline', at, text };
  }
  return { name: 'timeline', text: rest };
}

function parseSeverity(line: string): Command {
  const args = words(line.toLowerCase());
  if (args.length === 0) return { name: 'severity' };
  const level = SEVERITIES.find((s) => s === args[0]);
  return level && args.length === 1 ? { name: 'severity', level } : invalid('severity');
}

const STATUS_WORDS: readonly Exclude<IncidentStatus, 'false-alarm'>[] = [
  'investigating',
  'confirmed',
  'contained',
  'resolved',
];

function parseStatus(line: string): Command {
  const args = words(line.toLowerCase());
  if (args.length === 0) return { name: 'status' };
  const status = STATUS_WORDS.find((s) => s === args[0]);
  return status && args.length === 1 ? { name: 'status', status } : invalid('status');
}

function parseDisclose(line: string): Command {
  if (!line) return { name: 'disclose', action: 'publish' };
  const m = FIRST_AND_REST.exec(line)?.groups;
  const reason = (m?.rest ?? '').trim();
  const first = m?.first?.toLowerCase();
  if (first === '--force' && reason) return { name: 'disclose', action: 'force', reason };
  if (first === 'lift' && !reason) return { name: 'disclose', action: 'lift', confirm: false };
  if (first === 'lift' && reason.toLowerCase() === 'confirm')
    return { name: 'disclose', action: 'lift', confirm: true };
  return invalid('disclose');
}

function parseAdvisory(line: string): Command {
  const args = words(line.toLowerCase());
  if (args.length === 0) return { name: 'advisory', action: 'draft' };
  if (args.length === 1 && (args[0] === 'cve' || args[0] === 'fork')) return { name: 'advisory', action: args[0] };
  return invalid('advisory');
}

function parseHandoff(line: string): Command {
  const args = words(line);
  if (args.length < 1 || args.length > 2) return invalid('handoff');
  const to = parseUsername(args[0] ?? '');
  const role = args.length === 2 ? ROLE_ALIASES.get((args[1] ?? '').toLowerCase()) : 'im';
  if (!to || !role) return invalid('handoff');
  return { name: 'handoff', to, role };
}

/** A command given in a comment. */
export type Command =
  | { name: 'set'; field: FieldKey; value: string }
  | { name: 'cve'; id: string }
  | { name: 'na'; target: string; reason: string }
  | { name: 'timeline'; at?: string; text: string }
  /** Without a level: the rubric. */
  | { name: 'severity'; level?: Severity }
  /** Without a status: where the incident stands. */
  | { name: 'status'; status?: Exclude<IncidentStatus, 'false-alarm'> }
  | { name: 'ack' }
  | { name: 'false-alarm'; reason: string }
  | { name: 'report' }
  /** `/set detected <time>`: when the incident became active, as UTC ISO. */
  | { name: 'detected'; at: string }
  | { name: 'sitrep'; text: string }
  | { name: 'handoff'; to: string; role: HolderRole }
  | { name: 'accept' }
  | { name: 'help' }
  | TaskCommand
  | DisclosureCommand
  /** Approval commands, on the communications ticket: a deliverable id (or `all` for approve), an optional group id. */
  | { name: 'approve'; deliverable: string; group?: string }
  | { name: 'revoke'; deliverable: string; group?: string }
  | { name: 'request-changes'; deliverable: string; reason: string; group?: string }
  | { name: 'request-approvals'; deliverable?: string }
  /** On the communications ticket: drafting started (now, or at the RFC 3339 time given, as UTC). */
  | { name: 'drafting'; at?: string }
  /** A word after `/` that is not a command of this app (answered with the help). */
  | { name: 'unknown'; word: string }
  /** A known command with arguments that do not fit; `expected` says what would. */
  | { name: 'invalid'; command: string; expected: string };

/**
 * The disclosure's commands on the master: `/disclose` (publish once the gate is open), `/disclose --force <reason>`
 * (the Incident Manager opens the gate), `/disclose lift [confirm]` (confidentiality lifted), `/advisory` (draft or
 * update the GitHub advisory), `/advisory cve`, `/advisory fork`.
 */
export type DisclosureCommand =
  | { name: 'disclose'; action: 'publish' }
  | { name: 'disclose'; action: 'force'; reason: string }
  /** `/disclose lift` lists what would be made public; `/disclose lift confirm` does it. */
  | { name: 'disclose'; action: 'lift'; confirm: boolean }
  | { name: 'advisory'; action: 'draft' | 'cve' | 'fork' };

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
