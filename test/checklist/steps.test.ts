import { describe, expect, it } from 'vitest';
import { INCIDENT_PHASES } from '../../src/checklist/phases.js';
import type { PhaseDefinition } from '../../src/checklist/phase-types.js';
import {
  computeProgress,
  currentPhase,
  diffSteps,
  duePhases,
  phaseDates,
  readSteps,
  setStepState,
} from '../../src/checklist/steps.js';
import type { Progress, StepChange } from '../../src/checklist/steps.js';

const URL = 'https://desk.example/handbook';

/** One checklist line as the templates write it. */
function line(id: string, done = false, role = 'IM', text = `Do ${id}`): string {
  return `- [${done ? 'x' : ' '}] [🔗](${URL}#${id}) (${role}) ${text} <!-- step:${id} -->`;
}

function naLine(id: string, reason: string | null, role = 'IM', text = `Do ${id}`): string {
  const note = reason ? `_(not applicable: ${reason})_` : '_(not applicable)_';
  return `- [x] [🔗](${URL}#${id}) (${role}) ~~${text}~~ ${note} <!-- step:${id} -->`;
}

function block(...lines: string[]): string {
  return ['<!-- incident-desk:state {"v":1} -->', '## Incident INC-1', '', ...lines, ''].join('\n');
}

const done = (b: string): Record<string, boolean> =>
  Object.fromEntries([...readSteps(b)].map(([id, s]) => [id, s.done]));

const PHASES: PhaseDefinition[] = [
  {
    id: 'early',
    title: 'Early',
    offsetDays: null,
    steps: [
      { id: 'a', role: 'IM', text: 'A' },
      { id: 'b', role: 'IM', text: 'B' },
    ],
  },
  { id: 't-5', title: 'At T-5', offsetDays: -5, steps: [{ id: 'c', role: 'IM', text: 'C' }] },
  {
    id: 't-1',
    title: 'At T-1',
    offsetDays: -1,
    steps: [
      { id: 'd', role: 'IM', text: 'D' },
      { id: 'e', role: 'IM', text: 'E' },
    ],
  },
  { id: 'disclosure', title: 'Disclosure', offsetDays: 0, steps: [{ id: 'f', role: 'IM', text: 'F' }] },
];

