import { describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, readTicketState, splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { splitTimelineComment } from '../../src/kernel/timeline.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import type { Tracker } from '../../src/tracker/port.js';
import { eventContext } from '../support/app-context.js';
import { commentKinds } from '../support/comments.js';
import { issueEvent } from '../support/events.js';
import { recordingTracker } from '../support/recording-tracker.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const SECRET_TITLE = 'RCE in the upload handler';
const SECRET_BODY = 'Send `../../etc/passwd` to /upload and the server runs it.\r\nReported by @mallory.\r\n';

function setup(kind: 'github' | 'gitlab', options: { canDelete?: boolean } = {}) {
  const store = new MemoryStore({ kind, now: () => NOW });
  const memory = new MemoryTracker(store, { canDelete: options.canDelete ?? false });
  return { store, memory };
}

function masterOf(store: MemoryStore, project: string): Issue[] {
  return store.allIssues(project).filter((i) => i.labels.includes('incident::master'));
}

function childrenOf(store: MemoryStore, project: string, id: string): Issue[] {
  return store
    .allIssues(project)
    .filter((i) => i.labels.includes(`incident-id::${id}`) && !i.labels.includes('incident::master'));
}

async function trigger(
  tracker: Tracker,
  store: MemoryStore,
  project: string,
  issue: Issue,
  ctxIn?: Awaited<ReturnType<typeof eventContext>>,
) {
  const ctx = ctxIn ?? (await eventContext(tracker));
  const fresh = store.issue(issue.ref);
  const outcome = await handleEvent(issueEvent(store.getProject(project), fresh, { tracker: store.kind }), ctx);
  return { outcome, ctx };
}

describe('intake on GitLab, in place', () => {
  it('makes the source confidential first, then turns it into the master with both children', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'public' });
    const source = store.seedIssue('team/app', {
      title: SECRET_TITLE,
      body: SECRET_BODY,
      labels: ['incident'],
      author: 'reporter',
    });
    // alice, who labels the report, is a Developer: the First Responder, and so the Incident Manager (seed 003).
    store.setAccess('team/app', 'alice', 'write');
    const tracker = recordingTracker(memory);

    const { outcome } = await trigger(tracker, store, project.path, source);
    expect(outcome).toBe('done');

    const writes = tracker.writes();
    expect(writes[0]).toEqual({ method: 'updateIssue', args: [source.ref, { confidential: true }] });

    const master = store.issue(source.ref);
    const id = `INC-2026-${source.ref.number}`;
    expect(master.confidential).toBe(true);
    expect(master.title).toBe(`[${id}] ${SECRET_TITLE}`);
    expect(master.labels).toEqual(expect.arrayContaining(['incident', 'incident::master', `incident-id::${id}`]));
    // The reporter is named in a row of their own, without a ping; being the author does not make them the Incident
    // Manager.
    expect(master.body).toContain('| Incident Manager: | @alice |');
    expect(master.body).toContain('| Reporter: | `@reporter` |');
    expect(trustedState(master)).toMatchObject({ responder: 'alice', reporter: { author: 'reporter' } });
    expect(master.labels).toContain('status::investigating');
    expect(master.body.startsWith(BLOCK_BEGIN)).toBe(true);
    expect(splitBody(master.body).rest).toBe(SECRET_BODY);
    expect(trustedState(master)).toMatchObject({ role: 'master', id, intake: true, summary: true });

    const children = childrenOf(store, 'team/app', id);
    expect(children.map((c) => c.labels.find((l) => l.startsWith('incident::'))).sort()).toEqual([
      'incident::comms',
      'incident::release',
    ]);
    for (const child of children) {
      expect(child.confidential).toBe(true);
      expect(readTicketState(child.body)).toMatchObject({ id, master: `team/app#${source.ref.number}` });
      expect(child.body).not.toContain('passwd');
      expect(child.title).not.toContain(SECRET_TITLE);
      expect(master.body).toContain(`[team/app#${child.ref.number}](${child.webUrl})`);
    }
    expect(store.linksOf(source.ref)).toHaveLength(2);
    expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
    // One comment: the summary, and below it the timeline with the intake's entries.
    const [comment] = store.listComments(source.ref);
    const { preamble: summary, timeline } = splitTimelineComment(comment!.body);
    expect(summary).toContain(`incident ${id}`);
    expect(comment!.author).toBe('incident-desk[bot]');
    expect(timeline).toContain('## Timeline');
    expect(timeline).toMatch(/^- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ · @alice · labeled the report `incident`$/m);
    expect(timeline).toContain('made this ticket confidential');
    expect(timeline).toMatch(/opened the release ticket team\/app#\d+ and linked it/);
    expect(trustedState(master)?.run?.timeline).toEqual([comment!.id]);
    expect(master.labels).toContain('phase::before-t5');
  });

  it('is idempotent: a redelivery is dropped, a re-sent trigger and a re-added label write nothing', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const tracker = recordingTracker(memory);
    const ctx = await eventContext(tracker);
    const event = issueEvent(project, store.issue(source.ref), { tracker: 'gitlab', deliveryId: 'same' });
    expect(await handleEvent(event, ctx)).toBe('done');
    const issuesAfterFirst = store.allIssues('team/app').length;
    const writesAfterFirst = tracker.writes().length;

    expect(await handleEvent(event, ctx)).toBe('duplicate');
    expect(await handleEvent({ ...event, deliveryId: 'resent' }, ctx)).toBe('done');
    store.editIssue(source.ref, { labels: store.issue(source.ref).labels.filter((l) => l !== 'incident') });
    store.editIssue(source.ref, { labels: [...store.issue(source.ref).labels, 'incident'] });
    const restarted = await eventContext(tracker);
    expect(
      await handleEvent({ ...event, deliveryId: 'after-restart', issue: store.issue(source.ref) }, restarted),
    ).toBe('done');

    expect(store.allIssues('team/app')).toHaveLength(issuesAfterFirst);
    expect(tracker.writes()).toHaveLength(writesAfterFirst);
    expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
  });

  it('handles two concurrent triggers as one intake', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const ctx = await eventContext(memory);
    const event = issueEvent(project, store.issue(source.ref), { tracker: 'gitlab' });
    const outcomes = await Promise.all([handleEvent(event, ctx), handleEvent({ ...event, deliveryId: 'other' }, ctx)]);
    expect(outcomes).toEqual(['done', 'done']);
    expect(store.allIssues('team/app')).toHaveLength(3);
  });

  it('completes a half-done intake on the next event', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    let creates = 0;
    const crashing = recordingTracker(memory, (call) => {
      if (call.method === 'createIssue' && ++creates === 2) throw new Error('process killed');
    });
    await expect(trigger(crashing, store, project.path, source)).rejects.toThrow('process killed');
    expect(store.allIssues('team/app')).toHaveLength(2);

    const { outcome } = await trigger(memory, store, project.path, source);
    expect(outcome).toBe('done');
    const id = `INC-2026-${source.ref.number}`;
    expect(childrenOf(store, 'team/app', id)).toHaveLength(2);
    expect(store.allIssues('team/app')).toHaveLength(3);
    expect(commentKinds(store, source.ref)).toEqual(['summary+timeline']);
  });

  it("keeps a person's edit made while the intake runs, and their ticks", async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    let edited = false;
    const tracker = recordingTracker(memory, (call) => {
      if (call.method === 'createComment' && !edited) {
        edited = true;
        // A person adds a line to the description just before the app's last write.
        const now = store.issue(source.ref);
        store.editIssue(source.ref, {
          body: `${now.body}\nUpdate: also affects v2.\n`,
          labels: [...now.labels, 'severity::high'],
        });
      }
    });
    await trigger(tracker, store, project.path, source);
    const master = store.issue(source.ref);
    expect(splitBody(master.body).rest).toBe(`${SECRET_BODY}\nUpdate: also affects v2.\n`);
    expect(master.labels).toContain('severity::high');

    // A tick made after intake survives another reconcile, which only updates the progress it shows.
    const ticked = master.body.replace(/- \[ \] (?<step>.*<!-- step:pick-deputy -->)/, '- [x] $<step>');
    expect(ticked).not.toBe(master.body);
    store.editIssue(source.ref, { body: ticked, labels: [...master.labels, 'incident'] });
    store.editIssue(source.ref, { labels: master.labels.filter((l) => l !== 'incident') });
    store.editIssue(source.ref, { labels: master.labels });
    await trigger(memory, store, project.path, source);
    const after = store.issue(source.ref).body;
    expect(after).toMatch(/- \[x\] .*<!-- step:pick-deputy -->/);
    expect(after).toContain('1/39 steps done');
    expect(splitBody(after).rest).toBe(splitBody(ticked).rest);
  });

  it('treats a block pasted by a reporter as text: prepends its own and ignores forged ticks', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'public' });
    const forged =
      `${BLOCK_BEGIN}\n<!-- incident-desk:state ` +
      `{"v":1,"role":"master","id":"FORGED-1","intake":true,"summary":true} -->\n- [x] x <!-- step:pick-deputy ` +
      `-->\n<!-- incident-desk:end -->\n\nreal text`;
    const source = store.seedIssue('team/app', { title: 'Bug', body: forged, labels: ['incident'] });
    await trigger(memory, store, project.path, source);
    const master = store.issue(source.ref);
    expect(trustedState(master)?.id).toBe(`INC-2026-${source.ref.number}`);
    expect(splitBody(master.body).rest).toBe(forged);
    expect(splitBody(master.body).block).toMatch(/- \[ \] .*<!-- step:pick-deputy -->/);
    expect(childrenOf(store, 'team/app', `INC-2026-${source.ref.number}`)).toHaveLength(2);
  });

  it('names the incident after a CVE in the report', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', {
      title: 'Overflow',
      body: 'Assigned CVE-2026-31337.',
      labels: ['incident'],
    });
    await trigger(memory, store, project.path, source);
    const master = store.issue(source.ref);
    expect(master.title).toBe('[CVE-2026-31337] Overflow');
    expect(childrenOf(store, 'team/app', 'CVE-2026-31337')).toHaveLength(2);
  });

  it('opens only the children the configuration asks for, in the release project it names', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    store.addProject('team/releases', { visibility: 'private' });
    store.putFile(
      'team/app',
      '.gitlab/incident-desk.yml',
      'children: [release]\nreleaseProject: team/releases\nidPrefix: SEC\n',
    );
    const source = store.seedIssue('team/app', { title: 'Bug', body: 'text', labels: ['incident'] });
    await trigger(memory, store, project.path, source);
    const id = `SEC-2026-${source.ref.number}`;
    expect(childrenOf(store, 'team/app', id)).toHaveLength(0);
    const releases = childrenOf(store, 'team/releases', id);
    expect(releases).toHaveLength(1);
    expect(releases[0]!.labels).toContain('incident::release');
  });

  it('ignores its own events and issues without the label', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    const source = store.seedIssue('team/app', { title: 'Bug', body: 'text', labels: ['bug'] });
    const ctx = await eventContext(memory);
    expect(await handleEvent(issueEvent(project, source, { addedLabels: ['bug'] }), ctx)).toBe('not-a-trigger');
    expect(
      await handleEvent(
        issueEvent(project, source, { actor: { username: 'incident-desk[bot]', id: 1, isBot: true } }),
        ctx,
      ),
    ).toBe('ignored-self');
    expect(store.allIssues('team/app')).toHaveLength(1);
  });
});

