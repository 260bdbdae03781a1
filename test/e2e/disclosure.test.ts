import { describe, expect, it } from 'vitest';
import { parseQuickLinks, splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
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

    it('/disclose --force: only the Incident Manager opens the gate, with the reason on the timeline', async () => {
      const t = await disclosureIncident(harness);
      t.clock.now = minutes(5);
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
