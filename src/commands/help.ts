/**
 * The command reference: the `/help` reply and the README section come from the same table, so they never
 * disagree with the parser (`FIELD_ALIASES`) or the field checks (`FIELD_EXPECTED`).
 */
import type { FieldKey } from '../run/quick-links.js';
import { FIELD_LABELS } from '../run/quick-links.js';
import { FIELD_ALIASES } from './parse.js';
import { FIELD_EXPECTED } from './fields.js';

/** Every command, its syntax (`<…>` required, `[…]` optional) and what it does. */
export const COMMAND_REFERENCE: ReadonlyArray<{ syntax: string; effect: string }> = [
  { syntax: '/set <field> <value>', effect: 'Sets a Quick Links field (see the fields below).' },
  { syntax: '/cve <CVE-YYYY-NNNN>', effect: 'Records a CVE identifier for the incident.' },
  {
    syntax: '/na <step-id or "step text"> [reason]',
    effect: 'Marks a checklist step as not applicable, with an optional reason.',
  },
  {
    syntax: '/timeline [time] <text>',
    effect: 'Adds an entry to the timeline; the time is RFC 3339 with a zone (`2026-11-22T10:03:00Z`), now by default.',
  },
  {
    syntax: '/set detected <time>',
    effect:
      'Records when the incident became active (RFC 3339 with a zone), for the time to discovery in the incident ' +
      'report.',
  },
  {
    syntax: '/ack',
    effect:
      'Acknowledges the incident, which stops its escalation (any command or tick of the Incident Manager does too); ' +
      'with no Incident Manager yet, you become it.',
  },
  {
    syntax: '/severity [high|medium|low]',
    effect:
      'Sets the severity, which sets how often a situation report is due (high until assessed) and tells its ' +
      'escalation list once; alone, shows what each level means and the response it calls for.',
  },
  {
    syntax: '/status [investigating|confirmed|contained|resolved]',
    effect:
      'Moves the incident to a status (label `status::<status>`); `resolved` asks for the final situation report, ' +
      'thanks the responders and posts the incident report. Alone, shows the current status.',
  },
  {
    syntax: '/false-alarm <reason>',
    effect:
      'Concludes the incident as a false alarm: closes it and its tickets with a note, and posts the incident report.',
  },
  {
    syntax: '/sitrep <text>',
    effect:
      'Posts a situation report (the rest of the comment, several lines allowed; lines `Status:`, `Impact:`, ' +
      '`Responders:`, `Next steps:` fill those fields).',
  },
  {
    syntax: '/handoff <@user> [im|deputy|co]',
    effect:
      'Asks someone to take over as Incident Manager (default), deputy or Communications Officer; it completes when ' +
      'they accept, and they then post a situation report noting the handoff.',
  },
  { syntax: '/accept', effect: 'Accepts a handoff addressed to you.' },
  {
    syntax: '/report',
    effect:
      'Shows the incident report as it stands now (figures, roles, approvals, timeline); anyone who can read the ' +
      'master may ask.',
  },
  {
    syntax: '/advisory [cve|fork]',
    effect:
      'GitHub: drafts (or updates) the security advisory from the master, never publishing it; `cve` requests its ' +
      'CVE from GitHub, `fork` opens its temporary private fork for the fix.',
  },
  {
    syntax: '/disclose [--force <reason>]',
    effect:
      'Publishes once the gate is open (go-ahead ticked, Public Disclosure Date come in UTC, communications approved ' +
      'or at quorum): on GitHub the draft advisory; records the disclosure. `--force` lets the Incident Manager ' +
      'open the gate without what is missing, with a reason.',
  },
  {
    syntax: '/disclose lift [confirm]',
    effect:
      'After the disclosure, by the Incident Manager or a maintainer: lists what would be made public, and does it ' +
      "on `confirm` (GitLab: the master and release tickets made non-confidential, the app's own parts redacted; " +
      'GitHub: a public summary on the redacted source issue, unlocked).',
  },
  {
    syntax: '/task <@owner> <project> <title> [due YYYY-MM-DD] [--public]',
    effect:
      'Opens a tracking ticket in the project for the owner (assigned), due on the date or after the configured ' +
      'SLA; the lines below say what is expected. Confidential on GitLab; a public GitHub repository needs ' +
      '`--public` and a title and text without incident details.',
  },
  {
    syntax: '/drafting [time]',
    effect:
      'On the communications ticket: records when drafting started (now, or the RFC 3339 time given), the start the ' +
      "approval cut-off counts from; without it, the ticket's creation. It can change until a review starts.",
  },
  {
    syntax: '/request-approvals [deliverable]',
    effect:
      "On the communications ticket: starts the deliverable's review clock (every deliverable's by default), " +
      'announces its cut-off and mentions its approvers and its DRI.',
  },
  {
    syntax: '/approve <deliverable|all> [group]',
    effect: 'On the communications ticket: approves for your group(s); only approvers and back-ups of a group can.',
  },
  {
    syntax: '/revoke <deliverable> [group]',
    effect: "On the communications ticket: takes back your group's approval.",
  },
  {
    syntax: '/request-changes <deliverable> <reason>',
    effect: 'On the communications ticket: asks for changes to a deliverable on behalf of your group(s).',
  },
  { syntax: '/help', effect: 'Shows this reference.' },
  {
    syntax: '/desk <command> [arguments]',
    effect:
      'Any command above, prefixed: `/desk severity high` is `/severity high`. Use it on GitLab, whose own quick ' +
      'actions (`/severity`, `/timeline` on incidents) would otherwise take the comment first. `/desk` alone shows ' +
      'this reference.',
  },
];

/** Text for a table cell: pipes escaped (also inside code spans, as tables require), one line. */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** The command table and the `/set` field table, as markdown (for the README and the help reply). */
export function renderCommandReferenceMarkdown(): string {
  const commands = [
    '| Command | Effect |',
    '| --- | --- |',
    ...COMMAND_REFERENCE.map((c) => `| ${cell(code(c.syntax))} | ${cell(c.effect)} |`),
  ];
  const fields = [
    '| Field | Names for `/set` | Accepts |',
    '| --- | --- | --- |',
    ...(Object.keys(FIELD_ALIASES) as FieldKey[]).map(
      (key) =>
        `| ${cell(FIELD_LABELS[key])} | ${cell(FIELD_ALIASES[key].map(code).join(', '))} | ` +
        `${cell(FIELD_EXPECTED[key])} |`,
    ),
  ];
  return [
    'A command is the first line of a comment; `/timeline` and `/sitrep` take the rest of the comment. Every ' +
      'command also works as `/desk <command> …` (like `/desk timeline Patch deployed`).',
    '',
    ...commands,
    '',
    'Fields of `/set`:',
    '',
    ...fields,
    '',
  ].join('\n');
}

/** The `/help` reply: an optional intro line (given as markdown by the caller), then the reference. */
export function renderHelp(intro?: string): string {
  const head = intro?.trim();
  return head ? `${head}\n\n${renderCommandReferenceMarkdown()}` : renderCommandReferenceMarkdown();
}
