import { splitBody, trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import { quietUser } from '../kernel/neutralize.js';
import { DATE, isOverdue, upsertRow } from './rows.js';
import type { TaskRow } from './rows.js';

/** Where the tracking section starts inside the master's block; only the app writes it. */
export const TASKS_MARKER = '<!-- incident-desk:tasks -->';

/**
 * The master's "Tracking tickets" section: rendered with a size budget, and read back from the block (the section is
 * the record, so the master's hidden state stays small whatever the number of children). Pure.
 */

const UNASSIGNED = '_unassigned_';
const OWNER_CELL = /^`@(?<owner>[^`]+)`$/;
const REF = /^(?<project>[A-Za-z0-9_.\-/]+)#(?<number>\d+)$/;

function ownerCell(owner: string | null): string {
  return owner ? quietUser(owner) || UNASSIGNED : UNASSIGNED;
}

function ownerFromCell(cell: string): string | null {
  return OWNER_CELL.exec(cell.trim())?.groups?.owner ?? null;
}

function byRef(a: TaskRow, b: TaskRow): number {
  const [pa, na] = splitRef(a.ref);
  const [pb, nb] = splitRef(b.ref);
  return pa === pb ? na - nb : pa < pb ? -1 : 1;
}

function splitRef(ref: string): [string, number] {
  const match = REF.exec(ref)?.groups;
  return match ? [match.project!.toLowerCase(), Number(match.number)] : [ref.toLowerCase(), 0];
}

/** Overdue first, then by due date (none last), then by reference: what needs attention comes first. */
function byUrgency(now: Date) {
  return (a: TaskRow, b: TaskRow): number => {
    const oa = isOverdue(a, now) ? 0 : 1;
    const ob = isOverdue(b, now) ? 0 : 1;
    if (oa !== ob) return oa - ob;
    if (a.due !== b.due) return a.due === null ? 1 : b.due === null ? -1 : a.due < b.due ? -1 : 1;
    return byRef(a, b);
  };
}

interface OwnerCounts {
  owner: string | null;
  open: number;
  closed: number;
  overdue: number;
}

/** Open, closed and overdue children per owner, owners with open children first. */
export function countByOwner(rows: readonly TaskRow[], now: Date): OwnerCounts[] {
  const counts = new Map<string, OwnerCounts>();
  for (const row of rows) {
    const key = row.owner?.toLowerCase() ?? '';
    const entry = counts.get(key) ?? { owner: row.owner, open: 0, closed: 0, overdue: 0 };
    if (row.state === 'open') entry.open += 1;
    else entry.closed += 1;
    if (isOverdue(row, now)) entry.overdue += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.overdue - a.overdue || b.open - a.open || (a.owner ?? '~').localeCompare(b.owner ?? '~'),
  );
}

function fullRow(row: TaskRow, now: Date): string {
  const cells = [
    row.ref,
    row.title ?? '—',
    ownerCell(row.owner),
    row.state,
    row.due ?? '—',
    row.updated ?? '—',
    isOverdue(row, now) ? '⚠️ overdue' : '',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** `g/p#3,4, g/q#9`: references grouped by project, numbers after the first unlinked (compact). */
function compactRefs(rows: readonly TaskRow[]): string {
  const byProject = new Map<string, number[]>();
  for (const row of [...rows].sort(byRef)) {
    const match = REF.exec(row.ref)?.groups;
    if (!match) continue;
    const project = match.project!;
    byProject.set(project, [...(byProject.get(project) ?? []), Number(match.number)]);
  }
  return [...byProject.entries()].map(([path, numbers]) => `${path}#${numbers.join(',')}`).join(', ');
}

