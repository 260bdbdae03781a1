import { neutralizeComments, neutralizeImages, neutralizeMentions } from './neutralize.js';
import { rfc3339 } from './time.js';
import { cleanUsername, mention } from './usernames.js';

/**
 * The incident timeline: comments on the master, one markdown list item per entry, oldest first.
 *
 *     <!-- incident-desk:timeline -->
 *     ## Timeline
 *
 *     - 2026-11-22T10:03:00Z · @alice · ticked "(IM) Pick a Deputy Incident Manager"
 *
 * When a comment is full, entries continue in new comments headed `## Timeline (continued)`. Pure
 * functions; the caller keeps the comment ids and passes the last comment's body.
 *
 * The first comment may carry text of the caller's above the marker, its preamble (the intake's summary: one comment
 * instead of two, issue 15). Everything before the marker is the preamble, kept byte for byte and never read as
 * entries; continuation comments carry none.
 */

export const TIMELINE_MARKER = '<!-- incident-desk:timeline -->';

const HEADING = '## Timeline';
const HEADING_CONTINUED = '## Timeline (continued)';

/** Comment body limits of the trackers, in characters. */
export const TIMELINE_LIMITS = { github: 65536, gitlab: 1000000 } as const;

/** Characters kept free below a tracker's limit (the limits count characters differently than JS does). */
export const TIMELINE_SAFETY_MARGIN = 1024;

/** The `maxChars` to pass to {@link appendToTimeline} for a tracker. */
export function timelineMaxChars(tracker: keyof typeof TIMELINE_LIMITS): number {
  return TIMELINE_LIMITS[tracker] - TIMELINE_SAFETY_MARGIN;
}

/**
 * Neutralizes entry text for one line: line breaks become spaces, no HTML tag or comment can open
 * (`<` becomes `&lt;`; text already escaped by neutralizeInline is left as is), boxes cannot be forged,
 * mentions do not ping, images do not load. Quotes, parentheses and other markdown stay readable.
 * Idempotent, so re-rendering parsed entries gives the same line.
 */
function neutralizeEntryText(text: string): string {
  const flat = text
    .replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return neutralizeImages(
    neutralizeMentions(neutralizeComments(flat).replace(/</g, '&lt;')).replace(/\[(?<box>[ xX])\]/g, '[$<box>\u200b]'),
  );
}

/** The actor as `@name`; `someone` when the name holds no username characters. */
function actorLabel(actor: string): string {
  return mention(actor) || 'someone';
}

/** One timeline line: `- 2026-11-22T10:03:00Z · @alice · ticked "(IM) Pick a Deputy Incident Manager"`. */
export function formatEntry(e: TimelineEntry): string {
  return `- ${rfc3339(e.at)} · ${actorLabel(e.actor)} · ${neutralizeEntryText(e.text)}`;
}

const ENTRY_LINE = /^\s*[-*] (?<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) · (?<actor>\S+) ·(?: (?<text>.*))?$/;

/** A timeline comment cut at its marker: the preamble above it (maybe empty) and the timeline from the marker on. */
export interface TimelineComment {
  /** Everything before the marker, byte for byte: the caller's text, never entries. */
  preamble: string;
  /** The marker, the heading and the entries; the whole body when it holds no marker. */
  timeline: string;
}

/**
 * Cuts a timeline comment at the last occurrence of its marker. The last, because the timeline's own lines can never
 * hold the marker (entry text is neutralized, so no `<!--` survives in it) while the preamble is text the caller wrote,
 * which the timeline does not vouch for: whatever the preamble quotes (the marker, lines shaped like entries, a
 * `## Timeline (continued)` heading), it stays on the preamble's side and is never read as the timeline. A body
 * without the marker (lines handed over on their own) is all timeline.
 */
export function splitTimelineComment(body: string): TimelineComment {
  const at = body.lastIndexOf(TIMELINE_MARKER);
  return at < 0 ? { preamble: '', timeline: body } : { preamble: body.slice(0, at), timeline: body.slice(at) };
}

/**
 * The entries of a timeline comment, in the order shown; other lines, and the preamble above the marker, are ignored.
 * Tolerates CRLF.
 */
export function parseTimeline(body: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const raw of splitTimelineComment(body).timeline.split(/\r?\n|\r/)) {
    const m = ENTRY_LINE.exec(raw.trimEnd())?.groups;
    if (!m) continue;
    const token = m.actor ?? '';
    const actor = token.startsWith('@') ? cleanUsername(token) : '';
    entries.push({ at: m.at ?? '', actor, text: (m.text ?? '').trim() });
  }
  return entries;
}

function header(continued: boolean): string {
  return `${TIMELINE_MARKER}\n${continued ? HEADING_CONTINUED : HEADING}\n\n`;
}

/** One comment of the timeline: its preamble (the first comment's only), heading and lines. */
interface Page {
  preamble: string;
  continued: boolean;
  lines: string[];
}

function body(page: Page): string {
  return page.preamble + header(page.continued) + page.lines.map((l) => `${l}\n`).join('');
}

