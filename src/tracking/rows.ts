import { renderState, splitBody, trustedState } from '../kernel/block.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { findCve, idLabel, NEEDS_CONFIG_LABEL, roleLabel } from '../kernel/identifier.js';
import type { Issue, Project } from '../kernel/model.js';
import { neutralizeInline, quietUser } from '../kernel/neutralize.js';

/**
 * Tracking tickets: issues anywhere the app serves that name an incident by its identifier (label
 * `incident-id::<ID>` or `[<ID>]` in the title). Pure: which identifier a ticket names, the row the master
 * shows for it, the master's "Tracking tickets" section (rendered and read back: the section is the record,
 * so the master's hidden state stays small whatever the number of children), and the child's back-reference.
 */

/** The label every tracking ticket carries next to the identifier's. */
export const TASK_LABEL = roleLabel('task');

/** Where the tracking section starts inside the master's block; only the app writes it. */
export const TASKS_MARKER = '<!-- incident-desk:tasks -->';

/** One child as the master's table shows it. Strings are safe markdown (neutralized when the row was made). */
export interface TaskRow {
  /** `project#n`. */
  ref: string;
  /** The title as a safe table cell; null when the row was shortened to fit the description. */
  title: string | null;
  /** Username of the first assignee, null when nobody is. */
  owner: string | null;
  state: 'open' | 'closed';
  /** `YYYY-MM-DD`. */
  due: string | null;
  /** RFC 3339 of the child's last update as the tracker reported it; orders out-of-order events. */
  updated: string | null;
}

const ID_LABEL_PREFIX = 'incident-id::';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The identifiers a ticket names, labels first: every `incident-id::<ID>` label, then a `[<ID>]` in the title
 * when it has the shape of an identifier (a CVE, or `<prefix>-<year>-<number>`), so `[WIP]` names nothing.
 */
export function namedIds(issue: Pick<Issue, 'labels' | 'title'>, prefix: string): string[] {
  const ids: string[] = [];
  for (const label of issue.labels) if (label.startsWith(ID_LABEL_PREFIX) && label.length > ID_LABEL_PREFIX.length) ids.push(label.slice(ID_LABEL_PREFIX.length));
  const shape = new RegExp(`\\[((?:CVE-\\d{4}-\\d{4,7})|(?:${prefix}-\\d{4}-\\d{1,9}))\\]`, 'gi');
  for (const match of issue.title.matchAll(shape)) {
    const text = match[1]!;
    ids.push(findCve(text) ?? text.toUpperCase());
  }
  return [...new Set(ids)];
}

/**
 * True when an issue may be a tracking ticket: it is not one of the incident's own tickets (master, release,
 * comms), not a source the app handled, and not a trigger (an issue with the trigger label opens an incident).
 */
export function mayBeChild(issue: Pick<Issue, 'labels'>, triggerLabel: string): boolean {
  return !issue.labels.some(
    (l) =>
      l === roleLabel('master') ||
      l === roleLabel('release') ||
      l === roleLabel('comms') ||
      l === triggerLabel ||
      l === NEEDS_CONFIG_LABEL ||
      l.startsWith('incident-source::'),
  );
}

/**
 * True when anyone could read the ticket: GitLab issues that are not confidential in a project that is not
 * private (internal counts as public: every signed-in user reads it); GitHub issues of a repository that is not
 * private. Such a ticket only ever gets the identifier from the app.
 */
export function isPublicTicket(issue: Pick<Issue, 'confidential'>, project: Pick<Project, 'visibility'>): boolean {
  return !issue.confidential && project.visibility !== 'private';
}

/** `Due: 2026-12-01`, `- **Due:** 2026-12-01`, `Due date 2026-12-01`, or the task template's row `| Due: | 2026-12-01 |`. */
const DUE_LINE = /^[ \t]*(?:\|[ \t]*)?(?:[-*][ \t]+)?(?:\*\*)?Due(?: date)?:?(?:\*\*)?:?(?:[ \t]*\|)?[ \t]+(\d{4}-\d{2}-\d{2})\b/im;

