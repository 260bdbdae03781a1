import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands/parse.js';
import type { AccessLevel, Issue, TrackerKind } from '../../src/kernel/model.js';
import { decideCommand } from '../../src/commands/decide.js';
import type { RunPlan } from '../../src/run/plan.js';
import type { RunState } from '../../src/kernel/ticket-state.js';
import { commentKinds, context, COMMS, isEmpty, ticket, timelineTexts } from '../support/master-fixture.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { IncidentDeskConfig } from '../../src/config/schema.js';

// `decideCommand`, a pure decision of a running incident, straight from its inputs: a master as the tracker answered
// it, who acted with which access, and what they did. The shell's scenarios (test/e2e/run.test.ts) go through these;
// here every branch is one row.

const AT = '2026-11-22T10:03:00Z';

describe('decideCommand', () => {
  interface CommandCase {
    name: string;
    comment: string;
    actor?: string;
    access?: AccessLevel | null;
    tracker?: TrackerKind;
    master?: Issue;
    config?: Partial<IncidentDeskConfig>;
    expected: {
      report?: RunPlan['report'];
      close?: boolean;
      /** The references of the tickets closed with the master. */
      closeChildren?: string[];
      comments?: string[];
      /** Pieces the one comment must contain. */
      says?: string[];
      timeline?: string[];
      cells?: Record<string, string>;
      addLabels?: string[];
      removeLabels?: string[];
      run?: Partial<RunState>;
      assign?: RunPlan['assign'];
      nothing?: boolean;
    };
  }
  const cases: CommandCase[] = [
    // The help is the command reference, with no marker of the app's.
    {
      name: '/help answers with the reference',
      comment: '/help',
      access: null,
      expected: { comments: ['other'], says: ['/set', '/sitrep', '/task'] },
    },
    {
      name: 'an unknown command is answered with the help, whoever asks',
      comment: '/frobnicate now',
      access: 'read',
      expected: { comments: ['other'], says: ['`/frobnicate` is not an incident-desk command.', '/set'] },
    },
    {
      name: 'someone who may only read is refused (GitHub wording)',
      comment: '/set cvss 9.8',
      access: 'read',
      tracker: 'github',
      expected: { comments: ['refusal'], says: ['@bob', 'write access to this repository', '`/set`'] },
    },
    {
      name: 'a Reporter is refused (GitLab wording)',
      comment: '/severity high',
      access: 'triage',
      expected: { comments: ['refusal'], says: ['at least the Developer role in this project'] },
    },
    {
      name: 'access not read: refused',
      comment: '/cve CVE-2026-1234',
      access: null,
      expected: { comments: ['refusal'] },
    },
    {
      name: 'a command with arguments that do not fit: explained',
      comment: '/severity extreme',
      expected: { comments: ['invalid'], says: ['`/severity`'] },
    },
    {
      name: '/set writes the cell and records it',
      comment: '/set cvss 9.8',
      expected: { cells: { 'CVSS Score': '9.8' }, timeline: [`${AT} @bob set CVSS Score to 9.8`] },
    },
    { name: '/set with the value the cell has: nothing', comment: '/set im @alice', expected: { nothing: true } },
    {
      name: '/set with a value that is no date: explained, nothing written',
      comment: '/set disclosure-date 2026-02-30',
      expected: { comments: ['invalid'], says: ['YYYY-MM-DD'] },
    },
    {
      name: '/set disclosure-date opens the phase nudges again',
      comment: '/set disclosure-date 2026-12-10',
      master: ticket({ run: { nudged: ['t-5'] } }),
      expected: { cells: { 'Public Disclosure Date': '2026-12-10' }, run: { nudged: [] } },
    },
    {
      name: '/cve records an alias and its label',
      comment: '/cve CVE-2026-1234',
      expected: {
        addLabels: ['incident-id::CVE-2026-1234'],
        run: { aliases: ['CVE-2026-1234'] },
        timeline: [`${AT} @bob recorded CVE-2026-1234 for this incident`],
      },
    },
    {
      name: '/cve of an alias already recorded: nothing',
      comment: '/cve CVE-2026-1234',
      master: ticket({ run: { aliases: ['CVE-2026-1234'] } }),
      expected: { nothing: true },
    },
    {
      name: '/na marks a step not applicable with its reason',
      comment: '/na pick-deputy no deputy needed',
      expected: {
        run: { na: { 'pick-deputy': 'no deputy needed' } },
        timeline: [`${AT} @bob marked "(IM) Do pick-deputy" not applicable: no deputy needed`],
      },
    },
    {
      name: '/na by a unique piece of the step text',
      comment: '/na "respond-reporter"',
      expected: { run: { na: { 'respond-reporter': '' } } },
    },
    {
      name: '/na of no step: explained',
      comment: '/na nothing-like-this',
      expected: { comments: ['invalid'], says: ['No step matches'] },
    },
    {
      name: '/timeline with a time: the entry at that time',
      comment: '/timeline 2026-11-22T09:30:00Z Reporter first emailed',
      expected: { timeline: ['2026-11-22T09:30:00Z @bob Reporter first emailed'] },
    },
    {
      name: '/timeline without a time: now',
      comment: '/timeline called the reporter',
      expected: { timeline: [`${AT} @bob called the reporter`] },
    },
    {
      name: '/severity sets the level, its label and the sitrep clock',
      comment: '/severity high',
      expected: {
        addLabels: ['severity::high'],
        removeLabels: [],
        run: { severity: 'high', sitrepSince: AT },
        timeline: [`${AT} @bob set severity to high`],
      },
    },
    {
      name: '/severity changes the level: the old label goes, the clock keeps running',
      comment: '/severity low',
      master: ticket({ run: { severity: 'high', sitrepSince: '2026-11-22T09:00:00Z' } }),
      expected: {
        addLabels: ['severity::low'],
        removeLabels: ['severity::high'],
        run: { severity: 'low', sitrepSince: '2026-11-22T09:00:00Z' },
      },
    },
    {
      name: '/severity at the level it has: nothing',
      comment: '/severity high',
      master: ticket({ run: { severity: 'high', sitrepSince: AT } }),
      expected: { nothing: true },
    },
    {
      name: '/sitrep posts the report and restarts the clock',
      comment: '/sitrep Status: contained\nPatch in review.',
      master: ticket({ run: { severity: 'high', sitrepSince: '2026-11-22T08:00:00Z', sitrepReminders: 2 } }),
      expected: {
        comments: ['sitrep'],
        says: ['contained'],
        run: { sitrepSince: AT, sitrepReminders: 0 },
        timeline: [`${AT} @bob posted a situation report`],
      },
    },
    {
      name: '/handoff by the holder: a pending handoff, asked in a comment',
      comment: '/handoff @bob im',
      actor: 'alice',
      expected: {
        comments: ['handoff-requested'],
        run: { handoff: { from: 'alice', to: 'bob', role: 'im', at: AT } },
        // The Incident Manager's first command acknowledges the incident too.
        timeline: [
          `${AT} @alice acknowledged the incident (first action of the Incident Manager)`,
          `${AT} @alice asked @bob to take over as Incident Manager`,
        ],
      },
    },
    {
      name: '/handoff by a writer who does not hold the role: refused',
      comment: '/handoff @carol im',
      actor: 'bob',
      access: 'write',
      expected: { comments: ['refusal'], says: ['only its current holder or a maintainer'] },
    },
    {
      name: '/handoff by a maintainer who does not hold the role: asked',
      comment: '/handoff @carol deputy',
      actor: 'bob',
      access: 'maintain',
      expected: {
        comments: ['handoff-requested'],
        run: { handoff: { from: 'bob', to: 'carol', role: 'deputy', at: AT } },
      },
    },
    {
      name: '/accept by the one asked: the cell, the assignee, the comment, the timeline',
      comment: '/accept',
      master: ticket({ run: { handoff: { from: 'alice', to: 'bob', role: 'im', at: '2026-11-22T10:00:00Z' } } }),
      expected: {
        cells: { 'Incident Manager': '@bob' },
        assign: { add: 'bob', remove: 'alice' },
        comments: ['handoff-done'],
        timeline: [`${AT} @bob took over as Incident Manager from @alice`],
      },
    },
    {
      name: '/accept of a deputy handoff: the cell, no assignee',
      comment: '/accept',
      master: ticket({ run: { handoff: { from: 'alice', to: 'bob', role: 'deputy', at: '2026-11-22T10:00:00Z' } } }),
      expected: { cells: { 'Deputy Incident Manager': '@bob' }, comments: ['handoff-done'] },
    },
    {
      name: '/accept by someone else: explained, the handoff still waits',
      comment: '/accept',
      actor: 'mallory',
      master: ticket({ run: { handoff: { from: 'alice', to: 'bob', role: 'im', at: '2026-11-22T10:00:00Z' } } }),
      expected: {
        comments: ['invalid'],
        says: ['no handoff waiting for you'],
        run: { handoff: { from: 'alice', to: 'bob', role: 'im', at: '2026-11-22T10:00:00Z' } },
      },
    },
    // Triage (seed 003): the rubric and the statuses for anyone, acknowledgement, status, false alarm, severity.
    {
      name: '/severity alone shows the rubric, to anyone',
      comment: '/severity',
      access: 'read',
      expected: {
        comments: ['severity-rubric'],
        says: ['run as **high**', '**High**', 'continuous', 'during business hours', 'up to taking the service down'],
      },
    },
    {
      name: '/status alone shows where the incident stands, to anyone',
      comment: '/status',
      access: null,
      master: ticket({ run: { status: 'confirmed' } }),
      expected: { comments: ['status'], says: ['The status is **confirmed**', '`contained`', '/false-alarm'] },
    },
    {
      name: '/ack by a writer acknowledges, with how long it took',
      comment: '/ack',
      master: ticket({ run: { declaredAt: '2026-11-22T10:00:00Z' } }),
      expected: {
        comments: ['ack'],
        says: ['Acknowledged by `@bob` at 2026-11-22T10:03:00Z, 3 minutes after it was declared.'],
        run: { ack: { by: 'bob', at: AT } },
        timeline: [`${AT} @bob acknowledged the incident`],
      },
    },
    {
      name: '/ack with nobody holding the Incident Manager role: whoever acknowledges takes it',
      comment: '/ack',
      master: ticket({ cells: { 'Incident Manager': '_not set_' } }),
      expected: {
        comments: ['ack'],
        says: ['is now the **Incident Manager**'],
        cells: { 'Incident Manager': '@bob' },
        assign: { add: 'bob', remove: null },
        run: { ack: { by: 'bob', at: AT }, history: [{ at: AT, by: 'bob', kind: 'role', value: 'im', to: 'bob' }] },
      },
    },
    {
      name: '/ack once acknowledged: says by whom, changes nothing',
      comment: '/ack',
      master: ticket({ run: { ack: { by: 'alice', at: '2026-11-22T10:01:00Z' } } }),
      expected: { comments: ['ack'], says: ['already acknowledged by `@alice`'], timeline: [] },
    },
    {
      name: 'any command of the Incident Manager acknowledges (their first action)',
      comment: '/set cvss 9.8',
      actor: 'alice',
      expected: {
        cells: { 'CVSS Score': '9.8' },
        run: { ack: { by: 'alice', at: AT } },
        timeline: [
          `${AT} @alice acknowledged the incident (first action of the Incident Manager)`,
          `${AT} @alice set CVSS Score to 9.8`,
        ],
      },
    },
    {
      name: "someone else's command does not acknowledge",
      comment: '/set cvss 9.8',
      expected: { cells: { 'CVSS Score': '9.8' }, timeline: [`${AT} @bob set CVSS Score to 9.8`] },
    },
    {
      name: '/status contained: the label, the milestone, the timeline',
      comment: '/status contained',
      master: ticket({ run: { status: 'confirmed' }, labels: ['status::confirmed'] }),
      expected: {
        addLabels: ['status::contained'],
        removeLabels: ['status::confirmed'],
        run: { status: 'contained', history: [{ at: AT, by: 'bob', kind: 'status', value: 'contained' }] },
        timeline: [`${AT} @bob set status to contained`],
      },
    },
    {
      name: '/status resolved asks for the final sitrep, thanks the responders and composes the report',
      comment: '/status resolved',
      master: ticket({ run: { status: 'contained', ack: { by: 'alice', at: '2026-11-22T10:01:00Z' } } }),
      expected: {
        comments: ['resolved'],
        says: [
          '@alice: please post the final situation report',
          'Thank you for your work on this incident, @alice, @bob',
        ],
        addLabels: ['status::resolved'],
        run: { status: 'resolved' },
        report: 'final',
        timeline: [`${AT} @bob set status to resolved`],
      },
    },
    {
      name: '/status resolved when the report of this conclusion was posted: no second report',
      comment: '/status resolved',
      master: ticket({ run: { status: 'contained', report: { at: '2026-11-22T10:02:00Z' } } }),
      expected: { comments: ['resolved'], addLabels: ['status::resolved'], report: undefined },
    },
    {
      name: '/status back from resolved takes the incident up again: its next conclusion gets a report',
      comment: '/status investigating',
      master: ticket({ run: { status: 'resolved', report: { at: '2026-11-22T10:02:00Z' } } }),
      expected: { addLabels: ['status::investigating'], run: { status: 'investigating', report: undefined } },
    },
    {
      name: '/false-alarm closes the master and its tickets with a note, and composes the report',
      comment: '/false-alarm the traffic was\nour own load test',
      expected: {
        comments: ['false-alarm'],
        says: ['was a false alarm, concluded by `@bob`', '> the traffic was\n> our own load test', COMMS],
        addLabels: ['status::false-alarm'],
        run: { status: 'false-alarm' },
        close: true,
        closeChildren: [COMMS],
        report: 'final',
        timeline: [
          `${AT} @bob set status to false-alarm`,
          `${AT} @bob concluded the incident as a false alarm and closed 1 tickets`,
        ],
      },
    },
    {
      name: '/false-alarm without a reason: explained',
      comment: '/false-alarm',
      expected: { comments: ['invalid'], says: ['Say why'] },
    },
    {
      name: '/severity high tells its escalation list once, with the response it calls for',
      comment: '/severity high',
      config: { escalation: { high: ['ciso', '@acme/sec-leads'], medium: [], low: [] } },
      expected: {
        comments: ['severity-informed'],
        says: ['@ciso @acme/sec-leads:', 'continuous', 'every 30 minutes'],
        addLabels: ['severity::high'],
        run: { severity: 'high', informed: ['high'] },
      },
    },
    {
      name: '/severity high once its list was told: the label only',
      comment: '/severity high',
      config: { escalation: { high: ['ciso'], medium: [], low: [] } },
      master: ticket({ run: { severity: 'low', informed: ['high'] } }),
      expected: { addLabels: ['severity::high'], removeLabels: ['severity::low'], run: { severity: 'high' } },
    },
    {
      name: '/set detected records when the incident became active',
      comment: '/set detected 2026-11-22T09:15:00+01:00',
      expected: {
        run: { detectedAt: '2026-11-22T08:15:00Z' },
        timeline: [`${AT} @bob recorded that the incident became active at 2026-11-22T08:15:00Z`],
      },
    },
    {
      name: '/set detected without a time: explained',
      comment: '/set detected yesterday',
      expected: { comments: ['invalid'], says: ['RFC 3339'] },
    },
    { name: '/report: the shell composes a preview', comment: '/report', expected: { report: 'preview' } },
    // Roles (seed 003): the Communications Officer, designated by the Incident Manager; the handoff's sitrep.
    {
      name: '/handoff @carol co by the Incident Manager designates the Communications Officer',
      comment: '/handoff @carol co',
      actor: 'alice',
      expected: {
        comments: ['handoff-requested'],
        says: ['**Communications Officer**'],
        run: { handoff: { from: 'alice', to: 'carol', role: 'co', at: AT } },
      },
    },
    {
      name: '/handoff @carol co by a writer who is neither holder nor Incident Manager: refused',
      comment: '/handoff @carol co',
      expected: { comments: ['refusal'], says: ['its current holder, the Incident Manager or a maintainer'] },
    },
    {
      name: '/accept of the Communications Officer role: its cell, no assignee, the sitrep owed',
      comment: '/accept',
      actor: 'carol',
      master: ticket({ run: { handoff: { from: 'alice', to: 'carol', role: 'co', at: '2026-11-22T10:00:00Z' } } }),
      expected: {
        cells: { 'Communications Officer': '@carol' },
        comments: ['handoff-done'],
        run: {
          handoverSitrep: { role: 'co', from: 'alice', to: 'carol', at: AT },
          history: [{ at: AT, by: 'carol', kind: 'role', value: 'co', to: 'carol', from: 'alice' }],
        },
      },
    },
    {
      name: "the incoming holder's sitrep notes the handoff (seed 003's ceremony, step 4)",
      comment: '/sitrep Took over from alice.\nNext steps: finish the FAQ',
      actor: 'carol',
      master: ticket({
        run: { handoverSitrep: { role: 'co', from: 'alice', to: 'carol', at: '2026-11-22T10:01:00Z' } },
      }),
      expected: {
        comments: ['sitrep'],
        says: ['- **Handoff:** `@carol` took over as Communications Officer from `@alice`', '#### Next steps'],
        run: { handoverSitrep: undefined, sitreps: 1, sitrepSince: AT },
        timeline: [`${AT} @carol posted a situation report noting the handoff`],
      },
    },
    {
      name: 'an approval command on the master: sent to the comms ticket',
      comment: '/approve blog',
      expected: { comments: ['invalid'], says: [`Approval commands go on the communications ticket, ${COMMS}.`] },
    },
  ];

  it.each(cases)(
    '$name',
    ({ comment, actor = 'bob', access = 'write', tracker = 'gitlab', master = ticket(), config, expected }) => {
      const ctx = context(master, actor, access, tracker, { ...DEFAULT_CONFIG, ...config });
      const plan = decideCommand(ctx, parseCommand(comment)!);
      if (expected.nothing) {
        expect(isEmpty(plan, ctx.state.run)).toBe(true);
        return;
      }
      expect(commentKinds(plan)).toEqual(expected.comments ?? []);
      for (const piece of expected.says ?? []) expect(plan.comments[0]!.body).toContain(piece);
      for (const c of plan.comments) expect(c.ref).toEqual(master.ref);
      if (expected.timeline) expect(timelineTexts(plan)).toEqual(expected.timeline);
      if (!expected.timeline && (expected.comments?.[0] === 'refusal' || expected.comments?.[0] === 'invalid'))
        expect(plan.timeline).toEqual([]);
      expect(plan.cells).toEqual(expected.cells ?? {});
      expect(plan.addLabels).toEqual(expected.addLabels ?? []);
      expect(plan.removeLabels).toEqual(expected.removeLabels ?? []);
      expect(plan.assign).toEqual(expected.assign);
      const defined = Object.entries(expected.run ?? {}).filter(([, value]) => value !== undefined);
      if (expected.run) expect(plan.run).toMatchObject(Object.fromEntries(defined));
      for (const [key, value] of Object.entries(expected.run ?? {}))
        if (value === undefined) expect(plan.run[key as keyof RunState]).toBeUndefined();
      if ('report' in expected) expect(plan.report).toBe(expected.report);
      expect(plan.close).toBe(expected.close);
      expect((plan.closeChildren ?? []).map((c) => `${c.ref.project}#${c.ref.number}`)).toEqual(
        expected.closeChildren ?? [],
      );
    },
  );

  it('/accept clears the pending handoff', () => {
    const master = ticket({ run: { handoff: { from: 'alice', to: 'bob', role: 'im', at: '2026-11-22T10:00:00Z' } } });
    const plan = decideCommand(context(master, 'Bob', 'write'), parseCommand('/accept')!);
    expect(plan.run.handoff).toBeUndefined();
    expect(plan.cells).toEqual({ 'Incident Manager': '@bob' });
  });

  it('/task is left to the shell, which reads the target project first', () => {
    const command = parseCommand('/task @bob team/api Rotate the keys due 2026-12-03')!;
    const plan = decideCommand(context(ticket(), 'bob', 'write'), command);
    expect(plan.task).toEqual(command);
    expect(plan.comments).toEqual([]);
    expect(plan.timeline).toEqual([]);
    const refused = decideCommand(context(ticket(), 'mallory', 'read'), command);
    expect(refused.task).toBeUndefined();
    expect(commentKinds(refused)).toEqual(['refusal']);
  });
});
