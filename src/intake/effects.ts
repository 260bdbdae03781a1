import { formatRef } from '../kernel/model.js';
import type { Issue, Comment, IssueDraft, IssueRef } from '../kernel/model.js';
import type { TicketRole } from '../kernel/identifier.js';
import type { IssueUpdate } from '../kernel/patch.js';
import type { LinkResult } from '../tracker/port.js';

/** What the intake decision asks the shell to do, one request each, and what the tracker answered. Pure. */

/** A log line for an effect: kind and target, never content. */
export function describeEffect(effect: IntakeEffect): string {
  switch (effect.kind) {
    case 'update':
    case 'comment':
      return `${effect.kind} ${formatRef(effect.ref)} (${effect.why})`;
    case 'create': {
      const under = effect.attachTo ? ` under ${formatRef(effect.attachTo.ref)}` : '';
      return `create ${effect.role} in ${effect.project}${under}`;
    }
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

/** A write to one issue, computed against a fresh read of it by `computePatch`. */
export interface UpdateEffect extends IssueUpdate {
  kind: 'update';
  ref: IssueRef;
  /** Why, for logs and tests. */
  why: string;
  /** The tracker's answer must show the issue confidential, or the shell stops. */
  expectConfidential?: boolean;
}

/** An issue to create from a draft. */
export interface CreateEffect {
  kind: 'create';
  role: TicketRole;
  project: string;
  draft: IssueDraft;
  /** The tracker's answer must show the issue confidential, or the shell stops. */
  expectConfidential: boolean;
  /**
   * Created already attached natively to this parent, in the same request (where `capabilities.attachOnCreate`): the
   * answer says whether it was linked, and no `link` effect follows unless it cannot tell.
   */
  attachTo?: Issue;
}

export type IntakeEffect =
  | UpdateEffect
  | CreateEffect
  | { kind: 'comment'; ref: IssueRef; body: string; why: string }
  | { kind: 'link'; parent: Issue; child: Issue }
  | { kind: 'lock'; ref: IssueRef }
  | { kind: 'delete'; issue: Issue }
  | { kind: 'read-comments'; ref: IssueRef }
  | { kind: 'find-master'; project: string; labels: string[] }
  | { kind: 'find-children'; projects: string[]; label: string };

/** What applying one effect answered. */
export type EffectResult =
  | { kind: 'issue'; issue: Issue; link?: LinkResult | 'unknown' }
  | { kind: 'comment'; comment: Comment }
  | { kind: 'comments'; comments: Comment[] }
  | { kind: 'issues'; issues: Issue[] }
  | { kind: 'link'; result: LinkResult }
  | { kind: 'delete'; result: 'deleted' | 'forbidden' }
  | { kind: 'locked' };