/**
 * A ticket's due date: the tracker's own field (GitLab), else a `Due: YYYY-MM-DD` line of its description (on
 * GitHub, a `/task` ticket carries it in the template's table).
 */
export function dueOf(issue: Pick<Issue, 'dueDate' | 'body'>): string | null {
  if (issue.dueDate && DATE.test(issue.dueDate)) return issue.dueDate;
  // The person's own text first: a due line in the app's block is a copy that may be older than their edit.
  const { block, rest } = splitBody(issue.body);
  return DUE_LINE.exec(rest)?.[1] ?? (block !== null ? DUE_LINE.exec(block)?.[1] : undefined) ?? null;
}

/** RFC 3339 to the second, as every time the app shows. */
function seconds(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A title without the incident identifier in front (`[INC-2026-42] Rotate keys` → `Rotate keys`). */
export function titleWithoutId(title: string): string {
  return title.replace(/^\[(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,9}-\d{4}-\d{1,9})\]\s*/i, '');
}

/** The row of a child as read from the tracker. */
export function rowOf(child: Issue, ref: string): TaskRow {
  return {
    ref,
    // The identifier in front of the title says nothing on the incident's own table.
    title: neutralizeInline(titleWithoutId(child.title), 120),
    owner: child.assignees[0] ?? null,
    state: child.state,
    due: dueOf(child),
    updated: child.updatedAt ? seconds(child.updatedAt) : null,
  };
}

/** The day (`YYYY-MM-DD`, UTC) of `now`. */
function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Open and past its due date. */
export function isOverdue(row: TaskRow, now: Date): boolean {
  return row.state === 'open' && row.due !== null && row.due < today(now);
}

function sameTicket(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Puts a row in the list, replacing the same ticket's row. An older update never replaces a newer one (events
 * arrive out of order); a row that changes nothing answers the same list.
 */
export function upsertRow(rows: readonly TaskRow[], row: TaskRow): TaskRow[] {
  const index = rows.findIndex((r) => sameTicket(r.ref, row.ref));
  if (index < 0) return [...rows, row];
  const current = rows[index]!;
  if (current.updated && row.updated && Date.parse(row.updated) < Date.parse(current.updated)) return [...rows];
  const merged: TaskRow = { ...row, title: row.title ?? current.title };
  const next = [...rows];
  next[index] = merged;
  return next;
}

/** The row of a ticket, if the list has it. */
export function findRow(rows: readonly TaskRow[], ref: string): TaskRow | undefined {
  return rows.find((r) => sameTicket(r.ref, ref));
}

// ---------------------------------------------------------------------------------------------------------------
// The section: rendered with a size budget, read back from the block.

