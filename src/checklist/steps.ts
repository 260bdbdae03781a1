import type { PhaseDefinition } from './phase-types.js';

/**
 * Reads and edits the checklist of a bot block, and works out progress and due phases. Pure: no I/O, no
 * clock (`now` comes in). Only real list items count: a box hidden in a code block, a quote or an HTML
 * comment is text, whatever it looks like. Every function is linear in the size of the block.
 */

/** One checklist step as the block shows it. */
export interface TrackedStep {
  done: boolean;
  /** The step's text, without the link, the role, the marker and the n/a decoration. */
  text: string;
  /** The role in parentheses, '' when the line has none. */
  role: string;
}

/** How far a checklist is: steps done (ticked or not applicable) out of all steps, overall and per phase. */
export interface Progress {
  done: number;
  total: number;
  phases: Array<{ id: string; title: string; done: number; total: number }>;
}

/** A real checklist item of a block. */
interface Item {
  id: string;
  done: boolean;
  /** Index in the block of the box's character (` `, `x` or `X`). */
  box: number;
  /** The text between the box and the marker. */
  content: string;
}

interface Fence {
  char: string;
  length: number;
}

const STEP_OPEN = '<!-- step:';
const STEP_CLOSE = ' -->';
const STEP_ID = /^[a-z0-9][a-z0-9-]*$/;
const NA_SEPARATOR = '~~ _(not applicable';

/** The checklist items of a block by hidden step id; when an id appears twice, the first wins. */
export function readSteps(block: string): Map<string, TrackedStep> {
  const steps = new Map<string, TrackedStep>();
  for (const item of items(block)) {
    if (!steps.has(item.id)) steps.set(item.id, { done: item.done, ...describe(item.content) });
  }
  return steps;
}

/** The steps present in both blocks whose box changed, in the order of `after`. */
export function diffSteps(before: string | null, after: string): StepChange[] {
  if (before === null) return [];
  const previous = readSteps(before);
  const changes: StepChange[] = [];
  for (const [stepId, step] of readSteps(after)) {
    const old = previous.get(stepId);
    if (old && old.done !== step.done)
      changes.push({ stepId, text: step.text, role: step.role, to: step.done ? 'done' : 'open' });
  }
  return changes;
}

/** Ticks or unticks one step (its first real item); every other byte stays. Unchanged when missing or already so. */
export function setStepState(block: string, stepId: string, done: boolean): string {
  for (const item of items(block)) {
    if (item.id !== stepId) continue;
    if (item.done === done) return block;
    return `${block.slice(0, item.box)}${done ? 'x' : ' '}${block.slice(item.box + 1)}`;
  }
  return block;
}

/**
 * Sets many boxes in one pass: each real item (the first of its step id) is ticked or unticked as `wanted` answers
 * for its id, and left as it is when it answers undefined. Every other byte stays. Linear in the block.
 */
export function setSteps(block: string, wanted: (stepId: string) => boolean | undefined): string {
  const seen = new Set<string>();
  let out = '';
  let from = 0;
  for (const item of items(block)) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    const done = wanted(item.id);
    if (done === undefined || done === item.done) continue;
    out += `${block.slice(from, item.box)}${done ? 'x' : ' '}`;
    from = item.box + 1;
  }
  return out + block.slice(from);
}

/** Steps done per phase: ticked in the block or not applicable; a step missing from the block is open. */
export function computeProgress(
  block: string,
  phases: readonly PhaseDefinition[],
  na: Record<string, string>,
): Progress {
  const steps = readSteps(block);
  const progress: Progress = { done: 0, total: 0, phases: [] };
  for (const phase of phases) {
    const done = phase.steps.filter((s) => steps.get(s.id)?.done === true || Object.hasOwn(na, s.id)).length;
    const total = phase.steps.length;
    progress.phases.push({ id: phase.id, title: phase.title, done, total });
    progress.done += done;
    progress.total += total;
  }
  return progress;
}

