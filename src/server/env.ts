import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { getPrivateKey } from '@probot/get-private-key';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';
import { stateKeysFromEnv } from './state-seal.js';
import type { StateKeys } from './state-seal.js';

/** The environment the server reads; every variable is optional. */
export interface ServerEnv {
  PORT?: string;
  PUBLIC_URL?: string;
  APP_ID?: string;
  PRIVATE_KEY?: string;
  PRIVATE_KEY_PATH?: string;
  WEBHOOK_SECRET?: string;
  GHE_HOST?: string;
  GHE_PROTOCOL?: string;
  GITLAB_URL?: string;
  GITLAB_TOKEN?: string;
  GITLAB_WEBHOOK_SECRET?: string;
  /** Secrets of projects and groups, as a JSON object of paths to secrets (see `WebhookSecrets`). */
  GITLAB_WEBHOOK_SECRETS?: string;
  LOG_LEVEL?: string;
  /** Set to run several replicas: deliveries, incident locks, the sweeper's turn and GitHub's throttling are shared. */
  REDIS_URL?: string;
  /** Seconds between sweeps (read by the entry); with Redis, a finished sweep keeps the turn for this long. */
  SWEEP_INTERVAL_SECONDS?: string;
  /**
   * Seconds after which the sweep lists the open masters even when nothing was found due (default 3600): the bound on
   * anything the schedule could not see (a configuration fixed without a push event, a lost Redis key).
   */
  SWEEP_SAFETY_SECONDS?: string;
  /**
   * Seconds a cached configuration or template file is used without asking the tracker (default 60); push events to
   * the default branch drop a changed file at once, this bounds a change whose push never arrived.
   */
  CONFIG_MAX_AGE_SECONDS?: string;
  /**
   * Signs the app's hidden state (comma-separated: the first signs, all verify). Without it, each tracker's
   * credential serves as the secret (see `stateKeysFromEnv`).
   */
  STATE_SECRET?: string;
  /** Secrets still accepted, never used to sign: the ones a rotation replaced (comma-separated). */
  STATE_SECRET_PREVIOUS?: string;
  /** A smee.io channel (or any compatible proxy) that forwards GitHub's deliveries to this server, for development. */
  WEBHOOK_PROXY_URL?: string;
  /** Serves `/metrics` on this port instead of the main one (keep it off the public balancer). */
  METRICS_PORT?: string;
  /** A personal access token for the command line's read-only GitHub commands (`check-config`, `preview`). */
  GITHUB_TOKEN?: string;
}

/** A private key that was named but cannot be used; the message names where it was looked for, never the key. */
export class PrivateKeyError extends Error {
  override readonly name = 'PrivateKeyError';
}

/**
 * The GitHub App's private key, found as Probot finds it (`@probot/get-private-key`): `PRIVATE_KEY` as PEM (escaped
 * `\n` newlines, or on one line) or as base64 of the PEM, else the file at `PRIVATE_KEY_PATH` (relative to `cwd`),
 * else the one `*.pem` file in `cwd`. Undefined when none is given; throws {@link PrivateKeyError} when one is given
 * but cannot be read (a `PRIVATE_KEY` that is no key, a missing file, several `*.pem` files).
 */
export async function privateKeyFrom(env: ServerEnv, cwd = process.cwd()): Promise<string | undefined> {
  const keyEnv = {
    ...(env.PRIVATE_KEY ? { PRIVATE_KEY: env.PRIVATE_KEY } : {}),
    ...(env.PRIVATE_KEY_PATH ? { PRIVATE_KEY_PATH: env.PRIVATE_KEY_PATH } : {}),
  };
  try {
    return getPrivateKey({ env: keyEnv, cwd }) ?? undefined;
  } catch (error) {
    // The library's messages name the variable or the files, never the key's text.
    const message = (error as Error).message.replace(/^\[@probot\/get-private-key\]\s*/, '');
    throw new PrivateKeyError(`the GitHub App's private key cannot be read: ${message}`);
  }
}

/**
 * The variables of a `.env` file in `cwd` (Node's own parser, as `node --env-file` reads it) added to `env` where `env`
 * does not set them already: the environment wins, as with Probot. Answers the file's path when there was one.
 */
export function loadEnvFile(env: Record<string, string | undefined>, cwd = process.cwd()): string | undefined {
  const path = join(cwd, '.env');
  if (!existsSync(path)) return undefined;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
  return path;
}

/** The API base URL of a GitHub Enterprise Server (`GHE_HOST`), undefined for github.com. */
export function githubBaseUrl(env: ServerEnv): string | undefined {
  if (!env.GHE_HOST) return undefined;
  return `${env.GHE_PROTOCOL ?? 'https'}://${env.GHE_HOST}/api/v3`;
}

/**
 * The keys of a tracker's hidden state: `STATE_SECRET` (and `STATE_SECRET_PREVIOUS`), or the tracker's own credential
 * when it is not set, which is said once at start (see README, "Threat model").
 */
export function trackerStateKeys(env: ServerEnv, tracker: Tracker['kind'], credential: string, log: Logger): StateKeys {
  const { keys, derived } = stateKeysFromEnv(env, credential);
  if (derived) {
    const from = tracker === 'github' ? "the GitHub App's private key" : 'GITLAB_TOKEN';
    log.warn(
      { tracker, from },
      'STATE_SECRET is not set: the hidden state is signed with a key derived from the tracker credential; set ' +
        'STATE_SECRET before rotating it',
    );
  }
  return keys;
}

/**
 * How long a finished sweep keeps the shared turn: nine tenths of the interval, so that the replica that swept
 * sweeps again at its next tick and the others skip theirs in between.
 */
export function sweepHoldMs(env: ServerEnv): number {
  const seconds = Number(env.SWEEP_INTERVAL_SECONDS ?? 60);
  return Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds * 900) : 0;
}

/** How long the sweep may go without listing when nothing is due (`SWEEP_SAFETY_SECONDS`, default one hour). */
export function sweepSafetyMs(env: ServerEnv): number {
  const seconds = Number(env.SWEEP_SAFETY_SECONDS ?? 3600);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.floor(seconds * 1000) : 3_600_000;
}

/** How long a cached configuration file is used without a request (`CONFIG_MAX_AGE_SECONDS`, default 60 s). */
export function configMaxAgeMs(env: ServerEnv): number {
  const seconds = Number(env.CONFIG_MAX_AGE_SECONDS ?? 60);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.floor(seconds * 1000) : 60_000;
}
