import type { IncidentStatus, Milestone, RunState, Severity } from '../kernel/ticket-state.js';

/**
 * Where an incident stands and how it got there (seed 003): its status, the label that mirrors it, and the milestones
 * the incident report is built from. Pure.
 */

/** The statuses `/status` sets, in the order an incident usually moves through them. */
export const STATUSES: readonly Exclude<IncidentStatus, 'false-alarm'>[] = [
  'investigating',
  'confirmed',
  'contained',
  'resolved',
];

/** What each status means, for `/status` without a value and the sitrep. */
export const STATUS_MEANING: Readonly<Record<IncidentStatus, string>> = {
  investigating: 'an event under investigation: nobody has confirmed yet that it is an incident',
  confirmed: 'a confirmed incident, not contained yet',
  contained: 'contained: the damage cannot grow, remediation goes on',
  resolved: 'resolved: the incident is no longer active; the final sitrep and the report follow',
  'false-alarm': 'a false alarm, concluded and closed',
};

/** The label that mirrors a status: `status::investigating` (scoped, so GitLab keeps one). */
export function statusLabel(status: IncidentStatus): string {
  return `status::${status}`;
}

/** Every status label, to take the stale ones off. */
export const STATUS_LABELS: readonly string[] = [...STATUSES, 'false-alarm' as const].map(statusLabel);

/** The status of a running incident: one declared before statuses were kept is still being investigated. */
export function statusOf(run: RunState | undefined): IncidentStatus {
  return run?.status ?? 'investigating';
}

/** True once the incident is concluded (resolved or a false alarm): acknowledgement and sitreps are not chased. */
export function isConcluded(run: RunState | undefined): boolean {
  const status = statusOf(run);
  return status === 'resolved' || status === 'false-alarm';
}

/** The severity the incident is run at: the assessed one, else high (fail safe, seed 003). */
export function effectiveSeverity(run: RunState | undefined): Severity {
  return run?.severity ?? 'high';
}

/** Milestones kept in the hidden state; past it the oldest after the first are dropped (the timeline keeps all). */
export const MAX_MILESTONES = 200;

/** Appends a milestone to the run's history, bounded. Changes `run` in place. */
export function recordMilestone(run: RunState, milestone: Milestone): void {
  const history = [...(run.history ?? []), milestone];
  run.history = history.length > MAX_MILESTONES ? [history[0]!, ...history.slice(-(MAX_MILESTONES - 1))] : history;
}
