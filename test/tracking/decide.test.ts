import { describe, expect, it } from 'vitest';
import { readTicketState } from '../../src/kernel/block.js';
import { parseCommand } from '../../src/commands/parse.js';
import { configSchema } from '../../src/config/schema.js';
import type { Issue, Project, TrackerCapabilities } from '../../src/kernel/model.js';
import { createRenderer } from '../../src/templates/renderer.js';
import type { TaskCommand } from '../../src/commands/parse.js';
import { decideClose, decideTask } from '../../src/tracking/decide.js';
import type { ClosingChild, TaskDecision } from '../../src/tracking/decide.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';
import { commentKinds, context, ID, ticket, timelineTexts } from '../support/master-fixture.js';

// The pure decisions of `/task` and of closing the master, straight from their inputs. The tracking scenarios
// (test/e2e/tracking.test.ts) go through them on every tracker; here every branch is one row.

const renderer = createRenderer(await loadDefaultTemplates());
const GITLAB: TrackerCapabilities = {
  confidentialIssues: true,
  nativeLinks: true,
  attachOnCreate: false,
  labelsBeforeUse: false,
  lockConversation: false,
  deleteIssue: false,
  dueDates: true,
  signedDeliveries: false,
  securityAdvisories: false,
  checks: false,
  commitStatuses: true,
};
const GITHUB: TrackerCapabilities = {
  confidentialIssues: false,
  nativeLinks: true,
  attachOnCreate: true,
  labelsBeforeUse: true,
  lockConversation: true,
  deleteIssue: true,
  dueDates: false,
  signedDeliveries: true,
  securityAdvisories: true,
  checks: true,
  commitStatuses: false,
};

const project = (path: string, visibility: Project['visibility']): Project => ({
  path,
  id: 40,
  visibility,
  webUrl: `https://t.example/${path}`,
  defaultBranch: 'main',
});
const task = (comment: string) => parseCommand(comment) as TaskCommand;
/** The pieces of the master that must never reach a public ticket. */
const MASTER_DETAILS = ['sec/incidents#7', 'sec/incidents', 'https://t.example/7', 'Heap overflow in the image parser'];

