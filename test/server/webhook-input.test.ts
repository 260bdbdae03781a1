import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { captureLog } from '../support/app-context.js';
import { secretsMatch } from '../../src/server/gitlab-route.js';
import { startAppServer } from '../support/app-server.js';
import { githubExample, testPrivateKey } from '../support/github-webhook.js';
import { gitlabFixture } from '../support/gitlab-webhook.js';

/**
 * Malformed, oversized and unknown payloads on both webhook routes, through the real server (Probot's middleware
 * for GitHub): each gets its status, and nothing of its content reaches the log, which is a real pino logger with
 * the app's redaction (Probot logs through it too).
 */

const SECRET_TEXT = 'EXPLOIT-DETAILS-7f3a9c';
const GITLAB_SECRET = 'gitlab-hook-secret';
const GITHUB_SECRET = 'github-hook-secret';
const GITLAB_TOKEN = 'glpat-route-token-0000';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start() {
  const lines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const server = await startAppServer(
    {
      GITLAB_URL: 'http://127.0.0.1:9',
      GITLAB_TOKEN,
      GITLAB_WEBHOOK_SECRET: GITLAB_SECRET,
      APP_ID: '1',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: GITHUB_SECRET,
    },
    { log },
  );
  close = server.close;
  return { url: server.url, lines };
}

function gitlab(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/gitlab/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Issue Hook',
      'x-gitlab-token': GITLAB_SECRET,
      ...headers,
    },
    body,
  });
}

function github(url: string, body: string, options: { secret?: string; event?: string } = {}): Promise<Response> {
  const signature = `sha256=${createHmac('sha256', options.secret ?? GITHUB_SECRET)
    .update(body)
    .digest('hex')}`;
  return fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': options.event ?? 'issues',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': signature,
    },
    body,
  });
}

