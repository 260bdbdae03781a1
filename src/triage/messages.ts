import { neutralizeBlock, neutralizeInline } from '../kernel/neutralize.js';
import type { IncidentStatus, Severity } from '../kernel/ticket-state.js';
import { rfc3339 } from '../kernel/time.js';
import { mention, quiet } from '../kernel/usernames.js';
import { mentionPerson } from '../approvals/matrix.js';
import { describeMinutes, everyMinutes } from '../run/messages.js';
import { STATUS_MEANING, STATUSES } from './status.js';

/**
 * The texts of triage (seed 003): acknowledgement, escalation, the severity rubric, status and the conclusion of an
 * incident. Each carries its own hidden marker. Usernames come from the tracker or the configuration; everything
 * people wrote is neutralized. Pure.
 */

export const TRIAGE_MARKERS = {
  ack: '<!-- incident-desk:ack -->',
  escalation: '<!-- incident-desk:escalation -->',
  rubric: '<!-- incident-desk:severity-rubric -->',
  severityInformed: '<!-- incident-desk:severity-informed -->',
  status: '<!-- incident-desk:status -->',
  resolved: '<!-- incident-desk:resolved -->',
  falseAlarm: '<!-- incident-desk:false-alarm -->',
} as const;

/** What each severity means and the response it calls for, in the app's words after seed 003's rubric. */
export const SEVERITY_RUBRIC: Readonly<
  Record<Severity, { meaning: string; examples: string; response: string; disruption: string }>
> = {
  high: {
    meaning:
      'sensitive personal data (SPII) is exposed or altered, services are down for many customers, or the financial ' +
      'impact is significant',
    examples:
      'a confirmed breach of sensitive personal data, root access gained on production systems, a denial of service ' +
      'that causes a severe outage',
    response: 'continuous: responders work in shifts until the incident is contained',
    disruption:
      'responders may do whatever contains it, up to taking the service down; they tell people about the disruption ' +
      'as soon as they can, without asking first',
  },
  medium: {
    meaning:
      'an attempt on personal data that did not succeed or is only suspected, limited impact on the availability of ' +
      'services for many customers, or limited financial impact',
    examples:
      'a suspected breach of personal data, targeted but failed attempts on production systems, phishing aimed at ' +
      'staff, a denial of service that degrades the service a little',
    response: 'during business hours',
    disruption:
      'consult the project leads before causing downtime, with a bias towards acting; without an answer within an ' +
      'hour, responders may go ahead',
  },
  low: {
    meaning: 'no personal data is affected and there is no impact on availability or money',
    examples: 'an attempt on staging or test systems, a denial of service nobody outside noticed',
    response: 'during business hours',
    disruption: 'no service degradation unless the stakeholders agree to it first',
  },
};

const SEVERITY_NAME: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