describe('decideTask', () => {
  interface TaskCase {
    name: string;
    comment: string;
    target: Project | null;
    capabilities: TrackerCapabilities;
    expected:
      | { refuse: string }
      | {
          /** Draft fields. */
          confidential: boolean;
          dueDate: string;
          isPublic: boolean;
          /** Pieces the first body holds, and pieces it must not (written later, or never). */
          first: string[];
          notFirst: string[];
          /** Whether the details come in a second write, once the tracker confirmed the ticket confidential. */
          detailsLater: boolean;
        };
  }
  const FULL = [
    '**Incident summary:** Heap overflow in the image parser',
    '[sec/incidents#7](https://t.example/7)',
    'Rotate every key.',
  ];
  const cases: TaskCase[] = [
    {
      name: 'a project the app cannot see: explained',
      comment: '/task @bob nowhere/else Rotate the keys',
      target: null,
      capabilities: GITLAB,
      expected: { refuse: 'The app cannot see a project or repository `nowhere/else`' },
    },
    {
      name: 'GitLab, a private project: confidential, every detail at once, the due date in its field only',
      comment: '/task @bob team/api Rotate the keys due 2026-12-03\nRotate every key.',
      target: project('team/api', 'private'),
      capabilities: GITLAB,
      expected: {
        confidential: true,
        dueDate: '2026-12-03',
        isPublic: false,
        first: [...FULL, "| Due: | this ticket's due date |"],
        notFirst: ['2026-12-03'],
        detailsLater: false,
      },
    },
    {
      name: 'GitLab, no date: due after the configured SLA',
      comment: '/task @bob team/api Rotate the keys\nRotate every key.',
      target: project('team/api', 'private'),
      capabilities: GITLAB,
      expected: {
        confidential: true,
        dueDate: '2026-11-29',
        isPublic: false,
        first: FULL,
        notFirst: ['2026-11-29'],
        detailsLater: false,
      },
    },
    {
      name: 'GitLab, a public project: created confidential with the identifier only, the details once confirmed',
      comment: '/task @bob oss/lib Update the decoder due 2026-12-05\nRotate every key.',
      target: project('oss/lib', 'public'),
      capabilities: GITLAB,
      expected: {
        confidential: true,
        dueDate: '2026-12-05',
        isPublic: false,
        first: [ID],
        notFirst: MASTER_DETAILS,
        detailsLater: true,
      },
    },
    {
      name: 'GitLab, an internal project: the same as a public one',
      comment: '/task @bob corp/tools Update the decoder\nRotate every key.',
      target: project('corp/tools', 'internal'),
      capabilities: GITLAB,
      expected: {
        confidential: true,
        dueDate: '2026-11-29',
        isPublic: false,
        first: [ID],
        notFirst: MASTER_DETAILS,
        detailsLater: true,
      },
    },
    {
      name: 'GitHub, a private repository: every detail, the due date in the text',
      comment: '/task @bob acme/api Rotate the keys due 2026-12-03\nRotate every key.',
      target: project('acme/api', 'private'),
      capabilities: GITHUB,
      expected: {
        confidential: true,
        dueDate: '2026-12-03',
        isPublic: false,
        first: [...FULL, '| Due: | 2026-12-03 |'],
        notFirst: [],
        detailsLater: false,
      },
    },
    {
      name: 'GitHub, a public repository without --public: refused',
      comment: '/task @bob acme/site Update the decoder',
      target: project('acme/site', 'public'),
      capabilities: GITHUB,
      expected: { refuse: '--public' },
    },
    {
      name: "GitHub, --public with the incident's title: refused",
      comment: '/task @bob acme/site Fix the heap overflow in the image parser --public',
      target: project('acme/site', 'public'),
      capabilities: GITHUB,
      expected: { refuse: "the incident's title" },
    },
    {
      name: "GitHub, --public with the master's reference in the text: refused",
      comment: '/task @bob acme/site Update the decoder --public\nSee sec/incidents#7 for why.',
      target: project('acme/site', 'public'),
      capabilities: GITHUB,
      expected: { refuse: 'a reference to the incident ticket' },
    },
    {
      name: 'GitHub, --public with a CVE other than the identifier: refused',
      comment: '/task @bob acme/site Backport CVE-2026-99999 --public',
      target: project('acme/site', 'public'),
      capabilities: GITHUB,
      expected: { refuse: 'a CVE id (CVE-2026-99999)' },
    },
    {
      name: 'GitHub, --public and nothing of the incident: created public, naming the identifier only',
      comment: '/task @bob acme/site Update the decoder to 2.4 due 2026-12-05 --public\nBump the dependency.',
      target: project('acme/site', 'public'),
      capabilities: GITHUB,
      expected: {
        confidential: false,
        dueDate: '2026-12-05',
        isPublic: true,
        first: [ID, '**Due:** 2026-12-05', 'Bump the dependency.'],
        notFirst: MASTER_DETAILS,
        detailsLater: false,
      },
    },
  ];

  it.each(cases)('$name', ({ comment, target, capabilities, expected }) => {
    const decision: TaskDecision = decideTask(context(ticket(), 'alice', 'write'), task(comment), target, {
      capabilities,
      renderer,
    });
    if ('refuse' in expected) {
      expect(decision.kind).toBe('refuse');
      if (decision.kind !== 'refuse') return;
      expect(decision.comment).toContain('<!-- incident-desk:invalid -->');
      expect(decision.comment).toContain(expected.refuse);
      return;
    }
    expect(decision.kind).toBe('create');
    if (decision.kind !== 'create') return;
    const { draft } = decision;
    // Until the tracker confirmed it confidential, a ticket whose details come later has a neutral title.
    expect(draft.title).toBe(expected.detailsLater ? `[${ID}] Tracking ticket` : `[${ID}] ${task(comment).title}`);
    expect(draft.labels).toEqual([`incident-id::${ID}`, 'incident::task']);
    expect(draft.assignees).toEqual(['bob']);
    expect(draft.confidential).toBe(expected.confidential);
    expect(decision.due).toBe(expected.dueDate);
    expect(decision.isPublic).toBe(expected.isPublic);
    if (!expected.isPublic) expect(draft.dueDate).toBe(expected.dueDate);
    for (const piece of expected.first) expect(draft.body).toContain(piece);
    for (const piece of expected.notFirst) expect(draft.body).not.toContain(piece);
    // The ticket carries its state: a task of the incident, naming its master only where its readers may see it.
    const state = readTicketState(draft.body);
    expect(state).toMatchObject({ v: 1, role: 'task', id: ID });
    if (expected.isPublic || expected.detailsLater) expect(state?.master).toBeUndefined();
    else expect(state).toMatchObject({ master: 'sec/incidents#7', linked: true });
    if (expected.detailsLater) {
      expect(decision.details?.title).toBe(`[${ID}] ${task(comment).title}`);
      for (const piece of FULL) expect(decision.details?.body).toContain(piece);
      expect(readTicketState(decision.details!.body)).toMatchObject({ master: 'sec/incidents#7' });
    } else {
      expect(decision.details).toBeNull();
    }
  });
});

