import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { Issue, TrackerKind } from '../../src/kernel/model.js';
import { minutes as githubMinutes, openGitHubIncident } from '../support/github-incident.js';
import { deliverGitHub, githubCommentPayload } from '../support/github-webhook.js';
import { minutes as gitlabMinutes, openGitLabIncident } from '../support/gitlab-incident.js';
import { deliverGitLab, gitlabNotePayload } from '../support/gitlab-webhook.js';

/**
 * Issue 11, case 4, end to end through the real server: who acted is the tracker's answer. GitHub signs its deliveries
 * with the app's own secret, so a delivery naming someone else can only be forged without it (and is refused); GitLab's
 * hook token is shared, so the app reads the comment back and takes its author from GitLab. The same scenario on both.
 */

const CONFIG = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal], fyi: [] }
  required: [security, legal]
  quorum: 2
`;

/**
 * One incident on either tracker, with what the scenario needs: the comms ticket and a forged delivery of a comment.
 */
async function incident(kind: TrackerKind) {
  if (kind === 'github') {
    const t = await openGitHubIncident({
      config: CONFIG,
      access: { alice: 'write', mallory: 'read', 'sec-alice': 'read' },
    });
    const comms = (): Issue => t.store.allIssues('acme/security').find((i) => i.labels.includes('incident::comms'))!;
    return {
      ...t,
      comms,
      /** mallory's comment, delivered as if `claimed` wrote it: only someone without GitHub's secret can send that. */
      forge: async (body: string, claimed: string) => {
        const note = t.store.createComment(comms().ref, body, 'mallory');
        const payload = githubCommentPayload(t.store.getProject(comms().ref.project), comms(), {
          ...note,
          author: claimed,
        });
        const res = await deliverGitHub(t.server.url, 'a-guessed-secret', 'issue_comment', payload, 'forged-1');
        await t.server.app.idle();
        return res.status;
      },
      minutes: githubMinutes,
    };
  }
  const t = await openGitLabIncident({
    config: CONFIG,
    access: { alice: 'write', mallory: 'triage', 'sec-alice': 'triage' },
  });
  const comms = (): Issue => t.store.allIssues('team/app').find((i) => i.labels.includes('incident::comms'))!;
  return {
    ...t,
    comms,
    /** mallory's comment, delivered with the hook's (shared) token as if `claimed` wrote it. */
    forge: async (body: string, claimed: string) => {
      const note = t.store.createComment(comms().ref, body, 'mallory');
      const payload = gitlabNotePayload(t.project, comms(), note, t.user(claimed), t.ids);
      const res = await deliverGitLab(
        t.server.url,
        'gitlab-hook-secret',
        payload,
        'forged-1',
        'Confidential Note Hook',
      );
      await t.server.app.idle();
      return res.status;
    },
    minutes: gitlabMinutes,
  };
}

describe.each<TrackerKind>(['github', 'gitlab'])("%s: who acted is the tracker's answer", (kind) => {
  it(
    'a delivery that names an approver who did not comment approves nothing; ' + "the approver's own comment approves",
    async () => {
      const t = await incident(kind);
      const decisions = () => trustedState(t.comms())!.approvals?.decisions ?? {};
      t.clock.now = t.minutes(2);
      const status = await t.forge('/approve all', 'sec-alice');
      // GitHub: the signature does not match, the delivery is refused. GitLab: accepted, and counted for mallory.
      expect(status).toBe(kind === 'github' ? 400 : 200);
      expect(decisions()).toEqual({});
      expect(t.comms().labels).not.toContain('approval::blog::approved');
      expect(t.timeline()).not.toContain('approved');

      t.clock.now = t.minutes(3);
      await t.say('/approve blog', 'sec-alice', t.comms());
      expect(decisions()['blog/security']).toMatchObject({ status: 'approved', by: 'sec-alice' });
    },
  );
});

describe('GitLab: the secret of the incident project, and visibility from the API', () => {
  it("the global hook secret cannot speak for a project that has its own; the project's secret can", async () => {
    const t = await openGitLabIncident({ config: CONFIG });
    // The server of this test knows one global secret; start another that gives the incident project its own.
    const { startAppServer } = await import('../support/app-server.js');
    const server = await startAppServer(
      {
        GITLAB_URL: t.fake.url,
        GITLAB_TOKEN: 'glpat-test-token',
        GITLAB_WEBHOOK_SECRET: 'gitlab-hook-secret',
        GITLAB_WEBHOOK_SECRETS: JSON.stringify({ 'team/app': 'team-app-own-secret' }),
      },
      { gitlabClientOptions: { rateLimits: { '**': 100_000 }, queryTimeout: 5_000 }, now: () => t.clock.now },
    );
    try {
      const note = t.store.createComment(t.ref, '/severity high', 'alice');
      const payload = gitlabNotePayload(t.project, t.master(), note, t.user('alice'), t.ids);
      const global = await deliverGitLab(
        server.url,
        'gitlab-hook-secret',
        payload,
        'secret-1',
        'Confidential Note Hook',
      );
      expect(global.status).toBe(401);
      await server.app.idle();
      expect(t.master().labels).not.toContain('severity::high');
      const own = await deliverGitLab(server.url, 'team-app-own-secret', payload, 'secret-2', 'Confidential Note Hook');
      expect(own.status).toBe(200);
      await server.app.idle();
      expect(t.master().labels).toContain('severity::high');
    } finally {
      await server.close();
    }
  });

  it('a forged private visibility_level does not let the timeline into a master someone made public', async () => {
    const t = await openGitLabIncident({ config: CONFIG, projects: { 'oss/app': 'public' } });
    // An incident opened in the public oss/app (its master made confidential), then made readable by everyone by hand.
    const report = t.store.seedIssue('oss/app', {
      title: 'Token leak',
      body: 'details',
      labels: ['incident'],
      author: 'alice',
    });
    const { gitlabLabeledPayload } = await import('../support/gitlab-webhook.js');
    await t.deliver(
      'Issue Hook',
      gitlabLabeledPayload(t.store.getProject('oss/app'), report, 'incident', t.user('alice')),
    );
    expect(t.store.issue(report.ref).confidential).toBe(true);
    t.store.editIssue(report.ref, { confidential: false }, 'maintainer');
    const comments = () =>
      t.store
        .listComments(report.ref)
        .map((c) => c.body)
        .join('\n');
    const note = t.store.createComment(report.ref, '/timeline called the reporter', 'alice');
    const before = comments();
    const payload = gitlabNotePayload(
      { ...t.store.getProject('oss/app'), visibility: 'private' },
      { ...t.store.issue(report.ref), confidential: true },
      note,
      t.user('alice'),
      t.ids,
    );
    expect(payload.project.visibility_level).toBe(0);
    await t.deliver('Confidential Note Hook', payload);
    expect(comments()).toBe(before);
    expect(t.server.log.lines.map((l) => l.msg)).toContain('refused to write incident content to a public place');
  });
});
