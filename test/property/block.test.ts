import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuickLinks } from '../../src/kernel/block.js';
import { CEILING_MS, hostileLine, RUNS, timed } from './hostile.js';

/**
 * The Quick Links reader backtracked catastrophically on long near misses and now reads step by step. The old pattern
 * is kept as the oracle: on short inputs (where it is fast) the new code answers the same, and on a megabyte near miss
 * it answers within the ceiling where the old pattern took minutes.
 */

/** The Quick Links pattern before the fix: cubic on `|a:|` followed by spaces and no last pipe. */
const OLD_TABLE_ROW = /^\|\s*(?<label>[^|]+?):\s*\|\s*(?<value>.*?)\s*\|\s*\r?$/gm;

function oldQuickLinks(block: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const match of block.matchAll(OLD_TABLE_ROW)) values.set(match.groups!.label!.trim(), match.groups!.value!);
  return values;
}

const row = fc
  .tuple(
    fc.constantFrom('', ' ', '  ', '\t'),
    fc.oneof(fc.constantFrom('Incident Manager', 'CVSS Score', 'Chat Channel', '', ' '), hostileLine(3)),
    fc.constantFrom(':', ' :', ': ', '', '::'),
    fc.constantFrom('|', ' | ', '|  '),
    fc.oneof(fc.constantFrom('@alice', '9.8 \\| high', '', ' ', '_not set_'), hostileLine(4)),
    fc.constantFrom('|', ' |', '| ', '|\r', '', ' | x |'),
  )
  .map(([lead, label, colon, mid, value, end]) => `|${lead}${label}${colon}${mid}${value}${end}`);

describe('Quick Links rows, read without a backtracking pattern', () => {
  it('reads every one-line row as the old pattern did', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(row, hostileLine(6)), { maxLength: 8 }), (lines) => {
        const block = lines.join('\n');
        // The old pattern let its whitespace runs cross line ends; a row of the table is one line, so the oracle
        // reads line by line.
        const oneLine = new Map(lines.flatMap((line) => [...oldQuickLinks(line)]));
        expect(parseQuickLinks(block)).toEqual(oneLine);
      }),
      RUNS,
    );
  });

  it('answers a long row without its last pipe within the ceiling (the old pattern took 14 s on 4 KB)', () => {
    const line = `| Incident Manager: |${' '.repeat(1024 * 1024)}x`;
    expect(timed(parseQuickLinks, line)).toBeLessThan(CEILING_MS);
    expect(parseQuickLinks(line).size).toBe(0);
  });
});
