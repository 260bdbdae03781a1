import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TrackerKind } from '../../src/kernel/model.js';
import { githubExample } from '../support/github-webhook.js';
import { gitlabFixture } from '../support/gitlab-webhook.js';
import { startWorld, WORLD_SECRETS } from '../support/tracker-world.js';
import type { World } from '../support/tracker-world.js';

/**
 * Fail safe, end to end through the real server on both trackers: a configuration that cannot be read still protects
 * the report, and no delivery, however malformed, is answered with a 5xx.
 */

/** A file that fails validation (`children` names a ticket the app does not know). */
const INVALID = 'label: incident\nchildren: [release, press-kit]\n';

const lines = (w: World, msg: RegExp) => w.server.log.lines.filter((l) => msg.test(l.msg));

describe.each<TrackerKind>(['github', 'gitlab'])('%s: fail safe', (kind) => {
  it('an invalid configuration still protects a public report, and names its problems', async () => {
    const w = await startWorld(kind, {
      projects: { 'oss/app': { visibility: 'public', config: INVALID } },
      access: { alice: 'write' },
    });
    const { issue, answer } = await w.open('oss/app', {
      title: 'RCE in the upload form',
      body: 'exploit steps',
      labels: ['incident'],
    });
    expect(answer.status).toBe(200);
    const after = w.store.issue(issue.ref);
    const comments = w.store.listComments(issue.ref).map((c) => c.body);
    if (kind === 'gitlab') {
      // Confidential with the defaults before anything is said.
      expect(after.confidential).toBe(true);
    } else {
      // GitHub has no confidential issues: the public report gets the needs-config treatment.
      expect(after.labels).toContain('incident::needs-config');
      expect(comments.some((c) => c.includes('<!-- incident-desk:needs-config -->') && c.includes('is invalid'))).toBe(
        true,
      );
    }
    expect(comments.find((c) => c.includes('<!-- incident-desk:config-error'))).toContain('children');
    // Nothing was created and nothing copied: no master, the report's text as it was.
    expect(w.store.allIssues('oss/app')).toHaveLength(1);
    expect(after.labels).not.toContain('incident::master');
    expect(after.body).toBe('exploit steps');
    expect(comments.join('\n')).not.toContain('exploit steps');
  });

  it('a malformed delivery is refused (400) or ignored (2xx) with one log line, never a 5xx', async () => {
    const w = await startWorld(kind, { projects: { 'oss/app': { visibility: 'public' } }, access: { alice: 'write' } });
    const post = async (headers: Record<string, string>, body: string) => {
      const path = kind === 'gitlab' ? '/api/gitlab/webhooks' : '/api/github/webhooks';
      const res = await fetch(`${w.server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      await w.server.app.idle();
      return res.status;
    };
    const hostile: Array<{ what: string; headers: Record<string, string>; body: string }> = [];
    if (kind === 'gitlab') {
      const hook = gitlabFixture('issue-hook');
      const note = gitlabFixture('note-hook-issue');
      const token = { 'x-gitlab-token': WORLD_SECRETS.gitlab };
      hostile.push(
        { what: 'no X-Gitlab-Event', headers: token, body: JSON.stringify(hook) },
        {
          what: 'an issue whose iid is text',
          headers: { ...token, 'x-gitlab-event': 'Issue Hook' },
          body: JSON.stringify({ ...hook, object_attributes: { ...hook.object_attributes, iid: 'one' } }),
        },
        {
          what: 'labels that are no list',
          headers: { ...token, 'x-gitlab-event': 'Issue Hook' },
          body: JSON.stringify({
            ...hook,
            labels: 'incident',
            object_attributes: { ...hook.object_attributes, labels: 'incident' },
          }),
        },
        {
          what: 'a comment whose issue has no title',
          headers: { ...token, 'x-gitlab-event': 'Note Hook' },
          body: JSON.stringify({ ...note, issue: { ...note.issue, title: 42 } }),
        },
      );
    } else {
      const sign = (body: string, event = 'issues') => ({
        'x-github-event': event,
        'x-github-delivery': `hostile-${hostile.length}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', WORLD_SECRETS.github).update(body).digest('hex')}`,
      });
      const opened = githubExample('opened');
      const signed = (what: string, payload: unknown, event = 'issues') => {
        const body = JSON.stringify(payload);
        hostile.push({ what, headers: sign(body, event), body });
      };
      signed('no issue', { ...opened, issue: undefined });
      signed('an issue that is text', { ...opened, issue: 'incident' });
      signed('an issue whose labels are text', { ...opened, issue: { ...opened.issue, labels: 'incident' } });
      signed('no installation', { ...opened, installation: undefined });
      signed('a payload that is null', null);
      signed('a payload that is a string', 'incident');
      signed(
        'a comment that is a number',
        { ...githubExample('created', 'issue_comment'), comment: 7 },
        'issue_comment',
      );
    }
    for (const { what, headers, body } of hostile) {
      const before = w.server.log.lines.length;
      const status = await post(headers, body);
      expect(status, what).toBeLessThan(500);
      const said = w.server.log.lines.slice(before).filter((l) => /malformed|without X-Gitlab-Event/.test(l.msg));
      expect(said, what).toHaveLength(1);
      if (kind === 'gitlab') expect(status, what).toBe(400);
    }
    expect(lines(w, /failed/)).toEqual([]);
    expect(w.store.calls.filter((c) => c.operation !== 'readFile')).toEqual([]);
  });
});
