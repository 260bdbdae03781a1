import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, readTicketState, renderState } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { TASKS_MARKER } from '../../src/tracking/section.js';
import type { Issue } from '../../src/kernel/model.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { sweepTracker } from '../../src/sweep/handle.js';
import { openBody } from '../../src/server/state-seal.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { idOf, issueEvent, noteEvent } from '../support/events.js';
import { TEST_STATE_KEYS } from '../support/state.js';
import { hostileLine } from './hostile.js';

/**
 * Issue 11's property: whatever a person who is not the app edits in the regions the app owns (the hidden state, the
 * markers, the approval matrix, the status table, the links), the approval outcome, the approval labels and the links
 * between the tickets are those of the same incident without the edit. Two incidents live the same events from a
 * fixed seed (FC_SEED explores others); one of them also gets the edit. The people who edit decide no approval.
 */

const T0 = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const CONFIG = `approvals:
  groups:
    security: { name: Security, approvers: [sec-alice], backups: [sec-bob, sec-carol] }
    legal: { name: Legal, approvers: [law-dan], backups: [law-eve, law-fay] }
  deliverables:
    blog: { name: Blog post, approve: [security, legal], fyi: [] }
    faq: { name: Support FAQ, approve: [security], fyi: [legal] }
  required: [security, legal]
  quorum: 2
`;
const BOXES = ['approve-blog-security', 'approve-blog-legal', 'approve-faq-security'];

/** An incident opened in place, with sec-alice's approval of the blog post already given. */
async function incident() {
  const clock = { now: T0 };
  const store = new MemoryStore({ kind: 'gitlab', now: () => clock.now });
  const tracker = new MemoryTracker(store);
  const project = store.addProject('team/app', {
    visibility: 'private',
    files: { '.gitlab/incident-desk.yml': CONFIG },
  });
  for (const [name, level] of [
    ['alice', 'write'],
    ['bob', 'write'],
    ['mallory', 'triage'],
  ] as const)
    store.setAccess('team/app', name, level);
  const source = store.seedIssue('team/app', {
    title: 'Heap overflow',
    body: 'details',
    labels: ['incident'],
    author: 'alice',
  });
  const ctx = await eventContext(tracker, 'incident-desk[bot]', () => clock.now);
  expect(await handleEvent(issueEvent(project, source), ctx)).toBe('done');
  const master = (): Issue => store.issue(source.ref);
  const comms = (): Issue => store.allIssues('team/app').find((i) => i.labels.includes('incident::comms'))!;
  const say = (ticket: Issue, body: string, actor: string) => {
    store.createComment(ticket.ref, body, actor);
    return handleEvent(noteEvent(project, store.issue(ticket.ref), body, actor), ctx);
  };
  clock.now = minutes(1);
  await say(comms(), '/approve blog', 'sec-alice');
  return { store, clock, project, ctx, tracker, master, comms, say };
}

type World = Awaited<ReturnType<typeof incident>>;

/**
 * The rest of the incident, the same in both worlds: a request for approvals, a decision, the sweep past the cut-off.
 */
async function carryOn(w: World): Promise<void> {
  w.clock.now = minutes(3);
  await w.say(w.comms(), '/request-approvals', 'alice');
  w.clock.now = minutes(4);
  await w.say(w.comms(), '/approve faq', 'sec-alice');
  await sweepTracker(w.tracker, w.ctx, minutes(45));
  await sweepTracker(w.tracker, w.ctx, minutes(400));
}

/** What must not move: the approval outcome, the approval labels and the links, read as the app reads them. */
function outcome(w: World) {
  const verified = (issue: Issue): TicketState | null =>
    readTicketState(openBody(issue.body, TEST_STATE_KEYS, 'gitlab').body);
  const comms = verified(w.comms());
  const master = verified(w.master());
  const approvals = comms?.approvals ?? { decisions: {} };
  return {
    decisions: Object.fromEntries(
      Object.entries(approvals.decisions).map(([key, d]) => [key, `${d.status} by ${d.by}`]),
    ),
    requested: approvals.requested ?? approvals.requestedAt ?? null,
    drafting: approvals.drafting ?? null,
    cutoff: approvals.cutoff ?? {},
    complete: approvals.complete ?? false,
    labels: w
      .comms()
      .labels.filter((l) => l.startsWith('approval'))
      .sort(),
    commsMaster: comms?.master ?? null,
    children: (master?.children ?? []).map((c) => `${c.role} ${c.ref}`),
    links: master?.links ?? [],
    id: [master?.id, comms?.id],
  };
}

/** One change a person makes to the block of a ticket. */
type Change = (body: string) => string;

const lines = (body: string) => body.split('\n');
const at = (body: string, index: number) => Math.abs(index) % Math.max(1, lines(body).length);

