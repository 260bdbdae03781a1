import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { parseRef } from '../../src/kernel/model.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { Change, Harness, IncidentWorld } from '../support/harness.js';
import { minutes } from '../support/incident-setup.js';
import { masterDetails, rowOf, trackingRows, writesInto } from '../support/tracking.js';

// Tracking tickets, one scenario at a time, on every tracker: children in other projects (opened, labeled later,
// retitled, assigned, due date moved, closed, reopened) and `/task` on the master. On the fakes, project privacy is
// read from the API, native links are GitHub sub-issues or GitLab issue links, due dates GitLab's field or GitHub's
// `Due:` line.
//
// The incident is opened in place at T0 in the private `acme/security`; the app also serves the private `acme/api`,
// the public `acme/site` and the private `partner/tools` (another owner), which all name `acme/security` as their
// incident project, and which `acme/security`'s own configuration lets attach tracking tickets (`trackingFrom`).

const PRIVATE = 'acme/api';
const PUBLIC = 'acme/site';
const OTHER_OWNER = 'partner/tools';

/** A new due date the tracker's way: GitLab's field, or the `Due:` line of the description on GitHub. */
function duePatch(t: IncidentWorld, ticket: Issue, date: string): Change {
  if (t.traits.dueDateField) return { dueDate: date };
  const body = t.store.issue(ticket.ref).body;
  return {
    body: /Due: \d{4}-\d{2}-\d{2}/.test(body)
      ? body.replace(/Due: \d{4}-\d{2}-\d{2}/, `Due: ${date}`)
      : `${body}\nDue: ${date}`,
  };
}

async function trackingIncident(harness: Harness, config = '') {
  const t = await harness.open({
    // acme/security's own copy says which projects may attach tracking tickets to its incidents.
    config: `incidentProject: ${INCIDENT_PROJECT}\ntrackingFrom: [acme, ${OTHER_OWNER}]\n${config}`,
    projects: { [PRIVATE]: 'private', [PUBLIC]: 'public', [OTHER_OWNER]: 'private' },
  });
  const id = trustedState(t.master())!.id;
  const row = (ticket: Issue) => rowOf(t.master(), ticket);
  const issue = (ticket: Issue) => t.store.issue(ticket.ref);
  /** The tracking ticket a `/task` opened in a project. */
  const task = (path: string) => t.store.allIssues(path).find((i) => i.labels.includes('incident::task'));
  /** The release and communications tickets of the intake. */
  const intakeChildren = () =>
    (readTicketState(t.master().body)?.children ?? []).map((c) => t.store.issue(parseRef(c.ref)!));
  const masterRef = `${INCIDENT_PROJECT}#${t.ref.number}`;
  return { ...t, id, row, issue, task, intakeChildren, masterRef };
}

type TrackingWorld = Awaited<ReturnType<typeof trackingIncident>>;

/**
 * The ticket a `/task` by alice at 10:04 opened in the private project for bob: from the template (identifier,
 * summary, expected action, link to the master), assigned, due as asked (the tracker's due date field, or the text's
 * Due line), natively linked, listed and on the timeline.
 */
function expectTaskOpened(t: TrackingWorld, created: Issue, task: { title: string; action: string; due: string }) {
  if (t.traits.confidentialIssues) expect(created.confidential).toBe(true);
  expect(created.title).toBe(`[${t.id}] ${task.title}`);
  expect(created.assignees).toEqual(['bob']);
  expect(created.body).toContain(t.id);
  expect(created.body).toContain(`**Incident summary:** Heap overflow`);
  expect(created.body).toContain(task.action);
  expect(created.body).toContain(`[${t.masterRef}](${t.master().webUrl})`);
  if (t.traits.dueDateField) {
    expect(created.dueDate).toBe(task.due);
    // The due date lives in the tracker's field only: no copy in the text to go stale when someone moves it there.
    expect(created.body).not.toContain(task.due);
    expect(created.body).toContain("| Due: | this ticket's due date |");
  } else {
    expect(created.body).toContain(`| Due: | ${task.due} |`);
  }
  expect(t.store.linksOf(t.ref)).toContain(`${PRIVATE}#${created.ref.number}`);
  expect(t.row(created)).toEqual({
    ref: `${PRIVATE}#${created.ref.number}`,
    title: task.title,
    owner: 'bob',
    state: 'open',
    due: task.due,
    updated: '2026-11-22T10:04:00Z',
  });
  expect(t.timeline()).toContain(
    `@alice · opened tracking ticket ${PRIVATE}#${created.ref.number} "${task.title}" for @\u200bbob, due ${task.due}`,
  );
  expect(t.comments('invalid')).toHaveLength(0);
}

