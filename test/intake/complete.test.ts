import { describe, expect, it } from 'vitest';
import { splitBody, trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { sweepTracker } from '../../src/sweep/handle.js';
import { TrackerError } from '../../src/tracker/errors.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { commentKinds } from '../support/comments.js';
import { issueEvent } from '../support/events.js';
import { recordingTracker } from '../support/recording-tracker.js';
import type { RecordedCall } from '../support/recording-tracker.js';

// A half-done intake: the run was cut off (the process killed, the tracker down) after the master was marked or
// created and before the children. The next event on the master, or the sweep, completes it; doing it again
// changes nothing. The in-place cut-off completed by the next event or by the sweep is a scenario of every tracker
// (test/e2e/faults.test.ts); here, what the shell does while the tracker is still down, and a master in another
// project.

const T0 = new Date('2026-11-22T10:00:00Z');
const SECRET = 'Send a crafted header to /upload and the server runs it.';

/**
 * A GitLab tracker that goes down (every call throws a 503) from the moment `breakAt` says so, until `recover`.
 */
async function world(options: { config?: string } = {}) {
  const store = new MemoryStore({ kind: 'gitlab', now: () => T0 });
  const project = store.addProject('team/app', { visibility: 'private' });
  // The incident project takes reports from team/app (when team/app's configuration names it).
  store.addProject('sec/inc', {
    visibility: 'private',
    files: { '.gitlab/incident-desk.yml': 'reportsFrom: [team/app]\n' },
  });
  if (options.config) store.putFile('team/app', '.gitlab/incident-desk.yml', options.config);
  store.setAccess('team/app', 'alice', 'write');
  store.setAccess('sec/inc', 'alice', 'write');
  let down = false;
  let breakAt: ((call: RecordedCall) => boolean) | null = null;
  const tracker = recordingTracker(new MemoryTracker(store), (call) => {
    if (!down && breakAt?.(call)) down = true;
    if (down) throw new TrackerError('GitLab is down', 503, call.method);
  });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => T0);
  const source = store.seedIssue('team/app', {
    title: 'RCE in upload',
    body: SECRET,
    labels: ['incident'],
    author: 'alice',
  });
  return {
    store,
    project,
    tracker,
    ctx,
    source,
    /** The tracker goes down at the first call `when` matches (that call fails too). */
    breakWhen(when: (call: RecordedCall) => boolean) {
      breakAt = when;
    },
    recover() {
      down = false;
      breakAt = null;
    },
    trigger: () => handleEvent(issueEvent(project, store.issue(source.ref), { tracker: 'gitlab' }), ctx),
    sweep: () => sweepTracker(tracker, ctx, T0),
    childrenOf: (projectPath: string, id: string): Issue[] =>
      store
        .allIssues(projectPath)
        .filter((i) => i.labels.includes(`incident-id::${id}`) && !i.labels.includes('incident::master')),
  };
}

function timelineOf(store: MemoryStore, master: Issue): string {
  const ids = trustedState(master)?.run?.timeline ?? [];
  return ids.map((id) => store.listComments(master.ref).find((c) => c.id === id)?.body ?? '').join('\n');
}

/** The intake is complete: state, both children linked and named, one summary, the timeline opened by the trigger. */
function expectComplete(w: Awaited<ReturnType<typeof world>>, master: Issue, childProject: string) {
  const state = trustedState(master);
  expect(state).toMatchObject({ role: 'master', intake: true, summary: true });
  const id = state!.id;
  const children = w.childrenOf(childProject, id);
  expect(
    children.map((c) => c.labels.find((l) => l === 'incident::release' || l === 'incident::comms')).sort(),
  ).toEqual(['incident::comms', 'incident::release']);
  expect(w.store.linksOf(master.ref)).toHaveLength(2);
  for (const child of children) expect(master.body).toContain(`${child.ref.project}#${child.ref.number}`);
  expect(commentKinds(w.store, master.ref)).toEqual(['summary+timeline']);
  expect(timelineOf(w.store, master)).toContain('@alice · labeled the report `incident`');
  return { id, children };
}

