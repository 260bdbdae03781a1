/**
 * Checks a Quick Links value given with `/set` and renders it as safe markdown for one table cell: no raw
 * `|`, no line break, no HTML comment, no checkbox, and no mention except the person a role field names.
 * Pure functions.
 */
import type { FieldKey } from '../run/quick-links.js';
import { isRealDate, parseUsername } from './parse.js';
import { neutralizeInline } from '../kernel/neutralize.js';

export type FieldResult = { ok: true; value: string } | { ok: false; expected: string };

/** What each field accepts, with an example; replies quote it when a value does not fit. */
export const FIELD_EXPECTED: Readonly<Record<FieldKey, string>> = {
  'incident-manager': 'The Incident Manager is one username, like `@alice`.',
  deputy: 'The deputy is one username, like `@bob`.',
  'communications-officer': 'The Communications Officer is one username, like `@carol`.',
  'disclosure-date': 'The disclosure date is a calendar date as YYYY-MM-DD, like `2026-12-01`.',
  cvss:
    'The CVSS score is a number from 0.0 to 10.0 like `9.8`, a CVSS 3.0, 3.1 or 4.0 vector like ' +
    '`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`, or the number followed by the vector.',
  cwe: 'The weakness is one or more CWE ids, like `CWE-79` or `CWE-79, CWE-352`.',
  advisory:
    'The advisory is an http(s) link like `https://example.com/advisories/42`, a GHSA id like ' +
    '`GHSA-4w7f-2j8m-q9rc`, or an issue reference like `group/project#12`.',
  chat:
    'The chat channel is a channel name like `#sec-incident-42`, an http(s) link, or a short text of at most 80 ' +
    'characters.',
  'support-ticket':
    'The support ticket is an http(s) link like `https://support.example.com/tickets/4711` or an issue reference ' +
    'like `group/project#12`.',
  'post-mortem':
    'The post-mortem is an http(s) link like `https://docs.example.com/post-mortem/42` or an issue reference like ' +
    '`group/project#12`.',
};

/** Longest link kept in a cell. */
const MAX_URL = 1000;
/** Longest plain text a chat field takes. */
const MAX_CHAT_TEXT = 80;

/** The value checked and rendered for its Quick Links cell, or what the field expects. */
export function validateField(field: FieldKey, value: string): FieldResult {
  const text = value.trim();
  const rendered = text ? render(field, text) : null;
  return rendered === null ? { ok: false, expected: FIELD_EXPECTED[field] } : { ok: true, value: rendered };
}

function render(field: FieldKey, text: string): string | null {
  switch (field) {
    case 'incident-manager':
    case 'deputy':
    case 'communications-officer': {
      const name = parseUsername(text);
      return name ? `@${name}` : null;
    }
    case 'disclosure-date':
      return renderDate(text);
    case 'cvss':
      return renderCvss(text);
    case 'cwe':
      return renderCwes(text);
    case 'advisory':
      return renderUrl(text) ?? renderReference(text, true);
    case 'support-ticket':
    case 'post-mortem':
      return renderUrl(text) ?? renderReference(text, false);
    case 'chat':
      return renderChannel(text) ?? renderUrl(text) ?? renderChatText(text);
  }
}

function renderDate(text: string): string | null {
  const parts = /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})$/.exec(text)?.groups;
  if (!parts || !isRealDate(Number(parts.year), Number(parts.month), Number(parts.day))) return null;
  return text;
}

// --- CVSS --------------------------------------------------------------------------------------------------

/** Allowed values per metric; `base` lists the metrics a vector must have. */
interface CvssVersion {
  base: readonly string[];
  values: Readonly<Record<string, readonly string[]>>;
}

const CVSS3_VALUES: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  // Temporal and environmental metrics, optional.
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'],
  IR: ['X', 'L', 'M', 'H'],
  AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'],
  MI: ['X', 'N', 'L', 'H'],
  MA: ['X', 'N', 'L', 'H'],
};

