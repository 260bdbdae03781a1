// Runs one command for a test and ends it when the test process goes away, however it goes (a failed
// assertion, a timeout, a killed worker, Ctrl-C): the test holds this process's stdin, and the kernel closes it
// when the test process dies. Usage: node guardian.mjs <command> [args...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (error) => {
  process.stderr.write(`${command} could not start: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 143)));
// A graceful stop is forwarded once; the command decides how long it takes.
process.on('SIGTERM', () => child.kill('SIGTERM'));
const orphaned = () => {
  child.kill('SIGKILL');
  process.exit(1);
};
process.stdin.on('end', orphaned);
process.stdin.on('close', orphaned);
process.stdin.resume();