describe('readSteps', () => {
  it.each<[string, string, Record<string, boolean>]>([
    ['plain items', block(line('a'), line('b', true)), { a: false, b: true }],
    [
      '`*` bullets, capital X, up to three spaces of indent',
      block('* [X] x <!-- step:a -->', '   - [ ] y <!-- step:b -->', '  + [x] z <!-- step:c -->'),
      { a: true, b: false, c: true },
    ],
    ['trailing spaces after the marker', block(`${line('a', true)}  \t`), { a: true }],
    [
      'a fenced code block with a fake item',
      block(line('a'), '```md', line('fake', true), '```', line('b')),
      { a: false, b: false },
    ],
    [
      'a tilde fence, closed only by a fence as long',
      block('~~~~', line('fake'), '~~~', line('fake2'), '~~~~', line('b')),
      { b: false },
    ],
    ['an unclosed fence hides the rest', block(line('a'), '```', line('fake')), { a: false }],
    ['a backtick run with a backtick after it is no fence', block('```x` inline', line('a')), { a: false }],
    [
      'a quote',
      block(`> ${line('fake', true)}`, `>${line('fake2', true)}`, `   > ${line('fake3')}`, line('a')),
      { a: false },
    ],
    ['an HTML comment spanning lines', block('<!--', line('fake', true), '-->', line('a')), { a: false }],
    [
      'a comment opened after text, closed later',
      block('Notes <!-- hidden', line('fake', true), 'still hidden', 'end --> ', line('a')),
      { a: false },
    ],
    ['a comment that closes on its own line', block('<!-- note -->', '<!-->', line('a')), { a: false }],
    [
      'a comment closed and reopened on one line',
      block('<!-- x --> <!-- y', line('fake'), '-->', line('a')),
      { a: false },
    ],
    [
      'indented four spaces or a tab',
      block(`    ${line('fake')}`, `\t${line('fake2')}`, `  \t${line('fake3')}`, line('a')),
      { a: false },
    ],
    [
      'not a list item',
      block(
        '[x] x <!-- step:f1 -->',
        '-[x] x <!-- step:f2 -->',
        '- [x]x <!-- step:f3 -->',
        '- [y] x <!-- step:f4 -->',
        '1. [x] x <!-- step:f5 -->',
      ),
      {},
    ],
    [
      'a marker not at the end of the line',
      block(
        '- [x] x <!-- step:f1 --> tail',
        '- [x] x <!-- step:F2 -->',
        '- [x] x <!-- step:-f3 -->',
        '- [x] x <!--step:f4-->',
      ),
      {},
    ],
    [
      'five spaces after the bullet',
      block('-     [x] x <!-- step:f1 -->', '-    [x] x <!-- step:ok -->'),
      { ok: true },
    ],
    ['the first of two items with one id', block(line('a', true), line('a', false)), { a: true }],
    [
      'CRLF line endings',
      block(line('a', true), '```', line('fake'), '```', line('b')).replace(/\n/g, '\r\n'),
      { a: true, b: false },
    ],
    ['an empty block', '', {}],
  ])('%s', (_name, text, expected) => {
    expect(done(text)).toEqual(expected);
  });

  it('gives the text and role without link, marker or n/a decoration', () => {
    const b = block(
      line('a', true, 'SwEng', 'Backport the fix (all branches)'),
      naLine('b', 'No other party \\| &lt;b&gt;', 'First IM', 'Notify packagers'),
      naLine('c', null, 'dev team / security lead', 'Validate'),
      '- [ ] bare text <!-- step:d -->',
      '- [ ] ~~struck~~ but applicable <!-- step:e -->',
    ).replace(/\n/g, '\r\n');
    expect(Object.fromEntries(readSteps(b))).toEqual({
      a: { done: true, role: 'SwEng', text: 'Backport the fix (all branches)' },
      b: { done: true, role: 'First IM', text: 'Notify packagers' },
      c: { done: true, role: 'dev team / security lead', text: 'Validate' },
      d: { done: false, role: '', text: 'bare text' },
      e: { done: false, role: '', text: '~~struck~~ but applicable' },
    });
  });

  it('reads a 1 MB block, long lines and many items alike', () => {
    const items = Array.from({ length: 9000 }, (_, i) => line(`s${i}`, i % 7 === 0));
    const noise = [
      `${'<!-- '.repeat(50_000)}-->`,
      ' - [x] '.repeat(20_000),
      `- [x] ${'<'.repeat(100_000)}`,
      '> '.repeat(50_000),
    ];
    const big = block(...items, ...noise, '`'.repeat(100_000), line('after-fence'));
    expect(big.length).toBeGreaterThan(1_000_000);
    const steps = readSteps(big);
    expect(steps.size).toBe(9000);
    expect(steps.get('s7')?.done).toBe(true);
    expect(steps.get('s8')?.done).toBe(false);
    expect(steps.get('s8999')?.done).toBe(false);
    expect(steps.has('after-fence')).toBe(false);
    expect(setStepState(big, 's8999', true)).toBe(big.replace(line('s8999'), line('s8999', true)));
    const oneLine = `- [x] ${'a'.repeat(1_100_000)} <!-- step:long -->`;
    expect(readSteps(oneLine).get('long')?.done).toBe(true);
    expect(readSteps(`- [x] ${'<!-- step:'.repeat(120_000)}`).size).toBe(0);
  });
});

