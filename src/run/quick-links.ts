
/** The Quick Links fields a person may set by command (`/set <field> <value>`). */
export type FieldKey =
  | 'incident-manager'
  | 'deputy'
  | 'disclosure-date'
  | 'cvss'
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
  advisory: 'Security Advisory',
  chat: 'Chat Channel',
  'support-ticket': 'Support Ticket',
  'post-mortem': 'Post-mortem',
};
