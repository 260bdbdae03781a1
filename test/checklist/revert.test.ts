import { describe, expect, it } from 'vitest';
import { renderState, UNVERIFIED_STATE_OPEN } from '../../src/kernel/block.js';
import { editTouchesState, revertEdit } from '../../src/checklist/revert.js';

const state = (reminders: number) =>
  renderState({ v: 1, role: 'master', id: 'INC-1', run: { sitrepReminders: reminders } });
const block = (options: { state?: string; tick?: boolean; approve?: boolean; cvss?: string; heading?: string } = {}) =>
  [
    options.state ?? state(0),
    options.heading ?? '## Incident INC-1 · 0/2 steps done',
    `| CVSS Score: | ${options.cvss ?? '_not set_'} |`,
    `- [${options.tick ? 'x' : ' '}] (IM) Pick a deputy <!-- step:pick-deputy -->`,
    `- [${options.approve ? 'x' : ' '}] Security <!-- step:approve-blog-security -->`,
  ].join('\n');
const all = { scope: 'all', currentTrusted: true } as const;

describe('revertEdit: a refused edit undone on the block as it is now', () => {
  it(
    'puts back the block as it was when nothing happened since, ' + 'keeping only the boxes the approval rules decide',
    () => {
      const edited = block({ tick: true, approve: true, cvss: '10.0', heading: '## Pwned' });
      expect(revertEdit(block(), edited, edited, { ...all, keep: (id) => id.startsWith('approve-') })).toBe(
        block({ approve: true }),
      );
    },
  );

  it("keeps what was written since: a writer's value, the app's counters and its rendering", () => {
    const base = block();
    const edited = block({ tick: true });
    // Since the edit: a /set of the CVSS score, a reminder counted, the progress rendered with the tick in it.
    const current = block({ tick: true, cvss: '9.8', state: state(1), heading: '## Incident INC-1 · 1/2 steps done' });
    expect(revertEdit(base, edited, current, all)).toBe(
      block({ cvss: '9.8', state: state(1), heading: '## Incident INC-1 · 1/2 steps done' }),
    );
  });

  it('leaves a box or a value alone when someone changed it again since', () => {
    const base = block();
    const edited = block({ tick: true, cvss: '10.0' });
    const current = block({ tick: false, cvss: '9.8', heading: '## Incident INC-1 · 0/2 steps done (again)' });
    expect(revertEdit(base, edited, current, all)).toBe(current);
  });

  it(
    'puts back a vandalized text when nobody wrote the block since, ' + 'keeping the current boxes, values and state',
    () => {
      const base = block();
      const edited = block({ heading: '## Everything is fine' });
      const current = block({ heading: '## Everything is fine', tick: true, state: state(2) });
      expect(revertEdit(base, edited, current, all)).toBe(block({ tick: true, state: state(2) }));
    },
  );

  it('the hidden state: put back when the edit changed it, unless the app has written a newer one since', () => {
    const base = block();
    const forged = block({ state: state(99) });
    expect(revertEdit(base, forged, forged, { scope: 'state', currentTrusted: false })).toBe(base);
    expect(revertEdit(base, forged, block({ state: state(3) }), { scope: 'state', currentTrusted: true })).toBe(
      block({ state: state(3) }),
    );
    // An edit that changed the state when what is there now is not the app's (another forgery since): the app's
    // last good state wins.
    const other = block({ state: `${UNVERIFIED_STATE_OPEN}{} -->` });
    expect(revertEdit(base, forged, other, { scope: 'state', currentTrusted: false })).toBe(base);
    // An edit that left the state alone does not answer for someone else's forgery since: their own edit's event does,
    // with the state their edit replaced (which may be newer than this one's).
    expect(revertEdit(base, block({ tick: true }), other, { scope: 'state', currentTrusted: false })).toBe(other);
    // A writer's tick in the same edit stays with scope state.
    expect(
      revertEdit(base, block({ state: state(99), tick: true }), block({ state: state(99), tick: true }), {
        scope: 'state',
        currentTrusted: false,
      }),
    ).toBe(block({ tick: true }));
  });

  it('puts a removed block back whole', () => {
    expect(revertEdit(block(), null, null, all)).toBe(block());
    expect(revertEdit(block(), null, null, { scope: 'state', currentTrusted: false })).toBe(block());
  });

  it('editTouchesState: the state line changed, or the block removed', () => {
    expect(editTouchesState(block(), block({ tick: true }))).toBe(false);
    expect(editTouchesState(block(), block({ state: state(5) }))).toBe(true);
    expect(editTouchesState(block(), null)).toBe(true);
  });
});
