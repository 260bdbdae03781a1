import type { EffectResult, IntakeEffect, UpdateEffect } from './effects.js';
import { computePatch } from '../kernel/patch.js';
import { formatRef, sameRef } from '../kernel/model.js';
import type { Issue } from '../kernel/model.js';
import type { Tracker } from '../tracker/port.js';
import { listOwnComments } from '../tracker/own-comments.js';
import type { IntakeDeps, IntakeSnapshot } from './snapshot.js';
import { absorb } from './snapshot.js';
import { decideIntake } from './decide.js';
import type { Logger } from '../server/logger.js';
import { describeEffect } from './effects.js';

/** The tracker's answer did not show an issue confidential: the app stops before writing details. */
export class ConfidentialityError extends Error {
  override readonly name = 'ConfidentialityError';
  constructor(readonly issue: string) {
    super(`the tracker did not confirm ${issue} as confidential`);
  }
}

/**
 * Applies one effect through the port and answers what the tracker said. Updates re-read the issue first
 * and write only what differs from the fresh copy, so a person's concurrent edit is never overwritten; `justRead`
 * is a copy the caller read a moment ago (nothing written since), which serves instead of a second read.
 */
export async function applyEffect(tracker: Tracker, effect: IntakeEffect, justRead?: Issue): Promise<EffectResult> {
  switch (effect.kind) {
    case 'update': {
      // Text and labels are merged into a fresh read, so a person's concurrent edit survives; a change of
      // confidentiality alone needs no read (the decision saw it false a moment ago, and true is idempotent).
      if (onlyConfidential(effect)) {
        const issue = await tracker.updateIssue(effect.ref, { confidential: effect.confidential });
        if (effect.expectConfidential && !issue.confidential) throw new ConfidentialityError(formatRef(effect.ref));
        return { kind: 'issue', issue };
      }
      const fresh = justRead && sameRef(justRead.ref, effect.ref) ? justRead : await tracker.getIssue(effect.ref);
      const patch = computePatch(fresh, effect);
      const issue = patch ? await tracker.updateIssue(effect.ref, patch) : fresh;
      if (effect.expectConfidential && !issue.confidential) throw new ConfidentialityError(formatRef(effect.ref));
      return { kind: 'issue', issue };
    }
    case 'create': {
      if (effect.attachTo) {
        const { issue, link } = await tracker.createAttachedIssue(effect.project, effect.draft, effect.attachTo);
        if (effect.expectConfidential && !issue.confidential) throw new ConfidentialityError(formatRef(issue.ref));
        return { kind: 'issue', issue, link };
      }
      const issue = await tracker.createIssue(effect.project, effect.draft);
      if (effect.expectConfidential && !issue.confidential) throw new ConfidentialityError(formatRef(issue.ref));
      return { kind: 'issue', issue };
    }
    case 'comment':
      return { kind: 'comment', comment: await tracker.createComment(effect.ref, effect.body) };
    case 'read-comments':
      // Only the app's own comments count: a person's comment holding a marker is never the summary or the timeline.
      return { kind: 'comments', comments: await listOwnComments(tracker, effect.ref) };
    case 'find-master':
      return {
        kind: 'issues',
        issues: await tracker.listIssues(effect.project, { labels: effect.labels, state: 'all' }),
      };
    case 'find-children': {
      const lists = [];
      for (const project of effect.projects)
        lists.push(...(await tracker.listIssues(project, { labels: [effect.label], state: 'all' })));
      return { kind: 'issues', issues: lists };
    }
    case 'link':
      return { kind: 'link', result: await tracker.linkIssues(effect.parent, effect.child) };
    case 'lock':
      await tracker.lockIssue(effect.ref);
      return { kind: 'locked' };
    case 'delete':
      return { kind: 'delete', result: await tracker.deleteIssue(effect.issue) };
  }
}

function onlyConfidential(effect: UpdateEffect): effect is UpdateEffect & { confidential: boolean } {
  const { kind: _kind, ref: _ref, why: _why, expectConfidential: _expect, confidential, ...rest } = effect;
  return confidential !== undefined && Object.values(rest).every((v) => v === undefined);
}

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
export async function runIntake(
  tracker: Tracker,
  initial: IntakeSnapshot,
  deps: IntakeDeps,
  log: Logger,
  justRead?: Issue,
): Promise<IntakeRun> {
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
