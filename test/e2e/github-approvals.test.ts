import { describe, expect, it } from 'vitest';
import { splitBody, trustedState } from '../../src/core/block.js';
import type { ApprovalState } from '../../src/core/approvals.js';
import type { Issue } from '../../src/core/model.js';
import { formatRef } from '../../src/core/model.js';
import { commentKinds } from '../support/comments.js';
import { minutes, openGitHubIncident, T0, tickIn } from '../support/github-incident.js';
import { githubEditPayload, githubLabelPayload } from '../support/github-webhook.js';

// Approvals on the communications ticket end to end: signed `issues.edited`, `issue_comment.created` and
// `issues.labeled` deliveries into the real server and Probot, the real Octokit talking to the fake GitHub on
// loopback, access read from the collaborator-permission route, team membership from the team-membership route,
// and the sweep listing masters through the installations and search routes. The same scenarios as
// test/shell/approvals.test.ts on the in-memory tracker.

// `pat` approves for two groups; Investor Relations is approved by the members of the team `@acme/ir-team`.
const CONFIG = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice, pat], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan, pat], backups: [law-eve, law-fay] }
    customer-success: { name: Customer Success, approvers: [cs-gil], backups: [cs-hana, cs-ivo] }
    investor-relations: { name: Investor Relations, approvers: ["@acme/ir-team"], backups: [ir-kim, ir-lou] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal, customer-success, investor-relations], fyi: [] }
    faq: { name: Support FAQ, approve: [security, legal], fyi: [] }
  required: [security, legal, customer-success, investor-relations]
  quorum: 2
  responseMinutes: 30