/** `/severity` without a value: the rubric, the response each level calls for, and the sitrep cadence. */
export function renderRubric(input: {
  current: Severity | null;
  sitrepMinutes: Record<Severity, number>;
  escalation: Record<Severity, readonly string[]>;
}): string {
  const lines = [
    TRIAGE_MARKERS.rubric,
    '### How severe is it?',
    '',
    input.current
      ? `The severity is **${input.current}**. Change it with \`/severity high\`, \`/severity medium\` or ` +
        '`/severity low`; it can change as often as the picture does.'
      : 'No severity is assessed yet, so the incident is run as **high** until someone does. Set it with ' +
        '`/severity high`, `/severity medium` or `/severity low`; a quick first assessment is fine, it can change ' +
        'later.',
  ];
  for (const level of ['high', 'medium', 'low'] as const) {
    const r = SEVERITY_RUBRIC[level];
    const people = input.escalation[level].length;
    lines.push(
      '',
      `**${SEVERITY_NAME[level]}**: ${r.meaning}. For example: ${r.examples}.`,
      '',
      `- Response: ${r.response}.`,
      `- Disruptive action: ${r.disruption}.`,
      `- Situation reports: ${everyMinutes(input.sitrepMinutes[level])}.`,
      `- Escalation list: ${people === 0 ? `nobody configured (\`escalation.${level}\`)` : `${people} configured`}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Said once when a severity is set whose escalation list names people (seed 000's stakeholders: for the most severe
 * incidents, security leadership at once, with an update every 30 minutes).
 */
export function renderSeverityInformed(input: {
  id: string;
  level: Severity;
  by: string;
  people: readonly string[];
  sitrepMinutes: number;
}): string {
  const r = SEVERITY_RUBRIC[input.level];
  const who = input.people.map(mentionPerson).filter(Boolean).join(' ');
  const lines = [
    TRIAGE_MARKERS.severityInformed,
    `${who}: ${quiet(input.by) || 'someone'} assessed **${neutralizeInline(input.id)}** as **${input.level}** ` +
      `severity, and you are on its escalation list.`,
    '',
    `- Response: ${r.response}.`,
    `- Disruptive action: ${r.disruption}.`,
    `- Situation reports are due ${everyMinutes(input.sitrepMinutes)} on this ticket.`,
  ];
  if (input.level === 'high')
    lines.push('- Security leadership gets an update at least every 30 minutes, unless they ask otherwise.');
  return `${lines.join('\n')}\n`;
}

/** The escalation of an incident nobody acknowledged in time: the severity's list is mentioned, and the IM. */
export function renderEscalation(input: {
  id: string;
  manager: string | null;
  people: readonly string[];
  severity: Severity;
  unassessed: boolean;
  declaredAt: string;
  minutes: number;
  /** How many windows passed without an acknowledgement (1 for the first escalation). */
  windows: number;
}): string {
  const who = [...new Set(input.people.map(mentionPerson).filter(Boolean))];
  const manager = input.manager ? mention(input.manager) : '';
  const elapsed = describeMinutes(input.minutes * input.windows);
  const level = input.unassessed ? 'high (not assessed yet)' : input.severity;
  const lines = [
    TRIAGE_MARKERS.escalation,
    `${who.length > 0 ? `${who.join(' ')}: ` : ''}nobody acknowledged **${neutralizeInline(input.id)}**, declared ` +
      `at ${rfc3339(input.declaredAt)}, within ${elapsed}. It is escalated to the escalation list of ${level} ` +
      'severity.',
    '',
    `${manager || 'Whoever takes this incident'}: reply \`/ack\` to acknowledge it (any command or tick of the ` +
      'Incident Manager does too). Until then the app escalates again every ' +
      `${describeMinutes(input.minutes).replace(/^an? /, '')}.`,
  ];
  if (who.length === 0)
    lines.push(
      '',
      `Nobody is on the escalation list of ${input.severity} severity: name people in ` +
        `\`escalation.${input.severity}\` in the configuration.`,
    );
  return `${lines.join('\n')}\n`;
}

/** The answer to `/ack`: who acknowledged, and how long after the declaration. */
export function renderAck(input: {
  by: string;
  at: string;
  declaredAt: string | undefined;
  tookManager: boolean;
  already?: { by: string; at: string };
}): string {
  if (input.already) {
    return (
      `${TRIAGE_MARKERS.ack}\nThis incident was already acknowledged by ${quiet(input.already.by)} at ` +
      `${rfc3339(input.already.at)}.\n`
    );
  }
  const after =
    input.declaredAt && !Number.isNaN(Date.parse(input.declaredAt))
      ? `, ${describeMinutes(Math.max(0, (Date.parse(input.at) - Date.parse(input.declaredAt)) / 60_000))} after ` +
        'it was declared'
      : '';
  const lines = [`${TRIAGE_MARKERS.ack}`, `Acknowledged by ${quiet(input.by)} at ${rfc3339(input.at)}${after}.`];
  if (input.tookManager)
    lines.push(
      '',
      `Nobody held the role, so ${quiet(input.by)} is now the **Incident Manager**. Next: \`/severity\` and the ` +
        'initial `/sitrep`.',
    );
  return `${lines.join('\n')}\n`;
}

/** `/status` without a value: where the incident stands, and what each status means. */
export function renderStatusList(current: IncidentStatus): string {
  const lines = [
    TRIAGE_MARKERS.status,
    `The status is **${current}**: ${STATUS_MEANING[current]}.`,
    '',
    'Move it with `/status <status>`:',
    '',
    ...STATUSES.map((s) => `- \`${s}\`: ${STATUS_MEANING[s]}.`),
    '',
    'An event that turns out not to be an incident is closed with `/false-alarm <reason>`.',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Said when the incident is resolved (seed 003, "Conclude the incident"): the Incident Manager posts the final sitrep,
 * and everyone involved is thanked.
 */
export function renderResolved(input: { id: string; manager: string | null; responders: readonly string[] }): string {
  const manager = input.manager ? mention(input.manager) : '';
  const thanks = [...new Set(input.responders.map(mention).filter(Boolean))];
  const lines = [
    TRIAGE_MARKERS.resolved,
    `**${neutralizeInline(input.id)}** is resolved.`,
    '',
    `${manager || 'Whoever leads this incident'}: please post the final situation report with \`/sitrep\` ` +
      '(what was done, what remains at the regular pace of business), and hold the retrospective; the incident ' +
      'report follows with its figures and the sections the team fills in.',
  ];
  if (thanks.length > 0) lines.push('', `Thank you for your work on this incident, ${thanks.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

/** The final note of a false alarm on the master: the reason, and what was closed with it. */
export function renderFalseAlarm(input: { id: string; by: string; reason: string; closed: readonly string[] }): string {
  const lines = [
    TRIAGE_MARKERS.falseAlarm,
    `**${neutralizeInline(input.id)}** was a false alarm, concluded by ${quiet(input.by) || 'someone'}:`,
    '',
    neutralizeBlock(input.reason.trim())
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n'),
    '',
    input.closed.length > 0
      ? `This ticket and its tickets are closed: ${input.closed.map((r) => neutralizeInline(r, 200)).join(', ')}.`
      : 'This ticket is closed.',
    'Reopen it if the picture changes: the incident goes on where it stood.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The note on each ticket a false alarm closes: the identifier only, since some may be readable by anyone. */
export function renderChildFalseAlarm(id: string): string {
  return (
    `${TRIAGE_MARKERS.falseAlarm}\nClosed by incident-desk: incident **${neutralizeInline(id, 40)}** was ` +
    'concluded as a false alarm.\n'
  );
}
