import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnOwned } from '../support/owned-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe("README's demo command", () => {
  it('takes in the public report and runs the incident on both trackers, offline', async () => {
    // `npm run demo` is `tsx scripts/demo.ts`: the same script, through Node's loader, in a process the run owns.
    const demo = spawnOwned(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    demo.child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const code = await Promise.race([
      new Promise<number | null>((resolve) => demo.child.once('exit', (exitCode) => resolve(exitCode))),
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 60_000).unref()),
    ]);
    if (code === 'late') await demo.kill();
    await demo.gone();
    expect(code).toBe(0);
    expect(stdout.match(/a public report labeled "incident" → done/g)).toHaveLength(2);
    // The team's own ticket, titled with the identifier, joined the master on both trackers.
    expect(stdout.match(/linked tracking ticket acme\/payments#2/g)).toHaveLength(2);
    // The whole incident on both trackers: acknowledged, a handoff with the incoming sitrep, resolved, and the report.
    expect(stdout.match(/a handoff with the incoming sitrep and \/status contained →/g)).toHaveLength(2);
    expect(stdout.match(/then \/status resolved and the incident report →/g)).toHaveLength(2);
    expect(stdout.match(/### Incident report · /g)).toHaveLength(2);
    expect(stdout.match(/\| Time to acknowledge \| 3 min \|/g)).toHaveLength(2);
    expect(
      stdout.match(/- \*\*Handoff:\*\* `@alice` took over as Incident Manager from `@security-lead`/g),
    ).toHaveLength(2);
    // The blog post's review alone was requested, and at the cut-off it went ahead at quorum, on both trackers.
    expect(stdout.match(/at the cut-off the blog post is quorum \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/g)).toHaveLength(
      2,
    );
    expect(stdout.match(/- \*\*Blog post\*\* \(`blog`\) goes ahead at quorum/g)).toHaveLength(2);
    // The story is told once: the blog post's approval at quorum happened before the resolution, so the report has it.
    expect(stdout.match(/\| Blog post \| approved at quorum \| at quorum \| Security \(`@vp-security`/g)).toHaveLength(
      2,
    );
    expect(stdout.indexOf('the blog post is quorum')).toBeLessThan(stdout.indexOf('### Incident report · '));
  }, 90_000);
});
