import { describe, expect, it } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import type { ApprovalState } from '../../src/kernel/ticket-state.js';
import type { Issue } from '../../src/kernel/model.js';
import { formatRef } from '../../src/kernel/model.js';
import { formatRfc3339 } from '../../src/kernel/time.js';
import { commentKinds } from '../support/comments.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT, tickFromTheSamePage, tickThenUntick } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { isTicked as boxTicked, minutes, T0, tickIn } from '../support/incident-setup.js';

// Approvals on the communications ticket, one scenario at a time, on every tracker: ticks of the approval boxes
// (description edits), commands (comments) and labels set by hand on the comms ticket. Who may decide for a group
// comes from the configuration and, for a group named by a team (GitHub `@org/team`) or a group path (GitLab), from
// the tracker's membership answer; the sweep pings back-ups and decides the cut-off.
//
// `pat` approves for Security and Legal, `law-dan` for Legal and Customer Success; Investor Relations is approved by
// the members of the team `acme/ir-team` (ir-joe, who has no access to the project at all). The approvers sec-alice,
// law-dan, pat and cs-gil, and the bystander mallory, may only read the project; alice and bob may write.

const approvalsConfig = (team: string) => `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice, pat], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan, pat], backups: [law-eve, law-fay] }
    customer-success: { name: Customer Success, approvers: [cs-gil, law-dan], backups: [cs-hana, cs-ivo] }
    investor-relations: { name: Investor Relations, approvers: [${team}], backups: [ir-kim, ir-lou] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal, customer-success, investor-relations], fyi: [] }
    faq: { name: Support FAQ, approve: [security, legal], fyi: [] }
  required: [security, legal, customer-success, investor-relations]
  quorum: 2
  responseMinutes: 30
`;

const TEAM = 'acme/ir-team';

/** When each deliverable's review was requested, as times. */
const requestedTimes = (state: ApprovalState) =>
  Object.fromEntries(Object.entries(state.requested ?? {}).map(([d, at]) => [d, Date.parse(at)]));

const isTicked = (issue: Issue, stepId: string) => boxTicked(issue.body, stepId);
const approvalLabelsOf = (issue: Issue) =>
  issue.labels.filter((l) => l.startsWith('approval::') || l === 'approvals::complete').sort();

async function approvalsIncident(harness: Harness, config = approvalsConfig(harness.traits.approverTeam)) {
  const reader = harness.traits.reader;
  const t = await harness.open({
    config,
    access: {
      alice: 'write',
      bob: 'write',
      mallory: reader,
      'sec-alice': reader,
      'law-dan': reader,
      pat: reader,
      'cs-gil': reader,
    },
    teams: { [TEAM]: ['ir-joe'] },
  });
  const comms = (): Issue => t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::comms'))!;
  expect(trustedState(comms())?.role).toBe('comms');
  if (t.traits.confidentialIssues) expect(comms().confidential).toBe(true);
  const state = (): ApprovalState => trustedState(comms())!.approvals ?? { decisions: {} };
  /** The app's comments on the comms ticket with `<!-- incident-desk:<marker> -->`. */
  const said = (marker: string) => t.comments(marker, comms());
  const commentCount = () => t.store.listComments(comms().ref).length;
  /** A person ticks a box of the comms ticket and saves. */
  const tick = (stepId: string, actor: string) => {
    const before = comms();
    expect(tickIn(before.body, stepId)).not.toBe(before.body);
    return t.tick(stepId, actor, before);
  };
  /** A person comments on the comms ticket. */
  const say = (body: string, actor: string) => t.say(body, actor, comms());
  /**
   * alice acknowledges the incident on the master, so that nothing escalates: she is its Incident Manager, or takes
   * the role where whoever labeled the report has no write access here.
   */
  const ack = () => t.say('/ack', 'alice');
  return { ...t, comms, state, said, commentCount, tick, say, ack };
}

/**
 * The plan's own shape: the media response has Corporate Communications as its DRI; the forum answer is approved by
 * Legal (its only required group) and Support (not required), the internal note by Support alone.
 */
const dri = (team: string) => `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
    customer-success: { name: Customer Success, approvers: [cs-gil], backups: [cs-hana, cs-ivo] }
    investor-relations: { name: Investor Relations, approvers: [${team}], backups: [ir-kim, ir-lou] }
    support: { name: Support, approvers: [sup-max] }
    corporate-comms: { name: Corporate Communications, approvers: [comms-ann], backups: [pr-ben, pr-cy] }
  deliverables:
    media:
      name: Media response
      approve: [security, legal, customer-success, investor-relations]
      fyi: [support]
      dri: corporate-comms
    forum: { name: Forum answer, approve: [legal, support], fyi: [corporate-comms] }
  required: [security, legal, customer-success, investor-relations]
  quorum: 2
`;

