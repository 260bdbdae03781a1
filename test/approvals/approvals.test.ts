import { describe, expect, it } from 'vitest';
import {
  APPROVAL_MARKERS,
  approvalLabels,
  deliverableStatus,
  parseStepId,
  quorumOf,
  quorumRule,
  stepIdOf,
} from '../../src/approvals/matrix.js';
import { decideApproval } from '../../src/approvals/decide.js';
import { sweepApprovals } from '../../src/approvals/deadlines.js';
import { renderStatusTable } from '../../src/approvals/status-table.js';
import { approvalsRecord } from '../../src/approvals/record.js';
import { formatRfc3339 } from '../../src/kernel/time.js';
import type { ApprovalActor, ApprovalEvent, ApprovalOutcome, Approvals } from '../../src/approvals/matrix.js';
import type { ApprovalState } from '../../src/kernel/ticket-state.js';
import { configSchema } from '../../src/config/schema.js';

/** Mentions that ping: outside code spans, not glued to a word (teams and group paths included). */
const MENTION = /(?:^|[^\w`])@[\w-](?:[\w./-]*[\w-])?/g;

function mentionsIn(text: string): string[] {
  return [...text.replace(/`[^`\n]*`/g, '').matchAll(MENTION)].map((m) => m[0].replace(/^[^@]*/, ''));
}

function markerCount(text: string): number {
  return text.split('<!--').length - 1;
}

const approvals: Approvals = configSchema.parse({
  approvals: {
    groups: {
      security: { name: 'Security', approvers: ['sec-lead'], backups: ['sec-b1', 'sec-b2'] },
      legal: { name: 'Legal', approvers: ['@legal-lead'], backups: ['legal-b1', '@acme/legal-team'] },
      'customer-success': { name: 'Customer Success', approvers: ['cs-lead'], backups: ['cs-b1', 'cs-b2'] },
      'investor-relations': { name: 'Investor Relations', approvers: ['ir-lead'], backups: ['ir-b1', 'ir-b2'] },
      support: { name: 'Support', approvers: ['support-lead'] },
    },
    deliverables: {
      blog: {
        name: 'Blog post',
        approve: ['security', 'legal', 'customer-success', 'investor-relations'],
        fyi: ['support'],
      },
      'support-faq': { name: 'FAQ for support', approve: ['security', 'legal'], fyi: ['customer-success'] },
      social: { name: 'Social response', approve: ['legal'] },
    },
    required: ['security', 'legal', 'customer-success', 'investor-relations'],
    quorum: 2,
  },
}).approvals;

const T0 = '2026-11-22T10:00:00.000Z';
const NOW = new Date('2026-11-22T10:03:00Z');
const minutesAfter = (m: number): Date => new Date(Date.parse(T0) + m * 60_000);
const HIGH = 360;

const secLead: ApprovalActor = { username: 'sec-lead', groups: ['security'] };
const legalLead: ApprovalActor = { username: 'legal-lead', groups: ['legal'] };
const legalBackup: ApprovalActor = { username: 'legal-b1', groups: ['legal'] };
const dual: ApprovalActor = { username: 'dual', groups: ['security', 'legal'] };
const stranger: ApprovalActor = { username: 'mallory', groups: [] };

const approved = (by: string, at = T0) => ({ status: 'approved' as const, by, at });
const empty = (): ApprovalState => ({ decisions: {} });
const withDecisions = (decisions: ApprovalState['decisions'], extra: Partial<ApprovalState> = {}): ApprovalState => ({
  decisions,
  ...extra,
});

function box(out: ApprovalOutcome, d: string, g: string): boolean | undefined {
  return out.boxes.find((b) => b.stepId === stepIdOf(d, g))?.done;
}

describe('step ids', () => {
  it('builds and parses ids with hyphens by matching the configured ids', () => {
    expect(stepIdOf('support-faq', 'customer-success')).toBe('approve-support-faq-customer-success');
    expect(parseStepId('approve-support-faq-security', approvals)).toEqual({
      deliverable: 'support-faq',
      group: 'security',
    });
    expect(parseStepId('approve-blog-customer-success', approvals)).toEqual({
      deliverable: 'blog',
      group: 'customer-success',
    });
    expect(parseStepId('approve-blog-support', approvals)).toBeNull(); // FYI: no box
    expect(parseStepId('approve-nope-legal', approvals)).toBeNull();
    expect(parseStepId('comms-assign-owner', approvals)).toBeNull();
  });

  it('refuses an id two configured pairs would spell', () => {
    const odd = {
      ...approvals,
      groups: { 'b-c': { name: 'BC', approvers: [], backups: [] }, c: { name: 'C', approvers: [], backups: [] } },
      deliverables: { a: { name: 'A', approve: ['b-c'], fyi: [] }, 'a-b': { name: 'AB', approve: ['c'], fyi: [] } },
    } satisfies Approvals;
    expect(parseStepId('approve-a-b-c', odd)).toBeNull();
    expect(parseStepId('approve-a-b-c', { ...odd, deliverables: { a: odd.deliverables.a } })).toEqual({
      deliverable: 'a',
      group: 'b-c',
    });
  });
});

describe('deliverableStatus and approvalLabels', () => {
  it('derives each status from the decisions and the cut-off', () => {
    const state = withDecisions(
      {
        'blog/security': approved('sec-lead'),
        'blog/legal': approved('legal-lead'),
        'support-faq/security': approved('sec-lead'),
        'support-faq/legal': approved('legal-lead'),
        'social/legal': { status: 'changes-requested', by: 'legal-lead', at: T0, reason: 'tone' },
      },
      { cutoff: { blog: 'quorum' } },
    );
    expect(deliverableStatus(approvals, state, 'blog')).toBe('quorum');
    expect(deliverableStatus(approvals, state, 'support-faq')).toBe('approved');
    expect(deliverableStatus(approvals, state, 'social')).toBe('changes-requested');
    expect(deliverableStatus(approvals, empty(), 'blog')).toBe('pending');
    expect(deliverableStatus(approvals, empty(), 'nope')).toBe('pending');
  });

  it('gives the complete set of labels, with approvals::complete only when everything is approved or at quorum', () => {
    expect(approvalLabels(approvals, empty())).toEqual([
      'approval::blog::pending',
      'approval::support-faq::pending',
      'approval::social::pending',
    ]);
    const done = withDecisions(
      {
        'blog/security': approved('sec-lead'),
        'blog/legal': approved('legal-lead'),
        'support-faq/security': approved('sec-lead'),
        'support-faq/legal': approved('legal-lead'),
        'social/legal': approved('legal-lead'),
      },
      { cutoff: { blog: 'quorum' } },
    );
    expect(approvalLabels(approvals, done)).toEqual([
      'approval::blog::quorum',
      'approval::support-faq::approved',
      'approval::social::approved',
      'approvals::complete',
    ]);
    // The once-recorded flag does not keep the label when an approval was revoked since.
    const revoked = withDecisions({ ...done.decisions }, { cutoff: { blog: 'quorum' }, complete: true });
    delete revoked.decisions['social/legal'];
    expect(approvalLabels(approvals, revoked)).not.toContain('approvals::complete');
  });
});

