import type { RunPlan } from './plan.js';

/**
 * Folding the plans of events that queued behind one incident's lock into one plan, written with one read and one
 * write of the master and one timeline append. Pure.
 *
 * A plan is folded onto the plans before it only when it was decided on the run state they leave (`withMaster` decides
 * each event of a batch on the state the previous ones answered), so the later plan's `run` already holds theirs.
 */

/**
 * True when a plan can be written together with others: it changes the master's block, labels, run state and
 * timeline, and posts comments. A plan that opens a task, composes a report, reassigns, closes or reopens is written
 * on its own, in its turn.
 */
export function isFoldable(plan: RunPlan): boolean {
  return (
    plan.task === undefined &&
    plan.report === undefined &&
    plan.assign === undefined &&
    plan.reopen !== true &&
    plan.close !== true &&
    (plan.closeChildren?.length ?? 0) === 0
  );
}

/**
 * The one plan that writes what `earlier` then `later` would have written one after the other, or null when either
 * cannot be folded (`isFoldable`). `later` must have been decided on `earlier.run`. A box or cell set by both keeps
 * the later value; labels end as the later plan leaves them; comments, timeline entries and tracking rows keep their
 * order, the earlier plan's first.
 */
export function foldPlans(earlier: RunPlan, later: RunPlan): RunPlan | null {
  if (!isFoldable(earlier) || !isFoldable(later)) return null;
  const laterSteps = new Set(later.stepOverrides.map((o) => o.stepId));
  const refresh = earlier.refresh === true || later.refresh === true;
  return {
    stepOverrides: [...earlier.stepOverrides.filter((o) => !laterSteps.has(o.stepId)), ...later.stepOverrides],
    cells: { ...earlier.cells, ...later.cells },
    run: later.run,
    addLabels: union(without(earlier.addLabels, later.removeLabels), later.addLabels),
    removeLabels: union(without(earlier.removeLabels, later.addLabels), later.removeLabels),
    comments: [...earlier.comments, ...later.comments],
    timeline: [...earlier.timeline, ...later.timeline],
    tasks: [...earlier.tasks, ...later.tasks],
    ...(refresh ? { refresh } : {}),
  };
}

/**
 * Folds a batch's plans in order into as few plans as can be written: consecutive foldable plans become one, a plan
 * that cannot be folded stays on its own between them. Each plan must have been decided on the run state of the plans
 * before it.
 */
export function foldBatch(plans: RunPlan[]): RunPlan[] {
  const out: RunPlan[] = [];
  for (const plan of plans) {
    const last = out.at(-1);
    const folded = last ? foldPlans(last, plan) : null;
    if (folded) out[out.length - 1] = folded;
    else out.push(plan);
  }
  return out;
}

const sameLabel = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const without = (labels: string[], drop: string[]) => labels.filter((l) => !drop.some((d) => sameLabel(l, d)));
const union = (a: string[], b: string[]) => [...a, ...b.filter((l) => !a.some((x) => sameLabel(l, x)))];
