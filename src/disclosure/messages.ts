import { neutralizeInline } from '../kernel/neutralize.js';
import { mention, quiet } from '../kernel/usernames.js';

/**
 * The texts of the disclosure: the notice on an advisory the app could not take in, the answers to `/advisory` and
 * `/disclose`, the refusal of a publishing step ticked too early, the list of what a lift makes public. Each comment
 * carries its own hidden marker. Pure.
 */

export const DISCLOSURE_MARKERS = {
  advisory: '<!-- incident-desk:advisory -->',
  gate: '<!-- incident-desk:disclosure-gate -->',
  disclose: '<!-- incident-desk:disclose -->',
  lift: '<!-- incident-desk:lift -->',
  /** A comment of the app's own, emptied of its content when its ticket was made public. */
  redacted: '<!-- incident-desk:redacted -->',
  publicSummary: '<!-- incident-desk:public-summary -->',
} as const;

/** Opens and closes the app's own notice inside an advisory's description (the only part of it the app ever edits). */
export const ADVISORY_NOTICE_BEGIN = '<!-- incident-desk:advisory-notice -->';
export const ADVISORY_NOTICE_END = '<!-- incident-desk:advisory-notice-end -->';

/** Why a private vulnerability report was not taken in. */
export type AdvisoryRefusal =
  | 'incident-project-missing'
  | 'incident-project-not-private'
  | 'incident-project-refuses'
  | 'config-error';

/**
 * The notice appended to an advisory the app could not take in: no details anywhere, what to set, and how to try
 * again. Maintainers see it where they triage the report; the app removes it once the incident is opened.
 */
export function renderAdvisoryNotice(input: {
  reason: AdvisoryRefusal;
  configPath: string;
  project?: string | undefined;
}): string {
  const project = input.project ? `\`${neutralizeInline(input.project, 200).replace(/`/g, "'")}\`` : 'it';
  const why: Record<AdvisoryRefusal, string> = {
    'incident-project-missing': `the private incident repository ${project} does not exist or the app cannot see it`,
    'incident-project-not-private':
      `incidents need a private repository, and ${project} is not private (set \`incidentProject\` to one ` +
      `in \`${input.configPath}\`)`,
    'incident-project-refuses':
      `the incident repository ${project} does not take reports from this repository (its own \`reportsFrom\` ` +
      'must name it)',
    'config-error': `\`${input.configPath}\` has problems (see the app's log)`,
  };
  return [
    ADVISORY_NOTICE_BEGIN,
    '',
    '---',
    '',
    `**incident-desk did not open an incident for this report:** ${why[input.reason]}. Nothing was copied anywhere. ` +
      "Once that is fixed, redeliver this advisory's `repository_advisory` delivery from the app's advanced " +
      'settings. This note goes away when the incident is opened.',
    ADVISORY_NOTICE_END,
  ].join('\n');
}

/** An advisory's description without the app's notice (the person's text byte for byte around it). */
export function withoutAdvisoryNotice(description: string): string {
  const begin = description.indexOf(ADVISORY_NOTICE_BEGIN);
  if (begin < 0) return description;
  const end = description.indexOf(ADVISORY_NOTICE_END, begin);
  if (end < 0) return description;
  return `${description.slice(0, begin).replace(/\n+$/, '')}${description.slice(end + ADVISORY_NOTICE_END.length)}`;
}

/** The advisory's description with the notice appended (replacing an earlier one). */
export function withAdvisoryNotice(description: string, notice: string): string {
  const text = withoutAdvisoryNotice(description).replace(/\s+$/, '');
  return text ? `${text}\n\n${notice}` : notice;
}

/** A comment on the master, by the app, with its marker. */
export function comment(marker: string, lines: string[]): string {
  return [marker, ...lines].join('\n');
}

/** Who is addressed: a mention, or nothing when the name is empty. */
export function addressed(username: string): string {
  const who = mention(username);
  return who ? `${who}, ` : '';
}

export { quiet };

function bullets(items: readonly string[]): string[] {
  return items.map((item) => `- ${item}`);
}

