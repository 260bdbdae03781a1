import { describe, expect, it } from 'vitest';
import { joinBody, renderState, trustedState } from '../../src/kernel/block.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/parse.js';
import { absorb } from '../../src/intake/snapshot.js';
import { decideIntake } from '../../src/intake/decide.js';
import { computePatch } from '../../src/kernel/patch.js';
import type { IntakeEffect, UpdateEffect } from '../../src/intake/effects.js';
import { approvalLabels } from '../../src/approvals/matrix.js';
import type { ApprovalState } from '../../src/kernel/ticket-state.js';
import type { IntakeSnapshot } from '../../src/intake/snapshot.js';
import type { Comment, Issue, Project } from '../../src/kernel/model.js';
import { draftLabels } from '../../src/kernel/model.js';
import { MARKERS } from '../../src/intake/messages.js';
import { parseTimeline, splitTimelineComment, TIMELINE_MARKER } from '../../src/kernel/timeline.js';
import { createRenderer } from '../../src/templates/renderer.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';

const deps = { renderer: createRenderer(await loadDefaultTemplates()), handbookUrl: 'https://h.example/handbook' };

function project(path: string, visibility: Project['visibility']): Project {
  return { path, id: 1, visibility, webUrl: `https://t.example/${path}`, defaultBranch: 'main' };
}

function issue(projectPath: string, number: number, fields: Partial<Issue> = {}): Issue {
  return {
    ref: { project: projectPath, number },
    id: 100 + number,
    title: 'Bug',
    body: 'details',
    labels: ['incident'],
    state: 'open',
    confidential: false,
    locked: false,
    author: 'reporter',
    assignees: [],
    webUrl: `https://t.example/${projectPath}/issues/${number}`,
    createdAt: '2026-03-01T00:00:00Z',
    updatedAt: '2026-03-01T00:00:00Z',
    ...fields,
  };
}

function snapshot(
  kind: 'github' | 'gitlab',
  fields: Partial<IntakeSnapshot> & { configText?: string } = {},
): IntakeSnapshot {
  const sourceProject = fields.sourceProject ?? project('team/app', 'private');
  const { configText, ...rest } = fields;
  return {
    tracker: kind,
    capabilities: {
      confidentialIssues: kind === 'gitlab',
      nativeLinks: true,
      attachOnCreate: kind === 'github',
      labelsBeforeUse: kind === 'github',
      lockConversation: kind === 'github',
      deleteIssue: kind === 'github',
      dueDates: kind === 'gitlab',
      signedDeliveries: kind === 'github',
      securityAdvisories: kind === 'github',
      checks: kind === 'github',
      commitStatuses: kind === 'gitlab',
    },
    config: configText ? parseConfig(configText, 'test') : DEFAULT_CONFIG,
    configPath: '.x/incident-desk.yml',
    source: issue(sourceProject.path, 5),
    sourceProject,
    reporter: { author: 'reporter', assignees: [], number: 5 },
    actor: 'alice',
    now: new Date('2026-03-01T10:00:00Z'),
    incidentProject: sourceProject,
    releaseProject: sourceProject,
    comments: {},
    linked: {},
    ...rest,
  };
}

/** An issue the intake already marked as its master (state and labels, nothing else yet). */
function marked(path: string, number: number, fields: Partial<Issue> = {}): Issue {
  const state = {
    v: 1 as const,
    role: 'master' as const,
    id: `INC-2026-${number}`,
    trigger: { by: 'alice', at: '2026-03-01T09:59:00Z' },
  };
  return issue(path, number, {
    labels: ['incident', 'incident::master', `incident-id::INC-2026-${number}`],
    body: joinBody(renderState(state), 'the report'),
    ...fields,
  });
}

const summarize = (effects: IntakeEffect[]) =>
  effects.map((e) =>
    e.kind === 'update' || e.kind === 'comment'
      ? `${e.kind}: ${e.why}`
      : e.kind === 'create'
        ? `create ${e.role}`
        : e.kind,
  );

