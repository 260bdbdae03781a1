import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, joinBody, readTicketState, renderState, splitBody } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { openBody, sealBody, stateKeys } from '../../src/server/state-seal.js';
import { hostileText, RUNS } from './hostile.js';

/**
 * The state's seal stands between every description and the core: whatever people write around the app's block (or
 * instead of it), reading then writing gives back their text byte for byte, and no state comes out of it that the
 * app did not sign.
 */

const KEYS = stateKeys(['property secret']);
const STATE: TicketState = { v: 1, role: 'master', id: 'INC-2026-7', intake: true };

/** Bodies: hostile text alone, after a block of hostile text, or after the app's own signed block. */
const bodies = fc.oneof(
  hostileText(),
  fc.tuple(hostileText(20), hostileText()).map(([inner, rest]) => `${BLOCK_BEGIN}\n${inner}\n${BLOCK_END}\n\n${rest}`),
  fc
    .tuple(hostileText(20), hostileText())
    .map(([inner, rest]) =>
      sealBody(joinBody(`${renderState(STATE)}\n${inner.replace(/<!-- incident-desk:/g, '')}`, rest), KEYS, 'gitlab'),
    ),
);

describe('the seal of the hidden state, on hostile text', () => {
  it('writes back what it read byte for byte', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        expect(sealBody(openBody(body, KEYS, 'gitlab').body, KEYS, 'gitlab')).toBe(body);
      }),
      RUNS,
    );
  });

  it('lets the core read a state only when the app signed it', () => {
    fc.assert(
      fc.property(bodies, hostileText(10), (body, edit) => {
        const read = openBody(body, KEYS, 'gitlab');
        const state = readTicketState(read.body);
        if (state !== null) expect(state).toEqual(STATE);
        // Any edit of the signed state's line is refused: the line no longer verifies.
        const marker = /<!-- incident-desk:state [^\n]*? -->/.exec(body)?.[0];
        if (marker && state !== null && splitBody(body).block?.includes(marker)) {
          const tampered = body.replace(
            marker,
            marker
              .replace('"intake":true', `"intake":true${edit.length > 0 ? ',"x":1' : ''}`)
              .replace('INC-2026-7', 'INC-2026-8'),
          );
          expect(readTicketState(openBody(tampered, KEYS, 'gitlab').body)).toBeNull();
        }
      }),
      RUNS,
    );
  });
});
