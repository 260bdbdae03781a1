import { describe, expect, it } from 'vitest';
import { readTicketState, renderState, trustedState } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { sourceLabel } from '../../src/kernel/identifier.js';
import type { Issue, Project, TrackerKind } from '../../src/kernel/model.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { sweepTracker } from '../../src/sweep/handle.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { idOf, issueEvent, noteEvent } from '../support/events.js';

// Issue 11: the app believes only what it wrote itself. Each case is an attack tried as the issue describes it, on the
// in-memory tracker; the same cases run end to end on both trackers in test/e2e/own-state.test.ts.

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const configPath = (kind: TrackerKind) =>
  kind === 'gitlab' ? '.gitlab/incident-desk.yml' : '.github/incident-desk.yml';
const marker = (name: string) => `<!-- incident-desk:${name} -->`;

/**
 * A private project `team/app` where alice and bob write, mallory triages (GitHub triage, GitLab Reporter) and the
 * reporter is an outsider; nothing is open yet. `report` files a report as the reporter, `label` has alice label it.
 */
async function world(
  kind: TrackerKind = 'gitlab',
  options: { config?: string; visibility?: Project['visibility'] } = {},
) {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind, now: () => clock.now });
  const tracker = new MemoryTracker(store);
  const project = store.addProject('team/app', { visibility: options.visibility ?? 'private' });
  if (options.config !== undefined) store.putFile('team/app', configPath(kind), options.config);
  for (const [name, level] of [
    ['alice', 'write'],
    ['bob', 'write'],
    ['mallory', 'triage'],
  ] as const)
    store.setAccess('team/app', name, level);
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  const self = await tracker.getSelf();
  const report = (body = 'details') =>
    store.seedIssue('team/app', { title: 'Heap overflow', body, author: 'reporter' });
  const label = (issue: Issue) => {
    const labeled = store.editIssue(issue.ref, { labels: [...store.issue(issue.ref).labels, 'incident'] });
    return handleEvent(
      issueEvent(project, labeled, { tracker: kind, actor: { username: 'alice', id: 7, isBot: false } }),
      ctx,
    );
  };
  /** A comment posted by someone (not the app), as the tracker stores it. */
  const plant = (issue: Issue, body: string, author = 'reporter') => store.createComment(issue.ref, body, author);
  const say = (issue: Issue, body: string, actor = 'alice') => {
    store.createComment(issue.ref, body, actor);
    return handleEvent(noteEvent(project, store.issue(issue.ref), body, actor, kind), ctx);
  };
  /** The app's own comments on an issue (by its account's id) that carry a marker. */
  const own = (issue: Issue, name: string) =>
    store.listComments(issue.ref).filter((c) => c.authorId === self.id && c.body.includes(marker(name)));
  /**
   * Someone saves a new description: the store takes it at once, the webhook event is answered when `deliver` is
   * called (later, to let other events overtake it). `labels` are added in the same save, as one GitLab PUT does.
   */
  const save = (issue: Issue, change: (body: string) => string, actor: string, labels: string[] = []) => {
    const before = store.issue(issue.ref);
    const after = store.editIssue(issue.ref, { body: change(before.body), labels: [...before.labels, ...labels] });
    const event = issueEvent(project, after, {
      tracker: kind,
      action: 'edited',
      addedLabels: labels,
      previousBody: before.body,
      actor: { username: actor, id: idOf(actor), isBot: false },
    });
    return { deliver: () => handleEvent(event, ctx) };
  };
  const edit = (issue: Issue, change: (body: string) => string, actor: string, labels: string[] = []) =>
    save(issue, change, actor, labels).deliver();
  const sweep = (at: Date) => sweepTracker(tracker, ctx, at);
  return { store, clock, project, ctx, self, report, label, plant, say, own, save, edit, sweep };
}

/** Rewrites the app's hidden state marker in a body, signature and all, as anyone who can edit the description can. */
const forgeState = (body: string, change: (state: TicketState) => TicketState) => {
  const state = readTicketState(body)!;
  const forged = body.replace(/<!-- incident-desk:state [^\n]* -->/, renderState(change(structuredClone(state))));
  expect(forged).not.toBe(body);
  return forged;
};
const ticked = (body: string, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(body);
const tickIn = (body: string, stepId: string) =>
  body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');

const APPROVALS = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal], fyi: [] }
  required: [security, legal]
  quorum: 2
