import { Redis } from 'ioredis';
import { MemoryDeliveryGuard } from './delivery-guard.js';
import type { DeliveryGuard } from './delivery-guard.js';
import { MemoryKeyedLock } from './keyed-lock.js';
import type { KeyedLock } from './keyed-lock.js';
import type { Logger } from '../logger.js';
import {
  RedisConfigChanges,
  RedisDeliveryGuard,
  RedisInstallationChanges,
  RedisKeyedLock,
  RedisSweepGate,
  RedisSweepSchedule,
} from './redis.js';
import { MemoryConfigChanges } from './config-changes.js';
import type { ConfigChanges } from './config-changes.js';
import { MemoryInstallationChanges } from './installation-changes.js';
import type { InstallationChanges } from './installation-changes.js';
import type { RedisCoordinationOptions } from './redis.js';
import { MemorySweepGate } from './sweep-gate.js';
import type { SweepGate } from './sweep-gate.js';
import { MemorySweepSchedule } from './sweep-schedule.js';
import type { SweepSchedule } from './sweep-schedule.js';

/** What replicas share: which deliveries were taken, who works on which incident, whose turn the sweep is. */
export interface Coordination {
  /** `memory`: this process only (the dependency-free default); `redis`: every replica on the same Redis. */
  kind: 'memory' | 'redis';
  deliveries: DeliveryGuard;
  locks: KeyedLock;
  sweepGate: SweepGate;
  /** When the sweep next has something to do (it lists only then, or after the safety interval). */
  sweepSchedule: SweepSchedule;
  /** Pushes that changed configuration or templates, told to every replica. */
  configChanges: ConfigChanges;
  /** Changes of the GitHub App's installations, so that the replica that sweeps knows what another one learned. */
  installationChanges: InstallationChanges;
  /** True while the shared store answers (always true in memory). */
  healthy(): Promise<boolean>;
  /** Closes the connection to the shared store. */
  close(): Promise<void>;
}

/** The in-process default: nothing to connect to, nothing shared. */
export function memoryCoordination(): Coordination {
  return {
    kind: 'memory',
    deliveries: new MemoryDeliveryGuard(),
    locks: new MemoryKeyedLock(),
    sweepGate: new MemorySweepGate(),
    sweepSchedule: new MemorySweepSchedule(),
    configChanges: new MemoryConfigChanges(),
    installationChanges: new MemoryInstallationChanges(),
    healthy: async () => true,
    close: async () => undefined,
  };
}

/**
 * Coordination through the Redis at `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS). Commands
 * wait for a lost connection to come back for a few attempts, then fail: the delivery then fails (GitHub's log shows
 * it; its redelivery is handled), and nothing is done unguarded.
 */
export function redisCoordination(
  url: string,
  options: Omit<RedisCoordinationOptions, 'log'> & { log: Logger; sweepHoldMs?: number },
): Coordination {
  checkRedisUrl(url);
  // A command without an answer fails after 5 s (a half-open connection would otherwise hold a job, its claim and its
  // lock for ever); keep-alive probes notice a dead peer.
  const redis = new Redis(url, {
    maxRetriesPerRequest: 3,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    keepAlive: 10_000,
    lazyConnect: false,
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis reports every reconnection attempt: say each distinct problem once (the URL may hold a password: never
    // logged).
    if (error.message === lastError) return;
    lastError = error.message;
    options.log.warn({ err: { message: error.message } }, 'Redis connection error');
  });
  redis.on('ready', () => {
    lastError = '';
  });
  const configChanges = new RedisConfigChanges(redis, options);
  return {
    kind: 'redis',
    deliveries: new RedisDeliveryGuard(redis, options),
    locks: new RedisKeyedLock(redis, options),
    sweepGate: new RedisSweepGate(redis, { ...options, minIntervalMs: options.sweepHoldMs ?? 0 }),
    sweepSchedule: new RedisSweepSchedule(redis, options),
    configChanges,
    installationChanges: new RedisInstallationChanges(redis, options),
    healthy: async () => {
      try {
        return (await withTimeout(redis.ping(), 1_000)) === 'PONG';
      } catch {
        return false;
      }
    },
    close: async () => {
      await configChanges.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** `REDIS_URL` is not a Redis URL. Says so without the URL: it may hold a password. */
export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
  constructor() {
    super('REDIS_URL is not a valid redis:// or rediss:// URL (redis://[:password@]host[:port][/db])');
  }
}

/**
 * Checks the URL before ioredis sees it: its own parse error carries the whole URL, password included, into the
 * log or the crash report. Throws {@link RedisUrlError}, without a cause.
 */
export function checkRedisUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new RedisUrlError();
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new RedisUrlError();
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
