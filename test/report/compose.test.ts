import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { RunState, TicketState } from '../../src/kernel/ticket-state.js';
import { composeReport, computeFigures, describeDuration, sitrepsDue } from '../../src/report/compose.js';
import type { ReportInput } from '../../src/report/input.js';
import { renderDiagram } from '../../src/report/diagram.js';
import { ticket } from '../support/master-fixture.js';

const T0 = '2026-11-22T10:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

function input(run: RunState, extra: Partial<ReportInput> = {}, state: Partial<TicketState> = {}): ReportInput {
  const master = ticket({ run });
  return {
    kind: 'preview',
    tracker: 'gitlab',
    config: DEFAULT_CONFIG,
    master,
    state: { v: 1, role: 'master', id: 'INC-2026-7', reporter: { author: 'reporter', at: T0 }, ...state, run },
    run,
    cells: new Map(),
    now: new Date(at(120)),
    timeline: { first: null, last: null, commentId: null },
    approvals: null,
    rows: [],
    ...extra,
  };
}

const figure = (i: ReportInput, name: string) => computeFigures(i).find((f) => f.name === name)!;

describe('describeDuration', () => {
  it.each([
    [0, '0 min'],
    [59_000, '1 min'],
    [90 * 60_000, '1 h 30 min'],
    [120 * 60_000, '2 h'],
    [(26 * 60 + 5) * 60_000, '1 d 2 h 5 min'],
  ])('%d ms is %s', (ms, text) => expect(describeDuration(ms)).toBe(text));
});

describe('computeFigures: computed from what was recorded, or saying why not', () => {
  const declared: RunState = { declaredAt: T0 };
  it.each<[string, RunState, Partial<ReportInput>, Partial<TicketState>, string, string]>([
    [
      'acknowledged after 4 minutes',
      { ...declared, ack: { by: 'alice', at: at(4) } },
      {},
      {},
      'Time to acknowledge',
      '4 min',
    ],
    ['never acknowledged', declared, {}, {}, 'Time to acknowledge', 'not acknowledged'],
    ['declared before declarations were kept', {}, {}, { reporter: undefined }, 'Time to acknowledge', 'unknown'],
    ['detected two hours before the report', { ...declared, detectedAt: at(-120) }, {}, {}, 'Time to discovery', '2 h'],
    ['detection time unknown', declared, {}, {}, 'Time to discovery', 'unknown'],
    ['detection time after the report', { ...declared, detectedAt: at(5) }, {}, {}, 'Time to discovery', 'unknown'],
    [
      'contained after 30 minutes',
      { ...declared, history: [{ at: at(30), by: 'alice', kind: 'status', value: 'contained' }] },
      {},
      {},
      'Time to contain',
      '30 min',
    ],
    ['not contained', declared, {}, {}, 'Time to contain', 'not yet'],
    [
      'resolved after 90 minutes, the last conclusion counting',
      {
        ...declared,
        history: [
          { at: at(20), by: 'alice', kind: 'status', value: 'resolved' },
          { at: at(40), by: 'alice', kind: 'status', value: 'investigating' },
          { at: at(90), by: 'alice', kind: 'status', value: 'resolved' },
        ],
      },
      {},
      {},
      'Time to resolve',
      '1 h 30 min',
    ],
    ['no disclosure date', declared, {}, {}, 'Time from report to disclosure', 'not disclosed'],
    [
      'disclosure planned',
      declared,
      { cells: new Map([['Public Disclosure Date', '2026-12-01']]) },
      {},
      'Time from report to disclosure',
      'not disclosed yet',
    ],
    [
      'disclosed nine days after the report',
      declared,
      { cells: new Map([['Public Disclosure Date', '2026-12-01']]), now: new Date('2026-12-02T00:00:00Z') },
      {},
      'Time from report to disclosure',
      '9 days',
    ],
    [
      'disclosed by /disclose: the recorded time wins over the date',
      { ...declared, disclosure: { disclosedAt: at(26 * 60 + 5), disclosedBy: 'alice' } },
      { cells: new Map([['Public Disclosure Date', '2026-12-01']]) },
      {},
      'Time from report to disclosure',
      '1 d 2 h 5 min',
    ],
  ])('%s', (_name, run, extra, state, name, value) => {
    const f = figure(input(run, extra, state), name);
    expect(f.value).toBe(value);
    expect(f.note.length).toBeGreaterThan(0);
    // Never a made-up number: a figure that is not a duration says why.
    if (!/\d/.test(value)) expect(f.note).not.toMatch(/^\d/);
  });
});

