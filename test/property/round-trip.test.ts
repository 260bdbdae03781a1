import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, joinBody, renderState, splitBody, writeBlock } from '../../src/kernel/block.js';
import type { TicketState } from '../../src/kernel/ticket-state.js';
import { INCIDENT_PHASES } from '../../src/checklist/phases.js';
import { diffSteps, readSteps, setStepState } from '../../src/checklist/steps.js';
import type { TrackedStep } from '../../src/checklist/steps.js';
import { parseTracking, renderTracking } from '../../src/tracking/section.js';
import type { TaskRow } from '../../src/tracking/rows.js';
import { neutralizeBlock, neutralizeInline } from '../../src/kernel/neutralize.js';
import { createRenderer, stepUrl } from '../../src/templates/renderer.js';
import type { Renderer } from '../../src/templates/renderer.js';
import type { IncidentContext } from '../../src/templates/contexts.js';
import { cleanUsername } from '../../src/kernel/usernames.js';
import type { TimelineEntry } from '../../src/kernel/timeline.js';
import { appendToTimeline, formatEntry, parseTimeline } from '../../src/kernel/timeline.js';
import { rfc3339 } from '../../src/kernel/time.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';
import { hostileLine, hostileText, stepId, username } from './hostile.js';
import { liveProblems } from './rendered.js';

/**
 * Round trips: what the app writes and then reads back (the block and the person's text, the checklist's boxes,
 * the timeline's entries, the tracking table's rows) comes back as it went in, whatever people put around it.
 */

/** Fewer runs than the parser properties: each run here renders or parses a whole block. */
const RUNS = { numRuns: 150 } as const;

const STATE: TicketState = { v: 1, role: 'master', id: 'INC-2026-7' };

/**
 * A block as the app writes one: its state marker, then text in which people's parts were neutralized (so it holds
 * no marker). Never ending in a lone CR: `splitBody` reads `…\r\n<end>` as an editor's CRLF, not as the block's.
 */
const appBlock = hostileText().map((text) => `${renderState(STATE)}\n${neutralizeBlock(text)}`.replace(/\r+$/, ''));

describe('the block and the person text, joined and split', () => {
  it('gives back the block and the person text byte for byte, whatever the text forges', () => {
    const forged = fc.constantFrom(
      '',
      BLOCK_BEGIN,
      BLOCK_END,
      `${BLOCK_BEGIN}\nforged\n${BLOCK_END}\n\n`,
      '\n',
      '\r\n',
      '\n\n',
      '\r\n\r\n',
      '\r',
    );
    fc.assert(
      fc.property(appBlock, forged, hostileText(), forged, (block, head, text, tail) => {
        const rest = `${head}${text}${tail}`;
        expect(splitBody(joinBody(block, rest))).toEqual({ block, rest });
      }),
      RUNS,
    );
  });

  it('splits a body without a block into no block and the whole text', () => {
    fc.assert(
      fc.property(hostileText(), fc.constantFrom('', BLOCK_END, `${BLOCK_END}\n\n`), (text, prefix) => {
        const body = `${prefix}${text}`;
        // Only a block at the very start counts, and only with its end marker.
        fc.pre(!body.startsWith(BLOCK_BEGIN) || !body.includes(BLOCK_END, BLOCK_BEGIN.length));
        expect(splitBody(body)).toEqual({ block: null, rest: body });
      }),
      RUNS,
    );
  });

  it('keeps an untrusted body whole below the new block, and a trusted body’s person text', () => {
    fc.assert(
      fc.property(appBlock, appBlock, hostileText(), fc.boolean(), (old, block, text, trusted) => {
        // A reporter may paste a whole forged block of their own at the start of the issue.
        const body = trusted ? joinBody(old, text) : `${BLOCK_BEGIN}\n${text}\n${BLOCK_END}\n\n${text}`;
        const labels = trusted ? ['incident::master'] : [];
        const written = writeBlock({ body, labels }, block);
        expect(splitBody(written)).toEqual({ block, rest: trusted ? text : body });
      }),
      RUNS,
    );
  });
});

