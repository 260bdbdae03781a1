import fc from 'fast-check';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  neutralizeBlock,
  neutralizeComments,
  neutralizeImages,
  neutralizeInline,
  neutralizeMentions,
  neutralizeTags,
  quietUser,
} from '../../src/kernel/neutralize.js';
import { FRAGMENTS, hostileLine, hostileText, RUNS } from './hostile.js';
import { liveProblems } from './rendered.js';

/** Pieces of images, links, reference definitions and resource-loading HTML, among the other hostile fragments. */
const IMAGE_FRAGMENTS = [
  '![',
  '!',
  '[',
  ']',
  '](',
  ')',
  '][',
  '[]',
  'alt',
  'ref',
  '[ref]: ',
  '\n[ref]: https://evil.example/r.png\n',
  'https://evil.example/p.png',
  ' "title"',
  '<img src=',
  '<IMG\nsrc=x>',
  '<picture><source srcset="https://evil.example/s.png">',
  '<video poster=https://evil.example/v.png>',
  '<details>',
  '<br/>',
  '<https://advisory.example/1>',
  '[advisory](https://advisory.example/2)',
] as const;

const imageText = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...IMAGE_FRAGMENTS) },
      { weight: 1, arbitrary: fc.constantFrom(...FRAGMENTS) },
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

/** Pieces of code spans, fences, the constructs that may hold a backtick instead, and entity-written mentions. */
const CODE_FRAGMENTS = [
  '`',
  '``',
  '```',
  '````',
  '~~~',
  '```js',
  '\n```\n',
  '\n~~~\n',
  '\n  ```\n',
  '\n```~\n',
  '\n',
  '\n\n',
  '\r\n',
  ' ',
  '   ',
  '\t',
  '\\',
  '|',
  '> ',
  '- ',
  '1. ',
  '*',
  '_',
  '~~',
  '[',
  ']',
  '](',
  ')',
  '][',
  '[x]: /u ',
  '"',
  "'",
  '(',
  '    ',
  '\n- ',
  '\n> ',
  '<',
  '>',
  '<b>',
  '<details>',
  '<pre>',
  '<?',
  '<div title="',
  '<http://x',
  'https://x.example/',
  'www.x.example/',
  '@all',
  '@acme/auth',
  '&#64;all',
  '&#x0040;here',
  '&COMMAT;x',
  '@&#97;ll',
  '![i](https://evil.example/p.png)',
  '<img src=x>',
  'x',
] as const;

const codeText = fc.array(fc.constantFrom(...CODE_FRAGMENTS), { maxLength: 30 }).map((parts) => parts.join(''));