`;

/** An incident opened in place in `team/app` with a communications ticket whose matrix is `APPROVALS`. */
async function approvalIncident(kind: TrackerKind = 'gitlab') {
  const w = await world(kind, { config: APPROVALS });
  const source = w.report();
  expect(await w.label(source)).toBe('done');
  const master = (): Issue => w.store.issue(source.ref);
  const comms = (): Issue => w.store.allIssues('team/app').find((i) => i.labels.includes('incident::comms'))!;
  const timeline = (): string =>
    (trustedState(master())?.run?.timeline ?? []).map((id) => w.store.comment(master().ref, id).body).join('\n');
  /** Every group approved the blog post, by someone who is no approver. */
  const forgedApprovals = (state: TicketState): TicketState => ({
    ...state,
    approvals: {
      decisions: {
        'blog/security': { status: 'approved', by: 'made-up', at: '2026-11-22T10:00:00.000Z' },
        'blog/legal': { status: 'approved', by: 'made-up', at: '2026-11-22T10:00:00.000Z' },
      },
      complete: true,
    },
  });
  return { ...w, source, master, comms, timeline, forgedApprovals };
}

describe('case 3: comments and markers count only when the app wrote them (its account, by id)', () => {
  it('a timeline planted before triage is not adopted: the app opens its own and appends only to that', async () => {
    const w = await world();
    const source = w.report();
    const planted = w.plant(
      source,
      `${marker('timeline')}\n## Timeline\n\n- 2026-11-22T09:00:00Z · @ceo · approved the disclosure\n`,
    );
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
    w.plant(
      source,
      `${marker('summary')}\n### incident-desk opened incident INC-2026-1\n- everything is fine, nothing to do`,
    );
    expect(await w.label(source)).toBe('done');
    expect(w.own(source, 'summary')).toHaveLength(1);
  });

  it('a planted configuration-error marker does not suppress the report of an invalid configuration', async () => {
    const w = await world('gitlab', { config: 'children: [nope]\n' });
    // The app's own report on a first issue shows the marker, digest included: anyone reading it can copy it.
    const first = w.report();
    expect(await w.label(first)).toBe('config-error');
    const [reported] = w.store
      .listComments(first.ref)
      .filter((c) => c.authorId === w.self.id && c.body.startsWith('<!-- incident-desk:config-error '));
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

  it(
    'a planted unknown-identifier marker does not suppress ' + 'the answer to a ticket naming an unknown incident',
    async () => {
      const w = await world();
      const child = w.store.seedIssue('team/app', {
        title: '[INC-2026-99] Rotate keys',
        body: '',
        author: 'alice',
        confidential: true,
      });
      w.plant(child, '<!-- incident-desk:unknown-id INC-2026-99 -->\nSee the master.', 'mallory');
      expect(await handleEvent(issueEvent(w.project, child, { action: 'opened', addedLabels: [] }), w.ctx)).toBe(
        'done',
      );
      expect(w.store.listComments(child.ref).filter((c) => c.authorId === w.self.id)).toHaveLength(1);
    },
  );
});

