/**
 * Load generators. Closed loop: `concurrency` workers, each running incidents one after another (a trigger, then a
 * fixed mix of run events on that incident), each sending its next delivery when the previous one is answered; the
 * deliveries are built from the fake's current state, as a person's next action would be. Replay: the same
 * recorded deliveries sent again to another server (bare Probot), `concurrency` in flight. Ordinary issues
 * (UNRELATED_SCRIPT) are built ahead and sent per issue to both servers alike. Every loop is bounded by a count and
 * a deadline.
 */
import type { IssueRef } from '../src/kernel/model.js';
import type { Target } from './target-client.js';
import type { Delivery, ScenarioName, UnrelatedChange, World } from './world.js';

/** One incident's deliveries after its trigger: ticks, comments and label changes, in this order. */
export const INCIDENT_SCRIPT: readonly ScenarioName[] = [
  'tick',
  'comment-timeline',
  'label',
  'tick',
  'comment-sitrep',
  'tick',
  'comment-timeline',
  'label',
  'tick',
  'comment-sitrep',
  'tick',
];

/**
 * Ordinary traffic, one cycle per worker turn: an issue opened without labels, then these deliveries on it, and last
 * another issue opened with the label `bug` (`open-bug`). 8 deliveries, two of which carry a label.
 */
export const UNRELATED_SCRIPT: ReadonlyArray<UnrelatedChange | 'open-bug'> = [
  'comment',
  'label-bug',
  'comment',
  'slash',
  'edited',
  'closed',
  'open-bug',
];

/**
 * Which traffic a loop sends: incidents (a trigger and the run events on it), ordinary issues, or ordinary issues
 * without the labels (UNRELATED_SCRIPT without `label-bug` and `open-bug`: nothing in it needs an API call).
 */
export type Traffic = 'incidents' | 'unrelated' | 'unlabeled';

/** What one delivery got. */
export interface Sent {
  delivery: Delivery;
  status: number;
  /** From sending the request to the end of the answer's body, ms. */
  answerMs: number;
  /** When it was sent, ms since the run started. */
  atMs: number;
}

export interface LoadOptions {
  concurrency: number;
  /** Deliveries in all, at most. */
  total: number;
  /** The run stops taking new deliveries after this long, ms. */
  deadlineMs: number;
  /** At most this many deliveries started per second (a steady stream); unpaced when left out. */
  ratePerSecond?: number;
  /** Called once per incident after its last delivery was answered (the soak forgets it there). */
  incidentDone?(master: IssueRef, late: boolean): void;
  /** Answers slower than this are late: the route answered before the work was done. */
  lateMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the closed loop against `target`; answers every delivery sent, in order of sending, and the elapsed time. */
export async function closedLoop(
  world: World,
  target: Target,
  options: LoadOptions,
): Promise<{ sent: Sent[]; elapsedMs: number }> {
  const sent: Sent[] = [];
  const start = performance.now();
  let issued = 0;
  const take = (): number | null => {
    if (issued >= options.total || performance.now() - start > options.deadlineMs) return null;
    issued += 1;
    return issued - 1;
  };
  const send = async (delivery: Delivery, index: number): Promise<Sent> => {
    if (options.ratePerSecond) {
      const due = start + (index * 1000) / options.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const at = performance.now();
    let status: number;
    try {
      status = await world.send(target.url, delivery);
    } catch {
      status = 0;
    }
    const record = { delivery, status, answerMs: performance.now() - at, atMs: at - start };
    sent.push(record);
    return record;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = take();
      if (index === null) return;
      const { delivery, ref } = world.trigger();
      const first = await send(delivery, index);
      if (first.status !== 200) continue;
      let late = first.answerMs >= options.lateMs;
      for (let step = 0; step < INCIDENT_SCRIPT.length; step += 1) {
        const i = take();
        if (i === null) break;
        const scenario = INCIDENT_SCRIPT[step]!;
        const next =
          scenario === 'tick'
            ? world.tick(ref, step)
            : scenario === 'label'
              ? world.label(ref)
              : scenario === 'comment-sitrep'
                ? world.comment(
                    ref,
                    `/sitrep Status: contained (update ${i})\nResponders: @bob\nPatch in review.`,
                    scenario,
                  )
                : world.comment(ref, `/timeline bench note ${i}`, 'comment-timeline');
        const result = await send(next, i);
        late ||= result.answerMs >= options.lateMs;
      }
      options.incidentDone?.(ref, late);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { sent, elapsedMs: performance.now() - start };
}

/**
 * Ordinary traffic, built before it is sent: one cycle per issue (its opening, then UNRELATED_SCRIPT on it; for
 * `unlabeled` without the label deliveries), `total` deliveries in all. Built ahead since the app keeps no state of
 * ordinary issues: the app and bare Probot then get the same bytes, and neither waits for a payload to be made.
 */
export function ordinaryCycles(world: World, traffic: Exclude<Traffic, 'incidents'>, total: number): Delivery[][] {
  const script =
    traffic === 'unlabeled' ? UNRELATED_SCRIPT.filter((c) => c !== 'label-bug' && c !== 'open-bug') : UNRELATED_SCRIPT;
  const cycles: Delivery[][] = [];
  let made = 0;
  while (made < total) {
    const { delivery, ref } = world.openOrdinary([]);
    const cycle = [delivery];
    for (const change of script) {
      if (made + cycle.length >= total) break;
      cycle.push(
        change === 'open-bug'
          ? world.openOrdinary(['bug']).delivery
          : world.unrelated(ref, change, made + cycle.length),
      );
    }
    cycles.push(cycle);
    made += cycle.length;
  }
  return cycles;
}

/**
 * Sends cycles to `url`, `concurrency` workers each taking the next cycle and sending its deliveries one after
 * another (each when the previous one is answered), as a person works on one issue.
 */
export async function replayCycles(
  world: World,
  url: string,
  cycles: readonly Delivery[][],
  concurrency: number,
  deadlineMs: number,
): Promise<{ sent: Sent[]; elapsedMs: number }> {
  const sent: Sent[] = [];
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cycles.length && performance.now() - start < deadlineMs) {
      for (const delivery of cycles[next++]!) {
        const at = performance.now();
        let status: number;
        try {
          status = await world.send(url, delivery);
        } catch {
          status = 0;
        }
        sent.push({ delivery, status, answerMs: performance.now() - at, atMs: at - start });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent, elapsedMs: performance.now() - start };
}

/** Sends `deliveries` in order to `url`, `concurrency` in flight; answers each answer's latency. */
export async function replay(
  world: World,
  url: string,
  deliveries: readonly Delivery[],
  concurrency: number,
  deadlineMs: number,
): Promise<{ sent: Sent[]; elapsedMs: number }> {
  return replayCycles(
    world,
    url,
    deliveries.map((delivery) => [delivery]),
    concurrency,
    deadlineMs,
  );
}
