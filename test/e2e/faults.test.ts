import { describe, expect, it } from 'vitest';
import { approvalLabels } from '../../src/approvals/matrix.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import { commentKinds } from '../support/comments.js';
import { expectCompleteAndCorrect, FIFTH_FAILING, isTicked, TICKED } from '../support/fault-scenario.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';
import { minutes, T0 } from '../support/incident-setup.js';

// Faults, one scenario at a time, on every tracker where they can happen. With a fifth of the requests failing (500,
// 502, 503, stalls, rate limits, answers lost after the write), the fakes serve the production clients (GitHub:
// plugin-retry, plugin-throttling, a timeout per request; GitLab: gitbeaker's retries and back-off; waits shrunk), and
// a delivery whose handling failed is delivered again with the same id, as GitHub's "Redeliver" and GitLab's "Resend
// request" do. An intake cut off by an outage (the tracker goes down as the first child is created) happens on every
// tracker, the in-memory one included: the next event on the master, or the sweep, completes it.

/** The intake was cut off after the master was marked and before any child: marked, nothing else. */
function expectCutOff(t: IncidentWorld) {
  const marked = t.master();
  if (t.traits.confidentialIssues) expect(marked.confidential).toBe(true);
  expect(trustedState(marked)).toMatchObject({ role: 'master', trigger: { by: t.labeledBy } });
  expect(trustedState(marked)?.intake).toBeUndefined();
  expect(splitBody(marked.body).rest).toBe('details');
  // The first write made the master what people need (issue 15): identifier, labels, Quick Links and checklist, the
  // children's rows saying they are being opened.
  const id = trustedState(marked)!.id;
  expect(marked.title.startsWith(`[${id}]`)).toBe(true);
  expect(marked.labels).toEqual(
    expect.arrayContaining(['incident::master', `incident-id::${id}`, 'phase::before-t5', 'status::investigating']),
  );
  expect(marked.body).toContain('<!-- step:');
  expect(marked.body).toContain('| Release Checklist: | _being opened…_ |');
  expect(marked.body).toContain('| Communications: | _being opened…_ |');
  expect(t.store.allIssues(INCIDENT_PROJECT)).toHaveLength(1);
  expect(t.probe.outageFailures()).toBeGreaterThan(0);
}

