import fc from 'fast-check';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/kernel/block.js';
import { TASKS_MARKER } from '../../src/tracking/section.js';
import { SITREP_MARKER } from '../../src/commands/sitrep.js';
import { TIMELINE_MARKER } from '../../src/kernel/timeline.js';

/**
 * Arbitraries of hostile markdown for the property tests: fragments that mean something to the app's parsers
 * (its own markers, boxes, fences, quotes, table pipes, mentions, line endings) mixed with arbitrary unicode.
 */

/** Every hidden marker the app writes, and the pieces they are made of. */
export const APP_MARKERS = [
  BLOCK_BEGIN,
  BLOCK_END,
  '<!-- incident-desk:state ',
  '<!-- incident-desk:state {"v":1,"role":"master","id":"CVE-2026-99999"} -->',
  '<!-- step:pick-deputy -->',
  '<!-- step:',
  TASKS_MARKER,
  TIMELINE_MARKER,
  SITREP_MARKER,
  '<!-- incident-desk:',
] as const;

/** Markdown and app fragments the parsers react to. */
export const FRAGMENTS = [
  ...APP_MARKERS,
  '- [ ] ',
  '- [x] ',
  '* [X] ',
  '+ [ ]\t',
  '[ ]',
  '[x]',
  '<!--',
  '-->',
  '<!-->',
  '`',
  '``',
  '```',
  '~~~',
  '    ',
  '\t',
  '> ',
  '>',
  '|',
  '\\|',
  '\\',
  ' | ',
  '| Incident Manager: | @alice |',
  ':',
  '@',
  '@everyone',
  '@all',
  '@here',
  '@org/team',
  '`@alice`',
  '<img src=x onerror=alert(1)>',
  '<details><summary>x</summary>',
  '</details>',
  '<script>',
  '[link](https://evil.example)',
  '![img](https://evil.example/x.png)',
  '&lt;',
  '&amp;',
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  '\u2028',
  '\u200b',
  '\u202e',
  '\ufeff',
  '🔗',
  'é',
  '/set chat ',
  '/timeline ',
  '/sitrep ',
  'Status: ',
  '**Responders**: ',
  'CVE-2026-12345',
  '[CVE-2026-12345]',
  '[INC-2026-42]',
  '2026-11-22T10:03:00Z',
  '- 2026-11-22T10:03:00Z · @alice · ',
  ' · ',
  'Due: 2026-12-01',
  'acme/api#12',
  '~~',
  '_(not applicable)_',
  '## Timeline',
  '## Timeline (continued)',
] as const;

/** A hostile string: fragments, unicode and plain words, in any order, up to a few hundred characters. */
export function hostileText(maxParts = 40): fc.Arbitrary<string> {
  const part = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...FRAGMENTS) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9 -]{1,12}$/) },
  );
  return fc.array(part, { maxLength: maxParts }).map((parts) => parts.join(''));
}

/** One hostile line: as `hostileText`, without line breaks. */
export function hostileLine(maxParts = 20): fc.Arbitrary<string> {
  return hostileText(maxParts).map((text) => text.replace(/[\r\n\u2028\u2029]/g, ' '));
}

/** Property runs per test: enough variety, and the whole folder stays within a few seconds. */
export const RUNS = { numRuns: 300 } as const;

/** A step id as the checklists write them. */
export const stepId = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,6}){1,3}$/);

/** A username both trackers accept. */
export const username = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$/);

const ONE_MB = 1024 * 1024;

/** `unit` repeated to (about) one megabyte. */
export function megabyteOf(unit: string): string {
  return unit.repeat(Math.ceil(ONE_MB / unit.length)).slice(0, ONE_MB);
}

/**
 * Adversarial one-megabyte inputs: long runs of what the parsers' patterns and loops look for, each a near miss
 * (an opener without its closer, a row without its last pipe, spaces before a character that fails the match).
 */
export function adversarialMegabytes(): Record<string, string> {
  const spaces = ' '.repeat(ONE_MB);
  return {
    'comment openers': megabyteOf('<!--'),
    'comment closers': megabyteOf('-->'),
    'step markers without end': megabyteOf('<!-- step:'),
    'state marker unclosed': `${BLOCK_BEGIN}\n<!-- incident-desk:state ${megabyteOf('{"a":')}`,
    'block begin repeated': megabyteOf(BLOCK_BEGIN),
    'empty boxes': megabyteOf('- [ ] '),
    'boxes on lines': megabyteOf('- [x] a <!-- step:a-b -->\n'),
    'spaces then x': `${spaces}x`,
    'tabs then x': `${'\t'.repeat(ONE_MB)}x`,
    'unicode spaces then x': `${'\u00a0'.repeat(ONE_MB)}x`,
    'list marker, spaces, x': `- ${spaces}x`,
    backticks: megabyteOf('`'),
    'unclosed fence': `\`\`\`\n${megabyteOf('- [ ] a\n')}`,
    pipes: megabyteOf('|'),
    'pipes and spaces': megabyteOf('| '),
    'row without last pipe': `| Incident Manager: |${spaces}x`,
    'label without colon': `| a${spaces}:x`,
    'colons in a cell': `|${megabyteOf(' :')}x`,
    'nested quotes': megabyteOf('> '),
    mentions: megabyteOf('@a'),
    'at signs': megabyteOf('@'),
    'less-than signs': megabyteOf('<'),
    'opening brackets': megabyteOf('['),
    'link openers': megabyteOf('[a]('),
    backslashes: megabyteOf('\\'),
    newlines: megabyteOf('\n'),
    'CRLF lines': megabyteOf('\r\n'),
    'carriage returns': megabyteOf('\r'),
    'CVE near misses': megabyteOf('CVE-2026-'),
    'identifier near misses': megabyteOf('[INC-2026-'),
    'date near misses': megabyteOf('2026-'),
    'timeline entry near misses': megabyteOf('- 2026-11-22T10:03:00Z · '),
    'sitrep keys': megabyteOf('**status'),
    'sitrep key, spaces, no colon': `status${spaces}x`,
    'bold markers': megabyteOf('*_'),
    'due near misses': megabyteOf('Due '),
    'tracking rows without ref': `${TASKS_MARKER}\n${megabyteOf('| a#1 ')}`,
    'compact refs': `${TASKS_MARKER}\n- \`@a\` open, due —: ${megabyteOf('a#1, ')}`,
    'closed refs with slashes': `${TASKS_MARKER}\n- _unassigned_ closed: ${megabyteOf('a/')}`,
    'hash signs': megabyteOf('#'),
    'long word': megabyteOf('a'),
    'grapheme soup': megabyteOf('é🔗\u200b\u202e'),
  };
}

/**
 * The ceiling of the bounded-time checks. Not a speed goal (those live in `npm run bench`): a linear parser
 * handles a megabyte in milliseconds, a catastrophic pattern takes minutes or more, so a generous ceiling on a
 * shared machine tells the two apart without flaking.
 */
export const CEILING_MS = 2_000;

/**
 * Runs `parse` on `input` and answers the processor time it took, in milliseconds. Processor time, not the clock:
 * on a machine busy with other work the clock also counts the time this process waited for a core, which says
 * nothing about backtracking or quadratic loops and made the ceiling fail under load.
 */
export function timed(parse: (input: string) => unknown, input: string): number {
  const start = process.cpuUsage();
  parse(input);
  const spent = process.cpuUsage(start);
  return (spent.user + spent.system) / 1_000;
}
