import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { spawnOwned } from './owned-process.js';

/** A free TCP port on loopback, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface RedisServer {
  /** The address without credentials (a server started with a password refuses it until one is given). */
  url: string;
  /** A new client of this server (closed by the caller). */
  client(): Redis;
  stop(): Promise<void>;
}

/**
 * A real `redis-server` (Debian's package; `scripts/test.sh` installs it) on a free loopback port, without persistence,
 * for one test file. Fails loudly when the binary is missing: the tests of several replicas are not optional.
 */
export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const auth = options.password ? ['--requirepass', options.password] : [];
  // Under a guardian in its own process group, like every process a test starts: it ends with the test run.
  const owned = spawnOwned('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    ...auth,
  ]);
  let stderr = '';
  owned.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  owned.child.stdout.resume();
  const exited = owned.gone().then((): never => {
    const code = owned.child.exitCode;
    // The guardian answers 127 when the command could not be started at all.
    if (code === 127)
      throw new Error(
        `redis-server could not start (install it: apt-get install redis-server; scripts/test.sh does): ` +
          `${stderr.trim()}`,
      );
    throw new Error(`redis-server exited with ${code}: ${stderr.trim()}`);
  });
  exited.catch(() => undefined);
  const url = `redis://127.0.0.1:${port}`;
  const probeUrl = options.password ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}` : url;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(probeUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), exited]);
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (owned.exited() || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const clients: Redis[] = [];
  return {
    url,
    client: () => {
      const client = new Redis(url);
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients) client.disconnect();
      await owned.stop();
    },
  };
}
