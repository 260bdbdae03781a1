import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { neutralizeBlock, neutralizeInline, neutralizeMentions, quietUser } from '../../src/core/neutralize.js';
import { liveProblems } from '../property/rendered.js';

describe('neutralize', () => {
  it.each(['@everyone', '@alice', 'hi @org/team', '(@bob)'])('breaks the mention in %j', (text) => {
    expect(neutralizeMentions(text)).not.toMatch(/(^|[^\w`])@[\w-]/);
  });

  it('keeps e-mail addresses readable', () => {
    expect(neutralizeMentions('a@b.com')).toBe('a@b.com');
  });

  it('inline values cannot forge a row, a box, a marker or HTML', () => {
    const out = neutralizeInline('x | y\n- [x] done <!-- incident-desk:begin --> <script>@everyone</script>');
    expect(out).not.toContain('\n');
    expect(out).not.toMatch(/(^|[^\\])\|/);
    expect(out).not.toContain('[x]');
    expect(out).not.toContain('<!--');
    expect(out).not.toContain('<script>');
    expect(out).not.toMatch(/@[\w]/);
  });

  it('copied blocks keep their text but lose markers and pings', () => {
    const out = neutralizeBlock('Steps:\n- [x] mine\n<!-- incident-desk:end -->\ncc @alice');
    expect(out).toContain('- [x] mine');
    expect(out).not.toContain('<!-- incident-desk');
    expect(out).not.toMatch(/@alice/);
  });

  it('names a user without a ping', () => {
    expect(quietUser('alice')).toBe('`@alice`');
    expect(quietUser('evil`@everyone')).toBe('`@evileveryone`');
  });
});

describe('neutralizeInline and table cells', () => {
  it('a backslash before a pipe cannot end the cell', () => {
    const out = neutralizeInline('a\\|b');
    // Every pipe stays escaped by an odd number of backslashes.
    for (const match of out.matchAll(/(\\*)\|/g)) expect(match[1]!.length % 2).toBe(1);
  });
});

describe('images: no tracking pixel from user text', () => {
  const PIXEL = 'https://evil.example/p.png';

  it.each([
    ['inline', `![x](${PIXEL})`],
    ['with a title', `![x](${PIXEL} "t")`],
    ['in a link', `[![x](${PIXEL})](https://advisory.example)`],
    ['reference style', `![x][ref]\n\n[ref]: ${PIXEL}`],
    ['collapsed reference', `![ref][]\n\n[ref]: ${PIXEL}`],
    ['shortcut reference', `![ref]\n\n[ref]: ${PIXEL}`],
    ['raw HTML', `<img src="${PIXEL}">`],
    ['raw HTML, upper case, across lines', `<IMG\nsrc=${PIXEL}>`],
    ['picture and source', `<picture><source srcset="${PIXEL}"></picture>`],
    ['video poster', `<video poster="${PIXEL}"></video>`],
  ])('a copied block loads none: %s', (_, text) => {
    expect(liveProblems(text).some((p) => p.startsWith('remote '))).toBe(true);
    expect(liveProblems(neutralizeBlock(text)).filter((p) => p.startsWith('remote '))).toEqual([]);
  });

  it('an inline value loads none, and the same text reads the same', () => {
    for (const text of [`![x](${PIXEL})`, `![x][ref]`, `<img src=${PIXEL}>`]) {
      const out = neutralizeInline(text);
      expect(liveProblems(out)).toEqual([]);
      expect(out.replace(/\u200b/g, '')).toBe(text.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });

  it('keeps ordinary links, reference definitions, autolinks and plain formatting tags working', () => {
    const text = `See [the advisory](https://advisory.example/1) and [CVE][cve]! <https://nvd.example/x>\n\n<details><summary>logs</summary>\n\nx<br/>y\n\n</details>\n\n[cve]: https://cve.example/2`;
    const html = marked.parse(neutralizeBlock(text), { async: false, gfm: true });
    expect(neutralizeBlock(text)).toBe(text);
    expect(html).toContain('<a href="https://advisory.example/1">the advisory</a>');
    expect(html).toContain('<a href="https://cve.example/2">CVE</a>');
    expect(html).toContain('<a href="https://nvd.example/x">');
    expect(html).toContain('<details><summary>logs</summary>');
    // The alt text of a broken image stays a link to it: the person can still open it on purpose.
    expect(marked.parse(neutralizeInline(`![shot](${PIXEL})`), { async: false, gfm: true })).toContain(`<a href="${PIXEL}">shot</a>`);
  });

  it('breaks a formatting tag that carries attributes: a style or a source may fetch', () => {
    expect(neutralizeBlock('<details open>')).toBe('<\u200bdetails open>');
    expect(neutralizeBlock('<p style="background:url(x)">')).toBe('<\u200bp style="background:url(x)">');
  });
});
