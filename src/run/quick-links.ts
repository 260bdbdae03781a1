import { parseQuickLinks, splitBody, trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import type { HolderRole } from '../kernel/ticket-state.js';

/** The master's Quick Links table: its fields, who holds a role, the disclosure date. Pure. */

/** The Quick Links fields a person may set by command (`/set <field> <value>`). */
export type FieldKey =
  | 'incident-manager'
  | 'deputy'
  | 'disclosure-date'
  | 'cvss'
  | 'cwe'
  | 'advisory'
  | 'chat'
  | 'support-ticket'
  | 'post-mortem';

/** The Quick Links label of each field, exactly as the table shows it. */
export const FIELD_LABELS: Record<FieldKey, string> = {
  'incident-manager': 'Incident Manager',
  deputy: 'Deputy Incident Manager',
  'disclosure-date': 'Public Disclosure Date',
  cvss: 'CVSS Score',
  cwe: 'CWE',
  advisory: 'Security Advisory',
  chat: 'Chat Channel',
  'support-ticket': 'Support Ticket',
  'post-mortem': 'Post-mortem',
};

export const MANAGER = FIELD_LABELS['incident-manager'];

export const DEPUTY = FIELD_LABELS.deputy;

export const DISCLOSURE = FIELD_LABELS['disclosure-date'];

/** Who reported the incident, when the report named them (a private vulnerability report's reporter). */
export const REPORTER = 'Reporter';

/** The temporary private fork of the advisory's repository, where the fix is prepared (GitHub). */
export const PRIVATE_FORK = 'Private Fork';

export const ROLE_LABEL: Record<HolderRole, string> = { im: MANAGER, deputy: DEPUTY };

export const ROLE_NAME: Record<HolderRole, string> = { im: 'Incident Manager', deputy: 'Deputy Incident Manager' };

/** The username in a Quick Links cell like `@alice`, or null. */
export function holderOf(cell: string | undefined): string | null {
  return /^@(?<username>[A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec((cell ?? '').trim())?.groups?.username ?? null;
}

/** The Quick Links cells of a ticket's block, when its state is the app's. */
export function quickLinksOf(issue: Issue): Map<string, string> {
  return parseQuickLinks(trustedState(issue) ? splitBody(issue.body).block : null);
}

/** A `YYYY-MM-DD` date from a Quick Links cell, or null. */
export function dateOf(cell: string | undefined): string | null {
  return /\b(?<date>\d{4}-\d{2}-\d{2})\b/.exec(cell ?? '')?.groups?.date ?? null;
}
