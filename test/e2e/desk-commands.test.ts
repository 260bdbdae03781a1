import { describe, expect, it } from 'vitest';
import { expectOutcome, HARNESSES } from '../support/harness.js';

/**
 * Issue 16, point 7: every command also as `/desk <command> …`, on every tracker and through the real server on the
 * fakes. On GitLab the prefix is what keeps a comment from GitLab's own `/severity` and `/timeline` quick actions.
 */
describe.each(HARNESSES)('$name: /desk commands', (harness) => {
  it('runs a prefixed command exactly as the command itself, and answers `/desk` alone with the help', async () => {
    const t = await harness.open();
    expectOutcome(t, await t.say('/desk severity high', 'alice'), 'done');
    expect(t.master().labels).toContain('severity::high');
    expectOutcome(t, await t.say('/desk timeline 2026-11-22T09:58:00Z Exploit seen\nin the logs', 'alice'), 'done');
    expect(t.timeline()).toMatch(/2026-11-22T09:58:00Z · @alice · Exploit seen/);
    await t.say('/desk', 'mallory');
    const help = t.store.listComments(t.ref).at(-1)!.body;
    expect(help).toContain('/desk <command> [arguments]');
    expect(help).toContain('/severity [high\\|medium\\|low]');
  });
});

/**
 * GitLab's own `/severity` quick action on the master (an issue of type Incident): GitLab carries it out itself and
 * never delivers the comment (system notes send no hook either); it delivers an Issue Hook whose `changes.severity`
 * says what was set, and records a system note ("changed the severity to **Low - S4**") naming who did. The app follows
 * that change as if `/severity` had been given to it, by the person GitLab names, with their access.
 */
describe.each(HARNESSES.filter((h) => h.traits.trackerSeverity))(
  '$name: GitLab sets the severity itself',
  (harness) => {
    const open = () => harness.open({ access: { alice: 'write', mallory: harness.traits.reader } });
    const severityOf = (t: { master(): { labels: string[] } }) =>
      t.master().labels.filter((l) => l.startsWith('severity::'));

    it("the incident's severity follows GitLab's, for someone with write access only", async () => {
      const t = await open();
      expect(severityOf(t)).toEqual([]);
      expectOutcome(t, await t.setTrackerSeverity('low', 'alice'), 'done');
      expect(severityOf(t)).toEqual(['severity::low']);
      expect(t.timeline()).toMatch(/@alice · set severity to low/);
      // GitLab's S1 and S2 are both the highest level the app knows.
      expectOutcome(t, await t.setTrackerSeverity('critical', 'alice'), 'done');
      expect(severityOf(t)).toEqual(['severity::high']);
      // Someone who may only read: GitLab let them, the app does not follow, and says why.
      await t.setTrackerSeverity('medium', 'mallory');
      expect(severityOf(t)).toEqual(['severity::high']);
      expect(t.store.listComments(t.ref).at(-1)!.body).toContain(t.traits.requiredAccess);
      // The field cleared (`unknown`) changes nothing.
      expectOutcome(t, await t.setTrackerSeverity('unknown', 'alice'), 'not-a-trigger');
      expect(severityOf(t)).toEqual(['severity::high']);
    });

    it('a delivery naming someone GitLab does not record as having set the severity changes nothing', async () => {
      const t = await open();
      const comments = t.store.listComments(t.ref).length;
      // mallory set it; the delivery (the hook's token is shared) claims alice did.
      expectOutcome(t, await t.setTrackerSeverity('low', 'mallory', 'alice'), 'not-a-trigger');
      expect(severityOf(t)).toEqual([]);
      expect(t.store.listComments(t.ref)).toHaveLength(comments);
    });
  },
);