describe('diffSteps', () => {
  const change = (stepId: string, to: 'done' | 'open', text = `Do ${stepId}`): StepChange => ({
    stepId,
    text,
    role: 'IM',
    to,
  });

  it.each<[string, string | null, string, StepChange[]]>([
    ['a tick', block(line('a'), line('b')), block(line('a', true), line('b')), [change('a', 'done')]],
    ['an untick', block(line('a', true)), block(line('a')), [change('a', 'open')]],
    [
      'several in one edit, in the order of after',
      block(line('a'), line('b', true), line('c')),
      block(line('c', true), line('b'), line('a', true)),
      [change('c', 'done'), change('b', 'open'), change('a', 'done')],
    ],
    ['items moved', block(line('a', true), line('b')), block(line('b'), '', line('a', true)), []],
    [
      'text edited around them',
      block('intro', line('a', true)),
      block('new intro', '| x | y |', line('a', true), 'outro'),
      [],
    ],
    [
      'the text of the item edited',
      block(line('a')),
      block(line('a', true, 'IM', 'Do it now')),
      [change('a', 'done', 'Do it now')],
    ],
    ['new and removed items', block(line('a'), line('gone', true)), block(line('a'), line('new', true)), []],
    ['no block before', null, block(line('a', true)), []],
    [
      'forged boxes in a fence, a quote, a comment or an indented line',
      block(line('a')),
      block(
        line('a'),
        '```',
        line('a', true),
        '```',
        `> ${line('a', true)}`,
        '<!--',
        line('a', true),
        '-->',
        `    ${line('a', true)}`,
      ),
      [],
    ],
    ['a forged duplicate after the real item', block(line('a')), block(line('a'), line('a', true)), []],
    [
      'CRLF against LF',
      block(line('a'), line('b')),
      block(line('a', true), line('b')).replace(/\n/g, '\r\n'),
      [change('a', 'done')],
    ],
    ['an n/a line', block(line('a')), block(naLine('a', 'reason')), [change('a', 'done')]],
  ])('%s', (_name, before, after, expected) => {
    expect(diffSteps(before, after)).toEqual(expected);
  });
});

describe('setStepState', () => {
  const fenced = ['```', line('a'), '```'];

  it.each<[string, string, string, boolean, string]>([
    ['ticks', block(line('a'), line('b')), 'a', true, block(line('a', true), line('b'))],
    ['unticks a capital X', block('* [X] x <!-- step:a -->'), 'a', false, block('* [ ] x <!-- step:a -->')],
    [
      'only the real item, not one in a fence',
      block(...fenced, line('a')),
      'a',
      true,
      block(...fenced, line('a', true)),
    ],
    ['only the first real item', block(line('a'), line('a')), 'a', true, block(line('a', true), line('a'))],
    [
      'keeps CRLF and indentation',
      block(`   ${line('b')}`, line('a')).replace(/\n/g, '\r\n'),
      'b',
      true,
      block(`   ${line('b', true)}`, line('a')).replace(/\n/g, '\r\n'),
    ],
  ])('%s', (_name, before, stepId, to, expected) => {
    const out = setStepState(before, stepId, to);
    expect(out).toBe(expected);
    expect(out.length).toBe(before.length);
    expect(readSteps(out).get(stepId)?.done).toBe(to);
  });

  it.each<[string, string, string, boolean]>([
    ['already ticked', block(line('a', true)), 'a', true],
    ['already open', block(line('a')), 'a', false],
    ['missing', block(line('a')), 'zz', true],
    ['only in a fence', block('```', line('a'), '```'), 'a', true],
    ['only in a comment', block('<!--', line('a'), '-->'), 'a', true],
  ])('returns the same string when %s', (_name, before, stepId, to) => {
    expect(setStepState(before, stepId, to)).toBe(before);
  });
});

