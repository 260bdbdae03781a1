import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/core/block.js';
import type { Issue } from '../../src/core/model.js';
import { parseRef } from '../../src/core/model.js';
import { minutes, openGitHubIncident } from '../support/github-incident.js';
import { masterDetails, rowOf, trackingRows, writesInto } from '../support/tracking.js';

// Tracking tickets end to end on GitHub: signed `issues.*` deliveries of children in other repositories (opened,
// labeled later, retitled, assigned, due line edited, closed, reopened) and `issue_comment.created` commands on the
// master, built from the real webhook examples, into the real server and Probot; the real Octokit against the fake
// GitHub on loopback (sub-issues, repository privacy read from the API). The same scenarios as
// test/shell/tracking.test.ts on the in-memory tracker.

const BOT = 'incident-desk[bot]';

/**
 * A GitHub incident opened in place at T0 in the private `acme/security` (master `acme/security#1`), with the
 * private `acme/api`, the public `acme/site` and the private `partner/tools` (another owner: no sub-issues) served
 * by the same installation; every repository names `acme/security` as its incident project.
 */
async function incident(config = '') {
  const t = await openGitHubIncident({
    // acme/security's own copy says which repositories may attach tracking tickets to its incidents.
    config: `incidentProject: acme/security\ntrackingFrom: [acme, partner/tools]\n${config}`,
    projects: { 'acme/api': 'private', 'acme/site': 'public', 'partner/tools': 'private' },
  });
  const id = trustedState(t.master())!.id;
  const subIssueRequests = () => t.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sub_issues'));
  /** Writes of the master's description, labels or state (`PATCH /repos/acme/security/issues/1`). */
  const masterWrites = () => t.fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/repos/acme/security/issues/${t.ref.number}`).length;
  const row = (ticket: Issue) => rowOf(t.master(), ticket);
  const issue = (ticket: Issue) => t.store.issue(ticket.ref);
  const task = (path: string) => t.store.allIssues(path).find((i) => i.labels.includes('incident::task'));
  /** The release and communications tickets of the intake. */
  const intakeChildren = () => (readTicketState(t.master().body)?.children ?? []).map((c) => t.store.issue(parseRef(c.ref)!));
  return { ...t, id, subIssueRequests, masterWrites, row, issue, task, intakeChildren };
}

describe('GitHub end to end: tracking tickets', () => {
  it('a child opened with the label in another private repository: labelled, back-referenced, a sub-issue, listed, on the timeline', async () => {
    const t = await incident();
    t.clock.now = minutes(2);
    const subIssues = t.subIssueRequests().length;
    const child = await t.open('acme/api', { title: 'Rotate the API keys', body: 'our notes', labels: [`incident-id::${t.id}`], assignees: ['bob'] }, 'bob');
    const after = t.issue(child);
    expect(after.labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(after.body).toContain(`[acme/security#${t.ref.number}](${t.master().webUrl})`);
    expect(splitBody(after.body).rest).toBe('our notes');
    // The child's repository was asked whether it is private before anything was written.
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === '/repos/acme/api')).toBe(true);
    // A sub-issue of the master, by the child's global id.
    expect(t.subIssueRequests().slice(subIssues)).toEqual([{ method: 'POST', path: `/repos/acme/security/issues/${t.ref.number}/sub_issues` }]);
    expect(t.store.linksOf(t.ref)).toContain(`acme/api#${child.ref.number}`);
    expect(t.row(child)).toEqual({ ref: `acme/api#${child.ref.number}`, title: 'Rotate the API keys', owner: 'bob', state: 'open', due: null, updated: '2026-11-22T10:02:00Z' });
    expect(t.master().body).toContain('**1 open · 0 closed · 0 overdue**');
    expect(t.timeline()).toContain(`- 2026-11-22T10:02:00Z · @bob · linked tracking ticket acme/api#${child.ref.number} "Rotate the API keys" for @\u200bbob`);

    // GitHub delivers the app's own edit and labels back: ignored. A person's later edit links nothing again.
    await t.change(after, { body: `${after.body}\n\nmore notes` }, 'bob');
    expect(t.subIssueRequests()).toHaveLength(subIssues + 1);
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
  });

  it('a child in a private repository of another owner gets the reference, without a sub-issue (GitHub links within one owner)', async () => {
    const t = await incident();
    const subIssues = t.subIssueRequests().length;
    const child = await t.open('partner/tools', { title: 'Patch the CLI', body: '', labels: [`incident-id::${t.id}`] });
    expect(t.issue(child).body).toContain(`[acme/security#${t.ref.number}](${t.master().webUrl})`);
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.subIssueRequests()).toHaveLength(subIssues);
    expect(t.row(child)).toMatchObject({ ref: `partner/tools#${child.ref.number}`, state: 'open' });
  });

  it('a label added later, and an identifier in the title, both correlate', async () => {
    const t = await incident();
    const later = await t.open('acme/api', { title: 'Audit the logs', body: '' });
    expect(t.issue(later).labels).toEqual([]);
    expect(t.row(later)).toBeUndefined();
    await t.change(later, { labels: [`incident-id::${t.id}`] });
    expect(t.issue(later).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.issue(later).body).toContain(`acme/security#${t.ref.number}`);

    const titled = await t.open('acme/api', { title: `[${t.id}] Backport the fix`, body: 'to 1.x' });
    expect(t.issue(titled).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.row(titled)?.title).toBe('Backport the fix');
    expect(trackingRows(t.master()).map((r) => r.ref)).toEqual(expect.arrayContaining([`acme/api#${later.ref.number}`, `acme/api#${titled.ref.number}`]));
    expect(t.store.linksOf(t.ref)).toEqual(expect.arrayContaining([`acme/api#${later.ref.number}`, `acme/api#${titled.ref.number}`]));
  });

  it('a CVE recorded with /cve is an alias: a child titled with it joins the same master', async () => {
    const t = await incident();
    await t.say('/cve CVE-2026-40001', 'alice');
    const child = await t.open('acme/api', { title: '[CVE-2026-40001] Update the image library', body: '' });
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.row(child)?.title).toBe('Update the image library');
    expect(t.timeline()).toContain(`linked tracking ticket acme/api#${child.ref.number}`);
  });

  it('a child in a public repository gets only the identifier, in everything written to it; the master lists it', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'acme/site', BOT);
    const child = await t.open('acme/site', { title: 'Harden the decoder', body: 'public text', labels: [`incident-id::${t.id}`] }, 'bob');
    expect(t.issue(child).body).toContain(t.id);
    expect(splitBody(t.issue(child).body).rest).toBe('public text');
    expect(t.issue(child).labels).toEqual([`incident-id::${t.id}`, 'incident::task']);
    expect(t.row(child)).toMatchObject({ ref: `acme/site#${child.ref.number}`, title: 'Harden the decoder', state: 'open' });
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
    // No sub-issue: it would show the master's title to the child's readers.
    expect(written.some((w) => w.startsWith('link '))).toBe(false);
    expect(t.store.linksOf(t.ref)).not.toContain(`acme/site#${child.ref.number}`);
  });

  it('an unknown identifier gets exactly one comment and nothing else, however often the issue changes', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'acme/api', BOT);
    const child = await t.open('acme/api', { title: 'Something', body: 'text', labels: ['incident-id::INC-2026-999'] });
    await t.change(child, { title: '[INC-2026-999] Something else' });
    await t.change(child, { body: 'text\nmore\nDue: 2026-12-01' });
    await t.change(child, { assignees: ['bob'] });
    await t.change(child, { state: 'closed' });
    expect(written).toHaveLength(1);
    const comments = t.store.listComments(child.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**INC-2026-999**');
    expect(comments[0]!.body).not.toContain('acme/security');
    expect(t.issue(child).labels).toEqual(['incident-id::INC-2026-999']);
    expect(t.issue(child).body).toBe('text\nmore\nDue: 2026-12-01');
    expect(trackingRows(t.master())).toEqual([]);
  });

  it('/task in a private repository opens the full ticket: assigned, due in its description, a sub-issue, listed', async () => {
    const t = await incident();
    t.clock.now = minutes(4);
    await t.say('/task @bob acme/api Rotate the keys due 2026-12-03\nRotate every key and confirm here.', 'alice');
    const created = t.task('acme/api')!;
    expect(created.title).toBe(`[${t.id}] Rotate the keys`);
    expect(created.assignees).toEqual(['bob']);
    expect(created.body).toContain(`**Incident summary:** Heap overflow`);
    expect(created.body).toContain('Rotate every key and confirm here.');
    expect(created.body).toContain(`[acme/security#${t.ref.number}](${t.master().webUrl})`);
    expect(created.body).toContain('2026-12-03');
    expect(t.store.linksOf(t.ref)).toContain(`acme/api#${created.ref.number}`);
    expect(t.row(created)).toEqual({ ref: `acme/api#${created.ref.number}`, title: 'Rotate the keys', owner: 'bob', state: 'open', due: '2026-12-03', updated: '2026-11-22T10:04:00Z' });
    expect(t.timeline()).toContain(`@alice · opened tracking ticket acme/api#${created.ref.number} "Rotate the keys" for @\u200bbob, due 2026-12-03`);
    expect(t.comments('invalid')).toHaveLength(0);
    // The due date is read back from the ticket's own description on its next event.
    t.clock.now = minutes(6);
    await t.change(created, { title: `[${t.id}] Rotate all keys` }, 'bob');
    expect(t.row(created)).toMatchObject({ title: 'Rotate all keys', due: '2026-12-03' });
  });

  it('/task in a public repository: refused without --public, refused with incident details, and then names only the identifier', async () => {
    const t = await incident();
    const written = writesInto(t.store, 'acme/site', BOT);
    await t.say('/task @bob acme/site Update the decoder', 'alice');
    await t.say('/task @bob acme/site Fix the heap overflow in the parser --public', 'alice');
    expect(t.store.allIssues('acme/site')).toHaveLength(0);
    const replies = t.comments('invalid');
    expect(replies).toHaveLength(2);
    expect(replies[0]!.body).toContain('--public');
    expect(replies[1]!.body).toContain("incident's title");

    await t.say('/task @bob acme/site Update the decoder to 2.4 due 2026-12-05 --public', 'alice');
    const created = t.task('acme/site')!;
    expect(created.assignees).toEqual(['bob']);
    expect(created.body).toContain(t.id);
    expect(created.body).toContain('**Due:** 2026-12-05');
    for (const detail of masterDetails(t.master(), 'Heap overflow')) {
      expect(written.join('\n')).not.toContain(detail);
      expect(JSON.stringify(t.issue(created))).not.toContain(detail);
    }
    expect(written.some((w) => w.startsWith('link '))).toBe(false);
    expect(t.row(created)).toMatchObject({ ref: `acme/site#${created.ref.number}`, due: '2026-12-05', owner: 'bob' });
  });

  it("a child's close, reopen, retitle, new assignee and new due date each update its row with one write of the master", async () => {
    const t = await incident();
    const child = await t.open('acme/api', { title: 'Rotate', body: 'Due: 2026-12-01', labels: [`incident-id::${t.id}`] });
    expect(t.row(child)).toMatchObject({ state: 'open', owner: null, due: '2026-12-01' });
    const steps: Array<[string, (body: string) => Parameters<typeof t.change>[1], object]> = [
      ['close', () => ({ state: 'closed' }), { state: 'closed' }],
      ['reopen', () => ({ state: 'open' }), { state: 'open' }],
      ['retitle', () => ({ title: 'Rotate all keys' }), { title: 'Rotate all keys' }],
      ['assign', () => ({ assignees: ['alice'] }), { owner: 'alice' }],
      ['due date', (body) => ({ body: body.replace('Due: 2026-12-01', 'Due: 2026-11-30') }), { due: '2026-11-30' }],
    ];
    for (const [n, [what, patch, expected]] of steps.entries()) {
      t.clock.now = minutes(10 + n);
      const before = t.masterWrites();
      const change = patch(t.issue(child).body);
      await t.change(child, change, 'bob');
      // A closed ticket folds into the collapsed list of closed ones: reference and owner only.
      const shown = change.state === 'closed' ? {} : { updated: `2026-11-22T10:${10 + n}:00Z` };
      expect(t.row(child), what).toMatchObject({ ...expected, ...shown });
      expect(t.masterWrites() - before, what).toBe(1);
    }
    expect(t.timeline()).toContain(`@bob · closed tracking ticket acme/api#${child.ref.number}`);
    expect(t.timeline()).toContain(`@bob · reopened tracking ticket acme/api#${child.ref.number}`);
    expect(t.master().body).toContain('| `@alice` | 1 | 0 | 0 |');
    await t.sweep(new Date('2026-12-01T08:00:00Z'));
    expect(t.master().body).toContain('**1 open · 0 closed · 1 overdue**');
    expect(t.master().body).toContain('⚠️ overdue');
  });

  it('the close guard reopens a master closed with open tickets, with one comment listing them', async () => {
    const t = await incident();
    await t.say('/task @bob acme/api Rotate the keys', 'alice');
    const task = t.task('acme/api')!;
    t.clock.now = minutes(30);
    const before = t.masterWrites();
    await t.change(t.master(), { state: 'closed' }, 'bob');
    expect(t.master().state).toBe('open');
    expect(t.masterWrites() - before).toBe(1);
    const guard = t.comments('close-guard');
    expect(guard).toHaveLength(1);
    expect(guard[0]!.body).toContain(`acme/api#${task.ref.number} (tracking ticket, \`@bob\`)`);
    for (const child of t.intakeChildren()) expect(guard[0]!.body).toContain(`${child.ref.project}#${child.ref.number} (`);
    expect(guard[0]!.body).toContain('3 of its tickets are still open');
    expect(t.timeline()).toContain('@bob · tried to close the incident with 3 open tickets; reopened');
    expect(t.comments('incident-summary')).toHaveLength(0);
  });

  it('closing the master with every ticket closed posts the incident summary', async () => {
    const t = await incident();
    await t.say('/task @bob acme/api Rotate the keys', 'alice');
    const task = t.task('acme/api')!;
    const labelled = await t.open('acme/api', { title: 'Audit the logs', body: '', labels: [`incident-id::${t.id}`], assignees: ['alice'] });
    t.clock.now = minutes(60);
    await t.change(task, { state: 'closed' }, 'bob');
    await t.change(labelled, { state: 'closed' }, 'alice');
    for (const child of t.intakeChildren()) await t.change(child, { state: 'closed' }, 'alice');
    t.clock.now = minutes(24 * 60 + 90);
    await t.change(t.master(), { state: 'closed' }, 'bob');
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
  });

  it('a child event costs the same requests with 2 or 25 tracking tickets on the master', async () => {
    const cost = async (children: number) => {
      const t = await incident();
      const opened: Issue[] = [];
      for (let n = 0; n < children; n += 1) opened.push(await t.open('acme/api', { title: `Task ${n}`, body: '', labels: [`incident-id::${t.id}`] }));
      const target = opened[Math.floor(children / 2)]!;
      t.clock.now = minutes(30);
      const start = t.fake.requests.length;
      await t.change(target, { title: `Task ${Math.floor(children / 2)} renamed` }, 'bob');
      expect(t.row(target)?.title).toBe(`Task ${Math.floor(children / 2)} renamed`);
      return t.fake.requests.slice(start).map((r) => `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/N')}`);
    };
    const few = await cost(2);
    expect(await cost(25)).toEqual(few);
    expect(few.filter((r) => r.startsWith('PATCH /repos/acme/security/issues/N'))).toHaveLength(1);
  });
});
