/**
 * `npm run reconcile -- <issue url>`: repairs one incident on demand (a half-done intake completed, the master
 * re-rendered), with the same environment as the server. Safe to run again: a second run changes nothing.
 */
import { runReconcile } from '../src/cli/reconcile.js';
import type { ServerEnv } from '../src/server/env.js';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: npm run reconcile -- <issue url>   (a GitHub or GitLab issue of the incident)');
  process.exit(2);
}
try {
  console.log(await runReconcile(url, process.env as ServerEnv));
} catch (error) {
  console.error(`reconcile failed: ${(error as Error).message}`);
  process.exit(1);
}
