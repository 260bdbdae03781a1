import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { Issue } from '../../src/kernel/model.js';
import type { RunState, TicketState } from '../../src/kernel/ticket-state.js';
import type { RunContext } from '../../src/run/plan.js';
import {
  earlierDue,
  firstFiring,
  nextDraftListingDue,
  nextIncidentDue,
  releaseNudgeDue,
} from '../../src/sweep/next-due.js';
import { context, NOW, ticket } from '../support/master-fixture.js';

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

describe('what the schedule wakes for besides decideSweep (issues 13 and 14)', () => {
  const withState = (master: Issue, change: (state: TicketState) => TicketState): RunContext => {
    const ctx = context(master, null, null, 'github');
    return { ...ctx, state: change(ctx.state) };
  };
  const hour = new Date(NOW.getTime() + 60 * 60_000);

  it('the acknowledgement escalation: ackMinutes after the declaration, not once acknowledged', () => {
    const declared = withState(ticket(), (s) => ({ ...s, run: { declaredAt: '2026-11-22T10:00:00Z' } }));
    expect(nextIncidentDue(declared, false, hour)).toEqual(new Date('2026-11-22T10:10:00Z'));
    const acked = withState(ticket(), (s) => ({
      ...s,
      run: { declaredAt: '2026-11-22T10:00:00Z', ack: { by: 'alice', at: '2026-11-22T10:02:00Z' } },
    }));
    expect(nextIncidentDue(acked, false, hour)).toBeNull();
  });

  it("a release phase's deadline, from the Public Disclosure Date; only with a release ticket; each phase once", () => {
    const master = ticket({ cells: { 'Public Disclosure Date': '2026-11-28' } });
    const release = { role: 'release' as const, ref: 'sec/incidents#8', url: 'https://t.example/8', title: 'Release' };
    const state = (run: RunState) => (s: TicketState) => ({ ...s, run, children: [...(s.children ?? []), release] });
    const week = new Date(NOW.getTime() + 7 * 24 * 60 * 60_000);
    const due = (ctx: RunContext) => firstFiring((at) => releaseNudgeDue(ctx.master, ctx.state, at), ctx.now, week);
    expect(due(withState(master, state({})))).toEqual(new Date('2026-11-25T00:00:00Z'));
    expect(due(withState(master, state({ releaseNudged: ['day-1'] })))).toEqual(new Date('2026-11-26T00:00:00Z'));
    expect(due(withState(master, (s) => s))).toBeNull();
    expect(due(withState(ticket(), state({})))).toBeNull();
  });

  it("the advisory's read every advisories.syncMinutes, on a tracker with security advisories", () => {
    const advisory = {
      repository: 'acme/web',
      ghsa: 'GHSA-aaaa-bbbb-cccc',
      url: 'https://github.com/acme/web/security/advisories/GHSA-aaaa-bbbb-cccc',
      state: 'triage' as const,
      checkedAt: '2026-11-22T10:02:00Z',
    };
    const linked = withState(ticket(), (s) => ({ ...s, run: { disclosure: { advisory } } }));
    expect(nextIncidentDue(linked, true, new Date(NOW.getTime() + 2 * 60 * 60_000))).toEqual(
      new Date('2026-11-22T11:02:00Z'),
    );
    const config = { ...DEFAULT_CONFIG, advisories: { ...DEFAULT_CONFIG.advisories, syncMinutes: 15 } };
    expect(nextIncidentDue({ ...linked, config }, true, hour)).toEqual(new Date('2026-11-22T10:17:00Z'));
    expect(nextIncidentDue(linked, false, hour)).toBeNull();
  });

  it("a watched repository's draft listing every syncMinutes after the last one; never listed: now", () => {
    const last = NOW.getTime() - 10 * 60_000;
    expect(nextDraftListingDue(last, 15, NOW, hour)).toEqual(new Date(NOW.getTime() + 5 * 60_000));
    expect(nextDraftListingDue(undefined, 15, NOW, hour)).toEqual(NOW);
    expect(nextDraftListingDue(NOW.getTime(), 120, NOW, hour)).toBeNull();
  });
});
