import { marked } from 'marked';

/** Elements that make the browser fetch a URL, whether markdown (`![x](u)`) or raw HTML made them. */
const REMOTE = /<(?<tag>img|picture|source|video|audio|track|iframe|frame|object|embed|svg|image|link|style|body)\b/gi;

/**
 * What a markdown renderer (marked, GitHub-flavoured) makes live in a text: mentions outside code, hidden markers
 * (HTML comments), raw HTML elements, task-list checkboxes, elements that fetch a remote resource (an image from
 * markdown or HTML: a tracking pixel when its host is someone else's). The oracle of the neutralization properties: the
 * trackers render markdown the same way for these constructs.
 */
export function liveProblems(
  markdown: string,
  check: { html?: boolean; boxes?: boolean; images?: boolean } = {},
): string[] {
  const html = marked.parse(markdown, { async: false, gfm: true });
  const problems: string[] = [];
  if (/<!--/.test(html)) problems.push('hidden marker');
  if (check.boxes !== false && /<input\b/i.test(html)) problems.push('checkbox');
  // Every viewer's browser fetches these: from a remote host, a tracking pixel.
  if (check.images !== false)
    for (const m of html.matchAll(REMOTE)) problems.push(`remote ${m.groups!.tag!.toLowerCase()}`);
  // Tags a renderer makes from markdown; any other tag came from the text as raw HTML.
  const made =
    /^<\/?(?:p|a|em|strong|del|code|pre|h[1-6]|ul|ol|li|blockquote|br|hr|table|thead|tbody|tr|th|td|img|input)\b/i;
  if (check.html !== false) {
    for (const tag of html.match(/<\/?[A-Za-z][^>]*>/g) ?? []) if (!made.test(tag)) problems.push(`raw HTML ${tag}`);
  }
  // Mentions are live in text outside code spans and code blocks, after a non-word character.
  // marked decodes numeric entities (`&#64;`) itself and leaves named ones to the browser, which shows `&commat;` as
  // `@`, as the trackers' renderers do (any case, to be safe).
  const text = html
    .replace(/<pre>[\s\S]*?<\/pre>/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&commat;/gi, '@');
  for (const m of text.matchAll(/(?:^|[^\w])@[\w-]+(?:\/[\w-]+)?/g)) problems.push(`mention ${m[0].trim()}`);
  return problems;
}
