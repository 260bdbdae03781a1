import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/core/block.js';
import type { Issue } from '../../src/core/model.js';
import { parseRef } from '../../src/core/model.js';
import { minutes, openGitLabIncident } from '../support/gitlab-incident.js';
import { masterDetails, rowOf, trackingRows, writesInto } from '../support/tracking.js';

// Tracking tickets end to end on GitLab: `Issue Hook` / `Confidential Issue Hook` deliveries of children in other
// projects (opened, labeled later, retitled, assigned, due date moved, closed, reopened) and `Confidential Note Hook`
// commands on the master, built from the real payloads, into the real server and GitLab route; the real gitbeaker
// client against the fake GitLab on loopback (issue links, due dates, assignees by id). The same scenarios as
// test/shell/tracking.test.ts on the in-memory tracker.

const BOT = 'incident-desk-bot';

/**
 * A GitLab incident opened in place at T0 in the private `team/app` (master `team/app#1`, confidential), with the
 * private `team/api` and the public `oss/lib` served too; every project names `team/app` as its incident project.
 */
async function incident(config = '') {
  // team/app's own copy says which projects may attach tracking tickets to its incidents.
  const t = await openGitLabIncident({ config: `incidentProject: team/app\ntrackingFrom: [team/api, oss/lib]\n${config}`, projects: { 'team/api': 'private', 'oss/lib': 'public' } });
  const id = trustedState(t.master())!.id;
  const linkRequests = () => t.fake.requests.filter((r) => r.method === 'POST' && /\/issues\/\d+\/links$/.test(r.path));
  /** Writes of the master's description and labels (`PUT /projects/team%2Fapp/issues/1`). */
  const masterWrites = () => t.fake.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v4/projects/team%2Fapp/issues/${t.ref.number}`).length;
  const row = (ticket: Issue) => rowOf(t.master(), ticket);
  const issue = (ticket: Issue) => t.store.issue(ticket.ref);
  /** The release and communications tickets of the intake. */
  const intakeChildren = () => (readTicketState(t.master().body)?.children ?? []).map((c) => t.store.issue(parseRef(c.ref)!));
  return { ...t, id, linkRequests, masterWrites, row, issue, intakeChildren };
}

describe('GitLab end to end: tracking tickets', () => {
  it('a child opened with the label in another private project: labelled, back-referenced, issue-linked, listed, on the timeline', async () => {
    const t = await incident();
    t.clock.now = minutes(2);
    const links = t.linkRequests().length;
    const { issue: child, outcome } = await t.open('team/api', { title: 'Rotate the API keys', body: 'our notes', labels: [`incident-id::${t.id}`], assignees: ['bob'] }, 'bob');
    expect(outcome).toBe('done');
    const after = t.issue(child);
    expect(after.labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(after.body).toContain(`[team/app#${t.ref.number}](${t.master().webUrl})`);
    expect(splitBody(after.body).rest).toBe('our notes');
    // Natively linked with one issue link from the master.
    expect(t.store.linksOf(t.ref)).toContain(`team/api#${child.ref.number}`);
    expect(t.linkRequests().slice(links)).toEqual([{ method: 'POST', path: `/api/v4/projects/team%2Fapp/issues/${t.ref.number}/links` }]);
    expect(t.row(child)).toEqual({ ref: `team/api#${child.ref.number}`, title: 'Rotate the API keys', owner: 'bob', state: 'open', due: null, updated: '2026-11-22T10:02:00Z' });
    expect(t.master().body).toContain('**1 open · 0 closed · 0 overdue**');
    expect(t.timeline()).toContain(`- 2026-11-22T10:02:00Z · @bob · linked tracking ticket team/api#${child.ref.number} "Rotate the API keys" for @\u200bbob`);

    // GitLab delivers the app's own write to the child back: ignored. A person's later edit links nothing again.
    expect(await t.edit((body) => `${body}\n\nmore notes`, 'bob', after)).toEqual({ outcome: 'done' });
    expect(t.linkRequests()).toHaveLength(links + 1);
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
  });

  it('a label added later, and an identifier in the title, both correlate', async () => {
    const t = await incident();
    const { issue: later, outcome } = await t.open('team/api', { title: 'Audit the logs', body: '' });
    expect(outcome).toBe('not-a-trigger');
    const writes = t.writes();
    expect(t.issue(later).labels).toEqual([]);
    expect(await t.change(later, { labels: [`incident-id::${t.id}`] })).toBe('done');
    expect(t.writes()).toBeGreaterThan(writes);
    expect(t.issue(later).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.issue(later).body).toContain(`team/app#${t.ref.number}`);

    const { issue: titled } = await t.open('team/api', { title: `[${t.id}] Backport the fix`, body: 'to 1.x' });
    expect(t.issue(titled).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    // The identifier in front of the title says nothing on the incident's own table.
    expect(t.row(titled)?.title).toBe('Backport the fix');
    expect(trackingRows(t.master()).map((r) => r.ref)).toEqual(expect.arrayContaining([`team/api#${later.ref.number}`, `team/api#${titled.ref.number}`]));
    expect(t.store.linksOf(t.ref)).toEqual(expect.arrayContaining([`team/api#${later.ref.number}`, `team/api#${titled.ref.number}`]));
  });

  it('a CVE recorded with /cve is an alias: a child titled with it joins the same master', async () => {
    const t = await incident();
    expect(await t.say('/cve CVE-2026-40001', 'alice')).toEqual({ outcome: 'done' });
    const { issue: child, outcome } = await t.open('team/api', { title: '[CVE-2026-40001] Update the image library', body: '' });
    expect(outcome).toBe('done');
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.row(child)?.title).toBe('Update the image library');
    expect(t.timeline()).toContain(`linked tracking ticket team/api#${child.ref.number}`);
  });

  it('a public child gets only the identifier, in everything written to it; the master lists it; a confidential one in the same project gets the reference', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'oss/lib', BOT);
    const { issue: child, outcome } = await t.open('oss/lib', { title: 'Harden the decoder', body: 'public text', labels: [`incident-id::${t.id}`] }, 'bob');
    expect(outcome).toBe('done');
    expect(t.issue(child).body).toContain(t.id);
    expect(splitBody(t.issue(child).body).rest).toBe('public text');
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.row(child)).toMatchObject({ ref: `oss/lib#${child.ref.number}`, title: 'Harden the decoder', state: 'open' });
    // Its life goes on the master too, and still nothing about the master reaches it.
    await t.change(child, { title: 'Harden the decoder and the encoder', assignees: ['bob'] }, 'bob');
    expect(t.row(child)).toMatchObject({ title: 'Harden the decoder and the encoder', owner: 'bob', state: 'open' });
    await t.change(child, { state: 'closed' }, 'bob');
    expect(t.row(child)).toMatchObject({ owner: 'bob', state: 'closed' });
    expect(written.length).toBeGreaterThan(0);
    for (const detail of masterDetails(t.master(), 'Heap overflow')) {
      expect(written.join('\n')).not.toContain(detail);
      expect(JSON.stringify(t.issue(child))).not.toContain(detail);
      expect(JSON.stringify(t.store.listComments(child.ref))).not.toContain(detail);
    }
    expect(written.some((w) => w.startsWith('link '))).toBe(false);
    expect(t.store.linksOf(t.ref)).not.toContain(`oss/lib#${child.ref.number}`);

    const { issue: hidden } = await t.open('oss/lib', { title: 'Embargoed fix', body: '', labels: [`incident-id::${t.id}`], confidential: true });
    expect(t.issue(hidden).body).toContain(`[team/app#${t.ref.number}](${t.master().webUrl})`);
    expect(t.store.linksOf(t.ref)).toContain(`oss/lib#${hidden.ref.number}`);
  });

  it('an unknown identifier gets exactly one comment and nothing else, however often the issue changes', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'team/api', BOT);
    const { issue: child, outcome } = await t.open('team/api', { title: 'Something', body: 'text', labels: ['incident-id::INC-2026-999'] });
    expect(outcome).toBe('done');
    await t.change(child, { title: '[INC-2026-999] Something else' });
    await t.edit((body) => `${body}\nmore`, 'alice', t.issue(child));
    await t.change(child, { assignees: ['bob'], dueDate: '2026-12-01' });
    await t.change(child, { state: 'closed' });
    expect(written).toHaveLength(1);
    const comments = t.store.listComments(child.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**INC-2026-999**');
    expect(comments[0]!.body).not.toContain('team/app');
    expect(t.issue(child).labels).toEqual(['incident-id::INC-2026-999']);
    expect(t.issue(child).body).toBe('text\nmore');
    expect(trackingRows(t.master())).toEqual([]);
  });

  it('/task opens a confidential ticket in another project from the template: assigned, due by the SLA, issue-linked, listed', async () => {
    const t = await incident();
    t.clock.now = minutes(4);
    expect(await t.say('/task @bob team/api Rotate the signing keys\nRotate every key and confirm in this ticket.', 'alice')).toEqual({ outcome: 'done' });
    const created = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    expect(created.confidential).toBe(true);
    expect(created.title).toBe(`[${t.id}] Rotate the signing keys`);
    expect(created.assignees).toEqual(['bob']);
    expect(created.dueDate).toBe('2026-11-29');
    expect(created.body).toContain(`**Incident summary:** Heap overflow`);
    expect(created.body).toContain('Rotate every key and confirm in this ticket.');
    expect(created.body).toContain(`[team/app#${t.ref.number}](${t.master().webUrl})`);
    expect(t.store.linksOf(t.ref)).toContain(`team/api#${created.ref.number}`);
    expect(t.row(created)).toEqual({ ref: `team/api#${created.ref.number}`, title: 'Rotate the signing keys', owner: 'bob', state: 'open', due: '2026-11-29', updated: '2026-11-22T10:04:00Z' });
    expect(t.timeline()).toContain(`@alice · opened tracking ticket team/api#${created.ref.number} "Rotate the signing keys" for @\u200bbob, due 2026-11-29`);
    expect(t.comments('invalid')).toHaveLength(0);
  });

  it('/task in a public project: created confidential with the identifier only, the details written once GitLab confirmed it', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'oss/lib', BOT);
    expect(await t.say('/task @bob oss/lib Update the decoder due 2026-12-05', 'alice')).toEqual({ outcome: 'done' });
    const created = t.store.allIssues('oss/lib')[0]!;
    expect(created.confidential).toBe(true);
    expect(created.dueDate).toBe('2026-12-05');
    expect(created.body).toContain(`**Incident summary:** Heap overflow`);
    const [create, ...rest] = written;
    expect(create).toMatch(/^create /);
    expect(JSON.parse(create!.slice('create '.length))).toMatchObject({ confidential: true });
    for (const detail of masterDetails(t.master(), 'Heap overflow')) expect(create).not.toContain(detail);
    expect(create).toContain(t.id);
    expect(rest[0]).toMatch(new RegExp(`^update oss/lib#${created.ref.number} .*Heap overflow`));
    expect(t.row(created)).toMatchObject({ due: '2026-12-05', owner: 'bob' });
  });

  it("a child's close, reopen, retitle, new assignee and new due date each update its row with one write of the master", async () => {
    const t = await incident();
    const { issue: child } = await t.open('team/api', { title: 'Rotate', body: '', labels: [`incident-id::${t.id}`], dueDate: '2026-12-01' });
    expect(t.row(child)).toMatchObject({ state: 'open', owner: null, due: '2026-12-01' });
    const steps: Array<[string, Parameters<typeof t.change>[1], object]> = [
      ['close', { state: 'closed' }, { state: 'closed' }],
      ['reopen', { state: 'open' }, { state: 'open' }],
      ['retitle', { title: 'Rotate all keys' }, { title: 'Rotate all keys' }],
      ['assign', { assignees: ['alice'] }, { owner: 'alice' }],
      ['due date', { dueDate: '2026-11-30' }, { due: '2026-11-30' }],
    ];
    for (const [n, [what, patch, expected]] of steps.entries()) {
      t.clock.now = minutes(10 + n);
      const before = t.masterWrites();
      expect(await t.change(child, patch, 'bob'), what).toBe('done');
      // A closed ticket folds into the collapsed list of closed ones: reference and owner only.
      const shown = patch.state === 'closed' ? {} : { updated: `2026-11-22T10:${10 + n}:00Z` };
      expect(t.row(child), what).toMatchObject({ ...expected, ...shown });
      expect(t.masterWrites() - before, what).toBe(1);
    }
    expect(t.timeline()).toContain(`@bob · closed tracking ticket team/api#${child.ref.number}`);
    expect(t.timeline()).toContain(`@bob · reopened tracking ticket team/api#${child.ref.number}`);
    // The dashboard follows: alice's one open ticket.
    expect(t.master().body).toContain('| `@alice` | 1 | 0 | 0 |');
    // A due date that passes shows on the next sweep.
    await t.sweep(new Date('2026-12-01T08:00:00Z'));
    expect(t.row(child)?.due).toBe('2026-11-30');
    expect(t.master().body).toContain('**1 open · 0 closed · 1 overdue**');
    expect(t.master().body).toContain('⚠️ overdue');
  });

  it('the close guard reopens a master closed with open tickets, with one comment listing them', async () => {
    const t = await incident();
    await t.say('/task @bob team/api Rotate the keys', 'alice');
    const task = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    t.clock.now = minutes(30);
    const before = t.masterWrites();
    expect(await t.change(t.master(), { state: 'closed' }, 'bob')).toBe('done');
    expect(t.master().state).toBe('open');
    // The reopen is the one write of the master's issue.
    expect(t.masterWrites() - before).toBe(1);
    const guard = t.comments('close-guard');
    expect(guard).toHaveLength(1);
    expect(guard[0]!.body).toContain(`team/api#${task.ref.number} (tracking ticket, \`@bob\`)`);
    for (const child of t.intakeChildren()) expect(guard[0]!.body).toContain(`${child.ref.project}#${child.ref.number} (`);
    expect(guard[0]!.body).toContain('3 of its tickets are still open');
    expect(t.timeline()).toContain('@bob · tried to close the incident with 3 open tickets; reopened');
    expect(t.comments('incident-summary')).toHaveLength(0);
  });

  it('closing the master with every ticket closed posts the incident summary', async () => {
    const t = await incident();
    await t.say('/task @bob team/api Rotate the keys', 'alice');
    const task = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    const { issue: labelled } = await t.open('team/api', { title: 'Audit the logs', body: '', labels: [`incident-id::${t.id}`], assignees: ['alice'] });
    t.clock.now = minutes(60);
    await t.change(task, { state: 'closed' }, 'bob');
    await t.change(labelled, { state: 'closed' }, 'alice');
    for (const child of t.intakeChildren()) await t.change(child, { state: 'closed' }, 'alice');
    t.clock.now = minutes(24 * 60 + 90);
    expect(await t.change(t.master(), { state: 'closed' }, 'bob')).toBe('done');
    expect(t.master().state).toBe('closed');
    expect(t.comments('close-guard')).toHaveLength(0);
    const summary = t.comments('incident-summary');
    expect(summary).toHaveLength(1);
    const body = summary[0]!.body;
    expect(body).toContain(`| Identifier: | ${t.id} |`);
    expect(body).toContain('| Opened: | 2026-11-22T10:00:00Z |');
    expect(body).toContain('| Closed: | 2026-11-23T11:30:00Z |');
    expect(body).toContain('| Duration: | 1 d 1 h 30 min |');
    expect(body).toContain('| Tracking tickets: | 2 |');
    expect(body).toContain('| `@bob` | 1 |');
    expect(body).toContain('| `@alice` | 1 |');
    expect(body).toContain('@bob · closed the incident');
    expect(t.timeline()).toContain('@bob · closed the incident');
  });

  it('a child event costs the same requests with 2 or 25 tracking tickets on the master', async () => {
    const cost = async (children: number) => {
      const t = await incident();
      const opened: Issue[] = [];
      for (let n = 0; n < children; n += 1) opened.push((await t.open('team/api', { title: `Task ${n}`, body: '', labels: [`incident-id::${t.id}`] })).issue);
      const target = opened[Math.floor(children / 2)]!;
      t.clock.now = minutes(30);
      const start = t.fake.requests.length;
      expect(await t.change(target, { title: `Task ${Math.floor(children / 2)} renamed` }, 'bob')).toBe('done');
      expect(t.row(target)?.title).toBe(`Task ${Math.floor(children / 2)} renamed`);
      return t.fake.requests.slice(start).map((r) => `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/N')}`);
    };
    const few = await cost(2);
    expect(await cost(25)).toEqual(few);
    expect(few.filter((r) => r.startsWith('PUT /api/v4/projects/team%2Fapp/issues/N'))).toHaveLength(1);
  });
});