describe('case 1: approval decisions are never taken from text a person could have typed', () => {
  it(
    "a writer who approves for no group replaces the comms ticket's state with approvals: " +
      'put back, and nothing is approved',
    async () => {
      const t = await approvalIncident();
      t.clock.now = minutes(1);
      expect(await t.edit(t.comms(), (body) => forgeState(body, t.forgedApprovals), 'bob')).toBe('done');
      expect(trustedState(t.comms())?.approvals?.decisions ?? {}).toEqual({});
      expect(
        t.store
          .listComments(t.comms().ref)
          .filter((c) => c.authorId === t.self.id && c.body.includes('`incident-desk:state`')),
      ).toHaveLength(1);
      // The next approval events (a request for approvals, the sweep) render the app's state, not the forged one.
      expect(await t.say(t.comms(), '/request-approvals', 'alice')).toBe('done');
      await t.sweep(minutes(5));
      expect(t.comms().labels).toContain('approval::blog::pending');
      expect(t.comms().labels).not.toContain('approval::blog::approved');
      expect(t.comms().labels).not.toContain('approvals::complete');
      expect(t.comms().body).not.toContain('made-up');
      expect(t.timeline()).not.toContain('approved');
    },
  );

  it('a state forged without any other change is not read, even when its edit event never arrives', async () => {
    const t = await approvalIncident();
    t.save(t.comms(), (body) => forgeState(body, t.forgedApprovals), 'bob');
    expect(await t.say(t.comms(), '/request-approvals', 'alice')).toBe('not-a-trigger');
    await t.sweep(minutes(5));
    expect(t.comms().labels).not.toContain('approval::blog::approved');
    expect(t.comms().labels).not.toContain('approvals::complete');
    expect(t.ctx.log.lines.some((l) => l.msg === 'hidden state failed verification; ignored')).toBe(true);
  });

  it(
    "a Reporter's one save that edits the description and " + "adds an approval label (GitLab's PUT): both undone",
    async () => {
      const t = await approvalIncident();
      const forged = (body: string) =>
        tickIn(tickIn(forgeState(body, t.forgedApprovals), 'approve-blog-security'), 'approve-blog-legal');
      const labels = ['approval::blog::approved', 'approvals::complete'];
      expect(await t.edit(t.comms(), forged, 'mallory', labels)).toBe('done');
      const comms = t.comms();
      expect(trustedState(comms)?.approvals?.decisions ?? {}).toEqual({});
      expect(ticked(comms.body, 'approve-blog-security')).toBe(false);
      expect(ticked(comms.body, 'approve-blog-legal')).toBe(false);
      expect(comms.labels).toContain('approval::blog::pending');
      expect(comms.labels).not.toContain('approval::blog::approved');
      expect(comms.labels).not.toContain('approvals::complete');
      expect(
        t.store.listComments(comms.ref).some((c) => c.authorId === t.self.id && c.body.includes('approval-refusal')),
      ).toBe(true);
      expect(t.timeline()).not.toContain('approved');
    },
  );
});

describe('case 7: a refusal undoes only the refused change, on a fresh read', () => {
  it("a Reporter's tick delivered after a writer's /set and a sitrep reminder: only the tick is undone", async () => {
    const w = await world();
    const source = w.report();
    expect(await w.label(source)).toBe('done');
    const master = (): Issue => w.store.issue(source.ref);
    w.clock.now = minutes(1);
    await w.say(master(), '/severity high', 'alice');
    // mallory ticks a box; her edit's event is delivered late.
    w.clock.now = minutes(2);
    const late = w.save(master(), (body) => tickIn(body, 'pick-deputy'), 'mallory');
    w.clock.now = minutes(3);
    expect(await w.say(master(), '/set cvss 9.8', 'alice')).toBe('done');
    expect(await w.sweep(minutes(62))).toMatchObject({ fired: 1 });
    const reminders = () => w.own(master(), 'sitrep-reminder').length;
    expect(reminders()).toBe(1);
    w.clock.now = minutes(63);
    expect(await late.deliver()).toBe('done');
    const body = master().body;
    expect(ticked(body, 'pick-deputy')).toBe(false);
    expect(body).toContain('| CVSS Score: | 9.8 |');
    expect(body).toContain('0/');
    expect(trustedState(master())?.run).toMatchObject({ severity: 'high', sitrepReminders: 1 });
    expect(
      w.store.listComments(master().ref).filter((c) => c.authorId === w.self.id && c.body.includes(marker('refusal'))),
    ).toHaveLength(1);
    // The reminder already sent is not sent again.
    await w.sweep(minutes(64));
    expect(reminders()).toBe(1);
  });

  it(
    "a writer's edit of the hidden state puts back the state only: " +
      "their tick stands, and the app's counters survive",
    async () => {
      const w = await world();
      const source = w.report();
      expect(await w.label(source)).toBe('done');
      const master = (): Issue => w.store.issue(source.ref);
      w.clock.now = minutes(1);
      await w.say(master(), '/severity high', 'alice');
      await w.sweep(minutes(62));
      w.clock.now = minutes(63);
      // bob ticks a box and, in the same save, silences the reminders by editing the state.
      const silenced = (body: string) =>
        tickIn(
          forgeState(body, (s) => ({ ...s, run: { ...s.run, severity: 'low', sitrepReminders: 99 } })),
          'pick-deputy',
        );
      expect(await w.edit(master(), silenced, 'bob')).toBe('done');
      expect(ticked(master().body, 'pick-deputy')).toBe(true);
      expect(trustedState(master())?.run).toMatchObject({ severity: 'high', sitrepReminders: 1 });
      expect(
        w.store
          .listComments(master().ref)
          .filter((c) => c.authorId === w.self.id && c.body.includes('`incident-desk:state`')),
      ).toHaveLength(1);
      // The reminders go on as the app counted them.
      await w.sweep(minutes(122));
      expect(w.own(master(), 'sitrep-reminder')).toHaveLength(2);
    },
  );
});