const STEPS = INCIDENT_PHASES.flatMap((phase) => phase.steps);

/** Per step of the master's checklist: ticked, and the not-applicable reason a person gave (null: applies). */
const stepMarks = fc.array(fc.record({ done: fc.boolean(), na: fc.option(hostileLine(6), { freq: 4 }) }), {
  minLength: STEPS.length,
  maxLength: STEPS.length,
});

/** A fake checklist line with an id of its own, as the partial writes real ones. */
const fakeLine = fc
  .tuple(stepId, fc.boolean())
  .map(([id, done]) => `- [${done ? 'x' : ' '}] [🔗](https://evil.example#${id}) (IM) Fake <!-- step:fake-${id} -->`);

/** Places a person may hide a box that must not count: code fences, quotes, HTML comments, indented code. */
const hidingPlace = fc
  .tuple(
    fc.constantFrom(
      (l: string) => `\`\`\`\n${l}\n\`\`\``,
      (l: string) => `~~~~ md\n${l}\n~~~\n${l}\n~~~~`,
      (l: string) => `> ${l}`,
      (l: string) => `   >${l}`,
      (l: string) => `<!--\n${l}\n-->`,
      (l: string) => `note <!-- hidden\n${l}\nstill --> `,
      (l: string) => `    ${l}`,
      (l: string) => `\t${l}`,
    ),
    fakeLine,
  )
  .map(([hide, line]) => hide(line));

let renderer: Renderer;
beforeAll(async () => {
  renderer = createRenderer(await loadDefaultTemplates());
});

/** The master's block as the default templates render it, with hostile reasons, values and titles in it. */
function masterBlock(marks: Array<{ done: boolean; na: string | null }>, value: string, title: string): string {
  let n = 0;
  const context: IncidentContext = {
    id: STATE.id,
    progress: '0/40 steps done',
    quickLinks: [{ label: 'Chat Channel', value: neutralizeInline(value) }],
    phases: INCIDENT_PHASES.map((phase) => ({
      id: phase.id,
      title: phase.title,
      date: null,
      progress: '0/0',
      steps: phase.steps.map((step) => {
        const mark = marks[n++]!;
        return {
          ...step,
          url: stepUrl('https://desk.example/handbook', step.id),
          done: mark.done || mark.na !== null,
          na: mark.na === null ? null : neutralizeInline(mark.na, 200),
        };
      }),
      links: [],
    })),
    related: [
      { role: 'Release', reference: '[sec/incidents#8](https://tracker.example/8)', title: neutralizeInline(title) },
    ],
  };
  return `${renderState(STATE)}\n${renderer.incident(context).trimEnd()}`;
}

/** Inserts each hidden box before a line of the block (positions taken modulo the number of lines). */
function hideIn(block: string, hidden: Array<[number, string]>): string {
  const lines = block.split('\n');
  for (const [at, text] of hidden) lines.splice(at % (lines.length + 1), 0, text);
  return lines.join('\n');
}

const checklist = fc.record({
  marks: stepMarks,
  value: hostileLine(),
  title: hostileLine(),
  hidden: fc.array(fc.tuple(fc.nat(), hidingPlace), { maxLength: 6 }),
  crlf: fc.boolean(),
});

function expectedSteps(marks: Array<{ done: boolean; na: string | null }>): Map<string, TrackedStep> {
  return new Map(
    STEPS.map((step, i) => [
      step.id,
      { done: marks[i]!.done || marks[i]!.na !== null, text: step.text, role: step.role },
    ]),
  );
}

