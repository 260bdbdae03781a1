import type { ServerResponse } from 'node:http';

/**
 * Fault injection for the fake trackers: a deterministic share of requests fails the way trackers fail under load.
 *
 * - `500`, `502`, `503`: a server error, answered before the route runs, so a failed write is never applied.
 * - `stall`: no answer at all (the client must time out and retry); the connection is dropped after `stallMs`.
 * - `rate-limit`: 429 with `Retry-After: 1` (GitHub's primary limit shape on the GitHub fake).
 * - `secondary-rate-limit`: GitHub's secondary limit, 403 with `retry-after: 1` and "secondary rate limit".
 * - `lost-answer`: the route runs (a write is applied), then the answer never comes: the nasty case where a
 *   retry would create a second issue unless the client looks first.
 */
export type FaultKind = '500' | '502' | '503' | 'stall' | 'rate-limit' | 'secondary-rate-limit' | 'lost-answer';

export interface FaultOptions {
  /** The share of requests that fail, 0 to 1. */
  rate: number;
  /** Seed of the pseudo-random sequence: the same seed and the same requests give the same faults. */
  seed: number;
  /** The mix, each kind equally likely; every kind the fake serves by default. */
  kinds?: FaultKind[];
  /** A stalled request's connection is dropped after this long (the client should give up well before). */
  stallMs?: number;
  /** Requests never failed (matched on method and path). */
  exempt?: (request: { method: string; path: string }) => boolean;
}

/** One injected fault, for assertions. */
export interface InjectedFault {
  method: string;
  path: string;
  kind: FaultKind | 'outage';
}

/** A small seeded generator (mulberry32): deterministic, good enough to spread faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, request by request, whether a fake fails it and how. Off (rate 0) unless configured; an outage
 * (`outageAfter`) fails every request with 503 until `recover`.
 */
export class FaultInjector {
  readonly injected: InjectedFault[] = [];
  private options: FaultOptions | null = null;
  private random: () => number = () => 1;
  private seen = 0;
  private outageFrom: number | null = null;
  private outageTrigger: ((request: { method: string; path: string }) => boolean) | null = null;
  /** Milliseconds every answer is delayed (a slow tracker); 0 by default. */
  latencyMs = 0;

  constructor(
    private readonly supported: readonly FaultKind[],
    options?: FaultOptions,
  ) {
    if (options) this.configure(options);
  }

  /** Starts (or, with null, stops) random faults; the sequence restarts from the seed. */
  configure(options: FaultOptions | null): void {
    this.options = options;
    this.random = options ? seededRandom(options.seed) : () => 1;
  }

  /** Every request after the next `n` answers 503, until `recover`: a tracker going down mid-work. */
  outageAfter(n: number): void {
    this.outageFrom = this.seen + n;
  }

  /** Every request from the first one `match` accepts (that one included) answers 503, until `recover`. */
  outageWhen(match: (request: { method: string; path: string }) => boolean): void {
    this.outageTrigger = match;
  }

  /** Ends an outage and random faults alike. */
  recover(): void {
    this.outageFrom = null;
    this.outageTrigger = null;
    this.configure(null);
  }

  /** The milliseconds a stalled request is held before its connection is dropped. */
  get stallMs(): number {
    return this.options?.stallMs ?? 3_000;
  }

  /** The fault for this request, or null to serve it. Call once per request, in arrival order. */
  decide(method: string, path: string): FaultKind | 'outage' | null {
    const index = this.seen;
    this.seen += 1;
    let kind: FaultKind | 'outage' | null = null;
    if (this.outageTrigger?.({ method, path })) {
      this.outageFrom = index;
      this.outageTrigger = null;
    }
    if (this.outageFrom !== null && index >= this.outageFrom) kind = 'outage';
    else if (this.options && !this.options.exempt?.({ method, path })) {
      // Two draws per request whatever happens, so one exempt path does not shift the rest of the sequence.
      const fails = this.random() < this.options.rate;
      const kinds = (this.options.kinds ?? this.supported).filter((k) => this.supported.includes(k));
      const pick = kinds[Math.floor(this.random() * kinds.length)];
      if (fails && pick) kind = pick;
    }
    if (kind !== null) this.injected.push({ method, path, kind });
    return kind;
  }

  /** The counts of injected faults by kind. */
  counts(): Partial<Record<FaultKind | 'outage', number>> {
    const counts: Partial<Record<FaultKind | 'outage', number>> = {};
    for (const { kind } of this.injected) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }
}

/** Holds a request without answering, then drops its connection; the client's timeout should fire first. */
export function stall(res: ServerResponse, ms: number): void {
  const timer = setTimeout(() => res.destroy(), ms);
  timer.unref();
  res.on('close', () => clearTimeout(timer));
}

/** Writes a fault's answer (status, headers, a JSON or HTML body). */
export function sendFault(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end(body);
}
