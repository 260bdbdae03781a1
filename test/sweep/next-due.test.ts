import { describe, expect, it } from 'vitest';
import { firstFiring, earlierDue } from '../../src/sweep/next-due.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('firstFiring', () => {
  const cases: Array<{ name: string; dueMs: number | null; untilMs: number; expected: number | null }> = [
    { name: 'due already', dueMs: -5_000, untilMs: 3_600_000, expected: 0 },
    { name: 'due at the start', dueMs: 0, untilMs: 3_600_000, expected: 0 },
    { name: 'due within the horizon', dueMs: 1_234_567, untilMs: 3_600_000, expected: 1_234_567 },
    { name: 'due at the horizon', dueMs: 3_600_000, untilMs: 3_600_000, expected: 3_600_000 },
    { name: 'due on a whole minute: found exactly', dueMs: 7_200_000, untilMs: 10_800_000, expected: 7_200_000 },
    { name: 'due after the horizon', dueMs: 3_600_001, untilMs: 3_600_000, expected: null },
    { name: 'never due', dueMs: null, untilMs: 3_600_000, expected: null },
    { name: 'an empty horizon', dueMs: 10, untilMs: 0, expected: null },
  ];
  for (const c of cases)
    it(c.name, () => {
      const fires = (when: Date) => c.dueMs !== null && when.getTime() >= T0.getTime() + c.dueMs;
      const found = firstFiring(fires, T0, at(c.untilMs));
      if (c.expected === null) {
        expect(found).toBeNull();
        return;
      }
      // Never before the true moment (it would not fire yet), at most a second after it.
      expect(found!.getTime()).toBeGreaterThanOrEqual(T0.getTime() + c.expected);
      expect(found!.getTime() - (T0.getTime() + c.expected)).toBeLessThanOrEqual(1_000);
      expect(fires(found!)).toBe(true);
      // A moment on a whole second is found exactly: a sweep at that very moment is not skipped.
      if (c.expected % 1_000 === 0) expect(found!.getTime()).toBe(T0.getTime() + c.expected);
    });
});

describe('earlierDue', () => {
  it('keeps the earlier moment, null meaning nothing due', () => {
    expect(earlierDue(null, null)).toBeNull();
    expect(earlierDue(at(5), null)).toEqual(at(5));
    expect(earlierDue(null, at(5))).toEqual(at(5));
    expect(earlierDue(at(7), at(5))).toEqual(at(5));
  });
});
