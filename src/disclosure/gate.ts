import { deliverableName, deliverableStatus } from '../approvals/matrix.js';
import type { Approvals } from '../approvals/matrix.js';
import { readSteps } from '../checklist/steps.js';
import type { ApprovalState, DisclosureState } from '../kernel/ticket-state.js';

/**
 * The publication gate (seed 002, the day of public disclosure): the steps that make the incident public may only be
 * ticked once the Incident Manager gave the go-ahead, the Public Disclosure Date has come (UTC), and every
 * communication that goes out with the disclosure is approved or at quorum (as the approvals capability says), unless
 * the Incident Manager forced it open with `/disclose --force <reason>`. Pure: the master's block, the date, the
 * communications ticket's approvals and the clock come in.
 */

/** The Incident Manager's go-ahead to publish. */
export const GO_AHEAD_STEP = 'clear-for-release';

/** The steps that make the incident public: they wait for the gate. */
export const PUBLISHING_STEPS: readonly string[] = [
  'publish-releases',
  'publish-advisory',
  'notify-third-parties',
  'lift-confidentiality',
];

/** Whether a step of the master waits for the gate. */
export function isPublishingStep(stepId: string): boolean {
  return PUBLISHING_STEPS.includes(stepId);
}

/** What the gate is decided on. */
export interface GateInput {
  /** The master's block as just read (its checklist). */
  block: string;
  /** The Public Disclosure Date cell, as `YYYY-MM-DD`, or anything else when not set. */
  disclosureDate: string | undefined;
  /** The approval matrix configured for the communications ticket. */
  approvals: Approvals;
  /**
   * The communications ticket's approvals as just read; `null` when the incident has no communications ticket
   * (nothing goes out with it), `'unreadable'` when it has one that could not be read (fail closed).
   */
  comms: ApprovalState | null | 'unreadable';
  disclosure: DisclosureState | undefined;
  now: Date;
}

/** What still keeps the gate closed, one item per condition; empty when it is open. */
export type GateMissing =
  | { kind: 'go-ahead' }
  | { kind: 'date'; date: string | null }
  | { kind: 'comms'; pending: string[] }
  | { kind: 'comms-unreadable' };

/** The gate: open (forced or every condition met), or what is still missing. */
export interface Gate {
  open: boolean;
  forced: boolean;
  missing: GateMissing[];
}

const DATE = /^(?<date>\d{4}-\d{2}-\d{2})$/;

/**
 * Whether the publishing steps may be ticked now, and what is missing when not. A forced gate is open whatever is
 * missing (the list still says what was skipped).
 */
export function decideGate(input: GateInput): Gate {
  const missing: GateMissing[] = [];
  if (readSteps(input.block).get(GO_AHEAD_STEP)?.done !== true) missing.push({ kind: 'go-ahead' });
  const date = DATE.exec((input.disclosureDate ?? '').trim())?.groups?.date ?? null;
  const today = input.now.toISOString().slice(0, 10);
  if (date === null || date > today) missing.push({ kind: 'date', date });
  if (input.comms === 'unreadable') missing.push({ kind: 'comms-unreadable' });
  else if (input.comms !== null) {
    const state = input.comms;
    const pending = Object.keys(input.approvals.deliverables).filter(
      (d) => !['approved', 'quorum'].includes(deliverableStatus(input.approvals, state, d)),
    );
    if (pending.length > 0)
      missing.push({ kind: 'comms', pending: pending.map((d) => deliverableName(input.approvals, d)) });
  }
  const forced = input.disclosure?.forced !== undefined;
  return { open: forced || missing.length === 0, forced, missing };
}

/** What is missing, as short phrases for a comment or the timeline. */
export function describeMissing(missing: readonly GateMissing[], goAheadText: string): string[] {
  return missing.map((item): string => {
    if (item.kind === 'go-ahead') return `the Incident Manager's go-ahead ("${goAheadText}") is not ticked`;
    if (item.kind === 'date')
      return item.date
        ? `the Public Disclosure Date (${item.date}, UTC) has not come yet`
        : 'the Public Disclosure Date is not set';
    if (item.kind === 'comms')
      return `the communications are not approved or at quorum yet: ${item.pending.join(', ')}`;
    return 'the communications ticket could not be read, so its approvals are unknown';
  });
}