const stateChange: fc.Arbitrary<Change> = fc
  .record({
    statuses: fc.array(
      fc.tuple(
        fc.constantFrom('blog/security', 'blog/legal', 'faq/security', 'faq/other'),
        fc.constantFrom('approved', 'changes-requested'),
      ),
      { maxLength: 3 },
    ),
    complete: fc.boolean(),
    cutoff: fc.option(fc.constantFrom('quorum', 'escalated'), { nil: undefined }),
    // The review clocks: a start of drafting hours earlier (an earlier cut-off), a review that never was requested.
    clock: fc.option(fc.constantFrom('drafting', 'requested'), { nil: undefined }),
    master: fc.option(fc.constantFrom('team/app#99', 'other/project#1'), { nil: undefined }),
    children: fc.boolean(),
    keepSignature: fc.boolean(),
  })
  .map(
    (r) => (body: string) =>
      body.replace(
        /<!-- incident-desk:state (?<json>[^\n]*?)(?<sig> sig=[^ ]*)? -->/,
        (_all, json: string, sig: string | undefined) => {
          const state = JSON.parse(json) as TicketState;
          const forged: TicketState = {
            ...state,
            ...(r.master ? { master: r.master } : {}),
            ...(r.children && state.children
              ? { children: state.children.map((c) => ({ ...c, ref: `${c.ref}0` })) }
              : {}),
          };
          if (state.role === 'comms') {
            forged.approvals = {
              ...(state.approvals ?? { decisions: {} }),
              decisions: {
                ...(state.approvals?.decisions ?? {}),
                ...Object.fromEntries(
                  r.statuses.map(([key, status]) => [key, { status, by: 'made-up', at: T0.toISOString() }]),
                ),
              },
              complete: r.complete,
              ...(r.cutoff ? { cutoff: { blog: r.cutoff } } : {}),
              ...(r.clock === 'drafting'
                ? { drafting: { at: '2026-11-22T04:00:00.000Z', via: 'command' as const, by: 'made-up' } }
                : {}),
              ...(r.clock === 'requested' ? { requested: { faq: '2026-11-22T04:00:00.000Z' } } : {}),
            };
          }
          const line = renderState(forged);
          return r.keepSignature && sig ? line.replace(/ -->$/, `${sig} -->`) : line;
        },
      ),
  );

const markerChange: fc.Arbitrary<Change> = fc
  .tuple(
    fc.constantFrom(
      BLOCK_BEGIN,
      BLOCK_END,
      '<!-- step:',
      '<!-- incident-desk:state ',
      TASKS_MARKER,
      '<!-- incident-desk:',
    ),
    fc.constantFrom('drop', 'double', 'swap'),
    fc.nat(),
  )
  .map(([marker, how, where]) => (body: string) => {
    if (how === 'drop') return body.replace(marker, '');
    if (how === 'double') return body.replace(marker, `${marker}\n${marker}`);
    const ls = lines(body);
    ls.splice(at(body, where), 0, marker);
    return ls.join('\n');
  });

const matrixChange: fc.Arbitrary<Change> = fc
  .subarray(BOXES, { minLength: 1 })
  .chain((boxes) =>
    fc.array(fc.boolean(), { minLength: boxes.length, maxLength: boxes.length }).map((ticks) => ({ boxes, ticks })),
  )
  .map(
    ({ boxes, ticks }) =>
      (body: string) =>
        boxes.reduce(
          (text, box, i) =>
            text.replace(new RegExp(`- \\[[ xX]\\] (.*<!-- step:${box} -->)`), `- [${ticks[i] ? 'x' : ' '}] $1`),
          body,
        ),
  );

const tableChange: fc.Arbitrary<Change> = fc.oneof(
  fc.constant((body: string) =>
    body.replace(/⏳ pending/g, '✅ approved').replace(/✋ changes requested/g, '✅ approved'),
  ),
  fc.constant((body: string) =>
    body.replace(/\| Blog post \|[^\n]*/, '| Blog post | ✅ `@made-up` | ✅ `@made-up` | ✅ approved |'),
  ),
  fc.constant((body: string) => body.replace(/\[team\/app#\d+\]/g, '[team/app#99]')),
  hostileLine(8).map(
    (text) => (body: string) => body.replace(/### Approval status[^\n]*/, `### Approval status ${text}`),
  ),
);

const insertion: fc.Arbitrary<Change> = fc.tuple(hostileLine(10), fc.nat()).map(([text, where]) => (body: string) => {
  const ls = lines(body);
  ls.splice(at(body, where), 0, text);
  return ls.join('\n');
});

/** A person's save: one to three changes of the comms ticket's or the master's block, maybe approval labels too. */
const edit = fc.record({
  target: fc.constantFrom('comms', 'master'),
  actor: fc.constantFrom('bob', 'mallory', 'stranger'),
  changes: fc.array(fc.oneof(stateChange, markerChange, matrixChange, tableChange, insertion), {
    minLength: 1,
    maxLength: 3,
  }),
  labels: fc.subarray(['approval::blog::approved', 'approval::faq::approved', 'approvals::complete']),
});

describe('an edit of what the app owns, by anyone but the app (issue 11)', () => {
  it('leaves the approval outcome, the approval labels and the links as they would be without it', async () => {
    await fc.assert(
      fc.asyncProperty(edit, async ({ target, actor, changes, labels }) => {
        const control = await incident();
        await carryOn(control);
        const w = await incident();
        w.clock.now = minutes(2);
        const ticket = target === 'comms' ? w.comms() : w.master();
        const edited = changes.reduce((body, change) => change(body), ticket.body);
        const after = w.store.editIssue(ticket.ref, {
          body: edited,
          labels: target === 'comms' ? [...ticket.labels, ...labels] : ticket.labels,
        });
        const addedLabels = target === 'comms' ? labels.filter((l) => !ticket.labels.includes(l)) : [];
        await handleEvent(
          issueEvent(w.project, after, {
            action: 'edited',
            addedLabels,
            previousBody: ticket.body,
            actor: { username: actor, id: idOf(actor), isBot: false },
          }),
          w.ctx,
        );
        await carryOn(w);
        expect(outcome(w)).toEqual(outcome(control));
      }),
      { numRuns: 40 },
    );
  });
});
