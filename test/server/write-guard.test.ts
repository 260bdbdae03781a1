import { describe, expect, it } from 'vitest';
import { joinBody, renderState, splitBody } from '../../src/kernel/block.js';
import type { TrackerKind } from '../../src/kernel/model.js';
import { BodyLimitError, PublicWriteError, WriteGuard } from '../../src/server/write-guard.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent } from '../support/events.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';

function world(kind: TrackerKind = 'gitlab') {
  const store = new MemoryStore({ kind });
  const tracker = new MemoryTracker(store);
  const secret = store.addProject('sec/incidents', { visibility: 'private' });
  const open = store.addProject('oss/lib', { visibility: 'public' });
  const master = store.seedIssue('sec/incidents', {
    title: 'Heap overflow',
    body: 'details',
    labels: ['incident::master'],
    confidential: true,
  });
  const publicIssue = store.seedIssue('oss/lib', { title: 'Harden the decoder', body: '' });
  const confidentialIssue = store.seedIssue('oss/lib', { title: 'Private follow-up', body: '', confidential: true });
  return { store, tracker, secret, open, master, publicIssue, confidentialIssue };
}

const refused = async (work: Promise<unknown>, reason: RegExp) => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublicWriteError);
  expect((error as PublicWriteError).reason).toMatch(reason);
};

describe('the public-write guard', () => {
  it('refuses incident markers in a public place and writes nothing', async () => {
    const w = world();
    const guard = new WriteGuard(w.tracker);
    await refused(guard.createComment(w.publicIssue.ref, '- [ ] step <!-- step:pick-deputy -->'), /checklist step/);
    await refused(
      guard.updateIssue(w.publicIssue.ref, {
        body: joinBody(renderState({ v: 1, role: 'task', id: 'X', master: 'sec/incidents#1' }), ''),
      }),
      /master/,
    );
    await refused(
      guard.createIssue('oss/lib', {
        title: 't',
        body: '<!-- incident-desk:tasks -->',
        labels: [],
        confidential: false,
      }),
      /section/,
    );
    expect(w.store.listComments(w.publicIssue.ref)).toHaveLength(0);
    expect(w.store.issue(w.publicIssue.ref).body).toBe('');
    expect(w.store.allIssues('oss/lib')).toHaveLength(2);
  });

  it(
    'refuses the path of a private project and the reference of a confidential issue, ' + 'once it has seen them',
    async () => {
      const w = world();
      const guard = new WriteGuard(w.tracker);
      // Nothing learned yet: the path is just text.
      await guard.createComment(w.publicIssue.ref, 'see sec/incidents for the policy');
      await guard.getProject('sec/incidents');
      await refused(guard.createComment(w.publicIssue.ref, 'tracked in sec/incidents#1'), /private project/);
      await refused(guard.createComment(w.publicIssue.ref, `see ${w.secret.webUrl}/-/issues/1`), /private project/);
      // A longer name that only starts the same is another project.
      await guard.createComment(w.publicIssue.ref, 'moved to sec/incidents-public#3');
      await guard.getIssue(w.confidentialIssue.ref);
      await refused(
        guard.createComment(w.publicIssue.ref, `follow-up in oss/lib#${w.confidentialIssue.ref.number}.`),
        /confidential issue/,
      );
    },
  );

  it(
    'lets anything through to private and confidential places, ' + 'and the identifier-only texts to public ones',
    async () => {
      const w = world();
      const guard = new WriteGuard(w.tracker);
      await guard.getProject('sec/incidents');
      await guard.createComment(w.master.ref, 'sec/incidents#1 <!-- step:x --> everything');
      await guard.createComment(w.confidentialIssue.ref, 'sec/incidents#1 details');
      await guard.createComment(
        w.publicIssue.ref,
        'Thank you for the report. It is tracked privately as **INC-2026-1**.',
      );
      await guard.updateIssue(w.publicIssue.ref, {
        body: joinBody(renderState({ v: 1, role: 'task', id: 'INC-2026-1' }), 'text'),
      });
      expect(w.store.listComments(w.publicIssue.ref)).toHaveLength(1);
    },
  );

  it('on GitHub reads privacy from the repository, asking the tracker only when it does not know', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker, { projects: [w.open] });
    const before = w.store.calls.length;
    await refused(guard.createComment(w.publicIssue.ref, '<!-- step:x -->'), /checklist/);
    expect(w.store.calls.length).toBe(before);
    await guard.createComment(w.master.ref, '<!-- step:x -->');
    expect(w.store.calls.slice(before).map((c) => c.operation)).toEqual(['getProject', 'createComment']);
  });

  it('refuses a native link from a public issue to a confidential one', async () => {
    const w = world();
    const guard = new WriteGuard(w.tracker);
    await refused(guard.linkIssues(w.master, w.publicIssue), /native link/);
    expect(await guard.linkIssues(w.master, w.confidentialIssue)).toBe('linked');
  });

  it('checks the text of a write that also makes an issue confidential, and learns from the answer', async () => {
    const w = world();
    const guard = new WriteGuard(w.tracker);
    await refused(guard.updateIssue(w.publicIssue.ref, { confidential: true, body: '<!-- step:x -->' }), /checklist/);
    const answer = await guard.updateIssue(w.publicIssue.ref, { confidential: true });
    expect(answer.confidential).toBe(true);
    await guard.createComment(w.publicIssue.ref, '<!-- step:x -->');
    expect(w.store.listComments(w.publicIssue.ref)).toHaveLength(1);
  });
});