/** The intake is complete: state, both children linked and named, one summary, the timeline opened by the trigger. */
function expectIntakeDone(t: IncidentWorld) {
  const master = t.master();
  expect(trustedState(master)).toMatchObject({ intake: true, summary: true });
  const issues = t.store.allIssues(INCIDENT_PROJECT);
  expect(issues).toHaveLength(3);
  const children = issues.filter((i) => i.ref.number !== t.ref.number);
  expect(
    children.map((c) => c.labels.find((l) => l === 'incident::release' || l === 'incident::comms')).sort(),
  ).toEqual(['incident::comms', 'incident::release']);
  for (const child of children) expect(master.body).toContain(`${child.ref.project}#${child.ref.number}`);
  expect(t.store.linksOf(t.ref)).toHaveLength(2);
  expect(splitBody(master.body).rest).toBe('details');
  expect(commentKinds(t.store, t.ref).filter((k) => k !== 'other')).toEqual(['summary+timeline']);
  expect(t.timeline()).toContain(`@${t.labeledBy} · labeled the report \`incident\``);
  return master;
}

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`faults (${harness.name})`, () => {
    if (traits.faultInjection) {
      it.each([11, 22, 33])(
        'with a fifth of the tracker calls failing, an intake and a running incident end complete and correct (seed ' +
          '%i)',
        async (seed) => {
          const t = await harness.open({ faults: { ...FIFTH_FAILING, seed } });
          const release = () =>
            t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::release'))!;

          for (const [index, step] of TICKED.entries()) {
            t.clock.now = minutes(index + 1);
            await t.tick(step, 'bob');
          }
          t.clock.now = minutes(4);
          await t.say('/severity high', 'alice');
          t.clock.now = minutes(5);
          await t.say('/set cvss 9.8', 'bob');
          t.clock.now = minutes(6);
          await t.say('/sitrep Status: contained\nPatch in review.', 'alice');
          t.clock.now = minutes(7);
          await t.tick('release-scope', 'bob', release());
          // Nothing is due yet: the sweep must change nothing, even while failing. A sweep whose listing met four
          // failures in a row fails as a whole; the periodic sweeper then runs again at its next tick, as it does here.
          for (let attempt = 1; ; attempt += 1) {
            const swept = await t.sweep(minutes(8)).then(
              () => true,
              (error: unknown) => (attempt < 3 ? false : Promise.reject(error)),
            );
            if (swept) break;
          }

          const master = t.master();
          if (traits.confidentialIssues) expect(master.confidential).toBe(true);
          expect(master.labels).toContain('severity::high');
          expect(master.body).toContain('| CVSS Score: | 9.8 |');
          expect(isTicked(release().body, 'release-scope')).toBe(true);
          expect(t.timeline()).toMatch(
            new RegExp(`10:07:00Z · @bob · ticked ".*" on ${INCIDENT_PROJECT}#${release().ref.number}`),
          );
          expect(t.comments('sitrep')).toHaveLength(1);
          expect(trustedState(master)?.run?.timeline).toHaveLength(1);
          expectCompleteAndCorrect({
            store: t.store,
            project: INCIDENT_PROJECT,
            ref: t.ref,
            master,
            timeline: t.timeline(),
            faults: t.probe.faults!,
            requests: t.probe.requestCount(),
            lines: [
              `@${t.labeledBy} · labeled the report \`incident\``,
              ...(traits.confidentialIssues ? ['made this ticket confidential'] : []),
              '2026-11-22T10:01:00Z · @bob · ticked "(IM) Choose a deputy incident manager',
              '2026-11-22T10:02:00Z · @bob · ticked',
              '2026-11-22T10:03:00Z · @bob · ticked',
              '2026-11-22T10:04:00Z · @alice · set severity to high',
              '2026-11-22T10:05:00Z · @bob · set CVSS Score to 9.8',
              '2026-11-22T10:06:00Z · @alice · posted a situation report',
              '2026-11-22T10:07:00Z · @bob · ticked',
            ],
          });
        },
      );
    }

    it(
      'an intake cut off by an outage is completed by the next event on the master, ' + 'which is then handled',
      async () => {
        const t = await harness.open({ cutIntakeAtFirstChild: true });
        expectCutOff(t);
        expectOutcome(t, await t.say('/severity high', 'alice'), 'done');
        const master = expectIntakeDone(t);
        expect(master.labels).toContain('severity::high');
        expect(t.timeline()).toContain('@alice · set severity to high');
      },
    );

    it('an intake cut off by an outage is completed by the sweep, once', async () => {
      const t = await harness.open({ cutIntakeAtFirstChild: true });
      expectCutOff(t);
      expect(await t.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 1 });
      expectIntakeDone(t);
      const writes = t.probe.writes();
      expect(await t.sweep(T0)).toEqual({ masters: 1, fired: 0, completed: 0 });
      expect(t.probe.writes()).toBe(writes);
      // A trigger sent again finds it complete too.
      await t.resendTrigger();
      expect(t.probe.writes()).toBe(writes);
    });

    if (traits.statusLabelsAfterCreate) {
      // The comms ticket's approval labels the repository lacked follow its create in a write of their own; a run cut
      // off between the two leaves the ticket without them, and only an approval change would make the approvals
      // decision write them. The run that completes the intake puts them on, and opens no second ticket.
      it.each([
        ['the sweep', (t: IncidentWorld) => t.sweep(T0).then((r) => expect(r).toMatchObject({ completed: 1 }))],
        ['the next event on the master', (t: IncidentWorld) => t.say('/severity high', 'alice').then(() => {})],
      ])(
        "an intake cut off between the comms ticket's create and its approval labels gets them from %s",
        async (_name, next) => {
          const t = await harness.open({ cutIntakeAtStatusLabels: true });
          const comms = () => t.store.allIssues(INCIDENT_PROJECT).filter((i) => i.labels.includes('incident::comms'));
          expect(trustedState(t.master())?.intake).toBeUndefined();
          expect(t.probe.outageFailures()).toBeGreaterThan(0);
          expect(comms()).toHaveLength(1);
          expect(comms()[0]!.labels.filter((l) => l.startsWith('approval'))).toEqual([]);
          await next(t);
          expectIntakeDone(t);
          expect(comms()).toHaveLength(1);
          expect(comms()[0]!.labels).toEqual(
            expect.arrayContaining(approvalLabels(DEFAULT_CONFIG.approvals, { decisions: {} })),
          );
        },
      );
    }
  });
}