describe('decideIntake: the first step from a given state', () => {
  const pub = project('acme/app', 'public');
  const priv = project('acme/sec', 'private');
  it.each<[string, IntakeSnapshot, string[]]>([
    [
      'GitLab, source not confidential: make it confidential first',
      snapshot('gitlab'),
      ['update: make the source confidential'],
    ],
    [
      'GitLab, confidential source in place: mark it as the master first',
      snapshot('gitlab', { source: issue('team/app', 5, { confidential: true }) }),
      ['update: the master as people need it, first'],
    ],
    [
      'GitLab, marked master in place: look for children',
      snapshot('gitlab', { source: marked('team/app', 5, { confidential: true }) }),
      ['find-children'],
    ],
    [
      'GitHub, private in place: mark it as the master first',
      snapshot('github'),
      ['update: the master as people need it, first'],
    ],
    [
      'GitHub, marked master in place: look for children',
      snapshot('github', { source: marked('team/app', 5) }),
      ['find-children'],
    ],
    [
      'GitHub, public without incidentProject: mark it',
      snapshot('github', {
        sourceProject: pub,
        incidentProject: pub,
        releaseProject: pub,
        source: issue('acme/app', 5),
      }),
      ['update: mark the source as needing configuration'],
    ],
    [
      'GitHub, public, marked: read the comments before explaining',
      snapshot('github', {
        sourceProject: pub,
        incidentProject: pub,
        releaseProject: pub,
        source: issue('acme/app', 5, { labels: ['incident', 'incident::needs-config'] }),
      }),
      ['read-comments'],
    ],
    [
      'GitHub, public with a private incidentProject: find the master by its source label',
      snapshot('github', {
        sourceProject: pub,
        incidentProject: priv,
        releaseProject: priv,
        source: issue('acme/app', 5),
        configText: 'incidentProject: acme/sec\n',
      }),
      ['find-master'],
    ],
    [
      'GitHub, public, no master yet: create it',
      snapshot('github', {
        sourceProject: pub,
        incidentProject: priv,
        releaseProject: priv,
        source: issue('acme/app', 5),
        master: null,
        configText: 'incidentProject: acme/sec\n',
      }),
      ['create master'],
    ],
    [
      'GitLab, configured incident project missing: nothing but the explanation',
      snapshot('gitlab', { incidentProject: null, configText: 'incidentProject: sec/none\n' }),
      ['update: mark the source as needing configuration'],
    ],
    [
      'A child ticket is never a trigger',
      snapshot('gitlab', {
        source: issue('team/app', 6, {
          confidential: true,
          labels: ['incident::release'],
          body: joinBody(renderState({ v: 1, role: 'release', id: 'INC-1', master: 'team/app#5' }), ''),
        }),
      }),
      [],
    ],
  ])('%s', (_name, s, expected) => {
    expect(summarize(decideIntake(s, deps))).toEqual(expected);
  });

  it('a master on GitLab is created without the title or the text', () => {
    const s = snapshot('gitlab', {
      sourceProject: project('team/app', 'public'),
      incidentProject: project('sec/inc', 'private'),
      releaseProject: project('sec/inc', 'private'),
      source: issue('team/app', 5, { confidential: true, title: 'RCE in login', body: 'secret steps' }),
      master: null,
      configText: 'incidentProject: sec/inc\n',
    });
    const [effect] = decideIntake(s, deps);
    expect(effect?.kind).toBe('create');
    if (effect?.kind !== 'create') return;
    expect(effect.expectConfidential).toBe(true);
    expect(JSON.stringify(effect.draft)).not.toMatch(/RCE in login|secret steps/);
  });

  it('creates both children in one step, links them, sums up in one comment, then writes the block', () => {
    const { steps } = runUntil(
      snapshot('gitlab', { source: issue('team/app', 5, { confidential: true }), children: [] }),
    );
    expect(steps).toEqual([
      ['update: the master as people need it, first'],
      ['create release', 'create comms'],
      ['link', 'link'],
      ['read-comments'],
      ['comment: intake summary and timeline'],
      ['update: master block, title and labels'],
    ]);
  });
});