/** A body streamed in chunks without a content-length, so only reading can tell its size. */
function streamed(url: string, path: string, headers: Record<string, string>, bytes: number): Promise<Response> {
  const chunk = new TextEncoder().encode(`"${SECRET_TEXT}",`.repeat(64 * 1024).slice(0, 1024 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

function expectNoContent(lines: string[]): void {
  const out = lines.join('');
  for (const secret of [SECRET_TEXT, GITLAB_SECRET, GITHUB_SECRET, GITLAB_TOKEN]) expect(out).not.toContain(secret);
}

describe('GitLab payloads', () => {
  it('malformed JSON is 400, logged by its size only', async () => {
    const { url, lines } = await start();
    expect((await gitlab(url, `{"object_kind":"issue","title":"${SECRET_TEXT}"`)).status).toBe(400);
    expect(lines.join('')).toContain('malformed GitLab payload');
    expectNoContent(lines);
  });

  it('a payload that claims an issue or note event without its envelope is 400, logged by its shape only', async () => {
    const { url, lines } = await start();
    const hook = gitlabFixture('issue-hook');
    const note = gitlabFixture('note-hook-issue');
    const broken = [
      [],
      'a string',
      null,
      { object_kind: 'issue', object_attributes: { title: SECRET_TEXT } },
      { ...hook, project: { name: SECRET_TEXT } },
      { ...hook, user: SECRET_TEXT },
      { ...hook, object_attributes: SECRET_TEXT },
      { ...note, issue: undefined, object_attributes: { ...note.object_attributes, note: SECRET_TEXT } },
    ];
    for (const payload of broken)
      expect((await gitlab(url, JSON.stringify(payload))).status, JSON.stringify(payload).slice(0, 80)).toBe(400);
    expect(lines.filter((l) => l.includes('malformed GitLab payload'))).toHaveLength(broken.length);
    expectNoContent(lines);
  });

  it('events the app does not handle stay 2xx: GitLab disables a hook that keeps failing', async () => {
    const { url, lines } = await start();
    const note = gitlabFixture('note-hook-issue');
    const ignored = [
      { object_kind: 'push', ref: 'refs/heads/main', commits: [{ message: SECRET_TEXT }] },
      { object_kind: 'merge_request', object_attributes: { title: SECRET_TEXT } },
      { ...note, object_attributes: { ...note.object_attributes, noteable_type: 'MergeRequest', note: SECRET_TEXT } },
      { ...note, object_attributes: { ...note.object_attributes, system: true, note: SECRET_TEXT } },
      { ...gitlabFixture('issue-hook'), event_type: 'work_item' },
    ];
    for (const payload of ignored)
      expect((await gitlab(url, JSON.stringify(payload), { 'x-gitlab-event': 'Push Hook' })).status).toBe(202);
    expectNoContent(lines);
  });

  it('a wrong token of the same length or another length, or none, is 401 before the body is looked at', async () => {
    const { url, lines } = await start();
    const same = GITLAB_SECRET.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'));
    expect(same).toHaveLength(GITLAB_SECRET.length);
    for (const token of [same, `${GITLAB_SECRET}x`, GITLAB_SECRET.slice(0, -1), '', SECRET_TEXT]) {
      expect((await gitlab(url, '{not json', { 'x-gitlab-token': token })).status).toBe(401);
    }
    expect((await fetch(`${url}/api/gitlab/webhooks`, { method: 'POST', body: '{}' })).status).toBe(401);
    expectNoContent(lines);
  });

  it(
    'compares tokens in constant time whatever their lengths ' + '(digests of equal length through timingSafeEqual)',
    () => {
      expect(secretsMatch(GITLAB_SECRET, GITLAB_SECRET)).toBe(true);
      expect(secretsMatch(`${GITLAB_SECRET} `, GITLAB_SECRET)).toBe(false);
      expect(secretsMatch('', GITLAB_SECRET)).toBe(false);
      expect(secretsMatch('a'.repeat(10_000), GITLAB_SECRET)).toBe(false);
    },
  );

  it('an oversized body is 413, by its declared length or as streamed, and its content is never logged', async () => {
    const { url, lines } = await start();
    const declared = await gitlab(url, `{"pad":"${SECRET_TEXT.repeat(600_000)}"}`);
    expect(declared.status).toBe(413);
    const chunked = await streamed(url, '/api/gitlab/webhooks', { 'x-gitlab-token': GITLAB_SECRET }, 8 * 1024 * 1024);
    expect(chunked.status).toBe(413);
    expectNoContent(lines);
  });
});

describe('GitLab secrets per project and group (GITLAB_WEBHOOK_SECRETS)', () => {
  const SECRETS = JSON.stringify({
    'sec/incidents': 'incident-secret',
    acme: ['acme-new', 'acme-old'],
    'acme/legacy': 'legacy-secret',
  });

  async function startWith(map: string) {
    const { lines, log } = captureLog();
    const server = await startAppServer(
      {
        GITLAB_URL: 'http://127.0.0.1:9',
        GITLAB_TOKEN,
        GITLAB_WEBHOOK_SECRET: GITLAB_SECRET,
        GITLAB_WEBHOOK_SECRETS: map,
      },
      { log },
    );
    close = server.close;
    return { url: server.url, lines, app: server.app };
  }
  /** An event the app ignores (a push), naming `project`: its status says only whether the token was accepted. */
  const push = (project: string) =>
    JSON.stringify({ object_kind: 'push', project: { path_with_namespace: project, name: SECRET_TEXT } });

  it(
    'a project or group with a secret of its own accepts only that one; ' + 'the rest of the instance the global one',
    async () => {
      const { url, lines } = await startWith(SECRETS);
      const status = async (project: string, token: string) =>
        (await gitlab(url, push(project), { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token })).status;
      // The incident project: its own secret, never the global one every hook maintainer knows, nor a group's.
      expect(await status('sec/incidents', 'incident-secret')).toBe(202);
      expect(await status('SEC/Incidents', 'incident-secret')).toBe(202);
      expect(await status('sec/incidents', GITLAB_SECRET)).toBe(401);
      expect(await status('sec/incidents', 'acme-new')).toBe(401);
      // A group's projects take the group's secrets (both while one is rotated), the most specific entry first.
      expect(await status('acme/web', 'acme-new')).toBe(202);
      expect(await status('acme/sub/web', 'acme-old')).toBe(202);
      expect(await status('acme/web', GITLAB_SECRET)).toBe(401);
      expect(await status('acme/legacy', 'legacy-secret')).toBe(202);
      expect(await status('acme/legacy', 'acme-new')).toBe(401);
      // Everything else: the global secret only.
      expect(await status('team/app', GITLAB_SECRET)).toBe(202);
      expect(await status('team/app', 'incident-secret')).toBe(401);
      // A body that names no project is vouched for by the global secret only.
      expect((await gitlab(url, '{not json', { 'x-gitlab-token': 'incident-secret' })).status).toBe(401);
      expect((await gitlab(url, '{not json', { 'x-gitlab-token': GITLAB_SECRET })).status).toBe(400);
      const out = lines.join('');
      for (const secret of ['incident-secret', 'acme-new', 'acme-old', 'legacy-secret'])
        expect(out).not.toContain(secret);
      expectNoContent(lines);
    },
  );

  it('an unreadable map serves no GitLab route at all, and says why without a secret', async () => {
    for (const map of [
      '{"sec/incidents": ',
      '["incident-secret"]',
      '{"sec/incidents": ""}',
      '{"../x": "incident-secret"}',
      '{"sec/incidents": [1]}',
    ]) {
      const { url, lines, app } = await startWith(map);
      expect(app.gitlab).toBe(false);
      expect((await gitlab(url, push('sec/incidents'), { 'x-gitlab-token': GITLAB_SECRET })).status).toBe(503);
      expect(lines.join('')).toContain('GitLab webhook secrets cannot be read');
      expect(lines.join('')).not.toContain('incident-secret');
      await close?.();
      close = undefined;
    }
  });

  it('the key * adds secrets to the global one, to rotate it without a gap', async () => {
    const { url } = await startWith(JSON.stringify({ '*': ['global-next'], 'sec/incidents': 'incident-secret' }));
    const status = async (project: string, token: string) =>
      (await gitlab(url, push(project), { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token })).status;
    expect(await status('team/app', GITLAB_SECRET)).toBe(202);
    expect(await status('team/app', 'global-next')).toBe(202);
    expect(await status('sec/incidents', 'global-next')).toBe(401);
  });

  it('a map alone, without a global secret, serves the projects it names and no other', async () => {
    const { lines, log } = captureLog();
    const server = await startAppServer(
      { GITLAB_URL: 'http://127.0.0.1:9', GITLAB_TOKEN, GITLAB_WEBHOOK_SECRETS: SECRETS },
      { log },
    );
    close = server.close;
    expect(server.app.gitlab).toBe(true);
    expect(
      (
        await gitlab(server.url, push('sec/incidents'), {
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-token': 'incident-secret',
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await gitlab(server.url, push('team/app'), {
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-token': 'incident-secret',
        })
      ).status,
    ).toBe(401);
    expectNoContent(lines);
  });
});

describe('GitHub payloads', () => {
  it('a wrong signature is 400 and the unverified payload is never logged', async () => {
    const { url, lines } = await start();
    const res = await github(url, JSON.stringify({ action: 'opened', issue: { title: SECRET_TEXT } }), {
      secret: 'not-the-secret',
    });
    expect(res.status).toBe(400);
    expect(lines.join('')).toContain('signature does not match');
    expectNoContent(lines);
  });

  it("an ordinary delivery is answered before Probot only when its signature is the secret's", async () => {
    const { url, lines } = await start();
    // A real issue opened without labels: no route wants it.
    const opened = githubExample('opened');
    const body = JSON.stringify({ ...opened, issue: { ...opened.issue, labels: [] }, installation: { id: 4242 } });
    const forged = await github(url, body, { secret: 'not-the-secret' });
    expect(forged.status).toBe(400);
    expect(lines.join('')).toContain('signature does not match');
    const signed = await github(url, body);
    expect(signed.status).toBe(200);
    expect(await signed.text()).toBe('ok\n');
    expect(lines.join('')).toContain('ordinary delivery answered before Probot');
    // A tampered body under the first body's signature is Probot's to refuse, however ordinary it reads.
    const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
    const tampered = await fetch(`${url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': 'd-3',
        'x-hub-signature-256': signature,
      },
      body: body.replace('"opened"', '"closed"'),
    });
    expect(tampered.status).toBe(400);
    expectNoContent(lines);
  });

  it('malformed JSON with a valid signature is 400, logged without content', async () => {
    const { url, lines } = await start();
    expect((await github(url, `{"action":"opened","issue":{"title":"${SECRET_TEXT}"`)).status).toBe(400);
    expectNoContent(lines);
  });

  it('missing webhook headers are 400 and a wrong content type 415', async () => {
    const { url } = await start();
    expect(
      (
        await fetch(`${url}/api/github/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await fetch(`${url}/api/github/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
  });

  it('an oversized body is 413 before Probot reads it, by its declared length or as streamed', async () => {
    const { url, lines } = await start();
    const declared = await github(url, `{"pad":"${SECRET_TEXT.repeat(600_000)}"}`);
    expect(declared.status).toBe(413);
    const chunked = await streamed(
      url,
      '/api/github/webhooks',
      { 'x-github-event': 'issues', 'x-github-delivery': 'd-2', 'x-hub-signature-256': 'sha256=00' },
      8 * 1024 * 1024,
    );
    expect(chunked.status).toBe(413);
    expectNoContent(lines);
  });

  it('an event the app does not subscribe to is answered 200 and ignored', async () => {
    const { url, lines } = await start();
    const res = await github(url, JSON.stringify({ action: 'created', ref: SECRET_TEXT }), { event: 'push' });
    expect(res.status).toBe(200);
    expectNoContent(lines);
  });
});
