import { describe, expect, it } from 'vitest';
import { FIELD_EXPECTED, validateField } from '../../src/commands/fields.js';
import { renderCommandReferenceMarkdown, renderHelp, COMMAND_REFERENCE } from '../../src/commands/help.js';
import { FIELD_ALIASES } from '../../src/commands/parse.js';
import type { FieldKey } from '../../src/run/quick-links.js';
import { FIELD_LABELS } from '../../src/run/quick-links.js';

const V31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V40 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';

const accepted: Array<[FieldKey, string, string]> = [
  ['incident-manager', '@alice', '@alice'],
  ['incident-manager', 'alice', '@alice'],
  ['incident-manager', '  @Bob.Smith_2-x  ', '@Bob.Smith_2-x'],
  ['deputy', 'carol', '@carol'],
  ['disclosure-date', '2026-12-01', '2026-12-01'],
  ['disclosure-date', '2028-02-29', '2028-02-29'],
  ['cvss', '9', '9.0'],
  ['cvss', '9.8', '9.8'],
  ['cvss', '0', '0.0'],
  ['cvss', '10', '10.0'],
  ['cvss', '10.0', '10.0'],
  ['cvss', V31, `\`${V31}\``],
  ['cvss', 'cvss:3.0/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U', '`CVSS:3.0/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U`'],
  ['cvss', `${V31}/E:P/RL:O/RC:C/MAV:A`, `\`${V31}/E:P/RL:O/RC:C/MAV:A\``],
  ['cvss', V40, `\`${V40}\``],
  ['cvss', `${V40}/E:A/U:Amber/MSI:S`, `\`${V40}/E:A/U:Amber/MSI:S\``],
  ['cvss', `9.8 ${V31}`, `9.8 \`${V31}\``],
  ['cwe', 'CWE-79', 'CWE-79'],
  ['cwe', 'cwe-79, CWE-352', 'CWE-79, CWE-352'],
  ['cwe', 'CWE-79 CWE-79,CWE-20', 'CWE-79, CWE-20'],
  [
    'advisory',
    'https://github.com/o/r/security/advisories/GHSA-4w7f-2j8m-q9rc',
    '<https://github.com/o/r/security/advisories/GHSA-4w7f-2j8m-q9rc>',
  ],
  ['advisory', 'HTTPS://Example.COM/a?b=1&c=2#x', '<https://example.com/a?b=1&c=2#x>'],
  ['advisory', 'https://example.com/a|b', '<https://example.com/a%7Cb>'],
  ['advisory', 'https://example.com/[x]`y`"z"', '<https://example.com/%5Bx%5D%60y%60%22z%22>'],
  ['advisory', 'https://example.com/<!--', '<https://example.com/%3C!-->'],
  ['advisory', 'GHSA-4W7F-2J8M-Q9RC', 'GHSA-4w7f-2j8m-q9rc'],
  ['advisory', 'group/sub/project#12', 'group/sub/project#12'],
  ['advisory', 'owner/repo!7', 'owner/repo!7'],
  ['support-ticket', '#12', '#12'],
  ['support-ticket', '!12', '!12'],
  ['support-ticket', 'http://support.example.com/t/4711', '<http://support.example.com/t/4711>'],
  ['post-mortem', 'https://docs.example.com/pm/42', '<https://docs.example.com/pm/42>'],
  ['chat', '#sec-incident-42', '`#sec-incident-42`'],
  ['chat', '#123', '`#123`'],
  ['chat', 'https://chat.example.com/c/sec', '<https://chat.example.com/c/sec>'],
  ['chat', 'Bridge room 5', 'Bridge room 5'],
  ['chat', 'Zoom: room 5', 'Zoom: room 5'],
  ['chat', 'a | b', 'a \\| b'],
  ['chat', 'a\\|b', 'a\\\\\\|b'],
  ['chat', '<!-- incident-desk:end -->', '&lt;!-- incident-desk:end --&gt;'],
  ['chat', 'ask @everyone', 'ask @\u200beveryone'],
  ['chat', '- [x] done', '- \\[x\u200b\\] done'],
  ['chat', '![t](https://evil.example/p.png)', '!\u200b\\[t\\](https://evil.example/p.png)'],
];

