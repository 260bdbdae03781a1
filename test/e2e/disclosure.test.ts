import { describe, expect, it } from 'vitest';
import { parseQuickLinks, splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { formatRef } from '../../src/kernel/model.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { Harness } from '../support/harness.js';
import { isTicked, minutes } from '../support/incident-setup.js';

// The gated publication and `/disclose`, on every tracker; `/advisory`, `/advisory cve` and `/advisory fork` on the
// trackers with repository security advisories. The incident is opened in place at T0 (2026-11-22T10:00Z) in the
// private `acme/security`, reported by alice, who is therefore its Incident Manager; bob may write; pat approves the
// one communication (the blog post) for Security and may only read the project; `maintainer` maintains.

const WEB = 'acme/web';

const config = (extra = '') => `approvals:
  groups:
    security: { name: Security, approvers: [pat], backups: [sec-bob, sec-carol] }
  deliverables:
    blog: { name: Blog post, approve: [security], fyi: [] }
  required: [security]
  quorum: 1
${extra}`;

async function disclosureIncident(harness: Harness, extra = '') {
  const reader = harness.traits.reader;
  const t = await harness.open({
    config: config(extra),
    projects: { [WEB]: 'public' },
    access: { alice: 'write', bob: 'write', mallory: reader, pat: reader, maintainer: 'maintain' },
  });
  const comms = (): Issue => t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::comms'))!;
  const gateComments = () => t.comments('disclosure-gate');
  const discloseComments = () => t.comments('disclose');
  const advisoryComments = () => t.comments('advisory');
  const disclosure = () => trustedState(t.master())?.run?.disclosure;
  const cells = () => parseQuickLinks(splitBody(t.master().body).block);
  /** Everything the gate waits for: the go-ahead, the date (today), the blog post approved. */
  const openGate = async () => {
    expectOutcome(t, await t.tick('clear-for-release', 'alice'), 'done');
    expectOutcome(t, await t.say('/set disclosure-date 2026-11-22', 'alice'), 'done');
    expectOutcome(t, await t.say('/approve all', 'pat', comms()), 'done');
  };
  return { ...t, comms, gateComments, discloseComments, advisoryComments, disclosure, cells, openGate };
}

for (const harness of HARNESSES) {
  const { traits } = harness;

  describe(`gated publication (${harness.name})`, () => {
    it('a publishing step ticked before the gate is unticked with one comment naming what is missing', async () => {
      const t = await disclosureIncident(harness);
      t.clock.now = minutes(5);
      expectOutcome(t, await t.tick('publish-releases', 'bob'), 'done');
      expect(isTicked(t.master().body, 'publish-releases')).toBe(false);
      const [said, ...more] = t.gateComments();
      expect(more).toEqual([]);
      expect(said!.body).toContain('cannot be ticked yet');
      expect(said!.body).toContain("the Incident Manager's go-ahead");
      expect(said!.body).toContain('the Public Disclosure Date is not set');
      expect(said!.body).toContain('not approved or at quorum yet: Blog post');
      expect(t.timeline()).toContain('unticked by incident-desk, the publication gate is closed');

      // Go-ahead and approval, but the date is tomorrow: only the date is missing.
      expectOutcome(t, await t.tick('clear-for-release', 'alice'), 'done');
      expectOutcome(t, await t.say('/approve all', 'pat', t.comms()), 'done');
      expectOutcome(t, await t.say('/set disclosure-date 2026-11-23', 'alice'), 'done');
      expectOutcome(t, await t.tick('notify-third-parties', 'bob'), 'done');
      expect(isTicked(t.master().body, 'notify-third-parties')).toBe(false);
      const second = t.gateComments()[1]!.body;
      expect(second).toContain('the Public Disclosure Date (2026-11-23, UTC) has not come yet');
      expect(second).not.toContain('go-ahead');
      expect(second).not.toContain('Blog post');

      // The day comes (UTC): the tick stays, and no comment is added.
      t.clock.now = new Date('2026-11-23T00:30:00Z');
      expectOutcome(t, await t.tick('notify-third-parties', 'bob'), 'done');
      expect(isTicked(t.master().body, 'notify-third-parties')).toBe(true);
      expect(t.gateComments()).toHaveLength(2);
      // Steps outside the gate were never held back.
      expect(isTicked(t.master().body, 'clear-for-release')).toBe(true);
    });

    it('/disclose publishes nothing while the gate is closed, and records the disclosure once it is open', async () => {
      const t = await disclosureIncident(harness);
      t.clock.now = minutes(5);
      expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
      expect(t.discloseComments()[0]!.body).toContain('Nothing was published');
      expect(t.disclosure()?.disclosedAt).toBeUndefined();

      await t.openGate();
      t.clock.now = minutes(20);
      expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
      expect(t.disclosure()).toMatchObject({ disclosedAt: '2026-11-22T10:20:00Z', disclosedBy: 'bob' });
      expect(t.discloseComments()[1]!.body).toContain('The disclosure is recorded at 2026-11-22T10:20:00Z.');
      expect(t.timeline()).toContain('@bob · recorded the public disclosure of the incident');
      // Again: the first time stays.
      t.clock.now = minutes(30);
      expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
      expect(t.disclosure()?.disclosedAt).toBe('2026-11-22T10:20:00Z');
      expect(t.timeline().match(/recorded the public disclosure/g)).toHaveLength(1);
    });

    it("the Incident Manager's /disclose acknowledges the incident, like any command of theirs", async () => {
      const t = await disclosureIncident(harness);
      expectOutcome(t, await t.say('/set incident-manager @alice', 'bob'), 'done');
      expect(trustedState(t.master())?.run?.ack).toBeUndefined();
      t.clock.now = minutes(5);
      expectOutcome(t, await t.say('/disclose', 'alice'), 'done');
      expect(trustedState(t.master())?.run?.ack).toEqual({ by: 'alice', at: '2026-11-22T10:05:00Z' });
      expect(t.timeline()).toContain('acknowledged the incident (first action of the Incident Manager)');
    });

    it('/disclose --force: only the Incident Manager opens the gate, with the reason on the timeline', async () => {
      const t = await disclosureIncident(harness);
      t.clock.now = minutes(5);
      // alice is the Incident Manager: the First Responder, or, where whoever labeled the report may not write here,
      // the one who acknowledges it (issue 13).
      expectOutcome(t, await t.say('/ack', 'alice'), 'done');
      expect(t.cells().get('Incident Manager')).toBe('@alice');
      expectOutcome(t, await t.say('/disclose --force the fix is public upstream', 'bob'), 'done');
      expect(t.comments('refusal').at(-1)!.body).toContain('only the Incident Manager can');
      expect(t.disclosure()?.forced).toBeUndefined();
      expectOutcome(t, await t.say('/disclose --force', 'alice'), 'done');
      expect(t.comments('invalid').at(-1)!.body).toContain('/disclose --force <reason>');

      expectOutcome(t, await t.say('/disclose --force the fix is public upstream', 'alice'), 'done');
      expect(t.disclosure()?.forced).toMatchObject({ by: 'alice', reason: 'the fix is public upstream' });
      expect(t.timeline()).toContain(
        '@alice · forced the publication gate open: the fix is public upstream (skipping:',
      );
      expectOutcome(t, await t.tick('publish-releases', 'bob'), 'done');
      expect(isTicked(t.master().body, 'publish-releases')).toBe(true);
      expect(t.gateComments().filter((c) => c.body.includes('cannot be ticked yet'))).toEqual([]);
      // Someone without write access is refused before anything is read.
      expectOutcome(t, await t.say('/disclose', 'mallory'), 'done');
      expect(t.disclosure()?.disclosedAt).toBeUndefined();
    });
  });

  describe(`lifting confidentiality (${harness.name})`, () => {
    /** Every issue anyone can read now, with its comments: the text that left. */
    const publicText = (t: Awaited<ReturnType<typeof disclosureIncident>>) =>
      [INCIDENT_PROJECT, WEB]
        .flatMap((path) => t.store.allIssues(path))
        .filter((issue) =>
          traits.confidentialIssues
            ? !issue.confidential
            : t.store.getProject(issue.ref.project).visibility !== 'private',
        )
        .map((issue) => [issue.title, issue.body, ...t.store.listComments(issue.ref).map((c) => c.body)].join('\n'))
        .join('\n');
    const expectNothingInternal = (t: Awaited<ReturnType<typeof disclosureIncident>>, text: string) => {
      for (const internal of ['<!-- step:', 'incident-desk:state', 'incident-desk:timeline', 'approve-blog-security'])
        expect(text).not.toContain(internal);
      expect(text).not.toContain(`${INCIDENT_PROJECT}#${t.comms().ref.number}`);
    };

    if (traits.confidentialIssues) {
      it('/disclose lift lists, /disclose lift confirm lifts the master and release tickets; comms stays', async () => {
        const t = await disclosureIncident(harness);
        const release = () => t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::release'))!;
        const masterRef = t.master().ref;
        await t.openGate();
        expectOutcome(t, await t.say('/disclose lift', 'alice'), 'done');
        expect(t.comments('invalid').at(-1)!.body).toContain('not disclosed yet');
        expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
        // A writer who is neither the Incident Manager nor a maintainer may not.
        expectOutcome(t, await t.say('/disclose lift', 'bob'), 'done');
        expect(t.comments('refusal').at(-1)!.body).toContain('only the Incident Manager or a maintainer');
        // Confirming before the list was shown shows the list.
        expectOutcome(t, await t.say('/disclose lift confirm', 'alice'), 'done');
        expect(t.master().confidential).toBe(true);
        const list = t.comments('lift').at(-1)!.body;
        expect(list).toContain(`make the master ${formatRef(masterRef)} non-confidential`);
        expect(list).toContain(`make the release ticket ${formatRef(release().ref)} non-confidential`);
        expect(list).toContain(`the communications ticket ${formatRef(t.comms().ref)}: the communications ticket`);

        t.clock.now = minutes(40);
        expectOutcome(t, await t.say('/disclose lift confirm', 'maintainer'), 'done');
        const master = t.store.issue(masterRef);
        expect(master.confidential).toBe(false);
        expect(release().confidential).toBe(false);
        expect(t.comms().confidential).toBe(true);
        expect(master.body).toContain('<!-- incident-desk:public-summary -->');
        expect(master.body).toContain('was disclosed on 2026-11-22');
        expect(master.body.endsWith('details')).toBe(true);
        // The record of what was made public stays on the communications ticket, the timeline's last line included.
        const record = t.store
          .listComments(t.comms().ref)
          .map((c) => c.body)
          .join('\n');
        expect(record).toContain(`incident-desk's part of ${formatRef(masterRef)} before it was made public`);
        expect(record).toContain('@maintainer · makes the master');
        expect(record).not.toContain('incident-desk:state');
        expectNothingInternal(t, publicText(t));
        // The master is no longer followed: a later command changes nothing.
        const after = t.store.listComments(masterRef).length;
        expectOutcome(t, await t.say('/disclose lift confirm', 'alice'), 'not-a-trigger');
        expect(t.store.listComments(masterRef).length).toBe(after + 1);
      });

      it('a ticket labelled to keep it private stays confidential', async () => {
        const t = await disclosureIncident(harness);
        const releaseRef = t.store.allIssues(INCIDENT_PROJECT).find((i) => i.labels.includes('incident::release'))!.ref;
        const release = () => t.store.issue(releaseRef);
        await t.openGate();
        expectOutcome(t, await t.say('/disclose', 'alice'), 'done');
        // Exclusive scoped labels would replace `incident::release` with `incident::keep-private`.
        const keep = traits.scopedLabels ? 'incident-keep-private' : 'incident::keep-private';
        await t.addLabel(release(), keep, 'alice');
        expectOutcome(t, await t.say('/disclose lift', 'alice'), 'done');
        expect(t.comments('lift').at(-1)!.body).toContain(`labelled \`${keep}\``);
        expectOutcome(t, await t.say('/disclose lift confirm', 'alice'), 'done');
        expect(release().confidential).toBe(true);
        expect(isTicked(release().body, 'release-scope')).toBe(false);
        expect(t.store.issue(t.ref).confidential).toBe(false);
        expectNothingInternal(t, publicText(t));
      });

      it('a master whose comments name a confidential ticket stays confidential, and says so', async () => {
        const t = await disclosureIncident(harness);
        await t.openGate();
        expectOutcome(t, await t.say('/disclose', 'alice'), 'done');
        await t.say(`Drafts are in ${formatRef(t.comms().ref)}`, 'bob');
        expectOutcome(t, await t.say('/disclose lift', 'alice'), 'done');
        expectOutcome(t, await t.say('/disclose lift confirm', 'alice'), 'done');
        expect(t.store.issue(t.ref).confidential).toBe(true);
        expect(t.comments('lift').at(-1)!.body).toContain('This master stays confidential');
        expectNothingInternal(t, publicText(t));
      });
    } else {
      it('/disclose lift confirm posts the public summary on the redacted public report and unlocks it', async () => {
        const t = await disclosureIncident(harness, `incidentProject: ${INCIDENT_PROJECT}\nreportsFrom: [${WEB}]\n`);
        const { issue: report } = await t.open(
          WEB,
          { title: 'Crash', body: 'secret repro', labels: ['incident'] },
          'alice',
        );
        const master = t.store
          .allIssues(INCIDENT_PROJECT)
          .find((i) => i.labels.includes('incident::master') && trustedState(i)?.source?.includes(`${WEB}#`))!;
        expect(master).toBeDefined();
        expect(t.store.issue(report.ref).locked).toBe(true);
        const comms = () =>
          t.store
            .allIssues(INCIDENT_PROJECT)
            .filter((i) => i.labels.includes('incident::comms'))
            .find((i) => trustedState(i)?.master === formatRef(master.ref))!;
        expectOutcome(t, await t.tick('clear-for-release', 'alice', master), 'done');
        expectOutcome(t, await t.say('/set disclosure-date 2026-11-22', 'alice', master), 'done');
        expectOutcome(t, await t.say('/approve all', 'pat', comms()), 'done');
        expectOutcome(t, await t.say('/disclose', 'alice', master), 'done');
        expectOutcome(t, await t.say('/disclose lift', 'alice', master), 'done');
        expectOutcome(t, await t.say('/disclose lift confirm', 'alice', master), 'done');
        const summaries = t.store
          .listComments(report.ref)
          .filter((c) => c.body.includes('incident-desk:public-summary'));
        expect(summaries).toHaveLength(1);
        const id = trustedState(t.store.issue(master.ref))!.id;
        expect(summaries[0]!.body).toContain(`${id} is public`);
        expect(t.store.issue(report.ref).locked).toBe(false);
        const publicReport = [t.store.issue(report.ref).body, ...t.store.listComments(report.ref).map((c) => c.body)];
        for (const text of publicReport) {
          expect(text).not.toContain(INCIDENT_PROJECT);
          expect(text).not.toContain('secret repro');
          expect(text).not.toContain('<!-- step:');
        }
        // The master stays in its private repository, followed as before, the step ticked.
        expect(isTicked(t.store.issue(master.ref).body, 'lift-confidentiality')).toBe(true);
        expect(trustedState(t.store.issue(master.ref))!.run?.disclosure?.liftedAt).toBeDefined();
      });
    }
  });

  if (!traits.securityAdvisories) {
    it(`/advisory says where it works (${harness.name})`, async () => {
      const t = await disclosureIncident(harness);
      expectOutcome(t, await t.say('/advisory', 'bob'), 'done');
      expect(t.comments('invalid').at(-1)!.body).toContain('`/advisory` works on GitHub');
      expect(t.disclosure()?.advisory).toBeUndefined();
    });
    continue;
  }

  describe(`the advisory from the master (${harness.name})`, () => {
    it('/advisory drafts it, /advisory cve and /advisory fork work, /disclose publishes it', async () => {
      const t = await disclosureIncident(harness, `advisoryRepository: ${WEB}\n`);
      t.clock.now = minutes(5);
      expectOutcome(t, await t.say('/set cvss 9.8', 'alice'), 'done');
      expectOutcome(t, await t.say('/set cwe CWE-79', 'alice'), 'done');
      expectOutcome(t, await t.say('/advisory', 'bob'), 'done');
      const [advisory, ...more] = t.store.listAdvisories(WEB);
      expect(more).toEqual([]);
      expect(advisory).toMatchObject({
        state: 'draft',
        summary: 'Heap overflow',
        severity: 'critical',
        cweIds: ['CWE-79'],
      });
      expect(advisory!.vulnerabilities[0]).toMatchObject({ package: 'web' });
      // Nothing internal went into it.
      const text = `${advisory!.summary}\n${advisory!.description}`;
      for (const internal of [INCIDENT_PROJECT, 'incident-desk', 'details', '<!--', '@alice'])
        expect(text).not.toContain(internal);
      expect(t.cells().get('Security Advisory')).toBe(`[${advisory!.ghsaId}](${advisory!.webUrl})`);
      expect(t.disclosure()?.advisory).toMatchObject({ ghsa: advisory!.ghsaId, repository: WEB, state: 'draft' });
      expect(t.timeline()).toContain(`@bob · drafted the security advisory ${advisory!.ghsaId} in ${WEB}`);
      expect(t.advisoryComments()[0]!.body).toContain('It stays a private draft');

      // Again: the same advisory, updated; never a second one.
      expectOutcome(t, await t.say('/set cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N', 'alice'), 'done');
      expectOutcome(t, await t.say('/advisory', 'bob'), 'done');
      expect(t.store.listAdvisories(WEB)).toHaveLength(1);
      expect(t.store.advisory(WEB, advisory!.ghsaId).cvssVector).toBe('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N');

      expectOutcome(t, await t.say('/advisory cve', 'bob'), 'done');
      expect(t.store.advisory(WEB, advisory!.ghsaId).cveRequestedAt).not.toBeNull();
      expect(t.timeline()).toContain(`@bob · requested a CVE for ${advisory!.ghsaId}`);

      expectOutcome(t, await t.say('/advisory fork', 'bob'), 'done');
      const fork = t.store.advisory(WEB, advisory!.ghsaId).privateFork;
      expect(fork?.path).toBe(`${WEB}-${advisory!.ghsaId.toLowerCase()}`);
      expect(t.disclosure()?.advisory?.fork).toEqual({ path: fork!.path, url: fork!.webUrl });
      expect(t.timeline()).toContain(`@bob · opened the temporary private fork of ${advisory!.ghsaId}`);

      // Publishing waits for the gate: a premature /disclose leaves the draft alone.
      expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
      expect(t.store.advisory(WEB, advisory!.ghsaId).state).toBe('draft');
      await t.openGate();
      expectOutcome(t, await t.say('/disclose', 'bob'), 'done');
      expect(t.store.advisory(WEB, advisory!.ghsaId).state).toBe('published');
      expect(isTicked(t.master().body, 'publish-advisory')).toBe(true);
      expect(t.discloseComments().at(-1)!.body).toContain(`Published the security advisory [${advisory!.ghsaId}]`);
      expect(t.timeline()).toContain(`@bob · published ${advisory!.ghsaId}`);
    });

    it('/advisory cve and /advisory fork without an advisory say to draft one first', async () => {
      const t = await disclosureIncident(harness, `advisoryRepository: ${WEB}\n`);
      expectOutcome(t, await t.say('/advisory cve', 'bob'), 'done');
      expectOutcome(t, await t.say('/advisory fork', 'bob'), 'done');
      expect(t.advisoryComments().map((c) => c.body.includes('Draft one first with `/advisory`'))).toEqual([
        true,
        true,
      ]);
      expect(t.store.listAdvisories(WEB)).toEqual([]);
    });
  });
}
