/**
 * Fails when a line in src/, test/, bench/ or scripts/ is longer than 120 characters (`npm run check-lines`, part of
 * `npm test`). Biome's formatter keeps code within that width but cannot break a long string or comment; this check
 * covers them. Markdown and JSON (payload fixtures, the generated schema) are left out: their lines are data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FOLDERS = ['src', 'test', 'bench', 'scripts'];
const SKIPPED = /\.(?:md|json)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return SKIPPED.test(entry.name) ? [] : [path];
  });
}

const long: string[] = [];
for (const file of FOLDERS.flatMap((folder) => filesUnder(join(ROOT, folder)))) {
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, index) => {
      // Characters as people count them (code points), not UTF-16 units.
      const length = [...line].length;
      if (length > MAX) long.push(`${relative(ROOT, file)}:${index + 1}: ${length} characters`);
    });
}
if (long.length > 0) {
  console.error(long.join('\n'));
  console.error(`\n${long.length} line(s) longer than ${MAX} characters in ${FOLDERS.join(', ')}.`);
  process.exit(1);
}
console.log(`Every line in ${FOLDERS.join(', ')} is at most ${MAX} characters.`);
