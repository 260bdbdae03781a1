import { describe, expect, it } from 'vitest';
import type { PushEvent } from '../../src/kernel/events.js';
import { configCheckReport, pushNeedsConfigCheck } from '../../src/config/push-check.js';
import type { CheckedConfig } from '../../src/config/push-check.js';

const SHA = 'c'.repeat(40);

describe('pushNeedsConfigCheck: which pushes to a default branch are checked', () => {
  const cases: Array<[string, Partial<PushEvent>, boolean]> = [
    ['the GitHub configuration changed', { tracker: 'github', paths: ['.github/incident-desk.yml'] }, true],
    ['the GitLab configuration changed', { tracker: 'gitlab', paths: ['.gitlab/incident-desk.yml'] }, true],
    ["the other tracker's file only", { tracker: 'github', paths: ['.gitlab/incident-desk.yml'] }, false],
    ['a template override (*.hbs)', { tracker: 'github', paths: ['docs/templates/comms.md.hbs'] }, true],
    ["a file in the configuration's folder", { tracker: 'gitlab', paths: ['.gitlab/incident-desk/comms.md'] }, true],
    ['neither configuration nor template', { tracker: 'github', paths: ['src/index.ts', 'README.md'] }, false],
    ['nothing listed', { tracker: 'github', paths: [] }, false],
    ['unknown paths (forced, too many commits)', { tracker: 'github', paths: null }, true],
    ['no commit to write on (a deleted branch)', { tracker: 'github', paths: null, sha: undefined }, false],
  ];
  it.each(cases)('%s', (_name, fields, expected) => {
    const push: PushEvent = { tracker: 'github', project: 'acme/app', paths: [], sha: SHA, ...fields };
    expect(pushNeedsConfigCheck(push)).toBe(expected);
  });
});

describe('configCheckReport: what the check says', () => {
  const base: CheckedConfig = { project: 'acme/app', files: [], problems: [] };

  it('is a success naming the file read and what it inherits', () => {
    const report = configCheckReport({
      ...base,
      files: ['acme/app:.github/incident-desk.yml', 'acme/policy:.github/x.yml'],
    });
    expect(report).toMatchObject({ conclusion: 'success', annotations: [] });
    expect(report.summary).toBe('acme/app:.github/incident-desk.yml is valid (it inherits acme/policy:.github/x.yml).');
  });

  it('is a success without a file: the defaults apply', () => {
    expect(configCheckReport(base)).toMatchObject({
      conclusion: 'success',
      summary: expect.stringContaining('defaults'),
    });
  });

  it('lists every problem with file, line and column; annotates only those in the pushed project', () => {
    const report = configCheckReport({
      ...base,
      files: ['acme/app:.github/incident-desk.yml', 'acme/policy:.github/incident-desk.yml'],
      problems: [
        {
          location: 'acme/app:.github/incident-desk.yml',
          path: 'label',
          message: 'must be a label',
          line: 2,
          column: 8,
        },
        { location: 'acme/policy:.github/incident-desk.yml', path: 'phaseOffsets', message: 'unknown phase', line: 5 },
        { location: 'acme/app:.github/incident-desk.yml', path: 'templates', message: 'comms: not found' },
      ],
    });
    expect(report.conclusion).toBe('failure');
    expect(report.title).toBe('3 configuration problems');
    expect(report.summary).toContain('- `acme/app:.github/incident-desk.yml:2:8`: `label`: must be a label');
    expect(report.summary).toContain('- `acme/policy:.github/incident-desk.yml:5`: `phaseOffsets`: unknown phase');
    expect(report.summary).toContain('- `acme/app:.github/incident-desk.yml`: `templates`: comms: not found');
    expect(report.annotations).toEqual([
      { path: '.github/incident-desk.yml', line: 2, column: 8, message: 'label: must be a label' },
    ]);
  });

  it('keeps at most 50 annotations (GitHub takes no more per request); the summary lists them all', () => {
    const problems = Array.from({ length: 60 }, (_, i) => ({
      location: 'acme/app:.github/incident-desk.yml',
      path: `k${i}`,
      message: 'bad',
      line: i + 1,
    }));
    const report = configCheckReport({ ...base, problems });
    expect(report.annotations).toHaveLength(50);
    expect(report.summary.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(60);
  });
});
