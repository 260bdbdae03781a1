import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_PATHS } from '../../src/tracker/port.js';
import { HARNESSES, INCIDENT_PROJECT } from '../support/harness.js';
import type { IncidentWorld } from '../support/harness.js';
import { PUSHED_SHA } from '../support/push.js';

/**
 * Issue 16, point 2: a push to the default branch that changes the configuration or a template override gets the
 * configuration checked, as `incident-desk check-config` checks it, the result written on the pushed commit: a check
 * run on GitHub (a commit comment where the app may not write checks), a commit status and a note on GitLab.
 */
const BROKEN = 'children: [release]\nsitrepMinutes:\n  high: nope\n';
const FIXED = 'children: [release]\nsitrepMinutes:\n  high: 30\n';
const PROBLEM = 'sitrepMinutes.high: must be a whole number of minutes from 1 to 43200';

describe.each(HARNESSES)('$name: the configuration checked after a push', (harness) => {
  const config = CONFIG_PATHS[harness.traits.tracker];
  const reports = (t: IncidentWorld) => t.store.commitReports.map((r) => ({ ...r }));

  it('a push that breaks it fails the check with every problem by line and column; a fixing push passes', async () => {
    const t = await harness.open();
    await t.pushFile(config, BROKEN, INCIDENT_PROJECT);
    const at = `${INCIDENT_PROJECT}:${config}:3:9`;
    if (harness.traits.tracker === 'github') {
      expect(reports(t)).toEqual([
        expect.objectContaining({
          project: INCIDENT_PROJECT,
          sha: PUSHED_SHA,
          kind: 'check-run',
          state: 'failure',
          annotations: [{ path: config, line: 3, column: 9, message: PROBLEM }],
        }),
      ]);
      expect(reports(t)[0]!.text).toContain(`\`${at}\``);
    } else {
      expect(reports(t).map((r) => [r.kind, r.state, r.sha])).toEqual([
        ['commit-status', 'failed', PUSHED_SHA],
        ['commit-comment', undefined, PUSHED_SHA],
      ]);
      expect(reports(t)[1]!.text).toContain(`\`${at}\`: \`sitrepMinutes.high\`: must be a whole number`);
    }
    // Configuration only: nothing of the incident is in what was written.
    for (const r of reports(t)) expect(r.text).not.toContain(t.master().title);

    t.store.commitReports.length = 0;
    t.store.putFile(INCIDENT_PROJECT, config, FIXED);
    await t.push([config], { sha: 'a'.repeat(40) });
    expect(reports(t).map((r) => [r.kind, r.state, r.sha])).toEqual([
      [harness.traits.tracker === 'github' ? 'check-run' : 'commit-status', 'success', 'a'.repeat(40)],
    ]);
  });

  it('a broken template override fails the check, named in the configuration that points at it', async () => {
    const t = await harness.open();
    const template = `${config.replace(/\.yml$/, '')}/comms.md.hbs`;
    t.store.putFile(INCIDENT_PROJECT, config, `templates:\n  comms: ${template}\n`);
    // The built-in template, copied: valid by construction.
    t.store.putFile(
      INCIDENT_PROJECT,
      template,
      readFileSync(new URL('../../templates/comms.md.hbs', import.meta.url), 'utf8'),
    );
    await t.push([config, template]);
    expect(reports(t).map((r) => r.state)).toEqual(['success']);
    t.store.commitReports.length = 0;
    // The template alone changes: the check reads it fresh.
    await t.pushFile(template, '{{#if}}unfinished', INCIDENT_PROJECT);
    const failed = reports(t).find((r) => r.kind !== 'commit-comment')!;
    expect(failed.state).toBe(harness.traits.tracker === 'github' ? 'failure' : 'failed');
    const listed = reports(t).find(
      (r) => r.kind === (harness.traits.tracker === 'github' ? 'check-run' : 'commit-comment'),
    );
    expect(listed!.text).toContain('template comms');
  });

  it('a push that touches neither the configuration nor a template, or another branch, costs no request', async () => {
    const t = await harness.open();
    t.store.putFile(INCIDENT_PROJECT, config, BROKEN);
    const from = t.probe.requestCount();
    await t.push(['src/index.ts', 'README.md']);
    await t.push([config], { branch: 'feature' });
    expect(t.probe.workShapes(from)).toEqual([]);
    expect(reports(t)).toEqual([]);
  });
});

describe.each(HARNESSES.filter((h) => h.traits.tracker === 'github'))(
  '$name: without the Checks permission',
  (harness) => {
    it('a failing check becomes a commit comment listing the problems; a success writes nothing', async () => {
      const t = await harness.open();
      const config = CONFIG_PATHS.github;
      t.store.checksDenied = true;
      await t.pushFile(config, BROKEN, INCIDENT_PROJECT);
      expect(reports(t).map((r) => [r.kind, r.sha])).toEqual([['commit-comment', PUSHED_SHA]]);
      expect(reports(t)[0]!.text).toContain(`\`${INCIDENT_PROJECT}:${config}:3:9\`: \`sitrepMinutes.high\``);
      t.store.commitReports.length = 0;
      await t.pushFile(config, FIXED, INCIDENT_PROJECT);
      expect(reports(t)).toEqual([]);
    });
  },
);

function reports(t: IncidentWorld) {
  return t.store.commitReports.map((r) => ({ ...r }));
}
