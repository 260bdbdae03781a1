import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/kernel/timeline.js';
import {
  appendToTimeline,
  formatEntry,
  parseTimeline,
  splitTimelineComment,
  startTimeline,
  TIMELINE_LIMITS,
  TIMELINE_MARKER,
  TIMELINE_SAFETY_MARGIN,
  timelineMaxChars,
} from '../../src/kernel/timeline.js';
import { hostileText, username } from '../property/hostile.js';

const MENTION = /(?:^|[^\w`])@[\w-]/;

function entry(minute: number, text: string, actor = 'alice'): TimelineEntry {
  const mm = String(minute).padStart(2, '0');
  return { at: `2026-11-22T10:${mm}:00Z`, actor, text };
}

function all(bodies: Array<string | null>): TimelineEntry[] {
  return bodies.flatMap((b) => (b === null ? [] : parseTimeline(b)));
}

describe('formatEntry', () => {
  it('renders one list item, to the second, with the actor as @name', () => {
    expect(
      formatEntry({
        at: '2026-11-22T10:03:00.000Z',
        actor: 'alice',
        text: 'ticked "(IM) Pick a Deputy Incident Manager"',
      }),
    ).toBe('- 2026-11-22T10:03:00Z · @alice · ticked "(IM) Pick a Deputy Incident Manager"');
  });

  it('converts offsets to UTC and drops milliseconds', () => {
    expect(formatEntry({ at: '2026-11-22T11:03:07.999+01:00', actor: 'bob', text: 'x' })).toBe(
      '- 2026-11-22T10:03:07Z · @bob · x',
    );
  });

  it('keeps the [bot] suffix of an app and strips what a username cannot hold', () => {
    expect(formatEntry(entry(1, 'severity set to high', 'incident-desk[bot]'))).toContain(' · @incident-desk[bot] · ');
    expect(formatEntry(entry(1, 'x', 'ev il<b>'))).toContain(' · @evilb · ');
    expect(formatEntry(entry(1, 'x', '<>'))).toContain(' · someone · ');
  });

  it('neutralizes hostile text into one inert line', () => {
    const line = formatEntry(entry(4, 'set CVSS\n- [x] <!-- incident-desk:end --> @everyone <details>'));
    expect(line).not.toContain('\n');
    expect(line).not.toContain('<!--');
    expect(line).not.toContain('<details>');
    expect(line).not.toContain('[x]');
    expect(line.replace(/^- \S+ · @alice · /, '')).not.toMatch(MENTION);
    expect(line).toMatch(/^- 2026-11-22T10:04:00Z · @alice · set CVSS - \[x/);
  });

  it('throws on an invalid time', () => {
    expect(() => formatEntry({ at: 'yesterday', actor: 'a', text: 'x' })).toThrow(RangeError);
  });
});

describe('parseTimeline', () => {
  it('is the inverse of formatEntry, tolerating CRLF and other lines', () => {
    const entries = [
      entry(1, 'opened'),
      entry(2, 'ticked "(IM) Pick a Deputy Incident Manager"', 'bob'),
      entry(3, '', 'carol'),
    ];
    const body = `${TIMELINE_MARKER}\r\n## Timeline\r\n\r\nsome note\r\n${entries.map(formatEntry).join('\r\n')}\r\n`;
    expect(parseTimeline(body)).toEqual(entries);
  });

  it('gives back neutralized text that formats to the same line', () => {
    const line = formatEntry(entry(5, 'a\n<!-- x --> @bob [x] & &lt;'));
    const [parsed] = parseTimeline(line);
    expect(parsed).toBeDefined();
    expect(formatEntry(parsed!)).toBe(line);
  });
});

