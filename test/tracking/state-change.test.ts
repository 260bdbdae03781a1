import { describe, expect, it } from 'vitest';
import { decideStateChange } from '../../src/tracking/decide.js';
import { context, ticket, timelineTexts } from '../support/master-fixture.js';

// `decideStateChange`, a pure decision of a running incident, straight from its inputs: a master as the tracker
// answered it, who acted with which access, and what they did. The shell's scenarios (test/e2e/run.test.ts) go through
// these; here every branch is
// one row.

const AT = '2026-11-22T10:03:00Z';

describe('decideStateChange', () => {
  it.each([
    ['closed', 'closed the incident'],
    ['reopened', 'reopened the incident'],
  ] as const)('%s: the timeline says who and when, nothing else', (action, text) => {
    const master = ticket({ run: { severity: 'high' } });
    const plan = decideStateChange(context(master, 'bob', 'write'), action);
    expect(timelineTexts(plan)).toEqual([`${AT} @bob ${text}`]);
    expect(plan.comments).toEqual([]);
    expect(plan.run).toEqual({ severity: 'high' });
  });
});