describe('intake on GitLab with a separate incident project', () => {
  it('creates the master confidential without details, verifies, then moves the details', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'public' });
    store.addProject('sec/incidents', {
      visibility: 'private',
      files: { '.gitlab/incident-desk.yml': 'reportsFrom: [team/app]\n' },
    });
    store.putFile('team/app', '.gitlab/incident-desk.yml', 'incidentProject: sec/incidents\n');
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const tracker = recordingTracker(memory);
    const { outcome } = await trigger(tracker, store, project.path, source);
    expect(outcome).toBe('done');

    const writes = tracker.writes();
    expect(writes[0]).toEqual({ method: 'updateIssue', args: [source.ref, { confidential: true }] });
    const firstCreate = writes.find((w) => w.method === 'createIssue')!;
    expect(JSON.stringify(firstCreate.args)).not.toContain('passwd');
    expect(JSON.stringify(firstCreate.args)).not.toContain(SECRET_TITLE);

    const [master] = masterOf(store, 'sec/incidents');
    expect(master).toBeDefined();
    const id = `INC-2026-${master!.ref.number}`;
    expect(master!.confidential).toBe(true);
    expect(master!.title).toBe(`[${id}] ${SECRET_TITLE}`);
    expect(splitBody(master!.body).rest).toContain('/upload and the server runs it');
    expect(splitBody(master!.body).rest).not.toMatch(/@mallory/);
    expect(childrenOf(store, 'sec/incidents', id)).toHaveLength(2);

    const after = store.issue(source.ref);
    expect(after.confidential).toBe(true);
    expect(after.body).not.toContain('passwd');
    expect(after.body).toContain(id);
    const sourceComments = store.listComments(source.ref);
    expect(sourceComments).toHaveLength(1);
    expect(sourceComments[0]!.body).toContain(id);
    expect(sourceComments[0]!.body).not.toContain('passwd');
    expect(commentKinds(store, master!.ref)).toEqual(['summary+timeline']);

    // Everything again: nothing new anywhere.
    const count = tracker.writes().length;
    await trigger(tracker, store, project.path, store.issue(source.ref));
    expect(tracker.writes()).toHaveLength(count);
    expect(masterOf(store, 'sec/incidents')).toHaveLength(1);
  });

  it('stops and reports when the tracker does not confirm confidentiality', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'public' });
    store.addProject('sec/incidents', {
      visibility: 'private',
      files: { '.gitlab/incident-desk.yml': 'reportsFrom: [team/app]\n' },
    });
    store.putFile('team/app', '.gitlab/incident-desk.yml', 'incidentProject: sec/incidents\n');
    const source = store.seedIssue('team/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const lying: Tracker = Object.create(memory) as Tracker;
    lying.createIssue = async (p, draft) => ({
      ...(await memory.createIssue(p, { ...draft, confidential: false })),
      confidential: false,
    });
    const { outcome } = await trigger(lying, store, project.path, source);
    expect(outcome).toBe('stopped');
    const created = store.allIssues('sec/incidents');
    expect(created).toHaveLength(1);
    expect(created[0]!.body).not.toContain('passwd');
    expect(created[0]!.title).not.toContain(SECRET_TITLE);
    const comments = store.listComments(source.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('stopped');
  });
});

