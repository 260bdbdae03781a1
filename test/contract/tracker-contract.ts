import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canWrite } from '../../src/kernel/model.js';
import type { IssueRef } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { TrackerError } from '../../src/tracker/errors.js';
import type { AccessActor, ConfigCheckReport, Tracker } from '../../src/tracker/port.js';

/** What each contract run provides: a tracker under test and the store behind it, to seed and inspect. */
export interface ContractSubject {
  tracker: Tracker;
  store: MemoryStore;
  close?: () => Promise<void>;
  /** The tracker's numeric id for a username (GitLab looks members up by id); trackers that ignore ids omit it. */
  userId?: (username: string) => number;
}

/**
 * The behaviour every `Tracker` must have, run against the in-memory tracker and against both real
 * adapters talking to fake tracker servers on loopback. `make` builds a fresh subject per test.
 */
export function describeTrackerContract(
  name: string,
  kind: 'github' | 'gitlab',
  make: () => Promise<ContractSubject>,
): void {
  describe(`Tracker contract: ${name}`, () => {
    let subject: ContractSubject;
    let tracker: Tracker;
    let store: MemoryStore;

    beforeEach(async () => {
      subject = await make();
      tracker = subject.tracker;
      store = subject.store;
      store.addProject('sec/incidents', { visibility: 'private' });
      store.addProject('sec/public-app', { visibility: 'public' });
      store.addProject('other/elsewhere', { visibility: 'private' });
    });

    afterEach(async () => {
      await subject.close?.();
    });

    /** A person as a webhook delivery names them, with the id the tracker knows them by. */
    const actor = (username: string): AccessActor => ({ username, id: subject.userId?.(username) ?? 1 });
    const refKey = (ref: IssueRef): string => `${ref.project.toLowerCase()}#${ref.number}`;
    /** People who exist in the tracker (GitLab resolves assignees' usernames to ids, so they must be known). */
    const people = (...usernames: string[]): string[] => {
      for (const username of usernames) subject.userId?.(username);
      return usernames;
    };

    it('reads a project with its visibility', async () => {
      const priv = await tracker.getProject('sec/incidents');
      expect(priv).toMatchObject({ path: 'sec/incidents', visibility: 'private' });
      expect(priv.id).toBeTypeOf('number');
      const pub = await tracker.getProject('sec/public-app');
      expect(pub.visibility).toBe('public');
    });

    it('throws a 404 TrackerError for a missing project', async () => {
      const error = await tracker.getProject('sec/missing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrackerError);
      expect((error as TrackerError).status).toBe(404);
    });

    it('creates an issue and reads it back unchanged, byte for byte', async () => {
      const body = 'Line one\r\nLine two with ümlaut and emoji 🔗\n\n- [ ] a box\n';
      const created = await tracker.createIssue('sec/incidents', {
        title: '[CVE-2026-12345] Heap overflow',
        body,
        labels: ['incident::master', 'incident-id::CVE-2026-12345'],
        confidential: true,
      });
      expect(created.ref).toEqual({ project: 'sec/incidents', number: created.ref.number });
      expect(created.state).toBe('open');
      expect(created.confidential).toBe(tracker.capabilities.confidentialIssues);
      const read = await tracker.getIssue(created.ref);
      expect(read.title).toBe('[CVE-2026-12345] Heap overflow');
      expect(read.body).toBe(body);
      expect([...read.labels].sort()).toEqual(['incident-id::CVE-2026-12345', 'incident::master']);
      expect(read.id).toBe(created.id);
      expect(read.webUrl).toContain(String(created.ref.number));
      expect(Date.parse(read.createdAt)).not.toBeNaN();
    });

    it('updates only the fields given, labels as a whole set', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T', body: 'B', labels: ['keep', 'drop'] });
      const afterBody = await tracker.updateIssue(issue.ref, { body: 'B2' });
      expect(afterBody.body).toBe('B2');
      expect([...afterBody.labels].sort()).toEqual(['drop', 'keep']);
      const afterLabels = await tracker.updateIssue(issue.ref, { labels: ['keep', 'new::scoped'], title: 'T2' });
      expect([...afterLabels.labels].sort()).toEqual(['keep', 'new::scoped']);
      expect(afterLabels.title).toBe('T2');
      expect(afterLabels.body).toBe('B2');
      expect(store.issue(issue.ref).labels.sort()).toEqual(['keep', 'new::scoped']);
    });

    it('sets confidentiality where the tracker has it', async () => {
      const issue = store.seedIssue('sec/public-app', { title: 'T', body: 'B' });
      const updated = await tracker.updateIssue(issue.ref, { confidential: true });
      expect(updated.confidential).toBe(tracker.capabilities.confidentialIssues);
    });

    it('closes and reopens an issue', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      expect((await tracker.updateIssue(issue.ref, { state: 'closed' })).state).toBe('closed');
      expect((await tracker.updateIssue(issue.ref, { state: 'open' })).state).toBe('open');
    });

    it('lists issues carrying all labels, in every state, across pages', async () => {
      for (let i = 0; i < 105; i += 1)
        store.seedIssue('sec/incidents', { title: `m${i}`, labels: ['incident::master'] });
      const tagged = store.seedIssue('sec/incidents', {
        title: 'tagged',
        labels: ['incident::master', 'incident-id::INC-2026-7'],
      });
      await tracker.updateIssue(tagged.ref, { state: 'closed' });
      store.seedIssue('sec/incidents', { title: 'other', labels: ['incident-id::INC-2026-7'] });
      const both = await tracker.listIssues('sec/incidents', {
        labels: ['incident::master', 'incident-id::INC-2026-7'],
      });
      expect(both.map((i) => i.title)).toEqual(['tagged']);
      expect(both[0]!.state).toBe('closed');
      const masters = await tracker.listIssues('sec/incidents', { labels: ['incident::master'] });
      expect(masters).toHaveLength(106);
      expect(masters.map((i) => i.ref.number)).toEqual([...masters.map((i) => i.ref.number)].sort((a, b) => a - b));
      const open = await tracker.listIssues('sec/incidents', { labels: ['incident::master'], state: 'open' });
      expect(open).toHaveLength(105);
    });

    it('posts, lists and edits comments in order', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      const first = await tracker.createComment(issue.ref, 'first <!-- incident-desk:marker -->');
      await tracker.createComment(issue.ref, 'second');
      const edited = await tracker.updateComment(issue.ref, first.id, 'first, edited');
      expect(edited.body).toBe('first, edited');
      const comments = await tracker.listComments(issue.ref);
      expect(comments.map((c) => c.body)).toEqual(['first, edited', 'second']);
      expect(comments[0]!.author).toBeTruthy();
    });

    it('reads one comment by id, as it was posted', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      const posted = await tracker.createComment(issue.ref, 'timeline ✓\n- one');
      store.createComment(issue.ref, 'by a person', 'someone');
      expect(await tracker.getComment(issue.ref, posted.id)).toEqual(posted);
      await tracker.updateComment(issue.ref, posted.id, 'timeline, edited');
      const read = await tracker.getComment(issue.ref, posted.id);
      expect(read).toMatchObject({ id: posted.id, body: 'timeline, edited', author: posted.author });
    });

    it(
      'answers who changed an issue, newest first, ' + 'as the tracker records it: labels, title and description',
      async () => {
        const issue = store.seedIssue('sec/incidents', {
          title: 'Opened',
          body: 'text',
          labels: ['incident'],
          author: 'alice',
        });
        store.editIssue(issue.ref, { labels: ['incident', 'incident-id::INC-2026-1'] }, 'bob');
        store.editIssue(issue.ref, { labels: ['incident'] }, 'carol');
        store.editIssue(issue.ref, { labels: ['incident', 'incident-id::INC-2026-1'] }, 'dave');
        store.editIssue(issue.ref, { title: 'Retitled' }, 'erin');
        store.editIssue(issue.ref, { body: 'edited once' }, 'frank');
        store.editIssue(issue.ref, { body: 'edited twice' }, 'gina');
        // A change nobody is named for is no record (a store detail), and the app's own write is the app's.
        store.editIssue(issue.ref, { body: 'unrecorded' });
        const written = await tracker.updateIssue(issue.ref, {
          labels: ['incident', 'incident-id::INC-2026-1', 'phase::t-5'],
        });
        const names = (changes: Array<{ actor: AccessActor }>) => changes.map((c) => c.actor.username);
        expect(
          names(await tracker.listChanges(issue.ref, { kind: 'label-added', label: 'incident-id::INC-2026-1' })),
        ).toEqual(['dave', 'bob']);
        expect(names(await tracker.listChanges(issue.ref, { kind: 'label-added', label: 'incident' }))).toEqual([
          'alice',
        ]);
        expect(names(await tracker.listChanges(issue.ref, { kind: 'label-added', label: 'never' }))).toEqual([]);
        expect(names(await tracker.listChanges(issue.ref, { kind: 'title' }))).toEqual(['erin', 'alice']);
        const edits = await tracker.listChanges(issue.ref, { kind: 'description' });
        expect(names(edits)).toEqual(['gina', 'frank']);
        for (const edit of edits) expect(Number.isNaN(Date.parse(edit.at))).toBe(false);
        const [app] = await tracker.listChanges(issue.ref, { kind: 'label-added', label: 'phase::t-5' });
        expect(app!.actor.username).not.toBe('');
        expect(['alice', 'bob', 'dave']).not.toContain(app!.actor.username);
        expect(written.labels).toContain('phase::t-5');
        // Every person has one id of their own, the one the tracker knows them by.
        const all = [
          ...(await tracker.listChanges(issue.ref, { kind: 'label-added', label: 'incident-id::INC-2026-1' })),
          ...(await tracker.listChanges(issue.ref, { kind: 'title' })),
          ...edits,
        ];
        const ids = new Map(all.map((c) => [c.actor.username, c.actor.id]));
        expect(new Set(ids.values()).size).toBe(ids.size);
        for (const [username, id] of ids) {
          expect(id).toBeGreaterThan(0);
          if (subject.userId) expect(id).toBe(subject.userId(username));
        }
        const missing = await tracker
          .listChanges({ project: 'sec/incidents', number: 999 }, { kind: 'title' })
          .catch((e: unknown) => e);
        expect(missing).toMatchObject({ name: 'TrackerError', status: 404 });
      },
    );

    it("answers who set the tracker's own severity of an incident, newest first (GitLab); none on GitHub", async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'Incident', body: 'b', author: 'alice' });
      people('bob', 'carol');
      store.setTrackerSeverity(issue.ref, 'high', 'bob');
      store.setTrackerSeverity(issue.ref, 'critical', 'carol');
      store.editIssue(issue.ref, { body: 'edited' }, 'alice');
      const changes = await tracker.listChanges(issue.ref, { kind: 'severity' });
      if (kind === 'github') {
        expect(changes).toEqual([]);
        return;
      }
      expect(changes.map((c) => c.actor.username)).toEqual(['carol', 'bob']);
      for (const change of changes) {
        expect(Number.isNaN(Date.parse(change.at))).toBe(false);
        if (subject.userId) expect(change.actor.id).toBe(subject.userId(change.actor.username));
      }
      // A description edit is no severity change, and a severity change no description edit.
      expect((await tracker.listChanges(issue.ref, { kind: 'description' })).map((c) => c.actor.username)).toEqual([
        'alice',
      ]);
    });

    it('answers its own account by id: what it posts carries that id, what a person posts does not', async () => {
      const self = await tracker.getSelf();
      expect(self.id).toBeGreaterThan(0);
      expect(self.username).not.toBe('');
      // Asked again, the same account (adapters keep the answer).
      expect(await tracker.getSelf()).toEqual(self);
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      const posted = await tracker.createComment(issue.ref, '<!-- incident-desk:timeline -->\nby the app');
      store.createComment(issue.ref, '<!-- incident-desk:timeline -->\nby a person', 'someone');
      expect(posted).toMatchObject({ authorId: self.id, author: self.username });
      const [mine, theirs] = await tracker.listComments(issue.ref);
      expect(mine).toMatchObject({ id: posted.id, authorId: self.id });
      expect(theirs!.authorId).toBeGreaterThan(0);
      expect(theirs!.authorId).not.toBe(self.id);
      expect((await tracker.getComment(issue.ref, posted.id)).authorId).toBe(self.id);
      expect((await tracker.getComment(issue.ref, theirs!.id)).authorId).toBe(theirs!.authorId);
      const edited = await tracker.updateComment(issue.ref, posted.id, 'edited by the app');
      expect(edited.authorId).toBe(self.id);
    });

    it('throws a 404 TrackerError for a missing comment, or one on another issue', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      const other = store.seedIssue('sec/incidents', { title: 'other' });
      const elsewhere = store.createComment(other.ref, 'on the other issue', 'someone');
      const attempts = [
        tracker.getComment(issue.ref, 987_654),
        tracker.getComment(issue.ref, elsewhere.id),
        tracker.getComment({ project: 'sec/incidents', number: 999 }, elsewhere.id),
      ];
      for (const attempt of attempts) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrackerError);
        expect((error as TrackerError).status).toBe(404);
      }
    });

    it('sets, replaces and clears assignees as a whole set', async () => {
      const [alice, bob, carol] = people('alice', 'bob', 'carol') as [string, string, string];
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      const set = await tracker.updateIssue(issue.ref, { assignees: [alice] });
      expect(set.assignees).toEqual([alice]);
      expect(store.issue(issue.ref).assignees).toEqual([alice]);
      // Written together with other fields, in the same update.
      const replaced = await tracker.updateIssue(issue.ref, { assignees: [bob, carol], title: 'T2' });
      expect([...replaced.assignees].sort()).toEqual([bob, carol]);
      expect(replaced.title).toBe('T2');
      expect([...(await tracker.getIssue(issue.ref)).assignees].sort()).toEqual([bob, carol]);
      const cleared = await tracker.updateIssue(issue.ref, { assignees: [] });
      expect(cleared.assignees).toEqual([]);
      expect((await tracker.getIssue(issue.ref)).assignees).toEqual([]);
      expect(store.issue(issue.ref).assignees).toEqual([]);
    });

    it('keeps the assignees when the patch does not name them', async () => {
      const [alice] = people('alice') as [string];
      const issue = store.seedIssue('sec/incidents', { title: 'T', assignees: [alice] });
      expect((await tracker.updateIssue(issue.ref, { body: 'B2' })).assignees).toEqual([alice]);
      expect((await tracker.updateIssue(issue.ref, { labels: ['x'], state: 'closed' })).assignees).toEqual([alice]);
      expect(store.issue(issue.ref).assignees).toEqual([alice]);
    });

    it('lists more than one page of comments', async () => {
      const issue = store.seedIssue('sec/incidents', { title: 'T' });
      for (let i = 0; i < 105; i += 1) store.createComment(issue.ref, `c${i}`, 'someone');
      const comments = await tracker.listComments(issue.ref);
      expect(comments).toHaveLength(105);
      expect(comments.at(-1)!.body).toBe('c104');
    });

    it('links issues natively, idempotently', async () => {
      const parent = store.seedIssue('sec/incidents', { title: 'master' });
      const child = store.seedIssue('sec/incidents', { title: 'child' });
      expect(await tracker.linkIssues(parent, child)).toBe('linked');
      expect(await tracker.linkIssues(parent, child)).toBe('already-linked');
      expect(store.linksOf(parent.ref)).toHaveLength(1);
    });

    it('creates a child already attached to its parent where it can; elsewhere refuses before asking', async () => {
      const parent = await tracker.createIssue('sec/incidents', {
        title: 'Master',
        body: 'm',
        labels: ['incident::master'],
        confidential: true,
      });
      const body = 'Release steps\r\n- [ ] a step 🔗 with ümlaut\n';
      const input = {
        title: '[INC-2026-7] Security release',
        body,
        labels: ['incident-id::INC-2026-7', 'incident::release'],
        confidential: true,
      };
      if (!tracker.capabilities.attachOnCreate) {
        const calls = store.calls.length;
        const error = await tracker.createAttachedIssue('sec/incidents', input, parent).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrackerError);
        expect(error).toMatchObject({ operation: 'createAttachedIssue' });
        expect(store.calls.length).toBe(calls);
        expect(store.allIssues('sec/incidents')).toHaveLength(1);
        return;
      }
      const { issue, link } = await tracker.createAttachedIssue('sec/incidents', input, parent);
      expect(link).toBe('linked');
      expect(store.linksOf(parent.ref)).toEqual([refKey(issue.ref)]);
      // The answer is the issue as the tracker has it, byte for byte.
      const read = await tracker.getIssue(issue.ref);
      expect(issue).toMatchObject({ title: input.title, body, state: 'open', confidential: false });
      expect([...issue.labels].sort()).toEqual([...input.labels].sort());
      expect(issue.id).toBe(read.id);
      expect(issue.author).toBe(read.author);
      expect(issue.webUrl).toBe(read.webUrl);
      expect(read.body).toBe(body);
      // The repository has every label it named (a missing one was created).
      expect(store.labelsOf('sec/incidents').map((l) => l.name)).toEqual(expect.arrayContaining(input.labels));
      // A second child of the same parent; linking one again changes nothing.
      const comms = await tracker.createAttachedIssue(
        'sec/incidents',
        { ...input, title: '[INC-2026-7] Communications', labels: ['incident-id::INC-2026-7', 'incident::comms'] },
        parent,
      );
      expect(comms.link).toBe('linked');
      expect(store.linksOf(parent.ref).sort()).toEqual([refKey(issue.ref), refKey(comms.issue.ref)].sort());
      expect(await tracker.linkIssues(parent, issue)).toBe('already-linked');
    });

    it('gives an issue its status labels with the others and answers them, had the project them or not', async () => {
      // One status label the project has (an earlier incident's), one it lacks.
      store.createLabel('sec/incidents', 'approval::blog::pending');
      const draft = {
        title: '[INC-2026-8] Communications',
        body: 'c',
        labels: ['incident-id::INC-2026-8', 'incident::comms'],
        statusLabels: ['approval::blog::pending', 'approval::media::pending'],
        confidential: true,
      };
      const all = [...draft.labels, ...draft.statusLabels];
      const created = await tracker.createIssue('sec/incidents', draft);
      expect(created.labels).toEqual(all);
      expect((await tracker.getIssue(created.ref)).labels).toEqual(all);
      expect(store.labelsOf('sec/incidents').map((l) => l.name)).toEqual(expect.arrayContaining(all));
      if (!tracker.capabilities.attachOnCreate) return;
      const parent = store.seedIssue('sec/incidents', { title: 'Master', labels: ['incident::master'] });
      const { issue, link } = await tracker.createAttachedIssue(
        'sec/incidents',
        { ...draft, statusLabels: [...draft.statusLabels, 'approval::social::pending'] },
        parent,
      );
      expect(link).toBe('linked');
      expect(issue.labels).toEqual([...all, 'approval::social::pending']);
      expect((await tracker.getIssue(issue.ref)).labels).toEqual(issue.labels);
    });

    it('prepares labels: creates only those a project lacks and answers them (GitHub); a no-op elsewhere', async () => {
      // A label made by hand earlier, in another case: GitHub compares label names without case.
      store.createLabel('sec/incidents', 'Incident::Release');
      const names = ['incident::release', 'incident::comms', 'approval::blog::pending'];
      const before = store.calls.length;
      const created = await tracker.ensureLabels('sec/incidents', names);
      const labels = () => store.labelsOf('sec/incidents').map((l) => l.name);
      if (!tracker.capabilities.labelsBeforeUse) {
        // GitLab creates a label when an issue is first given it: nothing to prepare, nothing asked.
        expect(created).toEqual([]);
        expect(store.calls.length).toBe(before);
        expect(labels()).toEqual(['Incident::Release']);
        return;
      }
      expect(created).toEqual(['incident::comms', 'approval::blog::pending']);
      expect(labels()).toEqual(['Incident::Release', 'incident::comms', 'approval::blog::pending']);
      // Again: everything is there, nothing is written.
      expect(await tracker.ensureLabels('sec/incidents', names)).toEqual([]);
      expect(labels()).toHaveLength(3);
      // A public repository gets labels as well (the write guard, not the port, decides what may go there).
      expect(await tracker.ensureLabels('sec/public-app', ['incident::comms'])).toEqual(['incident::comms']);
      expect(store.labelsOf('sec/public-app').map((l) => l.name)).toEqual(['incident::comms']);
    });

    it('throws a 404 TrackerError for a missing issue', async () => {
      const error = await tracker.getIssue({ project: 'sec/incidents', number: 999 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrackerError);
      expect((error as TrackerError).status).toBe(404);
    });

    it('reads files and the configuration, with a null for what is missing', async () => {
      expect(await tracker.readFile('sec/incidents', 'nope.yml')).toBeNull();
      expect(await tracker.readConfig('sec/incidents')).toBeNull();
      const path = tracker.kind === 'github' ? '.github/incident-desk.yml' : '.gitlab/incident-desk.yml';
      store.putFile('sec/incidents', path, 'label: sev\n');
      store.putFile('sec/incidents', 'templates/x.md.hbs', 'Hello {{id}} ✓\n');
      expect(await tracker.readConfig('sec/incidents')).toEqual({
        text: 'label: sev\n',
        location: `sec/incidents:${path}`,
      });
      expect(await tracker.readFile('sec/incidents', 'templates/x.md.hbs')).toBe('Hello {{id}} ✓\n');
    });

    describe('reportConfigCheck', () => {
      const SHA = 'a'.repeat(40);
      const failure: ConfigCheckReport = {
        conclusion: 'failure',
        title: '1 configuration problem',
        summary: '- `sec/public-app:.github/incident-desk.yml:3:5`: `labels.trigger`: must be a label',
        annotations: [
          { path: '.github/incident-desk.yml', line: 3, column: 5, message: 'labels.trigger: must be a label' },
        ],
      };
      const success: ConfigCheckReport = { conclusion: 'success', title: 'valid', summary: 'ok', annotations: [] };

      it('writes a failing check run annotated by line (GitHub), a failed status and a note (GitLab)', async () => {
        const written = await tracker.reportConfigCheck('sec/public-app', SHA, failure);
        if (kind === 'github') {
          expect(tracker.capabilities).toMatchObject({ checks: true, commitStatuses: false });
          expect(written).toBe('check-run');
          expect(store.commitReports).toEqual([
            expect.objectContaining({
              project: 'sec/public-app',
              sha: SHA,
              kind: 'check-run',
              state: 'failure',
              annotations: [
                { path: '.github/incident-desk.yml', line: 3, column: 5, message: failure.annotations[0]!.message },
              ],
            }),
          ]);
          expect(store.commitReports[0]!.text).toContain('labels.trigger');
        } else {
          expect(tracker.capabilities).toMatchObject({ checks: false, commitStatuses: true });
          expect(written).toBe('commit-status-and-note');
          expect(store.commitReports.map((r) => [r.kind, r.state, r.sha])).toEqual([
            ['commit-status', 'failed', SHA],
            ['commit-comment', undefined, SHA],
          ]);
          expect(store.commitReports[1]!.text).toContain('sec/public-app:.github/incident-desk.yml:3:5');
        }
      });

      it('writes a success as a check run (GitHub) or a status alone (GitLab), never a comment', async () => {
        const written = await tracker.reportConfigCheck('sec/public-app', SHA, success);
        expect(written).toBe(kind === 'github' ? 'check-run' : 'commit-status');
        expect(store.commitReports.map((r) => [r.kind, r.state])).toEqual([
          kind === 'github' ? ['check-run', 'success'] : ['commit-status', 'success'],
        ]);
      });

      if (kind === 'github')
        it('falls back to a commit comment without Checks: write (403), writing nothing for a success', async () => {
          store.checksDenied = true;
          expect(await tracker.reportConfigCheck('sec/public-app', SHA, success)).toBe('none');
          expect(store.commitReports).toEqual([]);
          expect(await tracker.reportConfigCheck('sec/public-app', SHA, failure)).toBe('commit-comment');
          expect(store.commitReports.map((r) => [r.kind, r.sha])).toEqual([['commit-comment', SHA]]);
          expect(store.commitReports[0]!.text).toContain('sec/public-app:.github/incident-desk.yml:3:5');
        });
    });

    it("answers each person's access level per project, none for strangers", async () => {
      store.setAccess('sec/incidents', 'alice', 'write');
      store.setAccess('sec/incidents', 'rita', 'read');
      const alice = await tracker.getAccess('sec/incidents', actor('alice'));
      expect(alice).toBe('write');
      expect(canWrite(alice)).toBe(true);
      const rita = await tracker.getAccess('sec/incidents', actor('rita'));
      expect(rita).toBe('read');
      expect(canWrite(rita)).toBe(false);
      expect(await tracker.getAccess('sec/incidents', actor('nobody'))).toBe('none');
      // Access is per project: alice has none where nobody gave her any.
      expect(await tracker.getAccess('sec/public-app', actor('alice'))).toBe('none');
    });

    it('maps every role the tracker reports', async () => {
      const roles = { owner: 'admin', maint: 'maintain', dev: 'write', triager: 'triage', guest: 'read' } as const;
      for (const [username, level] of Object.entries(roles)) store.setAccess('sec/incidents', username, level);
      for (const [username, level] of Object.entries(roles)) {
        expect(await tracker.getAccess('sec/incidents', actor(username))).toBe(level);
      }
    });

    it('answers team membership for members, with or without the leading @', async () => {
      // `sec/responders` is a GitHub team (`org/team-slug`) and a GitLab subgroup path alike.
      store.addTeamMember('@sec/responders', 'alice');
      store.addTeamMember('sec/responders', 'bob');
      store.addTeamMember('sec/legal', 'carol');
      for (const team of ['@sec/responders', 'sec/responders']) {
        expect([team, await tracker.isTeamMember(team, actor('alice'))]).toEqual([team, true]);
        expect([team, await tracker.isTeamMember(team, actor('bob'))]).toEqual([team, true]);
      }
      // Organisation and group names compare case-insensitively on both trackers.
      expect(await tracker.isTeamMember('@SEC/responders', actor('alice'))).toBe(true);
    });

    it('answers false for non-members and unknown teams', async () => {
      store.addTeamMember('sec/responders', 'alice');
      store.addTeamMember('sec/legal', 'carol');
      // Access to a project is not membership of a team.
      store.setAccess('sec/incidents', 'dave', 'admin');
      for (const team of ['@sec/responders', 'sec/responders']) {
        expect(await tracker.isTeamMember(team, actor('carol'))).toBe(false);
        expect(await tracker.isTeamMember(team, actor('dave'))).toBe(false);
        expect(await tracker.isTeamMember(team, actor('nobody'))).toBe(false);
      }
      expect(await tracker.isTeamMember('@sec/nobody-here', actor('alice'))).toBe(false);
      expect(await tracker.isTeamMember('other/responders', actor('alice'))).toBe(false);
    });

    it('lists the open masters of every project it can see, across pages', async () => {
      const expected: IssueRef[] = [];
      for (let i = 0; i < 101; i += 1) {
        expected.push(
          store.seedIssue('sec/incidents', { title: `m${i}`, labels: ['incident::master', `incident-id::INC-${i}`] })
            .ref,
        );
      }
      expected.push(store.seedIssue('sec/public-app', { title: 'other master', labels: ['incident::master'] }).ref);
      const closed = store.seedIssue('sec/incidents', { title: 'closed master', labels: ['incident::master'] });
      store.editIssue(closed.ref, { state: 'closed' });
      store.seedIssue('sec/incidents', { title: 'child', labels: ['incident::child'] });
      store.seedIssue('sec/public-app', { title: 'plain' });

      const masters = await tracker.listOpenMasters();
      expect(masters.map((i) => refKey(i.ref)).sort()).toEqual(expected.map(refKey).sort());
      expect(masters.every((i) => i.state === 'open' && i.labels.includes('incident::master'))).toBe(true);
      const other = masters.find((i) => i.title === 'other master')!;
      expect(other.ref.project).toBe('sec/public-app');
      expect(await tracker.getIssue(other.ref)).toEqual(other);
    });

    it('lists no masters when there are none', async () => {
      store.seedIssue('sec/incidents', { title: 'plain' });
      expect(await tracker.listOpenMasters()).toEqual([]);
    });

    if (kind === 'gitlab') {
      it('counts members of ancestor groups, at any depth, and only those', async () => {
        store.addTeamMember('@sec', 'erin');
        store.addTeamMember('sec/responders', 'alice');
        store.addTeamMember('sec/responders/oncall', 'frank');
        expect(await tracker.isTeamMember('sec', actor('erin'))).toBe(true);
        expect(await tracker.isTeamMember('@sec/responders', actor('erin'))).toBe(true);
        expect(await tracker.isTeamMember('sec/responders/oncall', actor('erin'))).toBe(true);
        expect(await tracker.isTeamMember('sec/responders/oncall', actor('alice'))).toBe(true);
        // Membership is inherited downwards only.
        expect(await tracker.isTeamMember('sec', actor('alice'))).toBe(false);
        expect(await tracker.isTeamMember('sec/responders', actor('frank'))).toBe(false);
        // A path that only shares a prefix is another group.
        expect(await tracker.isTeamMember('sec-other/responders', actor('erin'))).toBe(false);
      });

      it('refuses an empty group path, before asking', async () => {
        for (const team of ['', '@', 'sec//responders', 'sec/']) {
          const error = await tracker.isTeamMember(team, actor('alice')).catch((e: unknown) => e);
          expect([team, error]).toEqual([team, expect.any(TrackerError)]);
          expect(error).toMatchObject({ operation: 'isTeamMember', status: undefined });
        }
        expect(store.calls.filter((c) => c.operation === 'isTeamMember')).toEqual([]);
      });
    }

    if (kind === 'github') {
      it('falls back to the owner .github repository for configuration', async () => {
        store.addProject('other/.github', { visibility: 'private' });
        store.putFile('other/.github', '.github/incident-desk.yml', 'idPrefix: ORG\n');
        expect(await tracker.readConfig('other/elsewhere')).toEqual({
          text: 'idPrefix: ORG\n',
          location: 'other/.github:.github/incident-desk.yml',
        });
      });

      it("names the installation account's .github repository as the shared configuration", async () => {
        expect(await tracker.sharedConfigProject()).toBe('sec/.github');
        store.addProject('sec/.github', { visibility: 'private' });
        expect(await tracker.readConfig('sec/.github')).toBeNull();
        store.putFile('sec/.github', '.github/incident-desk.yml', 'idPrefix: ORG\n');
        expect(await tracker.readConfig('sec/.github')).toEqual({
          text: 'idPrefix: ORG\n',
          location: 'sec/.github:.github/incident-desk.yml',
        });
      });

      it('refuses a team name that is not @org/team-slug, before asking', async () => {
        for (const team of ['alice', '@alice', '@sec/responders/oncall', 'sec/', '@/responders', '']) {
          const error = await tracker.isTeamMember(team, actor('alice')).catch((e: unknown) => e);
          expect([team, error]).toEqual([team, expect.any(TrackerError)]);
          expect(error).toMatchObject({ operation: 'isTeamMember', status: undefined });
        }
        expect(store.calls.filter((c) => c.operation === 'isTeamMember')).toEqual([]);
      });

      it('does not link across owners and locks conversations', async () => {
        const parent = store.seedIssue('sec/incidents', { title: 'master' });
        const foreign = store.seedIssue('other/elsewhere', { title: 'child' });
        expect(await tracker.linkIssues(parent, foreign)).toBe('unsupported');
        // Created attached across owners: created, unattached.
        const attached = await tracker.createAttachedIssue(
          'other/elsewhere',
          { title: 'T', body: 'B', labels: ['x'], confidential: true },
          parent,
        );
        expect(attached.link).toBe('unsupported');
        expect(store.issue(attached.issue.ref).title).toBe('T');
        expect(store.linksOf(parent.ref)).toEqual([]);
        await tracker.lockIssue(parent.ref);
        expect(store.issue(parent.ref).locked).toBe(true);
        expect((await tracker.getIssue(parent.ref)).locked).toBe(true);
      });

      it('unlocks a conversation, idempotently', async () => {
        const issue = store.seedIssue('sec/public-app', { title: 'redacted' });
        await tracker.lockIssue(issue.ref);
        await tracker.unlockIssue(issue.ref);
        expect(store.issue(issue.ref).locked).toBe(false);
        await tracker.unlockIssue(issue.ref);
        expect((await tracker.getIssue(issue.ref)).locked).toBe(false);
      });

      it('reads a private vulnerability report as an advisory, with its reporter, CVSS and versions', async () => {
        expect(tracker.capabilities.securityAdvisories).toBe(true);
        const seeded = store.seedAdvisory('sec/public-app', {
          summary: 'Heap overflow in the parser',
          description: 'Send a long header.',
          reporter: 'finder',
          cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          cvssScore: 9.8,
          severity: 'critical',
          cweIds: ['CWE-122'],
          vulnerabilities: [{ ecosystem: 'npm', package: 'parser', vulnerableRange: '< 2.0.1', patched: '2.0.1' }],
        });
        const read = await tracker.getAdvisory('sec/public-app', seeded.ghsaId);
        expect(read).toMatchObject({
          ghsaId: seeded.ghsaId,
          repository: 'sec/public-app',
          state: 'triage',
          summary: 'Heap overflow in the parser',
          description: 'Send a long header.',
          reporter: 'finder',
          cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          cvssScore: 9.8,
          cweIds: ['CWE-122'],
          cveId: null,
          privateFork: null,
          vulnerabilities: [{ ecosystem: 'npm', package: 'parser', vulnerableRange: '< 2.0.1', patched: '2.0.1' }],
        });
        expect(read.webUrl).toContain(seeded.ghsaId);
        const missing = await tracker.getAdvisory('sec/public-app', 'GHSA-2222-3333-4444').catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(TrackerError);
        expect((missing as TrackerError).status).toBe(404);
      });

      it('creates a draft advisory, updates it (a vector replaces the severity) and publishes it', async () => {
        const draft = await tracker.createAdvisory('sec/public-app', {
          summary: 'Path traversal',
          description: '### Impact\nFiles outside the root can be read.',
          severity: 'high',
          cweIds: ['CWE-22'],
          vulnerabilities: [{ ecosystem: 'other', package: 'public-app', vulnerableRange: null, patched: null }],
        });
        expect(draft).toMatchObject({ state: 'draft', severity: 'high', cvssVector: null, cweIds: ['CWE-22'] });
        expect(store.advisory('sec/public-app', draft.ghsaId).description).toBe(
          '### Impact\nFiles outside the root can be read.',
        );
        const vector = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';
        const updated = await tracker.updateAdvisory('sec/public-app', draft.ghsaId, {
          cvssVector: vector,
          cveId: 'CVE-2026-4242',
          vulnerabilities: [
            { ecosystem: 'other', package: 'public-app', vulnerableRange: '< 1.4.2', patched: '1.4.2' },
          ],
        });
        expect(updated).toMatchObject({ state: 'draft', cvssVector: vector, severity: null, cveId: 'CVE-2026-4242' });
        expect(updated.vulnerabilities).toEqual([
          { ecosystem: 'other', package: 'public-app', vulnerableRange: '< 1.4.2', patched: '1.4.2' },
        ]);
        // Only the fields given are written.
        expect(updated.summary).toBe('Path traversal');
        const published = await tracker.updateAdvisory('sec/public-app', draft.ghsaId, { state: 'published' });
        expect(published.state).toBe('published');
        expect(published.publishedAt).not.toBeNull();
      });

      it('lists the advisories of a repository by state, and of an organisation', async () => {
        const report = store.seedAdvisory('sec/public-app', { summary: 'report' });
        const draft = store.seedAdvisory('sec/public-app', { summary: 'draft', state: 'draft' });
        const elsewhere = store.seedAdvisory('other/elsewhere', { summary: 'other', state: 'draft' });
        expect((await tracker.listAdvisories('sec/public-app')).map((a) => a.ghsaId).sort()).toEqual(
          [report.ghsaId, draft.ghsaId].sort(),
        );
        expect((await tracker.listAdvisories('sec/public-app', { state: 'draft' })).map((a) => a.ghsaId)).toEqual([
          draft.ghsaId,
        ]);
        const org = await tracker.listAdvisories('sec', { state: 'draft' });
        expect(org.map((a) => [a.repository, a.ghsaId])).toEqual([['sec/public-app', draft.ghsaId]]);
        expect(org.some((a) => a.ghsaId === elsewhere.ghsaId)).toBe(false);
      });

      it("lists a repository's drafts with who created them and when: a maintainer's, the app's own", async () => {
        const self = (await tracker.getSelf()).username;
        const maintainers = store.seedAdvisory('sec/public-app', {
          summary: 'drafted by a maintainer',
          state: 'draft',
          author: 'maintainer',
          createdAt: '2026-11-20T09:00:00Z',
        });
        const own = await tracker.createAdvisory('sec/public-app', {
          summary: 'drafted by the app',
          description: 'From the master.',
          vulnerabilities: [{ ecosystem: 'other', package: 'public-app', vulnerableRange: null, patched: null }],
        });
        const drafts = await tracker.listAdvisories('sec/public-app', { state: 'draft' });
        const byId = new Map(drafts.map((a) => [a.ghsaId, a]));
        expect(byId.get(maintainers.ghsaId)).toMatchObject({
          state: 'draft',
          author: 'maintainer',
          createdAt: '2026-11-20T09:00:00Z',
        });
        expect(byId.get(own.ghsaId)?.author).toBe(self);
        expect(Date.parse(byId.get(own.ghsaId)?.createdAt ?? '')).not.toBeNaN();
        expect((await tracker.getAdvisory('sec/public-app', maintainers.ghsaId)).author).toBe('maintainer');
      });

      it('requests a CVE once (public repositories only) and opens the private fork', async () => {
        const advisory = store.seedAdvisory('sec/public-app', { summary: 'report', state: 'draft' });
        await tracker.requestAdvisoryCve('sec/public-app', advisory.ghsaId);
        expect(store.advisory('sec/public-app', advisory.ghsaId).cveRequestedAt).not.toBeNull();
        store.updateAdvisory('sec/public-app', advisory.ghsaId, { cveId: 'CVE-2026-5555' });
        const again = await tracker.requestAdvisoryCve('sec/public-app', advisory.ghsaId).catch((e: unknown) => e);
        expect((again as TrackerError).status).toBe(422);
        const hidden = store.seedAdvisory('sec/incidents', { summary: 'private', state: 'draft' });
        const refused = await tracker.requestAdvisoryCve('sec/incidents', hidden.ghsaId).catch((e: unknown) => e);
        expect((refused as TrackerError).status).toBe(422);

        const fork = await tracker.createAdvisoryFork('sec/public-app', advisory.ghsaId);
        expect(fork.path).toBe(`sec/public-app-${advisory.ghsaId.toLowerCase()}`);
        expect(store.getProject(fork.path).visibility).toBe('private');
        expect((await tracker.getAdvisory('sec/public-app', advisory.ghsaId)).privateFork?.path).toBe(fork.path);
      });
    }

    if (kind === 'gitlab') {
      it('has no shared configuration project (each project reads its own file only)', async () => {
        expect(await tracker.sharedConfigProject()).toBeNull();
      });

      it('has no security advisories: every advisory method throws without a request', async () => {
        expect(tracker.capabilities.securityAdvisories).toBe(false);
        const before = store.calls.length;
        const attempts: Array<Promise<unknown>> = [
          tracker.getAdvisory('sec/incidents', 'GHSA-2222-3333-4444'),
          tracker.listAdvisories('sec/incidents'),
          tracker.createAdvisory('sec/incidents', { summary: 's', description: 'd', vulnerabilities: [] }),
          tracker.updateAdvisory('sec/incidents', 'GHSA-2222-3333-4444', { state: 'published' }),
          tracker.requestAdvisoryCve('sec/incidents', 'GHSA-2222-3333-4444'),
          tracker.createAdvisoryFork('sec/incidents', 'GHSA-2222-3333-4444'),
        ];
        for (const attempt of attempts) {
          const error = await attempt.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TrackerError);
          expect((error as TrackerError).status).toBeUndefined();
        }
        expect(store.calls.length).toBe(before);
      });
    }
  });
}
