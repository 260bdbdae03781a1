import { describe, expect, it } from 'vitest';
import { readTicketState, renderState, splitBody, trustedState } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import type { Issue } from '../../src/kernel/model.js';
import { parseRef } from '../../src/kernel/model.js';
import { formatEntry, parseTimeline, splitTimelineComment } from '../../src/kernel/timeline.js';
import { commentKinds, isKind } from '../support/comments.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT, tickFromTheSamePage, tickThenUntick } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';
import { isTicked, minutes, tickIn } from '../support/incident-setup.js';

// The running incident, one scenario at a time, on every tracker: the in-memory one (normalized events straight into
// the shell), the fake GitHub (signed `issues.edited` and `issue_comment.created` deliveries built from the real
// webhook examples, Probot and the real Octokit over loopback) and the fake GitLab (`Confidential Issue Hook` and
// `Confidential Note Hook` built from GitLab's documented payloads, the real route and gitbeaker over loopback).
// Authorization is read from the tracker (GitHub's collaborator permission, GitLab's `/members/all/:user_id`), and
// the sweep lists masters the tracker's way (GitHub: installations, then a search per account; GitLab:
// `/issues?scope=all`).
//
// Each incident is opened in place at T0 in the private `acme/security`, reported by alice (write / Developer); bob
// may write, mallory only read (GitHub read, GitLab Reporter), `maintainer` maintains; `stranger` is nobody there
// (the tracker answers 404).

const stepsDone = (body: string) => {
  const shown = /(?<done>\d+)\/(?<total>\d+) steps done/.exec(body)?.groups;
  return shown ? [Number(shown.done), Number(shown.total)] : undefined;
};
/** Rewrites the app's hidden state marker in a body (its signature too), as anyone who can edit the description can. */
const forgeState = (body: string, change: (state: TicketState) => TicketState) => {
  const state = readTicketState(body)!;
  const forged = body.replace(/<!-- incident-desk:state [^\n]* -->/, renderState(change(structuredClone(state))));
  expect(forged).not.toBe(body);
  return forged;
};

/**
 * `actor` saves an edit of the master (`change`) after the app read it for someone else's event and before the app's
 * write lands; the app's write then overwrites their save (trackers keep the last write of a description), and the
 * tracker records both, each by its writer. Answers the edit as it was saved, to deliver once the app's write is done.
 */
