import { joinBody, renderState, trustedBlock } from '../kernel/block.js';
import type { TicketState } from '../kernel/ticket-state.js';
import { countByOwner, parseTracking } from './section.js';
import { findRow, renderChildBlock, rowOf, TASK_LABEL, titleWithoutId } from './rows.js';
import type { TaskRow } from './rows.js';
import { idLabel, titleWithId } from '../kernel/identifier.js';
import type { Issue, IssueDraft, Project, TrackerCapabilities } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { neutralizeBlock, neutralizeInline, quietUser } from '../kernel/neutralize.js';
import type { Renderer } from '../templates/renderer.js';
import { openDueSteps } from '../checklist/due.js';
import type { OpenDueStep } from '../checklist/due.js';
import { emptyPlan, timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { renderInvalid } from '../run/messages.js';
import type { TaskCommand } from '../commands/parse.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { formatEntry } from '../kernel/timeline.js';
import { formatRfc3339 } from '../kernel/time.js';

/**
 * The master's side of tracking tickets: a child's change, `/task`, the close guard and the final summary.
 * Pure decisions over the master as just read; the shell reads what they need and applies the plans.
 */

export const TRACKING_MARKERS = {
  unknownId: '<!-- incident-desk:unknown-id',
  closeGuard: '<!-- incident-desk:close-guard -->',
  closeSummary: '<!-- incident-desk:incident-summary -->',
} as const;

function entry(ctx: RunContext, text: string): TimelineEntry {
  return { at: formatRfc3339(ctx.now), actor: ctx.actor?.username ?? 'incident-desk[bot]', text };
}

/** The rows of the master's tracking section as the master was just read. */
export function rowsOf(master: Issue): TaskRow[] {
  return parseTracking(trustedBlock(master));
}

/**
 * A child changed (opened, labeled, retitled, assigned, closed, reopened, due date moved): its row is put in
 * the master's table when it differs, and its arrival, close or reopen joins the timeline. An event older than
 * the row changes nothing.
 */
export function decideChildEvent(ctx: RunContext, child: Issue): RunPlan {
  const plan = emptyPlan(ctx);
  const ref = formatRef(child.ref);
  const row = rowOf(child, ref);
  const current = findRow(rowsOf(ctx.master), ref);
  if (current?.updated && row.updated && Date.parse(row.updated) < Date.parse(current.updated)) return plan;
  if (current && JSON.stringify(current) === JSON.stringify(row)) return plan;
  plan.tasks.push(row);
  if (!current) {
    const owner = row.owner ? ` for @${row.owner}` : '';
    plan.timeline.push(
      entry(ctx, `linked tracking ticket ${ref} "${row.title}"${owner}${row.due ? `, due ${row.due}` : ''}`),
    );
  } else if (current.state !== row.state) {
    plan.timeline.push(entry(ctx, `${row.state === 'closed' ? 'closed' : 'reopened'} tracking ticket ${ref}`));
  }
  return plan;
}

/**
 * True when the master's row of a child carries no time to order an event against (a closed child folded into the
 * collapsed list, or a row shortened to fit): the event may be older than what the row shows, so the shell reads
 * the child fresh before deciding. One read, and only for such rows.
 */
export function rowNeedsFreshChild(master: Issue, child: Issue): boolean {
  const current = findRow(rowsOf(master), formatRef(child.ref));
  return current !== undefined && current.updated === null;
}

/**
 * The one comment on a ticket that names an identifier it is not linked to: the same words whether no incident has the
 * identifier or one has it and this issue may not attach to it (its project is not accepted, or who named it may not
 * triage the incident project), so that a public issue never learns whether an embargoed incident exists. Carries
 * nothing but the identifier, not even where incidents live.
 */
export function renderUnknownId(id: string): string {
  return (
    `${TRACKING_MARKERS.unknownId} ${id} -->\nThis issue names the incident identifier ` +
    `**${neutralizeInline(id, 40)}**, and incident-desk did not link it to an incident: it links an issue only when ` +
    `it knows the identifier and the issue may be one of that incident's tracking tickets. The issue was left as ` +
    `it is. Check the identifier, or ask the incident's team to open the ticket with \`/task\`.\n`
  );
}

/** The marker of the unknown-identifier comment for one identifier, to post it only once. */
export function unknownIdMarker(id: string): string {
  return `${TRACKING_MARKERS.unknownId} ${id} -->`;
}

// ---------------------------------------------------------------------------------------------------------------
// `/task`.

/** What to create for a `/task`, or why not. */
export type TaskDecision =
  | { kind: 'refuse'; comment: string }
  | {
      kind: 'create';
      draft: IssueDraft;
      /**
       * The title and text to write once the tracker confirmed the new issue confidential (GitLab, a project that is
       * not private): until then it carries a neutral title and the identifier only.
       */
      details: { title: string; body: string } | null;
      /** Whether the ticket's readers may see the master: private or confidential. */
      isPublic: boolean;
      due: string;
      state: TicketState;
    };

/** A date `days` after `now`, `YYYY-MM-DD`. */
export function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Words that say nothing of an incident: they do not count when a title is compared by its significant words. */
const INSIGNIFICANT = new Set(
  (
    'a an and are as at be been but by can could do does for from has have how if in into is it its may might must ' +
    'no ' +
    'not of on or our please should so than that the their then there these this those to up us was we were what ' +
    'when ' +
    'where which while who why will with would you your fix fixes fixed fixing update updates updated updating ' +
    'issue issues bug bugs problem security secure incident report reported task ticket tracking'
  ).split(' '),
);

/** A CVE id or an identifier of the app's shape (`INC-2026-42`, whatever the prefix). */
const IDENTIFIER = /\b(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,9}-\d{4}-\d{1,9})\b/gi;

