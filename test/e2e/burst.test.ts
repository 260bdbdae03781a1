import { describe, expect, it } from 'vitest';
import type { AccessLevel, Issue } from '../../src/kernel/model.js';
import { commentKinds, isKind } from '../support/comments.js';
import { HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';
import { isTicked } from '../support/incident-setup.js';
import { isPublishingStep } from '../../src/disclosure/gate.js';

// A burst of ticks on one incident (issue 15, point 5): forty people tick within moments of each other, and the
// deliveries reach the app concurrently. The ticks that queue behind the incident's lock are folded into one read and
// one write of the master and one timeline append; every tick still lands and is on the timeline by its author, and a
// refused tick is undone alone. Write counts and outcomes, never durations.

/** The checklist's step ids on the master, in order. */
const stepIdsOf = (body: string) => [...body.matchAll(/<!-- step:(?<id>[\w-]+) -->/g)].map((m) => m.groups!.id!);
const writer = (n: number) => `writer${String(n).padStart(2, '0')}`;
/** Access for the burst: forty writers, alice (who labels) and mallory, who may only read. */
const burstAccess = (reader: AccessLevel) => {
  const access: Record<string, AccessLevel> = { alice: 'write', mallory: reader };
  for (let n = 1; n <= 40; n += 1) access[writer(n)] = 'write';
  return access;
};
const releaseOf = (t: IncidentWorld): Issue =>
  t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::release'))!;
const timelineHas = (t: IncidentWorld, actor: string) => t.timeline().includes(`@${actor} · ticked`);

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`a burst of ticks on one incident (${harness.name})`, () => {
    it('forty writers tick concurrently: every tick lands, every author is on the timeline, ≤ 10 writes', async () => {
      const t = await harness.open({ access: burstAccess(traits.reader) });
      const steps = stepIdsOf(t.master().body);
      expect(steps).toHaveLength(39);
      const before = t.probe.writes();
      // Each saves the description as it then is (the tracker keeps every box), and the forty deliveries race.
      await Promise.all([
        ...steps.map((step, i) => t.tick(step, writer(i + 1))),
        t.tick('release-scope', writer(40), releaseOf(t)),
      ]);
      const body = t.master().body;
      // A publishing step stays unticked while the publication gate is closed (the timeline says who ticked it).
      for (const step of steps) expect(isTicked(body, step), step).toBe(!isPublishingStep(step));
      expect(body).toContain(`${steps.filter((s) => !isPublishingStep(s)).length}/39 steps done`);
      expect(isTicked(releaseOf(t).body, 'release-scope')).toBe(true);
      for (let n = 1; n <= 40; n += 1) expect(timelineHas(t, writer(n)), writer(n)).toBe(true);
      // Each tick once, in one timeline comment.
      expect(t.timeline().match(/· ticked/g)).toHaveLength(40);
      expect(commentKinds(t.store, t.ref).filter((k) => isKind(k, 'timeline'))).toHaveLength(1);
      expect(t.comments('refusal')).toHaveLength(0);
      // Unfolded, each tick re-reads and rewrites the master and the timeline: 80 writes.
      expect(t.probe.writes() - before).toBeLessThanOrEqual(10);
    });

    it("a non-writer's tick in the burst is undone, and only it; the writers' ticks all land", async () => {
      const t = await harness.open({ access: burstAccess(traits.reader) });
      const steps = stepIdsOf(t.master().body);
      const [refused, ...ticked] = [steps[0]!, ...steps.slice(1)];
      const before = t.probe.writes();
      await Promise.all([
        ...ticked.map((step, i) => t.tick(step, writer(i + 1))),
        t.tick(refused, 'mallory'),
        t.tick('release-scope', writer(40), releaseOf(t)),
      ]);
      const body = t.master().body;
      expect(isTicked(body, refused)).toBe(false);
      for (const step of ticked) expect(isTicked(body, step), step).toBe(!isPublishingStep(step));
      expect(body).toContain(`${ticked.filter((s) => !isPublishingStep(s)).length}/39 steps done`);
      for (let n = 1; n <= ticked.length; n += 1) expect(timelineHas(t, writer(n)), writer(n)).toBe(true);
      expect(timelineHas(t, writer(40))).toBe(true);
      expect(t.timeline()).not.toContain('@mallory · ticked');
      expect(t.comments('refusal')).toHaveLength(1);
      expect(t.comments('refusal')[0]!.body).toContain('@mallory');
      // The ticks' ≤ 10, and the refusal's own: the undo, its comment and the master rendered again after it.
      expect(t.probe.writes() - before).toBeLessThanOrEqual(13);
    });
  });
}
