import { neutralizeBlock, neutralizeInline } from '../kernel/neutralize.js';
import type { HolderRole } from '../kernel/ticket-state.js';
import { ROLE_NAME } from './quick-links.js';
import { mention, quiet } from '../kernel/usernames.js';
import type { TrackerKind } from '../kernel/model.js';
import { formatRfc3339 } from '../kernel/time.js';

/**
 * The texts the app writes while an incident runs (refusals, invalid commands, phase nudges, handoffs).
 * Each carries its own hidden marker. Usernames come from the tracker's API; they may be mentioned, but
 * are still reduced to the characters a username can hold. Everything else that people wrote is
 * neutralized. Pure functions.
 */

export const RUN_MARKERS = {
  refusal: '<!-- incident-desk:refusal -->',
  invalid: '<!-- incident-desk:invalid -->',
  phaseNudge: '<!-- incident-desk:phase-nudge -->',
  handoffRequested: '<!-- incident-desk:handoff-requested -->',
  handoffDone: '<!-- incident-desk:handoff-done -->',
  handoffExpired: '<!-- incident-desk:handoff-expired -->',
} as const;

/** The human name of a role that a handoff moves. */
export function holderRoleName(role: HolderRole): string {
  return ROLE_NAME[role];
}

/** A duration for prose: `a minute`, `45 minutes`, `an hour`, `12 hours`, `a day`, `2 days`. */
export function describeMinutes(minutes: number): string {
  const m = Math.max(1, Math.round(minutes));
  if (m % 1440 === 0) return m === 1440 ? 'a day' : `${m / 1440} days`;
  if (m % 60 === 0) return m === 60 ? 'an hour' : `${m / 60} hours`;
  return m === 1 ? 'a minute' : `${m} minutes`;
}

/** A cadence for prose: `every hour`, `every 12 hours`, `every day`, `every 90 minutes`. */
export function everyMinutes(minutes: number): string {
  const d = describeMinutes(minutes);
  return `every ${d.replace(/^an? /, '')}`;
}

/** Distinct, non-empty mentions of the given usernames, in order. */
function mentions(usernames: readonly string[]): string[] {
  return [...new Set(usernames.map(mention).filter((m) => m !== ''))];
}

export interface RefusalInput {
  /** Who tried; mentioned, since the answer is for them. */
  actor: string;
  /** What they tried, as a phrase after "can …": `tick "(IM) Pick a Deputy Incident Manager"`, `set the CVSS Score`. */
  what: string;
  required: 'write access' | 'Developer access';
  /** The app put a box they changed back: `unticked` (they had ticked it) or `ticked` (they had unticked it). */
  boxReverted?: 'unticked' | 'ticked';
}

/** A polite refusal: nothing changed, and who can do it instead. */
export function renderRefusal(input: RefusalInput): string {
  const who = mention(input.actor);
  const access =
    input.required === 'write access'
      ? 'write access to this repository'
      : 'at least the Developer role in this project';
  const what = neutralizeInline(input.what);
  const lines = [
    RUN_MARKERS.refusal,
    `${who ? `${who}, sorry` : 'Sorry'}: only people with ${access} can ${what} here, so incident-desk changed ` +
      `nothing.`,
  ];
  if (input.boxReverted) {
    lines.push(`The box was ${input.boxReverted} again to match.`);
  }
  lines.push(`Please ask the Incident Manager, the Deputy or anyone else with ${access} to do it for you.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The answer to an edit of the app's hidden state (its `incident-desk:state` marker) by anyone: the state was put
 * back, and whatever else the edit did stands (or was answered on its own).
 */
export function renderStateRefusal(input: { actor: string }): string {
  const who = mention(input.actor);
  return [
    RUN_MARKERS.refusal,
    `${who ? `${who}, the` : 'The'} hidden \`incident-desk:state\` marker of this description records the ` +
      `incident's approvals, deadlines, reminders and links, and only incident-desk writes it, so your change to it ` +
      `was put back. Nothing else of your edit was undone for this.`,
    '',
  ].join('\n');
}

/** The answer to a known command whose arguments do not fit. `expected` is the app's own hint. */
export function renderInvalid(input: { command: string; expected: string }): string {
  const command = input.command
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9-]/gi, '')
    .toLowerCase();
  return [
    RUN_MARKERS.invalid,
    `The \`/${command}\` command could not be applied as written, so nothing was changed.`,
    '',
    `Expected: ${neutralizeBlock(input.expected.trim())}`,
    '',
  ].join('\n');
}

