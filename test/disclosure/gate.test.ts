import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { decideGate, describeMissing, PUBLISHING_STEPS } from '../../src/disclosure/gate.js';
import type { GateInput } from '../../src/disclosure/gate.js';
import { publishingTicks } from '../../src/disclosure/decide.js';
import type { ApprovalState } from '../../src/kernel/ticket-state.js';

const approvals = configSchema.parse({
  approvals: {
    groups: {
      security: { name: 'Security', approvers: ['pat'], backups: ['b1', 'b2'] },
      legal: { name: 'Legal', approvers: ['law'], backups: ['b3', 'b4'] },
    },
    deliverables: {
      blog: { name: 'Blog post', approve: ['security', 'legal'], fyi: [] },
      faq: { name: 'Support FAQ', approve: ['security'], fyi: [] },
    },
    required: ['security', 'legal'],
    quorum: 1,
  },
}).approvals;

const step = (id: string, done: boolean) => `- [${done ? 'x' : ' '}] 🔗 (IM) Text of ${id} <!-- step:${id} -->`;
const block = (goAhead: boolean) => [step('clear-for-release', goAhead), step('publish-releases', false)].join('\n');
const approved = (by: string) => ({ status: 'approved' as const, by, at: '2026-11-22T10:00:00Z' });
const allApproved: ApprovalState = {
  decisions: { 'blog/security': approved('pat'), 'blog/legal': approved('law'), 'faq/security': approved('pat') },
};

const base: GateInput = {
  block: block(true),
  disclosureDate: '2026-11-22',
  approvals,
  comms: allApproved,
  disclosure: undefined,
  now: new Date('2026-11-22T00:00:00Z'),
};

describe('decideGate', () => {
  const cases: Array<[string, Partial<GateInput>, boolean, string[]]> = [
    ['everything met, on the day (UTC midnight)', {}, true, []],
    ['a day after the date', { now: new Date('2026-11-23T12:00:00Z') }, true, []],
    ['no go-ahead', { block: block(false) }, false, ['go-ahead']],
    ['the day before, one minute to midnight UTC', { now: new Date('2026-11-21T23:59:00Z') }, false, ['date']],
    ['no date', { disclosureDate: '_YYYY-MM-DD_' }, false, ['date']],
    ['a date with text around it is no date', { disclosureDate: 'maybe 2026-11-22' }, false, ['date']],
    [
      'one group of the blog post pending',
      { comms: { decisions: { 'faq/security': approved('pat') } } },
      false,
      ['comms'],
    ],
    [
      'the blog post at quorum by the cut-off',
      {
        comms: {
          decisions: { 'blog/security': approved('pat'), 'faq/security': approved('pat') },
          cutoff: { blog: 'quorum' },
        },
      },
      true,
      [],
    ],
    [
      'changes requested',
      {
        comms: {
          decisions: {
            ...allApproved.decisions,
            'blog/legal': { status: 'changes-requested', by: 'law', at: '2026-11-22T10:00:00Z' },
          },
        },
      },
      false,
      ['comms'],
    ],
    ['no communications ticket: nothing goes out with it', { comms: null }, true, []],
    [
      'a communications ticket that cannot be read keeps it closed',
      { comms: 'unreadable' },
      false,
      ['comms-unreadable'],
    ],
    [
      'forced: open whatever is missing, which is still listed',
      { block: block(false), disclosure: { forced: { by: 'alice', at: '2026-11-20T10:00:00Z', reason: 'r' } } },
      true,
      ['go-ahead'],
    ],
  ];
  it.each(cases)('%s', (_name, input, open, missing) => {
    const gate = decideGate({ ...base, ...input });
    expect(gate.open).toBe(open);
    expect(gate.missing.map((m) => m.kind)).toEqual(missing);
  });

  it('names the pending deliverables by their configured names', () => {
    const gate = decideGate({ ...base, comms: { decisions: {} } });
    expect(describeMissing(gate.missing, '(IM) Go')).toEqual([
      'the communications are not approved or at quorum yet: Blog post, Support FAQ',
    ]);
  });
});

describe('publishingTicks', () => {
  it('answers only the publishing steps ticked by the edit', () => {
    const before = [step('clear-for-release', false), ...PUBLISHING_STEPS.map((id) => step(id, false))].join('\n');
    const after = [step('clear-for-release', true), ...PUBLISHING_STEPS.map((id, i) => step(id, i < 2))].join('\n');
    expect(publishingTicks(before, after)).toEqual(PUBLISHING_STEPS.slice(0, 2));
    expect(publishingTicks(after, before)).toEqual([]);
    expect(publishingTicks(null, after)).toEqual([]);
  });
});
