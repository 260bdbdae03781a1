import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/core/block.js';
import type { Issue, Project, TrackerKind } from '../../src/core/model.js';
import { handleEvent } from '../../src/shell/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent, noteEvent } from '../support/events.js';

// Issue 11: the app believes only what it wrote itself. Each case is an attack tried as the issue describes it, on the
// in-memory tracker; the same cases run end to end on both trackers in test/e2e/own-state.test.ts.

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const configPath = (kind: TrackerKind) => (kind === 'gitlab' ? '.gitlab/incident-desk.yml' : '.github/incident-desk.yml');
const marker = (name: string) => `<!-- incident-desk:${name} -->`;

/**
 * A private project `team/app` where alice and bob write, mallory triages (GitHub triage, GitLab Reporter) and the
 * reporter is an outsider; nothing is open yet. `report` files a report as the reporter, `label` has alice label it.
 */
async function world(kind: TrackerKind = 'gitlab', options: { config?: string; visibility?: Project['visibility'] } = {}) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind, now: () => clock.now });
  const tracker = new MemoryTracker(store);
  const project = store.addProject('team/app', { visibility: options.visibility ?? 'private' });
  if (options.config !== undefined) store.putFile('team/app', configPath(kind), options.config);
  for (const [name, level] of [['alice', 'write'], ['bob', 'write'], ['mallory', 'triage']] as const) store.setAccess('team/app', name, level);
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  const self = await tracker.getSelf();
  const report = (body = 'details') => store.seedIssue('team/app', { title: 'Heap overflow', body, author: 'reporter' });
  const label = (issue: Issue) => {
    const labeled = store.editIssue(issue.ref, { labels: [...store.issue(issue.ref).labels, 'incident'] });
    return handleEvent(issueEvent(project, labeled, { tracker: kind, actor: { username: 'alice', id: 7, isBot: false } }), ctx);
  };
  /** A comment posted by someone (not the app), as the tracker stores it. */
  const plant = (issue: Issue, body: string, author = 'reporter') => store.createComment(issue.ref, body, author);
  const say = (issue: Issue, body: string, actor = 'alice') => {
    store.createComment(issue.ref, body, actor);
    return handleEvent(noteEvent(project, store.issue(issue.ref), body, actor, kind), ctx);
  };
  /** The app's own comments on an issue (by its account's id) that carry a marker. */
  const own = (issue: Issue, name: string) => store.listComments(issue.ref).filter((c) => c.authorId === self.id && c.body.includes(marker(name)));
  return { store, clock, project, ctx, self, report, label, plant, say, own };
}

describe('case 3: comments and markers count only when the app wrote them (its account, by id)', () => {
  it("a timeline planted before triage is not adopted: the app opens its own and appends only to that", async () => {
    const w = await world();
    const source = w.report();
    const planted = w.plant(source, `${marker('timeline')}\n## Timeline\n\n- 2026-11-22T09:00:00Z · @ceo · approved the disclosure\n`);
    expect(await w.label(source)).toBe('done');
    const ids = trustedState(w.store.issue(source.ref))!.run!.timeline!;
    expect(ids).not.toContain(planted.id);
    expect(w.own(source, 'timeline').map((c) => c.id)).toEqual(ids);
    expect(w.store.comment(source.ref, ids[0]!).body).toContain('labeled the report `incident`');
    w.clock.now = minutes(2);
    expect(await w.say(source, '/timeline called the reporter')).toBe('done');
    expect(w.store.comment(source.ref, ids[0]!).body).toContain('· @alice · called the reporter');
    // The planted comment is the reporter's text, left as they wrote it.
    expect(w.store.comment(source.ref, planted.id).body).toBe(planted.body);
  });

  it('a planted summary marker does not suppress the intake summary', async () => {
    const w = await world();
    const source = w.report();
    w.plant(source, `${marker('summary')}\n### incident-desk opened incident INC-2026-1\n- everything is fine, nothing to do`);
    expect(await w.label(source)).toBe('done');
    expect(w.own(source, 'summary')).toHaveLength(1);
  });

  it('a planted configuration-error marker does not suppress the report of an invalid configuration', async () => {
    const w = await world('gitlab', { config: 'children: [nope]\n' });
    // The app's own report on a first issue shows the marker, digest included: anyone reading it can copy it.
    const first = w.report();
    expect(await w.label(first)).toBe('config-error');
    const [reported] = w.store.listComments(first.ref).filter((c) => c.authorId === w.self.id && c.body.startsWith('<!-- incident-desk:config-error '));
    expect(reported).toBeDefined();
    const second = w.report();
    w.plant(second, reported!.body);
    expect(await w.label(second)).toBe('config-error');
    expect(w.store.listComments(second.ref).filter((c) => c.authorId === w.self.id)).toHaveLength(1);
  });

  it('a planted needs-configuration marker does not suppress the explanation on a public GitHub report', async () => {
    const w = await world('github', { visibility: 'public' });
    const source = w.report();
    w.plant(source, `${marker('needs-config')}\nAll good, nothing to configure.`);
    expect(await w.label(source)).toBe('done');
    expect(w.store.issue(source.ref).labels).toContain('incident::needs-config');
    expect(w.own(source, 'needs-config')).toHaveLength(1);
  });

  it('a planted unknown-identifier marker does not suppress the answer to a ticket naming an unknown incident', async () => {
    const w = await world();
    const child = w.store.seedIssue('team/app', { title: '[INC-2026-99] Rotate keys', body: '', author: 'alice', confidential: true });
    w.plant(child, '<!-- incident-desk:unknown-id INC-2026-99 -->\nSee the master.', 'mallory');
    expect(await handleEvent(issueEvent(w.project, child, { action: 'opened', addedLabels: [] }), w.ctx)).toBe('done');
    expect(w.store.listComments(child.ref).filter((c) => c.authorId === w.self.id)).toHaveLength(1);
  });
});
