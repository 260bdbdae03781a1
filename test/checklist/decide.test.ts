import { describe, expect, it } from 'vitest';
import type { AccessLevel, Issue } from '../../src/kernel/model.js';
import { decideEdit } from '../../src/checklist/decide.js';
import type { RunPlan } from '../../src/run/plan.js';
import { context, CELLS, isEmpty, ticket, timelineTexts, URL } from '../support/master-fixture.js';

// `decideEdit`, a pure decision of a running incident, straight from its inputs: a master as the tracker answered it,
// who acted with which access, and what they did. The shell's scenarios (test/e2e/run.test.ts) go through these; here
// every branch is one row.

const AT = '2026-11-22T10:03:00Z';

const tick = (body: string, id: string) => body.replace(`- [ ] [🔗](${URL}#${id})`, `- [x] [🔗](${URL}#${id})`);
const untick = (body: string, id: string) => body.replace(`- [x] [🔗](${URL}#${id})`, `- [ ] [🔗](${URL}#${id})`);
const setCell = (body: string, label: string, value: string) =>
  body.replace(`| ${label}: | ${CELLS[label]} |`, `| ${label}: | ${value} |`);
describe('decideEdit', () => {
  interface EditCase {
    name: string;
    /** The master as read fresh; `ticket()` by default. */
    master?: Issue;
    /** The edited ticket before the edit; the master by default. */
    before?: Issue;
    edit: (body: string) => string;
    access: AccessLevel | null;
    isMaster?: boolean;
    ignoreStep?: (stepId: string) => boolean;
    expected:
      | (Partial<Pick<RunPlan, 'stepOverrides' | 'cells'>> & {
          timeline: string[];
          changedAt?: Record<string, string>;
          nudged?: string[];
        })
      | 'nothing';
  }
  const EDITED_AT = '2026-11-22T10:02:00.000Z';
  const cases: EditCase[] = [
    {
      name: 'a writer ticks a box: replayed, remembered by the edit time, on the timeline',
      edit: (b) => tick(b, 'pick-deputy'),
      access: 'write',
      expected: {
        stepOverrides: [{ stepId: 'pick-deputy', done: true }],
        cells: {},
        timeline: [`${AT} @bob ticked "(IM) Do pick-deputy"`],
        changedAt: { 'pick-deputy': EDITED_AT },
      },
    },
    {
      name: 'a maintainer unticks a box',
      master: ticket({ done: ['pick-deputy'] }),
      edit: (b) => untick(b, 'pick-deputy'),
      access: 'maintain',
      expected: {
        stepOverrides: [{ stepId: 'pick-deputy', done: false }],
        timeline: [`${AT} @bob unticked "(IM) Do pick-deputy"`],
      },
    },
    {
      name: 'a writer edits a Quick Links cell: the cell is replayed and recorded',
      edit: (b) => setCell(b, 'CVSS Score', '7.5'),
      access: 'write',
      expected: {
        stepOverrides: [],
        cells: { 'CVSS Score': '7.5' },
        timeline: [`${AT} @bob set CVSS Score to 7.5`],
        changedAt: { 'CVSS Score': EDITED_AT },
      },
    },
    {
      name: 'a new disclosure date by hand opens the phase nudges again',
      master: ticket({ run: { nudged: ['t-5'] } }),
      edit: (b) => setCell(b, 'Public Disclosure Date', '2026-12-10'),
      access: 'admin',
      expected: {
        cells: { 'Public Disclosure Date': '2026-12-10' },
        timeline: [`${AT} @bob set Public Disclosure Date to 2026-12-10`],
        nudged: [],
      },
    },
    {
      name: 'a box and a cell in one edit: both, boxes first on the timeline',
      edit: (b) => setCell(tick(b, 'respond-reporter'), 'CVSS Score', '9.8'),
      access: 'write',
      expected: {
        stepOverrides: [{ stepId: 'respond-reporter', done: true }],
        cells: { 'CVSS Score': '9.8' },
        timeline: [`${AT} @bob ticked "(IM) Do respond-reporter"`, `${AT} @bob set CVSS Score to 9.8`],
      },
    },
    {
      name: 'an older edit than the last change of that box joins the timeline but changes no box',
      master: ticket({ run: { changedAt: { 'pick-deputy': '2026-11-22T10:02:30.000Z' } } }),
      edit: (b) => tick(b, 'pick-deputy'),
      access: 'write',
      expected: {
        stepOverrides: [],
        timeline: [`${AT} @bob ticked "(IM) Do pick-deputy"`],
        changedAt: { 'pick-deputy': '2026-11-22T10:02:30.000Z' },
      },
    },
    {
      name: 'someone who may only read: nothing here (the shell puts the block back)',
      edit: (b) => tick(b, 'pick-deputy'),
      access: 'read',
      expected: 'nothing',
    },
    {
      name: 'a Reporter on GitLab: nothing here',
      edit: (b) => setCell(b, 'CVSS Score', '1.0'),
      access: 'triage',
      expected: 'nothing',
    },
    { name: 'access not read: nothing', edit: (b) => tick(b, 'pick-deputy'), access: null, expected: 'nothing' },
    {
      name: "an edit of the person's text only: nothing",
      edit: (b) => `${b}\nmore details`,
      access: 'write',
      expected: 'nothing',
    },
    {
      name: 'an edit of the hidden state only: no box, no cell, nothing',
      edit: (b) => b.replace('"run":{}', '"run":{"severity":"low"}'),
      access: 'write',
      expected: 'nothing',
    },
    {
      name: 'a box the caller ignores (an approval box of the comms ticket): nothing',
      edit: (b) => tick(b, 'approve-blog-security'),
      access: 'write',
      ignoreStep: (id) => id.startsWith('approve-'),
      expected: 'nothing',
    },
    {
      name:
        'a child ticket: the tick is recorded with its reference, never replayed onto the master; cells are the ' +
        'master’s only',
      before: ticket({ role: 'release', number: 8 }),
      edit: (b) => setCell(tick(b, 'pick-deputy'), 'CVSS Score', '7.5'),
      access: 'write',
      isMaster: false,
      expected: {
        stepOverrides: [],
        cells: {},
        timeline: [`${AT} @bob ticked "(IM) Do pick-deputy" on sec/incidents#8`],
      },
    },
  ];

  it.each(cases)(
    '$name',
    ({ master = ticket(), before = master, edit, access, isMaster = true, ignoreStep, expected }) => {
      const ctx = context(master, 'bob', access);
      const edited = { ...before, body: edit(before.body) };
      expect(edited.body).not.toBe(before.body);
      const plan = decideEdit(ctx, {
        ticket: edited,
        previousBody: before.body,
        isMaster,
        ...(ignoreStep ? { ignoreStep } : {}),
      });
      if (expected === 'nothing') {
        expect(isEmpty(plan, ctx.state.run)).toBe(true);
        return;
      }
      if (expected.stepOverrides) expect(plan.stepOverrides).toEqual(expected.stepOverrides);
      if (expected.cells) expect(plan.cells).toEqual(expected.cells);
      expect(timelineTexts(plan)).toEqual(expected.timeline);
      if (expected.changedAt) expect(plan.run.changedAt).toEqual(expected.changedAt);
      if (expected.nudged) expect(plan.run.nudged).toEqual(expected.nudged);
      expect(plan.comments).toEqual([]);
    },
  );

  it('an edit from a description without the app’s block (or an untrusted one) decides nothing', () => {
    const master = ticket();
    const plan = decideEdit(context(master, 'bob', 'write'), {
      ticket: { ...master, body: tick(master.body, 'pick-deputy') },
      previousBody: 'details',
      isMaster: true,
    });
    expect(isEmpty(plan)).toBe(true);
    const untrusted = { ...master, labels: [] };
    const none = decideEdit(context(master, 'bob', 'write'), {
      ticket: { ...untrusted, body: tick(master.body, 'pick-deputy') },
      previousBody: master.body,
      isMaster: true,
    });
    expect(isEmpty(none)).toBe(true);
  });
});