const UNASSIGNED = '_unassigned_';
const OWNER_CELL = /^`@([^`]+)`$/;
const REF = /^([A-Za-z0-9_.\-/]+)#(\d+)$/;

function ownerCell(owner: string | null): string {
  return owner ? quietUser(owner) || UNASSIGNED : UNASSIGNED;
}

function ownerFromCell(cell: string): string | null {
  return OWNER_CELL.exec(cell.trim())?.[1] ?? null;
}

function byRef(a: TaskRow, b: TaskRow): number {
  const [pa, na] = splitRef(a.ref);
  const [pb, nb] = splitRef(b.ref);
  return pa === pb ? na - nb : pa < pb ? -1 : 1;
}

function splitRef(ref: string): [string, number] {
  const match = REF.exec(ref);
  return match ? [match[1]!.toLowerCase(), Number(match[2])] : [ref.toLowerCase(), 0];
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
  return [...counts.values()].sort((a, b) => b.overdue - a.overdue || b.open - a.open || (a.owner ?? '~').localeCompare(b.owner ?? '~'));
}

function fullRow(row: TaskRow, now: Date): string {
  const cells = [row.ref, row.title ?? '—', ownerCell(row.owner), row.state, row.due ?? '—', row.updated ?? '—', isOverdue(row, now) ? '⚠️ overdue' : ''];
  return `| ${cells.join(' | ')} |`;
}

/** `g/p#3,4, g/q#9`: references grouped by project, numbers after the first unlinked (compact). */
function compactRefs(rows: readonly TaskRow[]): string {
  const byProject = new Map<string, number[]>();
  for (const row of [...rows].sort(byRef)) {
    const match = REF.exec(row.ref);
    if (!match) continue;
    byProject.set(match[1]!, [...(byProject.get(match[1]!) ?? []), Number(match[2])]);
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
    const refs = compact ? compactRefs(list) : [...list].sort(byRef).map((r) => r.ref).join(', ');
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
export function renderTracking(rows: readonly TaskRow[], now: Date, budget = Number.POSITIVE_INFINITY): TrackingSection {
  const open = rows.filter((r) => r.state === 'open').sort(byUrgency(now));
  const closed = rows.filter((r) => r.state === 'closed');
  const overdue = open.filter((r) => isOverdue(r, now)).length;
  const head = [TASKS_MARKER, '### Tracking tickets', ''];
  if (rows.length === 0) {
    head.push('_None yet._ Open one with `/task @owner <project> <title>`, or label any issue `incident-id::<ID>`.');
    return { text: head.join('\n'), compactOpen: 0, omitted: 0 };
  }
  head.push(`**${open.length} open · ${closed.length} closed · ${overdue} overdue**`, '', '| Owner | Open | Closed | Overdue |', '|---|---|---|---|');
  for (const c of countByOwner(rows, now)) head.push(`| ${ownerCell(c.owner)} | ${c.open} | ${c.closed} | ${c.overdue} |`);

  const tableHead = ['', '| Ticket | Title | Owner | State | Due | Updated | |', '|---|---|---|---|---|---|---|'];
  const compose = (fullCount: number, compactClosed: boolean, keepClosed: boolean, keepCompactOpen: number): string => {
    const lines = [...head];
    if (open.length > 0) lines.push(...tableHead, ...open.slice(0, fullCount).map((r) => fullRow(r, now)));
    const rest = open.slice(fullCount, fullCount + keepCompactOpen);
    if (rest.length > 0) {
      lines.push('', `<details><summary>${rest.length} more open (shortened to fit the description)</summary>`, '', ...compactOpenLines(rest), '', '</details>');
    }
    const left = open.length - fullCount - rest.length + (keepClosed ? 0 : closed.length);
    if (keepClosed && closed.length > 0) {
      lines.push('', `<details><summary>${closed.length} closed</summary>`, '', ...closedLines(closed, compactClosed), '', '</details>');
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
    const match = /^([A-Za-z0-9_.\-/]+)#(\d+(?:,\d+)*)$/.exec(item.trim());
    if (match) for (const n of match[2]!.split(',')) refs.push(`${match[1]}#${n}`);
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

const COMPACT_OPEN = /^- (`@[^`]+`|_unassigned_) open, due (\d{4}-\d{2}-\d{2}|—): (.+)$/;
const CLOSED_LINE = /^- (`@[^`]+`|_unassigned_) closed: (.+)$/;

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
    const compact = COMPACT_OPEN.exec(line);
    if (compact) {
      const owner = ownerFromCell(compact[1]!);
      const due = DATE.test(compact[2]!) ? compact[2]! : null;
      for (const ref of refsOf(compact[3]!)) rows = upsertRow(rows, { ref, title: null, owner, state: 'open', due, updated: null });
      continue;
    }
    const closed = CLOSED_LINE.exec(line);
    if (!closed) continue;
    const owner = ownerFromCell(closed[1]!);
    for (const ref of refsOf(closed[2]!)) rows = upsertRow(rows, { ref, title: null, owner, state: 'closed', due: null, updated: null });
  }
  return rows;
}

/** The block without its tracking section (what the template rendered), and the section's rows. */
export function withoutTracking(block: string): string {
  const start = block.indexOf(TASKS_MARKER);
  return start < 0 ? block : block.slice(0, start).trimEnd();
}

// ---------------------------------------------------------------------------------------------------------------
// The child's side.

/** The back-reference block of a tracking ticket: the identifier always, the master only where the child is private. */
export function renderChildBlock(input: { state: TicketState; master: { ref: string; url: string } | null; due: string | null }): string {
  const lines = [renderState(input.state), `**Tracking ticket of incident ${input.state.id}.**`];
  if (input.master) lines.push(`Master ticket: [${input.master.ref}](${input.master.url}). Progress of every tracking ticket is shown there.`);
  if (input.due) lines.push(`**Due:** ${input.due}`);
  return lines.join('\n');
}

/** The block with its state marker replaced, every other line kept. */
export function replaceState(block: string, state: TicketState): string {
  const lines = block.split('\n');
  const index = lines.findIndex((l) => l.startsWith('<!-- incident-desk:state '));
  if (index < 0) return `${renderState(state)}\n${block}`;
  lines[index] = renderState(state);
  return lines.join('\n');
}

/** What the app writes on a child so it is correlated: labels, the back-reference block, the native link. */
export interface ChildWrite {
  addLabels: string[];
  /** The block's new inner text, or null when it is already right. */
  block: string | null;
  /** Link natively now (the state then records it). */
  link: boolean;
}

/**
 * Decides the child's side of a correlation from the child as read and the master. A public child gets only
 * the identifier (no master reference, no native link, which would show the master's title to its readers);
 * a private one the master's reference and a native link where the tracker has them. An existing back-reference
 * of a private child (a `/task` body) is kept; a public child's is always reduced to the identifier.
 */
export function decideChildWrite(input: {
  child: Issue;
  isPublic: boolean;
  master: Issue;
  masterId: string;
  nativeLinks: boolean;
}): ChildWrite {
  const { child, isPublic, master, masterId } = input;
  const current = trustedState(child);
  const currentBlock = current ? splitBody(child.body).block : null;
  const ours = current?.role === 'task' ? current : null;
  const link = !isPublic && input.nativeLinks && !ours?.linked;
  const state: TicketState = { v: 1, role: 'task', id: masterId };
  if (!isPublic) state.master = `${master.ref.project}#${master.ref.number}`;
  if (link || ours?.linked) state.linked = true;
  const masterRef = isPublic ? null : { ref: state.master!, url: master.webUrl };
  let block: string;
  if (ours && currentBlock !== null && !isPublic && ours.id === masterId) block = replaceState(currentBlock, state);
  else if (ours && currentBlock !== null && isPublic && ours.id === masterId && !currentBlock.includes(master.ref.project) && !currentBlock.includes(master.webUrl)) {
    block = replaceState(currentBlock, state);
  } else {
    // No copy of the due date: the child already holds it (GitLab's field, or its own Due line), and a copy would go
    // stale the moment someone moves it.
    block = renderChildBlock({ state, master: masterRef, due: null });
  }
  const addLabels = [idLabel(masterId), TASK_LABEL].filter((l) => !child.labels.includes(l));
  return { addLabels, block: block === currentBlock ? null : block, link };
}

/** True when the overdue flags the master shows are no longer those of `now` (a due date passed). */
export function trackingStale(master: Issue, now: Date): boolean {
  const block = trustedState(master) ? splitBody(master.body).block : null;
  if (block === null) return false;
  const shown = /\*\*\d+ open · \d+ closed · (\d+) overdue\*\*/.exec(block);
  if (!shown) return false;
  const overdue = parseTracking(block).filter((r) => isOverdue(r, now)).length;
  return Number(shown[1]) !== overdue;
}

/** `[INC-2026-7]`, `[CVE-2026-1234]`: the shape of an identifier in a title, whatever the configured prefix. */
const ID_IN_TITLE = /\[(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,9}-\d{4}-\d{1,9})\]/i;

/** Cheap test before any request: the issue names some identifier by label or title. */
function namesAnId(issue: Issue): boolean {
  return issue.labels.some((l) => l.startsWith('incident-id::')) || ID_IN_TITLE.test(issue.title);
}

/**
 * Cheap test before any request: the issue names an incident (`namesAnId`) and is not one of an incident's own tickets
 * (master, release, comms) by the app's state. Whether it is a tracking ticket then depends on its project's
 * configuration (`mayBeChild`, `namedIds`).
 */
export function mayBeTrackingTicket(issue: Issue): boolean {
  if (!namesAnId(issue)) return false;
  const own = trustedState(issue);
  return !own || own.role === 'task';
}