/** A word's stem, so that `parser`, `parsers`, `parsing` and `parse` compare equal. */
function stem(word: string): string {
  for (const suffix of ['ings', 'ing', 'ers', 'er', 'ed', 'es', 's', 'e']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

/**
 * The significant words of a text, stemmed, in order: letters and digits, at least three long (or two with a digit,
 * like `v2`), without the words that say nothing of an incident.
 */
export function significantWords(text: string): string[] {
  const words: string[] = [];
  // Identifiers are compared on their own (`identifiersIn`): their parts are no words of a title.
  const prose = text.replace(IDENTIFIER, ' ');
  for (const match of prose.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (INSIGNIFICANT.has(word)) continue;
    if (word.length < 3 && !(word.length === 2 && /\d/.test(word))) continue;
    words.push(stem(word));
  }
  return words;
}

/**
 * True when `text` says what the incident's title says: it has most of the title's significant words (every one of a
 * title of one or two such words, half of a longer one, and at least two), or two of them that stand next to each
 * other in the title stand next to each other in the text (`heap overflow`), whatever else is around them.
 */
export function repeatsTitle(text: string, title: string): boolean {
  const wanted = significantWords(title);
  const distinct = [...new Set(wanted)];
  if (distinct.length === 0) return false;
  const words = significantWords(text);
  const present = new Set(words);
  const found = distinct.filter((w) => present.has(w)).length;
  const needed = distinct.length <= 2 ? distinct.length : Math.max(2, Math.ceil(distinct.length / 2));
  if (found >= needed) return true;
  const pairs = new Set(words.slice(1).map((w, i) => `${words[i]} ${w}`));
  return wanted.slice(1).some((w, i) => wanted[i] !== w && pairs.has(`${wanted[i]} ${w}`));
}

/** Every CVE id and every identifier-shaped token (`INC-2026-42`) of a text, upper-cased, in order. */
export function identifiersIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) found.push(match[0].toUpperCase());
  return [...new Set(found)];
}

/**
 * Incident details in text bound for a public place: the master's title (compared by its significant words, not as
 * one piece of text), its reference or address, the incident project's path, or any CVE id or identifier other than
 * the incident's own (its aliases recorded with `/cve` included: an unpublished CVE is a detail). Answers what was
 * found, for the refusal; null when nothing was.
 */