describe('the checklist, ticked and read back', () => {
  it('reads exactly the rendered steps, none from fences, quotes, comments, indented code or the person text', () => {
    fc.assert(
      fc.property(checklist, hostileText(), ({ marks, value, title, hidden, crlf }, rest) => {
        let block = hideIn(masterBlock(marks, value, title), hidden);
        if (crlf) block = block.replace(/\n/g, '\r\n');
        expect(readSteps(block)).toEqual(expectedSteps(marks));
        expect(readSteps(splitBody(joinBody(block, rest)).block!)).toEqual(expectedSteps(marks));
      }),
      RUNS,
    );
  });

  it('ticking or unticking one step changes that step alone, and the diff names exactly it', () => {
    fc.assert(
      fc.property(
        checklist,
        fc.nat(STEPS.length - 1),
        fc.boolean(),
        ({ marks, value, title, hidden, crlf }, index, done) => {
          let before = hideIn(masterBlock(marks, value, title), hidden);
          if (crlf) before = before.replace(/\n/g, '\r\n');
          const id = STEPS[index]!.id;
          const after = setStepState(before, id, done);
          const was = readSteps(before);
          const now = readSteps(after);
          const changed = was.get(id)!.done !== done;
          // One character at most, the box's, and every other step as it was.
          expect(after.length).toBe(before.length);
          let differ = 0;
          for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) differ++;
          expect(differ).toBe(changed ? 1 : 0);
          expect(now.get(id)).toEqual({ ...was.get(id)!, done });
          for (const [other, step] of was) if (other !== id) expect(now.get(other)).toEqual(step);
          expect(diffSteps(before, after)).toEqual(
            changed
              ? [{ stepId: id, text: STEPS[index]!.text, role: STEPS[index]!.role, to: done ? 'done' : 'open' }]
              : [],
          );
          expect(diffSteps(after, before)).toEqual(
            changed
              ? [{ stepId: id, text: STEPS[index]!.text, role: STEPS[index]!.role, to: done ? 'open' : 'done' }]
              : [],
          );
        },
      ),
      RUNS,
    );
  });

  it('never ticks a hidden box: a fake id is left alone', () => {
    fc.assert(
      fc.property(checklist, stepId, fc.boolean(), ({ marks, value, title, hidden }, id, done) => {
        const block = hideIn(masterBlock(marks, value, title), hidden);
        expect(setStepState(block, `fake-${id}`, done)).toBe(block);
      }),
      RUNS,
    );
  });
});

/** A time the app can show: RFC 3339 UTC to the second, years 1 to 9999 (what `/timeline` accepts). */
const time = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const entry: fc.Arbitrary<TimelineEntry> = fc.record({
  at: time,
  actor: fc.oneof(username, fc.constant('incident-desk[bot]'), hostileLine(3)),
  text: hostileText(20),
});

/** What a person reads in a neutralized text: zero-width spaces and escaped brackets read as nothing and as `<`/`>`. */
function reads(text: string): string {
  return text
    .replace(/\u200b/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

describe('the timeline, formatted and parsed', () => {
  it('gives back every entry (time, actor, neutralized text), and formatting what was parsed changes nothing', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (entries, eol) => {
        const lines = entries.map(formatEntry);
        const parsed = parseTimeline(lines.join(eol));
        expect(parsed.length).toBe(entries.length);
        parsed.forEach((p, i) => {
          const e = entries[i]!;
          expect(p.at).toBe(rfc3339(e.at));
          expect(p.actor).toBe(cleanUsername(e.actor));
          // Only neutralized: one line, no live box, marker, ping or HTML, and otherwise the words as written.
          expect(p.text).not.toMatch(/[\r\n\u2028\u2029]/);
          expect(liveProblems(p.text)).toEqual([]);
          const flat = e.text
            .replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ')
            .replace(/ {2,}/g, ' ')
            .trim();
          expect(reads(p.text)).toBe(reads(flat));
          expect(formatEntry(p)).toBe(lines[i]);
        });
      }),
      RUNS,
    );
  });

  it(
    'keeps every entry across the comments appendToTimeline writes, ' +
      'in time order, and earlier comments as they were',
    () => {
      const max = 2000;
      const second = (e: TimelineEntry): number => Math.floor(Date.parse(e.at) / 1000);
      const sorted = (list: TimelineEntry[]): TimelineEntry[] => [...list].sort((a, b) => second(a) - second(b));
      fc.assert(
        fc.property(
          fc.array(entry, { maxLength: 12 }),
          fc.array(entry, { minLength: 1, maxLength: 6 }),
          (first, more) => {
            const start = first.length === 0 ? [] : appendToTimeline(null, first, max).create;
            expect(start.flatMap(parseTimeline)).toEqual(parseTimeline(sorted(first).map(formatEntry).join('\n')));
            const last = start.at(-1) ?? null;
            const next = appendToTimeline(last, more, max);
            const bodies = [...start.slice(0, -1), next.update ?? last, ...next.create].filter(
              (b): b is string => b !== null,
            );
            for (const body of bodies) expect(body.length).toBeLessThanOrEqual(max);
            // The new entries join the last comment's in time order (a stable sort: shown ones first at equal times).
            const earlier = start.slice(0, -1).flatMap(parseTimeline);
            const merged = sorted([...parseTimeline(last ?? ''), ...more])
              .map(formatEntry)
              .join('\n');
            expect(bodies.flatMap(parseTimeline)).toEqual([...earlier, ...parseTimeline(merged)]);
          },
        ),
        RUNS,
      );
    },
  );
});

