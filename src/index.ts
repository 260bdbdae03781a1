/**
 * The server's entry, kept for `node dist/src/index.js` and the tests that start it with tsx: the same as
 * `incident-desk serve`.
 */
import { runCli } from './cli/run.js';

await runCli(['serve'], {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  serving: (serving) => {
    const stop = () => void serving.stop().finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
}).then((code) => {
  if (code !== 0) process.exitCode = code;
});
