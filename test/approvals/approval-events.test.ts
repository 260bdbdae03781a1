import { describe, expect, it } from 'vitest';
import { approvalEventsOfEdit, approvalEventsOfLabels, foldApprovals } from '../../src/approvals/approval-events.js';
import type { ApprovalActor, ApprovalEvent } from '../../src/approvals/matrix.js';
import type { ApprovalState } from '../../src/kernel/ticket-state.js';
import { configSchema } from '../../src/config/schema.js';
import type { Issue, Project } from '../../src/kernel/model.js';
import { issueEvent } from '../support/events.js';
import { NOW, ticket, URL } from '../support/master-fixture.js';

// Where approval events come from (an edit of the comms ticket, labels set by hand) and how several fold into one
// outcome after another, straight from their inputs. The approval scenarios (test/e2e/approvals.test.ts) go through
// them on every tracker; decideApproval itself is tested in approvals.test.ts.

const config = configSchema.parse({
  approvals: {
    groups: {
      security: { name: 'Security', approvers: ['sec-lead'], backups: ['sec-b1', 'sec-b2'] },
      legal: { name: 'Legal', approvers: ['legal-lead'], backups: ['legal-b1', 'legal-b2'] },
    },
    deliverables: {
      blog: { name: 'Blog post', approve: ['security', 'legal'] },
      'support-faq': { name: 'FAQ for support', approve: ['security'] },
    },
    required: ['security', 'legal'],
    quorum: 1,
  },
});

const STEPS = [
  'comms-drafting-started',
  'comms-ready-for-review',
  'approve-blog-security',
  'approve-blog-legal',
  'approve-support-faq-security',
  'approve-blog-nobody',
  'comms-assign-owner',
];
const EDITED_AT = '2026-11-22T10:02:00.000Z';
/** The comms ticket as read, with some boxes ticked. */
const comms = (done: string[] = []) => ticket({ role: 'comms', number: 9, steps: STEPS, done, updatedAt: EDITED_AT });
const tick = (body: string, id: string) => body.replace(`- [ ] [🔗](${URL}#${id})`, `- [x] [🔗](${URL}#${id})`);
const untick = (body: string, id: string) => body.replace(`- [x] [🔗](${URL}#${id})`, `- [ ] [🔗](${URL}#${id})`);

describe('approvalEventsOfEdit', () => {
  const cases: Array<{ name: string; before: Issue; edit: (body: string) => string; expected: ApprovalEvent[] }> = [
    {
      name: 'a box of the matrix ticked: a box event at the time of the edit',
      before: comms(),
      edit: (b) => tick(b, 'approve-blog-security'),
      expected: [{ kind: 'box', deliverable: 'blog', group: 'security', checked: true, at: EDITED_AT }],
    },
    {
      name: 'a box unticked',
      before: comms(['approve-blog-legal']),
      edit: (b) => untick(b, 'approve-blog-legal'),
      expected: [{ kind: 'box', deliverable: 'blog', group: 'legal', checked: false, at: EDITED_AT }],
    },
    {
      name: 'ids with hyphens are matched against the configured deliverables and groups',
      before: comms(),
      edit: (b) => tick(b, 'approve-support-faq-security'),
      expected: [{ kind: 'box', deliverable: 'support-faq', group: 'security', checked: true, at: EDITED_AT }],
    },
    {
      name: 'two boxes in one edit: two events, in the order of the checklist',
      before: comms(),
      edit: (b) => tick(tick(b, 'approve-blog-legal'), 'approve-blog-security'),
      expected: [
        { kind: 'box', deliverable: 'blog', group: 'security', checked: true, at: EDITED_AT },
        { kind: 'box', deliverable: 'blog', group: 'legal', checked: true, at: EDITED_AT },
      ],
    },
    {
      name: 'the review step ticked starts the clock',
      before: comms(),
      edit: (b) => tick(b, 'comms-ready-for-review'),
      expected: [{ kind: 'request-approvals' }],
    },
    {
      name: 'the drafting step ticked: drafting started at the time of the edit',
      before: comms(),
      edit: (b) => tick(b, 'comms-drafting-started'),
      expected: [{ kind: 'drafting', via: 'step', at: EDITED_AT }],
    },
    {
      name: 'the drafting step unticked: nothing (the start of drafting stays)',
      before: comms(['comms-drafting-started']),
      edit: (b) => untick(b, 'comms-drafting-started'),
      expected: [],
    },
    {
      name: 'the review step unticked: nothing',
      before: comms(['comms-ready-for-review']),
      edit: (b) => untick(b, 'comms-ready-for-review'),
      expected: [],
    },
    {
      name: 'another step of the checklist: nothing',
      before: comms(),
      edit: (b) => tick(b, 'comms-assign-owner'),
      expected: [],
    },
    {
      name: 'a box of no configured group: nothing',
      before: comms(),
      edit: (b) => tick(b, 'approve-blog-nobody'),
      expected: [],
    },
    {
      name: "the person's text only: nothing",
      before: comms(),
      edit: (b) => `${b}\n- [x] approve everything`,
      expected: [],
    },
  ];

  it.each(cases)('$name', ({ before, edit, expected }) => {
    const edited = { ...before, body: edit(before.body) };
    expect(edited.body).not.toBe(before.body);
    expect(approvalEventsOfEdit(config, before.body, edited)).toEqual(expected);
  });

  it('an edit of a ticket whose block is not trusted, or from a description without the block: nothing', () => {
    const before = comms();
    const edited = { ...before, body: tick(before.body, 'approve-blog-security') };
    expect(approvalEventsOfEdit(config, before.body, { ...edited, labels: ['incident-id::INC-2026-7'] })).toEqual([]);
    expect(approvalEventsOfEdit(config, 'details', edited)).toEqual([]);
  });
});

