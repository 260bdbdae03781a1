import { trustedState } from '../kernel/block.js';
import type { TrackerEvent } from '../kernel/events.js';
import { formatRef } from '../kernel/model.js';
import { describeError } from './gitlab-route.js';
import type { Logger } from './logger.js';

/** Too much work is waiting: the delivery is refused rather than queued without bound. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly limit: number) {
    super(`more than ${limit} webhook jobs are waiting`);
  }
}

/**
 * Work taken from webhooks and finished in the background, so that a delivery is answered within the trackers'
 * ten seconds however long its work takes (GitHub's throttling alone spaces an intake's writes seconds apart). Jobs
 * of one key (one incident) run one after another in arrival order, unless a job gives its turn up (it calls the
 * `releaseTurn` it is handed: it joined a batch of its incident that keeps the order from there); different keys run
 * side by side. A failed
 * job is logged and not retried here: the state lives in the tracker, so the next event on the incident, the
 * periodic sweep (which also completes a half-done intake) or `npm run reconcile` completes what it left undone.
 * In-process only: jobs still waiting when the process stops are completed the same way.
 */
export class WorkQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly maxPending = 10_000,
  ) {}

  /** Jobs queued or running. */
  get pending(): number {
    return this.active.size;
  }

  /**
   * Queues `job` behind the earlier jobs of `key` and answers its outcome; the caller must await or race the
   * answer (a failure is logged here either way, on `log`: the delivery's own logger). Rejects with `QueueFullError`
   * when `maxPending` jobs wait. The job is handed `releaseTurn`: called while it runs, the next job of its key may
   * start now while this one goes on (it has joined a batch of its incident, which keeps the order from there: see
   * `Coalescer`). Handed rather than found through an AsyncLocalStorage, which would put async hooks on every promise
   * of the process, ordinary deliveries' included.
   */
  run<T>(key: string, job: (releaseTurn: () => void) => Promise<T>, log: Logger = this.log): Promise<T> {
    if (this.active.size >= this.maxPending) return Promise.reject(new QueueFullError(this.maxPending));
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const result = previous.then(() => job(release));
    const settled = result.then(
      () => undefined,
      (error: unknown) => log.error({ issue: key, err: describeError(error) }, 'queued webhook work failed'),
    );
    // The next job of the key starts when this one settles, or earlier when it gives its turn up (`releaseTurn`).
    const tail = Promise.race([settled, turn]);
    this.tails.set(key, tail);
    this.active.add(settled);
    void settled.then(() => {
      this.active.delete(settled);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once no job is queued or running (jobs queued meanwhile included). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active]);
  }
}

/**
 * The work's outcome when it settles within `ms`, else `'late'` while the work goes on; rejects when the work
 * fails first. A delivery is answered with what is known by then.
 */
export async function answerWithin<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The queue key of an event: its incident's master (a child's block names it), else the issue itself. Read from
 * the payload, which is fine here: the key only orders work, it grants nothing.
 */
export function queueKey(event: TrackerEvent): string {
  const state = trustedState(event.issue);
  const ref = state && state.role !== 'master' && state.master ? state.master : formatRef(event.issue.ref);
  return `${event.tracker}:${ref.toLowerCase()}`;
}
