import { quickLinkRow, STATE_OPEN, UNVERIFIED_STATE_OPEN } from '../kernel/block.js';
import { diffSteps, readSteps, setSteps } from './steps.js';

/**
 * Undoing a refused edit of the app's block on the block as it is now, not as it was: other people (and the app
 * itself) may have written since the edit, and what they wrote stays. Pure, and linear in the blocks' size.
 */

/** What a refusal undoes. */
export interface RevertOptions {
  /**
   * `state`: only the hidden state (a writer's edit: their boxes and Quick Links values count, the app's state is the
   * app's). `all`: every change of the edit except the boxes `keep` names (someone without the rights to edit).
   */
  scope: 'state' | 'all';
  /** Boxes the refusal leaves as the edit set them: approval boxes, which the approval rules decide on their own. */
  keep?: (stepId: string) => boolean;
  /** Whether the current block's state is the app's (the shell verified its signature). */
  currentTrusted: boolean;
}

/** Where the block's state line is: the line of the first state marker, verified or not. */
function stateLineAt(block: string): { start: number; end: number } | null {
  const verified = block.indexOf(STATE_OPEN);
  const unverified = block.indexOf(UNVERIFIED_STATE_OPEN);
  const at = verified < 0 ? unverified : unverified < 0 ? verified : Math.min(verified, unverified);
  if (at < 0) return null;
  const end = block.indexOf('\n', at);
  return { start: block.lastIndexOf('\n', at) + 1, end: end < 0 ? block.length : end };
}

function stateLine(block: string | null): string | null {
  const at = block === null ? null : stateLineAt(block);
  return at === null ? null : block!.slice(at.start, at.end);
}

/** The block with its state line replaced (or put first when it has none). */
function withStateLine(block: string, line: string): string {
  const at = stateLineAt(block);
  return at === null ? `${line}\n${block}` : `${block.slice(0, at.start)}${line}${block.slice(at.end)}`;
}

/** Every line that starts with a pipe (the only ones that can be Quick Links rows), with where it is. */
function* pipeLines(block: string): Generator<{ start: number; end: number; line: string }> {
  for (let start = 0; start <= block.length; ) {
    const newline = block.indexOf('\n', start);
    const end = newline < 0 ? block.length : newline;
    if (block.charCodeAt(start) === 124) yield { start, end, line: block.slice(start, end) };
    if (newline < 0) return;
    start = newline + 1;
  }
}

function quickLinkValues(block: string): Map<string, string> {
  const values = new Map<string, string>();
  if (!block.includes('|')) return values;
  for (const { line } of pipeLines(block)) {
    const row = quickLinkRow(line);
    if (row && !values.has(row.label)) values.set(row.label, row.value);
  }
  return values;
}

/** Sets Quick Links values by label, on the rows the block has; every other line stays. */
function withQuickLinks(block: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0 || !block.includes('|')) return block;
  let out = '';
  let from = 0;
  for (const { start, end, line } of pipeLines(block)) {
    const row = quickLinkRow(line);
    const value = row ? values.get(row.label) : undefined;
    if (value === undefined || value === row!.value) continue;
    // The row as the templates write it; the label keeps its own spelling up to the colon.
    out += `${block.slice(from, start)}${line.slice(0, line.indexOf('|', 1) + 1)} ${value} |`;
    from = end;
  }
  return out + block.slice(from);
}

/** `base`'s text with the boxes, Quick Links values and state line of `from`. */
function rebuild(base: string, from: string): string {
  const steps = readSteps(from);
  let block = steps.size === 0 ? base : setSteps(base, (id) => steps.get(id)?.done);
  block = withQuickLinks(block, quickLinkValues(from));
  const state = stateLine(from);
  return state === null ? block : withStateLine(block, state);
}

/**
 * Undoes a refused edit of a block on the block as it is now. `base` is the block before the edit (the app's, its
 * state verified), `edited` after it (null when the edit removed the block), `current` the block read fresh (null
 * when there is none). Only what the edit changed is put back, and only where the block still shows the edit's
 * value; everything else in `current` (other people's changes, the app's own counters and cells written since)
 * stays:
 *
 * - the hidden state: put back when the edit changed it and the block still holds the edit's, or when the block's
 *   state now is not the app's at all (the app's last good state wins);
 * - with `scope: 'all'`, the boxes the edit ticked or unticked (not those `keep` names), the Quick Links values it
 *   changed, and any other text of the block: that is put back when nobody changed the block's text since (it still
 *   reads as the edit left it), keeping the current boxes, values and state.
 *
 * A block that is gone is put back whole. Answers the block to write (the same string as `current` when nothing is
 * to be undone).
 */
export function revertEdit(
  base: string,
  edited: string | null,
  current: string | null,
  options: RevertOptions,
): string {
  if (current === null) return base;
  const keep = options.keep ?? (() => false);
  if (options.scope === 'all' && edited !== null && current === edited) {
    // Nothing happened since the edit (the usual case): the block before it, with the boxes the refusal leaves alone.
    const kept = readSteps(edited);
    return setSteps(base, (id) => (keep(id) ? kept.get(id)?.done : undefined));
  }
  let result = current;
  const baseState = stateLine(base);
  const editedState = stateLine(edited);
  if (
    baseState !== null &&
    editedState !== baseState &&
    (!options.currentTrusted || stateLine(current) === editedState)
  ) {
    result = withStateLine(result, baseState);
  }
  if (options.scope === 'state' || edited === null) return result;

  const now = readSteps(result);
  const undo = new Map<string, boolean>();
  for (const change of diffSteps(base, edited)) {
    if (keep(change.stepId)) continue;
    if (now.get(change.stepId)?.done === (change.to === 'done')) undo.set(change.stepId, change.to !== 'done');
  }
  if (undo.size > 0) result = setSteps(result, (id) => undo.get(id));

  const editedCells = quickLinkValues(edited);
  const currentCells = quickLinkValues(result);
  const cells = new Map<string, string>();
  for (const [label, value] of quickLinkValues(base)) {
    const theirs = editedCells.get(label);
    if (theirs !== undefined && theirs !== value && currentCells.get(label) === theirs) cells.set(label, value);
  }
  result = withQuickLinks(result, cells);

  // The rest of the block's text: the edit's change is undone when nobody wrote the block's text since, that is when
  // the current block is the edited one but for boxes, values and state.
  if (rebuild(base, edited) !== edited && rebuild(edited, current) === current) result = rebuild(base, result);
  return result;
}

/**
 * True when an edit changed the block's hidden state: its state line, or the block itself removed. Nobody but the
 * app may: approval decisions, clocks, reminders and links are never taken from text a person could have typed.
 */
export function editTouchesState(base: string, edited: string | null): boolean {
  return edited === null || stateLine(edited) !== stateLine(base);
}
