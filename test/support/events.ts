import type { IssueEvent } from '../../src/core/events.js';
import type { Issue, Project } from '../../src/core/model.js';

let counter = 0;

/** A normalized issue event as an adapter would produce it, for shell tests on the in-memory tracker. */
export function issueEvent(
  project: Project,
  issue: Issue,
  options: Partial<Pick<IssueEvent, 'action' | 'addedLabels' | 'deliveryId' | 'actor'>> & { tracker?: IssueEvent['tracker'] } = {},
): IssueEvent {
  counter += 1;
  return {
    kind: 'issue',
    tracker: options.tracker ?? 'gitlab',
    action: options.action ?? 'labeled',
    deliveryId: options.deliveryId ?? `delivery-${counter}`,
    actor: options.actor ?? { username: 'alice', id: 7, isBot: false },
    project,
    issue,
    addedLabels: options.addedLabels ?? (options.action === 'opened' ? [] : ['incident']),
    removedLabels: [],
  };
}
