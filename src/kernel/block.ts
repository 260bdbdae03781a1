import { roleLabel } from './identifier.js';
import type { TicketState } from './ticket-state.js';

/**
 * The bot block: the part of an issue description the app owns, between hidden markers at the very start
 * of the body, with the app's state in a hidden marker inside. Everything after the block is the person's
 * text and is kept byte for byte.
 */

export const BLOCK_BEGIN = '<!-- incident-desk:begin -->';
export const BLOCK_END = '<!-- incident-desk:end -->';
/** Opens the hidden state marker: `<!-- incident-desk:state {json} -->`. */
export const STATE_OPEN = '<!-- incident-desk:state ';
/**
 * A state marker the shell could not verify (not signed by the app) is handed to the core escaped to this, so that
 * nothing reads it as state; the shell writes it back as it was.
 */
export const UNVERIFIED_STATE_OPEN = '<!-- incident-desk:unverified-state ';
export const STATE_CLOSE = ' -->';
/**
 * The signature the shell adds to a state marker as it is written (`… {json} sig=v1.… -->`) and checks and takes
 * off as it is read (src/server/state-seal.ts): the core only ever sees states the shell verified. Parsing tolerates
 * it, so that a stored body reads the same.
 */
export const STATE_SIGNATURE = / sig=[A-Za-z0-9._-]*$/;
const SEPARATOR = '\n\n';

export interface SplitBody {
  /** The block's inner text (without markers), or null when the body has no block. */
  block: string | null;
  /** The person's text after the block, exactly as written. */
  rest: string;
}

/** Splits a description into the bot block and the rest. Only a block at the very start counts. */
export function splitBody(body: string): SplitBody {
  if (!body.startsWith(BLOCK_BEGIN)) return { block: null, rest: body };
  const end = body.indexOf(BLOCK_END, BLOCK_BEGIN.length);
  if (end < 0) return { block: null, rest: body };
  const inner = body
    .slice(BLOCK_BEGIN.length, end)
    .replace(/^\r?\n/, '')
    .replace(/\r?\n$/, '');
  const after = body.slice(end + BLOCK_END.length);
  // One blank line separates the block from the person's text; an editor may have saved it as CRLF.
  const rest = after.replace(/^\r?\n(?:\r?\n)?/, '');
  return { block: inner, rest };
}

/** Puts a block in front of the person's text; the inverse of `splitBody`. */
export function joinBody(block: string, rest: string): string {
  return `${BLOCK_BEGIN}\n${block}\n${BLOCK_END}${SEPARATOR}${rest}`;
}

/** Replaces (or prepends) the block and keeps the rest of the body byte for byte. */
export function spliceBlock(body: string, block: string): string {
  return joinBody(block, splitBody(body).rest);
}

/** The hidden state marker line. `<` and `>` are escaped so the JSON can never close the comment. */
export function renderState(state: TicketState): string {
  const json = JSON.stringify(state).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${STATE_OPEN}${json}${STATE_CLOSE}`;
}

/** Reads the state from a block; null when it is missing or not ours. */
export function parseState(block: string | null): TicketState | null {
  if (block === null) return null;
  const start = block.indexOf(STATE_OPEN);
  if (start < 0) return null;
  const end = block.indexOf(STATE_CLOSE, start + STATE_OPEN.length);
  if (end < 0) return null;
  try {
    const value: unknown = JSON.parse(block.slice(start + STATE_OPEN.length, end).replace(STATE_SIGNATURE, ''));
    return isTicketState(value) ? value : null;
  } catch {
    return null;
  }
}

/** The state of a ticket straight from its description. */
export function readTicketState(body: string): TicketState | null {
  return parseState(splitBody(body).block);
}

function isTicketState(value: unknown): value is TicketState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    (v.role === 'master' || v.role === 'release' || v.role === 'comms' || v.role === 'task') &&
    typeof v.id === 'string' &&
    (v.links === undefined || (Array.isArray(v.links) && v.links.every((l) => typeof l === 'string')))
  );
}

/** Characters a table cell's value may not hold: the row would not be one line of the table. */
const LINE_BREAKS = /[\r\n\u2028\u2029]/;

/**
 * The Quick Links table's values by label (`Incident Manager` → `@alice`), as written in the block: every line
 * `| <label>: | <value> |`, the label being the first cell, the value everything up to the line's last pipe.
 * Read line by line without a regular expression over the row: a row is written by people (the block is
 * theirs to edit), and a backtracking pattern over a long line of spaces took time cubic in its length.
 */
export function parseQuickLinks(block: string | null): Map<string, string> {
  const values = new Map<string, string>();
  if (block === null) return values;
  for (const raw of block.split('\n')) {
    const row = quickLinkRow(raw);
    if (row) values.set(row.label, row.value);
  }
  return values;
}

/** One line of the block read as a Quick Links row (`| <label>: | <value> |`), or null when it is not one. */
export function quickLinkRow(raw: string): { label: string; value: string } | null {
  const line = raw.trimEnd();
  if (!line.startsWith('|') || line.length < 2 || !line.endsWith('|')) return null;
  const pipe = line.indexOf('|', 1);
  if (pipe === line.length - 1) return null;
  const label = line.slice(1, pipe).trimEnd();
  // At least one character before the colon, as in `|  : |` (an empty label) but not `|: |`.
  if (!label.endsWith(':') || label.length < 2) return null;
  const value = line.slice(pipe + 1, -1).trim();
  if (LINE_BREAKS.test(value)) return null;
  return { label: label.slice(0, -1).trim(), value };
}

/**
 * The state of a ticket only when it can be trusted: the block carries a state and the issue carries the
 * matching role label, which only members can set. A reporter who pastes a block of their own into a new
 * issue gets their text treated as text.
 */
export function trustedState(issue: { body: string; labels: string[] }): TicketState | null {
  const state = readTicketState(issue.body);
  return state && issue.labels.includes(roleLabel(state.role)) ? state : null;
}

/** Writes the block into a body: replaces a trusted block, otherwise prepends and keeps every byte. */
export function writeBlock(issue: { body: string; labels: string[] }, block: string): string {
  return trustedState(issue) ? spliceBlock(issue.body, block) : joinBody(block, issue.body);
}

/** The current block's inner text when it can be trusted, else null. */
export function trustedBlock(issue: { body: string; labels: string[] }): string | null {
  return trustedState(issue) ? splitBody(issue.body).block : null;
}
