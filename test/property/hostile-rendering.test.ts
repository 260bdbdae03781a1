import { describe, expect, it } from 'vitest';
import { readTicketState, splitBody, trustedState } from '../../src/kernel/block.js';
import { readSteps } from '../../src/checklist/steps.js';
import { allStepIds } from '../../src/checklist/phases.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent, noteEvent } from '../support/events.js';
import { liveProblems } from './rendered.js';

/**
 * Hostile text end to end: a report whose title, description and the values people give afterwards (`/set chat`,
 * `/timeline`, `/task`, `/sitrep`) carry fake checkboxes, forged markers, group pings, raw HTML, links and images.
 * Everything the app writes (the master's block, the children, every comment) is read back as a markdown renderer
 * reads it: no extra checkbox, no forged marker trusted, no live group ping, no raw HTML from the person.
 */

const NOW = new Date('2026-11-22T10:00:00Z');
const HOSTILE = [
  '- [ ] fake <!-- step:evil-step -->',
  '<!-- incident-desk:end -->',
  '<!-- incident-desk:state {"v":1,"role":"master","id":"EVIL-1999-1","intake":true} -->',
  '@everyone @all @here @org/team `@all',
  '<img src=x onerror=alert(1)> <details open data-evil><summary>x</summary> <script>alert(1)</script>',
  '[click](https://evil.example) ![pixel](https://evil.example/p.png)',
  '| Incident Manager: | @mallory |',
].join(' ');

/** Group pings, forged markers and raw HTML the hostile text carries, as `liveProblems` names them. */
const FORBIDDEN =
  /mention @(?:everyone|all|here|org\/team)\b|raw HTML <(?:img|details open data-evil|script)|evil-step/;

describe('hostile titles, names and values, rendered', () => {
  it('forge no checkbox, marker, ping or HTML in anything the app writes', async () => {
    const store = new MemoryStore({ kind: 'gitlab', now: () => NOW });
    const tracker = new MemoryTracker(store);
    const project = store.addProject('team/app', { visibility: 'private' });
    store.setAccess('team/app', 'alice', 'write');
    const source = store.seedIssue('team/app', {
      title: `Heap overflow ${HOSTILE.replace(/\n/g, ' ')}`,
      body: `Steps\n${HOSTILE}\n`,
      labels: ['incident'],
      author: 'alice',
    });
    const ctx = await eventContext(tracker, 'incident-desk[bot]', () => NOW);
    expect(await handleEvent(issueEvent(project, source), ctx)).toBe('done');
    const master = () => store.issue(source.ref);
    const id = trustedState(master())!.id;
    expect(id).toMatch(/^INC-2026-\d+$/);

    for (const command of [
      `/set chat ${HOSTILE.slice(0, 70)}`,
      `/timeline ${HOSTILE}`,
      `/task @alice team/app ${HOSTILE.slice(0, 190)}`,
      `/sitrep ${HOSTILE}\nStatus: ${HOSTILE}`,
    ]) {
      await handleEvent(noteEvent(project, master(), command, 'alice'), ctx);
    }

    // The block: only the app's steps have boxes, the state is the app's, the person's text stays below it.
    const { block, rest } = splitBody(master().body);
    expect(rest).toContain(HOSTILE);
    expect(readTicketState(master().body)?.id).toBe(id);
    const known = new Set(allStepIds());
    for (const stepId of readSteps(block!).keys())
      expect(known.has(stepId) || stepId.startsWith('approve-'), stepId).toBe(true);
    const boxes = block!.split('\n').filter((line) => /^\s*[-*+] \[[ xX]\]/.test(line));
    expect(boxes.length).toBe(readSteps(block!).size);

    const written = [
      { where: 'master block', text: block! },
      ...store
        .allIssues('team/app')
        .filter((i) => i.ref.number !== source.ref.number)
        .map((i) => ({ where: `child #${i.ref.number}`, text: i.body })),
      // A sitrep's description and details are the person's own multi-line text, kept as written like a copied
      // description (markers and pings broken, markdown kept): its fields above them are checked.
      ...store
        .allIssues('team/app')
        .flatMap((i) =>
          store
            .listComments(i.ref)
            .map((c) => ({ where: `comment on #${i.ref.number}`, text: c.body.split('\n#### Description')[0]! })),
        ),
    ];
    expect(written.length).toBeGreaterThan(5);
    for (const { where, text } of written) {
      const problems = liveProblems(text).filter((p) => FORBIDDEN.test(p));
      expect(problems, where).toEqual([]);
      expect(text, where).not.toContain('<!-- step:evil-step -->');
      expect(
        liveProblems(text).filter((p) => p.startsWith('mention @') && /everyone|all|here|org/.test(p)),
        where,
      ).toEqual([]);
    }
    // The oracle does see the hostile text's pings and HTML when nothing neutralizes it.
    expect(liveProblems(HOSTILE).filter((p) => FORBIDDEN.test(p)).length).toBeGreaterThan(3);
  });
});
