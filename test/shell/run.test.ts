import { parseRef } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';
import { splitBody, trustedState, readTicketState } from '../../src/core/block.js';
import type { Issue } from '../../src/core/model.js';
import { handleEvent } from '../../src/shell/handle-event.js';
import { sweepTracker } from '../../src/shell/run-events.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import type { Tracker } from '../../src/tracker/port.js';
import { eventContext } from '../support/app-context.js';
import { editEvent, issueEvent, noteEvent } from '../support/events.js';
import { recordingTracker } from '../support/recording-tracker.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** A GitLab incident opened in place at T0, with alice (Developer) as reporter, bob (Developer) and mallory (Reporter). */
async function incident(options: { wrap?: (t: Tracker) => Tracker } = {}) {
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const clock = { now: T0 };
  const memory = new MemoryTracker(store);
  const tracker = options.wrap ? options.wrap(memory) : memory;
  const project = store.addProject('team/app', { visibility: 'private' });
  store.setAccess('team/app', 'alice', 'write');
  store.setAccess('team/app', 'bob', 'write');
  store.setAccess('team/app', 'mallory', 'triage');
  store.setAccess('team/app', 'maintainer', 'maintain');
  const source = store.seedIssue('team/app', { title: 'Heap overflow', body: 'details', labels: ['incident'], author: 'alice' });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  expect(await handleEvent(issueEvent(project, source), ctx)).toBe('done');
  const ref = source.ref;
  const master = (): Issue => store.issue(ref);
  const timeline = (): string => {
    const ids = trustedState(master())?.run?.timeline ?? [];
    return ids.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '').join('\n');
  };
  const comments = (marker: string) => store.listComments(ref).filter((c) => c.body.includes(`<!-- incident-desk:${marker} -->`));
  const edit = async (ticket: Issue, change: (body: string) => string, actor: string) => {
    const before = store.issue(ticket.ref);
    store.editIssue(ticket.ref, { body: change(before.body) });
    return handleEvent(editEvent(project, store.issue(ticket.ref), before.body, actor), ctx);
  };
  const tick = (stepId: string, actor: string, ticket: Issue = master()) =>
    edit(ticket, (body) => body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1'), actor);
  const say = (body: string, actor: string) => handleEvent(noteEvent(project, master(), body, actor), ctx);
  const sweep = (at: Date) => sweepTracker(tracker, ctx, at);
  return { store, clock, project, ref, master, timeline, comments, tick, edit, say, sweep, ctx };
}

const isTicked = (body: string, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(body);

describe('checklist tracking', () => {
  it('records who ticked which box, updates the progress and the phase label', async () => {
    const t = await incident();
    t.clock.now = minutes(3);
    expect(await t.tick('pick-deputy', 'bob')).toBe('done');
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(true);
    expect(t.master().body).toContain('1/40 steps done');
    expect(t.timeline()).toContain('- 2026-11-22T10:03:00Z · @bob · ticked "(IM) Choose a deputy incident manager');
    expect(t.master().labels).toContain('phase::before-t5');
  });

  it('undoes a tick by someone without write access, with one polite refusal', async () => {
    const t = await incident();
    await t.tick('pick-deputy', 'mallory');
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
    const refusals = t.comments('refusal');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.body).toContain('@mallory');
    expect(t.timeline()).not.toContain('mallory');
  });

  it('records a tick on a child ticket in the master\'s timeline, and undoes a refused one there', async () => {
    const t = await incident();
    const release = t.store.allIssues('team/app').find((i) => i.labels.includes('incident::release'))!;
    await t.tick('release-scope', 'bob', release);
    expect(isTicked(t.store.issue(release.ref).body, 'release-scope')).toBe(true);
    expect(t.timeline()).toMatch(new RegExp(`@bob · ticked ".*" on team/app#${release.ref.number}`));
    await t.tick('release-security-branch', 'mallory', t.store.issue(release.ref));
    expect(isTicked(t.store.issue(release.ref).body, 'release-security-branch')).toBe(false);
    expect(t.store.listComments(release.ref).filter((c) => c.body.includes('incident-desk:refusal'))).toHaveLength(1);
  });

  it('keeps both of two ticks made seconds apart while the app writes in between', async () => {
    let armed = true;
    const holder: { t?: Awaited<ReturnType<typeof incident>> } = {};
    const t = await incident({
      wrap: (inner) =>
        recordingTracker(inner, (call) => {
          // Bob ticks a second box after the app read the master and before its write lands.
          if (armed && holder.t && call.method === 'updateIssue') {
            armed = false;
            const { store, ref } = holder.t;
            const before = store.issue(ref).body;
            store.editIssue(ref, { body: before.replace(/- \[ \] (.*<!-- step:respond-reporter -->)/, '- [x] $1') });
            bobEdit = { before, after: store.issue(ref) };
          }
        }),
    });
    let bobEdit: { before: string; after: Issue } | undefined;
    holder.t = t;
    await t.tick('pick-deputy', 'alice');
    // The app's write raced Bob's tick; Bob's edit event arrives next and his tick is replayed.
    expect(bobEdit).toBeDefined();
    await handleEvent(editEvent(t.project, bobEdit!.after, bobEdit!.before, 'bob'), t.ctx);
    const body = t.master().body;
    expect(isTicked(body, 'pick-deputy')).toBe(true);
    expect(isTicked(body, 'respond-reporter')).toBe(true);
    expect(t.timeline()).toContain('@alice · ticked');
    expect(t.timeline()).toContain('@bob · ticked');
    expect(body).toContain('2/40 steps done');
  });
});