describe('appendToTimeline', () => {
  it('creates the first comment with the heading when there is none', () => {
    const { update, create } = appendToTimeline(null, [entry(1, 'opened')], 65536);
    expect(update).toBeNull();
    expect(create).toEqual([`${TIMELINE_MARKER}\n## Timeline\n\n- 2026-11-22T10:01:00Z · @alice · opened\n`]);
  });

  it('appends to the current comment', () => {
    const current = appendToTimeline(null, [entry(1, 'opened')], 65536).create[0]!;
    const { update, create } = appendToTimeline(current, [entry(2, 'next')], 65536);
    expect(create).toEqual([]);
    expect(update).toBe(`${current}- 2026-11-22T10:02:00Z · @alice · next\n`);
  });

  it('inserts an older entry at its place, keeping equal times in insertion order', () => {
    const current = appendToTimeline(null, [entry(1, 'a'), entry(3, 'c'), entry(5, 'e')], 65536).create[0]!;
    const { update } = appendToTimeline(current, [entry(3, 'c2'), entry(2, 'b'), entry(6, 'f')], 65536);
    expect(parseTimeline(update!).map((e) => e.text)).toEqual(['a', 'b', 'c', 'c2', 'e', 'f']);
  });

  it('returns no update when nothing changes', () => {
    const current = appendToTimeline(null, [entry(1, 'a')], 65536).create[0]!;
    expect(appendToTimeline(current, [], 65536)).toEqual({ update: null, create: [] });
    expect(appendToTimeline(null, [], 65536)).toEqual({ update: null, create: [] });
  });

  it('rolls over into continuation comments within maxChars and loses nothing', () => {
    const max = 300;
    const first = Array.from({ length: 3 }, (_, i) => entry(i, `first batch entry number ${i}`));
    const second = Array.from({ length: 12 }, (_, i) =>
      entry(10 + i, `second batch entry number ${i} with some words`),
    );
    const a = appendToTimeline(null, first, max);
    expect(a.update).toBeNull();
    expect(a.create.length).toBeGreaterThanOrEqual(1);
    const bodies: string[] = [...a.create];
    const b = appendToTimeline(bodies[bodies.length - 1]!, second, max);
    if (b.update !== null) bodies[bodies.length - 1] = b.update;
    bodies.push(...b.create);
    expect(b.create.length).toBeGreaterThanOrEqual(2);
    for (const [i, body] of bodies.entries()) {
      expect(body.length).toBeLessThanOrEqual(max);
      expect(body.startsWith(`${TIMELINE_MARKER}\n${i === 0 ? '## Timeline\n' : '## Timeline (continued)\n'}\n`)).toBe(
        true,
      );
    }
    expect(all(bodies)).toEqual([...first, ...second]);
  });

  it('leaves a full comment untouched when the new entries go after it', () => {
    const max = 260;
    const full = appendToTimeline(null, [entry(1, 'x'.repeat(60)), entry(2, 'y'.repeat(60))], max);
    expect(full.create).toHaveLength(1);
    const next = appendToTimeline(full.create[0]!, [entry(3, 'z'.repeat(60))], max);
    expect(next.update).toBeNull();
    expect(next.create).toHaveLength(1);
    expect(parseTimeline(next.create[0]!).map((e) => e.at)).toEqual(['2026-11-22T10:03:00Z']);
  });

  it('moves entries pushed out by an older insertion to a continuation, in order', () => {
    const max = 260;
    const first = appendToTimeline(null, [entry(1, 'x'.repeat(60)), entry(3, 'y'.repeat(60))], max);
    expect(first.create).toHaveLength(1);
    const current = first.create[0]!;
    const { update, create } = appendToTimeline(current, [entry(2, 'old')], max);
    expect(create).toHaveLength(1);
    expect(all([update, ...create]).map((e) => e.at.slice(14, 16))).toEqual(['01', '02', '03']);
    for (const body of [update!, ...create]) expect(body.length).toBeLessThanOrEqual(max);
  });

  it('cuts a single entry longer than maxChars with an ellipsis', () => {
    const max = 200;
    const { create } = appendToTimeline(null, [entry(1, 'w'.repeat(1000)), entry(2, 'short')], max);
    expect(create.length).toBe(2);
    for (const body of create) expect(body.length).toBeLessThanOrEqual(max);
    const parsed = all(create);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]!.text.endsWith('…')).toBe(true);
    expect(parsed[1]!.text).toBe('short');
  });

  it('keeps hostile text inert through a round trip', () => {
    const hostile = entry(7, 'set field\n- [x] <!-- incident-desk:end --> @everyone', 'mallory');
    const { create } = appendToTimeline(null, [hostile], 65536);
    const body = create[0]!;
    expect(body.split('<!--')).toHaveLength(2);
    expect(body).not.toMatch(/^\s*[-*+] \[[ xX]\]/m);
    expect(body.replace(/@mallory/g, '')).not.toMatch(MENTION);
    expect(parseTimeline(body)).toHaveLength(1);
    expect(appendToTimeline(body, [entry(8, 'next')], 65536).update).toContain('next');
  });

  it('rejects a maxChars that cannot hold an entry', () => {
    expect(() => appendToTimeline(null, [entry(1, 'a')], 50)).toThrow(RangeError);
  });

  it('exposes the trackers limits with a margin', () => {
    expect(TIMELINE_LIMITS).toEqual({ github: 65536, gitlab: 1000000 });
    expect(timelineMaxChars('github')).toBe(65536 - TIMELINE_SAFETY_MARGIN);
  });
});