export function incidentDetailsIn(
  text: string,
  master: Issue,
  id: string,
  aliases: readonly string[] = [],
): string | null {
  const haystack = text.toLowerCase();
  // `[INC-2026-1] [SECURITY] RCE in login`: the identifier, then one tag group, say nothing; the rest is the title.
  const title = titleWithoutId(master.title).replace(/^\s*\[[^\]\n]{0,100}\]\s*/, '');
  if (repeatsTitle(text, title)) return "the incident's title";
  if (haystack.includes(master.webUrl.toLowerCase()) || haystack.includes(formatRef(master.ref).toLowerCase()))
    return 'a reference to the incident ticket';
  if (haystack.includes(master.ref.project.toLowerCase())) return "the incident project's path";
  const known = new Set(aliases.map((a) => a.toUpperCase()));
  for (const other of identifiersIn(text)) {
    if (other === id.toUpperCase()) continue;
    const kind = other.startsWith('CVE-') ? 'a CVE id' : 'an incident identifier';
    return known.has(other) ? `${kind} of this incident (${other})` : `${kind} (${other})`;
  }
  return null;
}

/**
 * Decides the ticket a `/task` opens in `target` (as the tracker answered; null when the app cannot see it).
 * GitLab: always confidential; in a project that is not private the details are written only after the tracker
 * confirmed it. GitHub: in a private repository with every detail; in a public one only with `--public` and a
 * title and text without incident details, and then with the identifier only.
 */
export function decideTask(
  ctx: RunContext,
  command: TaskCommand,
  target: Project | null,
  deps: { capabilities: TrackerCapabilities; renderer: Renderer },
): TaskDecision {
  if (!target) {
    return refuseTask(
      `The app cannot see a project or repository \`${quotedPath(command.project)}\`. Name one it is installed on, ` +
        `like \`group/project\` or \`owner/repo\`.`,
    );
  }
  const id = ctx.state.id;
  const due = command.due ?? addDays(ctx.now, ctx.config.taskDueDays);
  const ticket: TaskTicket = {
    id,
    title: titleWithId(command.title, id),
    labels: [idLabel(id), TASK_LABEL],
    due,
    // Where the ticket has a due date field (GitLab), that field is the due date: a copy in the text would go stale
    // the moment someone moves it there. Elsewhere the text's Due line is the due date.
    dueInText: deps.capabilities.dueDates ? null : due,
  };
  const isPublic = !deps.capabilities.confidentialIssues && target.visibility !== 'private';
  return isPublic ? publicTask(ctx, command, target, ticket) : confidentialTask(ctx, command, target, ticket, deps);
}

/** What every tracking ticket of a `/task` carries, wherever it is opened. */
interface TaskTicket {
  id: string;
  /** The title with the identifier in front. */
  title: string;
  labels: string[];
  due: string;
  /** The due date for the text's Due line; null where the tracker has a due date field. */
  dueInText: string | null;
}

function refuseTask(expected: string): TaskDecision {
  return { kind: 'refuse', comment: renderInvalid({ command: 'task', expected }) };
}

/** A project path for a message, in backticks without the means to close them. */
function quotedPath(path: string): string {
  return neutralizeInline(path, 100).replace(/`/g, "'");
}

/**
 * A ticket in a public GitHub repository: only when the person confirmed it with `--public` and the title and text
 * carry no incident details, and then it names the identifier only (no master, no link).
 */
function publicTask(ctx: RunContext, command: TaskCommand, target: Project, ticket: TaskTicket): TaskDecision {
  if (!command.public) {
    return refuseTask(
      `\`${quotedPath(target.path)}\` is public: a tracking ticket there is readable by anyone. Open it in a ` +
        `private repository, or, when its title and text carry no incident details, confirm with \`--public\` (it ` +
        `then names only the identifier ${ticket.id}).`,
    );
  }
  const found = incidentDetailsIn(
    `${command.title}\n${command.text}`,
    ctx.master,
    ticket.id,
    ctx.state.run?.aliases ?? [],
  );
  if (found) {
    return refuseTask(
      `The title or text carries ${found}, and \`${quotedPath(target.path)}\` is public. Rephrase it without ` +
        `incident details, or open the ticket in a private repository.`,
    );
  }
  const state: TicketState = { v: 1, role: 'task', id: ticket.id };
  const block = renderChildBlock({ state, master: null, due: ticket.dueInText });
  const text = command.text ? neutralizeBlock(command.text) : neutralizeInline(command.title, 200);
  return {
    kind: 'create',
    draft: {
      title: ticket.title,
      body: joinBody(block, text),
      labels: ticket.labels,
      confidential: false,
      assignees: [command.owner],
    },
    details: null,
    isPublic: true,
    due: ticket.due,
    state,
  };
}

