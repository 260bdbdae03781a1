import { describe, expect, it } from 'vitest';
import {
  COMMAND_EXPECTED,
  FIELD_ALIASES,
  parseCommand,
  parseRfc3339,
  resolveField,
  severityOfTracker,
} from '../../src/commands/parse.js';
import type { Command } from '../../src/commands/parse.js';

const invalid = (command: keyof typeof COMMAND_EXPECTED): Command => ({
  name: 'invalid',
  command,
  expected: COMMAND_EXPECTED[command],
});

describe('parseCommand: not a command', () => {
  it.each([
    '',
    '   \n\n  ',
    'Looks good to me',
    'I ran /set im @bob',
    '> /set im @bob',
    '/ set im @bob',
    '/123',
    '//set im',
    '    /set im @bob', // four spaces: a code block
    '\tset',
    'first line\n/set im @bob',
  ])('%j → null', (body) => {
    expect(parseCommand(body)).toBeNull();
  });
});

describe('parseCommand: what comes before the first line', () => {
  it.each(['\uFEFF/ack', '\r\n\r\n   /ack', '\u00a0\n/ack', '\t\n  /ack', '\n\n\n/ack\nthanks'])(
    '%j → /ack (blank lines and a byte order mark are skipped)',
    (body) => {
      expect(parseCommand(body)).toEqual({ name: 'ack' });
    },
  );
});