/** The app's comment `id` on the master, as the tracker answers it. */
function appComment(id: number, body: string): Comment {
  return { id, author: 'bot', authorId: 1, body, createdAt: '' };
}

/**
 * Runs the decision, answering as a tracker would, until it settles or `stop` says to stop before applying the step;
 * comments read from the master are `comments`. Answers the steps taken and the snapshot reached.
 */
function runUntil(
  start: IntakeSnapshot,
  options: { stop?: (effects: IntakeEffect[]) => boolean; comments?: Comment[] } = {},
): { steps: string[][]; s: IntakeSnapshot; posted: Comment[] } {
  let s = start;
  const steps: string[][] = [];
  const posted: Comment[] = [];
  for (let round = 0; round < 12; round += 1) {
    const effects = decideIntake(s, deps);
    if (effects.length === 0 || options.stop?.(effects)) break;
    steps.push(summarize(effects));
    for (const effect of effects) {
      if (effect.kind === 'create') {
        const created = issue(effect.project, 10 + round * 2 + steps.length, {
          title: effect.draft.title,
          body: effect.draft.body,
          labels: draftLabels(effect.draft),
          confidential: true,
        });
        s = absorb(s, effect, { kind: 'issue', issue: created });
      } else if (effect.kind === 'link') s = absorb(s, effect, { kind: 'link', result: 'linked' });
      else if (effect.kind === 'read-comments')
        s = absorb(s, effect, { kind: 'comments', comments: options.comments ?? [] });
      else if (effect.kind === 'comment') {
        const comment = appComment(900 + posted.length, effect.body);
        posted.push(comment);
        s = absorb(s, effect, { kind: 'comment', comment });
      } else if (effect.kind === 'update') {
        const current = s.source!;
        const patch = computePatch(current, effect)!;
        s = absorb(s, effect, { kind: 'issue', issue: { ...current, ...patch } as Issue });
      }
    }
  }
  return { steps, s, posted };
}

