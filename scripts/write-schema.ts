/**
 * Writes `schema/incident-desk.schema.json` from the configuration's zod schema (`npm run schema`).
 * The file is committed for editors; a test fails when it no longer matches the schema.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/schema.js';

const target = fileURLToPath(new URL('../schema/incident-desk.schema.json', import.meta.url));

await mkdir(dirname(target), { recursive: true });
await writeFile(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`, 'utf8');
process.stdout.write(`wrote ${target}\n`);