describe('parseCommand: commands', () => {
  const cases: Array<[string, Command]> = [
    ['/set im @alice', { name: 'set', field: 'incident-manager', value: '@alice' }],
    ['/SET IM @Bob', { name: 'set', field: 'incident-manager', value: '@Bob' }],
    ['/set Manager alice', { name: 'set', field: 'incident-manager', value: 'alice' }],
    ['/set incident-manager @a', { name: 'set', field: 'incident-manager', value: '@a' }],
    ['/set deputy-im @c', { name: 'set', field: 'deputy', value: '@c' }],
    ['/set date 2026-12-01', { name: 'set', field: 'disclosure-date', value: '2026-12-01' }],
    ['/set disclosure 2026-12-01', { name: 'set', field: 'disclosure-date', value: '2026-12-01' }],
    ['/set CVSS-score 9.8', { name: 'set', field: 'cvss', value: '9.8' }],
    ['/set security-advisory GHSA-4w7f-2j8m-q9rc', { name: 'set', field: 'advisory', value: 'GHSA-4w7f-2j8m-q9rc' }],
    ['/set channel  #sec-42  ', { name: 'set', field: 'chat', value: '#sec-42' }],
    ['/set ticket https://x.example/1', { name: 'set', field: 'support-ticket', value: 'https://x.example/1' }],
    ['/set postmortem g/p#3', { name: 'set', field: 'post-mortem', value: 'g/p#3' }],
    // The value is the rest of the line, unchecked here.
    ['/set im @everyone extra', { name: 'set', field: 'incident-manager', value: '@everyone extra' }],
    ['/set chat <!-- incident-desk:end -->', { name: 'set', field: 'chat', value: '<!-- incident-desk:end -->' }],
    ['/set advisory javascript:alert(1)', { name: 'set', field: 'advisory', value: 'javascript:alert(1)' }],
    ['/set chat a | b\nsecond line', { name: 'set', field: 'chat', value: 'a | b' }],
    ['\r\n\r\n  /set im @alice\r\nthanks', { name: 'set', field: 'incident-manager', value: '@alice' }],
    ['\uFEFF/help', { name: 'help' }],
    ['/cve cve-2026-12345', { name: 'cve', id: 'CVE-2026-12345' }],
    ['/CVE CVE-2026-1234567', { name: 'cve', id: 'CVE-2026-1234567' }],
    ['/na pick-deputy the IM works alone', { name: 'na', target: 'pick-deputy', reason: 'the IM works alone' }],
    ['/na pick-deputy', { name: 'na', target: 'pick-deputy', reason: '' }],
    ['/na "pick a deputy" not needed', { name: 'na', target: 'pick a deputy', reason: 'not needed' }],
    ['/na \u201cpick a deputy\u201d not needed', { name: 'na', target: 'pick a deputy', reason: 'not needed' }],
    ['/na Choose a deputy incident manager', { name: 'na', target: 'Choose a deputy incident manager', reason: '' }],
    ['/na triage', { name: 'na', target: 'triage', reason: '' }],
    ['/timeline Patch deployed', { name: 'timeline', text: 'Patch deployed' }],
    [
      '/timeline 2026-11-22T10:03:00Z Patch deployed',
      { name: 'timeline', at: '2026-11-22T10:03:00Z', text: 'Patch deployed' },
    ],
    ['/timeline 2026-11-22T10:03:00+02:00 Patch', { name: 'timeline', at: '2026-11-22T08:03:00Z', text: 'Patch' }],
    ['/timeline 2026-11-22t23:30:15.123-01:00 Late', { name: 'timeline', at: '2026-11-23T00:30:15Z', text: 'Late' }],
    ['/timeline 2026-11-22T10:03Z short form', { name: 'timeline', at: '2026-11-22T10:03:00Z', text: 'short form' }],
    [
      '/timeline 2026-11-22T10:03:00Z\r\nline one\r\nline two\r\n',
      { name: 'timeline', at: '2026-11-22T10:03:00Z', text: 'line one\nline two' },
    ],
    ['/timeline\nOn the next line', { name: 'timeline', text: 'On the next line' }],
    ['/timeline 2026-11-22 was the day', { name: 'timeline', text: '2026-11-22 was the day' }],
    ['/severity HIGH', { name: 'severity', level: 'high' }],
    ['/severity medium', { name: 'severity', level: 'medium' }],
    ['/severity low', { name: 'severity', level: 'low' }],
    ['/severity', { name: 'severity' }],
    ['/status', { name: 'status' }],
    ['/status Contained', { name: 'status', status: 'contained' }],
    ['/ack', { name: 'ack' }],
    ['/report', { name: 'report' }],
    ['/false-alarm our own scanner\nsee the logs', { name: 'false-alarm', reason: 'our own scanner\nsee the logs' }],
    ['/set detected 2026-11-22T08:15:00Z', { name: 'detected', at: '2026-11-22T08:15:00Z' }],
    ['/set co @carol', { name: 'set', field: 'communications-officer', value: '@carol' }],
    ['/handoff @carol co', { name: 'handoff', to: 'carol', role: 'co' }],
    [
      '/sitrep All good.\n\n- fix merged\n- release tomorrow  ',
      { name: 'sitrep', text: 'All good.\n\n- fix merged\n- release tomorrow' },
    ],
    ['/handoff @alice', { name: 'handoff', to: 'alice', role: 'im' }],
    ['/handoff bob.smith-2 deputy', { name: 'handoff', to: 'bob.smith-2', role: 'deputy' }],
    ['/Handoff @Carol IM', { name: 'handoff', to: 'Carol', role: 'im' }],
    ['/accept', { name: 'accept' }],
    ['/accept thanks!', { name: 'accept' }],
    ['/help', { name: 'help' }],
    ['/HELP me', { name: 'help' }],
    ['/assign @bob', { name: 'unknown', word: 'assign' }],
    ['/Label ~bug', { name: 'unknown', word: 'label' }],
    ['/set:im @a', { name: 'unknown', word: 'set:im' }],
    // Every command also as `/desk <command> …`, GitLab's quick actions notwithstanding.
    ['/desk severity high', { name: 'severity', level: 'high' }],
    ['/DESK Severity LOW', { name: 'severity', level: 'low' }],
    ['/desk /severity medium', { name: 'severity', level: 'medium' }],
    ['  /desk set im @alice', { name: 'set', field: 'incident-manager', value: '@alice' }],
    ['/desk timeline\nline one\nline two', { name: 'timeline', text: 'line one\nline two' }],
    [
      '/desk timeline 2026-11-22T10:03:00Z Patch deployed\nby the release team',
      { name: 'timeline', at: '2026-11-22T10:03:00Z', text: 'Patch deployed\nby the release team' },
    ],
    ['/desk sitrep Fix in review\nnext update 14:00', { name: 'sitrep', text: 'Fix in review\nnext update 14:00' }],
    ['/desk approve blog legal', { name: 'approve', deliverable: 'blog', group: 'legal' }],
    ['/desk', { name: 'help' }],
    ['/desk   ', { name: 'help' }],
    ['/desk help', { name: 'help' }],
    ['/desk desk help', { name: 'unknown', word: 'desk' }],
    ['/desk 42', { name: 'unknown', word: 'desk' }],
    ['/desk assign @bob', { name: 'unknown', word: 'assign' }],
    ['/desktop', { name: 'unknown', word: 'desktop' }],
  ];
  it.each(cases)('%j', (body, command) => {
    expect(parseCommand(body)).toEqual(command);
  });
});

