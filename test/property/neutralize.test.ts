import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutralizeBlock, neutralizeComments, neutralizeInline, neutralizeMentions, quietUser } from '../../src/core/neutralize.js';
import { hostileLine, hostileText, RUNS } from './hostile.js';
import { liveProblems } from './rendered.js';

describe('neutralization of hostile text', () => {
  it('is idempotent for mentions, comments and copied blocks', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        for (const f of [neutralizeMentions, neutralizeComments, neutralizeBlock]) expect(f(f(text))).toBe(f(text));
      }),
      RUNS,
    );
  });

  it('leaves no live mention, hidden marker, raw HTML or checkbox in an inline value, as a markdown renderer reads it', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const out = neutralizeInline(text);
        expect(out).not.toMatch(/[\r\n]/);
        expect(liveProblems(out)).toEqual([]);
        // In a table cell too: every pipe is escaped by an odd number of backslashes, so the value stays one cell.
        for (const match of out.matchAll(/(\\*)\|/g)) expect(match[1]!.length % 2).toBe(1);
      }),
      RUNS,
    );
  });

  it('leaves no live mention or hidden marker in a copied block, and keeps every other character', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const out = neutralizeBlock(text);
        expect(liveProblems(out, { html: false, boxes: false })).toEqual([]);
        expect(out.replace(/\u200b/g, '').replace(/&lt;!--/g, '<!--').replace(/--&gt;/g, '-->')).toBe(text.replace(/\u200b/g, ''));
      }),
      RUNS,
    );
  });

  it('breaks a mention after a lone backtick (no code span) or after emphasis closed by `_`', () => {
    for (const text of ['`@everyone', 'x `@all', '`x`@alice`', '`a\n`@alice`', '``@alice`', '_(not applicable)_@all', '@\\_bob']) {
      // The oracle sees the ping in the text as written, and none once neutralized.
      expect(liveProblems(text, { html: false, boxes: false })).not.toEqual([]);
      expect(liveProblems(neutralizeMentions(text), { html: false, boxes: false })).toEqual([]);
    }
  });

  it('names a user without a ping, whatever the name', () => {
    fc.assert(
      fc.property(hostileLine(), (name) => {
        expect(liveProblems(quietUser(name))).toEqual([]);
      }),
      RUNS,
    );
  });
});