describe('approvalEventsOfLabels', () => {
  const project: Project = {
    path: 'sec/incidents',
    id: 40,
    visibility: 'private',
    webUrl: 'https://t.example/sec/incidents',
    defaultBranch: 'main',
  };
  it.each<[string, string[], string[], ApprovalEvent[]]>([
    [
      'an approval label added',
      ['approval::blog::approved'],
      [],
      [{ kind: 'label', deliverable: 'blog', status: 'approved' }],
    ],
    [
      'every status, in the order added',
      ['approval::blog::quorum', 'approval::support-faq::changes-requested', 'approval::blog::pending'],
      [],
      [
        { kind: 'label', deliverable: 'blog', status: 'quorum' },
        { kind: 'label', deliverable: 'support-faq', status: 'changes-requested' },
        { kind: 'label', deliverable: 'blog', status: 'pending' },
      ],
    ],
    [
      'labels that are no approval label',
      ['approvals::complete', 'approval::blog::done', 'approval::Blog::approved', 'approval::blog', 'bug'],
      [],
      [],
    ],
    ['a removed label decides nothing (the state puts it back)', [], ['approval::blog::pending'], []],
  ])('%s', (_, addedLabels, removedLabels, expected) => {
    const event = issueEvent(project, comms(), {
      action: addedLabels.length > 0 ? 'labeled' : 'unlabeled',
      addedLabels,
      removedLabels,
    });
    expect(approvalEventsOfLabels(event)).toEqual(expected);
  });
});

describe('foldApprovals', () => {
  const secLead: ApprovalActor = { username: 'sec-lead', groups: ['security'] };
  const dual: ApprovalActor = { username: 'dual', groups: ['security', 'legal'] };
  const box = (deliverable: string, group: string, checked: boolean): ApprovalEvent => ({
    kind: 'box',
    deliverable,
    group,
    checked,
    at: EDITED_AT,
  });
  const fold = (events: ApprovalEvent[], actor: ApprovalActor, state: ApprovalState = { decisions: {} }) =>
    foldApprovals(config, events, actor, NOW)(state, 360);

  it('no events: no outcome', () => {
    expect(fold([], secLead)).toEqual([]);
  });

  it('one outcome per event, each starting from the state the previous one left', () => {
    const [ticked, unticked] = fold([box('blog', 'security', true), box('blog', 'security', false)], secLead);
    expect(ticked!.state.decisions['blog/security']).toMatchObject({ status: 'approved', by: 'sec-lead' });
    expect(ticked!.boxes).toContainEqual({ stepId: 'approve-blog-security', done: true });
    expect(unticked!.state.decisions['blog/security']).toBeUndefined();
    expect(unticked!.boxes).toContainEqual({ stepId: 'approve-blog-security', done: false });
  });

  it("the second group's approval completes the deliverable only because the first one's is carried over", () => {
    const outcomes = fold([box('blog', 'security', true), box('blog', 'legal', true)], dual);
    expect(outcomes.map((o) => o.labels.filter((l) => l.startsWith('approval::blog::')))).toEqual([
      ['approval::blog::pending'],
      ['approval::blog::approved'],
    ]);
    expect(outcomes[1]!.state.decisions).toMatchObject({
      'blog/security': { by: 'dual' },
      'blog/legal': { by: 'dual' },
    });
    // Each outcome has its own audit comment and timeline line.
    expect(outcomes.map((o) => o.comments.length)).toEqual([1, 1]);
    expect(outcomes.map((o) => o.timeline)).toEqual([
      ['approved the Blog post for Security'],
      ['approved the Blog post for Legal'],
    ]);
  });

  it('a refused event leaves the state for the next one as it was', () => {
    const [refused, approved] = fold([box('blog', 'legal', true), box('blog', 'security', true)], secLead);
    expect(refused!.state).toEqual({ decisions: {} });
    expect(refused!.comments.join('\n')).toContain('approval-refusal');
    expect(approved!.state.decisions['blog/security']).toMatchObject({ status: 'approved', by: 'sec-lead' });
    expect(approved!.state.decisions['blog/legal']).toBeUndefined();
  });

  it('never changes the state it is given', () => {
    const state: ApprovalState = {
      decisions: { 'blog/legal': { status: 'approved', by: 'legal-lead', at: '2026-11-22T09:00:00.000Z' } },
    };
    const copy = structuredClone(state);
    fold([box('blog', 'security', true), { kind: 'revoke', deliverable: 'blog', group: 'security' }], dual, state);
    expect(state).toEqual(copy);
  });
});
