import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCommandReferenceMarkdown } from '../../src/commands/help.js';

describe('README', () => {
  it('holds the command reference exactly as the app renders it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- command-reference:begin[^\n]*-->\n(?<reference>[\s\S]*?)\n<!-- command-reference:end -->/.exec(
      readme,
    )?.groups?.reference;
    expect(block?.trim()).toBe(renderCommandReferenceMarkdown().trim());
  });

  it('names the two commands that work on a fresh machine', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('bash scripts/test.sh');
    // The test command sets up what a fresh machine lacks and runs the tests; CI runs that same command.
    const script = readFileSync(new URL('../../scripts/test.sh', import.meta.url), 'utf8');
    expect(script).toContain('redis-server');
    expect(script).toMatch(/npm ci/);
    expect(script).toMatch(/^npm test$/m);
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toMatch(/^bash scripts\/test\.sh$/m);
  });
});

describe('README configuration examples', () => {
  it('every yaml example is a valid configuration', async () => {
    const { parseConfig } = await import('../../src/config/parse.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n(?<yaml>[\s\S]*?)```/g)].map((m) => m.groups!.yaml!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) expect(() => parseConfig(block, 'README.md')).not.toThrow();
  });
});
