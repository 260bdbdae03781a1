import { createHash } from 'node:crypto';
import type { IssueRef, TrackerKind } from './model.js';

/** The roles a ticket can have in an incident; each is a label `incident::<role>`. */
export type TicketRole = 'master' | 'release' | 'comms' | 'task';

const CVE = /\bCVE-(?<year>\d{4})-(?<number>\d{4,7})\b/i;

/** The first CVE id in the text, upper-cased (`CVE-2026-12345`), or null. */
export function findCve(text: string): string | null {
  const match = CVE.exec(text)?.groups;
  return match ? `CVE-${match.year}-${match.number}` : null;
}

/**
 * The incident's identifier: the first CVE id in the title, then in the description; otherwise
 * `<prefix>-<year>-<master number>`, the year taken from the master's creation so it never changes.
 */
export function deriveIncidentId(input: {
  title: string;
  description: string;
  prefix: string;
  masterNumber: number;
  masterCreatedAt: string;
}): string {
  const cve = findCve(input.title) ?? findCve(input.description);
  if (cve) return cve;
  const year = new Date(input.masterCreatedAt).getUTCFullYear();
  return `${input.prefix}-${year}-${input.masterNumber}`;
}

/** The label every ticket of an incident carries. */
export function idLabel(id: string): string {
  return `incident-id::${id}`;
}

/** The label naming a ticket's role. */
export function roleLabel(role: TicketRole): string {
  return `incident::${role}`;
}

/** The label put on a ticket the app opened twice (a lost answer) and closed in favour of the first. */
export const DUPLICATE_LABEL = 'incident::duplicate';

/** The label put on a public source that cannot be handled without configuration. */
export const NEEDS_CONFIG_LABEL = 'incident::needs-config';

/**
 * A short, stable label that ties a master to the issue it was opened from, so the master is found again
 * with one label lookup (never a scan) and the source's path never appears in a label.
 */
export function sourceLabel(tracker: TrackerKind, ref: IssueRef): string {
  const digest = createHash('sha256').update(`${tracker}:${ref.project.toLowerCase()}#${ref.number}`).digest('hex');
  return `incident-source::${digest.slice(0, 12)}`;
}

/** The title with the identifier in front (`[ID] title`), unchanged when it already starts with it. */
export function titleWithId(title: string, id: string): string {
  const prefix = `[${id}]`;
  if (title.startsWith(prefix)) return title;
  return `${prefix} ${title}`.trim();
}
