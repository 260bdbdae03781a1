import { describe, expect, it } from 'vitest';
import { parseQuickLinks, readTicketState, splitBody, trustedState } from '../../src/kernel/block.js';
import type { Advisory } from '../../src/kernel/advisory.js';
import type { Issue } from '../../src/kernel/model.js';
import { ADVISORY_NOTICE_BEGIN } from '../../src/disclosure/messages.js';
import { expectOutcome, HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { Harness, IncidentWorld } from '../support/harness.js';
import { isTicked, minutes } from '../support/incident-setup.js';

// GitHub's private vulnerability reports, on the trackers that have repository security advisories (the in-memory
// tracker under GitHub's rules, and the fake GitHub through the real server with `repository_advisory` deliveries typed
// by GitHub's published webhook schema). A report on the public `acme/web` opens an incident in the private
// `acme/security`, which takes `acme/web`'s reports.

const WEB = 'acme/web';
const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

async function advisoryWorld(
  harness: Harness,
  config = `incidentProject: ${INCIDENT_PROJECT}\nreportsFrom: [${WEB}]\n`,
) {
  const t = await harness.open({ config, projects: { [WEB]: 'public' } });
  /** The masters of an advisory in the incident project (by label). */
  const mastersOf = (ghsa: string): Issue[] =>
    t.store.listIssues(INCIDENT_PROJECT, { labels: ['incident::master', `incident-id::${ghsa}`], state: 'all' });
  /** A report `finder` files on acme/web at 10:01: GitHub holds it in triage and delivers `reported`. */
  const report = async (input: Partial<Advisory> = {}) => {
    t.clock.now = minutes(1);
    const advisory = t.store.seedAdvisory(WEB, {
      summary: 'Heap overflow in the header parser',
      description: 'Send a 70 kB header.\n\n- [ ] not a box of the app <!-- step:pick-deputy -->\n\n@everyone',
      reporter: 'finder',
      cvssVector: VECTOR,
      cvssScore: 9.8,
      severity: 'critical',
      cweIds: ['CWE-122'],
      vulnerabilities: [{ ecosystem: 'npm', package: 'web', vulnerableRange: '< 2.0.1', patched: null }],
      ...input,
    });
    const outcome = await t.advise('reported', advisory, 'finder');
    return { advisory, outcome };
  };
  return { ...t, mastersOf, report };
}

/** Every write the app made so far, as the store holds the issues of a project: their text, for scanning. */
function cells(master: Issue) {
  return parseQuickLinks(splitBody(master.body).block);
}

for (const harness of HARNESSES) {
  const { traits } = harness;
  if (!traits.securityAdvisories) continue;

  describe(`private vulnerability reports (${harness.name})`, () => {
    it('a report opens a master in the private incident repository, like a labelled issue', async () => {
      const t = await advisoryWorld(harness);
      const { advisory, outcome } = await t.report();
      expectOutcome(t, outcome, 'done');
      const [master, ...more] = t.mastersOf(advisory.ghsaId);
      expect(more).toEqual([]);
      expect(master).toBeDefined();
      const state = trustedState(master!)!;
      expect(state).toMatchObject({ role: 'master', intake: true, summary: true });
      expect(state.run?.aliases).toContain(advisory.ghsaId);
      expect(state.run?.disclosure?.advisory).toMatchObject({ ghsa: advisory.ghsaId, repository: WEB, origin: true });
      expect(master!.title).toBe(`[${state.id}] Heap overflow in the header parser`);
      // The description is copied neutralized: no box, marker or ping of the report's survives as one.
      const rest = splitBody(master!.body).rest;
      expect(rest).toContain('Send a 70 kB header.');
      expect(rest).not.toContain('<!-- step:');
      expect(rest).not.toMatch(/(^|[^\u200b])@everyone/);
      const links = cells(master!);
      expect(links.get('Security Advisory')).toBe(`[${advisory.ghsaId}](${advisory.webUrl})`);
      expect(links.get('Reporter')).toBe('`@finder`');
      expect(links.get('CVSS Score')).toBe(`9.8 \`${VECTOR}\``);
      expect(links.get('CWE')).toBe('CWE-122');
      expect(links.get('Incident Manager')).toBe('_not set_');
      // Its children, as for any incident.
      expect((state.children ?? []).map((c) => c.role).sort()).toEqual(['comms', 'release']);
      expect(master!.labels).toEqual(expect.arrayContaining(['incident::master', `incident-id::${advisory.ghsaId}`]));
      const timeline = t.store
        .listComments(master!.ref)
        .filter((c) => c.body.includes('<!-- incident-desk:timeline -->'))
        .map((c) => c.body)
        .join('\n');
      expect(timeline).toContain(`· @finder · privately reported ${advisory.ghsaId} in ${WEB}`);
      // Nothing was written to the public repository.
      expect(t.store.allIssues(WEB)).toEqual([]);
      expect(t.store.advisory(WEB, advisory.ghsaId).description).toBe(advisory.description);
    });

    it('a redelivered or repeated report never makes a second master, nor a second line', async () => {
      const t = await advisoryWorld(harness);
      const { advisory } = await t.report();
      const [master] = t.mastersOf(advisory.ghsaId);
      const body = t.store.issue(master!.ref).body;
      const comments = t.store.listComments(master!.ref).map((c) => c.body);
      t.clock.now = minutes(5);
      // The same delivery again (GitHub's redelivery), then a new delivery of the same report.
      expectOutcome(t, await t.advise('reported', advisory, 'finder', 'advisory-redelivered'), 'done');
      expectOutcome(t, await t.advise('reported', advisory, 'finder', 'advisory-redelivered'), 'duplicate');
      expectOutcome(t, await t.advise('reported', advisory, 'finder'), 'done');
      expect(t.mastersOf(advisory.ghsaId)).toHaveLength(1);
      expect(t.store.listComments(master!.ref).map((c) => c.body)).toEqual(comments);
      // Only the time the advisory was read moved.
      const after = readTicketState(t.store.issue(master!.ref).body)!;
      expect(after.run?.disclosure?.advisory?.checkedAt).toBe('2026-11-22T10:05:00Z');
      expect(splitBody(t.store.issue(master!.ref).body).rest).toBe(splitBody(body).rest);
    });

    it('out of order: a late report after the publication neither reopens nor rolls anything back', async () => {
      const t = await advisoryWorld(harness);
      const { advisory: reported } = await t.report();
      const [master] = t.mastersOf(reported.ghsaId);
      // A maintainer publishes it on GitHub at 10:10, then GitHub assigns a CVE.
      t.clock.now = minutes(10);
      const published = t.store.updateAdvisory(WEB, reported.ghsaId, { state: 'published', cveId: 'CVE-2026-7777' });
      expectOutcome(t, await t.advise('published', published, 'maintainer'), 'done');
      const afterPublication = t.store.issue(master!.ref);
      const state = trustedState(afterPublication)!;
      expect(state.run?.disclosure?.advisory?.state).toBe('published');
      expect(state.run?.disclosure?.disclosedAt).toBe(published.publishedAt);
      expect(state.run?.aliases).toEqual(expect.arrayContaining([reported.ghsaId, 'CVE-2026-7777']));
      expect(afterPublication.labels).toContain('incident-id::CVE-2026-7777');
      expect(isTicked(afterPublication.body, 'publish-advisory')).toBe(true);
      expect(t.timeline()).not.toContain('was published'); // the default incident's timeline is another master's
      const lines = () =>
        t.store
          .listComments(master!.ref)
          .filter((c) => c.body.includes('<!-- incident-desk:timeline -->'))
          .map((c) => c.body)
          .join('\n');
      expect(lines()).toContain(`${reported.ghsaId} was published`);
      expect(lines()).toContain(`${reported.ghsaId} now has CVE-2026-7777`);
      const before = lines();
      // The report's delivery arrives late, describing the advisory as it was (triage, no CVE).
      t.clock.now = minutes(12);
      expectOutcome(t, await t.advise('reported', reported, 'finder'), 'done');
      const late = t.store.issue(master!.ref);
      expect(trustedState(late)!.run?.disclosure?.advisory?.state).toBe('published');
      expect(trustedState(late)!.run?.disclosure?.disclosedAt).toBe(published.publishedAt);
      expect(lines()).toBe(before);
      expect(t.mastersOf(reported.ghsaId)).toHaveLength(1);
    });

    it('the sweep wakes for the advisory read every advisories.syncMinutes, quiet in between', async () => {
      const t = await advisoryWorld(
        harness,
        // Nothing else due meanwhile: the acknowledgement is not escalated before 10 hours.
        `incidentProject: ${INCIDENT_PROJECT}\nreportsFrom: [${WEB}]\n` +
          'advisories:\n  syncMinutes: 15\nackMinutes: 600\n',
      );
      const { advisory } = await t.report();
      const [master] = t.mastersOf(advisory.ghsaId);
      const checkedAt = () => trustedState(t.store.issue(master!.ref))!.run?.disclosure?.advisory?.checkedAt;
      expect(checkedAt()).toBe('2026-11-22T10:01:00Z');
      await t.sweep(minutes(2));
      const quiet = t.probe.requestCount();
      for (const at of [8, 15]) expect(await t.sweep(minutes(at))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(t.probe.requestCount()).toBe(quiet);
      // Read again at the first sweep 15 minutes after the last read.
      t.store.updateAdvisory(WEB, advisory.ghsaId, { cveId: 'CVE-2026-5151' });
      await t.sweep(minutes(16));
      expect(checkedAt()).toBe('2026-11-22T10:16:00Z');
      expect(trustedState(t.store.issue(master!.ref))!.run?.aliases).toContain('CVE-2026-5151');
    });

    it('the sweep reads the advisory for what GitHub sends no webhook for, at most once per interval', async () => {
      const t = await advisoryWorld(harness);
      const { advisory } = await t.report();
      const [master] = t.mastersOf(advisory.ghsaId);
      const lines = () =>
        t.store
          .listComments(master!.ref)
          .filter((c) => c.body.includes('<!-- incident-desk:timeline -->'))
          .map((c) => c.body)
          .join('\n');
      // GitHub assigns a CVE and lowers the severity: no webhook.
      t.store.updateAdvisory(WEB, advisory.ghsaId, { cveId: 'CVE-2026-4242', severity: 'high', cvssVector: null });
      await t.sweep(minutes(30));
      expect(trustedState(t.store.issue(master!.ref))!.run?.aliases).not.toContain('CVE-2026-4242');
      await t.sweep(minutes(62));
      const after = t.store.issue(master!.ref);
      expect(trustedState(after)!.run?.aliases).toContain('CVE-2026-4242');
      expect(after.labels).toContain('incident-id::CVE-2026-4242');
      expect(trustedState(after)!.run?.disclosure?.advisory?.checkedAt).toBe('2026-11-22T11:02:00Z');
      expect(lines()).toContain(`${advisory.ghsaId} now has CVE-2026-4242`);
      expect(lines()).toContain(`the severity of ${advisory.ghsaId} changed to high`);
      // Withdrawn later: the next read after the interval says so, once.
      t.store.updateAdvisory(WEB, advisory.ghsaId, { state: 'withdrawn' });
      await t.sweep(minutes(100));
      expect(lines()).not.toContain('was withdrawn');
      await t.sweep(minutes(125));
      await t.sweep(minutes(190));
      expect(lines().match(/was withdrawn/g)).toHaveLength(1);
    });

    it('an issue that names the GHSA later joins its incident as a tracking ticket, not a new master', async () => {
      const t = await advisoryWorld(harness);
      const { advisory } = await t.report();
      const [master] = t.mastersOf(advisory.ghsaId);
      const { issue, outcome } = await t.open(
        INCIDENT_PROJECT,
        { title: `[${advisory.ghsaId.toUpperCase()}] Backport the header fix`, body: 'Backport.' },
        'alice',
      );
      expectOutcome(t, outcome, 'done');
      expect(t.mastersOf(advisory.ghsaId)).toEqual([expect.objectContaining({ ref: master!.ref })]);
      const child = t.store.issue(issue.ref);
      expect(child.labels).toEqual(
        expect.arrayContaining([`incident-id::${trustedState(master!)!.id}`, 'incident::task']),
      );
      expect(t.store.issue(master!.ref).body).toContain(`${INCIDENT_PROJECT}#${issue.ref.number}`);
    });

    it('a publication of an advisory without an incident opens nothing', async () => {
      const t = await advisoryWorld(harness);
      const advisory = t.store.seedAdvisory(WEB, { summary: 'Already public', state: 'published' });
      expectOutcome(t, await t.advise('published', advisory, 'maintainer'), 'not-a-trigger');
      expect(t.mastersOf(advisory.ghsaId)).toEqual([]);
    });

    it('without a private incident repository nothing is copied, and one notice goes on the advisory', async () => {
      const t = await advisoryWorld(harness, '');
      const issuesBefore = t.store.allIssues(INCIDENT_PROJECT).length;
      const { advisory, outcome } = await t.report({ description: 'Send a 70 kB header.' });
      expectOutcome(t, outcome, 'stopped');
      expect(t.store.allIssues(WEB)).toEqual([]);
      expect(t.store.allIssues(INCIDENT_PROJECT)).toHaveLength(issuesBefore);
      const described = t.store.advisory(WEB, advisory.ghsaId).description;
      expect(described.startsWith(advisory.description)).toBe(true);
      expect(described).toContain(ADVISORY_NOTICE_BEGIN);
      expect(described).toContain('incidents need a private repository');
      // Again: still one notice.
      expectOutcome(t, await t.advise('reported', advisory, 'finder'), 'stopped');
      expect(t.store.advisory(WEB, advisory.ghsaId).description).toBe(described);
      // Once the configuration names the private repository (pushed), the next delivery opens it and takes the notice
      // away.
      for (const path of [WEB, INCIDENT_PROJECT])
        await t.pushFile(
          '.github/incident-desk.yml',
          `incidentProject: ${INCIDENT_PROJECT}\nreportsFrom: [${WEB}]\n`,
          path,
        );
      expectOutcome(t, await t.advise('reported', advisory, 'finder'), 'done');
      expect(t.mastersOf(advisory.ghsaId)).toHaveLength(1);
      expect(t.store.advisory(WEB, advisory.ghsaId).description).toBe(advisory.description);
      expect(splitBody(t.mastersOf(advisory.ghsaId)[0]!.body).rest).not.toContain('incident-desk');
    });
  });

  describe(`draft advisories maintainers create, watched by the sweep (${harness.name})`, () => {
    const API = 'acme/api';
    /** A world whose incident project watches acme/web's drafts (not acme/api's, though it takes its reports). */
    const draftWorld = async (
      watch = `advisories:\n  draftsFrom: [${WEB}]\n`,
      more: Record<string, 'private'> = {},
    ) => {
      const config = `incidentProject: ${INCIDENT_PROJECT}\nreportsFrom: [${WEB}, ${API}]\n${watch}`;
      const t = await harness.open({ config, projects: { [WEB]: 'public', [API]: 'public', ...more } });
      const mastersOf = (ghsa: string): Issue[] =>
        t.store.listIssues(INCIDENT_PROJECT, { labels: ['incident::master', `incident-id::${ghsa}`], state: 'all' });
      /** How often the drafts of a repository were listed, over the whole test. */
      const listings = (repository: string) =>
        t.probe
          .requestShapes(0)
          .filter(
            (shape) =>
              shape === `listAdvisories ${repository}` ||
              shape.startsWith(`GET /repos/${repository}/security-advisories?`) ||
              shape === `GET /repos/${repository}/security-advisories`,
          ).length;
      const mastersNow = () => t.store.listIssues(INCIDENT_PROJECT, { labels: ['incident::master'], state: 'all' });
      return { ...t, mastersOf, listings, mastersNow };
    };

    it('a maintainer draft in a watched repository opens one master at the next sweep, never twice', async () => {
      const t = await draftWorld();
      const before = t.mastersNow().length;
      t.clock.now = minutes(1);
      const draft = t.store.seedAdvisory(WEB, {
        summary: 'Session fixation in the login form',
        description: 'Found while reviewing.\n\n@everyone',
        state: 'draft',
        author: 'maintainer',
        severity: 'high',
      });
      // Not taken in: older than the look-back, drafted by the app itself, or in a repository nobody watches.
      const old = t.store.seedAdvisory(WEB, {
        summary: 'An old draft',
        state: 'draft',
        author: 'maintainer',
        createdAt: '2026-11-20T09:00:00Z',
      });
      const own = t.store.seedAdvisory(WEB, { summary: 'Drafted by /advisory', state: 'draft', author: t.bot });
      const unwatched = t.store.seedAdvisory(API, { summary: 'Unwatched', state: 'draft', author: 'maintainer' });

      const first = await t.sweep(minutes(2));
      expect(first.drafts).toBe(1);
      const [master, ...more] = t.mastersOf(draft.ghsaId);
      expect(more).toEqual([]);
      const state = trustedState(master!)!;
      expect(state).toMatchObject({ role: 'master', intake: true });
      expect(state.run?.aliases).toContain(draft.ghsaId);
      expect(state.run?.disclosure?.advisory).toMatchObject({ ghsa: draft.ghsaId, repository: WEB, origin: true });
      expect(master!.title).toBe(`[${state.id}] Session fixation in the login form`);
      expect(cells(master!).get('Security Advisory')).toBe(`[${draft.ghsaId}](${draft.webUrl})`);
      expect(splitBody(master!.body).rest).not.toMatch(/(^|[^\u200b])@everyone/);
      const timeline = t.store
        .listComments(master!.ref)
        .filter((c) => c.body.includes('<!-- incident-desk:timeline -->'))
        .map((c) => c.body)
        .join('\n');
      expect(timeline).toContain(`drafted ${draft.ghsaId} in ${WEB}`);
      for (const other of [old, own, unwatched]) expect(t.mastersOf(other.ghsaId)).toEqual([]);
      expect(t.mastersNow()).toHaveLength(before + 1);
      expect(t.listings(WEB)).toBe(1);
      expect(t.listings(API)).toBe(0);

      // Within the interval the drafts are not listed again; after it, the draft is found and changes nothing.
      expect((await t.sweep(minutes(3))).drafts).toBeUndefined();
      expect(t.listings(WEB)).toBe(1);
      expect((await t.sweep(minutes(70))).drafts).toBeUndefined();
      expect(t.listings(WEB)).toBe(2);
      // A later report event about it (GitHub's, or a redelivery) updates the same master.
      expectOutcome(t, await t.advise('reported', t.store.advisory(WEB, draft.ghsaId), 'maintainer'), 'done');
      expectOutcome(
        t,
        await t.advise('reported', t.store.advisory(WEB, draft.ghsaId), 'maintainer', 'draft-reported'),
        'done',
      );
      expect(t.mastersOf(draft.ghsaId)).toEqual([expect.objectContaining({ ref: master!.ref })]);
      expect(t.mastersNow()).toHaveLength(before + 1);
    });

    it('the sweep wakes for the next listing of a watched repository, quiet in between', async () => {
      // Nothing else due meanwhile: the acknowledgement is not escalated before 10 hours.
      const t = await draftWorld(`advisories:\n  draftsFrom: [${WEB}]\n  syncMinutes: 15\nackMinutes: 600\n`);
      expect(await t.sweep(minutes(2))).toMatchObject({ masters: 1, fired: 0 });
      expect(t.listings(WEB)).toBe(1);
      const quiet = t.probe.requestCount();
      t.clock.now = minutes(5);
      const draft = t.store.seedAdvisory(WEB, { summary: 'Later draft', state: 'draft', author: 'maintainer' });
      for (const at of [10, 16]) expect(await t.sweep(minutes(at))).toEqual({ masters: 0, fired: 0, completed: 0 });
      expect(t.probe.requestCount()).toBe(quiet);
      // 15 minutes after the last listing: listed again, and the draft taken in.
      expect((await t.sweep(minutes(17))).drafts).toBe(1);
      expect(t.listings(WEB)).toBe(2);
      expect(t.mastersOf(draft.ghsaId)).toHaveLength(1);
    });

    it('two sweeps at once (a second replica) open one master', async () => {
      const t = await draftWorld();
      t.clock.now = minutes(1);
      const draft = t.store.seedAdvisory(WEB, { summary: 'Race', state: 'draft', author: 'maintainer' });
      await Promise.all([t.sweep(minutes(2)), t.sweep(minutes(2))]);
      expect(t.mastersOf(draft.ghsaId)).toHaveLength(1);
    });

    it('a draft that got its master from a report first is not taken in again', async () => {
      const t = await draftWorld();
      t.clock.now = minutes(1);
      const report = t.store.seedAdvisory(WEB, { summary: 'Reported', reporter: 'finder' });
      expectOutcome(t, await t.advise('reported', report, 'finder'), 'done');
      // The maintainer accepts the report: it becomes a draft, with no webhook.
      t.store.updateAdvisory(WEB, report.ghsaId, { state: 'draft' });
      expect((await t.sweep(minutes(2))).drafts).toBeUndefined();
      expect(t.mastersOf(report.ghsaId)).toHaveLength(1);
    });

    it("the owner's shared configuration (acme/.github) watches for the incident project it names", async () => {
      const t = await draftWorld('', { 'acme/.github': 'private' });
      t.store.putFile(
        'acme/.github',
        '.github/incident-desk.yml',
        `incidentProject: ${INCIDENT_PROJECT}\nadvisories:\n  draftsFrom: [${API}]\n`,
      );
      t.clock.now = minutes(1);
      const draft = t.store.seedAdvisory(API, {
        summary: 'Watched by the owner',
        state: 'draft',
        author: 'maintainer',
      });
      expect((await t.sweep(minutes(2))).drafts).toBe(1);
      expect(t.mastersOf(draft.ghsaId)).toHaveLength(1);
      expect(t.listings(WEB)).toBe(0);
    });

    it("the owner's shared configuration is kept between sweeps; a push to it changes what is watched", async () => {
      const t = await draftWorld('', { 'acme/.github': 'private' });
      const watching = (repository: string) =>
        `incidentProject: ${INCIDENT_PROJECT}\nackMinutes: 600\nadvisories:\n  draftsFrom: [${repository}]\n` +
        '  syncMinutes: 15\n';
      t.store.putFile('acme/.github', '.github/incident-desk.yml', watching(API));
      const sharedReads = () =>
        t.probe
          .requestShapes(0)
          .filter((shape) => shape.includes('acme/.github') && /^readFile |\/contents\//.test(shape)).length;
      for (const at of [2, 17, 32]) await t.sweep(minutes(at));
      expect(t.listings(API)).toBe(3);
      // Read by the first listing, then kept: the next listings ask GitHub nothing for it.
      expect(sharedReads()).toBe(1);
      // The owner now watches acme/web instead: the push drops the kept copy, and the next sweep lists at once.
      t.clock.now = minutes(33);
      await t.pushFile('.github/incident-desk.yml', watching(WEB), 'acme/.github');
      await t.sweep(minutes(34));
      expect(sharedReads()).toBe(2);
      expect(t.listings(WEB)).toBe(1);
      expect(t.listings(API)).toBe(3);
    });

    it('no repository watched: the sweep lists no drafts and opens nothing', async () => {
      const t = await draftWorld('');
      t.clock.now = minutes(1);
      const draft = t.store.seedAdvisory(WEB, { summary: 'Not watched', state: 'draft', author: 'maintainer' });
      await t.sweep(minutes(2));
      await t.sweep(minutes(200));
      expect(t.listings(WEB)).toBe(0);
      expect(t.listings(API)).toBe(0);
      expect(t.mastersOf(draft.ghsaId)).toEqual([]);
    });
  });
}

export type { IncidentWorld };