/** The marker starts a line of its own, under a preamble that does not end with a line break. */
function asPreamble(text: string): string {
  return text === '' || /[\r\n]$/.test(text) ? text : `${text}\n`;
}

/** Cuts a line to `limit` characters, ending with `…`; never splits a surrogate pair. */
function clip(line: string, limit: number): string {
  if (line.length <= limit) return line;
  let cut = line.slice(0, limit - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** Whole seconds since the epoch: the resolution the timeline shows, so ordering matches what is read. */
function secondOf(e: TimelineEntry): number {
  return Math.floor(Date.parse(rfc3339(e.at)) / 1000);
}

export interface TimelineAppend {
  /** The new body of the current comment; null when it does not change. */
  update: string | null;
  /** Bodies of new continuation comments to create, in order. */
  create: string[];
}

/**
 * Adds entries to the timeline whose last comment is `current` (null when there is none yet).
 *
 * - The current comment's entries and the new ones are merged in time order (to the second). The sort is
 *   stable: at equal times, entries already shown come first, then new ones in the order given. An entry
 *   older than the current comment's last one is placed among them; earlier comments are never touched,
 *   so an entry older than the whole current comment is shown at its top.
 * - The current comment keeps the entries that fit in `maxChars`; the rest go to new comments headed
 *   `## Timeline (continued)`, each at most `maxChars` long. With no current comment, every entry goes to
 *   new comments, the first headed `## Timeline`.
 * - No entry is ever dropped. A single line too long for a comment of its own is cut to fit and ends
 *   with `…` (only then is text lost).
 * - The current comment's preamble (everything above its marker, see `splitTimelineComment`) is kept byte for byte
 *   and counts in its size; when it leaves no room for an entry, the entries go to continuations. Lines between the
 *   marker and the entries that are not entries are not kept when the comment is rewritten.
 *
 * Throws a RangeError when `maxChars` cannot hold a heading and one short entry, or an entry time is invalid.
 */
export function appendToTimeline(current: string | null, entries: TimelineEntry[], maxChars: number): TimelineAppend {
  if (entries.length === 0) return { update: null, create: [] };
  if (current === null) return { update: null, create: paginate('', false, entries, maxChars) };
  const { preamble, timeline } = splitTimelineComment(current);
  const existing = parseTimeline(timeline);
  const continued = /^## Timeline \(continued\)\s*$/m.test(timeline);
  const [first, ...rest] = pages(preamble, continued, [...existing, ...entries], maxChars);
  const kept = first?.lines ?? [];
  const before = existing.map(formatEntry);
  const unchanged = kept.length === before.length && kept.every((l, i) => l === before[i]);
  return {
    update: unchanged || !first ? null : body(first),
    create: rest.map(body),
  };
}

/**
 * The bodies of a new timeline: the first comment carries `preamble` above its marker (a line break is added when the
 * preamble does not end with one) and the heading `## Timeline`, then the entries in time order; what does not fit in
 * `maxChars` continues in comments headed `## Timeline (continued)`, as `appendToTimeline` does. The preamble counts in
 * the first comment's size; a preamble that leaves no room for an entry sends them all to continuations (a preamble
 * that leaves no room for the heading makes the first comment longer than `maxChars`: the caller's text is never cut).
 * At least one body, the first, even without entries.
 *
 * Throws a RangeError when `maxChars` cannot hold a heading and one short entry, or an entry time is invalid.
 */
export function startTimeline(preamble: string, entries: TimelineEntry[], maxChars: number): string[] {
  return paginate(asPreamble(preamble), false, entries, maxChars);
}

function paginate(preamble: string, continued: boolean, entries: TimelineEntry[], maxChars: number): string[] {
  return pages(preamble, continued, entries, maxChars).map(body);
}

/**
 * The entries in time order, laid out in comments of at most `maxChars`: the first with `preamble` and the heading
 * `continued` says, the others continuations. Every comment but a first with a preamble holds at least one line.
 */
function pages(preamble: string, continued: boolean, entries: TimelineEntry[], maxChars: number): Page[] {
  const lineLimit = maxChars - header(true).length - 1;
  if (lineLimit < 80) throw new RangeError(`maxChars ${maxChars} is too small for a timeline comment`);
  const lines = entries
    .map((e, index) => ({ e, index, second: secondOf(e) }))
    .sort((a, b) => a.second - b.second || a.index - b.index)
    .map(({ e }) => clip(formatEntry(e), lineLimit));

  const out: Page[] = [];
  let page: Page = { preamble, continued, lines: [] };
  let size = preamble.length + header(continued).length;
  for (const line of lines) {
    if ((page.lines.length > 0 || page.preamble !== '') && size + line.length + 1 > maxChars) {
      out.push(page);
      page = { preamble: '', continued: true, lines: [] };
      size = header(true).length;
    }
    page.lines.push(line);
    size += line.length + 1;
  }
  out.push(page);
  return out;
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

/**
 * The name the app's own timeline entries carry. The `[bot]` suffix cannot be a GitLab username and on
 * GitHub names the app itself, so the entry never pings a person who happens to be called `incident-desk`.
 */
export const APP_ACTOR = 'incident-desk[bot]';
