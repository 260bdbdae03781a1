import type { Issue } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { neutralizeInline } from '../kernel/neutralize.js';
import type { RunState } from '../kernel/ticket-state.js';
import { mention } from '../kernel/usernames.js';
import { timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { RELEASE_PHASES } from './phases.js';
import { phaseDates, readSteps } from './steps.js';

/**
 * The release ticket's schedule (seed 001, issue 13 contradiction 7): its phases dated from the master's Public
 * Disclosure Date by their `offsetDays` (day four is the disclosure day, day one three days before), the headings of
 * the ticket's checklist dated to match, and each phase nudged once when its deadline passes with open steps, like the
 * master's. Pure.
 */

/** The marker of a release phase nudge (posted on the release ticket). */
export const RELEASE_NUDGE_MARKER = '<!-- incident-desk:release-nudge -->';

const OFFSETS: Record<string, number> = Object.fromEntries(
  RELEASE_PHASES.flatMap((p) => (p.offsetDays === null ? [] : [[p.id, p.offsetDays]])),
);

/** Each release phase's date from the disclosure date (`YYYY-MM-DD`), null for undated phases or without a date. */
export function releaseDates(disclosure: string | null): Record<string, string | null> {
  return phaseDates(disclosure, OFFSETS, RELEASE_PHASES);
}

/** When a phase's deadline passes: its date at its `dueTime` (UTC), else at the start of the day. */
function deadlineOf(date: string, dueTime: string | undefined): number {
  return Date.parse(`${date}T${dueTime ?? '00:00'}:00Z`);
}

/** Release phases whose deadline has passed and that were not looked at yet. */
export function dueReleasePhases(dates: Record<string, string | null>, run: RunState, now: Date): string[] {
  const seen = run.releaseNudged ?? [];
  return RELEASE_PHASES.filter((p) => {
    const date = dates[p.id];
    return typeof date === 'string' && deadlineOf(date, p.dueTime) <= now.getTime() && !seen.includes(p.id);
  }).map((p) => p.id);
}

const HEADING = /^### (?<title>.+?)(?: · \d{4}-\d{2}-\d{2})? · (?<progress>\d+\/\d+)$/;

/**
 * The release block with each phase heading dated (`### Day one · 2026-11-25 · 0/5`), or undated when the phase has no
 * date. Only the heading lines the app's template writes change; every other line (ticks, filled-in fields) is kept
 * byte for byte. A template whose headings look different is left as it is.
 */
export function dateReleaseHeadings(block: string, dates: Record<string, string | null>): string {
  const byTitle = new Map(RELEASE_PHASES.map((p) => [p.title, dates[p.id] ?? null]));
  return block
    .split('\n')
    .map((line) => {
      const m = HEADING.exec(line.replace(/\r$/, ''))?.groups;
      if (!m || !byTitle.has(m.title!)) return line;
      const date = byTitle.get(m.title!);
      return `### ${m.title}${date ? ` · ${date}` : ''} · ${m.progress}${line.endsWith('\r') ? '\r' : ''}`;
    })
    .join('\n');
}

/**
 * The nudges of the release phases that came due: each is recorded as looked at, and one comment on the release ticket
 * lists the open steps of those that have any, with their owners, mentioning the Incident Manager and the Deputy (the
 * release roles are teams, not people). `release` is the release ticket as just read, with the app's block.
 */
export function decideReleaseNudges(
  ctx: RunContext,
  plan: RunPlan,
  release: { issue: Issue; block: string },
  due: readonly string[],
  dates: Record<string, string | null>,
  holders: ReadonlyArray<string | null>,
): void {
  if (due.length === 0) return;
  plan.run.releaseNudged = [...(plan.run.releaseNudged ?? []), ...due];
  const steps = readSteps(release.block);
  const sections: string[] = [];
  for (const id of due) {
    const phase = RELEASE_PHASES.find((p) => p.id === id)!;
    const open = phase.steps.filter((s) => steps.get(s.id)?.done === false);
    if (open.length === 0) continue;
    sections.push(
      `**${neutralizeInline(phase.title)}** (${dates[id]}): ` +
        `${open.length === 1 ? 'one step is' : `${open.length} steps are`} still open:\n\n` +
        open.map((s) => `- (${neutralizeInline(s.role, 40)}) ${neutralizeInline(s.text, 500)}`).join('\n'),
    );
    plan.timeline.push(
      timelineEntry(
        ctx,
        `nudged: release phase "${phase.title}" of ${formatRef(release.issue.ref)} is due (${dates[id]}) with ` +
          `${open.length} open steps`,
      ),
    );
  }
  if (sections.length === 0) return;
  const owners = [
    ...new Set(
      holders
        .filter((h): h is string => Boolean(h))
        .map(mention)
        .filter(Boolean),
    ),
  ];
  plan.comments.push({
    ref: release.issue.ref,
    body: [
      RELEASE_NUDGE_MARKER,
      `${owners.length > 0 ? `${owners.join(' ')}: the` : 'The'} release schedule of ` +
        `**${neutralizeInline(ctx.state.id)}** ` +
        'is behind: these deadlines passed with steps still open.',
      '',
      sections.join('\n\n'),
      '',
      'Each step names its owner; tick it once it is done. The dates count from the Public Disclosure Date of the ' +
        'incident ticket.',
      '',
    ].join('\n'),
  });
}