interface DecideCase {
  name: string;
  state: ApprovalState;
  event: ApprovalEvent;
  actor: ApprovalActor;
  /** Decisions expected afterwards (exactly). */
  decisions: ApprovalState['decisions'];
  /** Boxes expected (a subset), by `deliverable/group`. */
  boxes?: Record<string, boolean>;
  /** Markers of the comments, in order. */
  comments: string[];
  timeline: number;
  labels?: string[];
  check?: (out: ApprovalOutcome) => void;
}

const at = NOW.toISOString();

const decideCases: DecideCase[] = [
  {
    name: 'an approver ticks their box',
    state: empty(),
    event: { kind: 'box', deliverable: 'blog', group: 'security', checked: true },
    actor: secLead,
    decisions: { 'blog/security': { status: 'approved', by: 'sec-lead', at } },
    boxes: { 'blog/security': true, 'blog/legal': false },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    check: (out) => {
      const c = out.comments[0]!;
      expect(c).toContain(
        '`@sec-lead` approved the **Blog post** (`blog`) for **Security** (`security`) at 2026-11-22T10:03:00Z ' +
          '(ticked the box)',
      );
      expect(mentionsIn(c)).toEqual([]);
      expect(markerCount(c)).toBe(1);
      expect(out.timeline).toEqual(['approved the Blog post for Security']);
    },
  },
  {
    name: 'revoke after approve: pending again',
    state: withDecisions({ 'blog/security': approved('sec-lead') }),
    event: { kind: 'revoke', deliverable: 'blog' },
    actor: secLead,
    decisions: {},
    boxes: { 'blog/security': false },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::pending'],
    check: (out) => expect(out.comments[0]).toContain('revoked the approval of the **Blog post**'),
  },
  {
    name: 'double approve: nothing new',
    state: withDecisions({ 'blog/security': approved('sec-lead') }),
    event: { kind: 'approve', deliverable: 'blog', group: 'security' },
    actor: secLead,
    decisions: { 'blog/security': approved('sec-lead') },
    boxes: { 'blog/security': true },
    comments: [],
    timeline: 0,
  },
  {
    name: 'a tick of a box that is already ticked: nothing new',
    state: withDecisions({ 'blog/security': approved('sec-lead') }),
    event: { kind: 'box', deliverable: 'blog', group: 'security', checked: true },
    actor: secLead,
    decisions: { 'blog/security': approved('sec-lead') },
    comments: [],
    timeline: 0,
  },
  {
    name: 'a back-up approves for their group',
    state: empty(),
    event: { kind: 'box', deliverable: 'social', group: 'legal', checked: true },
    actor: legalBackup,
    decisions: { 'social/legal': { status: 'approved', by: 'legal-b1', at } },
    boxes: { 'social/legal': true },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::approved'],
  },
  {
    name: 'a member of two groups approves for both',
    state: empty(),
    event: { kind: 'approve', deliverable: 'support-faq' },
    actor: dual,
    decisions: {
      'support-faq/security': { status: 'approved', by: 'dual', at },
      'support-faq/legal': { status: 'approved', by: 'dual', at },
    },
    boxes: { 'support-faq/security': true, 'support-faq/legal': true, 'blog/security': false },
    comments: [APPROVAL_MARKERS.audit, APPROVAL_MARKERS.audit],
    timeline: 2,
    labels: ['approval::blog::pending', 'approval::support-faq::approved', 'approval::social::pending'],
  },
  {
    name: 'approve all: every deliverable the actor approves for',
    state: withDecisions({ 'blog/security': approved('sec-lead') }),
    event: { kind: 'approve', deliverable: 'all' },
    actor: dual,
    decisions: {
      'blog/security': approved('sec-lead'),
      'blog/legal': { status: 'approved', by: 'dual', at },
      'support-faq/security': { status: 'approved', by: 'dual', at },
      'support-faq/legal': { status: 'approved', by: 'dual', at },
      'social/legal': { status: 'approved', by: 'dual', at },
    },
    comments: Array(4).fill(APPROVAL_MARKERS.audit),
    timeline: 4,
  },
  {
    name: 'approve all for one group',
    state: empty(),
    event: { kind: 'approve', deliverable: 'all', group: 'legal' },
    actor: dual,
    decisions: {
      'blog/legal': { status: 'approved', by: 'dual', at },
      'support-faq/legal': { status: 'approved', by: 'dual', at },
      'social/legal': { status: 'approved', by: 'dual', at },
    },
    comments: Array(3).fill(APPROVAL_MARKERS.audit),
    timeline: 3,
  },
  {
    name: 'a stranger ticks a box: refused and unticked again',
    state: empty(),
    event: { kind: 'box', deliverable: 'blog', group: 'legal', checked: true },
    actor: stranger,
    decisions: {},
    boxes: { 'blog/legal': false },
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => {
      const c = out.comments[0]!;
      expect(c).toContain('changed nothing');
      expect(c).toContain('unticked again');
      expect(c).toContain('**Legal** (`legal`): approvers `@legal-lead`; back-ups `@legal-b1`, `@acme/legal-team`');
      expect(mentionsIn(c)).toEqual(['@mallory']);
      expect(markerCount(c)).toBe(1);
    },
  },
  {
    name: 'a stranger unticks an approved box: refused and ticked again',
    state: withDecisions({ 'blog/legal': approved('legal-lead') }),
    event: { kind: 'box', deliverable: 'blog', group: 'legal', checked: false },
    actor: stranger,
    decisions: { 'blog/legal': approved('legal-lead') },
    boxes: { 'blog/legal': true },
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => expect(out.comments[0]).toContain('ticked again'),
  },
  {
    name: 'an approver of another group ticks the Legal box',
    state: empty(),
    event: { kind: 'box', deliverable: 'blog', group: 'legal', checked: true },
    actor: secLead,
    decisions: {},
    boxes: { 'blog/legal': false },
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => {
      expect(out.comments[0]).toContain('**Legal** on the **Blog post**');
      expect(out.comments[0]).not.toContain('**Security**');
    },
  },
  {
    name: 'a stranger approves without a group: refused, every approving group listed',
    state: empty(),
    event: { kind: 'approve', deliverable: 'support-faq' },
    actor: stranger,
    decisions: {},
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => {
      expect(out.comments[0]).toContain('`@sec-lead`');
      expect(out.comments[0]).toContain('`@legal-lead`');
      expect(out.comments[0]).not.toContain('`@cs-lead`');
      expect(out.comments[0]).not.toContain('again to match');
    },
  },
  {
    name: 'an unknown deliverable: the ids are listed',
    state: empty(),
    event: { kind: 'approve', deliverable: 'press' },
    actor: secLead,
    decisions: {},
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) =>
      expect(out.comments[0]).toContain(
        '`press` is not a deliverable of this incident, so nothing was changed. The deliverables are `blog`, ' +
          '`support-faq`, `social`.',
      ),
  },
  {
    name: 'a group that does not approve the deliverable: the approving groups are listed',
    state: empty(),
    event: { kind: 'approve', deliverable: 'social', group: 'security' },
    actor: secLead,
    decisions: {},
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => expect(out.comments[0]).toContain('The groups that approve it are `legal`.'),
  },
  {
    name: 'an unknown group: the groups are listed',
    state: empty(),
    event: { kind: 'approve', deliverable: 'blog', group: 'marketing' },
    actor: secLead,
    decisions: {},
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    check: (out) => expect(out.comments[0]).toContain('`marketing` is not an approval group'),
  },
  {
    name: 'request changes records the neutralized reason and unticks the box',
    state: withDecisions({ 'blog/legal': approved('legal-lead') }),
    event: { kind: 'request-changes', deliverable: 'blog', reason: 'too vague @everyone <!-- x --> [x] fake' },
    actor: legalLead,
    decisions: {
      'blog/legal': {
        status: 'changes-requested',
        by: 'legal-lead',
        at,
        reason: 'too vague @\u200beveryone &lt;!-- x --&gt; [x\u200b] fake',
      },
    },
    boxes: { 'blog/legal': false },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    labels: ['approval::blog::changes-requested', 'approval::support-faq::pending', 'approval::social::pending'],
    check: (out) => {
      expect(mentionsIn(out.comments[0]!)).toEqual([]);
      expect(markerCount(out.comments[0]!)).toBe(1);
    },
  },
  {
    name: 'an unticked box leaves a change request alone',
    state: withDecisions({ 'blog/legal': { status: 'changes-requested', by: 'legal-lead', at: T0, reason: 'x' } }),
    event: { kind: 'box', deliverable: 'blog', group: 'legal', checked: false },
    actor: legalLead,
    decisions: { 'blog/legal': { status: 'changes-requested', by: 'legal-lead', at: T0, reason: 'x' } },
    comments: [],
    timeline: 0,
  },
  {
    name: 'a hand-set label from a stranger is put back',
    state: empty(),
    event: { kind: 'label', deliverable: 'social', status: 'approved' },
    actor: stranger,
    decisions: {},
    boxes: { 'social/legal': false },
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::pending'],
    check: (out) => expect(out.comments[0]).toContain('labels were put back'),
  },
  {
    name: 'a hand-set label from an approver is accepted and ticks the box',
    state: empty(),
    event: { kind: 'label', deliverable: 'social', status: 'approved' },
    actor: legalLead,
    decisions: { 'social/legal': { status: 'approved', by: 'legal-lead', at } },
    boxes: { 'social/legal': true },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::approved'],
    check: (out) => expect(out.comments[0]).toContain('with the label `approval::social::approved`'),
  },
  {
    name: 'an approver labels a deliverable approved that others must still approve: the label is put back to pending',
    state: empty(),
    event: { kind: 'label', deliverable: 'blog', status: 'approved' },
    actor: secLead,
    decisions: { 'blog/security': { status: 'approved', by: 'sec-lead', at } },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::pending'],
  },
  {
    name: 'a changes-requested label requests changes "set by label"',
    state: empty(),
    event: { kind: 'label', deliverable: 'social', status: 'changes-requested' },
    actor: legalBackup,
    decisions: { 'social/legal': { status: 'changes-requested', by: 'legal-b1', at, reason: 'set by label' } },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
  },
  {
    name: 'a pending label revokes',
    state: withDecisions({ 'social/legal': approved('legal-lead') }),
    event: { kind: 'label', deliverable: 'social', status: 'pending' },
    actor: legalLead,
    decisions: {},
    boxes: { 'social/legal': false },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 1,
  },
  {
    name: 'a quorum label is never accepted by hand',
    state: withDecisions({ 'blog/security': approved('sec-lead'), 'blog/legal': approved('legal-lead') }),
    event: { kind: 'label', deliverable: 'blog', status: 'quorum' },
    actor: dual,
    decisions: { 'blog/security': approved('sec-lead'), 'blog/legal': approved('legal-lead') },
    comments: [APPROVAL_MARKERS.refusal],
    timeline: 0,
    labels: ['approval::blog::pending', 'approval::support-faq::pending', 'approval::social::pending'],
  },
  {
    name: 'a label that already says the status is not an event',
    state: empty(),
    event: { kind: 'label', deliverable: 'blog', status: 'pending' },
    actor: stranger,
    decisions: {},
    comments: [],
    timeline: 0,
  },
  {
    name: 'the last approval completes the approvals, once',
    state: withDecisions(
      {
        'blog/security': approved('sec-lead'),
        'blog/legal': approved('legal-lead'),
        'support-faq/security': approved('sec-lead'),
        'support-faq/legal': approved('legal-lead'),
      },
      { cutoff: { blog: 'quorum' } },
    ),
    event: { kind: 'approve', deliverable: 'social' },
    actor: legalLead,
    decisions: {
      'blog/security': approved('sec-lead'),
      'blog/legal': approved('legal-lead'),
      'support-faq/security': approved('sec-lead'),
      'support-faq/legal': approved('legal-lead'),
      'social/legal': { status: 'approved', by: 'legal-lead', at },
    },
    comments: [APPROVAL_MARKERS.audit],
    timeline: 2,
    labels: [
      'approval::blog::quorum',
      'approval::support-faq::approved',
      'approval::social::approved',
      'approvals::complete',
    ],
    check: (out) => {
      expect(out.state.complete).toBe(true);
      expect(out.timeline[1]).toBe('all communications approved or at quorum');
    },
  },
];