describe('commands', () => {
  it('/set validates, writes the Quick Links cell and records it; a bad value changes nothing', async () => {
    const t = await incident();
    expect(await t.say('/set cvss 9.8', 'alice')).toBe('done');
    expect(t.master().body).toContain('| CVSS Score: | 9.8 |');
    expect(t.timeline()).toContain('@alice · set CVSS Score to 9.8');
    const before = t.master().body;
    await t.say('/set disclosure-date 2026-02-30', 'alice');
    expect(t.master().body).toBe(before);
    expect(t.comments('invalid')).toHaveLength(1);
  });

  it('a disclosure date puts a date on every dated phase heading', async () => {
    const t = await incident();
    await t.say('/set disclosure 2026-12-10', 'bob');
    const body = t.master().body;
    expect(body).toContain('| Public Disclosure Date: | 2026-12-10 |');
    expect(body).toMatch(/### At T-5 · 2026-12-05 · 0\/\d+/);
    expect(body).toMatch(/### At T-1 · 2026-12-09/);
    expect(body).toMatch(/### On the day of public disclosure · 2026-12-10/);
    await t.say('/set disclosure 2026-12-20', 'bob');
    expect(t.master().body).toMatch(/### At T-5 · 2026-12-15/);
  });

  it('/cve, /na, /timeline and /severity', async () => {
    const t = await incident();
    await t.say('/cve CVE-2026-4242', 'alice');
    expect(t.master().labels).toContain('incident-id::CVE-2026-4242');
    await t.say('/na coordinate-parties no third party involved', 'alice');
    expect(t.master().body).toMatch(/- \[x\] .*~~.*~~ _\(not applicable: no third party involved\)_ <!-- step:coordinate-parties -->/);
    expect(t.master().body).toContain('1/40 steps done');
    await t.say('/timeline 2026-11-22T09:30:00Z Reporter first emailed security@', 'bob');
    await t.say('/severity high', 'alice');
    expect(t.master().labels).toContain('severity::high');
    await t.say('/severity medium', 'alice');
    expect(t.master().labels).toContain('severity::medium');
    expect(t.master().labels).not.toContain('severity::high');
    const lines = t.timeline().split('\n').filter((l) => l.startsWith('- '));
    const times = lines.map((l) => l.slice(2, 22));
    expect([...times].sort()).toEqual(times);
    expect(lines[0]).toContain('Reporter first emailed');
    expect(t.timeline()).toContain('recorded CVE-2026-4242');
    expect(t.timeline()).toContain('set severity to medium');
  });

  it('refuses a command from someone without write access; answers unknown commands with help', async () => {
    const t = await incident();
    const before = t.master().body;
    await t.say('/set cvss 10.0', 'mallory');
    expect(t.master().body).toBe(before);
    expect(t.comments('refusal')).toHaveLength(1);
    await t.say('/frobnicate', 'mallory');
    const help = t.store.listComments(t.ref).at(-1)!.body;
    expect(help).toContain('/set');
    expect(help).toContain('/sitrep');
  });
});

describe('sitreps, phase nudges and handoffs driven by the sweep', () => {
  it('reminds the Incident Manager once per missed sitrep window, and never twice after a restart', async () => {
    const t = await incident();
    await t.say('/severity high', 'alice');
    expect((await t.sweep(minutes(30))).fired).toBe(0);
    await t.sweep(minutes(61));
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
    expect(t.comments('sitrep-reminder')[0]!.body).toContain('@alice');
    await t.sweep(minutes(62));
    // A restarted app has fresh memory; the fired reminder is in the master's state.
    const restarted = await eventContext(new MemoryTracker(t.store), 'incident-desk[bot]', () => minutes(63));
    await sweepTracker(new MemoryTracker(t.store), restarted, minutes(63));
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
    t.clock.now = minutes(70);
    await t.say('/sitrep Status: contained\nResponders: @bob\nPatch in review.', 'alice');
    expect(t.comments('sitrep')).toHaveLength(1);
    await t.sweep(minutes(125));
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
    await t.sweep(minutes(131));
    expect(t.comments('sitrep-reminder')).toHaveLength(2);
  });

  it('nudges a phase whose date arrived with open steps, once, naming the owners', async () => {
    const t = await incident();
    await t.say('/set deputy @bob', 'alice');
    await t.say('/set disclosure-date 2026-11-26', 'alice');
    // T-5 is 2026-11-21: already due at T0; T-4 (11-22) too.
    await t.sweep(minutes(1));
    const nudges = t.comments('phase-nudge');
    expect(nudges.length).toBeGreaterThanOrEqual(2);
    expect(nudges[0]!.body).toContain('@alice');
    expect(nudges[0]!.body).toContain('@bob');
    await t.sweep(minutes(2));
    expect(t.comments('phase-nudge')).toHaveLength(nudges.length);
  });

  it('hands off the Incident Manager role on /accept, and reports an unanswered handoff once', async () => {
    const t = await incident();
    await t.say('/handoff @bob im', 'mallory');
    expect(t.comments('refusal')).toHaveLength(1);
    await t.say('/handoff @bob im', 'alice');
    expect(t.comments('handoff-requested')).toHaveLength(1);
    await t.say('/accept', 'bob');
    expect(t.master().body).toContain('| Incident Manager: | @bob |');
    expect(t.master().assignees).toContain('bob');
    expect(t.comments('handoff-done')).toHaveLength(1);
    // Mentions inside timeline text are broken: the timeline never pings anyone.
    expect(t.timeline()).toMatch(/@bob · took over as Incident Manager from @\u200balice/);

    await t.say('/handoff @alice deputy', 'maintainer');
    await t.sweep(minutes(59));
    expect(t.comments('handoff-expired')).toHaveLength(0);
    await t.sweep(minutes(61));
    await t.sweep(minutes(90));
    expect(t.comments('handoff-expired')).toHaveLength(1);
    expect(splitBody(t.master().body).rest).toBe('details');
  });

  it('records closes and reopens of the master', async () => {
    const t = await incident();
    // Every child closed first: the close guard keeps an incident with open tickets open.
    for (const child of readTicketState(t.master().body)?.children ?? []) t.store.editIssue(parseRef(child.ref)!, { state: 'closed' });
    t.store.editIssue(t.ref, { state: 'closed' });
    await handleEvent(issueEvent(t.project, t.master(), { action: 'closed', addedLabels: [], actor: { username: 'bob', id: 2, isBot: false } }), t.ctx);
    t.store.editIssue(t.ref, { state: 'open' });
    await handleEvent(issueEvent(t.project, t.master(), { action: 'reopened', addedLabels: [], actor: { username: 'alice', id: 3, isBot: false } }), t.ctx);
    expect(t.timeline()).toContain('@bob · closed the incident');
    expect(t.timeline()).toContain('@alice · reopened the incident');
  });

  it('the sweep on GitLab ignores a non-confidential look-alike master', async () => {
    const t = await incident();
    const fake = t.store.seedIssue('team/app', { title: 'fake', body: t.master().body, labels: t.master().labels, confidential: false });
    await t.say('/severity high', 'alice');
    const report = await t.sweep(minutes(61));
    expect(report.masters).toBe(2);
    expect(report.fired).toBe(1);
    expect(t.store.listComments(fake.ref)).toHaveLength(0);
  });
});

describe('out-of-order deliveries', () => {
  it('an older tick arriving after a newer untick does not re-tick the box', async () => {
    const t = await incident();
    // Alice ticks at 10:05, Bob unticks at 10:06; Bob's event is delivered first.
    const base = t.master();
    const ticked = base.body.replace(/- \[ \] (.*<!-- step:pick-deputy -->)/, '- [x] $1');
    t.store.editIssue(t.ref, { body: ticked });
    const aliceEvent = editEvent(t.project, { ...t.master(), updatedAt: '2026-11-22T10:05:00.000Z' }, base.body, 'alice');
    t.store.editIssue(t.ref, { body: base.body });
    const bobEvent = editEvent(t.project, { ...t.master(), updatedAt: '2026-11-22T10:06:00.000Z' }, ticked, 'bob');
    await handleEvent(bobEvent, t.ctx);
    await handleEvent(aliceEvent, t.ctx);
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
    expect(t.timeline()).toContain('@alice · ticked');
    expect(t.timeline()).toContain('@bob · unticked');
  });
});
