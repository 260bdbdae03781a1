import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { childLogger, createLogger } from '../../src/server/logger.js';
import { captureLog as capture } from '../support/app-context.js';

describe('logger redaction', () => {
  it('never writes tokens, secrets or incident content', () => {
    const { lines, log } = capture();
    const payload = { issue: { title: 'RCE in upload', body: 'exploit details' } };
    log.error({ err: { message: 'boom', event: { id: 'd1', name: 'issues', payload } } }, 'event failed');
    log.error({ err: { errors: [{ message: 'x', event: { payload } }] } }, 'aggregate failed');
    log.info(
      { token: 'glpat-secret', headers: { authorization: 'token ghs_secret' }, body: 'exploit details' },
      'request',
    );
    log.warn({ req: { headers: { 'x-gitlab-token': 'hook-secret' } } }, 'route');
    const out = lines.join('');
    for (const secret of ['RCE in upload', 'exploit details', 'glpat-secret', 'ghs_secret', 'hook-secret']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('event failed');
    expect(out).toContain('[redacted]');
  });
});

describe('logger redaction of tokens and keys', () => {
  const PEM =
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-test-key-body\n-----END PRIVATE KEY-----\n';
  const SECRETS = [
    'glpat-env-token-1111',
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-test-key-body',
    'hook-secret-2222',
    'gl-hook-secret-3333',
    'ghs_installation_4444',
    'glpat-header-5555',
    'redis-password-6666',
  ];

  it(
    'never writes the environment secrets, ' + 'the private key or credential headers, however they are nested',
    async () => {
      const { lines, log } = capture();
      const env = {
        GITLAB_TOKEN: SECRETS[0],
        PRIVATE_KEY: PEM,
        WEBHOOK_SECRET: SECRETS[2],
        GITLAB_WEBHOOK_SECRET: SECRETS[3],
        REDIS_URL: `redis://:${SECRETS[6]}@redis:6379`,
        PORT: '3000',
      };
      log.info(env, 'environment');
      log.info({ env }, 'environment, nested');
      log.info(
        { privateKey: PEM, options: { privateKey: PEM, token: SECRETS[4], redisConfig: env.REDIS_URL } },
        'probot options',
      );
      log.info({ headers: { authorization: `token ${SECRETS[4]}`, 'private-token': SECRETS[5] } }, 'request headers');
      log.info(
        { request: { headers: { authorization: `bearer ${SECRETS[4]}`, 'private-token': SECRETS[5] } } },
        'nested request headers',
      );
      log.info(
        { req: { headers: { authorization: `token ${SECRETS[4]}`, 'private-token': SECRETS[5] } } },
        'incoming request',
      );

      // An Octokit RequestError as Octokit builds it (it masks authorization itself, not other headers).
      const { RequestError } = await import('@octokit/request-error');
      const octokitError = new RequestError('Bad credentials', 401, {
        request: {
          method: 'GET',
          url: 'https://api.github.com/app',
          headers: { authorization: `token ${SECRETS[4]}`, 'x-custom-token': 'plain' },
        },
        response: { status: 401, url: 'https://api.github.com/app', headers: {}, data: { message: 'Bad credentials' } },
      });
      log.error({ err: octokitError }, 'octokit failed');
      log.error(octokitError, 'octokit failed, as the first argument');

      // A gitbeaker error: its cause carries the fetch Request with the private-token header.
      const { GitbeakerRequestError } = await import('@gitbeaker/requester-utils');
      const request = new Request('https://gitlab.example/api/v4/user', { headers: { 'private-token': SECRETS[5]! } });
      const response = new Response('{"message":"401 Unauthorized"}', { status: 401 });
      const gitbeakerError = new GitbeakerRequestError('Unauthorized', {
        cause: { description: '401 Unauthorized', request, response },
      });
      log.error({ err: gitbeakerError }, 'gitbeaker failed');
      log.error(
        { err: { cause: { request: { headers: { 'private-token': SECRETS[5] } } } } },
        'gitbeaker-shaped failure',
      );

      const out = lines.join('');
      for (const secret of SECRETS) expect(out, secret).not.toContain(secret);
      expect(out).not.toContain('BEGIN PRIVATE KEY');
      expect(out).toContain('"PORT":"3000"');
      expect(out).toContain('gitbeaker failed');
    },
  );
});

describe('childLogger', () => {
  it("works out a delivery's fields only when a line is logged, once, and puts them on every line", () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    let made = 0;
    const log = childLogger(createLogger('info', stream), () => {
      made += 1;
      return { delivery: 'd-1', tracker: 'github', event: 'issue.labeled' };
    });
    // An ordinary delivery logs nothing at the level in force: no child, no fields worked out.
    log.debug({ issue: 'acme/web#1' }, 'not logged at info');
    expect(made).toBe(0);
    expect(lines).toEqual([]);
    log.info({ issue: 'acme/web#1' }, 'first line');
    log.warn({ issue: 'acme/web#1' }, 'second line');
    expect(made).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual(['first line', 'second line']);
    for (const line of lines)
      expect(line).toMatchObject({ delivery: 'd-1', tracker: 'github', event: 'issue.labeled', issue: 'acme/web#1' });
  });

  it('merges the fields into each line of a plain logger', () => {
    const seen: Array<{ obj: object; msg: string }> = [];
    const plain = {
      debug: (obj: object, msg: string) => seen.push({ obj, msg }),
      info: (obj: object, msg: string) => seen.push({ obj, msg }),
      warn: (obj: object, msg: string) => seen.push({ obj, msg }),
      error: (obj: object, msg: string) => seen.push({ obj, msg }),
    };
    childLogger(plain, { delivery: 'd-2' }).warn({ issue: 'team/app#2' }, 'a line');
    expect(seen).toEqual([{ obj: { delivery: 'd-2', issue: 'team/app#2' }, msg: 'a line' }]);
  });
});
