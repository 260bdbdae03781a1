import { parseQuickLinks, splitBody, trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import type { HolderRole } from '../kernel/ticket-state.js';

/** The master's Quick Links table: its fields, who holds a role, the disclosure date. Pure. */

/** The Quick Links fields a person may set by command (`/set <field> <value>`). */
export type FieldKey =
  | 'incident-manager'
  | 'deputy'
  | 'communications-officer'
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
  'communications-officer': 'Communications Officer',
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

export const COMMUNICATIONS_OFFICER = FIELD_LABELS['communications-officer'];

/** The temporary private fork of the advisory's repository, where the fix is prepared (GitHub). */
export const PRIVATE_FORK = 'Private Fork';

/**
 * The Quick Links row of the reporter: the app's own, named without a ping (the issue's author, or a private
 * vulnerability report's reporter).
 */
export const REPORTER = 'Reporter';

export const ROLE_LABEL: Record<HolderRole, string> = {
  im: MANAGER,
  deputy: DEPUTY,
  co: COMMUNICATIONS_OFFICER,
};

export const ROLE_NAME: Record<HolderRole, string> = {
  im: 'Incident Manager',
  deputy: 'Deputy Incident Manager',
  co: 'Communications Officer',
};

/** The role a Quick Links label names, or null for any other row. */
export function roleOfLabel(label: string): HolderRole | null {
  const found = (Object.keys(ROLE_LABEL) as HolderRole[]).find((role) => ROLE_LABEL[role] === label);
  return found ?? null;
}

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