function raceNextMasterWrite(t: IncidentWorld, actor: string, change: (body: string) => string) {
  const raced: { edit?: { before: string; after: Issue } } = {};
  const updateIssue = t.store.updateIssue.bind(t.store);
  t.store.updateIssue = (ref, patch, by) => {
    if (!raced.edit && ref.number === t.ref.number && patch.body !== undefined) {
      const before = t.store.issue(ref).body;
      raced.edit = { before, after: t.store.editIssue(ref, { body: change(before) }, actor) };
    }
    return updateIssue(ref, patch, by);
  };
  return raced;
}

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`running an incident (${harness.name})`, () => {
    it(
      'a tick by someone with write access stays, ' + 'is recorded in the timeline, and counts in the progress',
      async () => {
        const t = await harness.open();
        expect(stepsDone(t.master().body)).toEqual([0, 39]);
        t.clock.now = minutes(3);
        expectOutcome(t, await t.tick('pick-deputy', 'bob'), 'done');
        const body = t.master().body;
        expect(isTicked(body, 'pick-deputy')).toBe(true);
        expect(stepsDone(body)).toEqual([1, 39]);
        expect(t.timeline()).toContain('- 2026-11-22T10:03:00Z · @bob · ticked "(IM) Choose a deputy incident manager');
        expect(t.master().labels).toContain('phase::before-t5');
        expect(splitBody(body).rest).toBe('details');
        if (traits.confidentialIssues) expect(t.master().confidential).toBe(true);
        // Authorization came from the tracker.
        expect(t.probe.accessAsked('bob')).toBe(true);
        expect(t.comments('refusal')).toHaveLength(0);

        // The tracker also delivers the app's own write as an edit by the app: it is ignored, nothing changes.
        const lines = t.timeline();
        const writes = t.probe.writes();
        const previous = body.replace(/- \[x\] (?<step>.*<!-- step:pick-deputy -->)/, '- [ ] $<step>');
        expectOutcome(t, await t.deliverEdit(t.master(), previous, t.bot), 'ignored-self');
        expect(t.timeline()).toBe(lines);
        expect(t.probe.writes()).toBe(writes);
      },
    );

    it(
      'tracks a tick saved with CRLF line endings (the web ' + "editor) and keeps the person's text byte for byte",
      async () => {
        const t = await harness.open();
        t.clock.now = minutes(3);
        await t.edit((body) => tickIn(body, 'pick-deputy').replace(/\n/g, '\r\n'), 'bob');
        const body = t.master().body;
        expect(isTicked(body, 'pick-deputy')).toBe(true);
        expect(stepsDone(body)?.[0]).toBe(1);
        expect(t.timeline()).toContain('- 2026-11-22T10:03:00Z · @bob · ticked "(IM) Choose a deputy incident manager');
        expect(splitBody(body).rest).toBe('details');
      },
    );

    it("records a tick on the release ticket in the master's timeline, and undoes a refused one there", async () => {
      const t = await harness.open();
      const release = () => t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::release'))!;
      if (traits.confidentialIssues) expect(release().confidential).toBe(true);
      await t.tick('release-scope', 'bob', release());
      expect(isTicked(release().body, 'release-scope')).toBe(true);
      expect(t.timeline()).toMatch(new RegExp(`@bob · ticked ".*" on ${INCIDENT_PROJECT}#${release().ref.number}`));
      await t.tick('release-security-branch', 'mallory', release());
      expect(isTicked(release().body, 'release-security-branch')).toBe(false);
      expect(isTicked(release().body, 'release-scope')).toBe(true);
      expect(commentKinds(t.store, release().ref).filter((k) => k === 'refusal')).toHaveLength(1);
      expect(t.timeline()).not.toContain('mallory');
    });

    it(
      '/set cvss and /severity write the Quick Links cell and the label, ' +
        'and are recorded; a bad value changes nothing',
      async () => {
        const t = await harness.open();
        t.clock.now = minutes(1);
        expectOutcome(t, await t.say('/set cvss 9.8', 'alice'), 'done');
        expect(t.master().body).toContain('| CVSS Score: | 9.8 |');
        expect(t.timeline()).toContain('- 2026-11-22T10:01:00Z · @alice · set CVSS Score to 9.8');
        await t.say('/severity high', 'bob');
        expect(t.master().labels).toContain('severity::high');
        expect(t.timeline()).toContain('@bob · set severity to high');
        await t.say('/severity medium', 'bob');
        expect(t.master().labels).toContain('severity::medium');
        expect(t.master().labels).not.toContain('severity::high');
        expect(splitBody(t.master().body).rest).toBe('details');
        // A bad value changes nothing and answers once.
        const before = t.master().body;
        await t.say('/set disclosure-date 2026-02-30', 'alice');
        expect(t.master().body).toBe(before);
        expect(t.comments('invalid')).toHaveLength(1);
        // A comment that is no command is no business of the app: no write at all.
        const writes = t.probe.writes();
        expectOutcome(t, await t.say('Looking into it.', 'bob'), 'not-a-trigger');
        expect(t.probe.writes()).toBe(writes);
      },
    );

    it('a disclosure date puts a date on every dated phase heading', async () => {
      const t = await harness.open();
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
      const t = await harness.open();
      await t.say('/cve CVE-2026-4242', 'alice');
      expect(t.master().labels).toContain('incident-id::CVE-2026-4242');
      await t.say('/na coordinate-parties no third party involved', 'alice');
      expect(t.master().body).toMatch(
        /- \[x\] .*~~.*~~ _\(not applicable: no third party involved\)_ <!-- step:coordinate-parties -->/,
      );
      expect(stepsDone(t.master().body)).toEqual([1, 39]);
      await t.say('/timeline 2026-11-22T09:30:00Z Reporter first emailed security@', 'bob');
      await t.say('/severity high', 'alice');
      expect(t.master().labels).toContain('severity::high');
      await t.say('/severity medium', 'alice');
      expect(t.master().labels).toContain('severity::medium');
      expect(t.master().labels).not.toContain('severity::high');
      const lines = t
        .timeline()
        .split('\n')
        .filter((l) => l.startsWith('- '));
      const times = lines.map((l) => l.slice(2, 22));
      expect([...times].sort()).toEqual(times);
      expect(lines[0]).toContain('Reporter first emailed');
      expect(t.timeline()).toContain('recorded CVE-2026-4242');
      expect(t.timeline()).toContain('set severity to medium');
    });

    it(
      'refuses a command and undoes a tick from someone who may only read, ' +
        'with one refusal each and nothing recorded',
      async () => {
        const t = await harness.open();
        const before = t.master().body;
        await t.say('/set cvss 10.0', 'mallory');
        expect(t.master().body).toBe(before);
        expect(t.comments('refusal')).toHaveLength(1);
        expect(t.comments('refusal')[0]!.body).toContain('@mallory');
        expect(t.comments('refusal')[0]!.body).toContain(traits.requiredAccess);
        expect(t.probe.accessAsked('mallory')).toBe(true);

        await t.tick('pick-deputy', 'mallory');
        expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
        expect(stepsDone(t.master().body)?.[0]).toBe(0);
        expect(t.comments('refusal')).toHaveLength(2);
        expect(t.timeline()).not.toContain('mallory');

        // Someone the tracker does not know in the project at all (it answers 404) is refused the same way.
        await t.say('/severity high', 'stranger');
        expect(t.master().labels).not.toContain('severity::high');
        expect(t.comments('refusal')).toHaveLength(3);
        expect(t.timeline()).not.toContain('stranger');

        // An unknown command is answered with the help, whoever asks.
        await t.say('/frobnicate', 'mallory');
        const help = t.store.listComments(t.ref).at(-1)!.body;
        expect(help).toContain('/set');
        expect(help).toContain('/sitrep');
      },
    );

    it('the sweep reminds of an overdue sitrep once, not again on the next sweep nor after a restart', async () => {
      const t = await harness.open();
      t.clock.now = minutes(1);
      // The Incident Manager's command also acknowledges the incident: nothing escalates in this story.
      await t.say('/severity high', t.labeledBy);
      expect(await t.sweep(minutes(30))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(0);

      expect(await t.sweep(minutes(62))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(1);
      // The Incident Manager is the First Responder: whoever labeled the report, with write access.
      expect(t.comments('sitrep-reminder')[0]!.body).toContain(`@${t.labeledBy}`);
      expect(t.timeline()).toContain('situation report overdue');
      expect(t.probe.mastersListed()).toBe(true);

      expect(await t.sweep(minutes(63))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(1);
      // A restarted app has a fresh memory; the fired reminder is in the master's state.
      await t.restart();
      expect(await t.sweep(minutes(64))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(1);

      // A sitrep restarts the clock.
      t.clock.now = minutes(70);
      await t.say('/sitrep Status: contained\nResponders: @bob\nPatch in review.', 'alice');
      expect(t.comments('sitrep')).toHaveLength(1);
      await t.sweep(minutes(125));
      expect(t.comments('sitrep-reminder')).toHaveLength(1);
      await t.sweep(minutes(131));
      expect(t.comments('sitrep-reminder')).toHaveLength(2);
    });

    it('the sweep asks nothing while nothing is due, lists when it is, and fires after a restart', async () => {
      const t = await harness.open();
      t.clock.now = minutes(1);
      // Acknowledged at once (issue 13): no escalation comes due.
      await t.say('/ack', t.labeledBy);
      await t.say('/severity high', 'alice');
      // The first sweep after a change lists; the sitrep is due an hour after the declaration (issue 13).
      expect(await t.sweep(minutes(5))).toEqual({ masters: 1, fired: 0, completed: 0 });
      const quiet = t.probe.requestCount();
      for (const at of [10, 30, 59]) expect(await t.sweep(minutes(at))).toEqual({ masters: 0, fired: 0, completed: 0 });
      // Not one request: no listing, not even the installations or a token.
      expect(t.probe.requestCount()).toBe(quiet);
      // A restart forgets the schedule: the first sweep lists, and fires what is due.
      await t.restart();
      expect(await t.sweep(minutes(62))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(1);
      // What fired is decided again on the next sweep, then nothing until the next window (two hours after).
      expect(await t.sweep(minutes(63))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(100))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(122))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(2);
      // An event on the incident makes the next sweep list, whatever the schedule said.
      t.clock.now = minutes(124);
      await t.say('/sitrep Status: contained\nResponders: @bob\nPatch in review.', 'alice');
      expect(await t.sweep(minutes(125))).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(await t.sweep(minutes(150))).toEqual({ masters: 0, fired: 0, completed: 0 });
      // The next window, an hour after the sitrep (184), fires at the first sweep after it.
      expect(await t.sweep(minutes(186))).toEqual({ masters: 1, fired: 1, completed: 0 });
    });

    it('the sweep lists once an hour when no incident has anything due', async () => {
      const t = await harness.open();
      // Acknowledged, and low: the next sitrep is a day away (issue 13).
      await t.say('/ack', t.labeledBy);
      await t.say('/severity low', t.labeledBy);
      expect(await t.sweep(minutes(1))).toEqual({ masters: 1, fired: 0, completed: 0 });
      const quiet = t.probe.requestCount();
      expect(await t.sweep(minutes(60))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(t.probe.requestCount()).toBe(quiet);
      expect(await t.sweep(minutes(61))).toEqual({ masters: 1, fired: 0, completed: 0 });
      // The safety interval's listing is one request: the listing itself (on GitHub the one installation's search;
      // its list of installations is kept, issue 15).
      expect(t.probe.workShapes(quiet)).toHaveLength(1);
    });

    it(
      'nudges a phase whose date arrived with open steps once, ' + 'naming the Incident Manager and the Deputy',
      async () => {
        const t = await harness.open();
        await t.say('/set deputy @bob', 'alice');
        await t.say('/set disclosure-date 2026-11-26', 'alice');
        // T-5 is 2026-11-21 and T-4 2026-11-22: both due at T0.
        await t.sweep(minutes(1));
        const nudges = t.comments('phase-nudge');
        expect(nudges.length).toBeGreaterThanOrEqual(2);
        expect(nudges[0]!.body).toContain(`@${t.labeledBy}`);
        expect(nudges[0]!.body).toContain('@bob');
        await t.sweep(minutes(2));
        expect(t.comments('phase-nudge')).toHaveLength(nudges.length);
      },
    );

    it(
      '/handoff @bob im by the Incident Manager, ' + 'then /accept by bob, changes the Quick Links and the assignee',
      async () => {
        const t = await harness.open();
        const first = t.labeledBy;
        expect(t.master().body).toContain(`| Incident Manager: | @${first} |`);
        await t.say('/handoff @bob im', 'mallory');
        expect(t.comments('refusal')).toHaveLength(1);
        expect(trustedState(t.master())?.run?.handoff).toBeUndefined();

        await t.say('/handoff @bob im', first);
        expect(t.comments('handoff-requested')).toHaveLength(1);
        const masterWrites = t.probe.masterWrites();
        await t.say('/accept', 'bob');
        expect(t.master().body).toContain('| Incident Manager: | @bob |');
        expect(t.master().assignees).toContain('bob');
        expect(t.master().assignees).not.toContain(first);
        expect(t.comments('handoff-done')).toHaveLength(1);
        // Mentions inside timeline text are broken: the timeline never pings anyone.
        expect(t.timeline()).toContain(`@bob · took over as Incident Manager from @\u200b${first}`);
        expect(trustedState(t.master())?.run?.handoff).toBeUndefined();
        expect(t.probe.masterWrites()).toBeGreaterThan(masterWrites);
        // The assignee was resolved by username, then written by id.
        if (traits.assigneesById) expect(t.probe.usersLookedUp()).toBe(true);

        // A handoff nobody accepts is reported once by the sweep.
        await t.say('/handoff @alice deputy', 'maintainer');
        await t.sweep(minutes(59));
        expect(t.comments('handoff-expired')).toHaveLength(0);
        await t.sweep(minutes(61));
        await t.sweep(minutes(90));
        expect(t.comments('handoff-expired')).toHaveLength(1);
        expect(splitBody(t.master().body).rest).toBe('details');
      },
    );

    it('records closes and reopens of the master', async () => {
      const t = await harness.open();
      t.clock.now = minutes(5);
      // Every child closed first: the close guard keeps an incident with open tickets open.
      for (const child of readTicketState(t.master().body)?.children ?? [])
        t.store.editIssue(parseRef(child.ref)!, { state: 'closed' }, 'alice');
      expectOutcome(t, await t.change(t.master(), { state: 'closed' }, 'bob'), 'done');
      await t.change(t.master(), { state: 'open' }, 'alice');
      expect(t.timeline()).toContain('@bob · closed the incident');
      expect(t.timeline()).toContain('@alice · reopened the incident');
    });

    it(
      'keeps both ticks when the app writes between a tick and ' +
        'the next one (second edit from the body before the write)',
      async () => {
        const t = await harness.open();
        const raced = raceNextMasterWrite(t, 'bob', (body) => tickIn(body, 'respond-reporter'));
        t.clock.now = minutes(3);
        await t.tick('pick-deputy', 'alice');
        expect(raced.edit).toBeDefined();
        expect(isTicked(t.master().body, 'respond-reporter')).toBe(false);
        // Bob's edit event arrives next; his tick is replayed onto the fresh master.
        await t.deliverEdit(raced.edit!.after, raced.edit!.before, 'bob');
        const body = t.master().body;
        expect(isTicked(body, 'pick-deputy')).toBe(true);
        expect(isTicked(body, 'respond-reporter')).toBe(true);
        expect(stepsDone(body)).toEqual([2, 39]);
        expect(t.timeline()).toContain('@alice · ticked');
        expect(t.timeline()).toContain('@bob · ticked');
      },
    );

    it('keeps a Quick Links cell edited by hand while the app writes, as the timeline says', async () => {
      const t = await harness.open();
      const raced = raceNextMasterWrite(t, 'bob', (body) =>
        body.replace('| CVSS Score: | _not set_ |', '| CVSS Score: | 7.5 |'),
      );
      await t.tick('pick-deputy', 'alice');
      expect(raced.edit).toBeDefined();
      await t.deliverEdit(raced.edit!.after, raced.edit!.before, 'bob');
      expect(t.timeline()).toContain('@bob · set CVSS Score to 7.5');
      expect(t.master().body).toContain('| CVSS Score: | 7.5 |');
      expect(isTicked(t.master().body, 'pick-deputy')).toBe(true);
    });

    it('keeps both of two ticks saved from the same page and delivered concurrently', async () => {
      const t = await harness.open();
      // Both edited the same description; bob saved last, so the tracker holds his version (and records both edits).
      await tickFromTheSamePage(t, t.master(), ['alice', 'pick-deputy'], ['bob', 'respond-reporter']);
      const body = t.master().body;
      expect(isTicked(body, 'pick-deputy')).toBe(true);
      expect(isTicked(body, 'respond-reporter')).toBe(true);
      expect(stepsDone(body)?.[0]).toBe(2);
      expect(t.timeline()).toContain('@alice · ticked');
      expect(t.timeline()).toContain('@bob · ticked');
      expect(commentKinds(t.store, t.ref).filter((k) => isKind(k, 'timeline'))).toHaveLength(1);
    });

    it(
      'an older tick delivered after a newer untick does ' + 'not re-tick the box (the edit times the tracker sends)',
      async () => {
        const t = await harness.open();
        // Alice ticks at 10:05, Bob unticks at 10:06; the tracker delivers Bob's event first.
        const { tick, untick } = tickThenUntick(t, t.master(), 'pick-deputy', 'alice', 'bob');
        await t.deliverEdit(untick.saved, untick.before, 'bob');
        await t.deliverEdit(tick.saved, tick.before, 'alice');
        expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
        expect(t.timeline()).toContain('@alice · ticked');
        expect(t.timeline()).toContain('@bob · unticked');
      },
    );

    it("undoes an edit of the app's hidden state by the issue's author without write access", async () => {
      // The author of an issue may edit it whatever their access, and an in-place master keeps the reporter as author.
      const t = await harness.open({ author: 'reporter' });
      t.clock.now = minutes(1);
      await t.say('/severity high', 'alice');
      expect(trustedState(t.master())?.run?.severity).toBe('high');
      // The reporter, no member of the project, silences the sitrep reminders by editing the hidden state.
      await t.edit(
        (body) =>
          forgeState(body, (state) => {
            delete state.run!.severity;
            delete state.run!.sitrepSince;
            return state;
          }),
        'reporter',
      );
      expect(trustedState(t.master())?.run?.severity).toBe('high');
      expect(await t.sweep(minutes(62))).toEqual({ masters: 1, fired: 1, completed: 0 });
      expect(t.comments('sitrep-reminder')).toHaveLength(1);
    });

    if (traits.singleAssigneePlans) {
      it(
        '/accept assigns the new Incident Manager where only one assignee is kept, ' +
          'when someone else is still assigned',
        async () => {
          // Triage assigned carol; the First Responder is the Incident Manager all the same (seed 003), and the team
          // then names alice in the Quick Links.
          const t = await harness.open({ assignees: ['carol'] });
          expect(t.master().body).toContain(`| Incident Manager: | @${t.labeledBy} |`);
          const updateIssue = t.store.updateIssue.bind(t.store);
          // GitLab Free: only the first of several assignee ids is kept.
          t.store.updateIssue = (ref, patch, by) =>
            updateIssue(ref, patch.assignees ? { ...patch, assignees: patch.assignees.slice(0, 1) } : patch, by);
          await t.say('/set im @alice', 'alice');
          expect(t.master().body).toContain('| Incident Manager: | @alice |');
          await t.say('/handoff @bob im', 'alice');
          await t.say('/accept', 'bob');
          expect(t.master().body).toContain('| Incident Manager: | @bob |');
          expect(t.comments('handoff-done')).toHaveLength(1);
          expect(t.master().assignees).toContain('bob');
        },
      );
    }
  });

  describe(`the intake's summary and timeline, one comment (${harness.name})`, () => {
    it(
      'the master has one comment of the app holding the summary and the timeline; ticks join the timeline below ' +
        'the summary, which stays as it was, and the incident report reads the intake entries',
      async () => {
        const t = await harness.open();
        const own = () => t.store.listComments(t.ref).filter((c) => c.author === t.bot);
        expect(own()).toHaveLength(1);
        const intake = own()[0]!;
        const { preamble: summary } = splitTimelineComment(intake.body);
        expect(summary.startsWith('<!-- incident-desk:summary -->\n### incident-desk opened incident ')).toBe(true);
        expect(summary).toContain('/ack');
        const first = parseTimeline(intake.body);
        expect(first[0]).toMatchObject({ actor: t.labeledBy, text: 'labeled the report `incident`' });
        expect(first.at(-1)?.text).toMatch(/^opened the communications ticket /);
        expect(trustedState(t.master())?.run?.timeline).toEqual([intake.id]);

        t.clock.now = minutes(1);
        expectOutcome(t, await t.tick('pick-deputy', 'bob'), 'done');
        t.clock.now = minutes(2);
        expectOutcome(t, await t.tick('respond-reporter', 'bob'), 'done');
        await t.say('/timeline called the reporter', 'bob');

        // Still that one comment: the summary as it was posted, byte for byte, and the timeline below it grown.
        expect(own().map((c) => c.id)).toEqual([intake.id]);
        const now = own()[0]!.body;
        expect(splitTimelineComment(now).preamble).toBe(summary);
        expect(now.split('<!-- incident-desk:summary -->')).toHaveLength(2);
        expect(now.split('<!-- incident-desk:timeline -->')).toHaveLength(2);
        const entries = parseTimeline(now);
        expect(entries.slice(0, first.length)).toEqual(first);
        expect(entries.slice(first.length).map((e) => `${e.actor} ${e.text.replace(/ ".*"$/, '')}`)).toEqual([
          'bob ticked',
          'bob ticked',
          'bob called the reporter',
        ]);
        expect(trustedState(t.master())?.run?.timeline).toEqual([intake.id]);

        // The report's first entry is the intake's, and its link leads to that comment.
        await t.say('/report', 'alice');
        const report = t.comments('report-preview')[0]!.body;
        expect(report).toContain(`- First: ${formatEntry(first[0]!).replace(/^- /, '')}\n`);
        expect(report).toContain(`- Last: ${formatEntry(entries.at(-1)!).replace(/^- /, '')}\n`);
        expect(report).toMatch(new RegExp(`#(?:issuecomment-|note_)${intake.id}\\b`));
        expect(report).not.toContain('opened incident');
      },
    );

    it('an entry is added even when the summary above the timeline holds the same line', async () => {
      const t = await harness.open();
      const [intake] = t.store.listComments(t.ref).filter((c) => c.author === t.bot);
      const line = '- 2026-11-22T09:30:00Z · @bob · called the reporter';
      // Only the timeline's own lines say what was written already (a redelivered event's): never the text above it.
      const { preamble, timeline } = splitTimelineComment(intake!.body);
      const summary = `${preamble}${line}\n\n`;
      t.store.updateComment(t.ref, intake!.id, `${summary}${timeline}`);
      await t.say('/timeline 2026-11-22T09:30:00Z called the reporter', 'bob');
      const body = t.store.comment(t.ref, intake!.id).body;
      expect(splitTimelineComment(body).preamble).toBe(summary);
      expect(parseTimeline(body)[0]).toEqual({ at: '2026-11-22T09:30:00Z', actor: 'bob', text: 'called the reporter' });
    });

    it(
      'an incident opened before, with the summary and the timeline in two comments, keeps them so: ticks join the ' +
        'timeline comment, the summary is left as it is',
      async () => {
        const t = await harness.open();
        const own = () => t.store.listComments(t.ref).filter((c) => c.author === t.bot);
        const [merged] = own();
        const { preamble, timeline } = splitTimelineComment(merged!.body);
        // As an earlier version of the app left it: the summary alone, then the timeline in a comment of its own.
        const summary = t.store.updateComment(t.ref, merged!.id, preamble.replace(/\n\n$/, '\n'));
        const old = t.store.createComment(t.ref, timeline, t.bot);
        t.plantState(t.master(), (state) => ({ ...state, run: { ...state.run, timeline: [old.id] } }));

        t.clock.now = minutes(1);
        expectOutcome(t, await t.tick('pick-deputy', 'bob'), 'done');
        await t.say('/timeline called the reporter', 'bob');
        expect(own().map((c) => c.id)).toEqual([summary.id, old.id]);
        expect(t.store.comment(t.ref, summary.id).body).toBe(summary.body);
        const entries = parseTimeline(t.store.comment(t.ref, old.id).body);
        expect(entries.slice(-2).map((e) => `${e.actor} ${e.text.replace(/ ".*"$/, '')}`)).toEqual([
          'bob ticked',
          'bob called the reporter',
        ]);
        expect(trustedState(t.master())?.run?.timeline).toEqual([old.id]);
      },
    );
  });
}