const CVSS3: CvssVersion = { base: ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'], values: CVSS3_VALUES };

const CVSS4: CvssVersion = {
  base: ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
  values: {
    AV: ['N', 'A', 'L', 'P'],
    AC: ['L', 'H'],
    AT: ['N', 'P'],
    PR: ['N', 'L', 'H'],
    UI: ['N', 'P', 'A'],
    VC: ['H', 'L', 'N'],
    VI: ['H', 'L', 'N'],
    VA: ['H', 'L', 'N'],
    SC: ['H', 'L', 'N'],
    SI: ['H', 'L', 'N'],
    SA: ['H', 'L', 'N'],
    // Threat, environmental and supplemental metrics, optional.
    E: ['X', 'A', 'P', 'U'],
    CR: ['X', 'H', 'M', 'L'],
    IR: ['X', 'H', 'M', 'L'],
    AR: ['X', 'H', 'M', 'L'],
    MAV: ['X', 'N', 'A', 'L', 'P'],
    MAC: ['X', 'L', 'H'],
    MAT: ['X', 'N', 'P'],
    MPR: ['X', 'N', 'L', 'H'],
    MUI: ['X', 'N', 'P', 'A'],
    MVC: ['X', 'H', 'L', 'N'],
    MVI: ['X', 'H', 'L', 'N'],
    MVA: ['X', 'H', 'L', 'N'],
    MSC: ['X', 'H', 'L', 'N'],
    MSI: ['X', 'S', 'H', 'L', 'N'],
    MSA: ['X', 'S', 'H', 'L', 'N'],
    S: ['X', 'N', 'P'],
    AU: ['X', 'N', 'Y'],
    R: ['X', 'A', 'U', 'I'],
    V: ['X', 'D', 'C'],
    RE: ['X', 'L', 'M', 'H'],
    U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
  },
};

const CVSS_VERSIONS: Readonly<Record<string, CvssVersion>> = { '3.0': CVSS3, '3.1': CVSS3, '4.0': CVSS4 };

/** A CVSS score: 0 to 10 with at most one decimal, normalized to one decimal (`9` → `9.0`); or null. */
export function normalizeCvssScore(text: string): string | null {
  if (!/^(?:10(?:\.0)?|\d(?:\.\d)?)$/.test(text)) return null;
  return Number(text).toFixed(1);
}

/** A CVSS 3.0, 3.1 or 4.0 vector with every base metric once and only known metrics and values; or null. */
export function normalizeCvssVector(text: string): string | null {
  const m = /^CVSS:(?<version>\d\.\d)\/(?<metrics>.+)$/i.exec(text)?.groups;
  const version = m ? CVSS_VERSIONS[m.version ?? ''] : undefined;
  if (!m || !version) return null;
  const seen = new Set<string>();
  for (const part of (m.metrics ?? '').split('/')) {
    const [metric, value, extra] = part.split(':');
    if (metric === undefined || value === undefined || extra !== undefined) return null;
    const allowed = Object.hasOwn(version.values, metric) ? version.values[metric] : undefined;
    if (!allowed?.includes(value) || seen.has(metric)) return null;
    seen.add(metric);
  }
  if (!version.base.every((metric) => seen.has(metric))) return null;
  return `CVSS:${m.version}/${m.metrics}`;
}

function renderCvss(text: string): string | null {
  const parts = text.split(/\s+/);
  if (parts.length === 1) {
    const score = normalizeCvssScore(text);
    if (score) return score;
    const vector = normalizeCvssVector(text);
    return vector ? `\`${vector}\`` : null;
  }
  if (parts.length === 2) {
    const score = normalizeCvssScore(parts[0] ?? '');
    const vector = normalizeCvssVector(parts[1] ?? '');
    return score && vector ? `${score} \`${vector}\`` : null;
  }
  return null;
}

// --- CWE ---------------------------------------------------------------------------------------------------

/** At most this many CWE ids in one cell. */
const MAX_CWES = 10;

/** CWE ids separated by commas or spaces, upper-cased and each once: `CWE-79, CWE-352`; or null. */
export function renderCwes(text: string): string | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > MAX_CWES) return null;
  const ids: string[] = [];
  for (const part of parts) {
    const match = /^CWE-(?<number>[1-9]\d{0,5})$/i.exec(part)?.groups;
    if (!match) return null;
    const id = `CWE-${match.number}`;
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.join(', ');
}

/** The CWE ids of a Quick Links cell (`CWE-79, CWE-352`), in order; none for anything else. */
export function cweIdsOf(cell: string | undefined): string[] {
  return cell ? (renderCwes(cell)?.split(', ') ?? []) : [];
}

// --- Links and references ----------------------------------------------------------------------------------

/**
 * An http(s) link as an autolink `<…>`, or null. No credentials, no IP-v6 literal; every character outside
 * the plain URL set (pipes, brackets, backticks, quotes, `<`, `>`) is percent-encoded so the cell stays one
 * cell and nothing in it reads as markup.
 */
export function renderUrl(text: string): string | null {
  if (!/^https?:\/\/[^\s/?#]/i.test(text) || /\s/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  if (!url.hostname || url.hostname.startsWith('[')) return null;
  const href = url.href.replace(/[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  if (href.length > MAX_URL) return null;
  return `<${href}>`;
}

/** A path segment of a project: no `.`/`..`, no leading hyphen. */
const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}';
/** `#12`, `!12`, `project#12`, `group/sub/project!12`. */
const REFERENCE = new RegExp(`^(?:${SEGMENT}(?:/${SEGMENT}){0,19})?[#!][1-9]\\d{0,8}$`);
const GHSA = /^GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/i;

/** An issue or merge request reference (or, when `ghsa`, a GitHub advisory id) as plain text; or null. */
function renderReference(text: string, ghsa: boolean): string | null {
  if (ghsa && GHSA.test(text)) return `GHSA-${text.slice(5).toLowerCase()}`;
  return REFERENCE.test(text) ? text : null;
}

// --- Chat ----------------------------------------------------------------------------------------------------

/** A chat channel `#name`, in a code span so the tracker does not read `#123` as an issue. */
function renderChannel(text: string): string | null {
  return /^#[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(text) ? `\`${text}\`` : null;
}

/** Characters that have no place in a short name: controls and bidirectional overrides. */
const INVISIBLE = /[\p{Cc}\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]/u;

function renderChatText(text: string): string | null {
  if (text.length > MAX_CHAT_TEXT || INVISIBLE.test(text)) return null;
  // A link with another scheme (`javascript:…`, `data:…`) is refused, not shown as text.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]/.test(text)) return null;
  // neutralizeInline doubles backslashes before escaping pipes, so `\|` cannot end the cell; brackets are
  // escaped after, so no link, image or checkbox can be formed.
  return neutralizeInline(text, MAX_CHAT_TEXT * 4).replace(/[[\]]/g, '\\$&');
}