/** The first phase with open steps; the last phase when everything is done ('' without phases). */
export function currentPhase(progress: Progress): string {
  const open = progress.phases.find((p) => p.done < p.total);
  return open?.id ?? progress.phases.at(-1)?.id ?? '';
}

/**
 * The due date of each phase: the disclosure date plus the phase's offset in days (UTC calendar); a phase without an
 * offset that is due with another one (`dueWith`) has that one's date. Null for any other phase without an offset,
 * and for every phase when the disclosure date is not a valid `YYYY-MM-DD`.
 */
export function phaseDates(
  disclosureDate: string | null,
  offsets: Record<string, number>,
  phases: readonly PhaseDefinition[],
): Record<string, string | null> {
  const base = disclosureDate === null ? null : parseDate(disclosureDate.trim());
  const dates: Record<string, string | null> = {};
  for (const phase of phases) {
    const offset = Object.hasOwn(offsets, phase.id) ? offsets[phase.id] : undefined;
    if (base === null || offset === undefined || !Number.isInteger(offset)) {
      dates[phase.id] = null;
      continue;
    }
    const day = new Date(base.getTime());
    day.setUTCDate(day.getUTCDate() + offset);
    dates[phase.id] = formatDate(day);
  }
  for (const phase of phases)
    if (dates[phase.id] === null && phase.dueWith !== undefined) dates[phase.id] = dates[phase.dueWith] ?? null;
  return dates;
}

/** Phases whose date is today (UTC) or earlier, that still have open steps and were not nudged yet. */
export function duePhases(
  dates: Record<string, string | null>,
  progress: Progress,
  now: Date,
  nudged: readonly string[],
): string[] {
  const today = formatDate(now);
  if (today === null) return [];
  return progress.phases
    .filter((p) => {
      const date = Object.hasOwn(dates, p.id) ? dates[p.id] : null;
      return typeof date === 'string' && date <= today && p.done < p.total && !nudged.includes(p.id);
    })
    .map((p) => p.id);
}

/** `YYYY-MM-DD` as a UTC midnight, or null when it is not a real calendar date. */
function parseDate(text: string): Date | null {
  const parts = /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})$/.exec(text)?.groups;
  if (!parts) return null;
  const [year, month, day] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

/** The UTC calendar date as `YYYY-MM-DD`; null for an invalid date or a year outside 0–9999. */
function formatDate(date: Date): string | null {
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 0 || year > 9999) return null;
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/**
 * The real checklist items of a block, line by line: outside fenced code and quotes, not indented four
 * columns or more, not after an unclosed `<!--` (up to the line holding `-->`), with a list marker (`-`, `*`,
 * `+`), a box and the hidden step marker at the end of the line.
 */
function* items(block: string): Generator<Item> {
  // No step marker, no item: a long text without one is not walked line by line.
  if (!block.includes(STEP_OPEN)) return;
  let fence: Fence | null = null;
  let comment = false;
  let start = 0;
  while (start <= block.length) {
    const newline = block.indexOf('\n', start);
    const stop = newline < 0 ? block.length : newline;
    const line =
      block.charCodeAt(stop - 1) === 13 && stop > start ? block.slice(start, stop - 1) : block.slice(start, stop);
    const lineStart = start;
    start = stop + 1;

    const { columns, index } = indentation(line);
    if (fence) {
      if (columns < 4 && closesFence(line.slice(index), fence)) fence = null;
      continue;
    }
    if (comment) {
      comment = endsInComment(line, true);
      continue;
    }
    if (columns >= 4) continue;
    const rest = line.slice(index);
    const quoted = rest.startsWith('>');
    const opened = quoted ? null : opensFence(rest);
    if (opened) {
      fence = opened;
      continue;
    }
    const item = quoted ? null : parseItem(rest);
    if (item) yield { ...item, box: lineStart + index + item.box };
    else comment = endsInComment(rest, false);
  }
}

