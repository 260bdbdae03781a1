import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import { HARNESSES } from '../support/harness.js';

/**
 * Issue 16, point 5, through the real server on the fake trackers: after an incident is declared and a command is
 * answered, `/metrics` counts the deliveries, their handling time and the API calls with bounded labels only (no
 * project, issue, person or text), and every log line of a delivery's work names the delivery, tracker, event and
 * the incident.
 */

/** One `name{labels} value` sample line of Prometheus's text format, its labels as an object. */
function samples(text: string, name: string): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) =>
      Object.fromEntries(
        [...line.matchAll(/(?<key>\w+)="(?<value>[^"]*)"/g)].map((m) => [m.groups!.key, m.groups!.value]),
      ),
    );
}

describe.each(HARNESSES.filter((h) => h.name === 'github' || h.name === 'gitlab'))(
  '$name: metrics and logs',
  (harness) => {
    it('counts deliveries, durations and API calls by bounded labels, and never shows incident content', async () => {
      const t = await harness.open();
      await t.say('/status contained', 'alice');
      const text = (await t.probe.metrics())!;
      const deliveries = samples(text, 'incident_desk_deliveries_total');
      expect(deliveries).toContainEqual({ tracker: t.traits.tracker, event: 'issue.labeled', outcome: 'handled' });
      expect(deliveries).toContainEqual({ tracker: t.traits.tracker, event: 'note', outcome: 'handled' });
      expect(samples(text, 'incident_desk_delivery_duration_seconds_count')).toContainEqual({
        tracker: t.traits.tracker,
        event: 'note',
      });
      const calls = samples(text, 'incident_desk_api_calls_total');
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.tracker).toBe(t.traits.tracker);
        expect(call.method).toMatch(/^(GET|POST|PUT|PATCH|DELETE)$/);
        // A route template: no issue number, no comment id, no project path.
        expect(call.route).not.toMatch(/\/\d+(\/|$)/);
        expect(call.route).not.toContain('acme');
        expect(call.status).toMatch(/^\d{1,3}$/);
      }
      expect(calls.some((c) => c.method === 'POST' && /^2/.test(c.status ?? ''))).toBe(true);
      expect(text).toMatch(/^incident_desk_queue_depth \d+$/m);
      // Nothing of the incident: its title, its identifier, its people, its project.
      const id = trustedState(t.master())!.id;
      for (const secret of [t.master().title, id, 'alice', 'acme/security', 'contained'])
        expect(text).not.toContain(secret);
    });

    it("carries the delivery id, tracker, event, issue and incident on every line of a delivery's work", async () => {
      const t = await harness.open({ access: { alice: 'write', mallory: harness.traits.reader } });
      const from = t.probe.logLines()!.length;
      // Someone who may only read ticks a box: the app undoes it and says so in the log.
      await t.tick('pick-deputy', 'mallory');
      const lines = t.probe.logLines()!.slice(from);
      const id = trustedState(t.master())!.id;
      expect(lines.map((l) => l.msg)).toContain('edit by someone without write access undone');
      // Every line since the tick, not only the ones that name it: the delivery's logger is a child of the server's.
      for (const line of lines)
        expect(line.obj).toMatchObject({
          delivery: expect.stringMatching(/.+/),
          tracker: t.traits.tracker,
          event: 'issue.edited',
          issue: `acme/security#${t.ref.number}`,
          incident: id,
        });
    });
  },
);
