import { describe, expect, it } from 'vitest';
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
