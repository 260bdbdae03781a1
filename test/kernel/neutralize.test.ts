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
import { liveProblems } from '../property/rendered.js';

describe('neutralize', () => {
  it.each(['@everyone', '@alice', 'hi @org/team', '(@bob)'])('breaks the mention in %j', (text) => {
    expect(neutralizeMentions(text)).not.toMatch(/(?:^|[^\w`])@[\w-]/);
  });

  it('keeps e-mail addresses readable', () => {
    expect(neutralizeMentions('a@b.com')).toBe('a@b.com');
  });

  it('inline values cannot forge a row, a box, a marker or HTML', () => {
    const out = neutralizeInline('x | y\n- [x] done <!-- incident-desk:begin --> <script>@everyone</script>');
    expect(out).not.toContain('\n');
    expect(out).not.toMatch(/(?:^|[^\\])\|/);
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
    for (const match of out.matchAll(/(?<backslashes>\\*)\|/g)) expect(match.groups!.backslashes!.length % 2).toBe(1);
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
    const text =
      `See [the advisory](https://advisory.example/1) and [CVE][cve]! ` +
      `<https://nvd.example/x>\n\n<details><summary>logs</summary>\n\nx<br/>y\n\n</details>\n\n[cve]: ` +
      `https://cve.example/2`;
    const html = marked.parse(neutralizeBlock(text), { async: false, gfm: true });
    expect(neutralizeBlock(text)).toBe(text);
    expect(html).toContain('<a href="https://advisory.example/1">the advisory</a>');
    expect(html).toContain('<a href="https://cve.example/2">CVE</a>');
    expect(html).toContain('<a href="https://nvd.example/x">');
    expect(html).toContain('<details><summary>logs</summary>');
    // The alt text of a broken image stays a link to it: the person can still open it on purpose.
    expect(marked.parse(neutralizeInline(`![shot](${PIXEL})`), { async: false, gfm: true })).toContain(
      `<a href="${PIXEL}">shot</a>`,
    );
  });

  it('breaks a formatting tag that carries attributes: a style or a source may fetch', () => {
    expect(neutralizeBlock('<details open>')).toBe('<\u200bdetails open>');
    expect(neutralizeBlock('<p style="background:url(x)">')).toBe('<\u200bp style="background:url(x)">');
  });
});

describe('real code is left byte for byte', () => {
  const noPing = (text: string): string[] => liveProblems(text, { html: false, boxes: false });

  it.each([
    ['a code span', 'Install `@acme/auth` first'],
    ['a double-backtick span holding a backtick', 'run `` a`@acme/auth ``'],
    [
      'a fenced block with an HTML proof of concept',
      'PoC:\n\n```html\n<img src=x onerror=alert(1)> @acme/auth ![i](https://x/p.png)\n```\nafter',
    ],
    ['a tilde fence closed by a longer one', '~~~\n<svg onload=x> @all\n~~~~\n'],
    ['CRLF lines', '```\r\n<b x=1>@all\r\n```\r\n'],
  ])('%s', (_, text) => {
    expect(neutralizeBlock(text)).toBe(text);
    expect(neutralizeMentions(text)).toBe(text);
  });

  it('keeps the code of an inline value as its escaping left it', () => {
    expect(neutralizeInline('see `@acme/auth` @all')).toBe('see `@acme/auth` @\u200ball');
    expect(neutralizeInline('`<b>` & `![i](u)`')).toBe('`&lt;b&gt;` &amp; `![i](u)`');
  });

  it.each([
    ['a lone backtick', '`@all'],
    ['a lone backtick after a span', '`x` `@all'],
    ['runs of different lengths', '``@all`'],
    ['a span cut by a table cell', '| h | h |\n| - | - |\n| `a | @all` |'],
    ['a backslash-escaped backtick', '\\`@all`'],
    ['a backtick in a link destination', '[x](`)@all`'],
    ['a backtick in an autolink', '<http://x`>@all`'],
    ['a backtick in a bare URL', 'www.x.example/` @all `'],
    ['raw HTML that holds the line', '<div>\n`@all`'],
  ])('still breaks a mention after %s', (_, text) => {
    expect(noPing(text)).not.toEqual([]);
    expect(noPing(neutralizeMentions(text))).toEqual([]);
    expect(neutralizeMentions(text)).toContain('@\u200ball');
  });

  it.each([
    ['a span across lines (a list item or a heading may end the first)', '`a\n@all`'],
    ['a span holding a pipe (a table cell may end it)', '`a | @all`'],
    ['a span after raw HTML (a tag or an autolink may hold its backtick)', '<b>x</b> `@all`'],
  ])('does not take for code %s', (_, text) => {
    expect(neutralizeMentions(text)).toContain('@\u200ball');
  });

  it('treats an unclosed fence as text: the app or the next copied text may close it', () => {
    // Alone it renders as code, but a sitrep joins two copied texts, and the second one's fence would close it.
    expect(neutralizeMentions('```\n@all')).toBe('```\n@\u200ball');
    const details = neutralizeBlock('```\n@all');
    expect(noPing(`${neutralizeBlock('```\nlog')}\n\n${details}`)).toEqual([]);
  });

  it('treats an indented fence, or a closer another renderer reads otherwise, as text from there on', () => {
    // In a list item, a fence ends with the item: `- @all` below is a new item, not code.
    expect(neutralizeMentions('- a\n  ```\n- @all\n  ```')).toContain('@\u200ball');
    expect(noPing(neutralizeMentions('- a\n  ```\n- @all\n  ```'))).toEqual([]);
    // marked closes a fence at "```~", CommonMark does not.
    expect(neutralizeMentions('```\nx\n```~\n@all\n```')).toContain('@\u200ball');
  });

  it('breaks images and tags outside code only', () => {
    const text = '![a](https://x/p.png) `![b](https://x/q.png)` `<img src=y>` <img src=x>';
    expect(neutralizeImages(text)).toBe(
      '!\u200b[a](https://x/p.png) `![b](https://x/q.png)` `<img src=y>` <img src=x>',
    );
    expect(neutralizeTags(text)).toBe('![a](https://x/p.png) `![b](https://x/q.png)` `<img src=y>` <\u200bimg src=x>');
  });

  it('makes markers inert inside code too: the app reads them from the raw text', () => {
    expect(neutralizeComments('`<!-- incident-desk:end -->`')).toBe('`&lt;!-- incident-desk:end --&gt;`');
    expect(neutralizeBlock('```\n<!-- step:a-b -->\n```')).toBe('```\n&lt;!-- step:a-b --&gt;\n```');
  });
});

describe('mentions written as HTML entities', () => {
  it.each([
    '&#64;all',
    '&#x40;all',
    '&#X40;here',
    '&#0064;all',
    '&#x0040;all',
    '&commat;all',
    '&COMMAT;all',
    '(&#64;org/team)',
    '@&#97;ll',
  ])('breaks %j', (text) => {
    expect(liveProblems(text, { html: false, boxes: false })).not.toEqual([]);
    const out = neutralizeBlock(text);
    expect(liveProblems(out, { html: false, boxes: false })).toEqual([]);
    expect(out).toContain('@\u200b');
  });

  it('leaves an entity in code, or one that renders no mention, as it is', () => {
    expect(neutralizeBlock('`&#64;all`')).toBe('`&#64;all`');
    expect(neutralizeBlock('a&#64;b.example')).toBe('a&#64;b.example');
    expect(neutralizeBlock('&#64; alone')).toBe('&#64; alone');
  });
});
