import { expect } from 'vitest';

/** What an incident world of either tracker offers for counting the calls of run events. */
interface CountingWorld {
  fake: { requests: Array<{ method: string; path: string }> };
  clock: { now: Date };
  tick(stepId: string, actor: string): Promise<unknown>;
  say(body: string, actor: string): Promise<unknown>;
  timeline(): string;
}

/**
 * The calls a tick (by bob, a minute after T0) and a `/timeline` command (by alice, two minutes after) make, leaving
 * out the app's own authentication (`isAuth`). The same events on both trackers, so their counts compare.
 */
export async function runEventCalls(t: CountingWorld, at: (minutes: number) => Date, isAuth: (r: { method: string; path: string }) => boolean) {
  const since = (from: number) => t.fake.requests.slice(from).filter((r) => !isAuth(r)).length;
  let from = t.fake.requests.length;
  t.clock.now = at(1);
  await t.tick('pick-deputy', 'bob');
  const tick = since(from);
  from = t.fake.requests.length;
  t.clock.now = at(2);
  await t.say('/timeline 2026-11-22T10:01:30Z called the reporter', 'alice');
  expect(t.timeline()).toContain('called the reporter');
  return { tick, timeline: since(from) };
}
