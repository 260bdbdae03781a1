import { spliceBlock, splitBody, trustedState } from '../kernel/block.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import { parseRef } from '../kernel/model.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { DEPUTY, DISCLOSURE, MANAGER, dateOf, holderOf, quickLinksOf } from '../run/quick-links.js';
import { orNotFound } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import { dateReleaseHeadings, decideReleaseNudges, dueReleasePhases, releaseDates } from './release-schedule.js';

/**
 * Keeps the release ticket's schedule in step with the master's Public Disclosure Date (issue 13, contradiction 7):
 * when the date is set or moved, the release ticket's phase headings are dated again (only those lines are written),
 * and when a release phase's deadline passes its open steps are nudged once on the release ticket. The release ticket
 * is read only then; what was done is recorded in the master's state, which the plan writes next.
 */
export async function syncReleaseSchedule(tracker: Tracker, run: RunContext, plan: RunPlan): Promise<void> {
  const named = run.state.children?.find((c) => c.role === 'release');
  const ref = named ? parseRef(named.ref) : null;
  if (!ref) return;
  const cells = quickLinksOf(run.master);
  const disclosure = dateOf(plan.cells[DISCLOSURE] ?? cells.get(DISCLOSURE));
  const redate = (disclosure ?? undefined) !== plan.run.releaseDated;
  // A new date sets new deadlines: each phase is looked at again.
  const seen = redate ? { ...plan.run, releaseNudged: [] } : plan.run;
  const dates = releaseDates(disclosure);
  const due = dueReleasePhases(dates, seen, run.now);
  if (!redate && due.length === 0) return;
  const release = await readRelease(tracker, ref, run.state.id);
  if (redate) {
    if (release) {
      const dated = dateReleaseHeadings(release.block, dates);
      if (dated !== release.block) await tracker.updateIssue(ref, { body: spliceBlock(release.issue.body, dated) });
    }
    if (disclosure) plan.run.releaseDated = disclosure;
    else delete plan.run.releaseDated;
    plan.run.releaseNudged = [];
  }
  if (!release) {
    // Gone, or no longer the app's: nothing to nudge there, and not asked again.
    if (due.length > 0) plan.run.releaseNudged = [...(plan.run.releaseNudged ?? []), ...due];
    return;
  }
  const holders = [holderOf(cells.get(MANAGER)), holderOf(cells.get(DEPUTY))];
  decideReleaseNudges(run, plan, release, due, dates, holders);
}

/** The release ticket as just read, when it is still the app's release ticket of this incident. */
async function readRelease(
  tracker: Tracker,
  ref: IssueRef,
  id: string,
): Promise<{ issue: Issue; block: string } | null> {
  const issue = await orNotFound(tracker.getIssue(ref));
  if (!issue) return null;
  const state = trustedState(issue);
  const block = splitBody(issue.body).block;
  return state?.role === 'release' && state.id === id && block !== null ? { issue, block } : null;
}
