import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/core/block.js';
import type { Issue } from '../../src/core/model.js';
import { handleEvent } from '../../src/shell/handle-event.js';
import { sweepTracker } from '../../src/shell/run-events.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { commentKinds } from '../support/comments.js';
import { editEvent, issueEvent, noteEvent } from '../support/events.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const CONFIG = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
    customer-success: { name: Customer Success, approvers: [cs-gil], backups: [cs-hana, cs-ivo] }
    investor-relations: { name: Investor Relations, approvers: ["@acme/ir-team"], backups: [ir-kim, ir-lou] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal, customer-success, investor-relations], fyi: [] }
    faq: { name: Support FAQ, approve: [security, legal], fyi: [] }
  required: [security, legal, customer-success, investor-relations]
  quorum: 2
`;

async function incident() {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const tracker = new MemoryTracker(store);
  const project = store.addProject('acme/app', { visibility: 'private' });
  store.putFile('acme/app', '.gitlab/incident-desk.yml', CONFIG);
  store.setAccess('acme/app', 'alice', 'write');
  // Approvers need no write access to the project: only the approval rules decide their boxes.
  for (const reader of ['sec-alice', 'law-dan', 'mallory']) store.setAccess('acme/app', reader, 'read');
  store.addTeamMember('acme/ir-team', 'ir-joe');
  const source = store.seedIssue('acme/app', { title: 'Leak', body: 'details', labels: ['incident'], author: 'alice' });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  expect(await handleEvent(issueEvent(project, source), ctx)).toBe('done');
  const comms = (): Issue => store.allIssues('acme/app').find((i) => i.labels.includes('incident::comms'))!;
  const tick = async (stepId: string, actor: string, checked = true) => {
    const before = comms();
    const from = checked ? '- [ ]' : '- [x]';
    const to = checked ? '- [x]' : '- [ ]';
    const body = before.body.replace(new RegExp(`${from.replace(/[[\]]/g, '\\$&')} (.*<!-- step:${stepId} -->)`), `${to} $1`);
    expect(body).not.toBe(before.body);
    store.editIssue(before.ref, { body });
    return handleEvent(editEvent(project, comms(), before.body, actor), ctx);
  };
  const say = (body: string, actor: string) => handleEvent(noteEvent(project, comms(), body, actor), ctx);
  const state = () => trustedState(comms())!.approvals ?? { decisions: {} };
  const masterTimeline = () => {
    const master = store.issue(source.ref);
    const ids = trustedState(master)?.run?.timeline ?? [];
    return store.listComments(source.ref).filter((c) => ids.includes(c.id)).map((c) => c.body).join('\n');
  };
  const sweep = (at: Date) => sweepTracker(tracker, ctx, at);
  return { store, clock, project, comms, tick, say, state, masterTimeline, sweep, source, ctx };
}

const ticked = (issue: Issue, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(issue.body);

describe('approvals on the communications ticket', () => {
  it('a tick by an approver approves for their group: box, label, audit comment and master timeline agree', async () => {
    const t = await incident();
    expect(await t.tick('approve-blog-security', 'sec-alice')).toBe('done');
    expect(ticked(t.comms(), 'approve-blog-security')).toBe(true);
    expect(t.state().decisions['blog/security']).toMatchObject({ status: 'approved', by: 'sec-alice' });
    expect(t.comms().labels).toContain('approval::blog::pending');
    expect(commentKinds(t.store, t.comms().ref)).toContain('approval');
    expect(t.masterTimeline()).toContain('@sec-alice');
    expect(t.comms().body).toContain('### Approval status');
  });

  it('a tick by someone who is not an approver of that group is undone, naming who may approve', async () => {
    const t = await incident();
    await t.tick('approve-blog-legal', 'mallory');
    expect(ticked(t.comms(), 'approve-blog-legal')).toBe(false);
    expect(t.state().decisions['blog/legal']).toBeUndefined();
    const refusal = t.store.listComments(t.comms().ref).at(-1)!.body;
    expect(refusal).toContain('law-dan');
    await t.tick('approve-blog-legal', 'sec-alice');
    expect(ticked(t.comms(), 'approve-blog-legal')).toBe(false);
  });

  it('/approve all by an approver, a back-up and a team member; /revoke takes it back', async () => {
    const t = await incident();
    await t.say('/approve all', 'law-dan');
    expect(ticked(t.comms(), 'approve-blog-legal')).toBe(true);
    expect(ticked(t.comms(), 'approve-faq-legal')).toBe(true);
    await t.say('/approve faq', 'sec-bob');
    expect(t.comms().labels).toContain('approval::faq::approved');
    await t.say('/approve blog', 'ir-joe');
    expect(ticked(t.comms(), 'approve-blog-investor-relations')).toBe(true);
    await t.say('/revoke faq security', 'sec-carol');
    expect(t.comms().labels).toContain('approval::faq::pending');
    expect(ticked(t.comms(), 'approve-faq-security')).toBe(false);
  });

  it('a label set by hand that disagrees with the boxes is put back', async () => {
    const t = await incident();
    const before = t.comms();
    t.store.editIssue(before.ref, { labels: [...before.labels.filter((l) => !l.startsWith('approval::blog')), 'approval::blog::approved'] });
    await handleEvent(
      issueEvent(t.project, t.comms(), { action: 'labeled', addedLabels: ['approval::blog::approved'], actor: { username: 'mallory', id: 5, isBot: false } }),
      t.ctx,
    );
    expect(t.comms().labels).not.toContain('approval::blog::approved');
    expect(t.comms().labels).toContain('approval::blog::pending');
  });

  it('the clock: back-ups pinged once after the response time, quorum decided at the cut-off by the sweep', async () => {
    const t = await incident();
    t.clock.now = T0;
    await t.say('/request-approvals', 'mallory');
    expect(t.state().requestedAt).toBeUndefined();
    await t.say('/request-approvals', 'alice');
    expect(Date.parse(t.state().requestedAt!)).toBe(T0.getTime());
    await t.say('/approve blog', 'sec-alice');
    await t.say('/approve blog', 'law-dan');
    await t.sweep(minutes(20));
    expect(t.state().pinged ?? []).toHaveLength(0);
    await t.sweep(minutes(31));
    const pinged = t.state().pinged ?? [];
    expect(pinged).toContain('blog/customer-success');
    const comments = t.store.listComments(t.comms().ref).length;
    await t.sweep(minutes(40));
    expect(t.store.listComments(t.comms().ref)).toHaveLength(comments);
    // The cut-off (6 h for the default severity, high) passes while the app is down; the next sweep decides once.
    await t.sweep(minutes(9 * 60));
    expect(t.comms().labels).toContain('approval::blog::quorum');
    expect(t.state().cutoff?.blog).toBe('quorum');
    const afterCutoff = t.store.listComments(t.comms().ref).length;
    await t.sweep(minutes(9 * 60 + 5));
    expect(t.store.listComments(t.comms().ref)).toHaveLength(afterCutoff);
    expect(t.masterTimeline()).toContain('quorum');
  });
});