/**
 * A ticket the master's readers only may see: confidential on GitLab, in a private repository on GitHub, with every
 * detail and the master named. A GitLab project that is not private gets the details only once the tracker confirmed
 * the ticket confidential.
 */
function confidentialTask(
  ctx: RunContext,
  command: TaskCommand,
  target: Project,
  ticket: TaskTicket,
  deps: { capabilities: TrackerCapabilities; renderer: Renderer },
): TaskDecision {
  const { id, title, labels, due, dueInText } = ticket;
  const state: TicketState = {
    v: 1,
    role: 'task',
    id,
    master: formatRef(ctx.master.ref),
    linked: deps.capabilities.nativeLinks,
  };
  const details = joinBody(
    `${renderState(state)}\n${deps.renderer
      .task({
        id,
        title: neutralizeInline(command.title, 200),
        master: `[${formatRef(ctx.master.ref)}](${ctx.master.webUrl})`,
        owner: quietUser(command.owner),
        due: dueInText ?? "this ticket's due date",
        summary: neutralizeInline(titleWithoutId(ctx.master.title), 200),
        action: command.text ? neutralizeBlock(command.text) : neutralizeInline(command.title, 200),
      })
      .trimEnd()}`,
    '',
  );
  // A GitLab project that is not private: created confidential with a neutral title and the identifier only (the
  // creation's notifications and a failed confidentiality show nothing more), the details once confirmed.
  const verifyFirst = deps.capabilities.confidentialIssues && target.visibility !== 'private';
  const draft = verifyFirst
    ? {
        title: neutralTaskTitle(id),
        body: joinBody(renderChildBlock({ state: { v: 1, role: 'task', id }, master: null, due: dueInText }), ''),
      }
    : { title, body: details };
  return {
    kind: 'create',
    draft: { ...draft, labels, confidential: true, assignees: [command.owner], dueDate: due },
    details: verifyFirst ? { title, body: details } : null,
    isPublic: false,
    due,
    state,
  };
}

/** The title a tracking ticket carries until the tracker confirmed it confidential: the identifier, nothing else. */
export function neutralTaskTitle(id: string): string {
  return titleWithId('Tracking ticket', id);
}

/** The marker of the note on the master that says what a public tracking ticket holds. */
export const PUBLIC_TASK_MARKER = '<!-- incident-desk:public-task -->';

/**
 * What the master is told when a ticket was opened where the tracker did not confirm it confidential: exactly what
 * was written to it (the neutral title, the identifier, the due date), and that nothing more was.
 */
export function renderTaskUnconfirmed(child: Issue, id: string): string {
  return renderInvalid({
    command: 'task',
    expected:
      `Tracking ticket ${formatRef(child.ref)} was opened, but the tracker did not confirm it confidential. ` +
      `It holds exactly what was written at its creation: the title "${neutralTaskTitle(id)}", the identifier ` +
      `${id}, its labels, owner and due date; the title and text you gave were not written. Make it confidential ` +
      `by hand and give the command again, or close it.`,
  });
}

/**
 * The note on the master after a `/task --public`: anyone can read the ticket, so the master is told exactly what it
 * holds, as the tracker answered it (its title and its text without the hidden state), and that nothing else was
 * written there. Goes to the master, a private place.
 */
