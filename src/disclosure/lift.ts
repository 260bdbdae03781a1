import { splitBody } from '../kernel/block.js';
import type { Issue, IssueRef, TrackerKind } from '../kernel/model.js';
import { formatRef, parseRef } from '../kernel/model.js';
import type { DisclosureState } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import { readSteps } from '../checklist/steps.js';
import { emptyPlan, timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { MANAGER, holderOf, quickLinksOf } from '../run/quick-links.js';
import type { PublicSummaryContext } from '../templates/contexts.js';
import { advisoryCell } from './advisories.js';
import { releaseDetail } from './decide.js';
import { comment, DISCLOSURE_MARKERS } from './messages.js';

/**
 * Lifting confidentiality once everything about the incident is public (seed 002): what `/disclose lift` would make
 * public, and what `/disclose lift confirm` records. GitLab: the master and release tickets become non-confidential,
 * their app parts replaced by the public summary and the app's own comments redacted (their text kept on the
 * communications ticket, which stays confidential, as does any ticket labelled `incident::keep-private` or
 * `incident-keep-private`). GitHub: the master stays in its private repository; the redacted public source issue
 * gets the public summary and is unlocked. Pure.
 */

/**
 * A ticket with one of these labels stays confidential when the incident's confidentiality is lifted. Where GitLab's
 * scoped labels are exclusive (Premium), `incident::keep-private` would replace the ticket's `incident::<role>` label,
 * so `incident-keep-private` says the same there.
 */
export const KEEP_PRIVATE_LABELS: readonly string[] = ['incident::keep-private', 'incident-keep-private'];

/** The step the lift ticks. */
export const LIFT_STEP = 'lift-confidentiality';

/** One ticket of the incident and what the lift does with it. */
export interface LiftItem {
  ref: IssueRef;
  role: 'master' | 'release' | 'comms' | 'source';
  /** `lift`: made non-confidential (GitLab); `summary`: the public summary posted and unlocked (GitHub source). */
  action: 'lift' | 'summary' | 'keep';
  /** Why it stays confidential (for `keep`). */
  reason?: string;
}

/** The public source issue a master names (GitHub: the redacted report in a public repository); null when none. */
export function sourceRefOf(ctx: RunContext): IssueRef | null {
  const source = ctx.state.source;
  if (!source) return null;
  const match = /^(?<tracker>[a-z]+):(?<ref>.+)$/.exec(source)?.groups;
  if (match && match.tracker !== ctx.tracker) return null;
  const ref = parseRef(match ? match.ref : source);
  if (!ref || formatRef(ref).toLowerCase() === formatRef(ctx.master.ref).toLowerCase()) return null;
  return ref;
}

/** Who may lift: the Incident Manager named in Quick Links, or a maintainer. */
export function mayLift(ctx: RunContext): boolean {
  const manager = holderOf(quickLinksOf(ctx.master).get(MANAGER));
  if (manager && manager.toLowerCase() === ctx.actor?.username.toLowerCase()) return true;
  return ctx.access === 'maintain' || ctx.access === 'admin';
}

/**
 * What the lift does with each ticket, from the tickets as just read (`tickets`: the release and communications
 * tickets of the master's state, the source where it has one). GitLab lifts the master and release tickets that are
 * confidential now and not marked `incident::keep-private`; the communications ticket always stays. GitHub writes
 * only on a public source issue.
 */
export function liftItems(
  ctx: RunContext,
  tickets: ReadonlyArray<{ role: 'release' | 'comms' | 'source'; issue: Issue }>,
): LiftItem[] {
  const keep = (issue: Issue, role: LiftItem['role']): LiftItem | null => {
    const label = issue.labels.find((l) => KEEP_PRIVATE_LABELS.includes(l));
    if (label) return { ref: issue.ref, role, action: 'keep', reason: `it is labelled \`${label}\`` };
    return null;
  };
  if (ctx.tracker === 'github') {
    return tickets
      .filter((t) => t.role === 'source')
      .map((t) => keep(t.issue, 'source') ?? { ref: t.issue.ref, role: 'source', action: 'summary' });
  }
  const items: LiftItem[] = [];
  const master = ctx.master;
  items.push(
    keep(master, 'master') ??
      (master.confidential
        ? { ref: master.ref, role: 'master', action: 'lift' }
        : { ref: master.ref, role: 'master', action: 'keep', reason: 'it is not confidential' }),
  );
  for (const { role, issue } of tickets) {
    if (role === 'comms') {
      items.push({ ref: issue.ref, role, action: 'keep', reason: 'the communications ticket always stays private' });
      continue;
    }
    if (role === 'source') {
      items.push({ ref: issue.ref, role, action: 'keep', reason: 'the original report is lifted by hand, if at all' });
      continue;
    }
    items.push(
      keep(issue, role) ??
        (issue.confidential ? { ref: issue.ref, role, action: 'lift' } : null) ?? {
          ref: issue.ref,
          role,
          action: 'keep',
          reason: 'it is not confidential',
        },
    );
  }
  return items;
}

/** Why the lift cannot start yet; null when it can. */
export function liftProblem(ctx: RunContext): string | null {
  if (!ctx.state.run?.disclosure?.disclosedAt)
    return 'The incident is not disclosed yet: `/disclose` first, then `/disclose lift`.';
  if (ctx.state.run.disclosure.liftedAt) return `Confidentiality was lifted at ${ctx.state.run.disclosure.liftedAt}.`;
  return null;
}

const ROLE_NAME: Record<LiftItem['role'], string> = {
  master: 'the master',
  release: 'the release ticket',
  comms: 'the communications ticket',
  source: 'the public report',
};

/** `/disclose lift`: the list of what would happen, recorded as shown; nothing is changed yet. */
export function decideLiftList(ctx: RunContext, items: readonly LiftItem[]): RunPlan {
  const plan = emptyPlan(ctx);
  const disclosure: DisclosureState = { ...(plan.run.disclosure ?? {}) };
  disclosure.liftListedAt = formatRfc3339(ctx.now);
  plan.run.disclosure = disclosure;
  const acting = items.filter((i) => i.action !== 'keep');
  const lines: string[] = [];
  if (acting.length === 0) lines.push('Nothing of this incident would be made public here.');
  else {
    lines.push('`/disclose lift confirm` will:', '');
    for (const item of acting) {
      lines.push(
        item.action === 'lift'
          ? `- make ${ROLE_NAME[item.role]} ${formatRef(item.ref)} non-confidential, its incident-desk part replaced ` +
              "by the public summary and incident-desk's own comments on it emptied (their text is kept on the " +
              'communications ticket)'
          : `- post the public summary on ${ROLE_NAME[item.role]} ${formatRef(item.ref)} and unlock its conversation`,
      );
    }
  }
  const kept = items.filter((i) => i.action === 'keep');
  if (kept.length > 0) {
    lines.push('', 'Stays confidential:', '');
    for (const item of kept) lines.push(`- ${ROLE_NAME[item.role]} ${formatRef(item.ref)}: ${item.reason ?? ''}`);
  }
  if (acting.some((i) => i.action === 'lift'))
    lines.push(
      '',
      "People's own text and comments become public as they are: read them first. Every byte is checked on the way, " +
        'and a ticket that names anything still private stays confidential. GitLab keeps earlier versions of a ' +
        'description in its history: check them too.',
    );
  plan.comments.push({ ref: ctx.master.ref, body: `${comment(DISCLOSURE_MARKERS.lift, lines)}\n` });
  return plan;
}

/** What happened to one ticket on `/disclose lift confirm`. */
export interface LiftResult {
  item: LiftItem;
  /** True when done; otherwise why not (nothing public was written for it). */
  done: boolean;
  why?: string;
}

/**
 * `/disclose lift confirm`, after the shell acted on every ticket but the master (lifted last, once this plan is
 * written): the lift step ticked, the time recorded, one timeline line per ticket, one answer.
 */
export function decideLifted(ctx: RunContext, results: readonly LiftResult[], masterPending: boolean): RunPlan {
  const plan = emptyPlan(ctx);
  const at = formatRfc3339(ctx.now);
  const disclosure: DisclosureState = { ...(plan.run.disclosure ?? {}) };
  disclosure.liftedAt = at;
  plan.run.disclosure = disclosure;
  const steps = readSteps(splitBody(ctx.master.body).block ?? '');
  if (steps.get(LIFT_STEP)?.done === false) plan.stepOverrides.push({ stepId: LIFT_STEP, done: true });
  const lines: string[] = [];
  for (const result of results) {
    const name = `${ROLE_NAME[result.item.role]} ${formatRef(result.item.ref)}`;
    const did = result.item.action === 'lift' ? 'made public' : 'got the public summary';
    if (result.done) {
      plan.timeline.push(timelineEntry(ctx, `${did}: ${name}`));
      lines.push(`- ${name}: ${did}`);
    } else {
      plan.timeline.push(timelineEntry(ctx, `left confidential: ${name} (${result.why ?? 'refused'})`));
      lines.push(`- ${name}: stays confidential, ${result.why ?? 'refused'}`);
    }
  }
  if (masterPending) {
    plan.timeline.push(timelineEntry(ctx, `makes the master ${formatRef(ctx.master.ref)} public`));
    lines.push(
      `- the master ${formatRef(ctx.master.ref)}: made public next, its incident-desk part replaced by the public ` +
        'summary; incident-desk stops following it, and its record stays on the communications ticket',
    );
  }
  if (lines.length === 0) lines.push('- nothing was left to make public');
  plan.comments.push({
    ref: ctx.master.ref,
    body: `${comment(DISCLOSURE_MARKERS.lift, ['Confidentiality lifted:', '', ...lines])}\n`,
  });
  return plan;
}

/** The public summary's context: only what is public once the incident is disclosed. */
export function publicSummaryContextOf(ctx: RunContext, release: Issue | null): PublicSummaryContext {
  const disclosure = ctx.state.run?.disclosure;
  const advisory = disclosure?.advisory;
  const published = advisory?.state === 'published' ? advisory : undefined;
  return {
    id: ctx.state.id,
    advisory: published ? advisoryCell({ ghsaId: published.ghsa, webUrl: published.url }) : null,
    cve: published?.cve ?? null,
    fixed: releaseDetail(release, 'Patched versions'),
    disclosed: (disclosure?.disclosedAt ?? formatRfc3339(ctx.now)).slice(0, 10),
  };
}

/** The public summary as a comment or description head, with its marker. */
export function publicSummaryText(summary: string): string {
  return `${DISCLOSURE_MARKERS.publicSummary}\n${summary.trim()}\n`;
}

/** A lifted ticket's description: the public summary in place of the app's block, the person's text kept. */
export function liftedBody(body: string, summary: string): string {
  const { rest } = splitBody(body);
  return rest.trim() ? `${publicSummaryText(summary)}\n${rest}` : publicSummaryText(summary);
}

/** What an app comment on a lifted ticket becomes. */
export const REDACTED_COMMENT = `${DISCLOSURE_MARKERS.redacted}\n_This note of incident-desk's was kept private._\n`;

const TRACKER_NAME: Record<TrackerKind, string> = { gitlab: 'GitLab', github: 'GitHub' };

/** The record of a lifted ticket's app parts, kept on the communications ticket (inert: in a fenced block). */
export function recordOf(kind: TrackerKind, ref: IssueRef, parts: readonly string[]): string {
  const text = parts.join('\n\n');
  const fence = '~'.repeat(Math.max(4, ...[...text.matchAll(/~{3,}/g)].map((m) => m[0].length + 1)));
  return [
    DISCLOSURE_MARKERS.lift,
    `incident-desk's part of ${formatRef(ref)} before it was made public on ${TRACKER_NAME[kind]}:`,
    '',
    `${fence}markdown`,
    text,
    fence,
    '',
  ].join('\n');
}
