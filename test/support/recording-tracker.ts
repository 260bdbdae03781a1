import type { Tracker } from '../../src/tracker/port.js';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

const WRITES = new Set([
  'createIssue',
  'createAttachedIssue',
  'updateIssue',
  'createComment',
  'updateComment',
  'linkIssues',
  'lockIssue',
  'deleteIssue',
]);

/**
 * Wraps a tracker to record every call and, optionally, to step in before one: to fail it (a crash or an
 * outage) or to act as a person editing at that moment.
 */
export function recordingTracker(
  inner: Tracker,
  before?: (call: RecordedCall, index: number) => void | Promise<void>,
): Tracker & { calls: RecordedCall[]; writes(): RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'calls') return calls;
      if (prop === 'writes') return () => calls.filter((c) => WRITES.has(c.method));
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const call = { method: String(prop), args };
        calls.push(call);
        await before?.(call, calls.length - 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return proxy as Tracker & { calls: RecordedCall[]; writes(): RecordedCall[] };
}
