import type { TicketRole } from '../kernel/identifier.js';
import { idLabel } from '../kernel/identifier.js';
import { mention } from '../kernel/usernames.js';
import { describeMinutes } from '../run/messages.js';

/**
 * The texts the app writes outside templates. Each carries a hidden marker so the app recognizes its own
 * comments after a restart, and none of them carries incident details unless it goes to a private place.
 */

export const MARKERS = {
  summary: '<!-- incident-desk:summary -->',
  sourceNotice: '<!-- incident-desk:source-notice -->',
  sourceComment: '<!-- incident-desk:source-comment -->',
  needsConfig: '<!-- incident-desk:needs-config -->',
  stopped: '<!-- incident-desk:stopped -->',
} as const;

/** True when one of the comments carries the marker. */
export function hasMarker(comments: ReadonlyArray<{ body: string }>, marker: string): boolean {
  return comments.some((c) => c.body.includes(marker));
}

const ROLE_NAMES: Record<TicketRole, string> = {
  master: 'Master ticket',
  release: 'Release ticket',
  comms: 'Communications ticket',
  task: 'Tracking ticket',
};

/** A human name for a ticket role. */
export function roleName(role: TicketRole): string {
  return ROLE_NAMES[role];
}

/** Titles of the children: identifier and role only, so that notifications carry no details. */
export function childTitle(role: 'release' | 'comms', id: string): string {
  return role === 'release' ? `[${id}] Security release` : `[${id}] Communications and approvals`;
}

export interface SummaryInput {
  id: string;
  confidential: 'issue' | 'repository';
  children: Array<{ role: TicketRole; reference: string; linked: boolean }>;
  source: null | { reference: string; handled: 'moved' | 'redacted' | 'deleted' | 'delete-refused' };
  handbookUrl: string;
  /**
   * The First Responder (who declared it with write access), the initial Incident Manager, mentioned: they are asked
   * to acknowledge, assess and post the initial sitrep. Null when nobody with write access declared it.
   */
  responder?: string | null;
  /** The acknowledgement window, in minutes (`ackMinutes`). */
  ackMinutes?: number;
}

/** The one comment on the master that sums up the intake. */
export function renderSummary(input: SummaryInput): string {
  const lines = [
    MARKERS.summary,
    `### incident-desk opened incident ${input.id}`,
    '',
    input.confidential === 'issue'
      ? '- This ticket is confidential; every ticket of the incident was created confidential.'
      : '- This ticket lives in a private repository; every ticket of the incident was created there or in another ' +
        'private repository.',
    `- Identifier \`${input.id}\`: every ticket carries the label \`${idLabel(input.id)}\`.`,
  ];
  for (const child of input.children) {
    const link = child.linked ? 'linked' : 'referenced (no native link across owners)';
    lines.push(`- ${roleName(child.role)}: ${child.reference} (${link}).`);
  }
  if (input.source) {
    const what = {
      moved: 'its description was moved here and replaced by a notice without details',
      redacted:
        'its title and description were replaced by a notice without details and its conversation was locked. ' +
        'GitHub keeps the edit history of the old text: a maintainer should delete the edits or the issue',
      deleted: 'it was deleted after its text was copied here',
      'delete-refused':
        'deleting it was not permitted (the app needs admin rights), so it was redacted and locked instead. GitHub ' +
        'keeps the edit history of the old text: a maintainer should delete the issue',
    }[input.source.handled];
    lines.push(`- Opened from ${input.source.reference}: ${what}.`);
  }
  lines.push(`- The checklist above links every step to its explanation in the [handbook](${input.handbookUrl}).`);
  if (input.ackMinutes !== undefined) lines.push('', ...firstSteps(input.responder ?? null, input.ackMinutes));
  return `${lines.join('\n')}\n`;
}

/**
 * What the initial Incident Manager does first (seed 003, "Initiate the response"): acknowledge, assess, and post the
 * initial situation report. Without a First Responder, whoever takes the incident acknowledges it and leads.
 */
function firstSteps(responder: string | null, ackMinutes: number): string[] {
  const who = responder ? mention(responder) : '';
  const head = who
    ? `${who}, you declared this incident, so you are its **Incident Manager** until you hand the role over ` +
      '(`/handoff @name`). Its status is **investigating** (an event until someone confirms it). Please:'
    : 'Nobody with write access declared this incident, so it has **no Incident Manager** yet: whoever with write ' +
      'access takes it replies `/ack` and leads it. Its status is **investigating** (an event until someone ' +
      'confirms it). Then:';
  return [
    head,
    '',
    `1. Acknowledge it with \`/ack\` within ${describeMinutes(ackMinutes)}; without an acknowledgement the app ` +
      'escalates to the escalation list of its severity (`escalation` in the configuration).',
    '2. Assess the severity with `/severity` (it shows the rubric; until assessed the incident is run as high, with ' +
      'a situation report every hour).',
    '3. Post the initial situation report with `/sitrep` (what happened, impact, status, responders, next steps), ' +
      'and move the status with `/status confirmed` once the incident is confirmed (or `/false-alarm <reason>`).',
  ];
}

