#!/usr/bin/env node
/**
 * The `incident-desk` executable (package.json `bin`, built to dist/src/cli/main.js): `serve`, `reconcile`,
 * `check-config`, `preview`. `npm start` runs `incident-desk serve`.
 */
import { runCli } from './run.js';
import type { Serving } from './serve.js';

let serving: Serving | undefined;
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  serving: (started) => {
    serving = started;
  },
});
if (serving) {
  const running = serving;
  const stop = () => {
    // Exit explicitly: Probot's own Redis connection (its throttling) has no close of its own.
    void running.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  process.exitCode = code;
}
