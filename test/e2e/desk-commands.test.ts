import { describe, expect, it } from 'vitest';
import { expectOutcome, HARNESSES } from '../support/harness.js';

/**
 * Issue 16, point 7: every command also as `/desk <command> …`, on every tracker and through the real server on the
 * fakes. On GitLab the prefix is what keeps a comment from GitLab's own `/severity` and `/timeline` quick actions.
 */
describe.each(HARNESSES)('$name: /desk commands', (harness) => {
  it('runs a prefixed command exactly as the command itself, and answers `/desk` alone with the help', async () => {
    const t = await harness.open();
    expectOutcome(t, await t.say('/desk severity high', 'alice'), 'done');
    expect(t.master().labels).toContain('severity::high');
    expectOutcome(t, await t.say('/desk timeline 2026-11-22T09:58:00Z Exploit seen\nin the logs', 'alice'), 'done');
    expect(t.timeline()).toMatch(/2026-11-22T09:58:00Z · @alice · Exploit seen/);
    await t.say('/desk', 'mallory');
    const help = t.store.listComments(t.ref).at(-1)!.body;
    expect(help).toContain('/desk <command> [arguments]');
    expect(help).toContain('/severity <high\\|medium\\|low>');
  });
});
