import { describe, expect, it } from 'vitest';
import { dateReleaseHeadings, dueReleasePhases, releaseDates } from '../../src/checklist/release-schedule.js';

describe('releaseDates: the release phases dated from the Public Disclosure Date (seed 001)', () => {
  it('dates day one to day four back from the disclosure day; first steps and afterwards stay undated', () => {
    expect(releaseDates('2026-12-04')).toEqual({
      'first-steps': null,
      'day-1': '2026-12-01',
      'day-2': '2026-12-02',
      'day-3': '2026-12-03',
      'day-4-noon': '2026-12-04',
      'day-4-end': '2026-12-04',
      afterwards: null,
    });
    expect(Object.values(releaseDates(null)).every((d) => d === null)).toBe(true);
  });
});

describe('dueReleasePhases', () => {
  const dates = releaseDates('2026-12-04');
  it.each<[string, string, string[], string[]]>([
    ['before day one', '2026-11-30T23:59:00Z', [], []],
    ['day one begins', '2026-12-01T00:00:00Z', [], ['day-1']],
    ['day four in the morning: not the noon deadline yet', '2026-12-04T11:59:00Z', [], ['day-1', 'day-2', 'day-3']],
    ['day four at noon', '2026-12-04T12:00:00Z', ['day-1', 'day-2', 'day-3'], ['day-4-noon']],
    ['day four at 23:59', '2026-12-04T23:59:00Z', ['day-1', 'day-2', 'day-3', 'day-4-noon'], ['day-4-end']],
    [
      'everything looked at already',
      '2026-12-09T00:00:00Z',
      ['day-1', 'day-2', 'day-3', 'day-4-noon', 'day-4-end'],
      [],
    ],
  ])('%s', (_name, now, seen, due) => {
    expect(dueReleasePhases(dates, { releaseNudged: seen }, new Date(now))).toEqual(due);
  });
});

describe('dateReleaseHeadings', () => {
  const block = [
    '<!-- state -->',
    '### First steps · 1/4',
    '- [x] step <!-- step:release-scope -->',
    '### Day one · 0/5',
    'Scope: _the person filled this in_',
    '### Day two · 2026-11-01 · 2/4',
    '### Day four, before 12:00 UTC · 0/3',
    '### Not a phase · 0/1',
  ].join('\n');

  it('dates only the phase headings and keeps every other line byte for byte', () => {
    const out = dateReleaseHeadings(block, releaseDates('2026-12-04'));
    expect(out.split('\n')).toEqual([
      '<!-- state -->',
      '### First steps · 1/4',
      '- [x] step <!-- step:release-scope -->',
      '### Day one · 2026-12-01 · 0/5',
      'Scope: _the person filled this in_',
      '### Day two · 2026-12-02 · 2/4',
      '### Day four, before 12:00 UTC · 2026-12-04 · 0/3',
      '### Not a phase · 0/1',
    ]);
  });

  it('takes the dates off when the disclosure date is cleared, and changes nothing twice', () => {
    const dated = dateReleaseHeadings(block, releaseDates('2026-12-04'));
    expect(dateReleaseHeadings(dated, releaseDates('2026-12-04'))).toBe(dated);
    expect(dateReleaseHeadings(dated, releaseDates(null))).toContain('### Day two · 2/4');
  });
});
