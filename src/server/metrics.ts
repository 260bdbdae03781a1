import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TrackerEvent } from '../kernel/events.js';
import type { TrackerKind } from '../kernel/model.js';
import type { EventOutcome } from '../run/context.js';
import type { RequestObserver } from '../tracker/observe.js';

/** How a delivery ended, as `/metrics` counts it. */
export type DeliveryOutcome = 'handled' | 'ignored' | 'duplicate' | 'refused' | 'failed';

/**
 * The server's metrics, in one registry per server (Prometheus text on `/metrics`). Labels are the tracker, the kind of
 * event, an outcome, an HTTP method, a route template and a status: never a project, an issue, a person or a text.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly deliveries = new Counter({
    name: 'incident_desk_deliveries_total',
    help: 'Webhook deliveries by tracker, event and outcome (handled, ignored, duplicate, refused, failed).',
    labelNames: ['tracker', 'event', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'incident_desk_delivery_duration_seconds',
    help: "Time from a delivery's arrival to the end of its work, queue included.",
    labelNames: ['tracker', 'event'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly apiCalls = new Counter({
    name: 'incident_desk_api_calls_total',
    help: "Requests to the trackers' APIs by tracker, method, route template and status (0: no answer).",
    labelNames: ['tracker', 'method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'incident_desk_api_retries_total',
    help: 'Requests sent again after a failure, by tracker.',
    labelNames: ['tracker'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitWaits = new Counter({
    name: 'incident_desk_rate_limit_waits_total',
    help: 'Waits a rate limit asked for, by tracker.',
    labelNames: ['tracker'] as const,
    registers: [this.registry],
  });
  private readonly sweeps = new Counter({
    name: 'incident_desk_sweep_runs_total',
    help: 'Sweeps over the open incidents, by outcome (done, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly fired = new Counter({
    name: 'incident_desk_due_items_fired_total',
    help: 'Reminders, nudges and deadlines the sweep fired.',
    registers: [this.registry],
  });

  constructor(sources: { queueDepth: () => number; redisUp?: () => Promise<boolean> }) {
    new Gauge({
      name: 'incident_desk_queue_depth',
      help: 'Webhook jobs queued or running.',
      registers: [this.registry],
      collect() {
        this.set(sources.queueDepth());
      },
    });
    const redisUp = sources.redisUp;
    if (redisUp) {
      new Gauge({
        name: 'incident_desk_redis_up',
        help: 'Whether the shared Redis answers (1) or not (0).',
        registers: [this.registry],
        async collect() {
          this.set((await redisUp().catch(() => false)) ? 1 : 0);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'incident_desk_' });
  }

  /** Counts a delivery's outcome and, when it was worked on, how long that took. */
  delivery(tracker: TrackerKind, event: string, outcome: DeliveryOutcome, seconds?: number): void {
    this.deliveries.inc({ tracker, event, outcome });
    if (seconds !== undefined) this.duration.observe({ tracker, event }, seconds);
  }

  /** A delivery refused at the door (signature, token, size, shape): its event is not known, nor trusted. */
  refused(tracker: TrackerKind): void {
    this.deliveries.inc({ tracker, event: 'unknown', outcome: 'refused' });
  }

  /** A sweep and what it fired. */
  sweep(outcome: 'done' | 'failed', fired = 0): void {
    this.sweeps.inc({ outcome });
    if (fired > 0) this.fired.inc(fired);
  }

  /** The observer a tracker's client tells its requests to. */
  observer(tracker: TrackerKind): RequestObserver {
    return {
      request: (method, route, status) => this.apiCalls.inc({ tracker, method, route, status: String(status) }),
      retry: () => this.retries.inc({ tracker }),
      rateLimitWait: () => this.rateLimitWaits.inc({ tracker }),
    };
  }

  /** Answers `GET /metrics` in Prometheus's text format. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    void this.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  }
}

/** The `event` label of a delivery: its kind and action (`issue.labeled`, `note`), a bounded set. */
export function eventLabel(event: TrackerEvent): string {
  return event.kind === 'note' ? 'note' : `issue.${event.action}`;
}

/** A delivery's outcome as counted. */
export function deliveryOutcome(outcome: EventOutcome): DeliveryOutcome {
  switch (outcome) {
    case 'done':
      return 'handled';
    case 'duplicate':
      return 'duplicate';
    case 'config-error':
    case 'stopped':
      return 'refused';
    default:
      return 'ignored';
  }
}