describe('parseCommand: invalid arguments', () => {
  const cases: Array<[string, keyof typeof COMMAND_EXPECTED]> = [
    ['/set', 'set'],
    ['/set im', 'set'],
    ['/set im   ', 'set'],
    ['/set colour red', 'set'],
    ['/set\nim @bob', 'set'],
    ['/cve', 'cve'],
    ['/cve 2026-12345', 'cve'],
    ['/cve CVE-26-1', 'cve'],
    ['/cve CVE-2026-12345 CVE-2026-12346', 'cve'],
    ['/cve see CVE-2026-12345', 'cve'],
    ['/na', 'na'],
    ['/na ""', 'na'],
    ['/na "pick a deputy', 'na'],
    ['/timeline', 'timeline'],
    ['/timeline   \n  ', 'timeline'],
    ['/timeline 2026-11-22T10:03:00Z', 'timeline'],
    ['/timeline 2026-02-30T10:03:00Z text', 'timeline'],
    ['/timeline 2026-11-22T24:00:00Z text', 'timeline'],
    ['/timeline 2026-11-22T10:60:00Z text', 'timeline'],
    ['/timeline 2026-11-22T10:03:00 no zone', 'timeline'],
    ['/timeline 2026-11-22T10:03:00+25:00 bad offset', 'timeline'],
    ['/severity critical', 'severity'],
    ['/status done', 'status'],
    ['/status resolved now', 'status'],
    ['/status false-alarm', 'status'],
    ['/false-alarm', 'false-alarm'],
    ['/set detected', 'detected'],
    ['/set detected 2026-11-22', 'detected'],
    ['/severity s1', 'severity'],
    ['/severity high medium', 'severity'],
    ['/sitrep', 'sitrep'],
    ['/sitrep \r\n \r\n', 'sitrep'],
    ['/handoff', 'handoff'],
    ['/handoff @renovate[bot]', 'handoff'],
    ['/handoff @all', 'handoff'],
    ['/handoff @everyone deputy', 'handoff'],
    ['/handoff @alice manager-of-all', 'handoff'],
    ['/handoff @alice deputy now', 'handoff'],
    ['/handoff @-alice', 'handoff'],
    ['/handoff @al<ice>', 'handoff'],
    ['/handoff @', 'handoff'],
    ['/desk severity critical', 'severity'],
    ['/desk timeline', 'timeline'],
    ['/desk set colour red', 'set'],
  ];
  it.each(cases)('%j', (body, command) => {
    expect(parseCommand(body)).toEqual(invalid(command));
  });

  it('every expected string is a sentence with the syntax in a code span', () => {
    for (const expected of Object.values(COMMAND_EXPECTED)) {
      expect(expected).toMatch(/^[A-Z].*\.$/);
      expect(expected).toMatch(/`\/[a-z]+/);
      // Examples never ping anyone outside a code span.
      expect(expected.replace(/`[^`]*`/g, '')).not.toContain('@');
    }
    for (const field of Object.keys(FIELD_ALIASES)) expect(COMMAND_EXPECTED.set).toContain(field);
  });
});