for (const harness of HARNESSES) {
  const incident = () => approvalsIncident(harness);

  describe(`approvals on the communications ticket (${harness.name})`, () => {
    it('renders the matrix from the configuration: one box per deliverable × group, none ticked', async () => {
      const t = await incident();
      const body = t.comms().body;
      for (const step of [
        'approve-blog-security',
        'approve-blog-legal',
        'approve-blog-customer-success',
        'approve-blog-investor-relations',
        'approve-faq-security',
        'approve-faq-legal',
      ]) {
        expect(body).toContain(`<!-- step:${step} -->`);
        expect(isTicked(t.comms(), step)).toBe(false);
      }
      expect(body).not.toContain('<!-- step:approve-faq-customer-success -->');
      // Approvers are named without a ping in the matrix; the team too.
      expect(body).toContain(`\`@${TEAM}\``);
      expect(body).not.toMatch(/(?:^|[^`])@sec-alice/);
      expect(t.comms().labels).not.toContain('approvals::complete');
    });

    it(
      'a tick by an approver who may only read approves for their group: ' +
        'box, label, audit comment and timeline agree',
      async () => {
        const t = await incident();
        t.clock.now = minutes(3);
        expectOutcome(t, await t.tick('approve-blog-security', 'sec-alice'), 'done');
        const comms = t.comms();
        expect(isTicked(comms, 'approve-blog-security')).toBe(true);
        expect(t.state().decisions['blog/security']).toMatchObject({
          status: 'approved',
          by: 'sec-alice',
          at: '2026-11-22T10:03:00.000Z',
        });
        // Three more groups approve the blog post: still pending.
        expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::pending']);
        expect(t.said('approval')).toHaveLength(1);
        expect(t.said('approval')[0]!.body).toContain(
          '`@sec-alice` approved the **Blog post** (`blog`) for **Security** (`security`)',
        );
        expect(t.said('approval')[0]!.body).toContain('ticked the box');
        expect(t.said('approval-refusal')).toHaveLength(0);
        expect(commentKinds(t.store, comms.ref).filter((k) => k === 'refusal')).toHaveLength(0);
        expect(t.timeline()).toContain(
          `- 2026-11-22T10:03:00Z · @sec-alice · approved the Blog post for Security (${formatRef(comms.ref)})`,
        );
        // The status table in the comms ticket says who approved and when, quietly.
        expect(comms.body).toContain('### Approval status');
        expect(comms.body).toContain('| Blog post | ✅ `@sec-alice`, 2026-11-22T10:03Z | ⏳ pending |');
        // The person's part of the description is untouched; the master's too.
        expect(splitBody(t.master().body).rest).toBe('details');
        // Access and team membership came from the tracker.
        expect(t.probe.accessAsked('sec-alice')).toBe(true);
        expect(t.probe.teamAsked(TEAM, 'sec-alice')).toBe(true);

        // The tracker delivers the app's own write back as an edit by the app: ignored, nothing is written.
        const writes = t.probe.writes();
        const previous = comms.body.replace(/- \[x\] (?<step>.*<!-- step:approve-blog-security -->)/, '- [ ] $<step>');
        await t.deliverEdit(comms, previous, t.bot);
        expect(t.probe.writes()).toBe(writes);

        // Once every group of a deliverable approved, its label says approved.
        t.clock.now = minutes(5);
        await t.tick('approve-faq-security', 'sec-alice');
        expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
        await t.tick('approve-faq-legal', 'law-dan');
        expect(isTicked(t.comms(), 'approve-faq-security')).toBe(true);
        expect(isTicked(t.comms(), 'approve-faq-legal')).toBe(true);
        expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::approved']);
        expect(t.said('approval')).toHaveLength(3);
        expect(t.said('approval').at(-1)!.body).toContain('**Support FAQ** is now: ✅ approved.');
        expect(t.timeline()).toContain('@law-dan · approved the Support FAQ for Legal');
      },
    );

    it(
      'a tick by someone who is not an approver of that group is undone, ' + 'with a refusal naming who may approve',
      async () => {
        const t = await incident();
        const before = t.commentCount();
        expectOutcome(t, await t.tick('approve-blog-legal', 'stranger'), 'done');
        expect(isTicked(t.comms(), 'approve-blog-legal')).toBe(false);
        expect(t.state().decisions['blog/legal']).toBeUndefined();
        expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
        // One comment, the approval refusal: the box alone is no edit of the rest of the block.
        expect(t.commentCount()).toBe(before + 1);
        const refusal = t.said('approval-refusal');
        expect(refusal).toHaveLength(1);
        expect(refusal[0]!.body).toContain('@stranger');
        expect(refusal[0]!.body).toContain(
          '**Legal** (`legal`): approvers `@law-dan`, `@pat`; back-ups `@law-eve`, `@law-fay`',
        );
        expect(refusal[0]!.body).toContain('The box was unticked again to match.');
        expect(t.said('approval')).toHaveLength(0);
        expect(t.timeline()).not.toContain('stranger');
        expect(t.comms().body).not.toMatch(/- \[x\] .*<!-- step:approve-/);

        // Someone who may read the project is no approver either.
        await t.tick('approve-blog-legal', 'mallory');
        expect(isTicked(t.comms(), 'approve-blog-legal')).toBe(false);
        expect(t.said('approval-refusal').at(-1)!.body).toContain('law-dan');

        // An approver of Security is nobody for Legal.
        await t.tick('approve-blog-legal', 'sec-alice');
        expect(isTicked(t.comms(), 'approve-blog-legal')).toBe(false);
        expect(t.state().decisions['blog/legal']).toBeUndefined();
        expect(t.said('approval-refusal')).toHaveLength(3);
        expect(t.said('approval-refusal')[2]!.body).toContain('@sec-alice');
        expect(t.said('approval-refusal')[2]!.body).toContain('`@law-dan`');
      },
    );

    it(
      '/approve all by an approver of two groups, ' +
        'then by a member of the approving team, until everything is approved',
      async () => {
        const t = await incident();
        t.clock.now = minutes(10);
        await t.say('/approve all', 'pat');
        let comms = t.comms();
        for (const step of ['approve-blog-security', 'approve-blog-legal', 'approve-faq-security', 'approve-faq-legal'])
          expect(isTicked(comms, step)).toBe(true);
        expect(isTicked(comms, 'approve-blog-customer-success')).toBe(false);
        expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::approved']);
        // One comment for the one command, with an audited part per decision.
        expect(t.said('approval')).toHaveLength(1);
        expect(t.said('approval')[0]!.body.split('<!-- incident-desk:approval -->')).toHaveLength(5);
        expect(t.timeline()).toContain('@pat · approved the Blog post for Security');
        expect(t.timeline()).toContain('@pat · approved the Support FAQ for Legal');

        // A team member who has no access to the project at all: membership alone decides.
        t.clock.now = minutes(11);
        await t.say('/approve all', 'ir-joe');
        comms = t.comms();
        expect(isTicked(comms, 'approve-blog-investor-relations')).toBe(true);
        expect(t.state().decisions['blog/investor-relations']).toMatchObject({ status: 'approved', by: 'ir-joe' });
        expect(t.probe.teamAsked(TEAM, 'ir-joe')).toBe(true);
        expect(t.timeline()).toContain('@ir-joe · approved the Blog post for Investor Relations');
        expect(t.said('approval-refusal')).toHaveLength(0);

        // Someone in neither list nor team changes nothing.
        await t.say('/approve all', 'stranger');
        expect(t.said('approval-refusal')).toHaveLength(1);
        expect(t.said('approval-refusal')[0]!.body).toContain(`\`@${TEAM}\``);
        expect(t.state().decisions['blog/customer-success']).toBeUndefined();

        t.clock.now = minutes(12);
        await t.say('/approve blog', 'cs-gil');
        comms = t.comms();
        expect(approvalLabelsOf(comms)).toEqual([
          'approval::blog::approved',
          'approval::faq::approved',
          'approvals::complete',
        ]);
        expect(t.timeline()).toContain('all communications approved or at quorum');

        // /revoke takes an approval back: box, label and completeness follow.
        await t.say('/revoke faq legal', 'pat');
        comms = t.comms();
        expect(isTicked(comms, 'approve-faq-legal')).toBe(false);
        expect(isTicked(comms, 'approve-faq-security')).toBe(true);
        expect(approvalLabelsOf(comms)).toEqual(['approval::blog::approved', 'approval::faq::pending']);
        expect(t.timeline()).toContain('@pat · revoked the approval of the Support FAQ for Legal');
      },
    );

    it(
      '/approve by a back-up and by a member of the approving team; ' +
        'write access makes nobody an approver; /revoke by a back-up',
      async () => {
        const t = await incident();
        expectOutcome(t, await t.say('/approve all', 'law-dan'), 'done');
        for (const box of ['approve-blog-legal', 'approve-blog-customer-success', 'approve-faq-legal'])
          expect(isTicked(t.comms(), box)).toBe(true);
        expect(isTicked(t.comms(), 'approve-blog-security')).toBe(false);
        // One comment for the one command, however many decisions it made.
        expect(t.said('approval')).toHaveLength(1);
        expect(t.timeline()).toContain('@law-dan · approved the Blog post for Customer Success');
        expect(t.timeline()).toContain('@law-dan · approved the Support FAQ for Legal');

        await t.say('/approve faq', 'sec-bob');
        expect(t.comms().labels).toContain('approval::faq::approved');
        expect(t.comms().labels).not.toContain('approval::faq::pending');

        // ir-joe has no access to the project, only membership of the team that approves for Investor Relations.
        await t.say('/approve blog', 'ir-joe');
        expect(isTicked(t.comms(), 'approve-blog-investor-relations')).toBe(true);
        expect(t.state().decisions['blog/investor-relations']).toMatchObject({ status: 'approved', by: 'ir-joe' });
        expect(t.probe.teamAsked(TEAM, 'ir-joe')).toBe(true);
        // Write access makes nobody an approver.
        await t.say('/approve blog security', 'bob');
        expect(isTicked(t.comms(), 'approve-blog-security')).toBe(false);
        expect(t.said('approval-refusal')).toHaveLength(1);
        expect(t.said('approval-refusal')[0]!.body).toContain('sec-alice');

        await t.say('/revoke faq security', 'sec-carol');
        expect(t.comms().labels).toContain('approval::faq::pending');
        expect(isTicked(t.comms(), 'approve-faq-security')).toBe(false);
        expect(t.timeline()).toContain('@sec-carol · revoked the approval of the Support FAQ for Security');
      },
    );

    it(
      'the clock: /request-approvals by a writer, ' +
        'back-ups mentioned once after responseMinutes, quorum once at the cut-off',
      async () => {
        const t = await incident();
        // A reader who approves nothing may not start the clock.
        await t.say('/request-approvals', 'mallory');
        expect(t.state().requested).toBeUndefined();
        expect(t.said('refusal')).toHaveLength(1);
        expect(t.said('refusal')[0]!.body).toContain('@mallory');
        expect(t.said('refusal')[0]!.body).toContain(t.traits.requiredAccess);

        await t.say('/request-approvals', 'alice');
        expect(requestedTimes(t.state())).toEqual({ blog: T0.getTime(), faq: T0.getTime() });
        const request = t.said('approval-request');
        expect(request).toHaveLength(1);
        for (const who of ['@sec-alice', '@pat', '@law-dan', '@cs-gil', `@${TEAM}`])
          expect(request[0]!.body).toContain(who);
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
        expect(approvalLabelsOf(t.comms())).toEqual([
          'approval::blog::quorum',
          'approval::faq::approved',
          'approvals::complete',
        ]);
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
      },
    );

    it('the sweep reads the communications ticket again only when its review can be due or changed', async () => {
      // Acknowledged, and sitreps every ten hours (issue 13): only the review's clocks come due.
      const t = await approvalsIncident(
        harness,
        `${approvalsConfig(harness.traits.approverTeam)}sitrepMinutes: { high: 600 }\n`,
      );
      await t.ack();
      expectOutcome(t, await t.say('/request-approvals', 'bob'), 'done');
      // A listing after the request reads the ticket: the back-ups are due at 30 minutes.
      expect(await t.sweep(minutes(20))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(25))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(31))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(await t.sweep(minutes(32))).toEqual({ masters: 1, fired: 0, completed: 0 });
      // Nothing due before the cut-off at 6 h: the next listings (the safety interval's) do not read the ticket again.
      const masterReads = t.probe.masterReads();
      expect(await t.sweep(minutes(100))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(170))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(t.probe.masterReads()).toBe(masterReads);
      // A change on the incident: the next listing reads it again.
      t.clock.now = minutes(171);
      await t.say('/approve faq', 'sec-alice');
      expect(t.probe.masterReads()).toBeGreaterThan(masterReads);
      const afterEvent = { reads: t.probe.masterReads(), requests: t.probe.requestCount() };
      expect(await t.sweep(minutes(172))).toEqual({ masters: 1, fired: 0, completed: 0 });
      // Nothing of the review is due: the listing reads the communications ticket alone, not the master (issue 15).
      expect(t.probe.masterReads()).toBe(afterEvent.reads);
      const issueReads = t.probe
        .workShapes(afterEvent.requests)
        .filter((s) => /^(getIssue |GET .*\/issues\/N$)/.test(s));
      expect(issueReads).toHaveLength(1);
      // The cut-off fires at the first sweep after it, once.
      expect(await t.sweep(minutes(6 * 60 + 1))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.said('approval-cutoff')).toHaveLength(1);
    });

    it(
      'the clock passes the cut-off while the app is down: ' +
        'the next sweep decides once, at quorum or by the Incident Manager',
      async () => {
        const t = await incident();
        // The incident was acknowledged: only the approval clock fires in this story (no escalation).
        await t.ack();
        expectOutcome(t, await t.say('/request-approvals', 'bob'), 'done');
        expect(requestedTimes(t.state())).toEqual({ blog: T0.getTime(), faq: T0.getTime() });
        const request = t.said('approval-request');
        expect(request).toHaveLength(1);
        expect(request[0]!.body).toContain('@sec-alice');
        expect(request[0]!.body).toContain('@law-dan');
        expect(request[0]!.body).toContain('**Cut-off: 2026-11-22T16:00:00Z**');
        expect(t.timeline()).toContain('@bob · requested approval of the communications');

        t.clock.now = minutes(5);
        await t.say('/approve blog', 'sec-alice');
        await t.say('/approve blog', 'law-dan');
        expect(await t.sweep(minutes(20))).toEqual({ masters: 1, fired: 0, completed: 0 });
        expect(t.state().pinged ?? []).toHaveLength(0);
        expect(t.said('approval-ping')).toHaveLength(0);

        expect(await t.sweep(minutes(31))).toEqual({ masters: 1, fired: 1, completed: 0 });
        expect(t.state().pinged ?? []).toEqual(
          expect.arrayContaining(['blog/investor-relations', 'faq/security', 'faq/legal']),
        );
        expect(t.state().pinged ?? []).not.toContain('blog/security');
        const pings = t.said('approval-ping');
        expect(pings).toHaveLength(1);
        for (const backup of ['@ir-kim', '@ir-lou', '@sec-bob', '@sec-carol', '@law-eve', '@law-fay'])
          expect(pings[0]!.body).toContain(backup);
        expect(pings[0]!.body).not.toContain('@cs-hana');
        expect(t.timeline()).toContain('back-ups of Investor Relations engaged for Blog post');
        const comments = t.commentCount();
        expect(await t.sweep(minutes(40))).toEqual({ masters: 1, fired: 0, completed: 0 });
        expect(t.commentCount()).toBe(comments);

        // The cut-off (6 h for the default severity, high) passes while the app is down; the next sweep decides once.
        expect(t.comms().labels).toContain('approval::blog::pending');
        expect(await t.sweep(minutes(9 * 60))).toEqual({ masters: 1, fired: 1, completed: 0 });
        expect(t.comms().labels).toContain('approval::blog::quorum');
        expect(t.comms().labels).not.toContain('approval::blog::pending');
        expect(t.state().cutoff).toEqual({ blog: 'quorum', faq: 'escalated' });
        expect(t.said('approval-cutoff')).toHaveLength(1);
        // The FAQ has no approval: the Incident Manager (alice) is asked to decide.
        expect(t.said('approval-cutoff')[0]!.body).toContain('@alice');
        const afterCutoff = t.commentCount();
        expect(await t.sweep(minutes(9 * 60 + 5))).toEqual({ masters: 1, fired: 0, completed: 0 });
        expect(t.commentCount()).toBe(afterCutoff);
        expect(t.comms().labels.filter((l) => l.startsWith('approval::blog::'))).toEqual(['approval::blog::quorum']);
        expect(t.timeline()).toContain('cut-off: Blog post goes ahead at quorum');
      },
    );

    it(
      'a label set by hand by someone who may not decide is put back, ' + 'with a refusal naming who may approve',
      async () => {
        const t = await incident();
        expectOutcome(t, await t.addLabel(t.comms(), 'approval::blog::approved', 'stranger'), 'done');
        const comms = t.comms();
        expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::pending']);
        expect(t.state().decisions).toEqual({});
        expect(isTicked(comms, 'approve-blog-security')).toBe(false);
        const refusal = t.said('approval-refusal');
        expect(refusal).toHaveLength(1);
        expect(refusal[0]!.body).toContain('@stranger');
        expect(refusal[0]!.body).toContain('The labels were put back to match.');
        expect(refusal[0]!.body).toContain('`@sec-alice`');
        expect(refusal[0]!.body).toContain(`\`@${TEAM}\``);
        expect(t.timeline()).not.toContain('stranger');

        // `quorum` is only ever set by the cut-off, even by an approver.
        await t.addLabel(t.comms(), 'approval::faq::quorum', 'law-dan');
        expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
        expect(t.said('approval-refusal')).toHaveLength(2);
      },
    );

    it('a label set by hand by an approver decides for their group, like a tick', async () => {
      const t = await incident();
      await t.tick('approve-faq-security', 'sec-alice');
      t.clock.now = minutes(7);
      await t.addLabel(t.comms(), 'approval::faq::approved', 'law-dan');
      const comms = t.comms();
      expect(isTicked(comms, 'approve-faq-legal')).toBe(true);
      expect(approvalLabelsOf(comms)).toEqual(['approval::blog::pending', 'approval::faq::approved']);
      expect(t.said('approval').at(-1)!.body).toContain('with the label `approval::faq::approved`');
      expect(t.timeline()).toContain('- 2026-11-22T10:07:00Z · @law-dan · approved the Support FAQ for Legal');
    });

    it("an approver's label decides only for their group: the labels then say what the state says", async () => {
      const t = await incident();
      await t.addLabel(t.comms(), 'approval::faq::approved', 'law-dan');
      expect(t.state().decisions['faq/legal']).toMatchObject({ status: 'approved', by: 'law-dan' });
      expect(isTicked(t.comms(), 'approve-faq-legal')).toBe(true);
      expect(t.comms().labels).toContain('approval::faq::pending');
      expect(t.comms().labels).not.toContain('approval::faq::approved');
      expect(t.timeline()).toContain('@law-dan · approved the Support FAQ for Legal');
    });

    it('an approval label removed by hand is put back from the boxes', async () => {
      const t = await incident();
      await t.tick('approve-blog-security', 'sec-alice');
      expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
      const writes = t.probe.writes();
      await t.removeLabel(t.comms(), 'approval::blog::pending', 'stranger');
      expect(t.probe.writes()).toBeGreaterThan(writes);
      expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::pending', 'approval::faq::pending']);
      expect(isTicked(t.comms(), 'approve-blog-security')).toBe(true);
    });

    it('keeps both of two approval ticks saved from the same page and delivered concurrently', async () => {
      const t = await incident();
      // Both ticked on the same page; law-dan saved last, so the tracker holds his version (and records both edits).
      await tickFromTheSamePage(t, t.comms(), ['sec-alice', 'approve-faq-security'], ['law-dan', 'approve-faq-legal']);
      expect(isTicked(t.comms(), 'approve-faq-security')).toBe(true);
      expect(isTicked(t.comms(), 'approve-faq-legal')).toBe(true);
      expect(t.comms().labels).toContain('approval::faq::approved');
      expect(t.said('approval')).toHaveLength(2);
      expect(t.timeline()).toContain('@sec-alice · approved the Support FAQ for Security');
      expect(t.timeline()).toContain('@law-dan · approved the Support FAQ for Legal');
    });

    it(
      'an older approval tick delivered after a newer untick ' +
        'does not approve again (the edit times the tracker sends)',
      async () => {
        const t = await incident();
        // sec-alice ticks at 10:05 and unticks at 10:06; the tracker delivers the untick first.
        const { tick, untick } = tickThenUntick(t, t.comms(), 'approve-faq-security', 'sec-alice', 'sec-alice');
        await t.deliverEdit(untick.saved, untick.before, 'sec-alice');
        await t.deliverEdit(tick.saved, tick.before, 'sec-alice');
        expect(t.state().decisions['faq/security']).toBeUndefined();
        expect(isTicked(t.comms(), 'approve-faq-security')).toBe(false);
      },
    );

    it(
      'a review clock per deliverable, its cut-off counted from the start of drafting: ' +
        'each ping and each cut-off fired once, across restarts',
      async () => {
        const t = await incident();
        // Only people with write access say when drafting started: it moves the cut-off.
        await t.say('/drafting', 'law-dan');
        expect(t.state().drafting).toBeUndefined();
        expect(t.said('refusal').at(-1)!.body).toContain('record when drafting started');

        t.clock.now = minutes(30);
        await t.say('/drafting', 'alice');
        expect(t.state().drafting).toEqual({ at: '2026-11-22T10:30:00.000Z', via: 'command', by: 'alice' });
        expect(t.said('approval-drafting')).toHaveLength(1);
        expect(t.said('approval-drafting')[0]!.body).toContain('2026-11-22T16:30:00Z');
        expect(t.timeline()).toContain(
          '@alice · drafting of the communications started at 2026-11-22T10:30:00Z (cut-off 2026-11-22T16:30:00Z)',
        );

        // The blog post's draft is ready first: its review alone starts, its cut-off counted from drafting.
        t.clock.now = minutes(90);
        await t.say('/request-approvals blog', 'alice');
        expect(requestedTimes(t.state())).toEqual({ blog: minutes(90).getTime() });
        const request = t.said('approval-request');
        expect(request).toHaveLength(1);
        expect(request[0]!.body).toContain('**Cut-off: 2026-11-22T16:30:00Z** (6 hours after drafting started at');
        expect(request[0]!.body).toContain('recorded by `@alice`');
        expect(request[0]!.body).toContain('@cs-gil');
        expect(t.comms().body).toContain(
          '| Support FAQ | ⏳ pending | ⏳ pending | — | — | ⏳ pending | review not requested |',
        );

        // Security and Legal approve the blog post.
        t.clock.now = minutes(95);
        await t.say('/approve blog', 'pat');
        await t.restart();

        // The master's own sitrep reminder is due by now (the incident runs as high until assessed): only the
        // approval pings are counted here.
        await t.sweep(minutes(119));
        expect(t.said('approval-ping')).toHaveLength(0);
        await t.sweep(minutes(120));
        let pings = t.said('approval-ping');
        expect(pings).toHaveLength(1);
        // Only the groups that have not decided the blog post, and nothing about the FAQ nobody asked for.
        for (const backup of ['@cs-hana', '@cs-ivo', '@ir-kim', '@ir-lou']) expect(pings[0]!.body).toContain(backup);
        for (const backup of ['@sec-bob', '@law-eve']) expect(pings[0]!.body).not.toContain(backup);
        expect(pings[0]!.body).not.toContain('Support FAQ');
        expect(t.state().pinged).toEqual(['blog/customer-success', 'blog/investor-relations']);

        await t.restart();
        const afterBlogPing = t.commentCount();
        await t.sweep(minutes(121));
        expect(t.commentCount()).toBe(afterBlogPing);

        // Later every review is asked for: the FAQ's clock starts now, the blog post's stays.
        t.clock.now = minutes(200);
        await t.say('/request-approvals', 'alice');
        expect(requestedTimes(t.state())).toEqual({ blog: minutes(90).getTime(), faq: minutes(200).getTime() });
        expect(t.said('approval-request').at(-1)!.body).toContain('asking again does not move the cut-off');
        await t.sweep(minutes(229));
        expect(t.said('approval-ping')).toHaveLength(1);
        await t.sweep(minutes(230));
        pings = t.said('approval-ping');
        expect(pings).toHaveLength(2);
        for (const backup of ['@sec-bob', '@sec-carol', '@law-eve', '@law-fay'])
          expect(pings[1]!.body).toContain(backup);
        expect(pings[1]!.body).not.toContain('Blog post');

        // The cut-off, 6 h after drafting started (not after either request), while the app restarts.
        await t.restart();
        await t.sweep(minutes(30 + 6 * 60 - 1));
        expect(t.said('approval-cutoff')).toHaveLength(0);
        await t.sweep(minutes(30 + 6 * 60));
        const cutoff = t.said('approval-cutoff');
        expect(cutoff).toHaveLength(1);
        expect(cutoff[0]!.body).toContain('goes ahead at quorum: 2 of the required groups approved (Security, Legal)');
        expect(cutoff[0]!.body).toContain('**Support FAQ** (`faq`) cannot go ahead');
        expect(t.state().cutoff).toEqual({ blog: 'quorum', faq: 'escalated' });
        expect(t.state().outcomeAt).toEqual({
          blog: { quorum: minutes(390).toISOString() },
          faq: { escalated: minutes(390).toISOString() },
        });
        expect(approvalLabelsOf(t.comms())).toEqual(['approval::blog::quorum', 'approval::faq::pending']);

        await t.restart();
        const afterCutoff = t.commentCount();
        await t.sweep(minutes(30 + 6 * 60 + 5));
        await t.sweep(minutes(12 * 60));
        expect(t.commentCount()).toBe(afterCutoff);
        expect(t.timeline().match(/cut-off: Blog post goes ahead at quorum/g)).toHaveLength(1);
        expect(t.timeline().match(/cut-off: Support FAQ escalated/g)).toHaveLength(1);
        expect(t.timeline().match(/back-ups of Customer Success engaged/g)).toHaveLength(1);
      },
    );

    it(
      'a comms ticket of an earlier version, with one clock for all: every deliverable reads as requested then, ' +
        'its cut-off unmoved, each ping and cut-off fired once across a restart',
      async () => {
        const t = await incident();
        t.clock.now = minutes(10);
        await t.say('/approve blog', 'pat');
        // The state as the app wrote it before clocks per deliverable: one `requestedAt`, no start of drafting.
        t.plantState(t.comms(), (s) => ({
          ...s,
          approvals: { ...s.approvals!, requestedAt: minutes(20).toISOString() },
        }));
        expect(t.state().requested).toBeUndefined();
        expect(t.state().drafting).toBeUndefined();
        await t.restart();

        await t.sweep(minutes(49));
        expect(t.said('approval-ping')).toHaveLength(0);
        await t.sweep(minutes(50));
        const pings = t.said('approval-ping');
        expect(pings).toHaveLength(1);
        // Both deliverables were requested by the single clock: the back-ups of every group without a decision.
        for (const backup of ['@cs-hana', '@ir-kim', '@sec-bob', '@law-eve']) expect(pings[0]!.body).toContain(backup);
        expect([...(t.state().pinged ?? [])].sort()).toEqual([
          'blog/customer-success',
          'blog/investor-relations',
          'faq/legal',
          'faq/security',
        ]);
        // The status table counts each deliverable's cut-off from that clock, as it was announced.
        expect(t.comms().body).toContain('_Drafting started 2026-11-22T10:20:00Z (when the review started)');

        // Asking again starts no new clock: the old one stands for every deliverable.
        t.clock.now = minutes(100);
        await t.say('/request-approvals faq', 'alice');
        expect(t.said('approval-request').at(-1)!.body).toContain('asking again does not move the cut-off');
        expect(t.state().requested).toBeUndefined();
        expect(t.state().drafting).toBeUndefined();

        await t.sweep(minutes(20 + 6 * 60 - 1));
        expect(t.said('approval-cutoff')).toHaveLength(0);
        await t.sweep(minutes(20 + 6 * 60));
        const cutoff = t.said('approval-cutoff');
        expect(cutoff).toHaveLength(1);
        expect(cutoff[0]!.body).toContain('goes ahead at quorum: 2 of the required groups approved (Security, Legal)');
        expect(cutoff[0]!.body).toContain('**Support FAQ** (`faq`) cannot go ahead');
        expect(t.state().cutoff).toEqual({ blog: 'quorum', faq: 'escalated' });

        await t.restart();
        const after = t.commentCount();
        await t.sweep(minutes(20 + 6 * 60 + 5));
        expect(t.commentCount()).toBe(after);
      },
    );

    it("nobody records the start of drafting: the cut-off counts from the comms ticket's creation", async () => {
      const t = await incident();
      const opened = Date.parse(t.comms().createdAt);
      const cutoffAt = opened + 6 * 60 * 60_000;
      // The blog post's review starts two hours after the ticket was opened: its cut-off is still 6 h after that.
      t.clock.now = new Date(opened + 120 * 60_000);
      await t.say('/request-approvals blog', 'alice');
      const request = t.said('approval-request');
      expect(request[0]!.body).toContain(`**Cut-off: ${formatRfc3339(cutoffAt)}**`);
      expect(request[0]!.body).toContain('when this ticket was opened');
      await t.sweep(new Date(cutoffAt - 60_000));
      expect(t.said('approval-cutoff')).toHaveLength(0);
      await t.sweep(new Date(cutoffAt));
      expect(t.said('approval-cutoff')).toHaveLength(1);
      expect(t.state().cutoff).toEqual({ blog: 'escalated' });
    });

    it('the drafting step ticked by a writer starts drafting; by someone who may only read, it is undone', async () => {
      const t = await incident();
      t.clock.now = minutes(3);
      await t.tick('comms-drafting-started', 'mallory');
      expect(isTicked(t.comms(), 'comms-drafting-started')).toBe(false);
      expect(t.state().drafting).toBeUndefined();
      t.clock.now = minutes(12);
      await t.tick('comms-drafting-started', 'bob');
      expect(isTicked(t.comms(), 'comms-drafting-started')).toBe(true);
      expect(t.state().drafting).toMatchObject({ via: 'step', by: 'bob' });
      expect(Date.parse(t.state().drafting!.at)).toBe(minutes(12).getTime());
      expect(t.said('approval-drafting').at(-1)!.body).toContain('ticked by `@bob`');
      expect(t.comms().body).toContain(
        '_Drafting started 2026-11-22T10:12:00Z (ticked by `@bob`); cut-off 2026-11-22T16:12:00Z',
      );
      // The review step starts every review; the cut-off is the drafting's.
      t.clock.now = minutes(60);
      await t.tick('comms-ready-for-review', 'bob');
      expect(requestedTimes(t.state())).toEqual({ blog: minutes(60).getTime(), faq: minutes(60).getTime() });
      expect(t.said('approval-request')[0]!.body).toContain('**Cut-off: 2026-11-22T16:12:00Z**');
    });

    it(
      'the quorum counts among the required groups that approve a deliverable; ' +
        'the DRI is shown in the matrix and mentioned when its review starts',
      async () => {
        const t = await approvalsIncident(harness, dri(harness.traits.approverTeam));
        const body = t.comms().body;
        expect(body).toContain(
          'DRI (owns the text and its publication, and is told when its review starts): Corporate Communications ' +
            '(`@comms-ann`)',
        );
        expect(body).toContain(
          'At the cut-off it goes ahead only once its one required group (Legal) approved: fewer than the quorum of ' +
            '2 approve it.',
        );
        expect(body).toContain('At the cut-off it goes ahead once 2 of its 4 required groups');
        expect(body).toMatch(/\| Media response \|(?: ⏳ pending \|){4} FYI \| DRI \|/);

        await t.say('/request-approvals media', 'alice');
        const request = t.said('approval-request');
        expect(request[0]!.body).toContain('its DRI is **Corporate Communications** (`corporate-comms`)');
        expect(request[0]!.body).toContain('@comms-ann');
        await t.say('/request-approvals forum', 'alice');
        expect(t.said('approval-request')[1]!.body).not.toContain('@comms-ann');

        // Legal approves the forum answer; Support does not answer. Legal is its only required group: enough.
        t.clock.now = minutes(10);
        await t.say('/approve forum', 'law-dan');
        await t.sweep(minutes(6 * 60));
        expect(t.state().cutoff).toEqual({ media: 'escalated', forum: 'quorum' });
        expect(t.comms().labels).toContain('approval::forum::quorum');
        expect(t.said('approval-cutoff')[0]!.body).toContain(
          '**Forum answer** (`forum`) goes ahead at quorum: 1 of the required groups approved (Legal)',
        );
      },
    );
  });
}