/** A publishing step ticked before its gate: unticked again, and what is still missing. */
export function renderPrematureTick(input: { actor: string; steps: string[]; missing: string[] }): string {
  const boxes = input.steps.length === 1 ? 'box was' : 'boxes were';
  return `${comment(DISCLOSURE_MARKERS.gate, [
    `${addressed(input.actor)}${input.steps.join(', ')} cannot be ticked yet, so the ${boxes} unticked again. ` +
      'The publication gate opens when:',
    '',
    ...bullets(input.missing),
    '',
    'The Incident Manager can open it anyway with `/disclose --force <reason>`; the reason goes on the timeline.',
  ])}\n`;
}

/** `/disclose --force`: the gate is open, with the reason and what it skipped. */
export function renderForced(input: { reason: string; skipped: string[] }): string {
  const lines = [`The publication gate is open by the Incident Manager's decision: ${input.reason}`];
  if (input.skipped.length > 0) lines.push('', 'Still missing, and skipped:', '', ...bullets(input.skipped));
  lines.push('', 'The publishing steps can be ticked now, and `/disclose` publishes.');
  return `${comment(DISCLOSURE_MARKERS.gate, lines)}\n`;
}

/** `/disclose` while the gate is closed: nothing published, what is missing. */
export function renderGateClosed(input: { missing: string[] }): string {
  return `${comment(DISCLOSURE_MARKERS.disclose, [
    'Nothing was published: the publication gate is still closed.',
    '',
    ...bullets(input.missing),
    '',
    'The Incident Manager can open it anyway with `/disclose --force <reason>`.',
  ])}\n`;
}

/** `/disclose` done: what was published and when the disclosure was recorded. */
export function renderDisclosed(input: {
  advisory: { cell: string; publishedNow: boolean } | null;
  ticked: string[];
  at: string;
  first: boolean;
}): string {
  const lines: string[] = [];
  if (input.advisory)
    lines.push(
      input.advisory.publishedNow
        ? `Published the security advisory ${input.advisory.cell}.`
        : `The security advisory ${input.advisory.cell} was already published.`,
    );
  else lines.push('There is no security advisory for the app to publish here; publish the releases and notices.');
  if (input.ticked.length > 0) lines.push(`Ticked ${input.ticked.join(', ')}.`);
  lines.push(
    input.first ? `The disclosure is recorded at ${input.at}.` : `The disclosure was recorded before, at ${input.at}.`,
  );
  return `${comment(DISCLOSURE_MARKERS.disclose, lines)}\n`;
}

/** The answer to `/advisory`, `/advisory cve` and `/advisory fork`. */
export function renderAdvisoryAnswer(
  input:
    | { kind: 'missing'; what: 'cve' | 'fork' }
    | {
        kind: 'created' | 'updated' | 'cve-requested' | 'cve-present' | 'not-draft' | 'fork';
        cell: string;
        cve: string | null;
        fork: { path: string; url: string } | null;
      },
): string {
  if (input.kind === 'missing') {
    const nothing = input.what === 'cve' ? 'no CVE to request' : 'no fork to open';
    return `${comment(DISCLOSURE_MARKERS.advisory, [
      `There is no security advisory for this incident yet, so there is ${nothing}. ` +
        'Draft one first with `/advisory`.',
    ])}\n`;
  }
  const fork = input.fork ? `[${input.fork.path}](${input.fork.url})` : '';
  const text: Record<typeof input.kind, string> = {
    created:
      `Drafted the security advisory ${input.cell}. It stays a private draft: \`/disclose\` publishes it once the ` +
      'gate is open.',
    updated: `Updated the draft security advisory ${input.cell} from this ticket. It is not published.`,
    'cve-requested': `Requested a CVE for ${input.cell} from GitHub; the id is recorded here once GitHub assigns it.`,
    'cve-present': `${input.cell} already has ${input.cve ?? 'a CVE'}; nothing was requested.`,
    'not-draft': `${input.cell} is no longer a draft, so \`/advisory\` changed nothing in it.`,
    fork: `Opened the temporary private fork of ${input.cell}: ${fork}. GitHub may take a few minutes to finish it.`,
  };
  return `${comment(DISCLOSURE_MARKERS.advisory, [text[input.kind]])}\n`;
}
