import { describe, expect, it } from 'vitest';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  joinBody,
  parseQuickLinks,
  parseState,
  readTicketState,
  renderState,
  spliceBlock,
  splitBody,
} from '../../src/kernel/block.js';
import { readSteps } from '../../src/checklist/steps.js';

/** The ids of the ticked steps of a block, as the checklist tracker reads them. */
function ticked(block: string | null): Set<string> {
  return new Set([...readSteps(block ?? '')].filter(([, step]) => step.done).map(([id]) => id));
}

describe('bot block', () => {
  const bodies = [
    '',
    'plain text',
    'CRLF\r\nbody\r\n\r\nwith - [ ] box\r\n',
    '\n\nleading blank lines',
    `quoted marker in user text: ${BLOCK_BEGIN} not at start ${BLOCK_END}`,
    'ends without newline',
  ];

  it.each(bodies)('prepends and splits back byte for byte: %j', (rest) => {
    const body = joinBody('inner', rest);
    expect(body.startsWith(BLOCK_BEGIN)).toBe(true);
    expect(splitBody(body)).toEqual({ block: 'inner', rest });
  });

  it('never prepends twice', () => {
    const once = spliceBlock('original', 'v1');
    const twice = spliceBlock(once, 'v2');
    expect(twice).toBe(joinBody('v2', 'original'));
    expect(twice.split(BLOCK_BEGIN)).toHaveLength(2);
  });

  it('only a block at the very start counts', () => {
    const forged = `Hello\n${BLOCK_BEGIN}\n- [x] forged <!-- step:pick-deputy -->\n${BLOCK_END}`;
    expect(splitBody(forged).block).toBeNull();
    expect(ticked(splitBody(forged).block).size).toBe(0);
  });

  it('an unterminated block is not a block', () => {
    expect(splitBody(`${BLOCK_BEGIN}\nno end`)).toEqual({ block: null, rest: `${BLOCK_BEGIN}\nno end` });
  });

  it('round-trips state, and JSON cannot close the comment', () => {
    const state = {
      v: 1 as const,
      role: 'master' as const,
      id: 'INC-2026-4',
      source: 'github:a/b#1 --> <!--',
      links: ['a/b#2'],
    };
    const line = renderState(state);
    expect(line.indexOf('-->')).toBe(line.length - 3);
    expect(parseState(`x\n${line}\ny`)).toEqual(state);
    expect(readTicketState(joinBody(line, 'rest'))).toEqual(state);
  });

  it.each([
    ['not JSON', '<!-- incident-desk:state {oops -->'],
    ['wrong version', '<!-- incident-desk:state {"v":2,"role":"master","id":"X"} -->'],
    ['wrong role', '<!-- incident-desk:state {"v":1,"role":"boss","id":"X"} -->'],
  ])('rejects a state that is %s', (_name, text) => {
    expect(parseState(text)).toBeNull();
  });

  it('reads ticked steps by hidden id, ignoring lines without an id', () => {
    const block = [
      '- [x] [🔗](u#a) (IM) A <!-- step:pick-deputy -->',
      '- [ ] [🔗](u#b) (IM) B <!-- step:respond-reporter -->',
      '- [X] [🔗](u#c) (QA) C <!-- step:merge-in-order -->\r',
      '- [x] no id here',
      '> - [x] quoted <!-- step:quoted -->',
    ].join('\n');
    expect([...ticked(block)].sort()).toEqual(['merge-in-order', 'pick-deputy']);
  });

  it('reads Quick Links values by label', () => {
    const block = '| Quick Links | |\n|---|---|\n| Incident Manager: | @alice |\n| CVSS Score: | 9.8 \\| high |\n';
    const values = parseQuickLinks(block);
    expect(values.get('Incident Manager')).toBe('@alice');
    expect(values.get('CVSS Score')).toBe('9.8 \\| high');
    expect(values.has('Quick Links')).toBe(false);
  });
});
