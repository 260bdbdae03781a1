import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAppServer } from '../support/app-server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('the HTTP server', () => {
  it('starts with no tracker configured and says what to set', async () => {
    const server = await startAppServer({});
    close = server.close;
    expect(server.app.github).toBe(false);
    expect(server.app.gitlab).toBe(false);
    expect(server.app.missing.join('\n')).toMatch(/APP_ID[\s\S]*GITLAB_TOKEN/);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', github: false, gitlab: false });
    expect((await fetch(`${server.url}/api/github/webhooks`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${server.url}/api/gitlab/webhooks`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });

  it('serves the handbook as HTML with an anchor for every step', async () => {
    const server = await startAppServer({});
    close = server.close;
    const res = await fetch(`${server.url}/handbook`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('id="pick-deputy"');
    expect(html).toContain('id="release-thank-reporters"');
  });

  it('the GitLab route refuses oversized bodies and wrong methods', async () => {
    const server = await startAppServer({
      GITLAB_URL: 'http://127.0.0.1:9',
      GITLAB_TOKEN: 't',
      GITLAB_WEBHOOK_SECRET: 's',
    });
    close = server.close;
    expect((await fetch(`${server.url}/api/gitlab/webhooks`)).status).toBe(405);
    const big = await fetch(`${server.url}/api/gitlab/webhooks`, {
      method: 'POST',
      headers: { 'x-gitlab-token': 's', 'content-type': 'application/json' },
      body: `{"pad":"${'x'.repeat(6 * 1024 * 1024)}"}`,
    });
    expect(big.status).toBe(413);
  });

  it('closes even while a client holds a request open, after draining queued work', async () => {
    const server = await startAppServer({
      GITLAB_URL: 'http://127.0.0.1:9',
      GITLAB_TOKEN: 'glpat-x',
      GITLAB_WEBHOOK_SECRET: 'hook-secret',
    });
    const { hostname, port } = new URL(server.url);
    // A delivery whose body never ends: the route waits for it, and the connection stays busy.
    const stuck = request({
      host: hostname,
      port,
      method: 'POST',
      path: '/api/gitlab/webhooks',
      headers: { 'content-type': 'application/json', 'x-gitlab-token': 'hook-secret', 'content-length': '1000' },
    });
    const ended = new Promise<string>((resolve) => {
      stuck.on('error', (error) => resolve(error.message));
      stuck.on('response', () => resolve('answered'));
    });
    stuck.write('{"object_kind":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.app.close(200);
    expect(server.app.server.listening).toBe(false);
    expect(await ended).toMatch(/socket hang up|ECONNRESET|answered/);
  });
});
