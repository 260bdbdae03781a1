import { splitBody, trustedState } from '../kernel/block.js';
import { INCIDENT_PHASES } from '../checklist/phases.js';
import { computeProgress, duePhases, phaseDates, readSteps } from '../checklist/steps.js';
import { renderHandoffExpired, renderPhaseNudge } from '../run/messages.js';
import { trackingStale } from '../tracking/section.js';
import { missedSitrepWindows, renderSitrepReminder } from '../commands/sitrep.js';
import { MANAGER, DEPUTY, DISCLOSURE, ROLE_NAME, holderOf, quickLinksOf, dateOf } from '../run/quick-links.js';
import { emptyPlan, timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { escalateUnacknowledged } from '../triage/decide.js';
import { effectiveSeverity, isConcluded } from '../triage/status.js';

/**
 * The periodic sweep of one open master: what is due now (sitrep reminders, phase nudges, handoff expiry),
 * each fired at most once: the plan records it in the run state, which the shell writes before posting.
 */
export function decideSweep(ctx: RunContext): RunPlan {
  const plan = emptyPlan(ctx);
  const cells = quickLinksOf(ctx.master);
  const manager = holderOf(cells.get(MANAGER));
  const deputy = holderOf(cells.get(DEPUTY));
  escalateUnacknowledged(ctx, plan, manager);
  remindSitrep(ctx, plan, manager);
  nudgePhases(ctx, plan, dateOf(cells.get(DISCLOSURE)), [manager, deputy]);
  // A due date passed: the master's overdue flags and counts are re-rendered.
  if (trackingStale(ctx.master, ctx.now)) plan.refresh = true;
  reportExpiredHandoff(ctx, plan);
  return plan;
}

/**
 * One reminder per missed sitrep window, mentioning the Incident Manager (never the reporter). Until a severity is
 * assessed the incident is run as high (seed 003, fail safe), and the reminder asks for the assessment too. Not once
 * the incident is concluded.
 */
function remindSitrep(ctx: RunContext, plan: RunPlan, manager: string | null): void {
  const run = plan.run;
  if (!run.sitrepSince || isConcluded(run)) return;
  const severity = effectiveSeverity(run);
  const cadence = ctx.config.sitrepMinutes[severity];
  const missed = missedSitrepWindows(run.sitrepSince, cadence, ctx.now);
  if (!(missed > (run.sitrepReminders ?? 0))) return;
  run.sitrepReminders = missed;
  run.reminders = (run.reminders ?? 0) + 1;
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderSitrepReminder({
      id: ctx.state.id,
      incidentManager: manager,
      severity,
      unassessed: !run.severity,
      cadenceMinutes: cadence,
      missed,
      since: run.sitrepSince,
    }),
  });
  plan.timeline.push(
    timelineEntry(ctx, `reminded ${manager ? `@${manager}` : 'the incident lead'}: situation report overdue`),
  );
}

/** Once per phase whose date arrived with open steps: a comment listing them, mentioning the IM and the Deputy. */
function nudgePhases(ctx: RunContext, plan: RunPlan, disclosure: string | null, holders: Array<string | null>): void {
  const run = plan.run;
  const block = trustedState(ctx.master) ? splitBody(ctx.master.body).block : null;
  if (!block) return;
  const progress = computeProgress(block, INCIDENT_PHASES, run.na ?? {});
  const dates = phaseDates(disclosure, ctx.config.phaseOffsets, INCIDENT_PHASES);
  const due = duePhases(dates, progress, ctx.now, run.nudged ?? []);
  if (due.length === 0) return;
  run.nudged = [...(run.nudged ?? []), ...due];
  const steps = readSteps(block);
  for (const phaseId of due) {
    const phase = INCIDENT_PHASES.find((p) => p.id === phaseId)!;
    const open = phase.steps
      .filter((s) => !steps.get(s.id)?.done && !run.na?.[s.id])
      .map((s) => ({ role: s.role, text: s.text }));
    plan.comments.push({
      ref: ctx.master.ref,
      body: renderPhaseNudge({
        id: ctx.state.id,
        phaseTitle: phase.title,
        date: dates[phaseId]!,
        openSteps: open,
        owners: holders.filter((o): o is string => Boolean(o)),
      }),
    });
    plan.timeline.push(
      timelineEntry(ctx, `nudged: "${phase.title}" is due (${dates[phaseId]}) with ${open.length} open steps`),
    );
  }
}

/** A handoff not accepted within `handoffMinutes` is reported once. */
function reportExpiredHandoff(ctx: RunContext, plan: RunPlan): void {
  const pending = plan.run.handoff;
  if (!pending || pending.reported) return;
  if (!(ctx.now.getTime() - Date.parse(pending.at) >= ctx.config.handoffMinutes * 60_000)) return;
  plan.run.handoff = { ...pending, reported: true };
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderHandoffExpired({
      from: pending.from,
      to: pending.to,
      role: pending.role,
      minutes: ctx.config.handoffMinutes,
    }),
  });
  plan.timeline.push(
    timelineEntry(
      ctx,
      `handoff of ${ROLE_NAME[pending.role]} to @${pending.to} not accepted within ` +
        `${ctx.config.handoffMinutes} minutes`,
    ),
  );
}