describe('decideApproval', () => {
  it.each(decideCases)('$name', (c) => {
    const before = structuredClone(c.state);
    const out = decideApproval(approvals, c.state, c.event, c.actor, NOW);
    expect(c.state).toEqual(before); // the input is not mutated
    expect(out.state.decisions).toEqual(c.decisions);
    expect(out.comments.map((m) => m.split('\n')[0])).toEqual(c.comments);
    expect(out.timeline).toHaveLength(c.timeline);
    for (const [k, done] of Object.entries(c.boxes ?? {})) {
      const [d, g] = k.split('/') as [string, string];
      expect(box(out, d, g), k).toBe(done);
    }
    // Every box of the matrix, always.
    expect(out.boxes.map((b) => b.stepId)).toEqual([
      'approve-blog-security',
      'approve-blog-legal',
      'approve-blog-customer-success',
      'approve-blog-investor-relations',
      'approve-support-faq-security',
      'approve-support-faq-legal',
      'approve-social-legal',
    ]);
    if (c.labels) expect(out.labels).toEqual(c.labels);
    for (const comment of out.comments) expect(markerCount(comment)).toBe(1);
    c.check?.(out);
  });

  it('does not record completion twice', () => {
    const state = withDecisions(
      {
        'social/legal': approved('legal-lead'),
        'support-faq/security': approved('s'),
        'support-faq/legal': approved('l'),
      },
      {
        cutoff: { blog: 'quorum' },
        complete: true,
      },
    );
    const out = decideApproval(approvals, state, { kind: 'revoke', deliverable: 'social' }, legalLead, NOW);
    const again = decideApproval(approvals, out.state, { kind: 'approve', deliverable: 'social' }, legalLead, NOW);
    expect(again.timeline).toEqual(['approved the Social response for Legal']);
    expect(again.labels).toContain('approvals::complete');
  });

  describe('request-approvals', () => {
    it('starts the clock, mentions the approvers of pending groups and announces the cut-off', () => {
      const state = withDecisions({
        'blog/security': approved('sec-lead'),
        'support-faq/security': approved('sec-lead'),
      });
      const out = decideApproval(approvals, state, { kind: 'request-approvals' }, stranger, NOW, HIGH);
      // Every deliverable's clock starts; nobody said when drafting started, so it counts from the review's start.
      expect(out.state.requested).toEqual({ blog: at, 'support-faq': at, social: at });
      expect(out.state.requestedAt).toBeUndefined();
      expect(out.state.drafting).toEqual({ at, via: 'review' });
      expect(out.comments).toHaveLength(1);
      const c = out.comments[0]!;
      expect(c.startsWith(APPROVAL_MARKERS.request)).toBe(true);
      expect(mentionsIn(c)).toEqual(['@legal-lead', '@cs-lead', '@ir-lead']);
      expect(c).toContain('**Legal** (`legal`), for Blog post, FAQ for support, Social response: @legal-lead');
      expect(c).toContain('Cut-off: 2026-11-22T16:03:00Z');
      expect(c).toContain('within 30 minutes');
      expect(out.timeline).toHaveLength(1);
    });

    it('does not move the clock when asked again', () => {
      const first = decideApproval(
        approvals,
        empty(),
        { kind: 'request-approvals', deliverable: 'social' },
        stranger,
        new Date(T0),
        HIGH,
      );
      const second = decideApproval(
        approvals,
        first.state,
        { kind: 'request-approvals' },
        stranger,
        minutesAfter(90),
        HIGH,
      );
      // The social response keeps its clock; the others start theirs now. The cut-off stays where it was announced.
      expect(second.state.requested).toEqual({
        social: T0,
        blog: minutesAfter(90).toISOString(),
        'support-faq': minutesAfter(90).toISOString(),
      });
      expect(second.comments[0]).toContain('Cut-off: 2026-11-22T16:00:00Z');
      expect(second.comments[0]).toContain(
        'The review of Social response started at 2026-11-22T10:00:00Z; asking again does not move the cut-off.',
      );
      expect(second.comments[0]).toContain(
        'The review of Blog post, FAQ for support starts now (2026-11-22T11:30:00Z).',
      );
      expect(second.timeline).toEqual([
        'requested approval of the communications (review started for Blog post, FAQ for support; asked again for ' +
          'Social response, cut-off 2026-11-22T16:00:00Z)',
      ]);
      expect(mentionsIn(first.comments[0]!)).toEqual(['@legal-lead']);
    });

    it('names the cut-off per severity when the severity is not set', () => {
      const out = decideApproval(approvals, empty(), { kind: 'request-approvals' }, stranger, NOW);
      expect(out.comments[0]).toContain('counted from the start of drafting, by severity');
      expect(out.comments[0]).toContain('high: 6 hours, medium: 12 hours, low: a day');
    });

    it('refuses an unknown deliverable without starting the clock', () => {
      const out = decideApproval(
        approvals,
        empty(),
        { kind: 'request-approvals', deliverable: 'press' },
        stranger,
        NOW,
      );
      expect(out.state.requestedAt).toBeUndefined();
      expect(out.state.requested).toBeUndefined();
      expect(out.state.drafting).toBeUndefined();
      expect(out.comments[0]!.startsWith(APPROVAL_MARKERS.refusal)).toBe(true);
    });
  });
});

