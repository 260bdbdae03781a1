import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnvFile, PrivateKeyError, privateKeyFrom } from '../../src/server/env.js';
import { testPrivateKey } from '../support/github-webhook.js';

const KEY = testPrivateKey();
const folder = () => mkdtempSync(join(tmpdir(), 'incident-desk-env-'));
/** The same key, whatever form it was given in. */
const sameKey = (pem: string | undefined) =>
  createPrivateKey(pem ?? '').export({ type: 'pkcs8', format: 'pem' }) ===
  createPrivateKey(KEY).export({ type: 'pkcs8', format: 'pem' });

describe('privateKeyFrom: the forms Probot accepts', () => {
  const empty = folder();
  it.each([
    ['PEM', { PRIVATE_KEY: KEY }],
    ['PEM with escaped newlines', { PRIVATE_KEY: KEY.replace(/\n/g, '\\n') }],
    ['base64 of the PEM', { PRIVATE_KEY: Buffer.from(KEY).toString('base64') }],
    ['PEM on one line', { PRIVATE_KEY: KEY.replace(/\n/g, ' ') }],
  ])('PRIVATE_KEY as %s', async (_form, env) => {
    expect(sameKey(await privateKeyFrom(env, empty))).toBe(true);
  });

  it('PRIVATE_KEY_PATH, relative to the working directory', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'app-key.txt'), KEY);
    expect(sameKey(await privateKeyFrom({ PRIVATE_KEY_PATH: 'app-key.txt' }, dir))).toBe(true);
  });

  it('the one *.pem file of the working directory', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'incident-desk.2026-12-01.private-key.pem'), KEY);
    expect(sameKey(await privateKeyFrom({}, dir))).toBe(true);
  });

  it('PRIVATE_KEY wins over PRIVATE_KEY_PATH and a *.pem file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'other.pem'), 'not this one');
    expect(sameKey(await privateKeyFrom({ PRIVATE_KEY: KEY, PRIVATE_KEY_PATH: 'missing.pem' }, dir))).toBe(true);
  });

  it('nothing given: no key', async () => {
    expect(await privateKeyFrom({}, empty)).toBeUndefined();
  });

  it.each([
    ['a PRIVATE_KEY that is no key', { PRIVATE_KEY: 'hunter2-not-a-key' }, /PRIVATE_KEY/],
    ['a PRIVATE_KEY_PATH without a file', { PRIVATE_KEY_PATH: 'nowhere.pem' }, /nowhere\.pem/],
  ])('refuses %s in one line that never repeats the value', async (_case, env, message) => {
    const error = await privateKeyFrom(env, empty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrivateKeyError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses two *.pem files rather than guess', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a.pem'), KEY);
    writeFileSync(join(dir, 'b.pem'), KEY);
    await expect(privateKeyFrom({}, dir)).rejects.toThrow(/more than one file found: "a\.pem, b\.pem"/i);
  });
});

describe('loadEnvFile', () => {
  it("adds a .env file's variables the environment does not set", () => {
    const dir = folder();
    writeFileSync(join(dir, '.env'), 'PORT=4000\nLOG_LEVEL=debug\n# a comment\nPRIVATE_KEY="-----BEGIN\\nX"\n');
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' };
    expect(loadEnvFile(env, dir)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '4000', LOG_LEVEL: 'warn', PRIVATE_KEY: '-----BEGIN\nX' });
  });

  it('does nothing without a .env file', () => {
    const env: Record<string, string | undefined> = {};
    expect(loadEnvFile(env, folder())).toBeUndefined();
    expect(env).toEqual({});
  });
});