const NOW = new Date('2026-11-22T10:00:00Z');

const ref = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}(?:\/[A-Za-z0-9_.-]{1,8}){1,2}$/), fc.integer({ min: 1, max: 99_999 }))
  .map(([project, n]) => `${project}#${n}`);

const row = fc.record({
  title: fc.option(hostileLine(), { freq: 5 }).map((t) => (t === null ? null : neutralizeInline(t, 120))),
  owner: fc.option(fc.oneof({ weight: 3, arbitrary: username }, { weight: 1, arbitrary: hostileLine(3) }), { freq: 4 }),
  state: fc.constantFrom<TaskRow['state']>('open', 'closed'),
  due: fc.option(
    fc
      .date({ min: new Date('2026-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  ),
  updated: fc.option(time.map(rfc3339)),
});

const rows = fc
  .uniqueArray(fc.tuple(ref, row), { maxLength: 12, selector: ([r]) => r.toLowerCase() })
  .map((list) => list.map(([r, fields]): TaskRow => ({ ref: r, ...fields })));

/** The owner as the table can show it: a username, quiet; a name without username characters is nobody. */
function shownOwner(owner: string | null): string | null {
  const clean = owner?.replace(/[^\w.\-/[\]]/g, '') ?? '';
  return clean === '' ? null : clean;
}

describe('the tracking table, rendered and parsed', () => {
  it('gives back every row: reference, owner and state; title, due date and update time of open rows', () => {
    fc.assert(
      fc.property(rows, (list) => {
        const back = new Map(parseTracking(renderTracking(list, NOW).text).map((r) => [r.ref, r]));
        expect([...back.keys()].sort()).toEqual(list.map((r) => r.ref).sort());
        for (const r of list) {
          // A closed child is folded into a list of references: no time to order events by, so the shell reads
          // such a child fresh (`rowNeedsFreshChild`).
          const expected: TaskRow =
            r.state === 'open'
              ? { ...r, title: r.title === '—' ? null : r.title, owner: shownOwner(r.owner) }
              : { ref: r.ref, title: null, owner: shownOwner(r.owner), state: 'closed', due: null, updated: null };
          expect(back.get(r.ref)).toEqual(expected);
        }
      }),
      RUNS,
    );
  });

  it(
    'shortened to fit a budget, still gives back every reference, ' + 'owner and state, and the open rows’ due dates',
    () => {
      fc.assert(
        fc.property(rows, fc.integer({ min: 0, max: 4000 }), (list, budget) => {
          const section = renderTracking(list, NOW, budget);
          const back = new Map(parseTracking(section.text).map((r) => [r.ref, r]));
          if (section.omitted > 0) {
            expect(back.size).toBe(0);
            return;
          }
          expect([...back.keys()].sort()).toEqual(list.map((r) => r.ref).sort());
          for (const r of list) {
            const got = back.get(r.ref)!;
            expect({ owner: got.owner, state: got.state }).toEqual({ owner: shownOwner(r.owner), state: r.state });
            if (r.state === 'open') expect(got.due).toBe(r.due);
          }
        }),
        RUNS,
      );
    },
  );
});
