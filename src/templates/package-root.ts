import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'incident-desk';

let cached: Promise<string> | undefined;

/**
 * The directory of incident-desk's package.json, found by walking up from `from` (by default this module):
 * the same answer from `src/templates/` under tsx or vitest and from `dist/src/templates/` after tsc.
 */
export function findPackageRoot(from?: string): Promise<string> {
  if (from !== undefined) return walkUp(from);
  cached ??= walkUp(dirname(fileURLToPath(import.meta.url))).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function walkUp(start: string): Promise<string> {
  let dir = start;
  for (;;) {
    if (await isOurPackage(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${start}`);
    dir = parent;
  }
}

async function isOurPackage(file: string): Promise<boolean> {
  try {
    const json: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof json === 'object' && json !== null && (json as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}