describe("decideIntake: the summary and the timeline's first entries, one comment", () => {
  const start = () => snapshot('gitlab', { source: issue('team/app', 5, { confidential: true }), children: [] });
  const summaryOnly = appComment(
    501,
    `${MARKERS.summary}\n### incident-desk opened incident INC-2026-5\n\n- This ticket is confidential.\n`,
  );
  const timelineOnly = appComment(
    502,
    `${TIMELINE_MARKER}\n## Timeline\n\n- 2026-03-01T10:00:00Z · @alice · labeled the report \`incident\`\n`,
  );

  it('posts one comment: the summary, then the timeline with the intake entries, both markers in it', () => {
    const { posted, s } = runUntil(start());
    expect(posted).toHaveLength(1);
    const body = posted[0]!.body;
    expect(body.startsWith(`${MARKERS.summary}\n### incident-desk opened incident INC-2026-5\n`)).toBe(true);
    const { preamble, timeline } = splitTimelineComment(body);
    // The summary, as it is posted alone, then a blank line above the timeline's marker and heading.
    expect(preamble).toMatch(/\n\n$/);
    expect(preamble).toContain('Incident Manager');
    expect(preamble).not.toContain(TIMELINE_MARKER);
    expect(timeline.startsWith(`${TIMELINE_MARKER}\n## Timeline\n\n`)).toBe(true);
    expect(parseTimeline(body).map((e) => `${e.actor} ${e.text}`)).toEqual([
      'alice labeled the report `incident`',
      'incident-desk[bot] made this ticket confidential',
      'incident-desk[bot] named no Incident Manager: nobody with write access declared the incident',
      'incident-desk[bot] named the incident INC-2026-5',
      expect.stringMatching(/^incident-desk\[bot\] opened the release ticket team\/app#\d+ and linked it$/),
      expect.stringMatching(/^incident-desk\[bot\] opened the communications ticket team\/app#\d+ and linked it$/),
    ]);
    // The master's state names that comment as the timeline, and says the summary was posted.
    expect(trustedState(s.source!)).toMatchObject({ summary: true, run: { timeline: [posted[0]!.id] } });
  });

  /** The one comment an intake posted, as the master holds it after a run interrupted right after it. */
  const merged = appComment(777, runUntil(start()).posted[0]!.body);

  it.each<[string, Comment[], string[], (posted: Comment[]) => number[]]>([
    [
      'interrupted after the one comment: nothing is posted twice',
      [merged],
      ['update: master block, title and labels'],
      () => [777],
    ],
    [
      'an older incident whose summary and timeline are two comments: both found, none posted',
      [summaryOnly, timelineOnly],
      ['update: master block, title and labels'],
      () => [timelineOnly.id],
    ],
    [
      'a summary but no timeline (an older interruption): the timeline alone, in a comment of its own',
      [summaryOnly],
      ['comment: open the timeline', 'update: master block, title and labels'],
      (posted) => [posted[0]!.id],
    ],
    [
      'a timeline but no summary: the summary alone, the timeline kept',
      [timelineOnly],
      ['comment: intake summary', 'update: master block, title and labels'],
      () => [timelineOnly.id],
    ],
  ])('%s', (_name, found, expected, timelineIds) => {
    // `found`: the comments the master holds when the intake reads them.
    const reached = runUntil(start(), { stop: (effects) => effects.some((e) => e.kind === 'read-comments') });
    const { steps, posted, s } = runUntil(reached.s, { comments: found });
    expect(steps.slice(1).flat()).toEqual(expected);
    for (const comment of posted) {
      const summary = comment.body.includes(MARKERS.summary);
      const timeline = comment.body.includes(TIMELINE_MARKER);
      // Each posted comment is only what was missing.
      expect(summary && timeline).toBe(false);
      expect(summary).toBe(!found.some((c) => c.body.includes(MARKERS.summary)));
    }
    expect(trustedState(s.source!)?.run?.timeline).toEqual(timelineIds(posted));
  });

  it('asks for no comments once the state says the summary and the timeline exist', () => {
    const { s } = runUntil(start());
    expect(decideIntake(s, deps)).toEqual([]);
    const fresh = { ...s, comments: {} };
    expect(decideIntake(fresh, deps)).toEqual([]);
  });

  it('posts the summary alone when the summary and the entries do not fit in one comment, then the timeline', () => {
    const reached = runUntil(start(), { stop: (effects) => effects.some((e) => e.kind === 'read-comments') });
    const read = decideIntake(reached.s, deps)[0]!;
    let s = absorb(reached.s, read, { kind: 'comments', comments: [] });
    // A summary nearly as long as a comment may be (the configuration bounds the handbook's address far below that:
    // the summary never comes near it, but whatever it holds, no comment is written over the limit).
    const huge = { ...deps, handbookUrl: `https://h.example/${'a'.repeat(1_000_000)}` };
    const [summary] = decideIntake(s, huge);
    expect(summary).toMatchObject({ kind: 'comment', why: 'intake summary' });
    const body = summary!.kind === 'comment' ? summary!.body : '';
    expect(body).not.toContain(TIMELINE_MARKER);
    s = absorb(s, summary!, { kind: 'comment', comment: appComment(801, body) });
    const [timeline] = decideIntake(s, huge);
    expect(timeline).toMatchObject({ kind: 'comment', why: 'open the timeline' });
    expect(timeline!.kind === 'comment' && splitTimelineComment(timeline!.body).preamble).toBe('');
  });
});

describe('children created attached to the master', () => {
  /**
   * Runs an intake in place on `kind`'s rules until it reads the master's comments (the children settled), answering
   * each attached create with `outcome` (the release child's with `releaseOutcome` when given); answers the steps and
   * the effects.
   */
  function childrenSteps(
    kind: 'github' | 'gitlab',
    outcome: 'linked' | 'already-linked' | 'unsupported' | 'unknown',
    releaseOutcome = outcome,
  ) {
    let s = snapshot(kind, { source: issue('team/app', 5, { confidential: kind === 'gitlab' }), children: [] });
    const steps: string[][] = [];
    const effects: IntakeEffect[] = [];
    let numbers = 0;
    for (let round = 0; round < 10; round += 1) {
      const decided = decideIntake(s, deps);
      if (decided.length === 0 || decided.some((e) => e.kind === 'read-comments')) break;
      steps.push(summarize(decided));
      effects.push(...decided);
      for (const effect of decided) {
        if (effect.kind === 'create') {
          numbers += 1;
          const created = issue(effect.project, 10 + numbers, {
            title: effect.draft.title,
            body: effect.draft.body,
            labels: draftLabels(effect.draft),
            confidential: kind === 'gitlab',
          });
          const link = effect.role === 'release' ? releaseOutcome : outcome;
          s = absorb(s, effect, { kind: 'issue', issue: created, ...(effect.attachTo ? { link } : {}) });
        } else if (effect.kind === 'link') s = absorb(s, effect, { kind: 'link', result: 'already-linked' });
        else if (effect.kind === 'update') {
          const current = s.source!;
          s = absorb(s, effect, { kind: 'issue', issue: { ...current, ...computePatch(current, effect)! } as Issue });
        }
      }
    }
    return { steps, effects, linked: s.linked };
  }

  it.each(['linked', 'already-linked', 'unsupported'] as const)(
    'GitHub: each child is created under the master; a create that answered %s needs no link request',
    (outcome) => {
      const { steps, effects, linked } = childrenSteps('github', outcome);
      expect(steps).toEqual([['update: the master as people need it, first'], ['create release', 'create comms']]);
      for (const effect of effects.filter((e) => e.kind === 'create'))
        expect(effect.kind === 'create' && effect.attachTo?.ref).toEqual({ project: 'team/app', number: 5 });
      expect(Object.values(linked)).toEqual([outcome, outcome]);
    },
  );

  it('GitHub: a child whose create could not tell (a lost answer, found again) is linked as before', () => {
    const { steps, effects } = childrenSteps('github', 'linked', 'unknown');
    expect(steps.slice(1)).toEqual([['create release', 'create comms'], ['link']]);
    const link = effects.find((e) => e.kind === 'link');
    expect(link?.kind === 'link' && link.child.labels).toContain('incident::release');
  });

  it('GitLab: children are created, then linked, as before', () => {
    const { steps, effects } = childrenSteps('gitlab', 'linked');
    expect(steps.slice(-2)).toEqual([
      ['create release', 'create comms'],
      ['link', 'link'],
    ]);
    expect(effects.some((e) => e.kind === 'create' && e.attachTo !== undefined)).toBe(false);
  });
});

describe('computePatch', () => {
  const fresh = issue('team/app', 5, { title: '[INC-1] Bug', labels: ['a', 'incident-id::INC-1'] });
  it('writes nothing when the issue already is as wanted', () => {
    expect(computePatch(fresh, { titleId: 'INC-1', addLabels: ['a'] })).toBeNull();
  });
  it('merges labels into the fresh set and prefixes the title once', () => {
    expect(
      computePatch(
        { ...fresh, title: 'Bug', labels: ['human'] },
        { titleId: 'INC-1', addLabels: ['incident::master'] },
      ),
    ).toEqual({
      title: '[INC-1] Bug',
      labels: ['human', 'incident::master'],
    });
  });
});

describe('decideIntake: tickets made twice after a lost answer', () => {
  /** A child the app opened for master team/app#5, created at `minute`. */
  function child(number: number, role: 'release' | 'comms', minute: number, fields: Partial<Issue> = {}): Issue {
    const state = { v: 1 as const, role, id: 'INC-2026-5', master: 'team/app#5' };
    return issue('team/app', number, {
      confidential: true,
      labels: ['incident-id::INC-2026-5', `incident::${role}`],
      body: joinBody(renderState(state), ''),
      createdAt: `2026-03-01T00:${String(minute).padStart(2, '0')}:00Z`,
      ...fields,
    });
  }

  it("closes the later of two children of a role, and only the app's own", () => {
    const byHand = issue('team/app', 9, {
      confidential: true,
      labels: ['incident-id::INC-2026-5', 'incident::release'],
      createdAt: '2026-03-01T00:09:00Z',
    });
    const s = snapshot('gitlab', {
      source: marked('team/app', 5, { confidential: true }),
      children: [child(7, 'release', 2), child(6, 'release', 1), child(8, 'comms', 3), byHand],
    });
    const effects = decideIntake(s, deps);
    expect(summarize(effects)).toEqual(['update: close a ticket made twice']);
    const close = effects[0]!;
    expect(close.kind === 'update' && close.ref.number).toBe(7);
    expect(computePatch(child(7, 'release', 2), close as Extract<IntakeEffect, { kind: 'update' }>)).toEqual({
      labels: ['incident::duplicate'],
      state: 'closed',
    });
  });

  it('keeps the child the master already names, even when a doubled one is older', () => {
    const named = child(7, 'release', 2);
    const master = marked('team/app', 5, { confidential: true });
    const withRows = {
      ...master,
      body: joinBody(
        renderState({
          v: 1,
          role: 'master',
          id: 'INC-2026-5',
          children: [{ role: 'release', ref: 'team/app#7', url: named.webUrl, title: 'r' }],
        }),
        'the report',
      ),
    };
    const s = snapshot('gitlab', { source: withRows, children: [child(6, 'release', 1), named, child(8, 'comms', 3)] });
    const effects = decideIntake(s, deps);
    expect(effects.map((e) => (e.kind === 'update' ? e.ref.number : e.kind))).toEqual([6]);
  });

  it('of two masters of one source, keeps the one whose intake is done and closes the other', () => {
    const source = issue('acme/app', 5, { confidential: true });
    const masterState = (intake: boolean) => ({
      v: 1 as const,
      role: 'master' as const,
      id: '',
      source: 'gitlab:acme/app#5',
      ...(intake ? { intake: true } : { pendingCopy: true }),
    });
    const older = issue('acme/sec', 1, {
      confidential: true,
      labels: ['incident::master'],
      body: joinBody(renderState(masterState(false)), ''),
    });
    const done = issue('acme/sec', 2, {
      confidential: true,
      labels: ['incident::master'],
      body: joinBody(renderState(masterState(true)), ''),
      createdAt: '2026-03-01T00:05:00Z',
    });
    let s = snapshot('gitlab', {
      sourceProject: project('acme/app', 'private'),
      incidentProject: project('acme/sec', 'private'),
      releaseProject: project('acme/sec', 'private'),
      source,
      configText: 'incidentProject: acme/sec\n',
    });
    const [find] = decideIntake(s, deps);
    expect(find?.kind).toBe('find-master');
    s = absorb(s, find!, { kind: 'issues', issues: [older, done] });
    expect(s.master?.ref.number).toBe(2);
    const effects = decideIntake(s, deps);
    expect(summarize(effects)).toEqual(['update: close a ticket made twice']);
    expect(effects[0]!.kind === 'update' && effects[0]!.ref.number).toBe(1);
  });

  it('an external master not shown confidential gets no details until it is', () => {
    const source = issue('acme/app', 5, { confidential: true });
    const pending = issue('acme/sec', 1, {
      confidential: false,
      labels: ['incident::master'],
      body: joinBody(renderState({ v: 1, role: 'master', id: '', source: 'gitlab:acme/app#5', pendingCopy: true }), ''),
    });
    const s = snapshot('gitlab', {
      sourceProject: project('acme/app', 'private'),
      incidentProject: project('acme/sec', 'private'),
      releaseProject: project('acme/sec', 'private'),
      source,
      master: pending,
      configText: 'incidentProject: acme/sec\n',
    });
    const effects = decideIntake(s, deps);
    expect(effects).toEqual([
      {
        kind: 'update',
        ref: pending.ref,
        why: 'make the master confidential',
        confidential: true,
        expectConfidential: true,
      },
    ]);
  });
});

describe("decideIntake: the comms ticket's approval labels follow its creation", () => {
  const pending = approvalLabels(DEFAULT_CONFIG.approvals, { decisions: {} });
  /** A child the app opened for master team/app#5, carrying `labels` besides its identifier and role. */
  function child(number: number, role: 'release' | 'comms', labels: string[], approvals?: ApprovalState): Issue {
    const state = { v: 1 as const, role, id: 'INC-2026-5', master: 'team/app#5', ...(approvals ? { approvals } : {}) };
    return issue('team/app', number, {
      confidential: true,
      labels: ['incident-id::INC-2026-5', `incident::${role}`, ...labels],
      body: joinBody(renderState(state), ''),
    });
  }
  const socialApproved: ApprovalState = {
    decisions: { 'social/legal': { status: 'approved', by: 'lee', at: '2026-03-01T09:00:00Z' } },
  };
  const withSocial = approvalLabels(DEFAULT_CONFIG.approvals, socialApproved);

  it('creates the comms ticket with its identifier and role as labels, its approval labels as status labels', () => {
    const s = snapshot('github', { source: marked('team/app', 5), children: [] });
    const creates = decideIntake(s, deps).filter((e) => e.kind === 'create');
    expect(creates.map((e) => e.kind === 'create' && [e.role, e.draft.labels, e.draft.statusLabels])).toEqual([
      ['release', ['incident-id::INC-2026-5', 'incident::release'], undefined],
      ['comms', ['incident-id::INC-2026-5', 'incident::comms'], pending],
    ]);
  });

  // The release ticket, which has no status labels to mirror, is found with the comms ticket each time.
  it.each<[string, Issue, { add: string[]; remove?: string[] } | null]>([
    [
      'a comms ticket without them (a run cut off after its create) gets them all',
      child(7, 'comms', []),
      { add: pending },
    ],
    [
      'a comms ticket missing one gets that one',
      child(
        7,
        'comms',
        pending.filter((l) => l !== 'approval::media::pending'),
      ),
      { add: ['approval::media::pending'] },
    ],
    [
      'labels as its own approval state says, an approval label it contradicts taken off',
      child(7, 'comms', ['approval::social::pending'], socialApproved),
      { add: withSocial, remove: ['approval::social::pending'] },
    ],
    ['a comms ticket with all of them: nothing to add', child(7, 'comms', pending), null],
    [
      'names compare as the trackers compare them (case-insensitively)',
      child(
        7,
        'comms',
        pending.map((l) => l.toUpperCase()),
      ),
      null,
    ],
  ])('%s', (_name, comms, expected) => {
    const s = snapshot('github', { source: marked('team/app', 5), children: [child(6, 'release', []), comms] });
    const effects = decideIntake(s, deps);
    // Nothing to mirror: the intake goes on to link the children.
    if (!expected) {
      expect(summarize(effects)).toEqual(['link', 'link']);
      return;
    }
    expect(effects).toEqual([
      {
        kind: 'update',
        ref: { project: 'team/app', number: 7 },
        why: "the comms ticket's status labels",
        addLabels: expected.add,
        ...(expected.remove ? { removeLabels: expected.remove } : {}),
      },
    ]);
  });

  it('once the labels are on, the intake goes on as before', () => {
    const cut = child(7, 'comms', []);
    let s = snapshot('github', { source: marked('team/app', 5), children: [child(6, 'release', []), cut] });
    const [effect] = decideIntake(s, deps);
    expect(effect?.kind).toBe('update');
    s = absorb(s, effect!, { kind: 'issue', issue: { ...cut, ...computePatch(cut, effect as UpdateEffect)! } });
    expect(summarize(decideIntake(s, deps))).toEqual(['link', 'link']);
  });
});