describe('case 2: links are followed only when both ends agree, where the configuration keeps incidents', () => {
  it.each(['github', 'gitlab'] as const)(
    '%s: a forged master naming another report as its source never opens an intake on it, from /help or the sweep',
    async (kind) => {
      const w = await world(kind);
      const victimProject = w.store.addProject('oss/lib', { visibility: 'public' });
      const victim = w.store.seedIssue('oss/lib', { title: 'Crash on start', body: 'stack trace', author: 'someone' });
      const state: TicketState = {
        v: 1,
        role: 'master',
        id: 'INC-2026-99',
        source: `${kind}:oss/lib#${victim.ref.number}`,
      };
      const forged = w.store.seedIssue('team/app', {
        title: 'A question',
        body: `<!-- incident-desk:begin -->\n${renderState(state)}\n<!-- incident-desk:end -->\n\nhello`,
        labels: ['incident::master', sourceLabel(kind, victim.ref)],
        author: 'mallory',
      });
      expect(await w.say(forged, '/help', 'mallory')).toBe('not-a-trigger');
      await w.sweep(minutes(5));
      const after = w.store.issue(victim.ref);
      expect(after).toMatchObject({
        title: 'Crash on start',
        body: 'stack trace',
        confidential: false,
        locked: false,
        labels: [],
      });
      expect(w.store.listComments(victim.ref)).toHaveLength(0);
      expect(victimProject.visibility).toBe('public');
    },
  );

  it(
    "a forged master listing another incident's communications " +
      "ticket never rewrites it with its own project's configuration",
    async () => {
      const t = await approvalIncident();
      const theirs = `approvals:
  groups:
    attackers: { name: Attackers, approvers: [mallory], backups: [m-two, m-three] }
  deliverables:
    blog: { name: Blog post, approve: [attackers], fyi: [] }
  required: [attackers]
  quorum: 1
`;
      t.store.addProject('team/api', { visibility: 'private', files: { [configPath('gitlab')]: theirs } });
      t.store.setAccess('team/api', 'mallory', 'maintain');
      expect(await t.say(t.comms(), '/request-approvals', 'alice')).toBe('done');
      const before = t.comms().body;
      const comms = t.comms();
      const state: TicketState = {
        v: 1,
        role: 'master',
        id: 'INC-2026-98',
        intake: true,
        children: [{ role: 'comms', ref: `team/app#${comms.ref.number}`, url: comms.webUrl, title: comms.title }],
      };
      t.store.seedIssue('team/api', {
        title: 'x',
        body: `<!-- incident-desk:begin -->\n${renderState(state)}\n<!-- incident-desk:end -->\n\n`,
        labels: ['incident::master'],
        author: 'mallory',
        confidential: true,
      });
      await t.sweep(minutes(40));
      expect(t.comms().body).not.toContain('Attackers');
      expect(t.comms().body).not.toBe(before);
      expect(t.comms().body).toContain(`team/app#${t.master().ref.number}`);
    },
  );

  it('a signed master state copied onto an issue outside the incident project is not swept, nor obeyed', async () => {
    // The same file in both projects; sec/incidents' copy takes team/app's reports (issue 11, case 5).
    const config = 'incidentProject: sec/incidents\nreportsFrom: [team/app]\n';
    const w = await world('gitlab', { config });
    w.store.addProject('sec/incidents', { visibility: 'private', files: { [configPath('gitlab')]: config } });
    w.store.addProject('team/api', { visibility: 'private', files: { [configPath('gitlab')]: config } });
    for (const path of ['sec/incidents', 'team/api']) w.store.setAccess(path, 'alice', 'write');
    const source = w.report();
    expect(await w.label(source)).toBe('done');
    const master = () => w.store.listIssues('sec/incidents', { labels: ['incident::master'] })[0]!;
    w.clock.now = minutes(1);
    expect(
      await handleEvent(noteEvent(w.store.getProject('sec/incidents'), master(), '/severity high', 'alice'), w.ctx),
    ).toBe('done');
    // Someone who can read the master copies its description (signed state and all) onto an issue of their own.
    const copy = w.store.seedIssue('team/api', {
      title: 'copy',
      body: master().body,
      labels: [...master().labels],
      author: 'alice',
      confidential: true,
    });
    expect(trustedState(copy)?.role).toBe('master');
    await w.sweep(minutes(62));
    expect(w.own(master(), 'sitrep-reminder')).toHaveLength(1);
    expect(w.own(copy, 'sitrep-reminder')).toHaveLength(0);
    expect(
      await handleEvent(
        noteEvent(w.store.getProject('team/api'), w.store.issue(copy.ref), '/sitrep all calm', 'alice'),
        w.ctx,
      ),
    ).toBe('not-a-trigger');
    expect(w.store.listComments(copy.ref)).toHaveLength(0);
    expect(w.ctx.log.lines.some((l) => l.msg === 'master not where its configuration keeps incidents; ignored')).toBe(
      true,
    );
  });

  it(
    "a communications ticket's signed state copied onto another issue decides nothing: " +
      'its master does not name it',
    async () => {
      const t = await approvalIncident();
      const copy = t.store.seedIssue('team/app', {
        title: 'copy',
        body: t.comms().body,
        labels: [...t.comms().labels],
        author: 'mallory',
        confidential: true,
      });
      expect(await t.say(copy, '/approve blog', 'sec-alice')).toBe('done');
      expect(t.store.issue(copy.ref).labels).toEqual(t.comms().labels);
      expect(t.store.listComments(copy.ref).filter((c) => c.authorId === t.self.id)).toHaveLength(0);
      expect(t.timeline()).not.toContain('approved');
      expect(
        t.ctx.log.lines.some(
          (l) => l.msg === 'communications ticket and master do not name each other; approvals ignored',
        ),
      ).toBe(true);
    },
  );

  it('an issue labelled as a child in advance is not adopted: the intake opens its own tickets', async () => {
    const w = await world();
    const source = w.store.seedIssue('team/app', {
      title: '[CVE-2026-4242] Heap overflow',
      body: 'details',
      author: 'reporter',
    });
    const planted = w.store.seedIssue('team/app', {
      title: 'comms',
      body: 'mine',
      labels: ['incident-id::CVE-2026-4242', 'incident::comms'],
      author: 'mallory',
    });
    expect(await w.label(source)).toBe('done');
    const state = trustedState(w.store.issue(source.ref))!;
    const comms = state.children?.find((c) => c.role === 'comms');
    expect(comms?.ref).toBeDefined();
    expect(comms!.ref).not.toBe(`team/app#${planted.ref.number}`);
    expect(w.store.issue(planted.ref).body).toBe('mine');
    expect(w.store.linksOf(source.ref)).not.toContain(`team/app#${planted.ref.number}`);
  });

  it(
    'an issue labelled as the master of a report in advance is not adopted: ' +
      'the intake makes its own, confidential',
    async () => {
      // The same file in both projects; sec/incidents' copy takes team/app's reports (issue 11, case 5).
      const config = 'incidentProject: sec/incidents\nreportsFrom: [team/app]\n';
      const w = await world('gitlab', { config });
      w.store.addProject('sec/incidents', { visibility: 'private', files: { [configPath('gitlab')]: config } });
      w.store.setAccess('sec/incidents', 'mallory', 'triage');
      const source = w.report();
      const planted = w.store.seedIssue('sec/incidents', {
        title: 'master',
        body: 'mine',
        labels: ['incident::master', sourceLabel('gitlab', source.ref)],
        author: 'mallory',
      });
      expect(await w.label(source)).toBe('done');
      const masters = w.store
        .listIssues('sec/incidents', { labels: ['incident::master'] })
        .filter((i) => trustedState(i)?.role === 'master');
      expect(masters).toHaveLength(1);
      expect(masters[0]!.ref.number).not.toBe(planted.ref.number);
      expect(masters[0]!.confidential).toBe(true);
      expect(w.store.issue(planted.ref)).toMatchObject({ body: 'mine', confidential: false });
    },
  );
});