export function renderPublicTask(child: Issue, owner: string): string {
  const visible = child.body
    .replace(/<!--[\s\S]*?-->/g, '')
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return [
    PUBLIC_TASK_MARKER,
    `Opened the public tracking ticket ${formatRef(child.ref)} for ${quietUser(owner)}. Anyone can read it, and it ` +
      `holds exactly this:`,
    '',
    `> **${neutralizeInline(child.title, 300)}**`,
    '>',
    ...visible.map((line) => `> ${neutralizeInline(line, 1000)}`),
    '',
    'Nothing else of the incident was written there: no reference, link, project or title of it, and no native link.',
    '',
  ].join('\n');
}

/** The master's plan after a `/task` created `child`: its row, the timeline, and a note when the owner was not kept. */
export function decideTaskCreated(
  ctx: RunContext,
  command: TaskCommand,
  child: Issue,
  due: string,
  isPublic = false,
): RunPlan {
  const plan = emptyPlan(ctx);
  const ref = formatRef(child.ref);
  const row: TaskRow = { ...rowOf(child, ref), due: child.dueDate ?? due };
  plan.tasks.push(row);
  plan.timeline.push(entry(ctx, `opened tracking ticket ${ref} "${row.title}" for @${command.owner}, due ${row.due}`));
  if (isPublic) plan.comments.push({ ref: ctx.master.ref, body: renderPublicTask(child, command.owner) });
  if (!child.assignees.some((a) => a.toLowerCase() === command.owner.toLowerCase())) {
    plan.comments.push({
      ref: ctx.master.ref,
      body: renderInvalid({
        command: 'task',
        expected:
          `Tracking ticket ${ref} was opened, but the tracker did not assign ` +
          `${quietUser(command.owner)} (no access to that project?). Assign its owner by hand.`,
      }),
    });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// Closing the master.

/** A child as read fresh when the master closes. */
export interface ClosingChild {
  ref: string;
  role: 'release' | 'comms' | 'task';
  state: 'open' | 'closed';
  owner: string | null;
}

/**
 * The master was closed. With open children and the close guard on: reopened in the same write, with one
 * comment listing the open ones. Otherwise the close is recorded and the incident summary posted: identifier,
 * open and close times, duration, children by owner, the timeline's first and last entries.
 */
export function decideClose(
  ctx: RunContext,
  input: { children: ClosingChild[]; refreshed: Issue[]; firstEntry: TimelineEntry | null },
): RunPlan {
  const plan = emptyPlan(ctx);
  for (const child of input.refreshed) plan.tasks.push(rowOf(child, formatRef(child.ref)));
  const open = input.children.filter((c) => c.state === 'open');
  // Seed 004: the master closes only once every action item is resolved, the due checklist steps included.
  const steps = ctx.config.closeGuard ? openDueSteps(ctx.master, ctx.state.run, ctx.config, ctx.now) : [];
  if (ctx.config.closeGuard && (open.length > 0 || steps.length > 0)) {
    plan.reopen = true;
    plan.comments.push({ ref: ctx.master.ref, body: renderCloseGuard(open, steps) });
    const what = [
      open.length > 0 ? `${open.length} open tickets` : '',
      steps.length > 0 ? `${steps.length} open checklist steps of due phases` : '',
    ].filter(Boolean);
    plan.timeline.push(entry(ctx, `tried to close the incident with ${what.join(' and ')}; reopened`));
    return plan;
  }
  const closing = entry(ctx, 'closed the incident');
  plan.timeline.push(closing);
  const rows = rowsOf(ctx.master);
  let merged = rows;
  for (const row of plan.tasks) merged = [...merged.filter((r) => r.ref.toLowerCase() !== row.ref.toLowerCase()), row];
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderCloseSummary({
      id: ctx.state.id,
      master: ctx.master,
      now: ctx.now,
      rows: merged,
      first: input.firstEntry,
      last: closing,
    }),
  });
  return plan;
}