describe('neutralization of hostile text', () => {
  it('is idempotent for mentions, comments, images, tags and copied blocks', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        for (const f of [neutralizeMentions, neutralizeComments, neutralizeImages, neutralizeTags, neutralizeBlock])
          expect(f(f(text))).toBe(f(text));
      }),
      RUNS,
    );
  });

  it(
    'leaves no live mention, hidden marker, ' +
      'raw HTML or checkbox in an inline value, as a markdown renderer reads it',
    () => {
      fc.assert(
        fc.property(hostileText(), (text) => {
          const out = neutralizeInline(text);
          expect(out).not.toMatch(/[\r\n]/);
          expect(liveProblems(out)).toEqual([]);
          // In a table cell too: every pipe is escaped by an odd number of backslashes, so the value stays one cell.
          for (const match of out.matchAll(/(?<backslashes>\\*)\|/g))
            expect(match.groups!.backslashes!.length % 2).toBe(1);
        }),
        RUNS,
      );
    },
  );

  it('leaves no live mention or hidden marker in a copied block, and keeps every other character', () => {
    fc.assert(
      fc.property(hostileText(), (text) => {
        const out = neutralizeBlock(text);
        expect(liveProblems(out, { html: false, boxes: false })).toEqual([]);
        // An `@` written as an entity is the one rewrite: it becomes a broken `@`.
        const at = (s: string): string => s.replace(/&#0*64;|&#x0*40;|&commat;/gi, '@');
        expect(
          at(
            out
              .replace(/\u200b/g, '')
              .replace(/&lt;!--/g, '<!--')
              .replace(/--&gt;/g, '-->'),
          ),
        ).toBe(at(text.replace(/\u200b/g, '')));
      }),
      RUNS,
    );
  });

  it('breaks a mention after a lone backtick (no code span) or after emphasis closed by `_`', () => {
    for (const text of [
      '`@everyone',
      'x `@all',
      '`x`@alice`',
      '`a\n`@alice`',
      '``@alice`',
      '_(not applicable)_@all',
      '@\\_bob',
    ]) {
      // The oracle sees the ping in the text as written, and none once neutralized.
      expect(liveProblems(text, { html: false, boxes: false })).not.toEqual([]);
      expect(liveProblems(neutralizeMentions(text), { html: false, boxes: false })).toEqual([]);
    }
  });

  it('leaves real code byte for byte, and no live mention or remote image around it', () => {
    fc.assert(
      fc.property(codeText, (text) => {
        for (const out of [neutralizeBlock(text), neutralizeInline(text)])
          expect(liveProblems(out, { html: false, boxes: false })).toEqual([]);
        expect(
          liveProblems(neutralizeMentions(text), { html: false, boxes: false }).filter((p) => p.startsWith('mention ')),
        ).toEqual([]);
        for (const f of [neutralizeMentions, neutralizeImages, neutralizeTags, neutralizeBlock])
          expect(f(f(text))).toBe(f(text));
      }),
      { numRuns: 3 * RUNS.numRuns },
    );
  });

  it('names a user without a ping, whatever the name', () => {
    fc.assert(
      fc.property(hostileLine(), (name) => {
        expect(liveProblems(quietUser(name))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('leaves no image, markdown or HTML, inline or reference style, that a viewer would fetch', () => {
    fc.assert(
      fc.property(imageText, (text) => {
        for (const out of [neutralizeInline(text), neutralizeBlock(text)]) {
          expect(liveProblems(out, { html: false, boxes: false }).filter((p) => p.startsWith('remote '))).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('keeps every link a copied block had', () => {
    fc.assert(
      fc.property(imageText, (text) => {
        // Comment delimiters are escaped whatever surrounds them (the app's markers live in comments), which may
        // rightly change what a link around them reads as: such texts are proven safe elsewhere, not link-keeping.
        fc.pre(!/<!--|-->/.test(text));
        // Likewise a raw HTML tag that is broken turns from an HTML block into text, and the lines after it may then
        // read differently (a definition, a link): texts with tags are proven to load nothing, not to keep links.
        fc.pre(!/<\/?[A-Za-z]/.test(text));
        // An image's alt text becomes a link to it; every link of the text as written is still there (a broken tag's
        // text may join a bare URL before it, which a renderer then links as one). Only links people wrote as links
        // count: a bare URL or address links itself, and its extent is the renderer's guess, which a zero-width space
        // moves.
        const written = (markdown: string): string[] =>
          [
            ...marked
              .parse(markdown, { async: false, gfm: true })
              .matchAll(/<a href="(?<href>[^"]*)"[^>]*>(?<text>[^<]*)</g),
          ]
            .map((m) => m.groups as { href: string; text: string })
            // An `@` is broken on purpose wherever it stands (a mention may hide in a destination too).
            .filter((a) => !/^(?:https?:|www\.|mailto:)/.test(a.text) && !a.text.includes('@') && !a.href.includes('@'))
            .map((a) => a.href);
        const before = written(text);
        const after = [
          ...marked.parse(neutralizeBlock(text), { async: false, gfm: true }).matchAll(/<a href="(?<href>[^"]*)"/g),
        ].map((m) => m.groups!.href!);
        for (const href of before)
          expect(
            after.some((h) => h.includes(href)),
            href,
          ).toBe(true);
      }),
      RUNS,
    );
  });
});
