import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { commentKinds, isKind } from '../support/comments.js';
import { editEvent, idOf, issueEvent, noteEvent } from '../support/events.js';

/**
 * Issue 11, case 4: on a tracker whose deliveries are not its word (GitLab: one shared hook token, nothing signed), who
 * acted, what a comment says and a project's visibility are asked of the tracker. Each scenario is a delivery an
 * attacker holding the hook's token could send; the in-memory tracker plays GitLab with `signedDeliveries: false`.
 */

const T0 = new Date('2026-11-22T10:00:00Z');
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
 * A GitLab incident opened in place in `visibility` `team/app`: alice a Developer, mallory and the approvers Reporters.
 */
async function incident(visibility: 'private' | 'public' = 'private') {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const tracker = new MemoryTracker(store, { signedDeliveries: false });
  const project = store.addProject('team/app', { visibility, files: { '.gitlab/incident-desk.yml': CONFIG } });
  store.setAccess('team/app', 'alice', 'write');
  for (const reporter of ['mallory', 'sec-alice', 'law-dan']) store.setAccess('team/app', reporter, 'triage');
  const source = store.seedIssue('team/app', { title: 'Leak', body: 'details', labels: ['incident'], author: 'alice' });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  expect(
    await handleEvent(
      issueEvent(project, source, { actor: { username: 'alice', id: idOf('alice'), isBot: false } }),
      ctx,
    ),
  ).toBe('done');
  const master = (): Issue => store.issue(source.ref);
  const comms = (): Issue => store.allIssues('team/app').find((i) => i.labels.includes('incident::comms'))!;
  const decisions = () => trustedState(comms())!.approvals?.decisions ?? {};
  /** A comment as the tracker holds it, by its real author, and the delivery that says who wrote what. */
  const post = (ticket: Issue, body: string, author: string) => store.createComment(ticket.ref, body, author);
  const deliverNote = (ticket: Issue, note: { id: number; body: string }, claimed: string) => {
    const event = noteEvent(project, ticket, note.body, claimed);
    return handleEvent({ ...event, comment: { ...event.comment, id: note.id } }, ctx);
  };
  const timeline = () =>
    (trustedState(master())?.run?.timeline ?? []).map((id) => store.comment(source.ref, id).body).join('\n');
  /** The delivery of an edit of the comms ticket that says `actor` made it, with the id the tracker knows them by. */
  const edited = (previousBody: string, actor: string) => ({
    ...editEvent(project, comms(), previousBody, actor),
    actor: { username: actor, id: store.userId(actor), isBot: false },
  });
  return { store, clock, ctx, project, source, master, comms, decisions, post, deliverNote, timeline, edited };
}

