import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisCoordination, RedisUrlError } from '../../../src/server/coordination/coordination.js';
import {
  LockTimeoutError,
  RedisDeliveryGuard,
  RedisInstallationChanges,
  RedisKeyedLock,
  RedisSweepGate,
  RedisSweepSchedule,
} from '../../../src/server/coordination/redis.js';
import { sweepOnSchedule } from '../../../src/sweep/handle.js';
import { captureLog, memoryLogger } from '../../support/app-context.js';
import { startAppServer } from '../../support/app-server.js';
import { startRedis } from '../../support/redis-server.js';
import type { RedisServer } from '../../support/redis-server.js';

// The coordination of replicas against a real redis-server on loopback. Each "replica" is its own client, as two
// processes would each have their own connection; every test gets its own key prefix.

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = (extra: Record<string, number> = {}) => ({
  prefix: `t-${randomUUID()}:`,
  log: memoryLogger(),
  ...extra,
});

describe('deliveries across replicas', () => {
  it('the first replica to claim an id handles it; every other one, and a repeat, drops it', async () => {
    const shared = options();
    const replicas = [new RedisDeliveryGuard(redis.client(), shared), new RedisDeliveryGuard(redis.client(), shared)];
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 2]!.claim('delivery-1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await replicas[0]!.claim('delivery-2')).toBe(true);
    expect(await replicas[1]!.claim('delivery-2')).toBe(false);
  });

  it('a released claim (a failed delivery) is handled again on redelivery; a claim expires with its TTL', async () => {
    const shared = options({ deliveryTtlMs: 200 });
    const [a, b] = [new RedisDeliveryGuard(redis.client(), shared), new RedisDeliveryGuard(redis.client(), shared)];
    expect(await a.claim('failed')).toBe(true);
    await a.release('failed');
    expect(await b.claim('failed')).toBe(true);
    expect(await a.claim('old')).toBe(true);
    await a.complete('old');
    await sleep(300);
    expect(await b.claim('old')).toBe(true);
  });

  it(
    'a claim whose replica died before handling it lapses early; ' + 'a handled one is remembered for the full TTL',
    async () => {
      const shared = options({ claimTtlMs: 150, deliveryTtlMs: 10_000 });
      const [a, b] = [new RedisDeliveryGuard(redis.client(), shared), new RedisDeliveryGuard(redis.client(), shared)];
      expect(await a.claim('died')).toBe(true);
      expect(await a.claim('handled')).toBe(true);
      await a.complete('handled');
      expect(await b.claim('died')).toBe(false);
      await sleep(250);
      expect(await b.claim('died')).toBe(true);
      expect(await b.claim('handled')).toBe(false);
    },
  );
});

describe('claims of one replica', () => {
  it('a replica whose claim lapsed neither releases nor completes the claim another replica took since', async () => {
    const shared = options({ claimTtlMs: 100, deliveryTtlMs: 10_000 });
    const client = redis.client();
    const [slow, other] = [new RedisDeliveryGuard(redis.client(), shared), new RedisDeliveryGuard(client, shared)];
    expect(await slow.claim('d')).toBe(true);
    await sleep(150);
    expect(await other.claim('d')).toBe(true);
    const held = await client.get(`${shared.prefix}delivery:d`);
    await slow.release('d');
    await slow.complete('d');
    expect(await client.get(`${shared.prefix}delivery:d`)).toBe(held);
    await other.complete('d');
    expect(await client.get(`${shared.prefix}delivery:d`)).toBe('handled');
    expect(await client.pttl(`${shared.prefix}delivery:d`)).toBeGreaterThan(5_000);
  });
});