export interface PhaseNudgeInput {
  id: string;
  phaseTitle: string;
  /** The phase's due date as shown to people (`2026-11-22`). */
  date: string;
  openSteps: Array<{ role: string; text: string }>;
  /** Incident Manager and Deputy when known; mentioned. */
  owners: string[];
}

/** Said once when a phase's due date passed with open steps. */
export function renderPhaseNudge(input: PhaseNudgeInput): string {
  const owners = mentions(input.owners);
  const addressee = owners.length > 0 ? `${owners.join(' ')}: the` : 'Whoever leads this incident: the';
  const count = input.openSteps.length;
  const lines = [
    RUN_MARKERS.phaseNudge,
    `${addressee} phase **${neutralizeInline(input.phaseTitle)}** of **${neutralizeInline(input.id)}** was due on ` +
      `${neutralizeInline(input.date)}, and ${count === 1 ? 'one step is' : `${count} steps are`} still open:`,
    '',
    ...input.openSteps.map((s) => `- (${neutralizeInline(s.role, 40)}) ${neutralizeInline(s.text, 500)}`),
    '',
    'Tick each step in the checklist once it is done, or mark it not applicable with `/na <step> <reason>`.',
  ];
  if (owners.length === 0)
    lines.push('Nobody is set as Incident Manager yet: `/set incident-manager @name` names one.');
  return `${lines.join('\n')}\n`;
}

/** Said when a holder asks someone to take their role; the incoming person must accept. */
export function renderHandoffRequested(input: { from: string; to: string; role: HolderRole; minutes: number }): string {
  const role = holderRoleName(input.role);
  const to = mention(input.to) || 'The person named';
  const from = quiet(input.from) || 'the current holder';
  return [
    RUN_MARKERS.handoffRequested,
    `${to}, ${from} asks you to take over as **${role}**.`,
    '',
    `Get a briefing from ${from} on where the incident stands, then reply \`/accept\` within ` +
      `${describeMinutes(input.minutes)} to take the role. Until you accept, ${from} remains ${role}.`,
    '',
  ].join('\n');
}

/**
 * Said when the incoming person accepted (seed 003's explicit handoff): the incoming holder updates the ticket and
 * shares a sitrep noting the handoff; the outgoing one stays available for 15–20 minutes, then logs off.
 */
export function renderHandoffDone(input: { from: string; to: string; role: HolderRole; at?: string }): string {
  const role = holderRoleName(input.role);
  const to = mention(input.to) || 'The new holder';
  const from = mention(input.from) || 'the previous holder';
  const until =
    input.at && !Number.isNaN(Date.parse(input.at))
      ? ` (until ${formatRfc3339(Date.parse(input.at) + OVERLAP_MINUTES * 60_000)})`
      : '';
  return [
    RUN_MARKERS.handoffDone,
    `${to} is now **${role}**, taking over from ${from}.`,
    '',
    `- ${to}: you hold the role from now on. Share a situation report with \`/sitrep\` that notes the handoff ` +
      '(status, what is open, what comes next); the app adds the handoff to your next report.',
    `- ${from}: stay available for the next 15–20 minutes${until} to answer questions, then log off.`,
    '',
  ].join('\n');
}

/** How long the outgoing holder stays available after a handoff (seed 003: 15–20 minutes). */
export const OVERLAP_MINUTES = 20;

/** Said once when a handoff was not accepted in time. */
export function renderHandoffExpired(input: { from: string; to: string; role: HolderRole; minutes: number }): string {
  const role = holderRoleName(input.role);
  const from = mention(input.from) || 'The current holder';
  const to = quiet(input.to) || 'the person named';
  return [
    RUN_MARKERS.handoffExpired,
    `${from}: ${to} has not accepted the **${role}** handoff within ${describeMinutes(input.minutes)}, so you are ` +
      `still ${role}.`,
    '',
    `${to} can still reply \`/accept\`; otherwise ask someone else with \`/handoff\`.`,
    '',
  ].join('\n');
}

/** The access a refusal names: write access on GitHub, Developer access on GitLab. */
export function requiredAccess(tracker: TrackerKind): 'write access' | 'Developer access' {
  return tracker === 'gitlab' ? 'Developer access' : 'write access';
}