/** The description left on a source whose details were moved to a private master. */
export function renderSourceNotice(id: string): string {
  return (
    `${MARKERS.sourceNotice}\nThis report is now tracked privately as **${id}**. Its details were moved out of ` +
    `this issue by incident-desk.\n`
  );
}

/** The title left on a public source. */
export function sourceNoticeTitle(id: string): string {
  return `Security report (${id})`;
}

/** The comment left on a source: where the incident is tracked, by identifier only. */
export function renderSourceComment(input: { id: string; publicPlace: boolean; deleteRefused: boolean }): string {
  const lines = [
    MARKERS.sourceComment,
    `Thank you for the report. It is tracked privately as **${input.id}**, and its details were moved out of this ` +
      `issue.`,
  ];
  if (input.publicPlace) {
    lines.push(
      '',
      '**Maintainers:** GitHub keeps the edit history of this issue, so the original text can still be read there. ' +
        'Delete the old revisions from the edit history, or delete this issue.',
    );
  }
  if (input.deleteRefused) {
    lines.push(
      '',
      'incident-desk was configured to delete this issue but is not permitted to (it needs admin rights), so it ' +
        'redacted it instead.',
    );
  }
  return `${lines.join('\n')}\n`;
}

export type NeedsConfigReason =
  | 'public-without-incident-project'
  | 'incident-project-not-private'
  | 'incident-project-missing'
  | 'release-project-not-private'
  | 'release-project-missing'
  | 'config-invalid'
  | 'incident-project-refuses';

/** What a configured project the app cannot find is said to be. */
const MISSING = 'does not exist or the app cannot see it';

/** The one comment on a source that cannot be handled safely without configuration. Carries no details. */
export function renderNeedsConfig(input: {
  reason: NeedsConfigReason;
  label: string;
  configPath: string;
  project?: string;
  madeConfidential?: boolean;
}): string {
  const why = {
    'public-without-incident-project': 'this repository is public and no private `incidentProject` is configured',
    'incident-project-not-private': `the configured \`incidentProject\` (\`${input.project}\`) is not private`,
    'incident-project-missing': `the configured \`incidentProject\` (\`${input.project}\`) ${MISSING}`,
    'release-project-not-private': `the configured \`releaseProject\` (\`${input.project}\`) is not private`,
    'release-project-missing': `the configured \`releaseProject\` (\`${input.project}\`) ${MISSING}`,
    'config-invalid':
      `this repository is public and its configuration (\`${input.configPath}\`) is invalid, so the ` +
      `app cannot tell where the incident may be tracked`,
    'incident-project-refuses':
      `the configured \`incidentProject\` (\`${input.project}\`) does not take reports ` +
      `from this project (or the app cannot see it)`,
  }[input.reason];
  const fix =
    input.reason === 'config-invalid'
      ? ['To fix it, correct the problems incident-desk lists in its other comment here.']
      : input.reason === 'incident-project-refuses'
        ? [
            `To fix it, the incident project's own configuration must list this project (or its group) in ` +
              `\`reportsFrom\`, for example:`,
            '',
            '```yaml',
            'reportsFrom: [my-org/this-project]',
            '```',
          ]
        : [
            `To fix it, set \`incidentProject\` in \`${input.configPath}\` to a private project or repository the ` +
              `app can write to, for example:`,
            '',
            '```yaml',
            'incidentProject: my-org/security-incidents',
            '```',
          ];
  return [
    MARKERS.needsConfig,
    `This issue was labeled \`${input.label}\`, but ${why}. To keep the report confidential, incident-desk created ` +
      `nothing and copied nothing.`,
    '',
    ...fix,
    '',
    input.madeConfidential
      ? `Then remove the \`${input.label}\` label and add it again. Meanwhile incident-desk made this issue ` +
        `confidential.`
      : `Then remove the \`${input.label}\` label and add it again. Until then, treat this issue and its edit ` +
        `history as public.`,
    '',
  ].join('\n');
}

/** Said on a source when the app stopped because confidentiality could not be verified. Carries no details. */
export function renderStopped(reason: string): string {
  return (
    `${MARKERS.stopped}\nincident-desk stopped before writing any incident details: ${reason}. Nothing else ` +
    `was changed; please check the app's permissions and configuration.\n`
  );
}
