/**
 * Neutralizes text from people (titles, descriptions, names, field values) before it enters a
 * template or a table, so that it can never forge a checkbox, a hidden marker, an @-mention or markup.
 * Pure functions; each returns text that reads the same to a person.
 */

const ZWSP = '\u200b';

/**
 * Breaks `@name` and `@group/team` mentions (and `@everyone`-style pings) with a zero-width space; also after a
 * backtick, which starts a code span only when a matching one closes it (`` `@all `` alone pings everyone), and
 * after `_`, which may close emphasis (`_note_@all` renders as a ping after it), and before a backslash escape.
 */
export function neutralizeMentions(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])@(?=[\w\\-])/g, `$1@${ZWSP}`);
}

/** Makes HTML comments (our hidden markers live in them) inert: `<!--` can no longer open one. */
export function neutralizeComments(text: string): string {
  return text.replace(/<!--/g, '&lt;!--').replace(/-->/g, '--&gt;');
}

/**
 * Breaks every markdown image (`![alt](url)`, `![alt][ref]`, `![ref]`) with a zero-width space after the `!`: an
 * image the ticket shows is fetched by every viewer's browser, so an external one in a confidential ticket is a
 * tracking pixel that tells its host who works on the incident and when. The `[alt](url)` after it stays an
 * ordinary link, so a pasted link still works.
 */
export function neutralizeImages(text: string): string {
  return text.replace(/!\[/g, `!${ZWSP}[`);
}

/** Attribute-free formatting tags a copied text may keep live (`<details>`, `<br/>`): none of them fetches anything. */
const SAFE_TAGS = new Set(['details', 'summary', 'br', 'b', 'i', 'em', 'strong', 'sub', 'sup', 'kbd', 'code', 'pre', 'p', 'del', 's', 'ins', 'mark', 'small', 'hr', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'blockquote']);

/**
 * Breaks raw HTML tags (a zero-width space after the `<`) except the attribute-free formatting tags of `SAFE_TAGS`:
 * `<img>`, `<picture>`, `<video poster>`, `<source srcset>` and any tag with attributes may load a remote resource
 * (see {@link neutralizeImages}). Autolinks (`<https://…>`, `<a@b.c>`) are not tags and stay. Inside code the text
 * reads the same, as a zero-width space shows as nothing.
 */
export function neutralizeTags(text: string): string {
  return text.replace(/<(?=\/?([A-Za-z][A-Za-z0-9-]*)(?:(\s?\/?>)|[\s/>]|$))/g, (_, name: string, plain: string | undefined) =>
    plain !== undefined && SAFE_TAGS.has(name.toLowerCase()) ? '<' : `<${ZWSP}`,
  );
}

/**
 * Neutralizes a one-line value for a table cell or a heading: no line breaks, no pipes, no HTML, no
 * checkbox, no mention, no markers, no image, bounded length.
 */
export function neutralizeInline(text: string, maxLength = 256): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  const clipped = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  // Backslashes first: `a\|b` must not become `a\\|b`, whose pipe would end the table cell.
  const escaped = clipped
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\[([ xX])\]/g, '[$1\u200b]');
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