/** HTTP fakes cost time per child; the in-memory tracker takes many more children in the same time. */
const MANY_CHILDREN = { 'memory-gitlab': 150, 'memory-github': 150, github: 25, gitlab: 25 } as const;
/**
 * The calls a child's event makes at most: both configurations, one label lookup, the master read fresh twice, its
 * one write, the timeline read and written. GitHub also reads the incident repository, as an issue there has no
 * confidentiality of its own (only a master in a private repository counts). On GitLab (issue 11) the hook is no word
 * on the child's project being private, so the app reads the child and its project back before it finds nothing to
 * write to the child: two reads more (10, was 8).
 */
const CHILD_EVENT_CALLS = { 'memory-gitlab': 10, 'memory-github': 9, github: 9, gitlab: 10 } as const;

for (const harness of HARNESSES) {
  const { traits } = harness;
  const incident = (config = '') => trackingIncident(harness, config);

  describe(`tracking tickets (${harness.name})`, () => {
    it(
      'a child opened with the label in another private project: ' +
        'labelled, back-referenced, natively linked, listed, on the timeline',
      async () => {
        const t = await incident();
        t.clock.now = minutes(2);
        const links = t.probe.linkRequests();
        const { issue: child, outcome } = await t.open(
          PRIVATE,
          { title: 'Rotate the API keys', body: 'our notes', labels: [`incident-id::${t.id}`], assignees: ['bob'] },
          'bob',
        );
        expectOutcome(t, outcome, 'done');
        const after = t.issue(child);
        expect(after.labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
        expect(after.body).toContain(`[${t.masterRef}](${t.master().webUrl})`);
        expect(splitBody(after.body).rest).toBe('our notes');
        // The child's project was asked whether it is private before anything was written.
        expect(t.probe.projectRead(PRIVATE)).toBe(true);
        // Natively linked to the master (a sub-issue, an issue link), with one request.
        expect(t.probe.linkRequests() - links).toBe(1);
        expect(t.store.linksOf(t.ref)).toContain(`${PRIVATE}#${child.ref.number}`);
        expect(t.row(child)).toEqual({
          ref: `${PRIVATE}#${child.ref.number}`,
          title: 'Rotate the API keys',
          owner: 'bob',
          state: 'open',
          due: null,
          updated: '2026-11-22T10:02:00Z',
        });
        expect(t.master().body).toContain('**1 open · 0 closed · 0 overdue**');
        expect(t.timeline()).toContain(
          `- 2026-11-22T10:02:00Z · @bob · linked tracking ticket ${PRIVATE}#${child.ref.number} "Rotate the API ` +
            `keys" for @\u200bbob`,
        );

        // The tracker delivers the app's own write to the child back: ignored. A person's later edit links nothing
        // again.
        expectOutcome(t, await t.edit((body) => `${body}\n\nmore notes`, 'bob', after), 'done');
        expect(t.probe.linkRequests() - links).toBe(1);
        expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
      },
    );

    it(
      'a child in a private project of another owner gets the reference; ' +
        'a native link only where the tracker links across owners',
      async () => {
        const t = await incident();
        const links = t.probe.linkRequests();
        const { issue: child } = await t.open(OTHER_OWNER, {
          title: 'Patch the CLI',
          body: '',
          labels: [`incident-id::${t.id}`],
        });
        expect(t.issue(child).body).toContain(`[${t.masterRef}](${t.master().webUrl})`);
        expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
        if (traits.linksAcrossOwners) {
          expect(t.probe.linkRequests() - links).toBe(1);
          expect(t.store.linksOf(t.ref)).toContain(`${OTHER_OWNER}#${child.ref.number}`);
        } else {
          // GitHub links sub-issues within one owner only: no sub-issue.
          expect(t.store.linksOf(t.ref)).not.toContain(`${OTHER_OWNER}#${child.ref.number}`);
        }
        expect(t.row(child)).toMatchObject({ ref: `${OTHER_OWNER}#${child.ref.number}`, state: 'open' });
      },
    );

    it('a label added later, and an identifier in the title, both correlate', async () => {
      const t = await incident();
      const { issue: later, outcome } = await t.open(PRIVATE, { title: 'Audit the logs', body: '' });
      expectOutcome(t, outcome, 'not-a-trigger');
      const writes = t.probe.writes();
      expect(t.issue(later).labels).toEqual([]);
      expect(t.row(later)).toBeUndefined();
      expectOutcome(t, await t.change(later, { labels: [`incident-id::${t.id}`] }), 'done');
      expect(t.probe.writes()).toBeGreaterThan(writes);
      expect(t.issue(later).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
      expect(t.issue(later).body).toContain(t.masterRef);

      const { issue: titled } = await t.open(PRIVATE, { title: `[${t.id}] Backport the fix`, body: 'to 1.x' });
      expect(t.issue(titled).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
      // The identifier in front of the title says nothing on the incident's own table.
      expect(t.row(titled)?.title).toBe('Backport the fix');
      expect(trackingRows(t.master()).map((r) => r.ref)).toEqual(
        expect.arrayContaining([`${PRIVATE}#${later.ref.number}`, `${PRIVATE}#${titled.ref.number}`]),
      );
      expect(t.store.linksOf(t.ref)).toEqual(
        expect.arrayContaining([`${PRIVATE}#${later.ref.number}`, `${PRIVATE}#${titled.ref.number}`]),
      );
    });

    it('a CVE recorded with /cve is an alias: a child titled with it joins the same master', async () => {
      const t = await incident();
      expectOutcome(t, await t.say('/cve CVE-2026-40001', 'alice'), 'done');
      const { issue: child, outcome } = await t.open(PRIVATE, {
        title: '[CVE-2026-40001] Update the image library',
        body: '',
      });
      expectOutcome(t, outcome, 'done');
      expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
      expect(t.row(child)?.title).toBe('Update the image library');
      expect(t.timeline()).toContain(`linked tracking ticket ${PRIVATE}#${child.ref.number}`);
    });

    it(
      'a child anyone can read gets only the identifier, ' + 'in everything written to it; the master lists it',
      async () => {
        const t = await incident();
        const written = writesInto(t.store, PUBLIC, t.bot);
        const { issue: child, outcome } = await t.open(
          PUBLIC,
          { title: 'Harden the decoder', body: 'public text', labels: [`incident-id::${t.id}`] },
          'bob',
        );
        expectOutcome(t, outcome, 'done');
        expect(t.issue(child).body).toContain(t.id);
        expect(splitBody(t.issue(child).body).rest).toBe('public text');
        expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
        expect(t.row(child)).toMatchObject({
          ref: `${PUBLIC}#${child.ref.number}`,
          title: 'Harden the decoder',
          state: 'open',
        });
        // Its life goes on the master too, and still nothing about the master reaches it.
        await t.change(child, { title: 'Harden the decoder and the encoder', assignees: ['bob'] }, 'bob');
        expect(t.row(child)).toMatchObject({
          title: 'Harden the decoder and the encoder',
          owner: 'bob',
          state: 'open',
        });
        await t.change(child, { state: 'closed' }, 'bob');
        expect(t.row(child)).toMatchObject({ owner: 'bob', state: 'closed' });
        expect(written.length).toBeGreaterThan(0);
        for (const detail of masterDetails(t.master(), 'Heap overflow')) {
          expect(written.join('\n')).not.toContain(detail);
          expect(JSON.stringify(t.issue(child))).not.toContain(detail);
          expect(JSON.stringify(t.store.listComments(child.ref))).not.toContain(detail);
        }
        // No native link: it would show the master's title to the child's readers.
        expect(written.some((w) => w.startsWith('link '))).toBe(false);
        expect(t.store.linksOf(t.ref)).not.toContain(`${PUBLIC}#${child.ref.number}`);
      },
    );

    if (traits.confidentialIssues) {
      it('a confidential child in a public project gets the reference and the native link', async () => {
        const t = await incident();
        const { issue: hidden } = await t.open(PUBLIC, {
          title: 'Embargoed fix',
          body: '',
          labels: [`incident-id::${t.id}`],
          confidential: true,
        });
        expect(t.issue(hidden).body).toContain(`[${t.masterRef}](${t.master().webUrl})`);
        expect(t.store.linksOf(t.ref)).toContain(`${PUBLIC}#${hidden.ref.number}`);
      });
    }

    it('an unknown identifier gets exactly one comment and nothing else, however often the issue changes', async () => {
      const t = await incident();
      const written = writesInto(t.store, PRIVATE, t.bot);
      const { issue: child, outcome } = await t.open(PRIVATE, {
        title: 'Something',
        body: 'text',
        labels: ['incident-id::INC-2026-999'],
      });
      expectOutcome(t, outcome, 'done');
      await t.change(child, { title: '[INC-2026-999] Something else' });
      expectOutcome(t, await t.edit((body) => `${body}\nmore`, 'alice', t.issue(child)), 'done');
      await t.change(child, { assignees: ['bob'], ...duePatch(t, child, '2026-12-01') });
      await t.change(child, { state: 'closed' });
      expect(written).toHaveLength(1);
      const comments = t.store.listComments(child.ref);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('**INC-2026-999**');
      expect(comments[0]!.body).not.toContain(INCIDENT_PROJECT);
      expect(t.issue(child).labels).toEqual(['incident-id::INC-2026-999']);
      expect(t.issue(child).body).toBe(traits.dueDateField ? 'text\nmore' : 'text\nmore\nDue: 2026-12-01');
      expect(trackingRows(t.master())).toEqual([]);
    });

    it(
      '/task in a private project opens the full ticket from the template: ' +
        'assigned, due on the given date, natively linked, listed',
      async () => {
        const t = await incident();
        t.clock.now = minutes(4);
        expectOutcome(
          t,
          await t.say(
            '/task @bob acme/api Rotate the keys due 2026-12-03\nRotate every key and confirm here.',
            'alice',
          ),
          'done',
        );
        const created = t.task(PRIVATE)!;
        expectTaskOpened(t, created, {
          title: 'Rotate the keys',
          action: 'Rotate every key and confirm here.',
          due: '2026-12-03',
        });
        // The due date is read back from the ticket itself on its next event.
        t.clock.now = minutes(6);
        await t.change(created, { title: `[${t.id}] Rotate all keys` }, 'bob');
        expect(t.row(created)).toMatchObject({ title: 'Rotate all keys', due: '2026-12-03' });
      },
    );

    it('/task without a date is due after the configured SLA', async () => {
      const t = await incident();
      t.clock.now = minutes(4);
      expectOutcome(
        t,
        await t.say(
          '/task @bob acme/api Rotate the signing keys\nRotate every key and confirm in this ticket.',
          'alice',
        ),
        'done',
      );
      expectTaskOpened(t, t.task(PRIVATE)!, {
        title: 'Rotate the signing keys',
        action: 'Rotate every key and confirm in this ticket.',
        due: '2026-11-29',
      });
    });

    if (traits.confidentialIssues) {
      it(
        '/task in a public project: created confidential with the identifier only, ' +
          'the details written once the tracker confirmed it',
        async () => {
          const t = await incident();
          const written = writesInto(t.store, PUBLIC, t.bot);
          expectOutcome(t, await t.say('/task @bob acme/site Update the decoder due 2026-12-05', 'alice'), 'done');
          const [created, ...others] = t.store.allIssues(PUBLIC);
          expect(others).toEqual([]);
          expect(created!.confidential).toBe(true);
          expect(created!.dueDate).toBe('2026-12-05');
          expect(created!.body).toContain(`**Incident summary:** Heap overflow`);
          const [create, ...rest] = written;
          expect(create).toMatch(/^create /);
          expect(JSON.parse(create!.slice('create '.length))).toMatchObject({ confidential: true });
          for (const detail of masterDetails(t.master(), 'Heap overflow')) expect(create).not.toContain(detail);
          expect(create).toContain(t.id);
          expect(rest[0]).toMatch(new RegExp(`^update ${PUBLIC}#${created!.ref.number} .*Heap overflow`));
          expect(t.row(created!)).toMatchObject({ due: '2026-12-05', owner: 'bob' });
        },
      );
    } else {
      it(
        '/task in a public repository: refused without --public, ' +
          'refused with incident details, and then names only the identifier',
        async () => {
          const t = await incident();
          const written = writesInto(t.store, PUBLIC, t.bot);
          await t.say('/task @bob acme/site Update the decoder', 'alice');
          await t.say('/task @bob acme/site Fix the heap overflow in the parser --public', 'alice');
          expect(t.store.allIssues(PUBLIC)).toHaveLength(0);
          const replies = t.comments('invalid');
          expect(replies).toHaveLength(2);
          expect(replies[0]!.body).toContain('--public');
          expect(replies[1]!.body).toContain("incident's title");

          await t.say('/task @bob acme/site Update the decoder to 2.4 due 2026-12-05 --public', 'alice');
          const created = t.task(PUBLIC)!;
          expect(created.assignees).toEqual(['bob']);
          expect(created.body).toContain(t.id);
          expect(created.body).toContain('**Due:** 2026-12-05');
          for (const detail of masterDetails(t.master(), 'Heap overflow')) {
            expect(written.join('\n')).not.toContain(detail);
            expect(JSON.stringify(t.issue(created))).not.toContain(detail);
          }
          expect(written.some((w) => w.startsWith('link '))).toBe(false);
          expect(t.row(created)).toMatchObject({
            ref: `${PUBLIC}#${created.ref.number}`,
            due: '2026-12-05',
            owner: 'bob',
          });
        },
      );
    }

    it('/task is refused to people without write access and explained for a project the app cannot see', async () => {
      const t = await incident();
      await t.say('/task @bob acme/api Something', 'mallory');
      await t.say('/task @bob nowhere/else Something', 'alice');
      expect(t.task(PRIVATE)).toBeUndefined();
      expect(t.comments('refusal')).toHaveLength(1);
      expect(
        t
          .comments('invalid')
          .map((c) => c.body)
          .join('\n'),
      ).toContain('nowhere/else');
    });

    it(
      "a child's close, reopen, retitle, " +
        'new assignee and new due date each update its row with one write of the master',
      async () => {
        const t = await incident();
        const { issue: child } = await t.open(PRIVATE, {
          title: 'Rotate',
          body: traits.dueDateField ? '' : 'Due: 2026-12-01',
          labels: [`incident-id::${t.id}`],
          ...(traits.dueDateField ? { dueDate: '2026-12-01' } : {}),
        });
        expect(t.row(child)).toMatchObject({ state: 'open', owner: null, due: '2026-12-01' });
        const steps: Array<[string, () => Change, object]> = [
          ['close', () => ({ state: 'closed' }), { state: 'closed' }],
          ['reopen', () => ({ state: 'open' }), { state: 'open' }],
          ['retitle', () => ({ title: 'Rotate all keys' }), { title: 'Rotate all keys' }],
          ['assign', () => ({ assignees: ['alice'] }), { owner: 'alice' }],
          ['due date', () => duePatch(t, child, '2026-11-30'), { due: '2026-11-30' }],
        ];
        for (const [n, [what, patch, expected]] of steps.entries()) {
          t.clock.now = minutes(10 + n);
          const before = t.probe.masterWrites();
          const change = patch();
          expectOutcome(t, await t.change(child, change, 'bob'), 'done');
          // A closed ticket folds into the collapsed list of closed ones: reference and owner only.
          const shown = change.state === 'closed' ? {} : { updated: `2026-11-22T10:${10 + n}:00Z` };
          expect(t.row(child), what).toMatchObject({ ...expected, ...shown });
          expect(t.probe.masterWrites() - before, what).toBe(1);
        }
        expect(t.timeline()).toContain(`@bob · closed tracking ticket ${PRIVATE}#${child.ref.number}`);
        expect(t.timeline()).toContain(`@bob · reopened tracking ticket ${PRIVATE}#${child.ref.number}`);
        // The dashboard follows: alice's one open ticket.
        expect(t.master().body).toContain('| `@alice` | 1 | 0 | 0 |');
        // The child's event as it was opened, delivered again, changes nothing.
        const writes = t.probe.writes();
        await t.replay(child, 'opened');
        expect(t.probe.writes()).toBe(writes);
        // A due date that passes shows on the next sweep.
        await t.sweep(new Date('2026-12-01T08:00:00Z'));
        expect(t.row(child)?.due).toBe('2026-11-30');
        expect(t.master().body).toContain('**1 open · 0 closed · 1 overdue**');
        expect(t.master().body).toContain('⚠️ overdue');
      },
    );

    it('an older event of a child delivered after its close does not reopen its row', async () => {
      const t = await incident();
      const { issue: child } = await t.open(PRIVATE, { title: 'Rotate', body: '', labels: [`incident-id::${t.id}`] });
      t.clock.now = minutes(5);
      const retitled = t.store.editIssue(child.ref, { title: 'Rotate all keys' }, 'alice');
      t.clock.now = minutes(6);
      await t.change(t.issue(child), { state: 'closed' });
      expect(t.row(child)?.state).toBe('closed');
      // The retitle's event (10:05, open) arrives after the close's (10:06).
      await t.replay(retitled, 'edited', 'alice', child);
      expect(t.row(child)?.state).toBe('closed');
    });

    it("the sweep re-renders the overdue flags once a child's due date passed, and only then", async () => {
      const t = await incident();
      // Acknowledged, assessed low and reported on: no escalation nor sitrep reminder is due in this story.
      await t.say('/ack', 'alice');
      await t.say('/severity low', 'alice');
      await t.say('/task @bob acme/api Rotate the keys due 2026-11-23', 'alice');
      await t.say('/sitrep All quiet.', 'alice');
      expect(t.master().body).toContain('0 overdue');
      const quiet = t.probe.writes();
      await t.sweep(minutes(60));
      expect(t.master().body).toContain('0 overdue');
      expect(t.probe.writes()).toBe(quiet);
      await t.sweep(new Date('2026-11-24T08:00:00Z'));
      expect(t.master().body).toContain('1 overdue');
      expect(t.probe.writes()).toBeGreaterThan(quiet);
    });

    it('the close guard reopens a master closed with open tickets, with one comment listing them', async () => {
      const t = await incident();
      await t.say('/task @bob acme/api Rotate the keys', 'alice');
      const task = t.task(PRIVATE)!;
      t.clock.now = minutes(30);
      const before = t.probe.masterWrites();
      expectOutcome(t, await t.change(t.master(), { state: 'closed' }, 'bob'), 'done');
      expect(t.master().state).toBe('open');
      // The reopen is the one write of the master's issue.
      expect(t.probe.masterWrites() - before).toBe(1);
      const guard = t.comments('close-guard');
      expect(guard).toHaveLength(1);
      expect(guard[0]!.body).toContain(`${PRIVATE}#${task.ref.number} (tracking ticket, \`@bob\`)`);
      for (const child of t.intakeChildren())
        expect(guard[0]!.body).toContain(`${child.ref.project}#${child.ref.number} (`);
      expect(guard[0]!.body).toContain('3 of its tickets are still open');
      expect(t.timeline()).toContain('@bob · tried to close the incident with 3 open tickets; reopened');
      expect(t.comments('incident-summary')).toHaveLength(0);

      // The release and communications tickets closed, the tracking ticket still open: it alone is listed.
      for (const child of t.intakeChildren()) t.store.editIssue(child.ref, { state: 'closed' }, 'alice');
      await t.change(t.master(), { state: 'closed' }, 'bob');
      expect(t.master().state).toBe('open');
      expect(t.comments('close-guard')).toHaveLength(2);
      expect(t.comments('close-guard')[1]!.body).toMatch(/acme\/api#\d+ \(tracking ticket, `@bob`\)/);
      expect(t.timeline()).toContain('tried to close the incident with 1 open tickets; reopened');
    });

    it('closeGuard: false lets the master close with open tickets', async () => {
      const t = await incident('closeGuard: false\n');
      await t.say('/task @bob acme/api Rotate the keys', 'alice');
      await t.change(t.master(), { state: 'closed' }, 'bob');
      expect(t.master().state).toBe('closed');
    });

    it('closing the master with every ticket closed posts the incident summary', async () => {
      const t = await incident();
      await t.say('/task @bob acme/api Rotate the keys', 'alice');
      const task = t.task(PRIVATE)!;
      const { issue: labelled } = await t.open(PRIVATE, {
        title: 'Audit the logs',
        body: '',
        labels: [`incident-id::${t.id}`],
        assignees: ['alice'],
      });
      t.clock.now = minutes(60);
      await t.change(task, { state: 'closed' }, 'bob');
      await t.change(labelled, { state: 'closed' }, 'alice');
      for (const child of t.intakeChildren()) await t.change(child, { state: 'closed' }, 'alice');
      t.clock.now = minutes(24 * 60 + 90);
      expectOutcome(t, await t.change(t.master(), { state: 'closed' }, 'bob'), 'done');
      expect(t.master().state).toBe('closed');
      expect(t.comments('close-guard')).toHaveLength(0);
      const summary = t.comments('incident-summary');
      expect(summary).toHaveLength(1);
      const body = summary[0]!.body;
      expect(body).toContain(`| Identifier: | ${t.id} |`);
      expect(body).toContain('| Opened: | 2026-11-22T10:00:00Z |');
      expect(body).toContain('| Closed: | 2026-11-23T11:30:00Z |');
      expect(body).toContain('| Duration: | 1 d 1 h 30 min |');
      expect(body).toContain('| Tracking tickets: | 2 |');
      expect(body).toContain('| `@bob` | 1 |');
      expect(body).toContain('| `@alice` | 1 |');
      // The timeline's first and last entries.
      expect(body).toContain(`@${t.labeledBy} · labeled the report \`incident\``);
      expect(body).toContain('@bob · closed the incident');
      expect(t.timeline()).toContain('@bob · closed the incident');
    });

    it(
      `a child event costs the same requests with 2 or ${MANY_CHILDREN[harness.name]} tracking tickets on the ` +
        `master`,
      async () => {
        const cost = async (children: number) => {
          const t = await incident();
          const opened: Issue[] = [];
          for (let n = 0; n < children; n += 1)
            opened.push(
              (await t.open(PRIVATE, { title: `Task ${n}`, body: '', labels: [`incident-id::${t.id}`] })).issue,
            );
          const target = opened[Math.floor(children / 2)]!;
          t.clock.now = minutes(30);
          const start = t.probe.requestCount();
          expectOutcome(
            t,
            await t.change(target, { title: `Task ${Math.floor(children / 2)} renamed` }, 'bob'),
            'done',
          );
          expect(t.row(target)?.title).toBe(`Task ${Math.floor(children / 2)} renamed`);
          const retitle = t.probe.requestShapes(start);
          const closing = t.probe.requestCount();
          await t.change(t.issue(target), { state: 'closed' }, 'bob');
          expect(t.row(target)?.state).toBe('closed');
          return {
            retitle,
            close: t.probe.requestShapes(closing),
            masterWrites: retitle.filter(t.probe.isMasterWrite).length,
          };
        };
        const few = await cost(2);
        expect(await cost(MANY_CHILDREN[harness.name])).toEqual(few);
        expect(few.masterWrites).toBe(1);
        expect(few.close.length).toBeLessThanOrEqual(CHILD_EVENT_CALLS[harness.name]);
      },
    );
  });
}