describe('a child created attached to its parent', () => {
  const draft = (body = 'release steps') => ({ title: 'Security release', body, labels: ['x'], confidential: true });
  /** Under GitLab's rules, but creating attached children (no such tracker yet; the guard must not depend on it). */
  class AttachingGitLab extends MemoryTracker {
    override readonly capabilities = { ...new MemoryTracker(this.store).capabilities, attachOnCreate: true };
  }

  it('is created where both ends are private', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker);
    const child = await guard.createAttachedIssue('sec/incidents', draft('<!-- step:x --> sec/incidents#1'), w.master);
    expect(child.link).toBe('linked');
    expect(w.store.linksOf(w.master.ref)).toEqual([`sec/incidents#${child.issue.ref.number}`]);
  });

  it('is refused before any request when one end is public and the other is not, either way', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker);
    await guard.getProject('sec/incidents');
    await guard.getProject('oss/lib');
    const before = w.store.calls.length;
    // A public child would show the private parent's reference to everyone.
    await refused(guard.createAttachedIssue('oss/lib', draft(), w.master), /native link to a private issue/);
    // A private child would hang under a public parent, where anyone sees that something was opened, when, how far.
    await refused(guard.createAttachedIssue('sec/incidents', draft(), w.publicIssue), /native link of a private issue/);
    expect(w.store.calls.length).toBe(before);
    expect(w.store.allIssues('oss/lib')).toHaveLength(2);
    expect(w.store.allIssues('sec/incidents')).toHaveLength(1);
  });

  it('in a public place under a public parent, carries no incident content and fits the tracker', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker, { projects: [w.secret] });
    await refused(guard.createAttachedIssue('oss/lib', draft('<!-- step:x -->'), w.publicIssue), /checklist step/);
    await refused(guard.createAttachedIssue('oss/lib', draft('see sec/incidents#1'), w.publicIssue), /private project/);
    const tooLong = await guard.createAttachedIssue('oss/lib', draft('x'.repeat(65_537)), w.publicIssue).then(
      () => null,
      (e: unknown) => e,
    );
    expect(tooLong).toBeInstanceOf(BodyLimitError);
    expect(w.store.allIssues('oss/lib')).toHaveLength(2);
    const child = await guard.createAttachedIssue('oss/lib', draft('Harden the parser'), w.publicIssue);
    expect(child.link).toBe('linked');
  });

  it("counts a new issue as exposed as its project: confidentiality asked for is only the answer's word", async () => {
    const w = world('gitlab');
    const guard = new WriteGuard(new AttachingGitLab(w.store));
    // A confidential child in a public project under a confidential master: the link would exist before the tracker
    // could say whether the child is confidential.
    await refused(guard.createAttachedIssue('oss/lib', draft(), w.master), /native link to a private issue/);
    expect(w.store.allIssues('oss/lib')).toHaveLength(2);
    const child = await guard.createAttachedIssue('sec/incidents', draft(), w.master);
    expect(child.issue.confidential).toBe(true);
    expect(child.link).toBe('linked');
  });
});

