/**
 * Neutralizes text from people (titles, descriptions, names, field values) before it enters a
 * template or a table, so that it can never forge a checkbox, a hidden marker, an @-mention or markup.
 * Pure functions; each returns text that reads the same to a person.
 */

const ZWSP = '\u200b';

/**
 * Breaks `@name` and `@group/team` mentions (and `@everyone`-style pings) with a zero-width space, outside real code
 * (see {@link outsideCode}: inside code no tracker pings, and a copied package name like `` `@acme/auth` `` must stay
 * byte for byte). Also after a lone backtick, which opens no code span (`` `@all `` alone pings everyone), and after
 * `_`, which may close emphasis (`_note_@all` renders as a ping after it), and before a backslash escape or an entity.
 * An `@` written as an HTML entity (`&#64;all`, `&#x40;all`, `&commat;all`, any case, leading zeros) renders as one,
 * so it becomes a broken `@` too.
 */
export function neutralizeMentions(text: string): string {
  return outsideCode(text, (part) =>
    part.replace(/(?<before>^|[^A-Za-z0-9])(?:@|&#0*64;|&#x0*40;|&commat;)(?=[\w\\&-])/gi, `$<before>@${ZWSP}`),
  );
}

/**
 * Makes HTML comments (our hidden markers live in them) inert: `<!--` can no longer open one. Applies inside code
 * too: the app reads its markers from the raw text, where code is no shelter.
 */
export function neutralizeComments(text: string): string {
  return text.replace(/<!--/g, '&lt;!--').replace(/-->/g, '--&gt;');
}

/**
 * Breaks every markdown image (`![alt](url)`, `![alt][ref]`, `![ref]`) with a zero-width space after the `!`: an
 * image the ticket shows is fetched by every viewer's browser, so an external one in a confidential ticket is a
 * tracking pixel that tells its host who works on the incident and when. The `[alt](url)` after it stays an
 * ordinary link, so a pasted link still works. Real code is left as it is (see {@link outsideCode}).
 */
export function neutralizeImages(text: string): string {
  return outsideCode(text, (part) => part.replace(/!\[/g, `!${ZWSP}[`));
}

/** Attribute-free formatting tags a copied text may keep live (`<details>`, `<br/>`): none of them fetches anything. */
const SAFE_TAGS = new Set([
  'details',
  'summary',
  'br',
  'b',
  'i',
  'em',
  'strong',
  'sub',
  'sup',
  'kbd',
  'code',
  'pre',
  'p',
  'del',
  's',
  'ins',
  'mark',
  'small',
  'hr',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'blockquote',
]);

/**
 * Breaks raw HTML tags (a zero-width space after the `<`) except the attribute-free formatting tags of `SAFE_TAGS`:
 * `<img>`, `<picture>`, `<video poster>`, `<source srcset>` and any tag with attributes may load a remote resource
 * (see {@link neutralizeImages}). Autolinks (`<https://…>`, `<a@b.c>`) are not tags and stay. Real code is left as
 * it is (see {@link outsideCode}): a proof of concept in a fenced block must copy out byte for byte.
 */
export function neutralizeTags(text: string): string {
  return outsideCode(text, (part) =>
    part.replace(
      /<(?=\/?(?<name>[A-Za-z][A-Za-z0-9-]*)(?:(?<plain>\s?\/?>)|[\s/>]|$))/g,
      (_, name: string, plain: string | undefined) =>
        plain !== undefined && SAFE_TAGS.has(name.toLowerCase()) ? '<' : `<${ZWSP}`,
    ),
  );
}

/**
 * Neutralizes a one-line value for a table cell or a heading: no line breaks, no pipes, no HTML, no
 * checkbox, no mention, no markers, no image, bounded length.
 */
export function neutralizeInline(text: string, maxLength = 256): string {
  const flat = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  const clipped = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  // Backslashes first: `a\|b` must not become `a\\|b`, whose pipe would end the table cell.
  const escaped = clipped
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\[(?<box>[ xX])\]/g, '[$<box>\u200b]');
  return neutralizeImages(neutralizeMentions(escaped));
}

/**
 * Neutralizes multi-line text that is quoted into a ticket (a reporter's description copied to a master):
 * markers, mentions, images and raw HTML tags (but plain formatting ones) are broken, checkboxes are kept as the
 * person wrote them (only boxes inside the bot's block ever count), everything else is left byte for byte.
 */
export function neutralizeBlock(text: string): string {
  return neutralizeImages(neutralizeTags(neutralizeMentions(neutralizeComments(text))));
}

/** A username shown without pinging its owner: `` `@alice` `` in a code span. */
export function quietUser(username: string): string {
  const clean = username.replace(/[^\w.\-/[\]]/g, '');
  return clean ? `\`@${clean}\`` : '';
}

/** A username that pings its owner; only for names that come from the tracker's own API answers. */
export function mentionUser(username: string): string {
  const clean = username.replace(/[^\w.\-/[\]]/g, '');
  return clean ? `@${clean}` : '';
}

/** A half-open range `[start, end)` of the text that a renderer shows as code. */
interface Range {
  start: number;
  end: number;
}

const BACKTICK = 96;
const PUNCTUATION = /[!-/:-@[-`{-~]/;

/**
 * Where `text` holds real code: CommonMark code spans and fenced code blocks. Linear; one pass over the lines.
 *
 * Conservative by design: a range is reported only where every renderer (GitHub, GitLab, marked) is sure to show
 * code whatever the block structure around it, because what is reported is left live. So a code span must open
 * and close on one line and hold no `|` (a table cell boundary); a backtick that finds no closer on its line, or
 * that may belong to another construct (an autolink or raw HTML after `<`, a link destination or label after
 * `](` / `][`, or a bare URL), ends the search in that paragraph. A fence counts only from a line that starts
 * with it (no indentation: an indented fence may sit in a list item that a later line closes) and only when its
 * closing line is found (an unclosed fence is closed by whatever the app writes after the text, or by the next
 * copied text); a fence line that some renderer may read differently (indented, after raw HTML, a closer
 * followed by other fence characters) ends the search in the whole text.
 */
function codeRanges(text: string): Range[] {
  const ranges: Range[] = [];
  let fence: { char: string; length: number; start: number } | null = null;
  // The paragraph (lines up to a blank one) can no longer be read for code spans.
  let paragraphDone = false;
  // Links: depth of open `[` and of the `(` of a destination; a bare URL runs to the next space.
  let brackets = 0;
  let parens = 0;
  let url = false;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = lineStart;
    while (lineEnd < text.length && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++;
    const next = text[lineEnd] === '\r' && text[lineEnd + 1] === '\n' ? lineEnd + 2 : lineEnd + 1;
    const line = text.slice(lineStart, lineEnd);
    const fenceLine = /^(?<indent>[ \t]*)(?<delimiter>`{3,}|~{3,})(?<info>.*)$/.exec(line)?.groups;
    if (fence) {
      if (
        fenceLine &&
        fenceLine.indent!.replace(/\t/g, '    ').length <= 3 &&
        fenceLine.delimiter![0] === fence.char &&
        fenceLine.delimiter!.length >= fence.length
      ) {
        if (/^ *$/.test(fenceLine.info!) && !fenceLine.indent!.includes('\t')) {
          ranges.push({ start: fence.start, end: lineEnd });
          fence = null;
        } else if (/^[ \t~`]*$/.test(fenceLine.info!)) return ranges; // a closer to one renderer, content to another
      }
    } else if (/^[ \t]*$/.test(line)) {
      paragraphDone = false;
      brackets = parens = 0;
      url = false;
    } else if (fenceLine && (fenceLine.delimiter![0] === '~' || !fenceLine.info!.includes('`'))) {
      // Indented, or where raw HTML may have opened a block that holds it: no telling whether it opens a fence.
      if (fenceLine.indent !== '' || paragraphDone) return ranges;
      fence = { char: fenceLine.delimiter![0]!, length: fenceLine.delimiter!.length, start: lineStart };
      brackets = parens = 0;
      url = false;
    } else if (!paragraphDone) {
      const stop = scanLine(text, lineStart, lineEnd, ranges, { brackets, parens, url });
      if (stop === 'text') return ranges;
      if (stop === 'paragraph') paragraphDone = true;
      else ({ brackets, parens, url } = stop);
    }
    lineStart = next;
  }
  return ranges;
}

interface LinkState {
  brackets: number;
  parens: number;
  url: boolean;
}

/**
 * Reads one line of a paragraph for code spans, pushing each to `ranges`. Answers the link state at its end, or
 * where the search stops: the paragraph (a backtick with no sure reading) or the whole text (raw HTML that may open
 * a block running past blank lines).
 */
function scanLine(
  text: string,
  from: number,
  to: number,
  ranges: Range[],
  state: LinkState,
): LinkState | 'paragraph' | 'text' {
  let { brackets, parens, url } = state;
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === '\\') {
      i += i + 1 < to && PUNCTUATION.test(text[i + 1]!) ? 2 : 1;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (i + n < to && text.charCodeAt(i + n) === BACKTICK) n++;
      if (brackets > 0 || parens > 0 || url) return 'paragraph';
      // The closer: the next run of exactly n backticks on this line, before any `|`.
      let j = i + n;
      let closed = -1;
      while (j < to && text[j] !== '|') {
        if (text.charCodeAt(j) !== BACKTICK) {
          j++;
          continue;
        }
        let m = 0;
        while (j + m < to && text.charCodeAt(j + m) === BACKTICK) m++;
        if (m === n) {
          closed = j + m;
          break;
        }
        j += m;
      }
      if (closed < 0) return 'paragraph';
      ranges.push({ start: i, end: closed });
      i = closed;
      continue;
    }
    if (c === '<' && i + 1 < to && /[A-Za-z/!?]/.test(text[i + 1]!)) {
      // Comments, processing instructions, declarations and <pre>/<script>/<style>/<textarea> open HTML blocks that
      // blank lines do not end; other tags and autolinks last at most to the end of the paragraph.
      if (/^<(?:[!?]|(?:pre|script|style|textarea)(?:[\s>]|$))/i.test(text.slice(i, Math.min(to, i + 10))))
        return 'text';
      return 'paragraph';
    }
    if (c === '[') brackets++;
    else if (c === ']') {
      if (brackets > 0) brackets--;
      if (text[i + 1] === '(' && i + 1 < to) {
        parens++;
        i += 2;
        continue;
      }
      if (text[i + 1] === '[' && i + 1 < to) {
        brackets++;
        i += 2;
        continue;
      }
    } else if (c === '(' && parens > 0) parens++;
    else if (c === ')' && parens > 0) parens--;
    else if (c === ' ' || c === '\t') url = false;
    else if (
      (c === ':' && text.startsWith('//', i + 1)) ||
      ((c === 'w' || c === 'W') && /^www\./i.test(text.slice(i, i + 4)))
    )
      url = true;
    i++;
  }
  return { brackets, parens, url: false };
}

/**
 * Applies `fn` to the parts of `text` outside real code (see {@link codeRanges}) and keeps the code byte for byte:
 * inside code the trackers ping, link and load nothing, and a responder copies a package name or a proof of
 * concept from it.
 */
export function outsideCode(text: string, fn: (part: string) => string): string {
  let out = '';
  let at = 0;
  for (const { start, end } of codeRanges(text)) {
    out += fn(text.slice(at, start)) + text.slice(start, end);
    at = end;
  }
  return out + fn(text.slice(at));
}