describe('sitrepsDue', () => {
  it.each<[string, RunState, number, number | null]>([
    ['no declaration time: unknown', {}, 120, null],
    ['unassessed, run as high (hourly) for two hours: the initial one and two', { declaredAt: T0 }, 120, 3],
    [
      'high for an hour, then low (daily): the initial one and one',
      { declaredAt: T0, history: [{ at: at(60), by: 'a', kind: 'severity', value: 'low' }] },
      300,
      2,
    ],
    [
      'counted up to the conclusion, not to now',
      { declaredAt: T0, history: [{ at: at(61), by: 'a', kind: 'status', value: 'resolved' }] },
      600,
      2,
    ],
  ])('%s', (_name, run, now, due) => {
    expect(
      sitrepsDue({ state: { v: 1, role: 'master', id: 'X' }, run, config: DEFAULT_CONFIG, now: new Date(at(now)) }),
    ).toBe(due);
  });
});

describe('renderDiagram', () => {
  it('draws status, severity and roles as bars, approvals as milestones; labels cannot break out', () => {
    const run: RunState = {
      declaredAt: T0,
      history: [
        { at: T0, by: 'alice', kind: 'status', value: 'investigating' },
        { at: at(10), by: 'alice', kind: 'severity', value: 'medium' },
        { at: at(30), by: 'bob', kind: 'role', value: 'im', from: 'alice', to: 'bob' },
        { at: at(60), by: 'bob', kind: 'status', value: 'resolved' },
      ],
    };
    const out = renderDiagram(
      input(
        run,
        { approvals: { decisions: { 'blog/legal': { status: 'approved', by: 'lee', at: at(45) } } } },
        { id: 'INC:1#x;y', responder: 'alice' },
      ),
    );
    expect(out.split('\n').slice(0, 4)).toEqual([
      'gantt',
      '    title INC 1 x y over time',
      '    dateFormat YYYY-MM-DD HH:mm',
      '    axisFormat %m-%d %H:%M',
    ]);
    expect(out).toContain('    investigating :2026-11-22 10:00, 2026-11-22 11:00');
    expect(out).toContain('    resolved :milestone, 2026-11-22 11:00, 0m');
    expect(out).toContain('    high (not assessed) :2026-11-22 10:00, 2026-11-22 10:10');
    expect(out).toContain('    medium :2026-11-22 10:10, 2026-11-22 11:00');
    expect(out).toContain(
      '    section Incident Manager\n    @alice :2026-11-22 10:00, 2026-11-22 10:30\n' +
        '    @bob :2026-11-22 10:30, 2026-11-22 11:00',
    );
    expect(out).toContain('    section Approvals\n    Blog post by Legal :milestone, 2026-11-22 10:45, 0m');
    // Only the title line holds the identifier, without Mermaid's separators.
    for (const line of out.split('\n').slice(1)) expect(line.replace(/:\S.*$|:milestone.*$/, '')).not.toMatch(/[#;,]/);
  });
});

describe('composeReport', () => {
  it('names the reporter and the roles without pinging anyone, and links the timeline', () => {
    const ctx = composeReport(
      input({ declaredAt: T0 }, { timeline: { first: null, last: null, commentId: 77 }, tracker: 'github' }),
    );
    expect(ctx.roles[0]).toEqual({ role: 'Reporter', holder: '`@reporter`' });
    expect(ctx.timeline.link).toMatch(/#issuecomment-77$/);
    expect(ctx.sitreps).toEqual({ sent: 0, due: '3', reminders: 0 });
    expect(JSON.stringify(ctx)).not.toMatch(/(^|[^`])@reporter/);
  });
});
