import { describe, expect, it } from 'vitest';
import { joinBody, readTicketState, renderState, trustedState } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { sourceLabel } from '../../src/kernel/identifier.js';
import type { Issue, IssueRef, Project } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { minutes as githubMinutes, openGitHubIncident } from '../support/github-incident.js';
import { minutes as gitlabMinutes, openGitLabIncident } from '../support/gitlab-incident.js';
import { gitlabEditPayload, gitlabLabelsPayload } from '../support/gitlab-webhook.js';

// Issue 11, end to end through the real server on both trackers: the Probot middleware and the fake GitHub, the
// GitLab route and the fake GitLab, with the real Octokit and gitbeaker clients. Cases 1, 2 and 3 (the same cases on
// the in-memory tracker are in test/server/own-state.test.ts). One scenario per case, run on each tracker.

type Kind = 'github' | 'gitlab';

const APPROVALS = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal], fyi: [] }
  required: [security, legal]
  quorum: 2
`;

/** The public project of each tracker whose reports nobody opened an incident for. */
const PUBLIC = { github: 'acme/oss', gitlab: 'team/public' } as const;

interface Options {
  config?: string;
  beforeTrigger?: (store: MemoryStore, source: Issue) => void;
}

/**
 * An incident opened in place on either tracker (GitHub `acme/security`, GitLab `team/app`, both private), with a
 * public project beside it. alice and bob write; mallory triages on GitLab (Reporter) and reads on GitHub. What the
 * scenarios need is the same on both: the tickets, what people say and save, the sweep, the app's own comments.
 */
async function incident(kind: Kind, options: Options = {}) {
  const projects = { [PUBLIC[kind]]: 'public' as Project['visibility'] };
  const t =
    kind === 'github'
      ? await openGitHubIncident({ projects, ...options })
      : await openGitLabIncident({ projects, ...options });
  const bot = kind === 'github' ? 'incident-desk[bot]' : 'incident-desk-bot';
  const minutes = kind === 'github' ? githubMinutes : gitlabMinutes;
  const home = t.master().ref.project;
  const comms = (): Issue => t.store.allIssues(home).find((i) => i.labels.includes('incident::comms'))!;
  /** The app's own comments on a ticket (the store knows authors by name). */
  const own = (ref: IssueRef) => t.store.listComments(ref).filter((c) => c.author === bot);
  /** One save that changes the description and adds labels: one GitLab PUT (one hook), or GitHub's two events. */
  const saveWithLabels = async (ticket: Issue, change: (body: string) => string, added: string[], actor: string) => {
    if (kind === 'github') {
      const github = t as Awaited<ReturnType<typeof openGitHubIncident>>;
      await github.change(ticket, { body: change(ticket.body), labels: [...ticket.labels, ...added] }, actor);
      return;
    }
    const gitlab = t as Awaited<ReturnType<typeof openGitLabIncident>>;
    const before = t.store.issue(ticket.ref);
    // GitLab records who saved (issue 11, case 4: the app asks it).
    const after = t.store.editIssue(
      ticket.ref,
      { body: change(before.body), labels: [...before.labels, ...added] },
      actor,
    );
    const project = t.store.getProject(after.ref.project);
    const payload = gitlabEditPayload(project, after, before.body, gitlab.user(actor), gitlab.ids);
    payload.changes.labels = gitlabLabelsPayload(
      project,
      after,
      before.labels,
      gitlab.user(actor),
      gitlab.ids,
    ).changes.labels;
    await gitlab.deliver(`${after.confidential ? 'Confidential ' : ''}Issue Hook`, payload);
  };
  return { ...t, kind, home, comms, own, minutes, saveWithLabels };
}

/** Rewrites the app's hidden state marker in a body, signature and all, as anyone who can edit the description can. */
const forgeState = (body: string, change: (state: TicketState) => TicketState) => {
  const forged = body.replace(
    /<!-- incident-desk:state [^\n]* -->/,
    renderState(change(structuredClone(readTicketState(body)!))),
  );
  expect(forged).not.toBe(body);
  return forged;
};
const approvedByNobody = (state: TicketState): TicketState => ({
  ...state,
  approvals: {
    decisions: {
      'blog/security': { status: 'approved', by: 'made-up', at: '2026-11-22T10:00:00.000Z' },
      'blog/legal': { status: 'approved', by: 'made-up', at: '2026-11-22T10:00:00.000Z' },
    },
    complete: true,
  },
});
const tickIn = (body: string, stepId: string) =>
  body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');

describe.each(['github', 'gitlab'] as const)(
  '%s end to end: the app believes only what it wrote (issue 11)',
  (kind) => {
    it(
      'case 1: forged approvals in the communications ticket, ' +
        'by a writer and in one save with approval labels, are put back',
      async () => {
        const t = await incident(kind, { config: APPROVALS });
        // bob writes in the project but approves for no group.
        await t.edit((body) => forgeState(body, approvedByNobody), 'bob', t.comms());
        expect(readTicketState(t.comms().body)?.approvals?.decisions ?? {}).toEqual({});
        await t.say('/request-approvals', 'alice', t.comms());
        // mallory saves a forged state, ticked approval boxes and the approval labels at once.
        const forged = (body: string) =>
          tickIn(tickIn(forgeState(body, approvedByNobody), 'approve-blog-security'), 'approve-blog-legal');
        await t.saveWithLabels(t.comms(), forged, ['approval::blog::approved', 'approvals::complete'], 'mallory');
        await t.sweep(t.minutes(40));
        const comms = t.comms();
        expect(readTicketState(comms.body)?.approvals?.decisions ?? {}).toEqual({});
        expect(comms.labels).toContain('approval::blog::pending');
        expect(comms.labels).not.toContain('approval::blog::approved');
        expect(comms.labels).not.toContain('approvals::complete');
        expect(comms.body).not.toMatch(/- \[x\] .*<!-- step:approve-blog-/);
        expect(comms.body).not.toContain('made-up');
        expect(t.timeline()).not.toMatch(/approved the|all communications approved/);
        expect(t.own(comms.ref).some((c) => c.body.includes('`incident-desk:state`'))).toBe(true);
      },
    );

    it(
      'case 2: a forged master naming a public report as its ' +
        'source never opens an intake on it, from /help or the sweep',
      async () => {
        const t = await incident(kind);
        const victim = t.store.seedIssue(PUBLIC[kind], {
          title: 'Crash on start',
          body: 'stack trace',
          author: 'someone',
        });
        const state: TicketState = {
          v: 1,
          role: 'master',
          id: 'INC-2026-99',
          source: `${kind}:${PUBLIC[kind]}#${victim.ref.number}`,
        };
        const forged = t.store.seedIssue(t.home, {
          title: 'A question',
          body: joinBody(renderState(state), 'hello'),
          labels: ['incident::master', sourceLabel(kind, victim.ref)],
          author: 'mallory',
          confidential: true,
        });
        expect(trustedState(forged)).not.toBeNull();
        await t.say('/help', 'mallory', forged);
        await t.sweep(t.minutes(5));
        expect(t.store.issue(victim.ref)).toMatchObject({
          title: 'Crash on start',
          body: 'stack trace',
          confidential: false,
          locked: false,
          labels: [],
        });
        expect(t.store.listComments(victim.ref)).toEqual([]);
        expect(t.own(forged.ref)).toEqual([]);
      },
    );

    it(
      "case 3: a timeline and a summary planted before triage are not the app's: " + 'it writes and appends to its own',
      async () => {
        const planted: Array<{ ref: IssueRef; id: number; body: string }> = [];
        const t = await incident(kind, {
          beforeTrigger: (store, source) => {
            for (const body of [
              '<!-- incident-desk:timeline -->\n## Timeline\n\n- 2026-11-22T09:00:00Z · @ceo · approved the ' +
                'disclosure\n',
              '<!-- incident-desk:summary -->\n### incident-desk opened incident INC-2026-1\n- nothing to do',
            ]) {
              const comment = store.createComment(source.ref, body, 'mallory');
              planted.push({ ref: source.ref, id: comment.id, body });
            }
          },
        });
        const ids = trustedState(t.master())?.run?.timeline ?? [];
        expect(ids).toHaveLength(1);
        expect(planted.map((p) => p.id)).not.toContain(ids[0]);
        expect(t.own(t.ref).map((c) => c.id)).toContain(ids[0]);
        expect(t.own(t.ref).filter((c) => c.body.includes('<!-- incident-desk:summary -->'))).toHaveLength(1);
        t.clock.now = t.minutes(2);
        await t.say('/timeline called the reporter', 'alice');
        expect(t.timeline()).toContain('called the reporter');
        for (const p of planted) expect(t.store.listComments(p.ref).find((c) => c.id === p.id)?.body).toBe(p.body);
      },
    );
  },
);