describe('decideClose', () => {
  const child = (
    ref: string,
    role: ClosingChild['role'],
    state: ClosingChild['state'],
    owner: string | null = null,
  ): ClosingChild => ({ ref, role, state, owner });
  /** A tracking ticket as read fresh when the master closes. */
  const refreshed = (number: number, assignee: string, state: Issue['state']): Issue => ({
    ...ticket({ role: 'task', number, title: `[${ID}] Rotate key ${number}` }),
    ref: { project: 'acme/api', number },
    assignees: [assignee],
    state,
  });
  const FIRST = { at: '2026-11-22T10:00:00Z', actor: 'alice', text: 'labeled the report `incident`' };
  const closing = (children: ClosingChild[], config = {}, tickets: Issue[] = []) => {
    const ctx = { ...context(ticket(), 'bob', 'write'), config: configSchema.parse(config) };
    ctx.now = new Date('2026-11-23T11:30:00Z');
    return decideClose(ctx, { children, refreshed: tickets, firstEntry: FIRST });
  };

  it.each([
    {
      name: 'two open tickets and a closed one',
      children: [
        child('sec/incidents#8', 'release', 'open'),
        child('acme/api#3', 'task', 'open', 'bob'),
        child('sec/incidents#9', 'comms', 'closed'),
      ],
      listed: ['- sec/incidents#8 (release ticket)', '- acme/api#3 (tracking ticket, `@bob`)'],
      sentence: '2 of its tickets are still open. Close them first',
    },
    {
      name: 'one open ticket',
      children: [child('sec/incidents#9', 'comms', 'open', 'carol')],
      listed: ['- sec/incidents#9 (comms ticket, `@carol`)'],
      sentence: '1 of its tickets is still open. Close it first',
    },
  ])(
    'the close guard with $name: reopened in the same write, one comment listing the open ones, on the timeline',
    ({ children, listed, sentence }) => {
      const plan = closing(children);
      expect(plan.reopen).toBe(true);
      expect(commentKinds(plan)).toEqual(['close-guard']);
      const body = plan.comments[0]!.body;
      expect(body.split('\n').filter((l) => l.startsWith('- '))).toEqual(listed);
      expect(body).toContain(sentence);
      expect(timelineTexts(plan)).toEqual([
        `2026-11-23T11:30:00Z @bob tried to close the incident with ${listed.length} open tickets; reopened`,
      ]);
    },
  );

  // Seed 004: the master closes only once every action item is resolved: the fixture's steps are in "Earlier than
  // T-5", due at T-5 (2026-11-23 with a disclosure on 2026-11-28).
  const dueMaster = (options: Parameters<typeof ticket>[0] = {}) =>
    ticket({
      cells: { 'Public Disclosure Date': '2026-11-28' },
      steps: ['pick-deputy', 'respond-reporter'],
      ...options,
    });
  const closingMaster = (master: Issue, config = {}) => {
    const ctx = { ...context(master, 'bob', 'write'), config: configSchema.parse(config) };
    ctx.now = new Date('2026-11-23T11:30:00Z');
    return decideClose(ctx, { children: [], refreshed: [], firstEntry: FIRST });
  };

  it.each<[string, Issue, object, string[] | null]>([
    ['open steps of a due phase: listed, reopened', dueMaster(), {}, ['pick-deputy', 'respond-reporter']],
    [
      'a ticked step and a step marked N/A do not count',
      dueMaster({ done: ['pick-deputy'], run: { na: { 'respond-reporter': '' } } }),
      {},
      null,
    ],
    ['one step left', dueMaster({ done: ['pick-deputy'] }), {}, ['respond-reporter']],
    [
      'a phase not due yet does not count',
      ticket({ cells: { 'Public Disclosure Date': '2026-11-29' }, steps: ['pick-deputy'] }),
      {},
      null,
    ],
    ['no disclosure date: no phase is due', ticket({ steps: ['pick-deputy'] }), {}, null],
    ['`closeGuard: false` turns it off', dueMaster(), { closeGuard: false }, null],
  ])('the close guard and the checklist: %s', (_name, master, config, listed) => {
    const plan = closingMaster(master, config);
    if (listed === null) {
      expect(plan.reopen).toBeUndefined();
      expect(commentKinds(plan)).toEqual(['incident-summary']);
      return;
    }
    expect(plan.reopen).toBe(true);
    expect(commentKinds(plan)).toEqual(['close-guard']);
    const body = plan.comments[0]!.body;
    expect(body).toContain(
      `${listed.length} checklist ${listed.length === 1 ? 'step' : 'steps'} of phases that are due`,
    );
    const lines = body.split('\n').filter((l) => l.startsWith('- Earlier than T-5 (due 2026-11-23)'));
    expect(lines.map((l) => /`(?<id>[^`]+)`$/.exec(l)?.groups?.id)).toEqual(listed);
    expect(timelineTexts(plan)).toEqual([
      `2026-11-23T11:30:00Z @bob tried to close the incident with ${listed.length} open checklist steps of due ` +
        'phases; reopened',
    ]);
  });

  it('lists at most 50 open tickets and says how many more there are', () => {
    const plan = closing(Array.from({ length: 53 }, (_, n) => child(`acme/api#${n + 1}`, 'task', 'open')));
    const body = plan.comments[0]!.body;
    expect(body).toContain('53 of its tickets are still open');
    expect(body).toContain('- acme/api#50 (tracking ticket)');
    expect(body).not.toContain('- acme/api#51 ');
    expect(body).toContain('- …and 3 more (see Tracking tickets above)');
  });

  it.each([
    [
      'every ticket closed',
      [child('sec/incidents#8', 'release', 'closed'), child('acme/api#3', 'task', 'closed', 'bob')],
      {},
    ],
    ['open tickets and `closeGuard: false`', [child('acme/api#3', 'task', 'open', 'bob')], { closeGuard: false }],
  ] as const)('with %s: the close stands, recorded, and the incident summary is posted', (_, children, config) => {
    const plan = closing([...children], config, [refreshed(3, 'bob', 'closed'), refreshed(4, 'carol', 'closed')]);
    expect(plan.reopen).toBeUndefined();
    expect(timelineTexts(plan)).toEqual(['2026-11-23T11:30:00Z @bob closed the incident']);
    expect(commentKinds(plan)).toEqual(['incident-summary']);
    const summary = plan.comments[0]!.body;
    for (const piece of [
      `| Identifier: | ${ID} |`,
      '| Opened: | 2026-11-22T10:00:00Z |',
      '| Closed: | 2026-11-23T11:30:00Z |',
      '| Duration: | 1 d 1 h 30 min |',
      '| Tracking tickets: | 2 |',
      '| `@bob` | 1 |',
      '| `@carol` | 1 |',
      '@alice · labeled the report `incident`',
      '@bob · closed the incident',
    ]) {
      expect(summary).toContain(piece);
    }
  });

  it("puts the tickets read fresh in the master's table, whatever the guard decides", () => {
    for (const children of [
      [child('acme/api#3', 'task', 'open', 'bob')],
      [child('acme/api#3', 'task', 'closed', 'bob')],
    ]) {
      const plan = closing(children, {}, [refreshed(3, 'bob', children[0]!.state)]);
      expect(plan.tasks).toEqual([
        {
          ref: 'acme/api#3',
          title: 'Rotate key 3',
          owner: 'bob',
          state: children[0]!.state,
          due: null,
          updated: '2026-11-22T10:02:00Z',
        },
      ]);
    }
  });
});
