import type { IssueEvent } from '../kernel/events.js';

/**
 * True when an issue event could start an intake whatever the configured label is: an open issue opened
 * with labels, or one that just got a label. Lets the shell skip reading configuration for most events.
 */
export function mightTrigger(event: IssueEvent): boolean {
  if (event.issue.state !== 'open') return false;
  if (event.action === 'opened') return event.issue.labels.length > 0;
  return event.addedLabels.length > 0;
}

/**
 * True when the event starts (or re-checks) an intake: the trigger label on an open issue, just opened or just added.
 */
export function isIntakeTrigger(event: IssueEvent, label: string): boolean {
  if (event.issue.state !== 'open') return false;
  if (event.action === 'opened') return event.issue.labels.includes(label);
  return event.addedLabels.includes(label);
}
