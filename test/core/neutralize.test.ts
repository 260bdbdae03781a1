import { describe, expect, it } from 'vitest';
import { neutralizeBlock, neutralizeInline, neutralizeMentions, quietUser } from '../../src/core/neutralize.js';

describe('neutralize', () => {
  it.each(['@everyone', '@alice', 'hi @org/team', '(@bob)'])('breaks the mention in %j', (text) => {
    expect(neutralizeMentions(text)).not.toMatch(/(^|[^\w`])@[\w-]/);
  });

  it('keeps e-mail addresses readable', () => {
    expect(neutralizeMentions('a@b.com')).toBe('a@b.com');
  });

  it('inline values cannot forge a row, a box, a marker or HTML', () => {
    const out = neutralizeInline('x | y\n- [x] done <!-- incident-desk:begin --> <script>@everyone</script>');
    expect(out).not.toContain('\n');
    expect(out).not.toMatch(/(^|[^\\])\|/);
    expect(out).not.toContain('[x]');
    expect(out).not.toContain('<!--');
    expect(out).not.toContain('<script>');
    expect(out).not.toMatch(/@[\w]/);
  });

  it('copied blocks keep their text but lose markers and pings', () => {
    const out = neutralizeBlock('Steps:\n- [x] mine\n<!-- incident-desk:end -->\ncc @alice');
    expect(out).toContain('- [x] mine');
    expect(out).not.toContain('<!-- incident-desk');
    expect(out).not.toMatch(/@alice/);
  });

  it('names a user without a ping', () => {
    expect(quietUser('alice')).toBe('`@alice`');
    expect(quietUser('evil`@everyone')).toBe('`@evileveryone`');
  });
});

describe('neutralizeInline and table cells', () => {
  it('a backslash before a pipe cannot end the cell', () => {
    const out = neutralizeInline('a\\|b');
    // Every pipe stays escaped by an odd number of backslashes.
    for (const match of out.matchAll(/(\\*)\|/g)) expect(match[1]!.length % 2).toBe(1);
  });
});