describe('parseCommand: hostile input', () => {
  it('keeps a very long unknown word bounded', () => {
    const out = parseCommand(`/${'a'.repeat(10_000)}`);
    expect(out?.name).toBe('unknown');
    expect(out && 'word' in out ? out.word.length : 0).toBeLessThanOrEqual(64);
  });

  it('parses a very long value without choking', () => {
    const value = 'x'.repeat(100_000);
    expect(parseCommand(`/set chat ${value}`)).toEqual({ name: 'set', field: 'chat', value });
  });

  it('is fast on pathological whitespace', () => {
    const started = Date.now();
    parseCommand(`/timeline ${' '.repeat(50_000)}x`);
    parseCommand(`/na ${'a-'.repeat(50_000)}`);
    parseCommand(`/set ${' '.repeat(50_000)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('resolveField', () => {
  it('knows every alias and nothing else', () => {
    for (const [key, names] of Object.entries(FIELD_ALIASES)) {
      for (const name of names) expect(resolveField(name.toUpperCase())).toBe(key);
    }
    expect(resolveField('constructor')).toBeNull();
    expect(resolveField('__proto__')).toBeNull();
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00Z'],
    ['0050-06-01T12:00:00Z', '0050-06-01T12:00:00Z'],
    ['2027-02-29T00:00:00Z', null],
    ['2026-13-01T00:00:00Z', null],
    ['2026-11-22T10:03:60Z', null],
    ['2026-11-22 10:03:00Z', null],
  ])('%j → %j', (input, out) => {
    expect(parseRfc3339(input)).toBe(out);
  });
});

describe('approval commands', () => {
  it.each([
    ['/approve blog', { name: 'approve', deliverable: 'blog' }],
    ['/approve all', { name: 'approve', deliverable: 'all' }],
    ['/APPROVE customer-email legal', { name: 'approve', deliverable: 'customer-email', group: 'legal' }],
    ['/revoke blog security', { name: 'revoke', deliverable: 'blog', group: 'security' }],
    [
      '/request-changes blog tone it down\nsecond line',
      { name: 'request-changes', deliverable: 'blog', reason: 'tone it down\nsecond line' },
    ],
    ['/request-approvals', { name: 'request-approvals' }],
    ['/request-approvals media', { name: 'request-approvals', deliverable: 'media' }],
    ['/drafting', { name: 'drafting' }],
    ['/drafting 2026-11-22T11:30:00+02:00', { name: 'drafting', at: '2026-11-22T09:30:00Z' }],
  ])('%j', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it.each([
    '/approve',
    '/approve blog legal extra',
    '/revoke all',
    '/request-changes blog',
    '/approve <!--',
    '/request-approvals a b',
    '/drafting yesterday',
    '/drafting 2026-11-22T09:30:00Z 2026-11-22T10:30:00Z',
    '/drafting 2026-11-22T09:30',
  ])('%j is invalid', (body) => {
    expect(parseCommand(body)?.name).toBe('invalid');
  });
});

describe("severityOfTracker: GitLab's own severity of an incident", () => {
  it.each([
    ['critical', 'high'],
    ['high', 'high'],
    ['HIGH', 'high'],
    ['medium', 'medium'],
    ['low', 'low'],
    ['unknown', null],
    ['', null],
    ['s1', null],
  ] as const)('%j is %j', (value, severity) => {
    expect(severityOfTracker(value)).toBe(severity);
  });
});

describe('parseCommand: the disclosure commands', () => {
  const cases: Array<[string, Command]> = [
    ['/disclose', { name: 'disclose', action: 'publish' }],
    ['/DISCLOSE   ', { name: 'disclose', action: 'publish' }],
    ['/disclose --force fix public upstream', { name: 'disclose', action: 'force', reason: 'fix public upstream' }],
    ['/disclose --FORCE  why\nmore lines', { name: 'disclose', action: 'force', reason: 'why' }],
    ['/disclose --force', invalid('disclose')],
    ['/disclose now', invalid('disclose')],
    ['/advisory', { name: 'advisory', action: 'draft' }],
    ['/advisory CVE', { name: 'advisory', action: 'cve' }],
    ['/advisory fork', { name: 'advisory', action: 'fork' }],
    ['/advisory fork cve', invalid('advisory')],
    ['/advisory publish', invalid('advisory')],
  ];
  it.each(cases)('%j', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });
});