describe('one worker per incident across replicas', () => {
  it('never runs two works of one key at once, and runs different keys side by side', async () => {
    const shared = options();
    const locks = [new RedisKeyedLock(redis.client(), shared), new RedisKeyedLock(redis.client(), shared)];
    const inside = new Map<string, number>();
    let mostAtOnce = 0;
    let mostKeysAtOnce = 0;
    const work = (key: string) => async () => {
      inside.set(key, (inside.get(key) ?? 0) + 1);
      mostAtOnce = Math.max(mostAtOnce, inside.get(key)!);
      mostKeysAtOnce = Math.max(mostKeysAtOnce, [...inside.values()].filter((n) => n > 0).length);
      await sleep(5);
      inside.set(key, inside.get(key)! - 1);
      return key;
    };
    const jobs = Array.from({ length: 30 }, (_, i) =>
      locks[i % 2]!.run(i % 3 === 0 ? 'b' : 'a', work(i % 3 === 0 ? 'b' : 'a')),
    );
    const results = await Promise.all(jobs);
    expect(results.filter((r) => r === 'a')).toHaveLength(20);
    expect(mostAtOnce).toBe(1);
    expect(mostKeysAtOnce).toBe(2);
  });

  it('releases the key when the work fails, and answers the failure', async () => {
    const shared = options();
    const [a, b] = [new RedisKeyedLock(redis.client(), shared), new RedisKeyedLock(redis.client(), shared)];
    await expect(a.run('k', async () => Promise.reject(new Error('tracker down')))).rejects.toThrow('tracker down');
    expect(await b.run('k', async () => 'next')).toBe('next');
  });

  it('keeps the lease while long work runs (renewed), and frees a dead holder’s key when its lease ends', async () => {
    const shared = options({ leaseMs: 150 });
    const client = redis.client();
    const [a, b] = [new RedisKeyedLock(client, shared), new RedisKeyedLock(redis.client(), shared)];
    const order: string[] = [];
    const long = a.run('k', async () => {
      await sleep(500);
      order.push('a');
    });
    await sleep(20);
    await b.run('k', async () => {
      order.push('b');
    });
    await long;
    expect(order).toEqual(['a', 'b']);

    // A replica that died holding the key: its key is still there, nobody renews it.
    await client.set(`${shared.prefix}lock:dead`, 'someone-else', 'PX', 150);
    const started = Date.now();
    expect(await b.run('dead', async () => 'taken over')).toBe('taken over');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('never deletes a key another holder took over', async () => {
    const shared = options({ leaseMs: 100 });
    const client = redis.client();
    const lock = new RedisKeyedLock(client, shared);
    await lock.run('k', async () => {
      // As if this holder stalled past its lease and another replica took the key.
      await client.set(`${shared.prefix}lock:k`, 'other-holder', 'PX', 10_000);
    });
    expect(await client.get(`${shared.prefix}lock:k`)).toBe('other-holder');
  });

  it('gives up waiting after maxWaitMs with a LockTimeoutError', async () => {
    const shared = options({ maxWaitMs: 100 });
    const client = redis.client();
    await client.set(`${shared.prefix}lock:busy`, 'holder', 'PX', 10_000);
    await expect(new RedisKeyedLock(redis.client(), shared).run('busy', async () => 'never')).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
  });
});

describe('one sweeper at a time', () => {
  it(
    'a replica whose sweep finds the turn taken skips it; ' + 'a finished sweep keeps the turn for the interval',
    async () => {
      const shared = options({ minIntervalMs: 300 });
      const gates = [new RedisSweepGate(redis.client(), shared), new RedisSweepGate(redis.client(), shared)];
      let sweeps = 0;
      const work = async () => {
        sweeps += 1;
        await sleep(50);
      };
      const ran = await Promise.all([gates[0]!.run(work), gates[1]!.run(work)]);
      expect(ran.filter(Boolean)).toHaveLength(1);
      expect(sweeps).toBe(1);
      expect(await gates[1]!.run(work)).toBe(false);
      await sleep(350);
      expect(await gates[1]!.run(work)).toBe(true);
      expect(sweeps).toBe(2);
    },
  );

  it(
    'holds the turn counted from the sweep’s start: ' + 'a sweep longer than the interval frees it when it ends',
    async () => {
      const shared = options({ minIntervalMs: 100 });
      const [a, b] = [new RedisSweepGate(redis.client(), shared), new RedisSweepGate(redis.client(), shared)];
      expect(await a.run(async () => void (await sleep(150)))).toBe(true);
      expect(await b.run(async () => undefined)).toBe(true);
    },
  );

  it('a failed sweep frees the turn at once', async () => {
    const shared = options({ minIntervalMs: 10_000 });
    const [a, b] = [new RedisSweepGate(redis.client(), shared), new RedisSweepGate(redis.client(), shared)];
    await expect(a.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await b.run(async () => undefined)).toBe(true);
  });
});

describe('redisCoordination', () => {
  it('refuses a malformed REDIS_URL without repeating it (it may hold a password)', () => {
    for (const url of ['redis://:s3cret@exa mple:6379', 'http://:s3cret@host:6379', ':s3cret@host']) {
      let message = '';
      try {
        redisCoordination(url, { log: memoryLogger() });
      } catch (error) {
        message = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`;
        expect(error).toBeInstanceOf(RedisUrlError);
      }
      expect(message).toContain('REDIS_URL');
      expect(message).not.toContain('s3cret');
    }
  });

  it('logs a refused password without the password', async () => {
    const own = await startRedis({ password: 'right-password' });
    const { lines, log } = captureLog();
    const coordination = redisCoordination(own.url.replace('redis://', 'redis://:wrong-password-7777@'), { log });
    try {
      expect(await coordination.healthy()).toBe(false);
      // As Probot logs its throttling connection's errors: the client's error event whole, which carries the failed
      // AUTH command and its argument.
      const probe = new Redis(own.url.replace('redis://', 'redis://:wrong-password-7777@'), {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const failure = await new Promise<Error>((resolve) => probe.once('error', resolve));
      probe.disconnect();
      expect(JSON.stringify((failure as Error & { command?: unknown }).command)).toContain('wrong-password-7777');
      log.error(Object.assign(failure as Error, { source: 'bottleneck' }));
      await sleep(50);
      const out = lines.join('');
      expect(out).toContain('WRONGPASS');
      expect(out).not.toContain('wrong-password-7777');
    } finally {
      await coordination.close();
      await own.stop();
    }
  });

  it('answers healthy while Redis answers, and not once it is gone', async () => {
    const own = await startRedis();
    const log = memoryLogger();
    const coordination = redisCoordination(own.url, { log });
    try {
      expect(coordination.kind).toBe('redis');
      expect(await coordination.healthy()).toBe(true);
      await own.stop();
      expect(await coordination.healthy()).toBe(false);
      // The connection problem is logged once, without the URL.
      await sleep(100);
      const lines = log.lines.filter((l) => l.msg === 'Redis connection error');
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(log.lines)).not.toContain(own.url);
    } finally {
      await coordination.close();
    }
  });
});

describe('the server with REDIS_URL', () => {
  it('coordinates through Redis and reports it in /healthz: 200 while Redis answers, 503 once it is gone', async () => {
    const own = await startRedis();
    const server = await startAppServer({ REDIS_URL: own.url });
    try {
      expect(server.app.coordination).toBe('redis');
      const up = await fetch(`${server.url}/healthz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: 'ok', github: false, gitlab: false, redis: true });
      await own.stop();
      const down = await fetch(`${server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', github: false, gitlab: false, redis: false });
    } finally {
      await server.close();
    }
  });

  it('without REDIS_URL stays in one process, with nothing to connect to', async () => {
    const server = await startAppServer({});
    try {
      expect(server.app.coordination).toBe('memory');
      expect(await (await fetch(`${server.url}/healthz`)).json()).not.toHaveProperty('redis');
    } finally {
      await server.close();
    }
  });
});

describe('the sweep schedule across replicas', () => {
  it('a quiet period one replica recorded keeps the other from listing until an event changes it', async () => {
    const shared = options();
    const [a, b] = [new RedisSweepSchedule(redis.client(), shared), new RedisSweepSchedule(redis.client(), shared)];
    const T0 = Date.parse('2026-11-22T10:00:00Z');
    let listings = 0;
    const listing = (dueInMs: number | null) => async (due: { until: Date; at: Date | null }) => {
      listings += 1;
      if (dueInMs !== null) due.at = new Date(T0 + dueInMs);
      return { masters: 1, fired: 0, completed: 0 };
    };
    // Nothing recorded yet: the first sweep lists; something is due in 10 minutes.
    await sweepOnSchedule(a, new Date(T0), 3_600_000, listing(600_000));
    expect(listings).toBe(1);
    // The other replica sees the same schedule: nothing to do before then.
    expect(await sweepOnSchedule(b, new Date(T0 + 60_000), 3_600_000, listing(null))).toEqual({
      masters: 0,
      fired: 0,
      completed: 0,
    });
    expect(listings).toBe(1);
    // An event handled on replica b: replica a's next sweep lists.
    await b.changed();
    await sweepOnSchedule(a, new Date(T0 + 120_000), 3_600_000, listing(null));
    expect(listings).toBe(2);
    // Nothing due: quiet for the safety interval, then a listing.
    await sweepOnSchedule(b, new Date(T0 + 3_000_000), 3_600_000, listing(null));
    expect(listings).toBe(2);
    await sweepOnSchedule(b, new Date(T0 + 120_000 + 3_600_000), 3_600_000, listing(null));
    expect(listings).toBe(3);
  });

  it('an event handled while a listing runs leaves the next sweep listing', async () => {
    const schedule = new RedisSweepSchedule(redis.client(), options());
    const T0 = Date.parse('2026-11-22T10:00:00Z');
    let listings = 0;
    await sweepOnSchedule(schedule, new Date(T0), 3_600_000, async () => {
      listings += 1;
      await schedule.changed();
      return { masters: 1, fired: 0, completed: 0 };
    });
    await sweepOnSchedule(schedule, new Date(T0 + 60_000), 3_600_000, async () => {
      listings += 1;
      return { masters: 1, fired: 0, completed: 0 };
    });
    expect(listings).toBe(2);
  });
});

describe('the installations across replicas', () => {
  it('share a generation of changes and which installations were seen, so only a new one is news', async () => {
    const shared = options();
    const [a, b] = [
      new RedisInstallationChanges(redis.client(), shared),
      new RedisInstallationChanges(redis.client(), shared),
    ];
    expect(await a.generation()).toBe(0);
    expect(await b.changed()).toBe(1);
    expect(await a.generation()).toBe(1);
    // Listed by one replica: no news when a delivery from it reaches the other.
    await a.listed([{ id: 1, account: 'acme' }]);
    expect(await b.seen(1, 'ACME')).toBe(false);
    // New to every replica once; renamed is news again.
    expect(await b.seen(2, 'globex')).toBe(true);
    expect(await a.seen(2, 'globex')).toBe(false);
    expect(await a.seen(2, 'globex-corp')).toBe(true);
    // Another deployment on the same Redis (another prefix) shares nothing.
    const other = new RedisInstallationChanges(redis.client(), options());
    expect(await other.generation()).toBe(0);
    expect(await other.seen(2, 'globex-corp')).toBe(true);
  });
});