describe('sweepApprovals', () => {
  const requested = (
    decisions: ApprovalState['decisions'] = {},
    extra: Partial<ApprovalState> = {},
  ): ApprovalState => ({
    decisions,
    requestedAt: T0,
    ...extra,
  });

  it('does nothing before the review is requested, or before it starts', () => {
    for (const out of [
      sweepApprovals(approvals, empty(), HIGH, minutesAfter(1000), 'imelda'),
      sweepApprovals(approvals, requested(), HIGH, minutesAfter(-5), 'imelda'),
      sweepApprovals(approvals, requested(), HIGH, minutesAfter(29), 'imelda'),
    ]) {
      expect(out.comments).toEqual([]);
      expect(out.timeline).toEqual([]);
      expect(out.state.pinged).toBeUndefined();
      expect(out.state.cutoff).toBeUndefined();
    }
  });

  it('mentions the back-ups of groups without a decision once, in one comment', () => {
    const state = requested({ 'blog/security': approved('sec-lead'), 'support-faq/security': approved('sec-lead') });
    const out = sweepApprovals(approvals, state, HIGH, minutesAfter(30), 'imelda');
    expect(out.comments).toHaveLength(1);
    const c = out.comments[0]!;
    expect(c.startsWith(APPROVAL_MARKERS.ping)).toBe(true);
    expect(mentionsIn(c)).toEqual(['@legal-b1', '@acme/legal-team', '@cs-b1', '@cs-b2', '@ir-b1', '@ir-b2']);
    expect(c).not.toContain('sec-b1');
    expect(out.state.pinged).toEqual([
      'blog/legal',
      'blog/customer-success',
      'blog/investor-relations',
      'support-faq/legal',
      'social/legal',
    ]);
    expect(out.state.cutoff).toBeUndefined();

    const again = sweepApprovals(approvals, out.state, HIGH, minutesAfter(31), 'imelda');
    expect(again.comments).toEqual([]);
    expect(again.state.pinged).toEqual(out.state.pinged);
  });

  interface CutoffCase {
    name: string;
    decisions: ApprovalState['decisions'];
    minutes: number;
    cutoff: ApprovalState['cutoff'];
    blog: string;
    mentions?: string[];
  }
  const cutoffCases: CutoffCase[] = [
    {
      name: 'exactly the quorum at the cut-off: goes ahead',
      decisions: { 'blog/security': approved('sec-lead'), 'blog/legal': approved('legal-b1') },
      minutes: HIGH,
      cutoff: { blog: 'quorum', 'support-faq': 'escalated', social: 'escalated' },
      blog: 'quorum',
    },
    {
      name: 'one below the quorum at the cut-off: escalated to the Incident Manager',
      decisions: { 'blog/security': approved('sec-lead') },
      minutes: HIGH,
      cutoff: { blog: 'escalated', 'support-faq': 'escalated', social: 'escalated' },
      blog: 'pending',
      mentions: ['@imelda'],
    },
    {
      name: 'one minute before the cut-off: nothing yet',
      decisions: { 'blog/security': approved('sec-lead'), 'blog/legal': approved('legal-b1') },
      minutes: HIGH - 1,
      cutoff: undefined,
      blog: 'pending',
    },
    {
      name: 'a change request blocks the quorum',
      decisions: {
        'blog/security': approved('sec-lead'),
        'blog/legal': approved('legal-b1'),
        'blog/customer-success': { status: 'changes-requested', by: 'cs-lead', at: T0, reason: 'wrong date' },
      },
      minutes: HIGH,
      cutoff: { blog: 'escalated', 'support-faq': 'escalated', social: 'escalated' },
      blog: 'changes-requested',
    },
  ];

  it.each(cutoffCases)('$name', (c) => {
    // Back-ups were pinged already: only the cut-off speaks.
    const pinged = [
      'blog/customer-success',
      'blog/investor-relations',
      'blog/legal',
      'blog/security',
      'support-faq/legal',
      'support-faq/security',
      'social/legal',
    ];
    const out = sweepApprovals(approvals, requested(c.decisions, { pinged }), HIGH, minutesAfter(c.minutes), 'imelda');
    expect(out.state.cutoff).toEqual(c.cutoff);
    expect(deliverableStatus(approvals, out.state, 'blog')).toBe(c.blog);
    if (c.cutoff === undefined) {
      expect(out.comments).toEqual([]);
      return;
    }
    expect(out.comments).toHaveLength(1);
    const comment = out.comments[0]!;
    expect(comment.startsWith(APPROVAL_MARKERS.cutoff)).toBe(true);
    expect(mentionsIn(comment)).toEqual(['@imelda']);
    if (c.blog === 'quorum') {
      expect(comment).toContain(
        '**Blog post** (`blog`) goes ahead at quorum: 2 of the required groups approved (Security, Legal); not ' +
          'approved: Customer Success, Investor Relations.',
      );
      expect(out.labels).toContain('approval::blog::quorum');
    } else {
      expect(comment).toMatch(/\*\*Blog post\*\* \(`blog`\) cannot go ahead/);
    }
    const again = sweepApprovals(approvals, out.state, HIGH, minutesAfter(c.minutes + 5), 'imelda');
    expect(again.comments).toEqual([]);
    expect(again.state.cutoff).toEqual(out.state.cutoff);
  });

  it('fires a cut-off that passed during a restart once, together with the missed pings', () => {
    const state = requested({
      'blog/security': approved('sec-lead'),
      'blog/legal': approved('legal-lead'),
      'social/legal': approved('legal-lead'),
    });
    const out = sweepApprovals(approvals, state, HIGH, minutesAfter(3 * 24 * 60), null);
    expect(out.comments.map((c) => c.split('\n')[0])).toEqual([APPROVAL_MARKERS.ping, APPROVAL_MARKERS.cutoff]);
    expect(out.state.cutoff).toEqual({ blog: 'quorum', 'support-faq': 'escalated' });
    expect(out.state.pinged).toEqual(['support-faq/security', 'support-faq/legal']);
    expect(out.comments[1]).toContain('Whoever leads this incident');
    expect(out.comments[1]).toContain('/set incident-manager');
    expect(mentionsIn(out.comments[1]!)).toEqual([]);
    expect(out.state.complete).toBeUndefined();

    const later = sweepApprovals(approvals, out.state, HIGH, minutesAfter(3 * 24 * 60 + 10), null);
    expect(later.comments).toEqual([]);
    expect(later.timeline).toEqual([]);
  });

  it('lets an escalated deliverable go ahead once enough required groups approve later', () => {
    const state = withDecisions(
      {
        'blog/security': approved('s'),
        'blog/customer-success': { status: 'changes-requested', by: 'c', at: T0, reason: 'x' },
      },
      {
        requestedAt: T0,
        cutoff: { blog: 'escalated' },
      },
    );
    // Still a change request: no quorum.
    const legal = decideApproval(
      approvals,
      state,
      { kind: 'approve', deliverable: 'blog' },
      legalLead,
      minutesAfter(410),
    );
    expect(legal.state.cutoff).toEqual({ blog: 'escalated' });
    expect(legal.comments.map((c) => c.split('\n')[0])).toEqual([APPROVAL_MARKERS.audit]);
    // The change request is withdrawn: 2 of the required groups approved, so it goes ahead, once.
    const cs: ApprovalActor = { username: 'cs-lead', groups: ['customer-success'] };
    const up = decideApproval(approvals, legal.state, { kind: 'revoke', deliverable: 'blog' }, cs, minutesAfter(411));
    expect(up.state.cutoff).toEqual({ blog: 'quorum' });
    expect(up.comments.map((c) => c.split('\n')[0])).toEqual([APPROVAL_MARKERS.audit, APPROVAL_MARKERS.cutoff]);
    expect(deliverableStatus(approvals, up.state, 'blog')).toBe('quorum');
    const after = sweepApprovals(approvals, up.state, HIGH, minutesAfter(420), 'imelda');
    // support-faq and social only
    expect(after.comments.filter((c) => c.startsWith(APPROVAL_MARKERS.cutoff))).toHaveLength(1);
    expect(after.state.cutoff?.blog).toBe('quorum');
  });

  it('records completion when the cut-off brings the last deliverable to quorum', () => {
    const state = requested({
      'blog/security': approved('s'),
      'blog/investor-relations': approved('i'),
      'support-faq/security': approved('s'),
      'support-faq/legal': approved('l'),
      'social/legal': approved('l'),
    });
    const out = sweepApprovals(approvals, state, HIGH, minutesAfter(HIGH), 'imelda');
    expect(out.state.complete).toBe(true);
    expect(out.timeline).toContain('all communications approved or at quorum');
    expect(out.labels).toContain('approvals::complete');
    expect(mentionsIn(out.comments.at(-1)!)).toEqual([]); // nothing escalated: the IM is not pinged
  });
});