function groupBy(rows: readonly TaskRow[], key: (row: TaskRow) => string): Array<[string, TaskRow[]]> {
  const groups = new Map<string, TaskRow[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Open children without their row, by owner and due date: `- `@alice` open, due 2026-12-01: g/p#3,4`. */
function compactOpenLines(rows: readonly TaskRow[]): string[] {
  return groupBy(rows, (r) => `${r.owner ?? '~'}\u0000${r.due ?? '~'}`).map(([, list]) => {
    const { owner, due } = list[0]!;
    return `- ${ownerCell(owner)} open, due ${due ?? '—'}: ${compactRefs(list)}`;
  });
}

/** Closed children by owner: `- `@alice` closed: g/p#3, g/p#4` or, compact, `- `@alice` closed: g/p#3,4`. */
function closedLines(rows: readonly TaskRow[], compact: boolean): string[] {
  return groupBy(rows, (r) => r.owner ?? '~').map(([, list]) => {
    const refs = compact
      ? compactRefs(list)
      : [...list]
          .sort(byRef)
          .map((r) => r.ref)
          .join(', ');
    return `- ${ownerCell(list[0]!.owner)} closed: ${refs}`;
  });
}

/** The rendered section and how it was shortened to fit. */
export interface TrackingSection {
  text: string;
  /** Open rows shown without their title because the full table would not fit. */
  compactOpen: number;
  /** Children left out entirely: even the compact lists did not fit. */
  omitted: number;
}

/**
 * Renders the "Tracking tickets" section of the master within `budget` characters: a dashboard by owner, a
 * table of open children (most urgent first), and the closed ones folded into a collapsed list. When the
 * whole does not fit, closed references are compacted first, then open rows beyond the budget lose their
 * title (kept: reference, owner, due date), and only then is anything left out (`omitted`, said in the text).
 */
export function renderTracking(
  rows: readonly TaskRow[],
  now: Date,
  budget = Number.POSITIVE_INFINITY,
): TrackingSection {
  const open = rows.filter((r) => r.state === 'open').sort(byUrgency(now));
  const closed = rows.filter((r) => r.state === 'closed');
  const overdue = open.filter((r) => isOverdue(r, now)).length;
  const head = [TASKS_MARKER, '### Tracking tickets', ''];
  if (rows.length === 0) {
    head.push('_None yet._ Open one with `/task @owner <project> <title>`, or label any issue `incident-id::<ID>`.');
    return { text: head.join('\n'), compactOpen: 0, omitted: 0 };
  }
  head.push(
    `**${open.length} open · ${closed.length} closed · ${overdue} overdue**`,
    '',
    '| Owner | Open | Closed | Overdue |',
    '|---|---|---|---|',
  );
  for (const c of countByOwner(rows, now))
    head.push(`| ${ownerCell(c.owner)} | ${c.open} | ${c.closed} | ${c.overdue} |`);

  const tableHead = ['', '| Ticket | Title | Owner | State | Due | Updated | |', '|---|---|---|---|---|---|---|'];
  const compose = (fullCount: number, compactClosed: boolean, keepClosed: boolean, keepCompactOpen: number): string => {
    const lines = [...head];
    if (open.length > 0) lines.push(...tableHead, ...open.slice(0, fullCount).map((r) => fullRow(r, now)));
    const rest = open.slice(fullCount, fullCount + keepCompactOpen);
    if (rest.length > 0) {
      lines.push(
        '',
        `<details><summary>${rest.length} more open (shortened to fit the description)</summary>`,
        '',
        ...compactOpenLines(rest),
        '',
        '</details>',
      );
    }
    const left = open.length - fullCount - rest.length + (keepClosed ? 0 : closed.length);
    if (keepClosed && closed.length > 0) {
      lines.push(
        '',
        `<details><summary>${closed.length} closed</summary>`,
        '',
        ...closedLines(closed, compactClosed),
        '',
        '</details>',
      );
    }
    if (left > 0) lines.push('', `_${left} more not listed: the description is at the tracker's size limit._`);
    return lines.join('\n');
  };

  let text = compose(open.length, false, true, 0);
  if (text.length <= budget) return { text, compactOpen: 0, omitted: 0 };
  text = compose(open.length, true, true, 0);
  if (text.length <= budget) return { text, compactOpen: 0, omitted: 0 };
  // Fewer full rows, the rest compact: find the most full rows that fit.
  const fits = (full: number): boolean => compose(full, true, true, open.length - full).length <= budget;
  if (fits(0)) {
    let lo = 0;
    let hi = open.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return { text: compose(lo, true, true, open.length - lo), compactOpen: open.length - lo, omitted: 0 };
  }
  // Nothing compact fits either: counts only, and say so.
  text = compose(0, true, false, 0);
  return { text, compactOpen: 0, omitted: rows.length };
}

/** The references of a list: `g/p#3, g/p#4` or compact `g/p#3,4, g/q#9`. */
function refsOf(text: string): string[] {
  const refs: string[] = [];
  for (const item of text.split(/,\s+/)) {
    const match = /^(?<project>[A-Za-z0-9_.\-/]+)#(?<numbers>\d+(?:,\d+)*)$/.exec(item.trim())?.groups;
    if (match) for (const n of match.numbers!.split(',')) refs.push(`${match.project}#${n}`);
  }
  return refs;
}

/** Splits a table row into cells at pipes that are not escaped (`\|` stays inside its cell). */
function cellsOf(line: string): string[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('|') || !trimmed.endsWith('|')) return null;
  const cells: string[] = [];
  let current = '';
  for (let i = 1; i < trimmed.length; i += 1) {
    const ch = trimmed[i]!;
    if (ch === '\\' && i + 1 < trimmed.length) {
      current += ch + trimmed[i + 1];
      i += 1;
    } else if (ch === '|') {
      cells.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  return cells;
}

const COMPACT_OPEN = /^- (?<owner>`@[^`]+`|_unassigned_) open, due (?<due>\d{4}-\d{2}-\d{2}|—): (?<refs>.+)$/;
const CLOSED_LINE = /^- (?<owner>`@[^`]+`|_unassigned_) closed: (?<refs>.+)$/;

/**
 * Reads the rows back from a master's block (the section the app rendered; a person with write access may have
 * edited it, and what they wrote counts). Lines that are not rows are ignored.
 */
export function parseTracking(block: string | null): TaskRow[] {
  if (block === null) return [];
  const start = block.indexOf(TASKS_MARKER);
  if (start < 0) return [];
  let rows: TaskRow[] = [];
  for (const raw of block.slice(start + TASKS_MARKER.length).split(/\r?\n/)) {
    const line = raw.trim();
    const cells = cellsOf(line);
    if (cells && cells.length === 7 && REF.test(cells[0]!)) {
      const [ref, title, owner, state, due, updated] = cells as [string, string, string, string, string, string];
      if (state !== 'open' && state !== 'closed') continue;
      rows = upsertRow(rows, {
        ref,
        title: title === '—' ? null : title,
        owner: ownerFromCell(owner),
        state,
        due: DATE.test(due) ? due : null,
        updated: Number.isNaN(Date.parse(updated)) ? null : updated,
      });
      continue;
    }
    const compact = COMPACT_OPEN.exec(line)?.groups;
    if (compact) {
      const owner = ownerFromCell(compact.owner!);
      const due = DATE.test(compact.due!) ? compact.due! : null;
      for (const ref of refsOf(compact.refs!))
        rows = upsertRow(rows, { ref, title: null, owner, state: 'open', due, updated: null });
      continue;
    }
    const closed = CLOSED_LINE.exec(line)?.groups;
    if (!closed) continue;
    const owner = ownerFromCell(closed.owner!);
    for (const ref of refsOf(closed.refs!))
      rows = upsertRow(rows, { ref, title: null, owner, state: 'closed', due: null, updated: null });
  }
  return rows;
}

/** The block without its tracking section (what the template rendered), and the section's rows. */
export function withoutTracking(block: string): string {
  const start = block.indexOf(TASKS_MARKER);
  return start < 0 ? block : block.slice(0, start).trimEnd();
}

/** True when the overdue flags the master shows are no longer those of `now` (a due date passed). */
export function trackingStale(master: Issue, now: Date): boolean {
  const block = trustedState(master) ? splitBody(master.body).block : null;
  if (block === null) return false;
  const shown = /\*\*\d+ open · \d+ closed · (?<overdue>\d+) overdue\*\*/.exec(block)?.groups;
  if (!shown) return false;
  const overdue = parseTracking(block).filter((r) => isOverdue(r, now)).length;
  return Number(shown.overdue) !== overdue;
}
