import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/kernel/timeline.js';
import {
  appendToTimeline,
  formatEntry,
  parseTimeline,
  TIMELINE_LIMITS,
  TIMELINE_MARKER,
  TIMELINE_SAFETY_MARGIN,
  timelineMaxChars,
} from '../../src/kernel/timeline.js';

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
