import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adversarialMegabytes, CEILING_MS, hostileText, RUNS, timed } from './hostile.js';
import { PARSERS } from './parsers.js';

/**
 * Every parser of people's text and of payloads (see `parsers.ts`): it never throws on hostile text, and it answers
 * a megabyte of adversarial input within the ceiling. The ceiling is no speed goal (those belong in `npm run
 * bench`); it is there only to catch catastrophic backtracking and quadratic loops, which take minutes on a
 * megabyte where a linear parser takes milliseconds.
 */

const INPUTS = Object.entries(adversarialMegabytes());

describe.each(Object.entries(PARSERS))('%s', (_name, parse) => {
  it('never throws on hostile markdown', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        parse(text);
      }),
      { numRuns: Math.floor(RUNS.numRuns / 2) },
    );
  });

  it('answers each one-megabyte adversarial input within the ceiling', () => {
    const slow: string[] = [];
    for (const [input, text] of INPUTS) {
      const ms = timed(parse, text);
      if (ms > CEILING_MS) slow.push(`${input}: ${Math.round(ms)} ms`);
    }
    expect(slow).toEqual([]);
  });
});