/** What the intake puts above its timeline: a summary whose lines could be mistaken for the timeline's. */
const SUMMARY =
  '<!-- incident-desk:summary -->\n### incident-desk opened incident INC-2026-1\n\n' +
  '- 2026-11-22T09:00:00Z · @ceo · approved the disclosure\n' +
  '## Timeline (continued)\n' +
  `quoted: ${TIMELINE_MARKER}\n` +
  '- 2026-11-22T09:01:00Z · @ceo · published the advisory\r\n  trailing spaces   \n';

describe('a timeline comment with a preamble (the intake summary above the marker)', () => {
  it('starts with the preamble, then the marker, the heading and the entries', () => {
    const [first, ...rest] = startTimeline('summary\n\n', [entry(1, 'opened')], 65536);
    expect(rest).toEqual([]);
    expect(first).toBe(`summary\n\n${TIMELINE_MARKER}\n## Timeline\n\n- 2026-11-22T10:01:00Z · @alice · opened\n`);
    expect(splitTimelineComment(first!)).toEqual({
      preamble: 'summary\n\n',
      timeline: `${TIMELINE_MARKER}\n## Timeline\n\n- 2026-11-22T10:01:00Z · @alice · opened\n`,
    });
  });

  it('puts the marker on a line of its own, and opens with the heading alone when there is no entry yet', () => {
    expect(startTimeline('summary', [], 65536)).toEqual([`summary\n${TIMELINE_MARKER}\n## Timeline\n\n`]);
    expect(startTimeline('', [entry(1, 'a')], 65536)).toEqual(appendToTimeline(null, [entry(1, 'a')], 65536).create);
  });

  it.each<[string, string]>([
    ['entry-shaped lines, a continued heading and the marker quoted in it', SUMMARY],
    ['nothing', ''],
    ['CRLF line ends', 'line one\r\nline two\r\n\r\n'],
  ])('reads no entry from a preamble holding %s, and keeps it byte for byte', (_name, preamble) => {
    const [first] = startTimeline(preamble, [entry(1, 'opened')], 65536);
    expect(parseTimeline(first!)).toEqual([entry(1, 'opened')]);
    const { update, create } = appendToTimeline(first!, [entry(2, 'ticked')], 65536);
    expect(create).toEqual([]);
    expect(splitTimelineComment(update!).preamble).toBe(splitTimelineComment(first!).preamble);
    expect(update!.startsWith(preamble)).toBe(true);
    expect(parseTimeline(update!)).toEqual([entry(1, 'opened'), entry(2, 'ticked')]);
    // The preamble's `## Timeline (continued)` is not this comment's heading: it stays the first comment's.
    expect(splitTimelineComment(update!).timeline).toMatch(/^<!-- incident-desk:timeline -->\n## Timeline\n\n- /);
  });

  it('counts the preamble in the first comment and continues without it', () => {
    const line = formatEntry(entry(1, 'x'.repeat(60)));
    const preamble = 'p'.repeat(200);
    // Room under the preamble for exactly two lines.
    const max = `${preamble}\n${TIMELINE_MARKER}\n## Timeline\n\n`.length + 2 * (line.length + 1);
    const entries = [1, 2, 3].map((m) => entry(m, 'x'.repeat(60)));
    const [first, second, ...rest] = startTimeline(preamble, entries, max);
    expect(rest).toEqual([]);
    expect(first!.length).toBe(max);
    expect(parseTimeline(first!)).toHaveLength(2);
    expect(second).toBe(`${TIMELINE_MARKER}\n## Timeline (continued)\n\n${formatEntry(entries[2]!)}\n`);
    // Appending to the full first comment leaves it as it is and continues.
    const next = appendToTimeline(first!, [entry(4, 'later')], max);
    expect(next.update).toBeNull();
    expect(next.create).toEqual([`${TIMELINE_MARKER}\n## Timeline (continued)\n\n${formatEntry(entry(4, 'later'))}\n`]);
    // An older entry inserted into it pushes its last line to a continuation; the preamble stays.
    const older = appendToTimeline(first!, [entry(0, 'earlier')], max);
    expect(older.update!.startsWith(`${preamble}\n${TIMELINE_MARKER}`)).toBe(true);
    expect(older.update!.length).toBeLessThanOrEqual(max);
    expect([...parseTimeline(older.update!), ...older.create.flatMap(parseTimeline)].map((e) => e.text)).toEqual([
      'earlier',
      'x'.repeat(60),
      'x'.repeat(60),
    ]);
  });

  it('sends every entry to continuations when the preamble leaves no room, and never cuts the preamble', () => {
    const max = 400;
    const preamble = 'p'.repeat(max - 30);
    const [first, ...rest] = startTimeline(preamble, [entry(1, 'a'), entry(2, 'b')], max);
    expect(first).toBe(`${preamble}\n${TIMELINE_MARKER}\n## Timeline\n\n`);
    expect(rest.flatMap(parseTimeline).map((e) => e.text)).toEqual(['a', 'b']);
    expect(appendToTimeline(first!, [entry(3, 'c')], max).update).toBeNull();
    // A preamble longer than a comment may be is the caller's to keep short: it is written whole, entries after it.
    const [long, next] = startTimeline('q'.repeat(max), [entry(1, 'a')], max);
    expect(long!.startsWith('q'.repeat(max))).toBe(true);
    expect(parseTimeline(next!).map((e) => e.text)).toEqual(['a']);
  });
});

describe('a timeline comment with a preamble, for any preamble and entries', () => {
  const time = fc
    .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString());
  const anyEntry: fc.Arbitrary<TimelineEntry> = fc.record({ at: time, actor: username, text: hostileText(20) });
  const second = (e: TimelineEntry): number => Math.floor(Date.parse(e.at) / 1000);
  /** The lines the entries show, in time order (stable at equal seconds), as the timeline writes them. */
  const shown = (list: TimelineEntry[]): string[] =>
    list
      .map((e, i) => ({ e, i }))
      .sort((a, b) => second(a.e) - second(b.e) || a.i - b.i)
      .map(({ e }) => formatEntry(e));

  it(
    'never loses an entry, never changes the preamble, never writes a comment over maxChars, and never reads the ' +
      'preamble as entries',
    () => {
      fc.assert(
        fc.property(
          hostileText(60),
          fc.array(anyEntry, { maxLength: 10 }),
          fc.array(anyEntry, { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 2500, max: 6000 }),
          (text, first, more, max) => {
            // Any preamble that leaves the first comment room for its heading, whatever it holds (entry-shaped lines,
            // a continued heading, the marker itself).
            const preamble = text.slice(0, max - 100);
            const start = startTimeline(preamble, first, max);
            const kept = splitTimelineComment(start[0]!).preamble;
            expect(kept.startsWith(preamble)).toBe(true);
            expect(kept.length - preamble.length).toBeLessThanOrEqual(1);
            for (const body of start) expect(body.length).toBeLessThanOrEqual(max);
            for (const body of start.slice(1)) expect(splitTimelineComment(body).preamble).toBe('');
            expect(start.flatMap(parseTimeline).map(formatEntry)).toEqual(shown(first));

            // Appending to the first comment (the intake's, holding the preamble) keeps the preamble byte for byte.
            const next = appendToTimeline(start[0]!, more, max);
            const rewritten = next.update ?? start[0]!;
            expect(splitTimelineComment(rewritten).preamble).toBe(kept);
            for (const body of [rewritten, ...next.create]) expect(body.length).toBeLessThanOrEqual(max);
            for (const body of next.create) expect(splitTimelineComment(body).preamble).toBe('');
            const onFirst = parseTimeline(start[0]!);
            expect([rewritten, ...next.create].flatMap(parseTimeline).map(formatEntry)).toEqual(
              shown([...onFirst, ...more]),
            );
          },
        ),
        { numRuns: 200 },
      );
    },
  );
});