`;

/**
 * A GitHub incident opened in place at T0 in the private `acme/security` (configured by `.github/incident-desk.yml`),
 * reported by alice (write). The approvers sec-alice, law-dan, pat and cs-gil and the bystander mallory have read
 * access only; ir-joe is no collaborator but a member of `acme/ir-team`; `stranger` is nobody (404 everywhere).
 */
async function incident() {
  const t = await openGitHubIncident({
    config: CONFIG,
    access: { alice: 'write', 'sec-alice': 'read', 'law-dan': 'read', pat: 'read', 'cs-gil': 'read', mallory: 'read' },
    teams: { 'acme/ir-team': ['ir-joe'] },
    deliveryPrefix: 'approvals',
  });
  const { store, project } = t;
  const comms = (): Issue => store.allIssues('acme/security').find((i) => i.labels.includes('incident::comms'))!;
  expect(trustedState(comms())?.role).toBe('comms');

  const state = (): ApprovalState => trustedState(comms())!.approvals ?? { decisions: {} };
  /** The app's comments on the comms ticket with `<!-- incident-desk:<marker> -->`. */
  const said = (marker: string) => t.comments(marker, comms());
  const commentCount = () => store.listComments(comms().ref).length;
  /** A person saves the comms ticket's description with a box ticked; GitHub delivers `issues.edited`. */
  const tick = async (stepId: string, actor: string) => {
    const before = comms();
    expect(tickIn(before.body, stepId)).not.toBe(before.body);
    return t.tick(stepId, actor, before);
  };
  /** A person comments on the comms ticket; GitHub delivers `issue_comment.created`. */
  const say = (body: string, actor: string) => t.say(body, actor, comms());
  /** A person adds (or removes) one label of the comms ticket by hand; GitHub delivers `issues.labeled` (`unlabeled`). */
  const label = async (action: 'labeled' | 'unlabeled', name: string, actor: string) => {
    const before = comms();
    const labels = action === 'labeled' ? [...before.labels, name] : before.labels.filter((l) => l !== name);
    store.editIssue(before.ref, { labels });
    return t.deliver('issues', githubLabelPayload(action, project, comms(), name, actor));
  };
  return { ...t, comms, state, said, commentCount, tick, say, label };
}

const isTicked = (body: string, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(body);
const approvalLabelsOf = (issue: Issue) => issue.labels.filter((l) => l.startsWith('approval::') || l === 'approvals::complete').sort();

describe('GitHub end to end: approvals on the communications ticket', () => {
  it('renders the matrix from .github/incident-desk.yml: one box per deliverable × group, none ticked', async () => {
    const t = await incident();
    const body = t.comms().body;
    for (const step of ['approve-blog-security', 'approve-blog-legal', 'approve-blog-customer-success', 'approve-blog-investor-relations', 'approve-faq-security', 'approve-faq-legal']) {
      expect(body).toContain(`<!-- step:${step} -->`);
      expect(isTicked(body, step)).toBe(false);
    }
    expect(body).not.toContain('<!-- step:approve-faq-customer-success -->');
    // Approvers are named without a ping in the matrix; the team too.
    expect(body).toContain('`@acme/ir-team`');
    expect(body).not.toMatch(/(^|[^`])@sec-alice/);
    expect(t.comms().labels).not.toContain('approvals::complete');
  });

  it('a tick by an approver with read access only approves for their group: box, label, audit comment and timeline agree', async () => {
    const t = await incident();
    t.clock.now = minutes(3);
    await t.tick('approve-blog-security', 'sec-alice');
    const comms = t.comms();
    expect(isTicked(comms.body, 'approve-blog-security')).toBe(true);
    expect(t.state().decisions['blog/security']).toMatchObject({ status: 'approved', by: 'sec-alice', at: '2026-11-22T10:03:00.000Z' });
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    expect(t.said('approval')).toHaveLength(1);
    expect(t.said('approval')[0]!.body).toContain('`@sec-alice` approved the **Blog post** (`blog`) for **Security** (`security`)');
    expect(t.said('approval')[0]!.body).toContain('ticked the box');
    expect(t.said('approval-refusal')).toHaveLength(0);
    expect(commentKinds(t.store, comms.ref).filter((k) => k === 'refusal')).toHaveLength(0);
    expect(t.timeline()).toContain(`- 2026-11-22T10:03:00Z · @sec-alice · approved the Blog post for Security (${formatRef(comms.ref)})`);
    // The status table in the comms ticket says who approved and when.
    expect(comms.body).toContain('### Approval status');
    expect(comms.body).toContain('✅ `@sec-alice`, 2026-11-22T10:03Z');
    // The person's part of the description is untouched; the master's too.
    expect(splitBody(t.master().body).rest).toBe('details');
    // Access and team membership came from the tracker.
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === '/repos/acme/security/collaborators/sec-alice/permission')).toBe(true);
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === '/orgs/acme/teams/ir-team/memberships/sec-alice')).toBe(true);

    // GitHub delivers the app's own write back as an edit by the bot: ignored, nothing is written.
    const writes = t.fake.requests.filter((r) => r.method !== 'GET').length;
    const previous = comms.body.replace(/- \[x\] (.*<!-- step:approve-blog-security -->)/, '- [ ] $1');
    await t.deliver('issues', githubEditPayload(t.project, comms, previous, 'incident-desk[bot]'));
    expect(t.fake.requests.filter((r) => r.method !== 'GET').length).toBe(writes);

    // Once every group of a deliverable approved, its label says approved.
    t.clock.now = minutes(5);
    await t.tick('approve-faq-security', 'sec-alice');
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    await t.tick('approve-faq-legal', 'law-dan');
    expect(isTicked(t.comms().body, 'approve-faq-security')).toBe(true);
    expect(isTicked(t.comms().body, 'approve-faq-legal')).toBe(true);
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::approved']);
    expect(t.said('approval')).toHaveLength(3);
    expect(t.said('approval').at(-1)!.body).toContain('**Support FAQ** is now: ✅ approved.');
    expect(t.timeline()).toContain('@law-dan · approved the Support FAQ for Legal');
  });

  it('a tick by a stranger, or by an approver of another group, is undone with a refusal naming who may approve', async () => {
    const t = await incident();
    const before = t.commentCount();
    await t.tick('approve-blog-legal', 'stranger');
    expect(isTicked(t.comms().body, 'approve-blog-legal')).toBe(false);
    expect(t.state().decisions['blog/legal']).toBeUndefined();
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    // One comment, the approval refusal: the box alone is no edit of the rest of the block.
    expect(t.commentCount()).toBe(before + 1);
    const refusal = t.said('approval-refusal');
    expect(refusal).toHaveLength(1);
    expect(refusal[0]!.body).toContain('@stranger');
    expect(refusal[0]!.body).toContain('**Legal** (`legal`): approvers `@law-dan`, `@pat`; back-ups `@law-eve`, `@law-fay`');
    expect(refusal[0]!.body).toContain('The box was unticked again to match.');
    expect(t.said('approval')).toHaveLength(0);
    expect(t.timeline()).not.toContain('stranger');

    // An approver of Security is nobody for Legal.
    await t.tick('approve-blog-legal', 'sec-alice');
    expect(isTicked(t.comms().body, 'approve-blog-legal')).toBe(false);
    expect(t.state().decisions['blog/legal']).toBeUndefined();
    expect(t.said('approval-refusal')).toHaveLength(2);
    expect(t.said('approval-refusal')[1]!.body).toContain('@sec-alice');
    expect(t.said('approval-refusal')[1]!.body).toContain('`@law-dan`');
  });

  it('/approve all by an approver of two groups, then by a member of the approving team, until everything is approved', async () => {
    const t = await incident();
    t.clock.now = minutes(10);
    await t.say('/approve all', 'pat');
    let comms = t.comms();
    for (const step of ['approve-blog-security', 'approve-blog-legal', 'approve-faq-security', 'approve-faq-legal']) expect(isTicked(comms.body, step)).toBe(true);
    expect(isTicked(comms.body, 'approve-blog-customer-success')).toBe(false);
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::approved']);
    // One comment for the one command, with an audited part per decision.
    expect(t.said('approval')).toHaveLength(1);
    expect(t.said('approval')[0]!.body.split('<!-- incident-desk:approval -->')).toHaveLength(5);
    expect(t.timeline()).toContain('@pat · approved the Blog post for Security');
    expect(t.timeline()).toContain('@pat · approved the Support FAQ for Legal');

    // A team member who is no collaborator at all: membership alone decides.
    t.clock.now = minutes(11);
    await t.say('/approve all', 'ir-joe');
    comms = t.comms();
    expect(isTicked(comms.body, 'approve-blog-investor-relations')).toBe(true);
    expect(t.state().decisions['blog/investor-relations']).toMatchObject({ status: 'approved', by: 'ir-joe' });
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === '/orgs/acme/teams/ir-team/memberships/ir-joe')).toBe(true);
    expect(t.timeline()).toContain('@ir-joe · approved the Blog post for Investor Relations');
    expect(t.said('approval-refusal')).toHaveLength(0);

    // Someone in neither list nor team changes nothing.
    await t.say('/approve all', 'stranger');
    expect(t.said('approval-refusal')).toHaveLength(1);
    expect(t.said('approval-refusal')[0]!.body).toContain('`@acme/ir-team`');
    expect(t.state().decisions['blog/customer-success']).toBeUndefined();

    t.clock.now = minutes(12);
    await t.say('/approve blog', 'cs-gil');
    comms = t.comms();
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::approved', 'approval::faq::approved', 'approvals::complete']);
    expect(t.timeline()).toContain('all communications approved or at quorum');

    // /revoke takes an approval back: box, label and completeness follow.
    await t.say('/revoke faq legal', 'pat');
    comms = t.comms();
    expect(isTicked(comms.body, 'approve-faq-legal')).toBe(false);
    expect(isTicked(comms.body, 'approve-faq-security')).toBe(true);
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::approved', 'approval::faq::pending']);
    expect(t.timeline()).toContain('@pat · revoked the approval of the Support FAQ for Legal');
  });

  it('the clock: /request-approvals by a writer, back-ups mentioned once after responseMinutes, quorum once at the cut-off', async () => {
    const t = await incident();
    // A reader who approves nothing may not start the clock.
    await t.say('/request-approvals', 'mallory');
    expect(t.state().requestedAt).toBeUndefined();
    expect(t.said('refusal')).toHaveLength(1);
    expect(t.said('refusal')[0]!.body).toContain('@mallory');

    await t.say('/request-approvals', 'alice');
    expect(Date.parse(t.state().requestedAt!)).toBe(T0.getTime());
    const request = t.said('approval-request');
    expect(request).toHaveLength(1);
    for (const who of ['@sec-alice', '@pat', '@law-dan', '@cs-gil', '@acme/ir-team']) expect(request[0]!.body).toContain(who);
    expect(request[0]!.body).toContain('**Cut-off: 2026-11-22T16:00:00Z**');
    expect(t.timeline()).toContain('@alice · requested approval of the communications (review started');

    // Security and Legal approve everything: the FAQ is approved, the blog post has 2 of its 4 required groups.
    t.clock.now = minutes(5);
    await t.say('/approve all', 'pat');
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::approved']);

    await t.sweep(minutes(20));
    expect(t.said('approval-ping')).toHaveLength(0);
    expect(t.state().pinged ?? []).toHaveLength(0);

    await t.sweep(minutes(31));
    const pings = t.said('approval-ping');
    expect(pings).toHaveLength(1);
    expect(pings[0]!.body).toContain('@cs-hana @cs-ivo');
    expect(pings[0]!.body).toContain('@ir-kim @ir-lou');
    expect(pings[0]!.body).not.toContain('@sec-bob');
    expect(pings[0]!.body).not.toContain('@law-eve');
    expect(t.state().pinged).toEqual(expect.arrayContaining(['blog/customer-success', 'blog/investor-relations']));
    expect(t.timeline()).toContain('back-ups of Customer Success engaged for Blog post');
    expect(t.comms().body).toContain('⏳ pending (back-ups asked)');

    const afterPing = t.commentCount();
    await t.sweep(minutes(40));
    await t.sweep(minutes(6 * 60 - 1));
    expect(t.commentCount()).toBe(afterPing);
    expect(t.said('approval-ping')).toHaveLength(1);
    expect(t.comms().labels).not.toContain('approval::blog::quorum');

    // The cut-off: 6 h after the request, as the severity is high by default.
    await t.sweep(minutes(6 * 60 + 1));
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::quorum', 'approval::faq::approved', 'approvals::complete']);
    expect(t.state().cutoff).toEqual({ blog: 'quorum' });
    const cutoff = t.said('approval-cutoff');
    expect(cutoff).toHaveLength(1);
    expect(cutoff[0]!.body).toContain('goes ahead at quorum: 2 of the required groups approved (Security, Legal)');
    expect(t.timeline()).toContain('cut-off: Blog post goes ahead at quorum');
    expect(t.comms().body).toContain('cut-off passed');

    const afterCutoff = t.commentCount();
    await t.sweep(minutes(6 * 60 + 5));
    await t.sweep(minutes(9 * 60));
    expect(t.commentCount()).toBe(afterCutoff);
    expect(t.said('approval-cutoff')).toHaveLength(1);
    expect(t.timeline().match(/cut-off: Blog post goes ahead at quorum/g)).toHaveLength(1);
  });

  it('a label set by hand by a stranger is put back, with a refusal naming who may approve', async () => {
    const t = await incident();
    await t.label('labeled', 'approval::blog::approved', 'stranger');
    const comms = t.comms();
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    expect(t.state().decisions).toEqual({});
    expect(isTicked(comms.body, 'approve-blog-security')).toBe(false);
    const refusal = t.said('approval-refusal');
    expect(refusal).toHaveLength(1);
    expect(refusal[0]!.body).toContain('@stranger');
    expect(refusal[0]!.body).toContain('The labels were put back to match.');
    expect(refusal[0]!.body).toContain('`@sec-alice`');
    expect(refusal[0]!.body).toContain('`@acme/ir-team`');
    expect(t.timeline()).not.toContain('stranger');

    // `quorum` is only ever set by the cut-off, even by an approver.
    await t.label('labeled', 'approval::faq::quorum', 'law-dan');
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    expect(t.said('approval-refusal')).toHaveLength(2);
  });

  it('a label set by hand by an approver decides for their group, like a tick', async () => {
    const t = await incident();
    await t.tick('approve-faq-security', 'sec-alice');
    t.clock.now = minutes(7);
    await t.label('labeled', 'approval::faq::approved', 'law-dan');
    const comms = t.comms();
    expect(isTicked(comms.body, 'approve-faq-legal')).toBe(true);
    expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::approved']);
    expect(t.said('approval').at(-1)!.body).toContain('with the label `approval::faq::approved`');
    expect(t.timeline()).toContain('- 2026-11-22T10:07:00Z · @law-dan · approved the Support FAQ for Legal');
  });

  // BUG (src/shell/github-app.ts, GITHUB_EVENTS): 'issues.unlabeled' is not subscribed, so the app never hears of a
  // removed approval label on GitHub and the put-back in src/shell/run-events.ts (syncApprovals) never runs there.
  it('an approval label removed by hand is put back from the boxes', async () => {
    const t = await incident();
    await t.tick('approve-blog-security', 'sec-alice');
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    const writes = t.fake.requests.filter((r) => r.method !== 'GET').length;
    await t.label('unlabeled', 'approval::blog::pending', 'stranger');
    expect(t.fake.requests.filter((r) => r.method !== 'GET').length).toBeGreaterThan(writes);
    expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
    expect(isTicked(t.comms().body, 'approve-blog-security')).toBe(true);
  });
});
