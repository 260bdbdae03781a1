import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/kernel/block.js';
import { parseTracking } from '../../src/tracking/section.js';
import type { Issue, Project, TrackerKind } from '../../src/kernel/model.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import type { NewIssue, Tracker } from '../../src/tracker/port.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent, noteEvent } from '../support/events.js';

const T0 = new Date('2026-11-22T10:00:00Z');
// The same file in every project; the incident project's copy says which projects may bring work into it.
const CONFIG = 'incidentProject: sec/incidents\nreportsFrom: [team/app]\ntrackingFrom: [team/api, oss/lib]\n';

/**
 * An incident opened from `team/app` into the private incident project `sec/incidents` (GitLab: confidential
 * master), with `team/api` (private) and `oss/lib` (public) as other projects that carry the same configuration.
 */
async function incident(
  kind: TrackerKind = 'gitlab',
  config = CONFIG,
  options: { title?: string; wrap?: (tracker: Tracker, store: MemoryStore) => Tracker } = {},
) {
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
  const source = store.seedIssue('team/app', {
    title: options.title ?? 'Heap overflow in the image parser',
    body: 'details',
    labels: ['incident'],
    author: 'alice',
  });
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
    handleEvent(
      issueEvent(projects[issue.ref.project] ?? app, issue, { tracker: kind, addedLabels: [], ...options }),
      ctx,
    );
  const say = (body: string, actor = 'alice') =>
    handleEvent(noteEvent(store.getProject('sec/incidents'), master(), body, actor, kind), ctx);
  const close = (issue: Issue, actor = 'alice') => {
    store.editIssue(issue.ref, { state: 'closed' });
    return event(store.issue(issue.ref), { action: 'closed', actor: { username: actor, id: 3, isBot: false } });
  };
  const closeChildren = () => {
    for (const c of readTicketState(master().body)?.children ?? [])
      store.editIssue({ project: c.ref.split('#')[0]!, number: Number(c.ref.split('#')[1]) }, { state: 'closed' });
  };
  const writes = () =>
    store.calls.filter((c) => ['updateIssue', 'createIssue', 'createComment', 'updateComment'].includes(c.operation))
      .length;
  return { store, clock, ctx, id, master, rows, timeline, event, say, close, closeChildren, writes, projects };
}

// Issue 11's cases 5 and 6 on the in-memory tracker; the tracking scenarios common to every tracker are in
// test/e2e/tracking.test.ts.

describe('correlation is authorized (issue 11, case 5)', () => {
  /** The one comment an issue got, with its identifier written as ID: the same words must mean the same answer. */
  const answerOf = (t: Awaited<ReturnType<typeof incident>>, issue: Issue, id: string) => {
    const comments = t.store.listComments(issue.ref);
    expect(comments).toHaveLength(1);
    return comments[0]!.body.split(id).join('ID');
  };

  it(
    'a public place never learns whether an identifier exists: ' + 'a known one it may not use gets the unknown answer',
    async () => {
      const t = await incident();
      t.store.addProject('oss/other', { visibility: 'public', files: { '.gitlab/incident-desk.yml': CONFIG } });
      t.store.setAccess('oss/other', 'alice', 'write');
      const known = t.store.seedIssue('oss/other', {
        title: `[${t.id}] question`,
        body: 'is this the embargoed one?',
        author: 'alice',
      });
      const unknown = t.store.seedIssue('oss/other', {
        title: '[INC-2026-999] question',
        body: 'is this the embargoed one?',
        author: 'alice',
      });
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
    },
  );

  it(
    'the person who labelled or titled the child needs ' + 'triage or Reporter access to the incident project',
    async () => {
      const t = await incident();
      // mallory can write to team/api but only read the incident project.
      t.store.setAccess('team/api', 'mallory', 'write');
      const labelled = t.store.seedIssue('team/api', {
        title: 'Rotate keys',
        body: '',
        confidential: true,
        author: 'bob',
      });
      t.store.editIssue(labelled.ref, { labels: [`incident-id::${t.id}`] }, 'mallory');
      expect(
        await t.event(t.store.issue(labelled.ref), {
          action: 'labeled',
          addedLabels: [`incident-id::${t.id}`],
          actor: { username: 'mallory', id: 9, isBot: false },
        }),
      ).toBe('done');
      const titled = t.store.seedIssue('team/api', {
        title: `[${t.id}] Backport`,
        body: '',
        confidential: true,
        author: 'mallory',
      });
      expect(await t.event(titled, { action: 'opened', actor: { username: 'mallory', id: 9, isBot: false } })).toBe(
        'done',
      );
      expect(t.rows()).toEqual([]);
      for (const child of [labelled, titled]) {
        expect(t.store.issue(child.ref).labels).not.toContain('incident::task');
        expect(t.store.listComments(child.ref)).toHaveLength(1);
      }
      // A later event on the issue asks the tracker who added the label: still mallory, still refused.
      t.store.editIssue(labelled.ref, { assignees: ['bob'] }, 'bob');
      await t.event(t.store.issue(labelled.ref), {
        action: 'assigned',
        actor: { username: 'bob', id: 2, isBot: false },
      });
      expect(t.rows()).toEqual([]);
      // bob (write access to the incident project) labels one: it is a tracking ticket.
      const byBob = t.store.seedIssue('team/api', {
        title: 'Audit logs',
        body: '',
        confidential: true,
        author: 'mallory',
      });
      t.store.editIssue(byBob.ref, { labels: [`incident-id::${t.id}`] }, 'bob');
      expect(
        await t.event(t.store.issue(byBob.ref), {
          action: 'labeled',
          addedLabels: [`incident-id::${t.id}`],
          actor: { username: 'bob', id: 2, isBot: false },
        }),
      ).toBe('done');
      expect(t.rows().map((r) => r.ref)).toEqual([`team/api#${byBob.ref.number}`]);
    },
  );

  it(
    'a repository whose own configuration names the incident project cannot attach to it, ' +
      'nor open intakes there, unless the incident project allows it',
    async () => {
      const t = await incident();
      // evil/repo names sec/incidents in its own file; sec/incidents' file does not list it. alice may even write to
      // both.
      const evil = t.store.addProject('evil/repo', {
        visibility: 'private',
        files: { '.gitlab/incident-desk.yml': 'incidentProject: sec/incidents\n' },
      });
      t.store.setAccess('evil/repo', 'alice', 'write');
      const child = t.store.seedIssue('evil/repo', {
        title: 'Something',
        body: '',
        labels: [`incident-id::${t.id}`],
        confidential: true,
        author: 'alice',
      });
      expect(await handleEvent(issueEvent(evil, child, { action: 'opened', addedLabels: [] }), t.ctx)).toBe('done');
      expect(t.rows()).toEqual([]);
      expect(t.store.issue(child.ref).labels).toEqual([`incident-id::${t.id}`]);

      const masters = () => t.store.listIssues('sec/incidents', { labels: ['incident::master'], state: 'all' }).length;
      const before = masters();
      const report = t.store.seedIssue('evil/repo', {
        title: 'Please triage',
        body: 'secret details',
        labels: ['incident'],
        author: 'alice',
      });
      expect(await handleEvent(issueEvent(evil, report), t.ctx)).toBe('stopped');
      expect(masters()).toBe(before);
      // The report is still protected, and told why.
      const after = t.store.issue(report.ref);
      expect(after).toMatchObject({ confidential: true, body: 'secret details' });
      expect(after.labels).toContain('incident::needs-config');
      expect(
        t.store
          .listComments(report.ref)
          .map((c) => c.body)
          .join('\n'),
      ).toContain('does not take reports from this project');

      // Once sec/incidents lists it, the same report opens an incident there.
      t.store.putFile(
        'sec/incidents',
        '.gitlab/incident-desk.yml',
        `${CONFIG}`.replace('reportsFrom: [team/app]', 'reportsFrom: [team/app, evil]'),
      );
      t.store.editIssue(report.ref, { labels: after.labels.filter((l) => l !== 'incident::needs-config') }, 'alice');
      expect(await handleEvent(issueEvent(evil, t.store.issue(report.ref)), t.ctx)).toBe('done');
      expect(masters()).toBe(before + 1);
    },
  );
});