describe('a half-done intake in place', () => {
  async function interrupted() {
    const w = await world();
    // Killed right after the master was marked: the first child is never created.
    w.breakWhen((call) => call.method === 'createIssue');
    await expect(w.trigger()).rejects.toThrow('GitLab is down');
    w.recover();
    const marked = w.store.issue(w.source.ref);
    expect(marked.confidential).toBe(true);
    expect(trustedState(marked)).toMatchObject({ role: 'master', trigger: { by: 'alice' } });
    expect(trustedState(marked)?.intake).toBeUndefined();
    expect(splitBody(marked.body).rest).toBe(SECRET);
    expect(w.store.allIssues('team/app')).toHaveLength(1);
    return w;
  }

  it('a sweep while the tracker is still down leaves it for the next one', async () => {
    const w = await interrupted();
    w.breakWhen((call) => call.method === 'readConfig');
    expect(await w.sweep()).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(w.ctx.log.lines.some((l) => l.level === 'error' && l.msg === 'completing a half-done intake failed')).toBe(
      true,
    );
    w.recover();
    expect(await w.sweep()).toEqual({ masters: 1, fired: 0, completed: 1 });
    expectComplete(w, w.store.issue(w.source.ref), 'team/app');
  });
});

describe('a half-done intake cut off after its one comment', () => {
  it('is completed by the sweep without a second comment: the summary and the timeline are found in it', async () => {
    const w = await world();
    // Killed right after the summary and the timeline were posted, before the master's final block.
    let posted = false;
    w.breakWhen((call) => {
      const cut = posted;
      if (call.method === 'createComment') posted = true;
      return cut;
    });
    await expect(w.trigger()).rejects.toThrow('GitLab is down');
    w.recover();
    expect(commentKinds(w.store, w.source.ref)).toEqual(['summary+timeline']);
    const [comment] = w.store.listComments(w.source.ref);
    expect(trustedState(w.store.issue(w.source.ref))?.intake).toBeUndefined();
    expect(await w.sweep()).toEqual({ masters: 1, fired: 0, completed: 1 });
    const master = w.store.issue(w.source.ref);
    expectComplete(w, master, 'team/app');
    expect(trustedState(master)?.run?.timeline).toEqual([comment!.id]);
    expect(w.store.listComments(w.source.ref)).toEqual([comment]);
  });
});

describe('a half-done intake with the master in another project', () => {
  it('a master created but never given the details is completed by the sweep', async () => {
    const w = await world({ config: 'incidentProject: sec/inc\n' });
    // Killed right after the master was created confidential without details.
    let created = false;
    w.breakWhen((call) => {
      const cut = created;
      if (call.method === 'createIssue') created = true;
      return cut;
    });
    await expect(w.trigger()).rejects.toThrow('GitLab is down');
    w.recover();
    const [pending] = w.store.allIssues('sec/inc');
    expect(trustedState(pending!)).toMatchObject({
      role: 'master',
      pendingCopy: true,
      source: `gitlab:team/app#${w.source.ref.number}`,
    });
    expect(pending!.body).not.toContain(SECRET);

    expect(await w.sweep()).toEqual({ masters: 1, fired: 0, completed: 1 });
    const master = w.store.issue(pending!.ref);
    expect(splitBody(master.body).rest).toBe(SECRET);
    expectComplete(w, master, 'sec/inc');
    // The source keeps a notice and no details.
    expect(w.store.issue(w.source.ref).body).not.toContain(SECRET);
    expect(w.store.allIssues('sec/inc').filter((i) => i.labels.includes('incident::master'))).toHaveLength(1);

    const writes = w.tracker.writes().length;
    expect(await w.sweep()).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(w.tracker.writes()).toHaveLength(writes);
  });
});