/** Whether a line leaves an HTML comment open: one was open before and is not closed, or its last `<!--` is not. */
function endsInComment(line: string, open: boolean): boolean {
  let from = 0;
  if (open) {
    const close = line.indexOf('-->');
    if (close < 0) return true;
    from = close + 3;
  }
  const last = line.lastIndexOf('<!--');
  // `<!-->` closes itself, hence the search from the opener's dashes.
  return last >= from && line.indexOf('-->', last + 2) < 0;
}

/** Leading whitespace in columns (a tab goes to the next multiple of four) and the first other character. */
function indentation(line: string): { columns: number; index: number } {
  let columns = 0;
  let index = 0;
  for (; index < line.length; index++) {
    const c = line[index];
    if (c === ' ') columns += 1;
    else if (c === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return { columns, index };
}

function fenceRun(text: string): Fence | null {
  const char = text[0];
  if (char !== '`' && char !== '~') return null;
  let length = 0;
  while (text[length] === char) length++;
  return length >= 3 ? { char, length } : null;
}

function opensFence(rest: string): Fence | null {
  const run = fenceRun(rest);
  if (!run) return null;
  // A backtick fence's info string may not hold a backtick (that would be an inline code span).
  if (run.char === '`' && rest.includes('`', run.length)) return null;
  return run;
}

function closesFence(rest: string, fence: Fence): boolean {
  const run = fenceRun(rest);
  return run !== null && run.char === fence.char && run.length >= fence.length && rest.slice(run.length).trim() === '';
}

/** A list item with a box and a step marker at the end; `box` is relative to `rest`. */
function parseItem(rest: string): Item | null {
  const bullet = rest[0];
  if (bullet !== '-' && bullet !== '*' && bullet !== '+') return null;
  let i = 1;
  while (rest[i] === ' ' && i <= 5) i++;
  if (i === 1 || i > 5 || rest[i] !== '[') return null;
  const box = i + 1;
  const mark = rest[box];
  if ((mark !== ' ' && mark !== 'x' && mark !== 'X') || rest[box + 1] !== ']') return null;
  const after = rest[box + 2];
  if (after !== ' ' && after !== '\t') return null;

  let end = rest.length;
  while (end > 0 && (rest[end - 1] === ' ' || rest[end - 1] === '\t')) end--;
  if (!rest.startsWith(STEP_CLOSE, end - STEP_CLOSE.length)) return null;
  const open = rest.lastIndexOf(STEP_OPEN, end - STEP_CLOSE.length);
  if (open < box + 2) return null;
  const id = rest.slice(open + STEP_OPEN.length, end - STEP_CLOSE.length);
  if (!STEP_ID.test(id)) return null;
  return { id, done: mark !== ' ', box, content: rest.slice(box + 2, open).trim() };
}

/** Splits `[🔗](URL) (ROLE) TEXT` into role and text; the n/a decoration (`~~TEXT~~ _(not applicable…)_`) is dropped. */
function describe(content: string): { text: string; role: string } {
  let text = content;
  if (text.startsWith('[')) {
    const label = text.indexOf('](');
    const close = label < 0 ? -1 : text.indexOf(')', label + 2);
    if (close >= 0) text = text.slice(close + 1).trimStart();
  }
  let role = '';
  if (text.startsWith('(')) {
    const close = text.indexOf(')');
    if (close >= 0) {
      role = text.slice(1, close).trim();
      text = text.slice(close + 1).trimStart();
    }
  }
  if (text.startsWith('~~')) {
    const strike = text.indexOf(NA_SEPARATOR, 2);
    if (strike >= 0) {
      const note = text.slice(strike + 3);
      if (note === '_(not applicable)_' || (note.startsWith('_(not applicable: ') && note.endsWith(')_')))
        text = text.slice(2, strike);
    }
  }
  return { text: text.trim(), role };
}

/** How one checklist step changed between two versions of a block. */
export interface StepChange {
  stepId: string;
  /** The step's text as the block shows it, for the timeline. */
  text: string;
  role: string;
  to: 'done' | 'open';
}