/** The close guard's comment: the open tickets, then the open steps of due phases, each listed (up to 50). */
function renderCloseGuard(open: readonly ClosingChild[], steps: readonly OpenDueStep[]): string {
  const reasons: string[] = [];
  if (open.length > 0) reasons.push(`${open.length} of its tickets ${open.length === 1 ? 'is' : 'are'} still open`);
  if (steps.length > 0)
    reasons.push(
      `${steps.length} checklist ${steps.length === 1 ? 'step' : 'steps'} of phases that are due ` +
        `${steps.length === 1 ? 'is' : 'are'} neither done nor marked not applicable`,
    );
  const todo = steps.length > 0 ? 'Close or complete them' : `Close ${open.length === 1 ? 'it' : 'them'}`;
  const sections: string[] = [];
  if (open.length > 0) {
    const lines = open.slice(0, 50).map((c) => {
      const kind = c.role === 'task' ? 'tracking ticket' : `${c.role} ticket`;
      return `- ${c.ref} (${kind}${c.owner ? `, ${quietUser(c.owner)}` : ''})`;
    });
    if (open.length > 50) lines.push(`- …and ${open.length - 50} more (see Tracking tickets above)`);
    sections.push(lines.join('\n'));
  }
  if (steps.length > 0) {
    const lines = steps
      .slice(0, 50)
      .map(
        (s) =>
          `- ${neutralizeInline(s.phase, 80)} (due ${s.date}): (${neutralizeInline(s.role, 40)}) ` +
          `${neutralizeInline(s.text, 200)} — \`${s.id}\``,
      );
    if (steps.length > 50) lines.push(`- …and ${steps.length - 50} more (see the checklist above)`);
    sections.push(`Checklist steps (tick them, or mark them \`/na <step-id> <reason>\`):\n\n${lines.join('\n')}`);
  }
  return (
    `${TRACKING_MARKERS.closeGuard}\nThe incident stays open: ${reasons.join(', and ')}. ${todo} first (or set ` +
    `\`closeGuard: false\` in the configuration).\n\n${sections.join('\n\n')}\n`
  );
}

/** `3 d 4 h 12 min`. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', `${m} min`].filter(Boolean).join(' ');
}

/** The incident summary posted when the master closes with every child closed. */
export function renderCloseSummary(input: {
  id: string;
  master: Issue;
  now: Date;
  rows: TaskRow[];
  first: TimelineEntry | null;
  last: TimelineEntry;
}): string {
  const opened = formatRfc3339(new Date(input.master.createdAt));
  const closed = formatRfc3339(input.now);
  const lines = [
    TRACKING_MARKERS.closeSummary,
    `### Incident ${input.id} closed`,
    '',
    '| | |',
    '|---|---|',
    `| Identifier: | ${input.id} |`,
    `| Opened: | ${opened} |`,
    `| Closed: | ${closed} |`,
    `| Duration: | ${formatDuration(input.now.getTime() - Date.parse(input.master.createdAt))} |`,
    `| Tracking tickets: | ${input.rows.length} |`,
  ];
  const owners = countByOwner(input.rows, input.now);
  if (owners.length > 0) {
    lines.push('', '| Owner | Tracking tickets |', '|---|---|');
    for (const o of owners) lines.push(`| ${o.owner ? quietUser(o.owner) : '_unassigned_'} | ${o.open + o.closed} |`);
  }
  lines.push('', '**Timeline**', '');
  if (input.first) lines.push(formatEntry(input.first), '…');
  lines.push(formatEntry(input.last));
  return `${lines.join('\n')}\n`;
}

/** The children a master names in its state (release, comms) as references. */
export function namedChildren(state: TicketState): Array<{ ref: string; role: 'release' | 'comms' }> {
  return (state.children ?? []).map((c) => ({ ref: c.ref, role: c.role }));
}

/** The master was closed or reopened: the timeline says who did it and when. */
export function decideStateChange(ctx: RunContext, action: 'closed' | 'reopened'): RunPlan {
  const plan = emptyPlan(ctx);
  plan.timeline.push(timelineEntry(ctx, action === 'closed' ? 'closed the incident' : 'reopened the incident'));
  // Taken up again: its next conclusion gets a report of its own.
  if (action === 'reopened') delete plan.run.report;
  return plan;
}