describe('computeProgress and currentPhase', () => {
  it.each<[string, string, Record<string, string>, Pick<Progress, 'done' | 'total'>, number[], string]>([
    [
      'nothing done',
      block(...['a', 'b', 'c', 'd', 'e', 'f'].map((id) => line(id))),
      {},
      { done: 0, total: 6 },
      [0, 0, 0, 0],
      'early',
    ],
    [
      'ticks',
      block(line('a', true), line('b', true), line('c'), line('d', true)),
      {},
      { done: 3, total: 6 },
      [2, 0, 1, 0],
      't-5',
    ],
    [
      'n/a counts as done, ticked or not',
      block(line('a', true), line('b'), line('c', true)),
      { b: '', f: 'not needed' },
      { done: 4, total: 6 },
      [2, 1, 0, 1],
      't-1',
    ],
    [
      'missing steps are open; foreign ones ignored',
      block(line('a', true), line('zz', true)),
      {},
      { done: 1, total: 6 },
      [1, 0, 0, 0],
      'early',
    ],
    [
      'ticks in a fence do not count',
      block(line('a'), '```', line('a', true), '```'),
      {},
      { done: 0, total: 6 },
      [0, 0, 0, 0],
      'early',
    ],
    [
      'everything done',
      block(...['a', 'b', 'c', 'd', 'e'].map((id) => line(id, true))),
      { f: '' },
      { done: 6, total: 6 },
      [2, 1, 2, 1],
      'disclosure',
    ],
    ['n/a of other steps is ignored', block(), { zz: '', toString: 'x' }, { done: 0, total: 6 }, [0, 0, 0, 0], 'early'],
  ])('%s', (_name, b, na, totals, perPhase, current) => {
    const progress = computeProgress(b, PHASES, na);
    expect({ done: progress.done, total: progress.total }).toEqual(totals);
    expect(progress.phases.map((p) => p.done)).toEqual(perPhase);
    expect(progress.phases.map((p) => [p.id, p.title, p.total])).toEqual(
      PHASES.map((p) => [p.id, p.title, p.steps.length]),
    );
    expect(currentPhase(progress)).toBe(current);
  });

  it('counts the real incident checklist', () => {
    const progress = computeProgress(block(line('pick-deputy', true)), INCIDENT_PHASES, { 'notify-packagers': '' });
    expect(progress.total).toBe(INCIDENT_PHASES.flatMap((p) => p.steps).length);
    expect(progress.done).toBe(2);
  });

  it('has no current phase without phases', () => {
    expect(currentPhase({ done: 0, total: 0, phases: [] })).toBe('');
  });
});

describe('phaseDates', () => {
  const offsets = { 't-5': -5, 't-1': -1, disclosure: 0 };
  const all = (value: string | null) => Object.fromEntries(PHASES.map((p) => [p.id, value]));

  it.each<[string, string | null, Record<string, string | null>]>([
    ['a plain date', '2026-12-06', { early: null, 't-5': '2026-12-01', 't-1': '2026-12-05', disclosure: '2026-12-06' }],
    [
      'across a month',
      '2026-03-03',
      { early: null, 't-5': '2026-02-26', 't-1': '2026-03-02', disclosure: '2026-03-03' },
    ],
    [
      'across a leap February',
      '2028-03-02',
      { early: null, 't-5': '2028-02-26', 't-1': '2028-03-01', disclosure: '2028-03-02' },
    ],
    [
      'across a year',
      '2027-01-02',
      { early: null, 't-5': '2026-12-28', 't-1': '2027-01-01', disclosure: '2027-01-02' },
    ],
    [
      'surrounding spaces',
      ' 2026-12-06 ',
      { early: null, 't-5': '2026-12-01', 't-1': '2026-12-05', disclosure: '2026-12-06' },
    ],
    ['no date', null, all(null)],
    ['the placeholder', '_YYYY-MM-DD_', all(null)],
    ['February 30', '2026-02-30', all(null)],
    ['February 29 of a common year', '2027-02-29', all(null)],
    ['month 13', '2026-13-01', all(null)],
    ['day 00', '2026-12-00', all(null)],
    ['another format', '06/12/2026', all(null)],
    ['a time attached', '2026-12-06T00:00:00Z', all(null)],
    ['short fields', '2026-1-6', all(null)],
  ])('%s', (_name, date, expected) => {
    expect(phaseDates(date, offsets, PHASES)).toEqual(expected);
  });

  it('leaves a phase without an offset, or with an unusable one, undated', () => {
    const dates = phaseDates('2026-12-06', { early: Number.NaN, 't-5': 1.5, 't-1': -1 }, PHASES);
    expect(dates).toEqual({ early: null, 't-5': null, 't-1': '2026-12-05', disclosure: null });
  });

  it('takes the year as written, even an early one', () => {
    expect(phaseDates('0050-01-03', { 't-5': -5 }, PHASES)['t-5']).toBe('0049-12-29');
  });

  it('dates a phase due with another one by that one (issue 13: "Earlier than T-5" is due at T-5)', () => {
    const withEarly = PHASES.map((p) => (p.id === 'early' ? { ...p, dueWith: 't-5' } : p));
    expect(phaseDates('2026-12-06', offsets, withEarly)).toMatchObject({ early: '2026-12-01', 't-5': '2026-12-01' });
    expect(phaseDates(null, offsets, withEarly).early).toBeNull();
    const dates = phaseDates('2026-12-06', offsets, INCIDENT_PHASES);
    expect(dates['before-t5']).toBe('2026-12-01');
    expect(dates['before-t5']).toBe(dates['t-5']);
  });
});

