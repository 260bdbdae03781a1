import type { IntakeDeps, IntakeEffect, IntakeSnapshot } from './decide.js';
import { absorb, decideIntake } from './decide.js';
import { formatRef } from '../kernel/model.js';
import type { Issue } from '../kernel/model.js';
import type { Tracker } from '../tracker/port.js';
import { applyEffect } from './apply.js';
import type { Logger } from '../server/logger.js';

/** A decision that has not settled after this many rounds is a bug, not a slow tracker. */
const MAX_ROUNDS = 30;

/** What an intake run did, for logs and tests. */
export interface IntakeRun {
  effects: IntakeEffect[];
  final: IntakeSnapshot;
}

/**
 * Drives an intake to completion: decide, apply, absorb the answers, decide again, until the decision asks
 * for nothing more. Every round decides on what the tracker answered, so a half-done intake from an
 * earlier run is completed and a complete one is left alone. `justRead` is an issue the caller read right before
 * (no write since): when the first effect updates it, that read serves and the update does not read it again. Likewise
 * the tracker's answer to an effect (the issue as written or created) serves an update of that issue right after it.
 */
export async function runIntake(tracker: Tracker, initial: IntakeSnapshot, deps: IntakeDeps, log: Logger, justRead?: Issue): Promise<IntakeRun> {
  let snapshot = initial;
  const applied: IntakeEffect[] = [];
  // A copy is good for the next effect only: after that other calls have been made, and time has passed.
  let fresh = justRead;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const effects = decideIntake(snapshot, deps);
    if (effects.length === 0) return { effects: applied, final: snapshot };
    for (const effect of effects) {
      const result = await applyEffect(tracker, effect, fresh);
      fresh = result.kind === 'issue' ? result.issue : undefined;
      snapshot = absorb(snapshot, effect, result);
      applied.push(effect);
      log.debug({ effect: describeEffect(effect) }, 'intake effect applied');
    }
  }
  throw new Error('intake did not settle');
}

/** A log line for an effect: kind and target, never content. */
export function describeEffect(effect: IntakeEffect): string {
  switch (effect.kind) {
    case 'update':
    case 'comment':
      return `${effect.kind} ${formatRef(effect.ref)} (${effect.why})`;
    case 'create':
      return `create ${effect.role} in ${effect.project}`;
    case 'link':
      return `link ${formatRef(effect.child.ref)} to ${formatRef(effect.parent.ref)}`;
    case 'lock':
    case 'read-comments':
      return `${effect.kind} ${formatRef(effect.ref)}`;
    case 'delete':
      return `delete ${formatRef(effect.issue.ref)}`;
    case 'find-master':
    case 'find-children':
      return effect.kind;
  }
}
