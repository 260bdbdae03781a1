import { expect } from 'vitest';
import type { IncidentWorld } from './harness.js';
import { minutes } from './incident-setup.js';

/**
 * The calls a tick (by bob, a minute after T0) and a `/timeline` command (by alice, two minutes after) make, leaving
 * out the app's own authentication. The same events on every tracker, so their counts compare. The incident is
 * acknowledged first: the Incident Manager's first command or tick also records the acknowledgement (a write of the
 * master's state), once per incident, which is not the cost of a steady-state event.
 */
export async function runEventCalls(t: IncidentWorld) {
  await t.say('/ack', t.labeledBy);
  let from = t.probe.requestCount();
  t.clock.now = minutes(1);
  await t.tick('pick-deputy', 'bob');
  const tick = t.probe.workShapes(from).length;
  from = t.probe.requestCount();
  t.clock.now = minutes(2);
  await t.say('/timeline 2026-11-22T10:01:30Z called the reporter', 'alice');
  expect(t.timeline()).toContain('called the reporter');
  return { tick, timeline: t.probe.workShapes(from).length };
}
