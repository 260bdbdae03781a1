import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSitrepText, sitrepKeyLine } from '../../src/commands/sitrep.js';
import { CEILING_MS, hostileLine, hostileText, RUNS, timed } from './hostile.js';

/**
 * The sitrep key line reader backtracked catastrophically on long near misses and now reads step by step. The old
 * pattern is kept as the oracle: on short inputs (where it is fast) the new code answers the same, and on a megabyte
 * near miss it answers within the ceiling where the old pattern took minutes.
 */

/** The sitrep key pattern before the fix: quadratic on a line of spaces. */
const OLD_KEY_LINE = new RegExp(
  [
    String.raw`^\s*(?:[-*+]\s+)?[*_]{0,2}\s*(?<key>status|responders|details|next[ -]?steps?|description|impact)`,
    String.raw`\s*[*_]{0,2}\s*:\s*[*_]{0,2}\s*(?<value>.*?)\s*$`,
  ].join(''),
  'i',
);

describe('sitrep key lines, read without a backtracking pattern', () => {
  const keyish = fc
    .tuple(
      fc.constantFrom('', ' ', '\t', '  '),
      fc.constantFrom('', '- ', '* ', '+ ', '-', '*', '+\t', '- - '),
      fc.constantFrom('', '*', '**', '_', '__', '***', '* '),
      fc.constantFrom(
        'Status',
        'STATUS',
        'responders',
        'Details',
        'Next steps',
        'next-step',
        'nextsteps',
        'Description',
        'Impact',
        'statuses',
        'stat',
      ),
      fc.constantFrom('', ' ', '*', '**', ' **', '***'),
      fc.constantFrom(':', ' :', '', '::'),
      fc.constantFrom('', ' ', '*', '**', ' _'),
      fc.oneof(fc.constantFrom('', 'contained', ' contained  ', '*bold*', 'a\u2028b'), hostileLine(4)),
    )
    .map((parts) => parts.join(''));

  it('reads the same key and value as the old pattern', () => {
    fc.assert(
      fc.property(fc.oneof(keyish, hostileLine(8)), (line) => {
        const old = OLD_KEY_LINE.exec(line);
        const found = sitrepKeyLine(line);
        expect(found === null ? null : { key: found.key.toLowerCase(), value: found.value }).toEqual(
          old ? { key: old.groups!.key!.toLowerCase(), value: old.groups!.value } : null,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a megabyte of spaces within the ceiling (the old pattern took minutes)', () => {
    for (const text of [
      `${' '.repeat(1024 * 1024)}x`,
      `- ${' '.repeat(1024 * 1024)}x`,
      `status${' '.repeat(1024 * 1024)}x`,
      `Status:${' '.repeat(1024 * 1024)}x`,
    ]) {
      expect(timed(parseSitrepText, text)).toBeLessThan(CEILING_MS);
    }
    expect(parseSitrepText(`Status:${' '.repeat(1000)}contained`).status).toBe('contained');
  });

  it('never throws on hostile text', () => {
    fc.assert(
      fc.property(hostileText(), (text) => void parseSitrepText(text)),
      RUNS,
    );
  });
});
