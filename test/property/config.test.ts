import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigProblems } from '../../src/config/problems.js';
import { MAX_CONFIG_CHARS, parseConfig } from '../../src/config/parse.js';
import { CEILING_MS, hostileText, megabyteOf, RUNS, timed } from './hostile.js';

const LOCATION = '.gitlab/incident-desk.yml';

function problemsOf(text: string): ConfigError | null {
  try {
    parseConfig(text, LOCATION);
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('parseConfig on hostile files', () => {
  it('answers a configuration or a ConfigError, never another exception, and its comment pings nobody', () => {
    const yamlish = fc
      .array(
        fc.oneof(
          hostileText(6),
          fc.constantFrom(
            'label: ',
            'approvals:\n  groups:\n    ',
            '- ',
            ': ',
            '&a ',
            '*a ',
            '!!binary ',
            '{',
            '[',
            '? ',
            '|\n  ',
            '>-\n  ',
          ),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(yamlish, (text) => {
        const error = problemsOf(text);
        if (error) expect(formatConfigProblems(error)).not.toMatch(/(?:^|[^\w`])@[\w-]/);
      }),
      RUNS,
    );
  });

  it('refuses a file over the limit as a whole, without parsing it (the YAML parser took 25 s on a megabyte)', () => {
    for (const unit of ['- [ ] ', '[', '\n', 'a: ']) {
      const text = megabyteOf(unit);
      expect(timed((t) => problemsOf(t), text)).toBeLessThan(CEILING_MS);
      const error = problemsOf(text);
      expect(error?.problems).toEqual([{ path: '', message: expect.stringContaining(`at most ${MAX_CONFIG_CHARS}`) }]);
    }
  });

  it('reads a file just within the limit, and answers hostile YAML of that size within the ceiling', () => {
    const comment = `# ${'x'.repeat(MAX_CONFIG_CHARS - 40)}\nlabel: incident\n`;
    expect(comment.length).toBeLessThanOrEqual(MAX_CONFIG_CHARS);
    expect(parseConfig(comment, LOCATION).label).toBe('incident');
    for (const unit of ['- [ ] ', '[', '\n', 'a: ', '{a: ', '&a [*a, ']) {
      const text = unit.repeat(Math.floor(MAX_CONFIG_CHARS / unit.length));
      expect(timed((t) => problemsOf(t), text)).toBeLessThan(CEILING_MS);
    }
  });
});
