import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Marked } from 'marked';
import { findPackageRoot } from '../templates/package-root.js';

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}',
  'main{max-width:46rem;margin:0 auto;padding:1.5rem}',
  'h1,h2,h3{line-height:1.25}',
  'h3{margin-top:2rem;border-top:1px solid #d0d7de;padding-top:1rem}',
  'code{background:#f3f4f6;padding:0 .2em;border-radius:3px}',
  'table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.3em .6em;text-align:left}',
  'a[id]:target+h3{background:#fff8c5}',
].join('\n');

/** The handbook as one small, complete HTML page; the `<a id>` anchors of the markdown are kept. */
export function renderHandbookHtml(markdown: string): string {
  const body = new Marked({ gfm: true, async: false }).parse(markdown, { async: false });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>incident-desk handbook</title>',
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    body.trimEnd(),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** `docs/handbook.md` of the package. */
export async function loadHandbook(): Promise<string> {
  return readFile(join(await findPackageRoot(), 'docs', 'handbook.md'), 'utf8');
}
