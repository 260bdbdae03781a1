import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/core/block.js';
import { parseTracking } from '../../src/core/children.js';
import type { Issue, Project, TrackerKind } from '../../src/core/model.js';
import { handleEvent } from '../../src/shell/handle-event.js';
import { sweepTracker } from '../../src/shell/run-events.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import type { NewIssue, Tracker } from '../../src/tracker/port.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent, noteEvent } from '../support/events.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
// The same file in every project; the incident project's copy says which projects may bring work into it.
const CONFIG = 'incidentProject: sec/incidents\nreportsFrom: [team/app]\ntrackingFrom: [team/api, oss/lib]\n';

/**
 * An incident opened from `team/app` into the private incident project `sec/incidents` (GitLab: confidential
 * master), with `team/api` (private) and `oss/lib` (public) as other projects that carry the same configuration.
 */
async function incident(kind: TrackerKind = 'gitlab', config = CONFIG, options: { title?: string; wrap?: (tracker: Tracker, store: MemoryStore) => Tracker } = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind, now: () => clock.now });
  const tracker = options.wrap ? options.wrap(new MemoryTracker(store), store) : new MemoryTracker(store);
  const configPath = kind === 'gitlab' ? '.gitlab/incident-desk.yml' : '.github/incident-desk.yml';
  const files = { [configPath]: config };
  const app = store.addProject('team/app', { visibility: 'private', files });
  store.addProject('sec/incidents', { visibility: 'private', files });
  const projects: Record<string, Project> = {
    'team/app': app,
    'team/api': store.addProject('team/api', { visibility: 'private', files }),
    'oss/lib': store.addProject('oss/lib', { visibility: 'public', files }),
  };
  for (const path of ['team/app', 'sec/incidents', 'team/api', 'oss/lib']) {
    store.setAccess(path, 'alice', 'write');
    store.setAccess(path, 'bob', 'write');
    store.setAccess(path, 'mallory', 'read');
  }
  const source = store.seedIssue('team/app', { title: options.title ?? 'Heap overflow in the image parser', body: 'details', labels: ['incident'], author: 'alice' });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  expect(await handleEvent(issueEvent(app, source, { tracker: kind }), ctx)).toBe('done');
  const master = (): Issue => store.listIssues('sec/incidents', { labels: ['incident::master'], state: 'all' })[0]!;
  const id = readTicketState(master().body)!.id;
  const rows = () => parseTracking(splitBody(master().body).block);
  const timeline = (): string => {
    const m = master();
    return (trustedState(m)?.run?.timeline ?? []).map((c) => store.comment(m.ref, c).body).join('\n');
  };
  const event = (issue: Issue, options: Parameters<typeof issueEvent>[2] = {}) =>
    handleEvent(issueEvent(projects[issue.ref.project] ?? app, issue, { tracker: kind, addedLabels: [], ...options }), ctx);
  const say = (body: string, actor = 'alice') => handleEvent(noteEvent(store.getProject('sec/incidents'), master(), body, actor, kind), ctx);
  const close = (issue: Issue, actor = 'alice') => {
    store.editIssue(issue.ref, { state: 'closed' });
    return event(store.issue(issue.ref), { action: 'closed', actor: { username: actor, id: 3, isBot: false } });
  };
  const closeChildren = () => {
    for (const c of readTicketState(master().body)?.children ?? []) store.editIssue({ project: c.ref.split('#')[0]!, number: Number(c.ref.split('#')[1]) }, { state: 'closed' });
  };
  const writes = () => store.calls.filter((c) => ['updateIssue', 'createIssue', 'createComment', 'updateComment'].includes(c.operation)).length;
  return { store, clock, ctx, id, master, rows, timeline, event, say, close, closeChildren, writes, projects };
}