describe('duePhases', () => {
  const dates = { early: null, 't-5': '2026-12-01', 't-1': '2026-12-05', disclosure: '2026-12-06' };
  const progress = (doneByPhase: number[]): Progress => ({
    done: doneByPhase.reduce((a, b) => a + b, 0),
    total: 6,
    phases: PHASES.map((p, i) => ({ id: p.id, title: p.title, done: doneByPhase[i]!, total: p.steps.length })),
  });

  it.each<[string, string, number[], string[], string[]]>([
    ['nothing due yet', '2026-11-30T23:59:59Z', [0, 0, 0, 0], [], []],
    ['due on its day, by the UTC date', '2026-12-01T00:00:00Z', [0, 0, 0, 0], [], ['t-5']],
    ['late in the UTC day', '2026-12-05T23:59:59.999Z', [0, 0, 0, 0], [], ['t-5', 't-1']],
    ['every dated phase past', '2027-01-01T12:00:00Z', [0, 0, 0, 0], [], ['t-5', 't-1', 'disclosure']],
    ['done phases are not due', '2027-01-01T12:00:00Z', [0, 1, 1, 1], [], ['t-1']],
    ['nudged phases are not due again', '2027-01-01T12:00:00Z', [0, 0, 0, 0], ['t-5', 'disclosure'], ['t-1']],
    ['undated phases are never due', '2099-01-01T00:00:00Z', [0, 1, 2, 1], [], []],
  ])('%s', (_name, now, doneByPhase, nudged, expected) => {
    expect(duePhases(dates, progress(doneByPhase), new Date(now), nudged)).toEqual(expected);
  });

  it('is empty for an invalid clock and for phases without dates', () => {
    expect(duePhases(dates, progress([0, 0, 0, 0]), new Date(Number.NaN), [])).toEqual([]);
    expect(duePhases({}, progress([0, 0, 0, 0]), new Date('2030-01-01T00:00:00Z'), [])).toEqual([]);
  });

  it('works from the block end to end', () => {
    const b = block(line('a', true), line('b', true), line('c'), line('d', true), line('e'), line('f'));
    const due = duePhases(
      phaseDates('2026-12-06', { 't-5': -5, 't-1': -1, disclosure: 0 }, PHASES),
      computeProgress(b, PHASES, { e: '' }),
      new Date('2026-12-06T08:00:00Z'),
      ['t-5'],
    );
    expect(due).toEqual(['disclosure']);
  });
});
