import { describe, expect, it } from 'vitest';
import { approvalLabels } from '../../src/approvals/matrix.js';
import { parseConfig } from '../../src/config/parse.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { roleLabel } from '../../src/kernel/identifier.js';
import { CONFIG_PATHS } from '../../src/tracker/port.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';

// Issue 15: a repository's first incident is as fast as the next. GitHub creates children with GraphQL, which names
// labels by id, so a label the repository lacks is created first, one spaced write each. Whoever creates the trigger
// label (GitHub's `label.created`) is setting the repository up for incidents: the labels its incidents need are made
// then, while nobody waits, and again after a push of a valid configuration that names new ones. GitLab creates a
// label when an issue is first given it: nothing to prepare there, and nothing is asked.

const CONFIG = 'label: incident\n';
/** A repository the app serves (same configuration) where no incident was ever opened. */
const WEB = 'acme/web';
/** A public repository the app serves: process labels carry no incident content, so it gets them too. */
const SITE = 'acme/site';

/** What the children of an incident are created with, but the identifier label: role and approval labels. */
const PROCESS_LABELS = [
  roleLabel('release'),
  roleLabel('comms'),
  ...approvalLabels(DEFAULT_CONFIG.approvals, { decisions: {} }),
];

const labelsOf = (t: IncidentWorld, project: string) => t.store.labelsOf(project).map((l) => l.name);
/** A request (or port call) that creates a label, or prepares a project's labels. */
const isLabelWrite = (shape: string) => /^POST \/repos\/[^/]+\/[^/]+\/labels$/.test(shape);
const isLabelRequest = (shape: string) => /\/labels(?:[/?]|$)|^ensureLabels /.test(shape);

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`labels prepared before a repository's first incident (${harness.name})`, () => {
    if (traits.labelEvents) {
      it('the trigger label created prepares the labels; the first intake then costs what the next does', async () => {
        const t = await harness.open({ config: CONFIG, projects: { [WEB]: 'private' } });
        let from = t.probe.requestCount();
        expectOutcome(t, await t.createLabel('incident', 'alice', { project: WEB }), 'done');
        expect(labelsOf(t, WEB)).toEqual(['incident', ...PROCESS_LABELS]);
        const preparation = t.probe.workShapes(from);
        // One read of the repository's labels, then a write for each one missing (the in-memory tracker: one call).
        if (harness.name === 'github')
          expect(preparation.filter(isLabelRequest)).toEqual([
            `GET /repos/${WEB}/labels?per_page=100`,
            ...PROCESS_LABELS.map(() => `POST /repos/${WEB}/labels`),
          ]);
        else expect(preparation.filter(isLabelRequest)).toEqual([`ensureLabels ${WEB}`]);

        // The first incident of the repository creates no label, and makes the very requests of the next one.
        from = t.probe.requestCount();
        await t.open(WEB, { title: 'Heap overflow', body: 'details', labels: ['incident'] }, t.labeledBy);
        // The identifier (in the search for the incident's tickets) is the one thing that differs.
        const shapes = (since: number) => t.probe.workShapes(since).map((s) => s.replace(/INC-\d+-\d+/g, 'INC-N'));
        const first = shapes(from);
        expect(first.filter(isLabelWrite)).toEqual([]);
        from = t.probe.requestCount();
        await t.open(WEB, { title: 'Token leak', body: 'details', labels: ['incident'] }, t.labeledBy);
        const next = shapes(from);
        expect(first).toEqual(next);
        const masters = t.store.listIssues(WEB, { labels: [roleLabel('master')], state: 'all' });
        expect(masters).toHaveLength(2);
        for (const role of ['release', 'comms'] as const)
          expect(t.store.listIssues(WEB, { labels: [roleLabel(role)], state: 'all' })).toHaveLength(2);
      });

      it('a second delivery of the trigger label writes nothing; a redelivery is dropped', async () => {
        const t = await harness.open({ config: CONFIG, projects: { [WEB]: 'private' } });
        expectOutcome(t, await t.createLabel('incident', 'alice', { project: WEB, deliveryId: 'label-web' }), 'done');
        const writes = t.probe.writes();
        let from = t.probe.requestCount();
        // The label deleted and made again by someone else: its labels are read once, nothing is written.
        t.store.deleteLabel(WEB, 'incident');
        expectOutcome(t, await t.createLabel('incident', 'bob', { project: WEB }), 'done');
        expect(t.probe.writes()).toBe(writes);
        expect(t.probe.workShapes(from).filter(isLabelWrite)).toEqual([]);
        // GitHub's redelivery of the first one, by its id: handled once only.
        from = t.probe.requestCount();
        t.store.deleteLabel(WEB, 'incident');
        expectOutcome(
          t,
          await t.createLabel('incident', 'alice', { project: WEB, deliveryId: 'label-web' }),
          'duplicate',
        );
        expect(t.probe.workShapes(from)).toEqual([]);
        expect(labelsOf(t, WEB)).toEqual([...PROCESS_LABELS, 'incident']);
      });

      it('the intake still creates a label that went missing after the preparation (deleted by someone)', async () => {
        const t = await harness.open({ config: CONFIG, projects: { [WEB]: 'private' } });
        expectOutcome(t, await t.createLabel('incident', 'alice', { project: WEB }), 'done');
        t.store.deleteLabel(WEB, roleLabel('comms'));
        const from = t.probe.requestCount();
        await t.open(WEB, { title: 'Heap overflow', body: 'details', labels: ['incident'] }, t.labeledBy);
        // GitHub: that one label, created before the child that names it (the in-memory tracker: in the create).
        if (harness.name === 'github') expect(t.probe.workShapes(from).filter(isLabelWrite)).toHaveLength(1);
        expect(labelsOf(t, WEB)).toContain(roleLabel('comms'));
        const [comms] = t.store.listIssues(WEB, { labels: [roleLabel('comms')], state: 'all' });
        expect(comms?.labels).toEqual(expect.arrayContaining(PROCESS_LABELS.slice(1)));
      });

      it('a public repository gets the same labels: they name a process, not an incident', async () => {
        const t = await harness.open({ config: CONFIG, projects: { [SITE]: 'public' } });
        expectOutcome(t, await t.createLabel('incident', 'alice', { project: SITE }), 'done');
        expect(labelsOf(t, SITE)).toEqual(['incident', ...PROCESS_LABELS]);
        expect(labelsOf(t, SITE).some((l) => l.startsWith('incident-id::'))).toBe(false);
      });

      it('prepares the incident and release projects the configuration names, not the labelled one', async () => {
        const config = `incidentProject: ${INCIDENT_PROJECT}\nreleaseProject: acme/releases\n`;
        const t = await harness.open({ config, projects: { [WEB]: 'public', 'acme/releases': 'private' } });
        const security = labelsOf(t, INCIDENT_PROJECT);
        // The world's own incident left its labels in both projects: an earlier release project lacks its role label.
        t.store.deleteLabel('acme/releases', roleLabel('release'));
        const releases = labelsOf(t, 'acme/releases');
        expectOutcome(t, await t.createLabel('incident', 'alice', { project: WEB }), 'done');
        expect(labelsOf(t, WEB)).toEqual(['incident']);
        expect(labelsOf(t, 'acme/releases')).toEqual([...releases, roleLabel('release')]);
        // The incident project had its labels from the world's own incident: nothing was missing there.
        expect(labelsOf(t, INCIDENT_PROJECT)).toEqual(security);
        expect(security).toEqual(expect.arrayContaining(PROCESS_LABELS.slice(1)));
      });
    } else {
      it('creating the trigger label sends nothing: GitLab creates labels when an issue is given them', async () => {
        const t = await harness.open({ config: CONFIG, projects: { [WEB]: 'private' } });
        const from = t.probe.requestCount();
        await t.createLabel('incident', 'alice', { project: WEB });
        expect(t.probe.workShapes(from)).toEqual([]);
        expect(labelsOf(t, WEB)).toEqual(['incident']);
      });
    }

    it('a label other than the trigger, or one the app made, costs what any label event costs: nothing', async () => {
      const t = await harness.open({ config: CONFIG });
      // The world's intake read the configuration and kept it.
      const from = t.probe.requestCount();
      const labels = labelsOf(t, INCIDENT_PROJECT);
      const bug = await t.createLabel('bug', 'alice');
      const own = await t.createLabel('incident::duplicate', t.bot);
      if (traits.labelEvents) {
        expectOutcome(t, bug, 'not-a-trigger');
        expectOutcome(t, own, 'ignored-self');
      }
      expect(t.probe.workShapes(from)).toEqual([]);
      expect(labelsOf(t, INCIDENT_PROJECT)).toEqual([...labels, 'bug', 'incident::duplicate']);
    });

    it('a push of a valid configuration prepares the labels it names; GitLab is asked nothing', async () => {
      const t = await harness.open({ config: CONFIG });
      const text =
        'label: incident\napprovals:\n  deliverables:\n' +
        '    blog: { name: Blog post, approve: [security, legal], fyi: [] }\n' +
        '    status-page: { name: Status page, approve: [security], fyi: [] }\n';
      const pushed = approvalLabels(parseConfig(text, 'pushed').approvals, { decisions: {} });
      expect(pushed).toContain('approval::status-page::pending');
      const before = labelsOf(t, INCIDENT_PROJECT);
      const from = t.probe.requestCount();
      await t.pushFile(CONFIG_PATHS[traits.tracker], text, INCIDENT_PROJECT);
      const shapes = t.probe.workShapes(from);
      if (traits.tracker === 'gitlab') {
        expect(shapes.filter(isLabelRequest)).toEqual([]);
        expect(labelsOf(t, INCIDENT_PROJECT)).toEqual(before);
        return;
      }
      const missing = pushed.filter((l) => !before.includes(l));
      expect(missing).toContain('approval::status-page::pending');
      expect(labelsOf(t, INCIDENT_PROJECT)).toEqual([...before, ...missing]);
      if (harness.name === 'github') expect(shapes.filter(isLabelWrite)).toHaveLength(missing.length);
      // An invalid configuration prepares nothing.
      const after = labelsOf(t, INCIDENT_PROJECT);
      await t.pushFile(
        CONFIG_PATHS[traits.tracker],
        `${text}    faq: { name: FAQ, approve: [nobody] }\n`,
        INCIDENT_PROJECT,
      );
      expect(labelsOf(t, INCIDENT_PROJECT)).toEqual(after);
    });
  });
}
