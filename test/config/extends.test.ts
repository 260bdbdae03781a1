import { describe, expect, it } from 'vitest';
import { mergeConfigData, parseExtends } from '../../src/config/extends.js';
import { ConfigErrorWithLabel, loadSettings, SettingsCache } from '../../src/config/load.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { parseConfigChain } from '../../src/config/parse.js';
import { ConfigError, formatConfigProblems } from '../../src/config/problems.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';

describe('parseExtends', () => {
  const github = { project: 'acme/web', path: '.github/incident-desk.yml' };
  const gitlab = { project: 'acme/apps/web', path: '.gitlab/incident-desk.yml' };
  it.each([
    ['policy', github, { project: 'acme/policy', path: '.github/incident-desk.yml' }],
    ['other/policy', github, { project: 'other/policy', path: '.github/incident-desk.yml' }],
    ['other/policy:ops/desk.yaml', github, { project: 'other/policy', path: 'ops/desk.yaml' }],
    ['policy', gitlab, { project: 'acme/apps/policy', path: '.gitlab/incident-desk.yml' }],
    ['sec/base/policy:base.yml', gitlab, { project: 'sec/base/policy', path: 'base.yml' }],
  ])('%s from %o', (value, from, target) => {
    expect(parseExtends(value, from)).toEqual(target);
  });

  it.each(['', '../policy', 'acme/../policy', 'acme/policy:../x.yml', 'acme/policy:notes.txt', 'a b'])(
    'refuses %j',
    (value) => {
      expect(parseExtends(value, github)).toBeNull();
    },
  );
});

describe('mergeConfigData', () => {
  it('merges mappings at every depth, the first file winning; lists and values replace whole', () => {
    const own = {
      _extends: 'policy',
      label: 'sec',
      reportsFrom: ['acme/web'],
      approvals: { quorum: 3, groups: { legal: { approvers: ['lee'] } } },
    };
    const base = {
      label: 'incident',
      idPrefix: 'ACME',
      reportsFrom: ['acme/web', 'acme/mobile'],
      approvals: { quorum: 2, responseMinutes: 15, groups: { legal: { name: 'Legal', approvers: ['lena'] } } },
    };
    expect(mergeConfigData([own, base])).toEqual({
      label: 'sec',
      idPrefix: 'ACME',
      reportsFrom: ['acme/web'],
      approvals: { quorum: 3, responseMinutes: 15, groups: { legal: { name: 'Legal', approvers: ['lee'] } } },
    });
  });
});

describe('parseConfigChain', () => {
  it('reports a problem of an inherited file in that file, with its line and column', () => {
    const files = [
      { text: '_extends: policy\nlabel: sec\n', location: 'acme/web:.github/incident-desk.yml' },
      { text: 'idPrefix: SEC\nquorm: 2\ntaskDueDays: 0\n', location: 'acme/policy:.github/incident-desk.yml' },
    ];
    let error: unknown;
    try {
      parseConfigChain(files);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.objectContaining({ path: 'quorm', line: 2, column: 1, location: 'acme/policy:.github/incident-desk.yml' }),
      expect.objectContaining({
        path: 'taskDueDays',
        line: 3,
        column: 14,
        location: 'acme/policy:.github/incident-desk.yml',
      }),
    ]);
    expect(formatConfigProblems(error as ConfigError)).toContain(
      '`quorm` (line 2, column 1) in `acme/policy:.github/incident-desk.yml`',
    );
  });

  it('places a problem the own file overrides in the own file', () => {
    const files = [
      { text: '_extends: policy\n\ntaskDueDays: 900\n', location: 'acme/web:.github/incident-desk.yml' },
      { text: 'taskDueDays: 5\n', location: 'acme/policy:.github/incident-desk.yml' },
    ];
    expect(() => parseConfigChain(files)).toThrow(ConfigError);
    try {
      parseConfigChain(files);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.objectContaining({ path: 'taskDueDays', line: 3, column: 14 }),
      ]);
      expect((error as ConfigError).problems[0]?.location).toBeUndefined();
    }
  });
});

const loaded = (value: LoadedConfig | ConfigErrorWithLabel): LoadedConfig => {
  if (value instanceof ConfigErrorWithLabel) throw new Error(`configuration error: ${value.error.message}`);
  return value;
};

describe('loadSettings with _extends', () => {
  async function world(kind: 'github' | 'gitlab') {
    const store = new MemoryStore({ kind });
    for (const path of ['acme/web', 'acme/policy', 'sec/base']) store.addProject(path, { visibility: 'private' });
    const ctx = {
      tracker: new MemoryTracker(store),
      defaultTemplates: await loadDefaultTemplates(),
      settingsCache: new SettingsCache(),
    };
    return { store, ctx, file: kind === 'github' ? '.github/incident-desk.yml' : '.gitlab/incident-desk.yml' };
  }

  it.each(['github', 'gitlab'] as const)('inherits through two files on %s', async (kind) => {
    const { store, ctx, file } = await world(kind);
    store.putFile('acme/web', file, '_extends: policy\nlabel: sec-report\n');
    store.putFile('acme/policy', file, '_extends: sec/base:desk/base.yml\nidPrefix: ACME\n');
    store.putFile('sec/base', 'desk/base.yml', 'idPrefix: BASE\ntaskDueDays: 3\nincidentProject: sec/incidents\n');
    const { config } = loaded(await loadSettings('acme/web', ctx));
    expect(config).toMatchObject({
      label: 'sec-report',
      idPrefix: 'ACME',
      taskDueDays: 3,
      incidentProject: 'sec/incidents',
    });
  });

  it('refuses a missing inherited file, a loop, and a chain too deep, naming the file that says it', async () => {
    const { store, ctx, file } = await world('gitlab');
    store.putFile('acme/web', file, '_extends: policy\n');
    const missing = await loadSettings('acme/web', ctx);
    expect(missing).toBeInstanceOf(ConfigErrorWithLabel);
    expect((missing as ConfigErrorWithLabel).error.problems[0]).toMatchObject({ path: '_extends' });
    expect((missing as ConfigErrorWithLabel).error.problems[0]?.message).toMatch(/no file at .* of `acme\/policy`/);

    store.putFile('acme/policy', file, '_extends: web\n');
    const loop = await loadSettings('acme/web', ctx);
    expect((loop as ConfigErrorWithLabel).error.location).toBe(`acme/policy:${file}`);
    expect((loop as ConfigErrorWithLabel).error.problems[0]?.message).toMatch(/already read/);

    for (let i = 1; i <= 6; i++) {
      store.addProject(`deep/p${i}`);
      store.putFile(`deep/p${i}`, file, i < 6 ? `_extends: p${i + 1}\n` : 'label: deep\n');
    }
    store.putFile('acme/web', file, '_extends: deep/p1\n');
    const deep = await loadSettings('acme/web', ctx);
    expect((deep as ConfigErrorWithLabel).error.problems[0]?.message).toMatch(/at most 5 files/);
  });
});
