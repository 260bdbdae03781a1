import { sealBody, stateKeys } from '../../src/server/state-seal.js';
import type { TrackerKind } from '../../src/kernel/model.js';

/** The keys of the hidden state in the shell tests on the in-memory tracker (`eventContext`). */
export const TEST_STATE_KEYS = stateKeys(['test state secret']);

/**
 * A body whose block state is signed as the app signs it, for tests that plant a ticket the app made earlier. A state
 * planted without it is a person's text, as anyone editing a description could write it.
 */
export function signedBody(body: string, kind: TrackerKind = 'gitlab'): string {
  return sealBody(body, TEST_STATE_KEYS, kind);
}
