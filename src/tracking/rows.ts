import { renderState, splitBody, trustedState } from '../kernel/block.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { findCve, idLabel, NEEDS_CONFIG_LABEL, roleLabel } from '../kernel/identifier.js';
import type { Issue, Project } from '../kernel/model.js';
import { normalizeGhsa } from '../kernel/advisory.js';
import { neutralizeInline } from '../kernel/neutralize.js';
import { formatRfc3339 } from '../kernel/time.js';

/**
 * Tracking tickets: issues anywhere the app serves that name an incident by its identifier (label
 * `incident-id::<ID>` or `[<ID>]` in the title). Pure: which identifier a ticket names, the row the master
 * shows for it (the section of the master that lists them is `section.ts`), and the child's back-reference.
 */

/** The label every tracking ticket carries next to the identifier's. */
export const TASK_LABEL = roleLabel('task');

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
/** A GitHub advisory id (an alias of the incident it opened or is linked to). */
const GHSA_SHAPE = 'GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}';
/** A date as the tracker and the section write it. */
export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The identifiers a ticket names, labels first: every `incident-id::<ID>` label, then a `[<ID>]` in the title
 * when it has the shape of an identifier (a CVE, or `<prefix>-<year>-<number>`), so `[WIP]` names nothing.
 */
export function namedIds(issue: Pick<Issue, 'labels' | 'title'>, prefix: string): string[] {
  const ids: string[] = [];
  for (const label of issue.labels)
    if (label.startsWith(ID_LABEL_PREFIX) && label.length > ID_LABEL_PREFIX.length)
      ids.push(label.slice(ID_LABEL_PREFIX.length));
  const shape = new RegExp(
    `\\[(?<id>(?:CVE-\\d{4}-\\d{4,7})|(?:${prefix}-\\d{4}-\\d{1,9})|(?:${GHSA_SHAPE}))\\]`,
    'gi',
  );
  for (const match of issue.title.matchAll(shape)) {
    const text = match.groups!.id!;
    ids.push(findCve(text) ?? normalizeGhsa(text) ?? text.toUpperCase());
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

/**
 * `Due: 2026-12-01`, `- **Due:** 2026-12-01`, `Due date 2026-12-01`, or the task template's row
 * `| Due: | 2026-12-01 |`: a table pipe or a list marker, the word (bold or not), then the date.
 */
const DUE_LINE = new RegExp(
  [
    String.raw`^[ \t]*(?:\|[ \t]*)?(?:[-*][ \t]+)?`,
    String.raw`(?:\*\*)?Due(?: date)?:?(?:\*\*)?:?`,
    String.raw`(?:[ \t]*\|)?[ \t]+(?<due>\d{4}-\d{2}-\d{2})\b`,
  ].join(''),
  'im',
);

/**
 * A ticket's due date: the tracker's own field (GitLab), else a `Due: YYYY-MM-DD` line of its description (on
 * GitHub, a `/task` ticket carries it in the template's table).
 */
export function dueOf(issue: Pick<Issue, 'dueDate' | 'body'>): string | null {
  if (issue.dueDate && DATE.test(issue.dueDate)) return issue.dueDate;
  // The person's own text first: a due line in the app's block is a copy that may be older than their edit.
  const { block, rest } = splitBody(issue.body);
  return DUE_LINE.exec(rest)?.groups?.due ?? (block !== null ? DUE_LINE.exec(block)?.groups?.due : undefined) ?? null;
}

/** RFC 3339 to the second, as every time the app shows. */
function seconds(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : formatRfc3339(time);
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
// The child's side.

/** The back-reference block of a tracking ticket: the identifier always, the master only where the child is private. */
export function renderChildBlock(input: {
  state: TicketState;
  master: { ref: string; url: string } | null;
  due: string | null;
}): string {
  const lines = [renderState(input.state), `**Tracking ticket of incident ${input.state.id}.**`];
  if (input.master)
    lines.push(
      `Master ticket: [${input.master.ref}](${input.master.url}). Progress of every tracking ticket is shown there.`,
    );
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
  else if (
    ours &&
    currentBlock !== null &&
    isPublic &&
    ours.id === masterId &&
    !currentBlock.includes(master.ref.project) &&
    !currentBlock.includes(master.webUrl)
  ) {
    block = replaceState(currentBlock, state);
  } else {
    // No copy of the due date: the child already holds it (GitLab's field, or its own Due line), and a copy would go
    // stale the moment someone moves it.
    block = renderChildBlock({ state, master: masterRef, due: null });
  }
  const addLabels = [idLabel(masterId), TASK_LABEL].filter((l) => !child.labels.includes(l));
  return { addLabels, block: block === currentBlock ? null : block, link };
}

/** `[INC-2026-7]`, `[CVE-2026-1234]`: the shape of an identifier in a title, whatever the configured prefix. */
const ID_IN_TITLE = new RegExp(`\\[(?:CVE-\\d{4}-\\d{4,7}|[A-Z][A-Z0-9]{1,9}-\\d{4}-\\d{1,9}|${GHSA_SHAPE})\\]`, 'i');

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