describe('renderStatusTable', () => {
  it('shows each deliverable × group, the status and the time left', () => {
    const state = withDecisions(
      {
        'blog/security': approved('sec-lead', '2026-11-22T10:03:27.000Z'),
        'blog/legal': { status: 'changes-requested', by: 'legal-lead', at: T0, reason: 'x' },
        'social/legal': approved('legal-b1'),
      },
      { requestedAt: T0, pinged: ['blog/customer-success'] },
    );
    const table = renderStatusTable(approvals, state, minutesAfter(48), HIGH);
    expect(table.split('\n')).toEqual([
      '| Deliverable | Security | Legal | Customer Success | Investor Relations | Support | Status | Cut-off |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      '| Blog post | ✅ `@sec-lead`, 2026-11-22T10:03Z | ✋ changes requested by `@legal-lead` | ⏳ pending (back-ups ' +
        'asked) | ⏳ pending | FYI | ✋ changes requested | 2026-11-22T16:00Z, 5 h 12 min left |',
      '| FAQ for support | ⏳ pending | ⏳ pending | FYI | — | — | ⏳ pending | 2026-11-22T16:00Z, 5 h 12 min left |',
      '| Social response | — | ✅ `@legal-b1`, 2026-11-22T10:00Z | — | — | — | ✅ approved | — |',
      '',
      // A state of the single clock of earlier versions: its start is the one the cut-off was announced from.
      '_Drafting started 2026-11-22T10:00:00Z (when the review started); cut-off 2026-11-22T16:00:00Z, 5 h 12 min ' +
        'left._',
    ]);
    expect(mentionsIn(table)).toEqual([]);
  });

  it('says when the review was not requested, the severity is not set, or the cut-off passed', () => {
    expect(renderStatusTable(approvals, empty(), NOW, HIGH)).toContain('review not requested yet');
    const state = withDecisions({}, { requestedAt: T0, cutoff: { blog: 'escalated' } });
    expect(renderStatusTable(approvals, state, NOW, null)).toContain('the cut-off depends on the severity');
    const passed = renderStatusTable(approvals, state, minutesAfter(HIGH), HIGH);
    expect(passed).toContain('cut-off passed (2026-11-22T16:00:00Z)');
    expect(passed).toContain('| Blog post |');
    expect(passed).toContain('⏳ pending (escalated at the cut-off) |');
    expect(
      renderStatusTable(approvals, withDecisions({}, { requestedAt: T0, cutoff: { blog: 'quorum' } }), NOW, HIGH),
    ).toContain('☑️ quorum');
  });
});

describe('a quorum that can be met (counted among the required groups that approve the deliverable)', () => {
  // Press: Legal is its only required approving group (Support approves too, but is not required). Internal note: no
  // required group approves it. Blog: all four required groups approve it.
  const small: Approvals = configSchema.parse({
    approvals: {
      groups: {
        security: { name: 'Security' },
        legal: { name: 'Legal' },
        'customer-success': { name: 'Customer Success' },
        'investor-relations': { name: 'Investor Relations' },
        support: { name: 'Support' },
      },
      deliverables: {
        blog: { name: 'Blog post', approve: ['security', 'legal', 'customer-success', 'investor-relations'] },
        faq: { name: 'FAQ', approve: ['security', 'legal', 'support'] },
        press: { name: 'Press answer', approve: ['legal', 'support'] },
        note: { name: 'Internal note', approve: ['support'] },
      },
      required: ['security', 'legal', 'customer-success', 'investor-relations'],
      quorum: 2,
    },
  }).approvals;

  interface QuorumCase {
    name: string;
    deliverable: string;
    approvedBy: string[];
    /** What the cut-off decides. */
    result: 'quorum' | 'escalated';
    needed: number;
  }
  const cases: QuorumCase[] = [
    {
      name: 'four required groups approve it: 2 of them are enough',
      deliverable: 'blog',
      approvedBy: ['security', 'legal'],
      result: 'quorum',
      needed: 2,
    },
    {
      name: 'four required groups approve it: 1 is not enough',
      deliverable: 'blog',
      approvedBy: ['legal'],
      result: 'escalated',
      needed: 2,
    },
    {
      name: 'two required groups approve it: both are the quorum',
      deliverable: 'faq',
      approvedBy: ['security', 'legal'],
      result: 'quorum',
      needed: 2,
    },
    {
      name: 'two required groups approve it: one is not enough',
      deliverable: 'faq',
      approvedBy: ['security', 'support'],
      result: 'escalated',
      needed: 2,
    },
    {
      name: 'one required group approves it: its approval is enough',
      deliverable: 'press',
      approvedBy: ['legal'],
      result: 'quorum',
      needed: 1,
    },
    {
      name: 'one required group approves it: nothing from it is not',
      deliverable: 'press',
      approvedBy: ['support'],
      result: 'escalated',
      needed: 1,
    },
    {
      name: 'no required group approves it: never at quorum',
      deliverable: 'note',
      approvedBy: [],
      result: 'escalated',
      needed: 0,
    },
  ];

  it.each(cases)('$name', (c) => {
    const decisions = Object.fromEntries(c.approvedBy.map((g) => [`${c.deliverable}/${g}`, approved(`${g}-lead`)]));
    const state: ApprovalState = { decisions, requestedAt: T0, pinged: [] };
    const out = sweepApprovals(small, state, HIGH, minutesAfter(HIGH), 'imelda');
    expect(out.state.cutoff?.[c.deliverable]).toBe(c.result);
    expect(deliverableStatus(small, out.state, c.deliverable)).toBe(c.result === 'quorum' ? 'quorum' : 'pending');
    expect(quorumOf(small, c.deliverable).needed).toBe(c.needed);
    const line = out.comments
      .at(-1)!
      .split('\n')
      .find((l) => l.includes(`(\`${c.deliverable}\`)`));
    expect(line).toBeDefined();
    if (c.result === 'escalated' && c.needed === 0) expect(line).toContain('no required group approves it');
    if (c.result === 'escalated' && c.needed > 0) expect(line).toContain(`${c.needed} needed`);
  });

  it('says what each deliverable needs, in one sentence for the matrix', () => {
    expect(quorumRule(small, 'blog')).toBe(
      'At the cut-off it goes ahead once 2 of its 4 required groups (Security, Legal, Customer Success, Investor ' +
        'Relations) approved.',
    );
    expect(quorumRule(small, 'faq')).toBe(
      'At the cut-off it goes ahead once all 2 of its required groups (Security, Legal) approved.',
    );
    expect(quorumRule(small, 'press')).toBe(
      'At the cut-off it goes ahead only once its one required group (Legal) approved: fewer than the quorum of 2 ' +
        'approve it.',
    );
    expect(quorumRule(small, 'note')).toContain('never goes ahead at quorum');
    expect(quorumRule({ ...small, deliverables: { x: { name: 'X', approve: [], fyi: [] } } }, 'x')).toBe('');
  });

  it('the default matrix: the social response needs Legal, its only required group, and goes ahead with it', () => {
    const defaults = configSchema.parse({}).approvals;
    const state: ApprovalState = { decisions: { 'social/legal': approved('legal-lead') }, requestedAt: T0, pinged: [] };
    // Legal is the only group that approves the social response: its approval alone approves it.
    expect(deliverableStatus(defaults, state, 'social')).toBe('approved');
    expect(quorumRule(defaults, 'social')).toContain('its one required group (Legal)');
    expect(quorumRule(defaults, 'support-faq')).toContain('all 2 of its required groups (Security, Legal)');
  });
});

describe('a review clock per deliverable, its cut-off counted from the start of drafting', () => {
  // The comms ticket was opened at T0; nobody records when drafting started unless a case says so.
  const OPENED = T0;
  const request = (state: ApprovalState, m: number, deliverable?: string) =>
    decideApproval(
      approvals,
      state,
      { kind: 'request-approvals', ...(deliverable ? { deliverable } : {}) },
      stranger,
      minutesAfter(m),
      HIGH,
      OPENED,
    );
  const sweep = (state: ApprovalState, m: number) =>
    sweepApprovals(approvals, state, HIGH, minutesAfter(m), 'imelda', OPENED);
  const iso = (m: number) => minutesAfter(m).toISOString();

  it('/request-approvals blog starts the blog post’s clock only: only its groups’ back-ups are engaged', () => {
    const asked = request(empty(), 60, 'blog');
    expect(asked.state.requested).toEqual({ blog: iso(60) });
    // Nobody said when drafting started: the ticket's creation, fixed now so the announced cut-off never moves.
    expect(asked.state.drafting).toEqual({ at: T0, via: 'opened' });
    expect(mentionsIn(asked.comments[0]!)).toEqual(['@sec-lead', '@legal-lead', '@cs-lead', '@ir-lead']);
    // Security approved the blog post; the FAQ and the social response were never asked for.
    const approvedBlog = decideApproval(
      approvals,
      asked.state,
      { kind: 'approve', deliverable: 'blog' },
      secLead,
      minutesAfter(70),
      HIGH,
      OPENED,
    );
    expect(sweep(approvedBlog.state, 89).comments).toEqual([]);
    const pinged = sweep(approvedBlog.state, 90);
    expect(pinged.state.pinged).toEqual(['blog/legal', 'blog/customer-success', 'blog/investor-relations']);
    expect(mentionsIn(pinged.comments[0]!)).toEqual([
      '@legal-b1',
      '@acme/legal-team',
      '@cs-b1',
      '@cs-b2',
      '@ir-b1',
      '@ir-b2',
    ]);
    expect(pinged.comments[0]).not.toContain('FAQ');
    expect(pinged.comments[0]).not.toContain('Social');
    expect(pinged.comments[0]).toContain('The cut-off is 2026-11-22T16:00:00Z.');
    // At the cut-off only the blog post is decided: nobody asked about the others.
    const cut = sweep(pinged.state, HIGH);
    expect(cut.state.cutoff).toEqual({ blog: 'escalated' });
    expect(cut.state.outcomeAt).toEqual({ blog: { escalated: iso(HIGH) } });
    expect(cut.comments).toHaveLength(1);
    expect(cut.comments[0]).not.toContain('FAQ');
    expect(deliverableStatus(approvals, cut.state, 'support-faq')).toBe('pending');
    expect(sweep(cut.state, 2 * HIGH).comments).toEqual([]);
  });

  it('/request-approvals without an argument later starts the others’ clocks: each pinged on its own time', () => {
    const blog = request(empty(), 0, 'blog');
    const pingedBlog = sweep(blog.state, 30);
    expect(pingedBlog.state.pinged).toHaveLength(4);
    const all = request(pingedBlog.state, 100);
    expect(all.state.requested).toEqual({ blog: iso(0), 'support-faq': iso(100), social: iso(100) });
    // The back-ups of Legal were engaged for the blog post, not for the FAQ or the social response yet.
    expect(sweep(all.state, 129).comments).toEqual([]);
    const later = sweep(all.state, 130);
    expect(later.state.pinged?.slice(4)).toEqual(['support-faq/security', 'support-faq/legal', 'social/legal']);
    expect(later.comments[0]).toContain('for FAQ for support, Social response');
    expect(later.comments[0]).toContain('(2026-11-22T11:40:00Z)');
    expect(later.comments[0]).not.toContain('Blog post');
    expect(sweep(later.state, 131).comments).toEqual([]);
  });

  it('a group that approved a deliverable is not pinged for another that nobody asked about', () => {
    const asked = request(empty(), 0, 'support-faq');
    const legalApproves = decideApproval(
      approvals,
      asked.state,
      { kind: 'approve', deliverable: 'support-faq' },
      legalLead,
      minutesAfter(5),
      HIGH,
      OPENED,
    );
    const out = sweep(legalApproves.state, 31);
    expect(out.state.pinged).toEqual(['support-faq/security']);
    expect(mentionsIn(out.comments[0]!)).toEqual(['@sec-b1', '@sec-b2']);
  });

  interface AnchorCase {
    name: string;
    /** Drafting recorded before the request: `[minutes, via]`. */
    drafting?: [number, 'step' | 'command'];
    /** Minutes after T0 of the request. */
    requestAt: number;
    /** The cut-off, in minutes after T0. */
    cutoff: number;
    announced: string;
  }
  const anchors: AnchorCase[] = [
    {
      name: 'nobody said when drafting started: 6 h from the ticket’s creation, not from the request',
      requestAt: 120,
      cutoff: HIGH,
      announced: '(6 hours after drafting started at 2026-11-22T10:00:00Z, when this ticket was opened',
    },
    {
      name: 'drafting started an hour after the ticket was opened (/drafting)',
      drafting: [60, 'command'],
      requestAt: 150,
      cutoff: 60 + HIGH,
      announced: '(6 hours after drafting started at 2026-11-22T11:00:00Z, recorded by `@alice`)',
    },
    {
      name: 'drafting started with the step ticked',
      drafting: [30, 'step'],
      requestAt: 90,
      cutoff: 30 + HIGH,
      announced: '(6 hours after drafting started at 2026-11-22T10:30:00Z, ticked by `@alice`)',
    },
    {
      name: 'a review requested too late for the drafting’s cut-off still leaves the approvers their 30 minutes',
      requestAt: HIGH - 10,
      cutoff: HIGH + 20,
      announced: 'The review of Blog post, FAQ for support, Social response',
    },
  ];
  const alice: ApprovalActor = { username: 'alice', groups: [] };

  it.each(anchors)('$name', (c) => {
    let state = empty();
    if (c.drafting) {
      const [m, via] = c.drafting;
      const recorded = decideApproval(
        approvals,
        state,
        { kind: 'drafting', via, at: iso(m) },
        alice,
        minutesAfter(m),
        HIGH,
        OPENED,
      );
      expect(recorded.state.drafting).toEqual({ at: iso(m), via, by: 'alice' });
      expect(recorded.comments[0]!.startsWith(APPROVAL_MARKERS.drafting)).toBe(true);
      expect(recorded.comments[0]).toContain(
        `cut-off for approvals is counted from then: ${formatRfc3339(minutesAfter(c.cutoff))}`,
      );
      expect(recorded.timeline).toEqual([
        `drafting of the communications started at ${formatRfc3339(minutesAfter(m))} ` +
          `(cut-off ${formatRfc3339(minutesAfter(c.cutoff))})`,
      ]);
      state = recorded.state;
    }
    const asked = request(state, c.requestAt);
    expect(asked.comments[0]).toContain(c.announced);
    expect(asked.comments[0]).toContain(formatRfc3339(minutesAfter(c.cutoff)));
    const before = sweep(asked.state, c.cutoff - 1);
    expect(before.state.cutoff).toBeUndefined();
    const at = sweep(before.state, c.cutoff);
    expect(at.state.cutoff).toEqual({ blog: 'escalated', 'support-faq': 'escalated', social: 'escalated' });
  });

  it('the start of drafting can be corrected until a review starts, never after', () => {
    const first = decideApproval(
      approvals,
      empty(),
      { kind: 'drafting', via: 'command' },
      alice,
      minutesAfter(20),
      HIGH,
      OPENED,
    );
    expect(first.state.drafting).toEqual({ at: iso(20), via: 'command', by: 'alice' });
    // The step ticked afterwards changes nothing and says nothing.
    const tick = decideApproval(
      approvals,
      first.state,
      { kind: 'drafting', via: 'step', at: iso(25) },
      alice,
      minutesAfter(25),
      HIGH,
      OPENED,
    );
    expect(tick.state.drafting).toEqual(first.state.drafting);
    expect(tick.comments).toEqual([]);
    // `/drafting` again without a time says when it started; with a time it corrects it.
    const again = decideApproval(
      approvals,
      first.state,
      { kind: 'drafting', via: 'command' },
      alice,
      minutesAfter(26),
      HIGH,
      OPENED,
    );
    expect(again.state.drafting).toEqual(first.state.drafting);
    expect(again.comments[0]).toContain('Drafting started at 2026-11-22T10:20:00Z (recorded by `@alice`)');
    const corrected = decideApproval(
      approvals,
      first.state,
      { kind: 'drafting', via: 'command', at: iso(5) },
      alice,
      minutesAfter(27),
      HIGH,
      OPENED,
    );
    expect(corrected.state.drafting).toEqual({ at: iso(5), via: 'command', by: 'alice' });
    // A time in the future is refused.
    const future = decideApproval(
      approvals,
      empty(),
      { kind: 'drafting', via: 'command', at: iso(90) },
      alice,
      minutesAfter(30),
      HIGH,
      OPENED,
    );
    expect(future.state.drafting).toBeUndefined();
    expect(future.comments[0]).toContain('is in the future');
    // Once a review started, its announced cut-off does not move.
    const asked = request(corrected.state, 40, 'blog');
    const late = decideApproval(
      approvals,
      asked.state,
      { kind: 'drafting', via: 'command', at: iso(35) },
      alice,
      minutesAfter(45),
      HIGH,
      OPENED,
    );
    expect(late.state.drafting).toEqual(corrected.state.drafting);
    expect(late.comments[0]).toContain('The review has already started');
    expect(late.comments[0]).toContain('2026-11-22T16:05:00Z');
    expect(late.timeline).toEqual([]);
    // Nor does the first review's fixing of the ticket's creation move when drafting is said to start later.
    const opened = request(empty(), 10, 'blog');
    const after = decideApproval(
      approvals,
      opened.state,
      { kind: 'drafting', via: 'step', at: iso(15) },
      alice,
      minutesAfter(15),
      HIGH,
      OPENED,
    );
    expect(after.state.drafting).toEqual({ at: T0, via: 'opened' });
  });

  it('a state of the single clock of earlier versions: every deliverable requested then, its cut-off unmoved', () => {
    // Written before clocks per deliverable: one `requestedAt`, two hours after the ticket was opened.
    const legacy: ApprovalState = { decisions: { 'blog/security': approved('sec-lead') }, requestedAt: iso(120) };
    const ping = sweep(legacy, 150);
    expect(ping.state.pinged).toEqual([
      'blog/legal',
      'blog/customer-success',
      'blog/investor-relations',
      'support-faq/security',
      'support-faq/legal',
      'social/legal',
    ]);
    // Its cut-off was announced 6 h after that request: it stays there (not 6 h after the ticket's creation).
    expect(sweep(ping.state, HIGH).state.cutoff).toBeUndefined();
    const cut = sweep(ping.state, 120 + HIGH);
    expect(cut.state.cutoff).toEqual({ blog: 'escalated', 'support-faq': 'escalated', social: 'escalated' });
    // Asking again starts no clock anew.
    const again = request(cut.state, 500, 'blog');
    expect(again.state.requested).toBeUndefined();
    expect(again.comments[0]).toContain('started at 2026-11-22T12:00:00Z; asking again does not move the cut-off');
  });

  it('names the DRI of a deliverable and mentions its approvers when its review starts', () => {
    const defaults = configSchema.parse({
      approvals: {
        groups: {
          ...Object.fromEntries(
            ['security', 'legal', 'customer-success', 'support', 'investor-relations'].map((g) => [g, { name: g }]),
          ),
          'corporate-comms': {
            name: 'Corporate Communications',
            approvers: ['comms-director'],
            backups: ['pr-manager'],
          },
        },
      },
    }).approvals;
    const media = decideApproval(
      defaults,
      empty(),
      { kind: 'request-approvals', deliverable: 'media' },
      stranger,
      NOW,
      HIGH,
      OPENED,
    );
    expect(media.comments[0]).toContain(
      '- **Media response**: its DRI is **Corporate Communications** (`corporate-comms`), which owns the text and ' +
        'its publication: @comms-director',
    );
    expect(mentionsIn(media.comments[0]!)).toEqual(['@comms-director']);
    const blog = decideApproval(
      defaults,
      empty(),
      { kind: 'request-approvals', deliverable: 'blog' },
      stranger,
      NOW,
      HIGH,
      OPENED,
    );
    expect(blog.comments[0]).not.toContain('DRI');
    const table = renderStatusTable(defaults, media.state, NOW, HIGH, OPENED);
    expect(table.split('\n')[0]).toBe(
      '| Deliverable | security | legal | customer-success | support | investor-relations | ' +
        'Corporate Communications | Status | Cut-off |',
    );
    expect(table).toContain(
      '| Media response | ⏳ pending | ⏳ pending | ⏳ pending | FYI | ⏳ pending | DRI | ⏳ pending | ' +
        '2026-11-22T16:00Z, 5 h 57 min left |',
    );
    expect(table).toContain(
      '| Blog post | ⏳ pending | ⏳ pending | ⏳ pending | FYI | ⏳ pending | FYI | ⏳ pending | review not requested |',
    );
    expect(table).toContain(
      '_Drafting started 2026-11-22T10:00:00Z (when this ticket was opened: nobody recorded the start of drafting); ' +
        'cut-off 2026-11-22T16:00:00Z, 5 h 57 min left._',
    );
  });

  it('keeps each deliverable’s times readable for the incident report', () => {
    const asked = request(empty(), 60, 'blog');
    const both = [secLead, legalLead].reduce(
      (out, actor, i) =>
        decideApproval(
          approvals,
          out.state,
          { kind: 'approve', deliverable: 'blog' },
          actor,
          minutesAfter(70 + i),
          HIGH,
          OPENED,
        ),
      asked,
    );
    const social = request(both.state, 80, 'social');
    const cut = sweep(social.state, HIGH);
    const late = decideApproval(
      approvals,
      cut.state,
      { kind: 'approve', deliverable: 'social' },
      legalLead,
      minutesAfter(HIGH + 5),
      HIGH,
      OPENED,
    );
    const record = approvalsRecord(approvals, late.state, { cutoffMinutes: HIGH, openedAt: OPENED });
    expect(record.drafting).toEqual({ at: T0, via: 'opened' });
    expect(
      record.deliverables.map((d) => [
        d.deliverable,
        d.status,
        d.requestedAt,
        d.cutoffAt,
        d.approvedAt,
        d.quorumAt,
        d.escalatedAt,
      ]),
    ).toEqual([
      ['blog', 'quorum', iso(60), iso(HIGH), null, iso(HIGH), null],
      ['support-faq', 'pending', null, null, null, null, null],
      ['social', 'approved', iso(80), iso(HIGH), iso(HIGH + 5), null, iso(HIGH)],
    ]);
    expect(record.deliverables[0]!.groups).toEqual([
      { group: 'security', decision: 'approved', by: 'sec-lead', at: iso(70) },
      { group: 'legal', decision: 'approved', by: 'legal-lead', at: iso(71) },
      { group: 'customer-success', decision: 'pending', by: null, at: null },
      { group: 'investor-relations', decision: 'pending', by: null, at: null },
    ]);
  });
});
