// A stand-in for a test process that dies without cleaning up: it starts a long-running command the way the tests
// start replicas and Redis (spawnOwned), prints the pids, then ends as the first argument says.
import { spawnOwned } from './owned-process.js';

const mode = process.argv[2];
const owned = spawnOwned('sh', ['-c', 'echo "$$"; exec sleep 300']);
owned.child.stdout.setEncoding('utf8').once('data', (line: string) => {
  process.stdout.write(`${JSON.stringify({ guardian: owned.child.pid, command: Number(line.trim()) })}\n`);
  // 'killed': as a worker killed by a timeout (no exit hook runs); 'exit': as a run that ends without stopping it.
  if (mode === 'killed') process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
});