describe("GitLab deliveries are hints: what counts is the tracker's answer", () => {
  it(
    'a command counts for the author the tracker names, ' + 'in the text it holds, not for the name the delivery gives',
    async () => {
      const t = await incident();
      // mallory (no approver) comments; the forged delivery says the approver sec-alice wrote it.
      const forged = t.post(t.comms(), '/approve blog', 'mallory');
      expect(await t.deliverNote(t.comms(), forged, 'sec-alice')).toBe('done');
      expect(t.decisions()).toEqual({});
      const refusal = t.store.listComments(t.comms().ref).at(-1)!;
      expect(refusal.body).toContain('mallory');
      expect(refusal.body).not.toContain('@sec-alice approved');

      // A delivery that claims a command the comment does not hold, or a comment that is not on the issue, does
      // nothing.
      const chat = t.post(t.comms(), 'thanks, looking', 'sec-alice');
      const written = t.store.calls.length;
      expect(await t.deliverNote(t.comms(), { id: chat.id, body: '/approve blog' }, 'sec-alice')).toBe('not-a-trigger');
      expect(await t.deliverNote(t.comms(), { id: 424242, body: '/approve blog' }, 'sec-alice')).toBe('not-a-trigger');
      expect(t.store.calls.slice(written).filter((c) => c.operation !== 'getComment')).toEqual([]);
      expect(t.decisions()).toEqual({});

      // The approver's own comment approves.
      const real = t.post(t.comms(), '/approve blog', 'sec-alice');
      expect(await t.deliverNote(t.comms(), real, 'sec-alice')).toBe('done');
      expect(t.decisions()['blog/security']).toMatchObject({ status: 'approved', by: 'sec-alice' });
    },
  );

  it('a comment counts once: a replay under another delivery id, or a late one, changes nothing', async () => {
    const t = await incident();
    const real = t.post(t.master(), '/timeline called the reporter', 'alice');
    expect(await t.deliverNote(t.master(), real, 'alice')).toBe('done');
    expect(await t.deliverNote(t.master(), real, 'alice')).toBe('duplicate');
    t.clock.now = new Date(T0.getTime() + 31 * 60_000);
    const late = new MemoryTracker(t.store, { signedDeliveries: false });
    const fresh = await eventContext(late, 'incident-desk[bot]', () => t.clock.now);
    const event = noteEvent(t.project, t.master(), real.body, 'alice');
    expect(await handleEvent({ ...event, comment: { ...event.comment, id: real.id } }, fresh)).toBe('not-a-trigger');
    expect(t.timeline().split('called the reporter').length - 1).toBe(1);
  });

  it('an approval label counts for whoever the tracker says added it; one it cannot confirm is put back', async () => {
    const t = await incident();
    const before = t.comms();
    // mallory sets the label by hand; the forged delivery says the approver did.
    t.store.editIssue(
      before.ref,
      { labels: [...before.labels.filter((l) => !l.startsWith('approval::blog')), 'approval::blog::approved'] },
      'mallory',
    );
    await handleEvent(
      issueEvent(t.project, t.comms(), {
        action: 'labeled',
        addedLabels: ['approval::blog::approved'],
        actor: { username: 'sec-alice', id: idOf('sec-alice'), isBot: false },
      }),
      t.ctx,
    );
    expect(t.decisions()).toEqual({});
    expect(t.comms().labels).not.toContain('approval::blog::approved');
    expect(t.comms().labels).toContain('approval::blog::pending');
    // A delivery claiming a label that is not on the ticket decides nothing either.
    await handleEvent(
      issueEvent(
        t.project,
        { ...t.comms(), labels: [...t.comms().labels, 'approval::blog::approved'] },
        {
          action: 'labeled',
          addedLabels: ['approval::blog::approved'],
          actor: { username: 'sec-alice', id: idOf('sec-alice'), isBot: false },
        },
      ),
      t.ctx,
    );
    expect(t.decisions()).toEqual({});
  });

  it(
    'an edit counts only when the tracker records an edit by its sender: ' +
      'a forged tick of an approval box decides nothing',
    async () => {
      const t = await incident();
      const before = t.comms();
      const ticked = before.body.replace(/- \[ \] (?<step>.*<!-- step:approve-blog-security -->)/, '- [x] $<step>');
      // mallory saves the tick; the forged delivery says the approver did.
      t.store.editIssue(before.ref, { body: ticked }, 'mallory');
      expect(await handleEvent(t.edited(before.body, 'sec-alice'), t.ctx)).toBe('not-a-trigger');
      expect(t.decisions()).toEqual({});
      // mallory's own delivery is hers: the box is put back with a refusal naming her.
      await handleEvent(t.edited(before.body, 'mallory'), t.ctx);
      expect(t.decisions()).toEqual({});
      expect(t.comms().body).toContain('- [ ] ');
      expect(t.comms().body).not.toMatch(/- \[x\] .*<!-- step:approve-blog-security -->/);
      expect(t.store.listComments(t.comms().ref).at(-1)!.body).toContain('mallory');
    },
  );

  it(
    'a forged private visibility_level does not let incident content into a public issue: ' +
      "the project's visibility is the API's",
    async () => {
      const t = await incident('public');
      // Someone made the master of this public project readable by everyone.
      t.store.editIssue(t.source.ref, { confidential: false });
      const timelineBefore = t.timeline();
      const note = t.post(t.master(), '/timeline called the reporter', 'alice');
      const event = noteEvent(
        { ...t.project, visibility: 'private' },
        { ...t.master(), confidential: true },
        note.body,
        'alice',
      );
      expect(await handleEvent({ ...event, comment: { ...event.comment, id: note.id } }, t.ctx)).toBe('stopped');
      expect(t.timeline()).toBe(timelineBefore);
      expect(t.ctx.log.lines.map((l) => l.msg)).toContain('refused to write incident content to a public place');
      expect(commentKinds(t.store, t.source.ref).filter((k) => isKind(k, 'timeline'))).toHaveLength(1);
    },
  );
});
