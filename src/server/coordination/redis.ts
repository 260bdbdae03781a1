import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DeliveryGuard } from './delivery-guard.js';
import type { KeyedLock } from './keyed-lock.js';
import type { Logger } from '../logger.js';
import type { SweepGate } from './sweep-gate.js';
import type { SweepSchedule } from './sweep-schedule.js';
import type { ConfigChanges } from './config-changes.js';
import type { InstallationChanges } from './installation-changes.js';
import type { PushEvent } from '../../kernel/events.js';

// Coordination of several replicas through one Redis. The tracker stays the database: Redis only holds who is
// working on what right now (delivery claims, incident locks, the sweeper's turn), all with a time to live, so
// losing Redis loses no incident state, and a replica that dies mid-work frees its keys when their lease ends.

/** Deletes the key only while it still holds this holder's token: a lease taken over by another is left alone. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Marks a claim handled (for the full retention) only while it is still this holder's claim. */
const COMPLETE =
  `if redis.call('get', KEYS[1]) == ARGV[1] then ` +
  `return redis.call('set', KEYS[1], 'handled', 'PX', ARGV[2]) else return 0 end`;
/** Extends the lease only while this holder still holds it. */
const RENEW =
  `if redis.call('get', KEYS[1]) == ARGV[1] then ` + `return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** The incident lock could not be had in time: the job fails, and the next event or the sweep completes its work. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`lock ${key} still held by another worker after ${waitedMs} ms`);
  }
}

/** Timing of the Redis coordination; production defaults when left out. */
export interface RedisCoordinationOptions {
  /** Prefix of every key (several deployments may share one Redis). Default `incident-desk:`. */
  prefix?: string;
  /** How long a handled delivery id is remembered. Default one hour, as the in-memory guard. */
  deliveryTtlMs?: number;
  /**
   * How long a delivery id stays claimed while it is being handled. A replica that dies while handling it frees it
   * after this, so its redelivery is handled. Default 15 minutes (longer than any wait for an incident's lock).
   */
  claimTtlMs?: number;
  /**
   * How long a lock or the sweeper's turn is held without renewal. The holder renews it every third of this while
   * its work runs, so only a holder that died (or stalled that long) loses it. Default 30 s.
   */
  leaseMs?: number;
  /** How long a job waits for an incident's lock before it fails. Default 10 minutes. */
  maxWaitMs?: number;
  log: Logger;
}

interface Timing {
  prefix: string;
  deliveryTtlMs: number;
  claimTtlMs: number;
  leaseMs: number;
  maxWaitMs: number;
  log: Logger;
}

function timingOf(options: RedisCoordinationOptions): Timing {
  return {
    prefix: options.prefix ?? 'incident-desk:',
    deliveryTtlMs: options.deliveryTtlMs ?? 60 * 60 * 1000,
    claimTtlMs: options.claimTtlMs ?? 15 * 60 * 1000,
    leaseMs: options.leaseMs ?? 30_000,
    maxWaitMs: options.maxWaitMs ?? 10 * 60 * 1000,
    log: options.log,
  };
}

/**
 * Delivery ids claimed with `SET NX PX`: the first replica to claim an id handles it, every other one drops it. A
 * claim lasts `claimTtlMs` until the delivery is handled, then `deliveryTtlMs`. Each claim holds a token of its own,
 * so that a replica whose claim lapsed (it took longer than `claimTtlMs`) never releases or completes the claim
 * another replica has taken since.
 */
export class RedisDeliveryGuard implements DeliveryGuard {
  private readonly timing: Timing;
  /** This replica's claims in progress: delivery id → token. */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    options: RedisCoordinationOptions,
  ) {
    this.timing = timingOf(options);
  }

  async claim(deliveryId: string): Promise<boolean> {
    const token = randomUUID();
    const answer = await this.redis.set(
      this.key(deliveryId),
      token,
      'PX',
      Math.min(this.timing.claimTtlMs, this.timing.deliveryTtlMs),
      'NX',
    );
    if (answer !== 'OK') return false;
    this.tokens.set(deliveryId, token);
    return true;
  }

  async complete(deliveryId: string): Promise<void> {
    const token = this.tokens.get(deliveryId);
    if (token === undefined) return;
    this.tokens.delete(deliveryId);
    await this.redis.eval(COMPLETE, 1, this.key(deliveryId), token, String(this.timing.deliveryTtlMs));
  }

  async release(deliveryId: string): Promise<void> {
    const token = this.tokens.get(deliveryId);
    if (token === undefined) return;
    this.tokens.delete(deliveryId);
    await this.redis.eval(RELEASE, 1, this.key(deliveryId), token);
  }

  private key(deliveryId: string): string {
    return `${this.timing.prefix}delivery:${deliveryId}`;
  }
}

/**
 * A held lease: renewed every third of its length until stopped. A renewal that finds the lease gone (this holder
 * stalled past it and another took over) is logged; the work goes on, and the re-read before every write and the
 * state kept in the tracker keep a second holder from doubling anything.
 */
function holdLease(redis: Redis, key: string, token: string, timing: Timing): () => void {
  const timer = setInterval(
    () => {
      redis.eval(RENEW, 1, key, token, String(timing.leaseMs)).then(
        (kept) => {
          if (kept !== 1) timing.log.error({ lock: key }, 'lease lost while its work was still running');
        },
        (error: unknown) =>
          timing.log.warn({ lock: key, err: { message: (error as Error).message } }, 'lease renewal failed'),
      );
    },
    Math.max(1, Math.floor(timing.leaseMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

async function releaseLease(redis: Redis, key: string, token: string, timing: Timing): Promise<void> {
  try {
    await redis.eval(RELEASE, 1, key, token);
  } catch (error) {
    // Not released: the lease runs out by itself.
    timing.log.warn({ lock: key, err: { message: (error as Error).message } }, 'lock release failed');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One incident is handled by one worker at a time across every replica: a key per incident taken with
 * `SET NX PX` (a lease renewed while the work runs), released with a compare-and-delete when the work settles,
 * error or not. Waiters poll with a short, growing, jittered pause.
 */
export class RedisKeyedLock implements KeyedLock {
  private readonly timing: Timing;

  constructor(
    private readonly redis: Redis,
    options: RedisCoordinationOptions,
  ) {
    this.timing = timingOf(options);
  }

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const redisKey = `${this.timing.prefix}lock:${key}`;
    const token = randomUUID();
    await this.acquire(redisKey, token);
    const stop = holdLease(this.redis, redisKey, token, this.timing);
    try {
      return await work();
    } finally {
      stop();
      await releaseLease(this.redis, redisKey, token, this.timing);
    }
  }

  private async acquire(redisKey: string, token: string): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      if ((await this.redis.set(redisKey, token, 'PX', this.timing.leaseMs, 'NX')) === 'OK') return;
      const waited = Date.now() - started;
      if (waited >= this.timing.maxWaitMs) throw new LockTimeoutError(redisKey, waited);
      // 10 ms doubling to 200 ms, with jitter so that waiters on one incident do not retry in step.
      const pause = Math.min(200, 10 * 2 ** Math.min(attempt, 5));
      await sleep(pause / 2 + Math.random() * (pause / 2));
    }
  }
}

/**
 * One sweeper at a time across replicas: a replica whose sweep finds the turn taken skips it. A sweep that
 * finished keeps the turn until `minIntervalMs` (nine tenths of the sweep interval) after it started, so that replicas
 * ticking at different moments do not sweep the same incidents again within one interval; a sweeper that died frees it
 * when its lease ends.
 */
export class RedisSweepGate implements SweepGate {
  private readonly timing: Timing;
  private readonly minIntervalMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisCoordinationOptions & { minIntervalMs?: number },
  ) {
    this.timing = timingOf(options);
    this.minIntervalMs = options.minIntervalMs ?? 0;
  }

  async run(work: () => Promise<void>): Promise<boolean> {
    const key = `${this.timing.prefix}sweep`;
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', this.timing.leaseMs, 'NX')) !== 'OK') return false;
    const started = Date.now();
    const stop = holdLease(this.redis, key, token, this.timing);
    let done = false;
    try {
      await work();
      done = true;
      return true;
    } finally {
      stop();
      // The turn is kept for what is left of the interval, counted from the sweep's start, so that the replica that
      // swept sweeps again at its next tick however long the sweep took. A failed sweep frees it at once.
      const rest = this.minIntervalMs - (Date.now() - started);
      if (done && rest > 0) {
        await this.redis
          .eval(RENEW, 1, key, token, String(rest))
          .catch(() => releaseLease(this.redis, key, token, this.timing));
      } else {
        await releaseLease(this.redis, key, token, this.timing);
      }
    }
  }
}

/**
 * The sweep's schedule shared by every replica (see `SweepSchedule`): the generation of changes is a counter every
 * handled event increments, and the quiet period one key `generation:until`. Both are hints: losing them costs one
 * listing, never a missed reminder.
 */
export class RedisSweepSchedule implements SweepSchedule {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisCoordinationOptions,
  ) {
    this.prefix = timingOf(options).prefix;
  }

  async generation(): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}sweep-generation`)) ?? 0);
  }

  async quiet(): Promise<{ generation: number; until: number } | null> {
    const value = await this.redis.get(`${this.prefix}sweep-quiet`);
    const match = value ? /^(?<generation>\d+):(?<until>\d+)$/.exec(value) : null;
    if (!match?.groups) return null;
    return { generation: Number(match.groups.generation), until: Number(match.groups.until) };
  }

  async record(generation: number, until: number): Promise<void> {
    await this.redis.set(`${this.prefix}sweep-quiet`, `${generation}:${Math.ceil(until)}`);
  }

  async changed(): Promise<void> {
    await this.redis.incr(`${this.prefix}sweep-generation`);
  }
}

