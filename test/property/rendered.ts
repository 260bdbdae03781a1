import { marked } from 'marked';

/**
 * What a markdown renderer (marked, GitHub-flavoured) makes live in a text: mentions outside code, hidden markers
 * (HTML comments), raw HTML elements, task-list checkboxes. The oracle of the neutralization properties: the
 * trackers render markdown the same way for these constructs.
 */
export function liveProblems(markdown: string, check: { html?: boolean; boxes?: boolean } = {}): string[] {
  const html = marked.parse(markdown, { async: false, gfm: true });
  const problems: string[] = [];
  if (/<!--/.test(html)) problems.push('hidden marker');
  if (check.boxes !== false && /<input\b/i.test(html)) problems.push('checkbox');
  // Tags a renderer makes from markdown; any other tag came from the text as raw HTML.
  const made = /^<\/?(?:p|a|em|strong|del|code|pre|h[1-6]|ul|ol|li|blockquote|br|hr|table|thead|tbody|tr|th|td|img|input)\b/i;
  if (check.html !== false) {
    for (const tag of html.match(/<\/?[A-Za-z][^>]*>/g) ?? []) if (!made.test(tag)) problems.push(`raw HTML ${tag}`);
  }
  // Mentions are live in text outside code spans and code blocks, after a non-word character.
  const text = html.replace(/<pre>[\s\S]*?<\/pre>/g, ' ').replace(/<code>[\s\S]*?<\/code>/g, ' ').replace(/<[^>]*>/g, ' ');
  for (const m of text.matchAll(/(?:^|[^\w])@[\w-]+(?:\/[\w-]+)?/g)) problems.push(`mention ${m[0].trim()}`);
  return problems;
}
