import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shell/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('logger redaction', () => {
  it('never writes tokens, secrets or incident content', () => {
    const { lines, log } = capture();
    const payload = { issue: { title: 'RCE in upload', body: 'exploit details' } };
    log.error({ err: { message: 'boom', event: { id: 'd1', name: 'issues', payload } } }, 'event failed');
    log.error({ err: { errors: [{ message: 'x', event: { payload } }] } }, 'aggregate failed');
    log.info({ token: 'glpat-secret', headers: { authorization: 'token ghs_secret' }, body: 'exploit details' }, 'request');
    log.warn({ req: { headers: { 'x-gitlab-token': 'hook-secret' } } }, 'route');
    const out = lines.join('');
    for (const secret of ['RCE in upload', 'exploit details', 'glpat-secret', 'ghs_secret', 'hook-secret']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('event failed');
    expect(out).toContain('[redacted]');
  });
});