const refused: Array<[FieldKey, string]> = [
  ['incident-manager', ''],
  ['incident-manager', '@everyone extra'],
  ['incident-manager', '@everyone'],
  ['incident-manager', '@all'],
  ['incident-manager', 'alice bob'],
  ['incident-manager', '@renovate[bot]'],
  ['incident-manager', '@org/team'],
  ['incident-manager', '@alice|x'],
  ['incident-manager', '@alice\n- [x] forged'],
  ['deputy', '<!-- incident-desk:end -->'],
  ['deputy', 'a'.repeat(300)],
  ['disclosure-date', '2026-02-30'],
  ['disclosure-date', '2027-02-29'],
  ['disclosure-date', '2026-13-01'],
  ['disclosure-date', '2026-1-1'],
  ['disclosure-date', '2026-12-01T00:00:00Z'],
  ['disclosure-date', 'next tuesday'],
  ['cvss', '10.1'],
  ['cvss', '-1'],
  ['cvss', '9.85'],
  ['cvss', '09.8'],
  ['cvss', '9.'],
  ['cvss', 'high'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/'],
  ['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/__proto__:X'],
  ['cvss', 'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
  ['cvss', 'CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C'],
  ['cvss', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N'],
  ['cvss', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
  ['cvss', `${V31}|x`],
  ['cvss', `${V31} 9.8`],
  ['cvss', `9.8 ${V31} extra`],
  ['cwe', '79'],
  ['cwe', 'CWE-0'],
  ['cwe', 'CWE-79|x'],
  ['cwe', 'CWE-79 <!--'],
  ['cwe', 'CWE-1234567'],
  ['cwe', Array.from({ length: 11 }, (_, i) => `CWE-${i + 1}`).join(' ')],
  ['advisory', 'javascript:alert(1)'],
  ['advisory', 'JaVaScRiPt:alert(1)'],
  ['advisory', 'data:text/html,<script>alert(1)</script>'],
  ['advisory', 'https:evil.example'],
  ['advisory', 'https:///evil.example'],
  ['advisory', 'ftp://example.com/x'],
  ['advisory', 'https://user:pass@example.com/x'],
  ['advisory', 'https://example.com/a b'],
  ['advisory', 'https://example.com/a\nb'],
  ['advisory', `https://example.com/${'a'.repeat(2000)}`],
  ['advisory', 'https://[::1]/x'],
  ['advisory', 'GHSA-aaaa-bbbb-1111'],
  ['advisory', 'see #12'],
  ['advisory', '../../etc#1'],
  ['advisory', '#0'],
  ['advisory', '#12|x'],
  ['support-ticket', 'GHSA-4w7f-2j8m-q9rc'],
  ['support-ticket', 'ticket 4711'],
  ['post-mortem', '<!-- incident-desk:end -->'],
  ['chat', ''],
  ['chat', '   '],
  ['chat', 'javascript:alert(1)'],
  ['chat', 'x'.repeat(81)],
  ['chat', 'a\u202eb'],
  ['chat', 'line one\nline two'],
  ['chat', 'line one\r\nline two'],
];

describe('validateField', () => {
  it.each(accepted)('%s %j → %j', (field, value, out) => {
    expect(validateField(field, value)).toEqual({ ok: true, value: out });
  });

  it.each(refused)('%s %j is refused', (field, value) => {
    expect(validateField(field, value)).toEqual({ ok: false, expected: FIELD_EXPECTED[field] });
  });

  it('renders hostile values into exactly one safe cell', () => {
    const hostile = [
      'a | b',
      'a\\|b',
      '<!-- incident-desk:end -->',
      '[x] x',
      '[ ] x',
      '@everyone',
      'x'.repeat(80),
      '`|`',
      'https://example.com/a|b<!--[x]',
      '#sec|x',
    ];
    for (const field of Object.keys(FIELD_EXPECTED) as FieldKey[]) {
      for (const value of hostile) {
        const result = validateField(field, value);
        if (!result.ok) continue;
        const cell = result.value;
        expect(cell).not.toMatch(/[\r\n]/);
        expect(cell).not.toContain('<!--');
        expect(cell).not.toMatch(/\[[ xX]\]/);
        // Every pipe is escaped by an odd number of backslashes.
        expect(cell.replace(/\\\\/g, '')).not.toMatch(/(?:^|[^\\])\|/);
        if (field !== 'incident-manager' && field !== 'deputy' && field !== 'communications-officer')
          expect(cell).not.toMatch(/(?:^|[^\w`</])@\w/);
      }
    }
  });

  it('each expected string is a sentence with an example in a code span', () => {
    for (const expected of Object.values(FIELD_EXPECTED)) {
      expect(expected).toMatch(/^[A-Z].*\.$/);
      expect(expected).toMatch(/like `[^`]+`/);
      expect(expected.replace(/`[^`]*`/g, '')).not.toContain('@');
    }
  });
});

describe('help', () => {
  it('lists every command, field and alias in well-formed tables', () => {
    const md = renderCommandReferenceMarkdown();
    for (const word of ['set', 'cve', 'na', 'timeline', 'severity', 'sitrep', 'handoff', 'accept', 'help']) {
      expect(COMMAND_REFERENCE.some((c) => c.syntax.startsWith(`/${word}`))).toBe(true);
      expect(md).toContain(`\`/${word}`);
    }
    for (const [key, names] of Object.entries(FIELD_ALIASES) as Array<[FieldKey, readonly string[]]>) {
      expect(md).toContain(FIELD_LABELS[key]);
      for (const name of names) expect(md).toContain(`\`${name}\``);
    }
    for (const row of md.split('\n').filter((l) => l.startsWith('|'))) {
      const cells = row.replace(/\\\|/g, '').split('|').length - 2;
      expect(cells === 2 || cells === 3).toBe(true);
    }
    // No one is pinged by the help.
    expect(md.replace(/`[^`]*`/g, '')).not.toContain('@');
  });

  it('puts the intro first', () => {
    expect(renderHelp('I did not understand `/foo`.')).toMatch(/^I did not understand `\/foo`\.\n\nA command/);
    expect(renderHelp()).toBe(renderCommandReferenceMarkdown());
  });
});
