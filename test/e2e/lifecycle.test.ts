import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import { parseRef } from '../../src/kernel/model.js';
import type { AccessLevel, Issue } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';
import { minutes } from '../support/incident-setup.js';

// The whole incident as the seeds run it (issue 13), written once and run on every tracker: the in-memory one, the
// fake GitHub and the fake GitLab through the real server. Triage and acknowledgement (seed 003), the roles and their
// handoffs, the conclusion. Each incident is opened in place at T0 in the private `acme/security`; whoever labels the
// report (`t.labeledBy`) has write access unless a scenario says otherwise.

/** An app comment that pings `user`: their name after `@`, not inside a code span and not broken by the app. */
const pings = (body: string, user: string) => new RegExp(`(?:^|[^\\w\`@/])@${user}\\b`).test(body);

/**
 * The reporter filed the issue with the trigger label; alice, of the security team, takes the label off and puts it
 * back: on GitLab, whose hooks the app does not take at their word, the tracker then answers that alice declared it.
 */
const labelAgainAsAlice = (store: MemoryStore, source: Issue) => {
  store.editIssue(source.ref, { labels: [] }, 'reporter');
  store.editIssue(source.ref, { labels: ['incident'] }, 'alice');
};

/** Every comment the app wrote on the master, as text. */
const appComments = (t: IncidentWorld) =>
  t.store
    .listComments(t.ref)
    .filter((c) => c.author === t.bot)
    .map((c) => c.body);

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`triage and roles (${harness.name})`, () => {
    it(
      'the First Responder is the Incident Manager, the reporter has a row of their own and is never pinged by ' +
        'reminders (contradiction 1)',
      async () => {
        const t = await harness.open({ author: 'reporter', beforeTrigger: labelAgainAsAlice });
        const master = t.master();
        // Seed 003: whoever declared it with write access leads until a handoff; the author is the reporter.
        expect(master.body).toContain(`| Incident Manager: | @${t.labeledBy} |`);
        expect(master.body).toContain('| Reporter: | `@reporter` |');
        expect(master.body).toContain('| Communications Officer: | _not set_ |');
        expect(master.labels).toContain('status::investigating');
        const summary = t.comments('summary')[0]!.body;
        expect(pings(summary, t.labeledBy)).toBe(true);
        expect(summary).toContain('`/ack`');
        expect(summary).toContain('initial situation report with `/sitrep`');
        expect(t.timeline()).toContain('Incident Manager (First Responder');

        // An hour and more without a sitrep nor an acknowledgement: the reminders reach the Incident Manager only.
        await t.sweep(minutes(11));
        await t.sweep(minutes(61));
        expect(t.comments('escalation')).toHaveLength(2);
        expect(t.comments('sitrep-reminder')).toHaveLength(1);
        for (const body of [...t.comments('escalation'), ...t.comments('sitrep-reminder')].map((c) => c.body))
          expect(pings(body, t.labeledBy)).toBe(true);
        for (const body of appComments(t)) expect(pings(body, 'reporter')).toBe(false);
      },
    );

    it('whoever labels without write access is no Incident Manager; the first /ack takes the role', async () => {
      const reader: AccessLevel = traits.reader;
      const t = await harness.open({
        author: 'reporter',
        access: { alice: reader, 'security-lead': reader, bob: 'write', mallory: reader, maintainer: 'maintain' },
      });
      expect(t.master().body).toContain('| Incident Manager: | _not set_ |');
      expect(t.comments('summary')[0]!.body).toContain('no Incident Manager');
      expect(t.timeline()).toContain('nobody with write access declared the incident');
      t.clock.now = minutes(4);
      expectOutcome(t, await t.say('/ack', 'bob'), 'done');
      expect(t.master().body).toContain('| Incident Manager: | @bob |');
      expect(t.master().assignees).toContain('bob');
      expect(t.comments('ack')[0]!.body).toContain('is now the **Incident Manager**');
      expect(trustedState(t.master())?.run?.ack).toEqual({ by: 'bob', at: '2026-11-22T10:04:00Z' });
    });

    it(
      'without an acknowledgement the app escalates to the escalation list once per window, across a restart, and ' +
        'stops at /ack',
      async () => {
        const t = await harness.open({ config: 'escalation: { high: [ciso, sec-director] }\n' });
        expect(await t.sweep(minutes(9))).toEqual({ masters: 1, fired: 0, completed: 0 });
        expect(await t.sweep(minutes(10))).toEqual({ masters: 1, fired: 1, completed: 0 });
        const [first] = t.comments('escalation');
        expect(pings(first!.body, 'ciso')).toBe(true);
        expect(pings(first!.body, 'sec-director')).toBe(true);
        expect(pings(first!.body, t.labeledBy)).toBe(true);
        expect(first!.body).toContain('high (not assessed yet)');
        expect(t.timeline()).toContain('escalated: not acknowledged within 10 minutes');
        // Fired once: not again in the same window, nor after a restart (the state is in the master).
        expect(await t.sweep(minutes(12))).toEqual({ masters: 1, fired: 0, completed: 0 });
        await t.restart();
        expect(await t.sweep(minutes(15))).toEqual({ masters: 1, fired: 0, completed: 0 });
        expect(t.comments('escalation')).toHaveLength(1);
        // The next window escalates again.
        await t.sweep(minutes(21));
        expect(t.comments('escalation')).toHaveLength(2);
        expect(t.timeline()).toContain('escalated: not acknowledged within 20 minutes');
        // A tick of the Incident Manager acknowledges: nothing escalates any more.
        t.clock.now = minutes(25);
        await t.tick('pick-deputy', t.labeledBy);
        expect(trustedState(t.master())?.run?.ack?.by).toBe(t.labeledBy);
        expect(t.timeline()).toContain('acknowledged the incident (first action of the Incident Manager)');
        await t.sweep(minutes(45));
        expect(t.comments('escalation')).toHaveLength(2);
      },
    );

    it('the sweep lists nothing until the acknowledgement is due, then escalates at the sweep at it', async () => {
      const t = await harness.open();
      expect(await t.sweep(minutes(1))).toEqual({ masters: 1, fired: 0, completed: 0 });
      const quiet = t.probe.requestCount();
      for (const at of [3, 6, 9]) expect(await t.sweep(minutes(at))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(t.probe.requestCount()).toBe(quiet);
      expect(await t.sweep(minutes(10))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.comments('escalation')).toHaveLength(1);
    });

    it('/severity shows the rubric; until assessed it is run as high; setting one tells its list once', async () => {
      const t = await harness.open({ config: 'escalation: { high: [ciso], low: [team-lead] }\n' });
      await t.say('/ack', t.labeledBy);
      // Nobody assessed it: a sitrep is due hourly, and the reminder asks for the severity too.
      await t.sweep(minutes(61));
      const reminder = t.comments('sitrep-reminder');
      expect(reminder).toHaveLength(1);
      expect(reminder[0]!.body).toContain('No severity was assessed yet');
      expect(reminder[0]!.body).toContain('every hour');

      // The rubric, for anyone who can read the master.
      await t.say('/severity', 'mallory');
      const rubric = t.comments('severity-rubric');
      expect(rubric).toHaveLength(1);
      for (const piece of ['**High**', '**Medium**', '**Low**', 'continuous', 'during business hours'])
        expect(rubric[0]!.body).toContain(piece);

      t.clock.now = minutes(70);
      await t.say('/severity low', 'bob');
      await t.say('/severity high', 'bob');
      await t.say('/severity low', 'bob');
      const told = t.comments('severity-informed');
      expect(told).toHaveLength(2);
      expect(pings(told[0]!.body, 'team-lead')).toBe(true);
      expect(pings(told[1]!.body, 'ciso')).toBe(true);
      expect(told[1]!.body).toContain('every 30 minutes');
      expect(t.master().labels).toContain('severity::low');
    });

    it('/status moves the status label; /sitrep carries the status, the roles and the reporter', async () => {
      const t = await harness.open({ author: 'reporter', beforeTrigger: labelAgainAsAlice });
      await t.say('/status', 'mallory');
      expect(t.comments('status')[0]!.body).toContain('The status is **investigating**');
      await t.say('/status confirmed', t.labeledBy);
      expect(t.master().labels).toContain('status::confirmed');
      expect(t.master().labels).not.toContain('status::investigating');
      await t.say('/status contained', 'bob');
      expect(t.master().labels).toContain('status::contained');
      expect(t.master().labels.filter((l) => l.startsWith('status::'))).toEqual(['status::contained']);
      expect(t.timeline()).toContain('@bob · set status to contained');
      await t.say('/set deputy @bob', t.labeledBy);
      await t.say('/sitrep Fence fixed.\nImpact: two hens\nResponders: @bob\nNext steps: watch the gate', t.labeledBy);
      const sitrep = t.comments('sitrep')[0]!.body;
      expect(sitrep).toContain('- **Status:** contained');
      expect(sitrep).toContain('- **Reporter:** `@reporter`');
      expect(sitrep).toContain('- **Deputy:** `@bob`');
      expect(sitrep).toContain('#### Impact');
      expect(sitrep).toContain('#### Next steps');
    });

    it(
      'the handoff ceremony: the incoming holder shares the sitrep noting it, the outgoing stays available; the ' +
        'Communications Officer has a row and a handoff of its own (contradiction 2)',
      async () => {
        const t = await harness.open();
        const first = t.labeledBy;
        await t.say('/handoff @bob im', first);
        t.clock.now = minutes(5);
        await t.say('/accept', 'bob');
        const done = t.comments('handoff-done')[0]!.body;
        // The incoming holder is asked for the sitrep that notes the handoff, the outgoing one to stay available.
        expect(done).toMatch(/- @bob: you hold the role from now on\. Share a situation report/);
        expect(done).toContain(`- @${first}: stay available for the next 15–20 minutes (until 2026-11-22T10:25:00Z)`);
        expect(done).not.toMatch(new RegExp(`@${first}: please post`));
        await t.say('/sitrep Briefed by the previous Incident Manager.', 'bob');
        const sitrep = t.comments('sitrep')[0]!.body;
        expect(sitrep).toContain(`- **Handoff:** \`@bob\` took over as Incident Manager from \`@${first}\``);
        expect(t.timeline()).toContain('@bob · posted a situation report noting the handoff');
        // Only the first report after the handoff notes it.
        await t.say('/sitrep Still on it.', 'bob');
        expect(t.comments('sitrep')[1]!.body).not.toContain('**Handoff:**');

        // The Incident Manager designates the Communications Officer; the role has its own Quick Links row.
        await t.say('/handoff @alice co', 'mallory');
        expect(t.comments('refusal')).toHaveLength(1);
        await t.say('/handoff @alice co', 'bob');
        await t.say('/accept', 'alice');
        expect(t.master().body).toContain('| Communications Officer: | @alice |');
        expect(t.master().body).toContain('| Incident Manager: | @bob |');
        expect(t.master().assignees).toContain('bob');
        expect(t.timeline()).toContain('@alice · took over as Communications Officer from @\u200bbob');
        await t.say('/sitrep Comms drafts under way.', 'alice');
        const co = t.comments('sitrep')[2]!.body;
        expect(co).toContain('- **Handoff:** `@alice` took over as Communications Officer from `@bob`');
        expect(co).toContain('- **Communications Officer:** `@alice`');
        expect(co).toContain('- **Incident Manager:** @bob');
      },
    );

    it('/false-alarm closes the master and its tickets with a note, without the close guard', async () => {
      const t = await harness.open();
      await t.say('/task @bob acme/security Check the logs', t.labeledBy);
      const children = (trustedState(t.master())?.children ?? []).map((c) => parseRef(c.ref)!);
      const task = t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::task'))!;
      t.clock.now = minutes(20);
      await t.say('/false-alarm the traffic was our own load test', t.labeledBy);
      expect(t.master().state).toBe('closed');
      expect(t.master().labels).toContain('status::false-alarm');
      expect(t.comments('close-guard')).toHaveLength(0);
      const note = t.comments('false-alarm');
      expect(note).toHaveLength(1);
      expect(note[0]!.body).toContain('our own load test');
      for (const ref of [...children, task.ref]) {
        const issue = t.store.issue(ref);
        expect(issue.state).toBe('closed');
        const notes = t.comments('false-alarm', issue);
        expect(notes).toHaveLength(1);
        // Only the identifier: nothing of the reason reaches the tickets.
        expect(notes[0]!.body).not.toContain('load test');
      }
      expect(t.timeline()).toContain('concluded the incident as a false alarm and closed 3 tickets');
    });
  });

  describe(`the incident report (${harness.name})`, () => {
    it(
      'resolving posts the report once, with figures computed from the timeline and a Mermaid diagram; /report ' +
        'previews it; closing after does not post it again, also after a restart',
      async () => {
        const t = await harness.open({ author: 'reporter', beforeTrigger: labelAgainAsAlice });
        const im = t.labeledBy;
        // A preview before anything happened: the figures say why they cannot be given, no number is made up.
        await t.say('/report', 'mallory');
        const preview = t.comments('report-preview')[0]!.body;
        expect(preview).toContain('a preview');
        expect(preview).toContain('| Time to acknowledge | not acknowledged | nobody used `/ack` |');
        expect(preview).toContain(
          '| Time to discovery | unknown | when the incident became active is not known: record it with ' +
            '`/set detected <time>` |',
        );
        expect(preview).toContain('| Time to contain | not yet |');
        expect(t.comments('report')).toHaveLength(0);

        t.clock.now = minutes(4);
        await t.say('/ack', im);
        await t.say('/set detected 2026-11-22T08:00:00Z', im);
        t.clock.now = minutes(6);
        await t.say('/severity medium', im);
        t.clock.now = minutes(30);
        await t.say('/status contained', im);
        await t.say('/handoff @bob', im);
        await t.say('/accept', 'bob');
        await t.say('/sitrep Took over; the fence holds.', 'bob');
        t.clock.now = minutes(90);
        await t.say('/status resolved', 'bob');

        const reports = t.comments('report');
        expect(reports).toHaveLength(1);
        const report = reports[0]!.body;
        expect(report).toContain('the report of its resolution');
        expect(report).toContain('| Time to acknowledge | 4 min |');
        // The report was filed at T0, the incident active since 08:00: two hours to discovery.
        expect(report).toContain('| Time to discovery | 2 h |');
        expect(report).toContain('| Time to contain | 30 min |');
        expect(report).toContain('| Time to resolve | 1 h 30 min |');
        expect(report).toContain('| Time from report to disclosure | not disclosed |');
        expect(report).toContain('```mermaid\ngantt');
        expect(report).toContain('section Status');
        expect(report).toContain('section Incident Manager');
        expect(report).toContain(`| 2026-11-22T10:30:00Z | Incident Manager | \`@${im}\` | \`@bob\` |`);
        expect(report).toContain('- Posted: 1\n');
        expect(report).toContain('**Cause analysis**');
        expect(report).toContain('- First: 2026-11-22T10:00:00Z');
        for (const body of appComments(t)) expect(pings(body, 'reporter')).toBe(false);
        expect(t.timeline()).toContain('posted the incident report');

        // Closing the resolved incident: the close summary, not a second report; nor after a restart.
        await t.restart();
        t.clock.now = minutes(95);
        await t.change(t.master(), { state: 'closed' }, 'bob');
        await t.sweep(minutes(200));
        expect(t.comments('report')).toHaveLength(1);
      },
    );

    it('closing an incident nobody resolved posts the report of its closing', async () => {
      const t = await harness.open();
      await t.say('/ack', t.labeledBy);
      t.clock.now = minutes(10);
      await t.change(t.master(), { state: 'closed' }, t.labeledBy);
      // The release and communications tickets are open: the close guard keeps the master open, and no report yet.
      expect(t.master().state).toBe('open');
      expect(t.comments('report')).toHaveLength(0);
      for (const child of trustedState(t.master())?.children ?? [])
        await t.change(t.store.issue(parseRef(child.ref)!), { state: 'closed' }, t.labeledBy);
      await t.change(t.master(), { state: 'closed' }, t.labeledBy);
      expect(t.master().state).toBe('closed');
      const reports = t.comments('report');
      expect(reports).toHaveLength(1);
      expect(reports[0]!.body).toContain('the report of its closing');
      expect(reports[0]!.body).toContain(
        '| Time to resolve | not yet | closed without `/status resolved` or `/false-alarm` |',
      );
    });

    it('postMortem: issue opens the report as a confidential post-mortem ticket, linked from Quick Links', async () => {
      const t = await harness.open({ config: 'postMortem: issue\n' });
      const im = t.labeledBy;
      await t.say('/ack', im);
      t.clock.now = minutes(30);
      await t.say('/status resolved', im);
      const tickets = t.store
        .allIssues(INCIDENT_PROJECT)
        .filter((i) => i.title.includes('Post-mortem') && i.labels.includes('incident::task'));
      expect(tickets).toHaveLength(1);
      const ticket = tickets[0]!;
      expect(ticket.confidential || t.project.visibility === 'private').toBe(true);
      expect(ticket.assignees).toEqual([im]);
      expect(ticket.body).toContain('### Incident report');
      expect(ticket.body).toContain('| Time to resolve | 30 min |');
      expect(ticket.body).toContain('```mermaid');
      const ref = `${ticket.ref.project}#${ticket.ref.number}`;
      expect(t.master().body).toContain(`| Post-mortem: | ${ref} |`);
      const note = t.comments('report');
      expect(note).toHaveLength(1);
      expect(note[0]!.body).toContain(`post-mortem ticket ${ref}`);
      expect(note[0]!.body).not.toContain('Response figures');
      // Tracked like a /task: closing the master waits for it (seed 004: every action item resolved first).
      for (const child of trustedState(t.master())?.children ?? [])
        await t.change(t.store.issue(parseRef(child.ref)!), { state: 'closed' }, im);
      await t.change(t.master(), { state: 'closed' }, im);
      expect(t.master().state).toBe('open');
      expect(t.comments('close-guard').at(-1)!.body).toContain(ref);
      // Once: the close that follows the ticket's does not open another.
      await t.change(t.store.issue(ticket.ref), { state: 'closed' }, im);
      await t.change(t.master(), { state: 'closed' }, im);
      expect(t.master().state).toBe('closed');
      expect(t.store.allIssues(INCIDENT_PROJECT).filter((i) => i.title.includes('Post-mortem'))).toHaveLength(1);
      expect(t.comments('report')).toHaveLength(1);
    });

    it('the close guard also lists open checklist steps of due phases; closeGuard: false turns it off', async () => {
      for (const guard of [true, false]) {
        const t = await harness.open(guard ? {} : { config: 'closeGuard: false\n' });
        await t.say('/ack', t.labeledBy);
        // T-5 is today: "Earlier than T-5" is due.
        await t.say('/set disclosure-date 2026-11-27', t.labeledBy);
        for (const child of trustedState(t.master())?.children ?? [])
          await t.change(t.store.issue(parseRef(child.ref)!), { state: 'closed' }, t.labeledBy);
        await t.tick('pick-deputy', t.labeledBy);
        await t.change(t.master(), { state: 'closed' }, t.labeledBy);
        if (!guard) {
          expect(t.master().state).toBe('closed');
          expect(t.comments('close-guard')).toHaveLength(0);
          continue;
        }
        expect(t.master().state).toBe('open');
        const body = t.comments('close-guard')[0]!.body;
        expect(body).toContain('checklist steps of phases that are due');
        expect(body).toContain('- Earlier than T-5 (due 2026-11-22): (IM) Acknowledge the report');
        expect(body).not.toContain('`pick-deputy`');
        expect(body).not.toContain('At T-4');
        expect(t.timeline()).toMatch(
          /tried to close the incident with \d+ open checklist steps of due phases; reopened/,
        );
      }
    });

    it('"Earlier than T-5" is dated and due at T-5, nudged once like the dated phases (contradiction 7)', async () => {
      const t = await harness.open();
      await t.say('/ack', t.labeledBy);
      await t.say('/severity low', t.labeledBy);
      await t.say('/set disclosure-date 2026-11-28', t.labeledBy);
      expect(t.master().body).toContain('### Earlier than T-5 · 2026-11-23 ·');
      await t.sweep(minutes(60));
      expect(t.comments('phase-nudge')).toHaveLength(0);
      await t.sweep(minutes(24 * 60));
      // Due the same day as "At T-5": each is nudged once.
      const nudges = t.comments('phase-nudge');
      expect(nudges).toHaveLength(2);
      expect(nudges.filter((c) => c.body.includes('Earlier than T-5'))).toHaveLength(1);
      await t.sweep(minutes(25 * 60));
      expect(t.comments('phase-nudge').filter((c) => c.body.includes('Earlier than T-5'))).toHaveLength(1);
    });

    it('the release ticket is dated from the disclosure date, deadlines nudged once (contradiction 7)', async () => {
      const t = await harness.open();
      await t.say('/ack', t.labeledBy);
      await t.say('/severity low', t.labeledBy);
      const releaseRef = parseRef(trustedState(t.master())!.children!.find((c) => c.role === 'release')!.ref)!;
      const release = () => t.store.issue(releaseRef);
      expect(release().body).toContain('### Day one · 0/');
      // Disclosure on Friday 2026-11-27: day one is Tuesday 2026-11-24, day four the disclosure day.
      await t.say('/set disclosure-date 2026-11-27', t.labeledBy);
      expect(release().body).toMatch(/### Day one · 2026-11-24 · \d+\/\d+/);
      expect(release().body).toMatch(/### Day four, before 12:00 UTC · 2026-11-27 · \d+\/\d+/);
      await t.tick('release-merge-patches', 'bob', release());
      expect(release().body).toMatch(/- \[x\] .*<!-- step:release-merge-patches -->/);
      // Moved: dated again, the tick kept.
      await t.say('/set disclosure-date 2026-11-28', t.labeledBy);
      expect(release().body).toMatch(/### Day one · 2026-11-25 · \d+\/\d+/);
      expect(release().body).toMatch(/- \[x\] .*<!-- step:release-merge-patches -->/);

      await t.sweep(minutes(2 * 24 * 60 + 60));
      expect(t.comments('release-nudge', release())).toHaveLength(0);
      await t.sweep(minutes(3 * 24 * 60 + 60));
      const nudges = t.comments('release-nudge', release());
      expect(nudges).toHaveLength(1);
      expect(nudges[0]!.body).toContain('**Day one** (2026-11-25)');
      expect(nudges[0]!.body).not.toContain('Merge every patch');
      expect(pings(nudges[0]!.body, t.labeledBy)).toBe(true);
      expect(t.timeline()).toContain('nudged: release phase "Day one"');
      // Once, also after a restart.
      await t.restart();
      await t.sweep(minutes(3 * 24 * 60 + 120));
      expect(t.comments('release-nudge', release())).toHaveLength(1);
      // Day four's deadlines have times: noon, then 23:59.
      await t.sweep(new Date('2026-11-28T11:00:00Z'));
      expect(t.comments('release-nudge', release()).some((c) => c.body.includes('before 12:00'))).toBe(false);
      await t.sweep(new Date('2026-11-28T12:00:00Z'));
      expect(t.comments('release-nudge', release()).filter((c) => c.body.includes('before 12:00'))).toHaveLength(1);
    });

    it('a false alarm gets its report', async () => {
      const t = await harness.open();
      t.clock.now = minutes(3);
      await t.say('/false-alarm our own load test', t.labeledBy);
      const report = t.comments('report');
      expect(report).toHaveLength(1);
      expect(report[0]!.body).toContain('the report of a false alarm');
      expect(report[0]!.body).toContain('| Time to contain | not yet | a false alarm: there was nothing to contain |');
      expect(report[0]!.body).toContain('| Time to resolve | 3 min |');
    });
  });
}