describe('intake on GitHub', () => {
  it('a private repository is its own incident project', async () => {
    const { store, memory } = setup('github');
    const project = store.addProject('acme/security', { visibility: 'private' });
    const source = store.seedIssue('acme/security', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const { outcome } = await trigger(memory, store, project.path, source);
    expect(outcome).toBe('done');
    const master = store.issue(source.ref);
    const id = `INC-2026-${source.ref.number}`;
    expect(master.title).toBe(`[${id}] ${SECRET_TITLE}`);
    expect(splitBody(master.body).rest).toBe(SECRET_BODY);
    expect(childrenOf(store, 'acme/security', id)).toHaveLength(2);
    expect(store.linksOf(source.ref)).toHaveLength(2);
  });

  it('moves a public report to the private incident repository, redacts and locks the source', async () => {
    const { store, memory } = setup('github');
    const project = store.addProject('acme/app', { visibility: 'public' });
    store.addProject('acme/security', {
      visibility: 'private',
      files: { '.github/incident-desk.yml': 'reportsFrom: [acme/app]\n' },
    });
    store.putFile('acme/app', '.github/incident-desk.yml', 'incidentProject: acme/security\n');
    const source = store.seedIssue('acme/app', {
      title: SECRET_TITLE,
      body: SECRET_BODY,
      labels: ['incident'],
      assignees: ['triager'],
    });
    const tracker = recordingTracker(memory);
    const { outcome } = await trigger(tracker, store, project.path, source);
    expect(outcome).toBe('done');

    const [master] = masterOf(store, 'acme/security');
    const id = `INC-2026-${master!.ref.number}`;
    expect(master!.title).toBe(`[${id}] ${SECRET_TITLE}`);
    expect(splitBody(master!.body).rest).toContain('/upload and the server runs it');
    expect(childrenOf(store, 'acme/security', id)).toHaveLength(2);
    // Whoever labeled it has no write access to the incident repository: no First Responder, so no Incident Manager
    // (neither the source's assignee nor its author).
    expect(master!.body).toContain('| Incident Manager: | _not set_ |');
    expect(master!.body).not.toContain('@triager');
    expect(trustedState(master!)?.responder).toBeUndefined();

    const after = store.issue(source.ref);
    expect(after.title).not.toContain(SECRET_TITLE);
    expect(after.body).not.toContain('passwd');
    expect(after.locked).toBe(true);
    const comments = store.listComments(source.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(id);
    expect(comments[0]!.body).toContain('edit history');

    // Nothing from the incident went to the public repository.
    const target = (arg: unknown): string =>
      typeof arg === 'string'
        ? arg
        : ((arg as { ref?: { project: string }; project?: string }).ref?.project ??
          (arg as { project?: string }).project ??
          '');
    const toPublic = tracker.writes().filter((w) => target(w.args[0]) === 'acme/app');
    expect(toPublic.map((w) => w.method).sort()).toEqual(['createComment', 'lockIssue', 'updateIssue']);
    for (const write of toPublic) {
      expect(JSON.stringify(write.args)).not.toContain('passwd');
      expect(JSON.stringify(write.args)).not.toContain('acme/security');
    }
    expect(
      tracker
        .writes()
        .filter((w) => w.method === 'createIssue')
        .every((w) => w.args[0] === 'acme/security'),
    ).toBe(true);
  });

  it('deletes the public source when configured and permitted', async () => {
    const { store, memory } = setup('github', { canDelete: true });
    const project = store.addProject('acme/app', { visibility: 'public' });
    store.addProject('acme/security', {
      visibility: 'private',
      files: { '.github/incident-desk.yml': 'reportsFrom: [acme/app]\n' },
    });
    store.putFile('acme/app', '.github/incident-desk.yml', 'incidentProject: acme/security\npublicSource: delete\n');
    const source = store.seedIssue('acme/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    await trigger(memory, store, project.path, source);
    expect(store.allIssues('acme/app')).toHaveLength(0);
    const [master] = masterOf(store, 'acme/security');
    expect(store.listComments(master!.ref)[0]!.body).toContain('deleted');
  });

  it('redacts instead and says so when deleting is not permitted', async () => {
    const { store, memory } = setup('github', { canDelete: false });
    const project = store.addProject('acme/app', { visibility: 'public' });
    store.addProject('acme/security', {
      visibility: 'private',
      files: { '.github/incident-desk.yml': 'reportsFrom: [acme/app]\n' },
    });
    store.putFile('acme/app', '.github/incident-desk.yml', 'incidentProject: acme/security\npublicSource: delete\n');
    const source = store.seedIssue('acme/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    await trigger(memory, store, project.path, source);
    const after = store.issue(source.ref);
    expect(after.body).not.toContain('passwd');
    expect(after.locked).toBe(true);
    expect(store.listComments(source.ref)[0]!.body).toContain('not permitted');
  });

  it.each([
    ['no incidentProject', ''],
    ['a public incidentProject', 'incidentProject: acme/other-public\n'],
  ])('a public source with %s: nothing created, one comment, a label', async (_name, config) => {
    const { store, memory } = setup('github');
    const project = store.addProject('acme/app', { visibility: 'public' });
    store.addProject('acme/other-public', { visibility: 'public' });
    if (config) store.putFile('acme/app', '.github/incident-desk.yml', config);
    const source = store.seedIssue('acme/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const tracker = recordingTracker(memory);
    await trigger(tracker, store, project.path, source);
    await trigger(tracker, store, project.path, source);
    expect(store.allIssues('acme/app')).toHaveLength(1);
    expect(store.allIssues('acme/other-public')).toHaveLength(0);
    const after = store.issue(source.ref);
    expect(after.labels).toContain('incident::needs-config');
    expect(after.body).toBe(SECRET_BODY);
    const comments = store.listComments(source.ref);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('incidentProject');
    expect(comments[0]!.body).not.toContain('passwd');
    expect(tracker.writes().every((w) => !JSON.stringify(w.args).includes('passwd'))).toBe(true);
  });
});

describe('invalid configuration', () => {
  it('one comment naming every problem, nothing else, not repeated', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    store.putFile(
      'team/app',
      '.gitlab/incident-desk.yml',
      'idPrefix: lower\nchildren: [release, nope]\nunknownKey: 1\n',
    );
    const source = store.seedIssue('team/app', { title: 'Bug', body: 'text', labels: ['incident'] });
    const first = await trigger(memory, store, project.path, source);
    expect(first.outcome).toBe('config-error');
    await trigger(memory, store, project.path, source);
    expect(store.allIssues('team/app')).toHaveLength(1);
    expect(store.issue(source.ref).body).toBe('text');
    const comments = store.listComments(source.ref);
    expect(comments).toHaveLength(1);
    for (const key of ['idPrefix', 'children', 'unknownKey']) expect(comments[0]!.body).toContain(key);
  });

  it('still protects the report: GitLab makes it confidential with the defaults before the error comment', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('oss/app', { visibility: 'public' });
    store.putFile('oss/app', '.gitlab/incident-desk.yml', 'label: incident\nchildren: [nope]\n');
    const source = store.seedIssue('oss/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
    const tracker = recordingTracker(memory);
    expect((await trigger(tracker, store, project.path, source)).outcome).toBe('config-error');
    expect(tracker.writes().map((w) => w.method)).toEqual(['updateIssue', 'createComment']);
    expect(tracker.writes()[0]!.args).toEqual([source.ref, { confidential: true }]);
    expect(store.issue(source.ref)).toMatchObject({ confidential: true, body: SECRET_BODY, title: SECRET_TITLE });
    expect(store.allIssues('oss/app')).toHaveLength(1);
  });

  it(
    'still protects the report: a public GitHub source gets incident::needs-config, ' +
      'a private one only the problems',
    async () => {
      const { store, memory } = setup('github');
      const open = store.addProject('oss/app', { visibility: 'public' });
      const closed = store.addProject('acme/app', { visibility: 'private' });
      for (const path of ['oss/app', 'acme/app'])
        store.putFile(path, '.github/incident-desk.yml', 'label: incident\nchildren: [nope]\n');
      const exposed = store.seedIssue('oss/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
      const kept = store.seedIssue('acme/app', { title: SECRET_TITLE, body: SECRET_BODY, labels: ['incident'] });
      const ctx = await eventContext(memory);
      for (const [project, issue] of [
        [open, exposed],
        [closed, kept],
      ] as const) {
        expect(await handleEvent(issueEvent(project, store.issue(issue.ref), { tracker: 'github' }), ctx)).toBe(
          'config-error',
        );
        // A redelivery or the label added again says nothing twice.
        expect(await handleEvent(issueEvent(project, store.issue(issue.ref), { tracker: 'github' }), ctx)).toBe(
          'config-error',
        );
      }
      expect(store.issue(exposed.ref).labels).toEqual(['incident', 'incident::needs-config']);
      expect(commentKinds(store, exposed.ref)).toEqual(['needs-config', 'config-error']);
      expect(store.listComments(exposed.ref)[0]!.body).toContain('is invalid');
      expect(store.issue(kept.ref).labels).toEqual(['incident']);
      expect(commentKinds(store, kept.ref)).toEqual(['config-error']);
      for (const issue of [exposed, kept]) expect(store.issue(issue.ref).body).toBe(SECRET_BODY);
    },
  );
});

describe('templates and the approval matrix from configuration', () => {
  it(
    'uses a repository template named in the configuration ' +
      'and renders the configured approvers without pinging them',
    async () => {
      const { store, memory } = setup('gitlab');
      const project = store.addProject('team/app', { visibility: 'private' });
      store.putFile(
        'team/app',
        '.gitlab/incident-desk.yml',
        [
          'templates:',
          '  release: .gitlab/incident-desk/release.md.hbs',
          'approvals:',
          '  groups:',
          '    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }',
          '    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }',
          '  deliverables:',
          '    blog: { name: Blog post, approve: [security, legal], fyi: [] }',
          '  required: [security, legal]',
          '',
        ].join('\n'),
      );
      store.putFile(
        'team/app',
        '.gitlab/incident-desk/release.md.hbs',
        '## Our own release plan for {{id}}\n\nMaster: {{master}}\n',
      );
      const source = store.seedIssue('team/app', { title: 'Bug', body: 'text', labels: ['incident'] });
      await trigger(memory, store, project.path, source);
      const id = `INC-2026-${source.ref.number}`;
      const release = childrenOf(store, 'team/app', id).find((c) => c.labels.includes('incident::release'))!;
      expect(release.body).toContain(`## Our own release plan for ${id}`);
      expect(release.body).toContain(`Master: [team/app#${source.ref.number}]`);
      const comms = childrenOf(store, 'team/app', id).find((c) => c.labels.includes('incident::comms'))!;
      expect(comms.body).toContain('<!-- step:approve-blog-security -->');
      expect(comms.body).toContain('<!-- step:approve-blog-legal -->');
      expect(comms.body).toContain('`@sec-alice`');
      expect(comms.body).toContain('`@law-fay`');
      expect(comms.body).not.toMatch(/(?:^|[^`])@(?:sec|law)-/m);
      expect(comms.body).not.toContain('customer-email');
    },
  );

  it('reports a template named in the configuration that does not exist', async () => {
    const { store, memory } = setup('gitlab');
    const project = store.addProject('team/app', { visibility: 'private' });
    store.putFile('team/app', '.gitlab/incident-desk.yml', 'templates:\n  comms: missing.md.hbs\n');
    const source = store.seedIssue('team/app', { title: 'Bug', body: 'text', labels: ['incident'] });
    const { outcome } = await trigger(memory, store, project.path, source);
    expect(outcome).toBe('config-error');
    expect(store.allIssues('team/app')).toHaveLength(1);
    expect(store.listComments(source.ref)[0]!.body).toContain('missing.md.hbs');
  });
});