describe('/task --public and tasks in places that are not private (issue 11, case 6)', () => {
  it(
    'GitLab: a task in a project that is not private is created ' +
      'with a neutral title and text, its own only once confirmed',
    async () => {
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
    },
  );

  it(
    'GitLab: when the tracker does not confirm a task confidential, ' +
      'the master is told exactly what the ticket holds',
    async () => {
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
      const said = t.store
        .listComments(t.master().ref)
        .map((c) => c.body)
        .find((b) => b.includes(`oss/lib#${created.ref.number}`))!;
      expect(said).toContain(`the title "[${t.id}] Tracking ticket", the identifier ${t.id}`);
      expect(said).toContain('the title and text you gave were not written');
      expect(t.rows().map((r) => r.ref)).not.toContain(`oss/lib#${created.ref.number}`);
    },
  );

  it(
    'GitHub --public: every CVE and identifier is checked ' +
      'against the incident and its aliases, the title by its words',
    async () => {
      const t = await incident('github', CONFIG, { title: 'CVE-2026-1111: heap overflow in the image parser' });
      expect(t.id).toBe('CVE-2026-1111');
      await t.say('/cve CVE-2026-2222');
      await t.say('/task @bob oss/lib Ship the patch release --public\nIt covers CVE-2026-1111 and CVE-2026-2222.');
      await t.say('/task @bob oss/lib Fix the heap overflow in the image parsing code --public');
      expect(t.store.allIssues('oss/lib')).toHaveLength(0);
      const replies = t.store.listComments(t.master().ref).filter((c) => c.body.includes('incident-desk:invalid'));
      expect(replies.map((r) => r.body)).toEqual([
        expect.stringContaining('a CVE id of this incident (CVE-2026-2222)'),
        expect.stringContaining("the incident's title"),
      ]);
    },
  );

  it('GitHub --public: the master is told exactly what the public ticket holds', async () => {
    const t = await incident('github');
    expect(
      await t.say('/task @bob oss/lib Update the decoder to 2.4 due 2026-12-05 --public\nPlease bump the dependency.'),
    ).toBe('done');
    const created = t.store.allIssues('oss/lib')[0]!;
    const note = t.store
      .listComments(t.master().ref)
      .find((c) => c.body.includes('<!-- incident-desk:public-task -->'))!;
    expect(note.body).toContain(`public tracking ticket oss/lib#${created.ref.number}`);
    expect(note.body).toContain(`> **${created.title}**`);
    expect(note.body).toContain(`> **Tracking ticket of incident ${t.id}.**`);
    expect(note.body).toContain('> **Due:** 2026-12-05');
    expect(note.body).toContain('> Please bump the dependency.');
    // Every visible line of the ticket is in the note, and nothing else of it.
    const visible = created.body
      .replace(/<!--[\s\S]*?-->/g, '')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const quoted = note.body
      .split('\n')
      .filter((l) => l.startsWith('> ') && !l.startsWith('> **['))
      .map((l) => l.slice(2));
    expect(quoted).toEqual(visible);
  });
});
