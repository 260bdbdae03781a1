import { describe, expect, it } from 'vitest';
import { foldBatch, foldPlans, isFoldable } from '../../src/run/fold.js';
import { blankPlan } from '../../src/run/plan.js';
import type { RunPlan } from '../../src/run/plan.js';

const ref = { project: 'acme/security', number: 1 };
const entry = (actor: string, text: string) => ({ at: '2026-11-22T10:00:00Z', actor, text });
const plan = (over: Partial<RunPlan> = {}): RunPlan => ({ ...blankPlan(), ...over });

describe('foldPlans', () => {
  const cases: Array<{ name: string; earlier: RunPlan; later: RunPlan; folded: RunPlan | null }> = [
    {
      name: 'two ticks: both boxes, both timeline entries in order, the later run state',
      earlier: plan({
        stepOverrides: [{ stepId: 'a', done: true }],
        run: { changedAt: { a: 't1' } },
        timeline: [entry('ann', 'ticked a')],
      }),
      later: plan({
        stepOverrides: [{ stepId: 'b', done: true }],
        run: { changedAt: { a: 't1', b: 't2' } },
        timeline: [entry('ben', 'ticked b')],
      }),
      folded: plan({
        stepOverrides: [
          { stepId: 'a', done: true },
          { stepId: 'b', done: true },
        ],
        run: { changedAt: { a: 't1', b: 't2' } },
        timeline: [entry('ann', 'ticked a'), entry('ben', 'ticked b')],
      }),
    },
    {
      name: 'the same box ticked then unticked: the later wins, both are on the timeline',
      earlier: plan({ stepOverrides: [{ stepId: 'a', done: true }], timeline: [entry('ann', 'ticked a')] }),
      later: plan({ stepOverrides: [{ stepId: 'a', done: false }], timeline: [entry('ben', 'unticked a')] }),
      folded: plan({
        stepOverrides: [{ stepId: 'a', done: false }],
        timeline: [entry('ann', 'ticked a'), entry('ben', 'unticked a')],
      }),
    },
    {
      name: 'cells: the later value of a cell wins, others are kept',
      earlier: plan({ cells: { Severity: 'high', Channel: '#a' } }),
      later: plan({ cells: { Channel: '#b' } }),
      folded: plan({ cells: { Severity: 'high', Channel: '#b' } }),
    },
    {
      name: 'labels end as the later plan leaves them',
      earlier: plan({ addLabels: ['x', 'y'], removeLabels: ['z'] }),
      later: plan({ addLabels: ['Z'], removeLabels: ['x'] }),
      folded: plan({ addLabels: ['y', 'Z'], removeLabels: ['x'] }),
    },
    {
      name: 'comments keep their order; a refresh of either is kept',
      earlier: plan({ comments: [{ ref, body: 'one' }], refresh: true }),
      later: plan({ comments: [{ ref, body: 'two' }] }),
      folded: plan({
        comments: [
          { ref, body: 'one' },
          { ref, body: 'two' },
        ],
        refresh: true,
      }),
    },
    {
      name: 'a reassignment is not folded',
      earlier: plan(),
      later: plan({ assign: { add: 'a', remove: null } }),
      folded: null,
    },
    { name: 'a close is not folded', earlier: plan({ close: true }), later: plan(), folded: null },
    { name: 'a report is not folded', earlier: plan(), later: plan({ report: 'preview' }), folded: null },
  ];
  for (const c of cases) it(c.name, () => expect(foldPlans(c.earlier, c.later)).toEqual(c.folded));
});

describe('isFoldable', () => {
  const cases: Array<[string, Partial<RunPlan>, boolean]> = [
    ['a tick', { stepOverrides: [{ stepId: 'a', done: true }] }, true],
    ['a refresh', { refresh: true }, true],
    ['a task to open', { task: { kind: 'task' } as unknown as RunPlan['task'] }, false],
    ['a reopen', { reopen: true }, false],
    ['children to close', { closeChildren: [{ ref, note: 'n' }] }, false],
    ['no children to close', { closeChildren: [] }, true],
  ];
  for (const [name, over, foldable] of cases) it(name, () => expect(isFoldable(plan(over))).toBe(foldable));
});

describe('foldBatch', () => {
  it('folds consecutive foldable plans and keeps one that cannot be folded in its place', () => {
    const tick = (id: string) => plan({ stepOverrides: [{ stepId: id, done: true }] });
    const close = plan({ close: true });
    const out = foldBatch([tick('a'), tick('b'), close, tick('c'), tick('d')]);
    expect(out.map((p) => p.stepOverrides.map((o) => o.stepId))).toEqual([['a', 'b'], [], ['c', 'd']]);
    expect(out[1]).toBe(close);
  });
  it('answers nothing for no plans and the plan itself for one', () => {
    expect(foldBatch([])).toEqual([]);
    const one = plan({ refresh: true });
    expect(foldBatch([one])).toEqual([one]);
  });
});