describe('correlation of tracking tickets', () => {
  it('a child opened with the label in another private project: labelled, back-referenced, linked, listed, on the timeline', async () => {
    const t = await incident();
    const child = t.store.seedIssue('team/api', { title: 'Rotate the API keys', body: 'our notes', labels: [`incident-id::${t.id}`], assignees: ['bob'], confidential: true });
    expect(await t.event(child, { action: 'opened' })).toBe('done');
    const after = t.store.issue(child.ref);
    expect(after.labels).toEqual(expect.arrayContaining([`incident-id::${t.id}`, 'incident::task']));
    expect(splitBody(after.body).rest).toBe('our notes');
    expect(after.body).toContain(`[${t.master().ref.project}#${t.master().ref.number}](${t.master().webUrl})`);
    expect(t.store.linksOf(t.master().ref)).toContain(`team/api#${child.ref.number}`);
    expect(t.rows()).toContainEqual(expect.objectContaining({ ref: `team/api#${child.ref.number}`, owner: 'bob', state: 'open', title: 'Rotate the API keys' }));
    expect(t.timeline()).toContain(`linked tracking ticket team/api#${child.ref.number} "Rotate the API keys" for @\u200bbob`);
  });

  it('a label added later, and an identifier in the title, both correlate', async () => {
    const t = await incident();
    const later = t.store.seedIssue('team/api', { title: 'Audit the logs', body: '', labels: [], confidential: true });
    expect(await t.event(later, { action: 'opened' })).toBe('not-a-trigger');
    t.store.editIssue(later.ref, { labels: [`incident-id::${t.id}`] });
    expect(await t.event(t.store.issue(later.ref), { action: 'labeled', addedLabels: [`incident-id::${t.id}`] })).toBe('done');
    const titled = t.store.seedIssue('team/api', { title: `[${t.id}] Backport the fix`, body: '', confidential: true });
    expect(await t.event(titled, { action: 'opened' })).toBe('done');
    expect(t.store.issue(titled.ref).labels).toContain(`incident-id::${t.id}`);
    expect(t.rows().map((r) => r.ref)).toEqual(expect.arrayContaining([`team/api#${later.ref.number}`, `team/api#${titled.ref.number}`]));
  });

  it('a CVE recorded with /cve is an alias: a child tagged with it joins the same master', async () => {
    const t = await incident();
    await t.say('/cve CVE-2026-40001');
    const child = t.store.seedIssue('team/api', { title: '[CVE-2026-40001] Update the image library', body: '', confidential: true });
    expect(await t.event(child, { action: 'opened' })).toBe('done');
    expect(t.rows().map((r) => r.ref)).toContain(`team/api#${child.ref.number}`);
    expect(t.store.issue(child.ref).labels).toContain(`incident-id::${t.id}`);
  });

  it('a public child gets the identifier only: no master reference, no native link; the master lists it', async () => {
    const t = await incident();
    const child = t.store.seedIssue('oss/lib', { title: 'Harden the decoder', body: 'public text', labels: [`incident-id::${t.id}`], confidential: false });
    expect(await t.event(child, { action: 'opened' })).toBe('done');
    const after = t.store.issue(child.ref);
    expect(after.body).toContain(t.id);
    expect(after.body).not.toContain('sec/incidents');
    expect(after.body).not.toContain('Heap overflow');
    expect(splitBody(after.body).rest).toBe('public text');
    expect(t.store.linksOf(t.master().ref)).not.toContain(`oss/lib#${child.ref.number}`);
    expect(t.rows().map((r) => r.ref)).toContain(`oss/lib#${child.ref.number}`);
  });

  it('an unknown identifier gets one comment and nothing else, however often the issue changes', async () => {
    const t = await incident();
    const child = t.store.seedIssue('team/api', { title: 'Something', body: 'text', labels: ['incident-id::INC-2026-999'] });
    expect(await t.event(child, { action: 'opened' })).toBe('done');
    expect(await t.event(t.store.issue(child.ref), { action: 'edited' })).toBe('done');
    const comments = t.store.listComments(child.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('INC-2026-999');
    expect(t.store.issue(child.ref).labels).toEqual(['incident-id::INC-2026-999']);
    expect(t.store.issue(child.ref).body).toBe('text');
  });

  it("a child's close, reopen, retitle and new owner each update its row with one write of the master", async () => {
    const t = await incident();
    const child = t.store.seedIssue('team/api', { title: 'Rotate', body: '', labels: [`incident-id::${t.id}`], confidential: true });
    await t.event(child, { action: 'opened' });
    const masterWrites = () => t.store.calls.filter((c) => c.operation === 'updateIssue' && c.target.startsWith('sec/incidents')).length;
    const before = masterWrites();
    t.clock.now = minutes(5);
    await t.close(child);
    expect(t.rows().find((r) => r.ref.endsWith(`#${child.ref.number}`))?.state).toBe('closed');
    expect(masterWrites() - before).toBe(1);
    t.clock.now = minutes(6);
    t.store.editIssue(child.ref, { state: 'open', title: 'Rotate all keys', assignees: ['alice'] });
    await t.event(t.store.issue(child.ref), { action: 'reopened' });
    expect(t.rows().find((r) => r.ref.endsWith(`#${child.ref.number}`))).toMatchObject({ state: 'open', title: 'Rotate all keys', owner: 'alice' });
    expect(masterWrites() - before).toBe(2);
    expect(t.timeline()).toContain(`closed tracking ticket team/api#${child.ref.number}`);
    expect(t.timeline()).toContain(`reopened tracking ticket team/api#${child.ref.number}`);
    // A redelivered older event changes nothing.
    const writes = t.writes();
    await t.event({ ...child, updatedAt: '2026-11-22T10:00:00.000Z' }, { action: 'opened' });
    expect(t.writes()).toBe(writes);
  });

  it("a child's new due date updates its row with one write of the master: GitLab's field, GitHub's Due line", async () => {
    for (const kind of ['gitlab', 'github'] as const) {
      const t = await incident(kind);
      const child = t.store.seedIssue('team/api', { title: 'Rotate', body: 'Due: 2026-12-01', labels: [`incident-id::${t.id}`], confidential: true, ...(kind === 'gitlab' ? { dueDate: '2026-12-01' } : {}) });
      await t.event(child, { action: 'opened' });
      const row = () => t.rows().find((r) => r.ref === `team/api#${child.ref.number}`);
      expect(row()?.due, kind).toBe('2026-12-01');
      const masterWrites = () => t.store.calls.filter((c) => c.operation === 'updateIssue' && c.target.startsWith('sec/incidents')).length;
      const before = masterWrites();
      t.clock.now = minutes(5);
      const current = t.store.issue(child.ref);
      t.store.editIssue(child.ref, kind === 'gitlab' ? { dueDate: '2026-11-30' } : { body: current.body.replace('Due: 2026-12-01', 'Due: 2026-11-30') });
      await t.event(t.store.issue(child.ref), { action: 'edited', ...(kind === 'github' ? { previousBody: current.body } : {}) });
      expect(row()?.due, kind).toBe('2026-11-30');
      expect(masterWrites() - before, kind).toBe(1);
    }
  });

  it('an older event of a child delivered after its close does not reopen its row', async () => {
    const t = await incident();
    const child = t.store.seedIssue('team/api', { title: 'Rotate', body: '', labels: [`incident-id::${t.id}`], confidential: true });
    await t.event(child, { action: 'opened' });
    t.clock.now = minutes(5);
    const retitled = t.store.editIssue(child.ref, { title: 'Rotate all keys' });
    t.clock.now = minutes(6);
    await t.close(t.store.issue(child.ref));
    expect(t.rows().find((r) => r.ref === `team/api#${child.ref.number}`)?.state).toBe('closed');
    // The retitle's event (10:05, open) arrives after the close's (10:06).
    await t.event(retitled, { action: 'edited' });
    expect(t.rows().find((r) => r.ref === `team/api#${child.ref.number}`)?.state).toBe('closed');
  });

  it('a child event costs the same number of requests with 5 or 150 children on the master', async () => {
    const cost = async (children: number) => {
      const t = await incident();
      const seeded: Issue[] = [];
      for (let n = 0; n < children; n += 1) {
        const c = t.store.seedIssue('team/api', { title: `Task ${n}`, body: '', labels: [`incident-id::${t.id}`], confidential: true });
        await t.event(c, { action: 'opened' });
        seeded.push(c);
      }
      const target = seeded[Math.floor(children / 2)]!;
      t.store.editIssue(target.ref, { state: 'closed' });
      const start = t.store.calls.length;
      await t.event(t.store.issue(target.ref), { action: 'closed' });
      return t.store.calls.slice(start).map((c) => c.operation);
    };
    const few = await cost(5);
    const many = await cost(150);
    expect(many).toEqual(few);
    expect(few.length).toBeLessThanOrEqual(8);
  });
});

describe('correlation is authorized (issue 11, case 5)', () => {
  /** The one comment an issue got, with its identifier written as ID: the same words must mean the same answer. */
  const answerOf = (t: Awaited<ReturnType<typeof incident>>, issue: Issue, id: string) => {
    const comments = t.store.listComments(issue.ref);
    expect(comments).toHaveLength(1);
    return comments[0]!.body.split(id).join('ID');
  };

  it('a public place never learns whether an identifier exists: a known one it may not use gets the unknown answer', async () => {
    const t = await incident();
    t.store.addProject('oss/other', { visibility: 'public', files: { '.gitlab/incident-desk.yml': CONFIG } });
    t.store.setAccess('oss/other', 'alice', 'write');
    const known = t.store.seedIssue('oss/other', { title: `[${t.id}] question`, body: 'is this the embargoed one?', author: 'alice' });
    const unknown = t.store.seedIssue('oss/other', { title: '[INC-2026-999] question', body: 'is this the embargoed one?', author: 'alice' });
    const masterBefore = t.master().body;
    expect(await t.event(known, { action: 'opened' })).toBe('done');
    expect(await t.event(unknown, { action: 'opened' })).toBe('done');
    expect(answerOf(t, known, t.id)).toBe(answerOf(t, unknown, 'INC-2026-999'));
    // Nothing else: no label, no edit, no row, no timeline line.
    expect(t.store.issue(known.ref)).toMatchObject({ labels: [], body: 'is this the embargoed one?' });
    expect(t.master().body).toBe(masterBefore);
    expect(t.timeline()).not.toContain('oss/other');
    // Changed again, it says nothing more.
    t.store.editIssue(known.ref, { body: 'still wondering' }, 'alice');
    await t.event(t.store.issue(known.ref), { action: 'edited' });
    expect(t.store.listComments(known.ref)).toHaveLength(1);
  });

  it('the person who labelled or titled the child needs triage or Reporter access to the incident project', async () => {
    const t = await incident();
    // mallory can write to team/api but only read the incident project.
    t.store.setAccess('team/api', 'mallory', 'write');
    const labelled = t.store.seedIssue('team/api', { title: 'Rotate keys', body: '', confidential: true, author: 'bob' });
    t.store.editIssue(labelled.ref, { labels: [`incident-id::${t.id}`] }, 'mallory');
    expect(await t.event(t.store.issue(labelled.ref), { action: 'labeled', addedLabels: [`incident-id::${t.id}`], actor: { username: 'mallory', id: 9, isBot: false } })).toBe('done');
    const titled = t.store.seedIssue('team/api', { title: `[${t.id}] Backport`, body: '', confidential: true, author: 'mallory' });
    expect(await t.event(titled, { action: 'opened', actor: { username: 'mallory', id: 9, isBot: false } })).toBe('done');
    expect(t.rows()).toEqual([]);
    for (const child of [labelled, titled]) {
      expect(t.store.issue(child.ref).labels).not.toContain('incident::task');
      expect(t.store.listComments(child.ref)).toHaveLength(1);
    }
    // A later event on the issue asks the tracker who added the label: still mallory, still refused.
    t.store.editIssue(labelled.ref, { assignees: ['bob'] }, 'bob');
    await t.event(t.store.issue(labelled.ref), { action: 'assigned', actor: { username: 'bob', id: 2, isBot: false } });
    expect(t.rows()).toEqual([]);
    // bob (write access to the incident project) labels one: it is a tracking ticket.
    const byBob = t.store.seedIssue('team/api', { title: 'Audit logs', body: '', confidential: true, author: 'mallory' });
    t.store.editIssue(byBob.ref, { labels: [`incident-id::${t.id}`] }, 'bob');
    expect(await t.event(t.store.issue(byBob.ref), { action: 'labeled', addedLabels: [`incident-id::${t.id}`], actor: { username: 'bob', id: 2, isBot: false } })).toBe('done');
    expect(t.rows().map((r) => r.ref)).toEqual([`team/api#${byBob.ref.number}`]);
  });

  it("a repository whose own configuration names the incident project cannot attach to it, nor open intakes there, unless the incident project allows it", async () => {
    const t = await incident();
    // evil/repo names sec/incidents in its own file; sec/incidents' file does not list it. alice may even write to both.
    const evil = t.store.addProject('evil/repo', { visibility: 'private', files: { '.gitlab/incident-desk.yml': 'incidentProject: sec/incidents\n' } });
    t.store.setAccess('evil/repo', 'alice', 'write');
    const child = t.store.seedIssue('evil/repo', { title: 'Something', body: '', labels: [`incident-id::${t.id}`], confidential: true, author: 'alice' });
    expect(await handleEvent(issueEvent(evil, child, { action: 'opened', addedLabels: [] }), t.ctx)).toBe('done');
    expect(t.rows()).toEqual([]);
    expect(t.store.issue(child.ref).labels).toEqual([`incident-id::${t.id}`]);

    const masters = () => t.store.listIssues('sec/incidents', { labels: ['incident::master'], state: 'all' }).length;
    const before = masters();
    const report = t.store.seedIssue('evil/repo', { title: 'Please triage', body: 'secret details', labels: ['incident'], author: 'alice' });
    expect(await handleEvent(issueEvent(evil, report), t.ctx)).toBe('stopped');
    expect(masters()).toBe(before);
    // The report is still protected, and told why.
    const after = t.store.issue(report.ref);
    expect(after).toMatchObject({ confidential: true, body: 'secret details' });
    expect(after.labels).toContain('incident::needs-config');
    expect(t.store.listComments(report.ref).map((c) => c.body).join('\n')).toContain('does not take reports from this project');

    // Once sec/incidents lists it, the same report opens an incident there.
    t.store.putFile('sec/incidents', '.gitlab/incident-desk.yml', `${CONFIG}`.replace('reportsFrom: [team/app]', 'reportsFrom: [team/app, evil]'));
    t.store.editIssue(report.ref, { labels: after.labels.filter((l) => l !== 'incident::needs-config') }, 'alice');
    expect(await handleEvent(issueEvent(evil, t.store.issue(report.ref)), t.ctx)).toBe('done');
    expect(masters()).toBe(before + 1);
  });
});

describe('/task', () => {
  it('GitLab: opens a confidential ticket in another project from the template, assigned, due by the SLA, linked and listed', async () => {
    const t = await incident();
    expect(await t.say('/task @bob team/api Rotate the signing keys\nRotate every key and confirm in this ticket.')).toBe('done');
    const created = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    expect(created.confidential).toBe(true);
    expect(created.title).toBe(`[${t.id}] Rotate the signing keys`);
    expect(created.assignees).toEqual(['bob']);
    expect(created.dueDate).toBe('2026-11-29');
    // The due date lives in GitLab's field only: no copy in the text to go stale when someone moves it there.
    expect(created.body).not.toContain('2026-11-29');
    expect(created.body).toContain("| Due: | this ticket's due date |");
    expect(created.body).toContain(t.id);
    expect(created.body).toContain('Heap overflow in the image parser');
    expect(created.body).toContain('Rotate every key and confirm in this ticket.');
    expect(created.body).toContain(`(${t.master().webUrl})`);
    expect(t.store.linksOf(t.master().ref)).toContain(`team/api#${created.ref.number}`);
    expect(t.rows()).toContainEqual(expect.objectContaining({ ref: `team/api#${created.ref.number}`, owner: 'bob', due: '2026-11-29', state: 'open' }));
    expect(t.timeline()).toContain(`opened tracking ticket team/api#${created.ref.number}`);
  });

  it('GitLab: a task in a public project is created confidential and gets its details only once that is confirmed', async () => {
    const t = await incident();
    expect(await t.say('/task @bob oss/lib Update the decoder due 2026-12-05')).toBe('done');
    const created = t.store.allIssues('oss/lib').find((i) => i.labels.includes('incident::task'))!;
    expect(created.confidential).toBe(true);
    expect(created.body).toContain('Heap overflow in the image parser');
    expect(created.dueDate).toBe('2026-12-05');
    // First write was without details.
    const creates = t.store.calls.filter((c) => c.operation === 'createIssue' && c.target.startsWith('oss/lib'));
    expect(creates).toHaveLength(1);
  });

  it('GitHub: refuses a public repository without --public, and with --public when the text carries incident details', async () => {
    const t = await incident('github');
    await t.say('/task @bob oss/lib Update the decoder');
    expect(t.store.allIssues('oss/lib')).toHaveLength(0);
    await t.say('/task @bob oss/lib Fix heap overflow in the image parser --public');
    expect(t.store.allIssues('oss/lib')).toHaveLength(0);
    const replies = t.store.listComments(t.master().ref).filter((c) => c.body.includes('incident-desk:invalid'));
    expect(replies).toHaveLength(2);
    expect(replies[0]!.body).toContain('--public');
    expect(replies[1]!.body).toContain("incident's title");
    expect(await t.say('/task @bob oss/lib Update the decoder to 2.4 due 2026-12-05 --public')).toBe('done');
    const created = t.store.allIssues('oss/lib')[0]!;
    expect(created.body).toContain(t.id);
    expect(created.body).not.toContain('sec/incidents');
    expect(created.body).not.toContain('Heap overflow');
    expect(created.body).toContain('**Due:** 2026-12-05');
    expect(t.rows()).toContainEqual(expect.objectContaining({ ref: `oss/lib#${created.ref.number}`, due: '2026-12-05' }));
  });

  it('GitHub: a private repository gets the full ticket; the due date lives in its description', async () => {
    const t = await incident('github');
    expect(await t.say('/task @bob team/api Rotate the keys due 2026-12-03')).toBe('done');
    const created = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    expect(created.body).toContain('Heap overflow in the image parser');
    expect(created.body).toContain('| Due: | 2026-12-03 |');
    expect(t.rows()).toContainEqual(expect.objectContaining({ ref: `team/api#${created.ref.number}`, due: '2026-12-03', owner: 'bob' }));
  });

  it('GitLab: a task in a project that is not private is created with a neutral title and text, its own only once confirmed', async () => {
    const drafts: Array<{ project: string; input: NewIssue }> = [];
    const wrap = (inner: Tracker): Tracker =>
      new Proxy(inner, {
        get: (target, prop, receiver) =>
          prop === 'createIssue'
            ? async (project: string, input: NewIssue) => {
                drafts.push({ project, input });
                return target.createIssue(project, input);
              }
            : Reflect.get(target, prop, receiver),
      });
    const t = await incident('gitlab', CONFIG, { wrap });
    expect(await t.say('/task @bob oss/lib Patch the decoder of team/api\nBump it and confirm here.')).toBe('done');
    const created = t.store.allIssues('oss/lib').find((i) => i.labels.includes('incident::task'))!;
    const draft = drafts.find((d) => d.project === 'oss/lib')!.input;
    expect(draft).toMatchObject({ title: `[${t.id}] Tracking ticket`, confidential: true });
    expect(draft.body).not.toContain('Patch the decoder');
    expect(draft.body).not.toContain('Bump it');
    expect(created).toMatchObject({ confidential: true, title: `[${t.id}] Patch the decoder of team/api` });
    expect(created.body).toContain('Bump it and confirm here.');
  });

  it('GitLab: when the tracker does not confirm a task confidential, the master is told exactly what the ticket holds', async () => {
    // A tracker that answers (and keeps) new issues of oss/lib as not confidential, as a misconfigured GitLab might.
    const wrap = (inner: Tracker, store: MemoryStore): Tracker =>
      new Proxy(inner, {
        get: (target, prop, receiver) =>
          prop === 'createIssue'
            ? async (project: string, input: NewIssue) => {
                const issue = await target.createIssue(project, input);
                return project === 'oss/lib' ? store.editIssue(issue.ref, { confidential: false }) : issue;
              }
            : Reflect.get(target, prop, receiver),
      });
    const t = await incident('gitlab', CONFIG, { wrap });
    await t.say('/task @bob oss/lib Patch the decoder\nBump it and confirm here.');
    const created = t.store.allIssues('oss/lib').find((i) => i.labels.includes('incident::task'))!;
    expect(created.confidential).toBe(false);
    expect(created.title).toBe(`[${t.id}] Tracking ticket`);
    expect(created.body).not.toContain('Patch the decoder');
    expect(created.body).not.toContain('Bump it');
    const said = t.store.listComments(t.master().ref).map((c) => c.body).find((b) => b.includes(`oss/lib#${created.ref.number}`))!;
    expect(said).toContain(`the title "[${t.id}] Tracking ticket", the identifier ${t.id}`);
    expect(said).toContain('the title and text you gave were not written');
    expect(t.rows().map((r) => r.ref)).not.toContain(`oss/lib#${created.ref.number}`);
  });

  it('GitHub --public: every CVE and identifier is checked against the incident and its aliases, the title by its words', async () => {
    const t = await incident('github', CONFIG, { title: 'CVE-2026-1111: heap overflow in the image parser' });
    expect(t.id).toBe('CVE-2026-1111');
    await t.say('/cve CVE-2026-2222');
    await t.say('/task @bob oss/lib Ship the patch release --public\nIt covers CVE-2026-1111 and CVE-2026-2222.');
    await t.say('/task @bob oss/lib Fix the heap overflow in the image parsing code --public');
    expect(t.store.allIssues('oss/lib')).toHaveLength(0);
    const replies = t.store.listComments(t.master().ref).filter((c) => c.body.includes('incident-desk:invalid'));
    expect(replies.map((r) => r.body)).toEqual([expect.stringContaining('a CVE id of this incident (CVE-2026-2222)'), expect.stringContaining("the incident's title")]);
  });

  it('GitHub --public: the master is told exactly what the public ticket holds', async () => {
    const t = await incident('github');
    expect(await t.say('/task @bob oss/lib Update the decoder to 2.4 due 2026-12-05 --public\nPlease bump the dependency.')).toBe('done');
    const created = t.store.allIssues('oss/lib')[0]!;
    const note = t.store.listComments(t.master().ref).find((c) => c.body.includes('<!-- incident-desk:public-task -->'))!;
    expect(note.body).toContain(`public tracking ticket oss/lib#${created.ref.number}`);
    expect(note.body).toContain(`> **${created.title}**`);
    expect(note.body).toContain(`> **Tracking ticket of incident ${t.id}.**`);
    expect(note.body).toContain('> **Due:** 2026-12-05');
    expect(note.body).toContain('> Please bump the dependency.');
    // Every visible line of the ticket is in the note, and nothing else of it.
    const visible = created.body.replace(/<!--[\s\S]*?-->/g, '').split('\n').filter((l) => l.trim() !== '');
    const quoted = note.body.split('\n').filter((l) => l.startsWith('> ') && !l.startsWith('> **[')).map((l) => l.slice(2));
    expect(quoted).toEqual(visible);
  });

  it('is refused for people without write access and explained for an unknown project', async () => {
    const t = await incident();
    await t.say('/task @bob team/api Something', 'mallory');
    await t.say('/task @bob nowhere/else Something');
    expect(t.store.allIssues('team/api').filter((i) => i.labels.includes('incident::task'))).toHaveLength(0);
    const bodies = t.store.listComments(t.master().ref).map((c) => c.body).join('\n');
    expect(bodies).toContain('incident-desk:refusal');
    expect(bodies).toContain('nowhere/else');
  });
});

describe('closing the master', () => {
  it('reopens a master closed while children are open, with one comment listing them', async () => {
    const t = await incident();
    await t.say('/task @bob team/api Rotate the keys');
    t.closeChildren();
    t.clock.now = minutes(30);
    expect(await t.close(t.master(), 'bob')).toBe('done');
    expect(t.master().state).toBe('open');
    const guard = t.store.listComments(t.master().ref).filter((c) => c.body.includes('incident-desk:close-guard'));
    expect(guard).toHaveLength(1);
    expect(guard[0]!.body).toMatch(/team\/api#\d+ \(tracking ticket, `@bob`\)/);
    expect(t.timeline()).toContain('tried to close the incident with 1 open tickets; reopened');
  });

  it('with every child closed: the close stands and the incident summary is posted', async () => {
    const t = await incident();
    await t.say('/task @bob team/api Rotate the keys');
    const task = t.store.allIssues('team/api').find((i) => i.labels.includes('incident::task'))!;
    await t.close(task);
    t.closeChildren();
    t.clock.now = minutes(24 * 60 + 90);
    await t.close(t.master(), 'bob');
    expect(t.master().state).toBe('closed');
    const summary = t.store.listComments(t.master().ref).find((c) => c.body.includes('incident-desk:incident-summary'))!;
    expect(summary.body).toContain(`| Identifier: | ${t.id} |`);
    expect(summary.body).toContain('| Opened: | 2026-11-22T10:00:00Z |');
    expect(summary.body).toContain('| Closed: | 2026-11-23T11:30:00Z |');
    expect(summary.body).toContain('| Duration: | 1 d 1 h 30 min |');
    expect(summary.body).toContain('| `@bob` | 1 |');
    expect(summary.body).toContain('@alice · labeled the report `incident`');
    expect(summary.body).toContain('@bob · closed the incident');
  });

  it('closeGuard: false lets the master close with open children', async () => {
    const t = await incident('gitlab', `${CONFIG}closeGuard: false\n`);
    await t.say('/task @bob team/api Rotate the keys');
    await t.close(t.master(), 'bob');
    expect(t.master().state).toBe('closed');
  });
});

describe('the sweep', () => {
  it("re-renders the overdue flags once a child's due date passed, and only then", async () => {
    const t = await incident();
    await t.say('/task @bob team/api Rotate the keys due 2026-11-23');
    expect(t.master().body).toContain('0 overdue');
    const quiet = t.writes();
    await sweepTracker(new MemoryTracker(t.store), t.ctx, minutes(60));
    expect(t.master().body).toContain('0 overdue');
    expect(t.writes()).toBe(quiet);
    const writes = t.writes();
    await sweepTracker(new MemoryTracker(t.store), t.ctx, new Date('2026-11-24T08:00:00Z'));
    expect(t.master().body).toContain('1 overdue');
    expect(t.writes()).toBeGreaterThan(writes);
  });
});