describe('writes over the tracker limit', () => {
  it('are refused before any request, whole', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker);
    const before = w.store.calls.length;
    const error = await guard.updateIssue(w.master.ref, { body: 'x'.repeat(65_537) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BodyLimitError);
    expect(w.store.calls.length).toBe(before);
    expect(w.store.issue(w.master.ref).body).toBe('details');
    await guard.updateIssue(w.master.ref, { body: 'x'.repeat(65_536) });
  });

  it('an intake whose description would not fit gets one clear comment and nothing cut', async () => {
    const store = new MemoryStore({ kind: 'github' });
    const tracker = new MemoryTracker(store);
    const project = store.addProject('acme/private', { visibility: 'private' });
    const long = 'log line\n'.repeat(7_200);
    const source = store.seedIssue('acme/private', {
      title: 'Crash',
      body: long,
      labels: ['incident'],
      author: 'alice',
    });
    const ctx = await eventContext(tracker);
    expect(await handleEvent(issueEvent(project, source, { tracker: 'github' }), ctx)).toBe('stopped');
    expect(await handleEvent(issueEvent(project, source, { tracker: 'github' }), ctx)).toBe('stopped');
    const comments = store.listComments(source.ref).filter((c) => c.body.includes('incident-desk:too-long'));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('at most 65536');
    // The person's text is whole (an in-place intake may have marked the issue as its master first).
    const body = store.issue(source.ref).body;
    expect(body === long || splitBody(body).rest === long).toBe(true);
  });
});

describe('labels prepared ahead of incidents', () => {
  const PROCESS_LABELS = ['incident::release', 'incident::comms', 'approval::blog::pending'];
  const labels = (w: ReturnType<typeof world>, project: string) => w.store.labelsOf(project).map((l) => l.name);

  it('go to a public repository too: role and approval labels carry no incident content', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker, { projects: [w.secret, w.open] });
    expect(await guard.ensureLabels('oss/lib', PROCESS_LABELS)).toEqual(PROCESS_LABELS);
    expect(labels(w, 'oss/lib')).toEqual(PROCESS_LABELS);
  });

  it('in a public repository, refuses an identifier label or a private reference: nothing written', async () => {
    const w = world('github');
    const guard = new WriteGuard(w.tracker, { projects: [w.secret, w.open] });
    const before = w.store.calls.length;
    await refused(guard.ensureLabels('oss/lib', ['incident::comms', 'incident-id::CVE-2026-1234']), /identifier/);
    await refused(guard.ensureLabels('oss/lib', ['Incident-ID::INC-2026-7']), /identifier/);
    await refused(guard.ensureLabels('oss/lib', ['moved to sec/incidents']), /private project/);
    expect(w.store.calls.length).toBe(before);
    expect(labels(w, 'oss/lib')).toEqual([]);
    // In a private repository, an incident's own labels are where they belong.
    expect(await guard.ensureLabels('sec/incidents', ['incident-id::CVE-2026-1234'])).toEqual([
      'incident-id::CVE-2026-1234',
    ]);
  });

  it('cost nothing where naming a label creates it (GitLab): no visibility read, no request', async () => {
    const w = world('gitlab');
    const guard = new WriteGuard(w.tracker);
    const before = w.store.calls.length;
    expect(await guard.ensureLabels('oss/lib', ['incident-id::CVE-2026-1234', ...PROCESS_LABELS])).toEqual([]);
    expect(w.store.calls.length).toBe(before);
  });
});