/**
 * The installations' changes shared by every replica (see `InstallationChanges`): a counter every change increments,
 * and one hash of the installations deliveries came from (id → account), which holds one field per installation (an
 * installation's id is never reused), so it has no time to live. Both are hints: losing them costs one read of the
 * list of installations.
 */
export class RedisInstallationChanges implements InstallationChanges {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisCoordinationOptions,
  ) {
    this.prefix = timingOf(options).prefix;
  }

  async generation(): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}installations-generation`)) ?? 0);
  }

  async changed(): Promise<number> {
    return this.redis.incr(`${this.prefix}installations-generation`);
  }

  async seen(id: number, account: string): Promise<boolean> {
    const key = `${this.prefix}installations-seen`;
    const previous = await this.redis.hget(key, String(id));
    if (previous === account.toLowerCase()) return false;
    await this.redis.hset(key, String(id), account.toLowerCase());
    return true;
  }

  async listed(installations: ReadonlyArray<{ id: number; account: string }>): Promise<void> {
    if (installations.length === 0) return;
    const fields = Object.fromEntries(installations.map((i) => [String(i.id), i.account.toLowerCase()]));
    await this.redis.hset(`${this.prefix}installations-seen`, fields);
  }
}

/**
 * Configuration changes told to every replica over Redis pub/sub (channel `<prefix>config-changed`), on a connection
 * of their own (a subscribed connection can do nothing else). A message lost while a replica was disconnected only
 * delays the change there until its cached copy is revalidated (`CONFIG_MAX_AGE_SECONDS`).
 */
export class RedisConfigChanges implements ConfigChanges {
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private readonly listeners: Array<(change: PushEvent) => void> = [];

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisCoordinationOptions,
  ) {
    this.channel = `${timingOf(options).prefix}config-changed`;
  }

  async publish(change: PushEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(change));
  }

  subscribe(listener: (change: PushEvent) => void): void {
    this.listeners.push(listener);
    if (this.subscriber) return;
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => {
      this.options.log.warn({ err: { message: error.message } }, 'Redis subscription error');
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const change = pushOf(message);
      if (change) for (const each of this.listeners) each(change);
    });
    subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.options.log.warn({ err: { message: (error as Error).message } }, 'Redis subscription failed');
    });
  }

  /** Closes the subscription's connection. */
  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}

/** A published change read back; anything else on the channel is ignored. */
function pushOf(message: string): PushEvent | null {
  try {
    const value = JSON.parse(message) as Partial<PushEvent>;
    if ((value.tracker !== 'github' && value.tracker !== 'gitlab') || typeof value.project !== 'string') return null;
    const paths = Array.isArray(value.paths) ? value.paths.filter((p): p is string => typeof p === 'string') : null;
    return { tracker: value.tracker, project: value.project, paths };
  } catch {
    return null;
  }
}
