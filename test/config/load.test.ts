import { describe, expect, it } from 'vitest';
import { loadDefaultTemplates } from '../../src/templates/load.js';
import { ConfigErrorWithLabel, keptTriggerLabel, loadSettings, SettingsCache } from '../../src/config/load.js';
import type { FileCache } from '../../src/tracker/port.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';

const loaded = (value: LoadedConfig | ConfigErrorWithLabel): LoadedConfig => {
  if (value instanceof ConfigErrorWithLabel) throw new Error(`configuration error: ${value.error.message}`);
  return value;
};

describe('loadSettings', () => {
  it('compiles the same template texts once, and a changed template at the next read', async () => {
    const store = new MemoryStore({ kind: 'gitlab' });
    store.addProject('team/app', { visibility: 'private' });
    const defaults = await loadDefaultTemplates();
    store.putFile('team/app', '.gitlab/incident-desk.yml', 'templates:\n  task: tpl/task.md\n');
    store.putFile('team/app', 'tpl/task.md', `${defaults.task}\nFirst version.\n`);
    const ctx = { tracker: new MemoryTracker(store), defaultTemplates: defaults, settingsCache: new SettingsCache() };

    const first = loaded(await loadSettings('team/app', ctx));
    const second = loaded(await loadSettings('team/app', ctx));
    expect(second.renderer).toBe(first.renderer);

    store.putFile('team/app', 'tpl/task.md', `${defaults.task}\nSecond version.\n`);
    const changed = loaded(await loadSettings('team/app', ctx));
    expect(changed.renderer).not.toBe(first.renderer);
    // A broken template is reported at every read, never served from before.
    store.putFile('team/app', 'tpl/task.md', '{{#if}}');
    expect(await loadSettings('team/app', ctx)).toBeInstanceOf(ConfigErrorWithLabel);
    expect(await loadSettings('team/app', ctx)).toBeInstanceOf(ConfigErrorWithLabel);
  });
});

describe('loadSettings: the configuration file', () => {
  it('parses the same text once, and a changed file at the next read', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('acme/security', { visibility: 'private' });
    const ctx = {
      tracker: new MemoryTracker(store),
      defaultTemplates: await loadDefaultTemplates(),
      settingsCache: new SettingsCache(),
    };
    store.putFile('acme/security', '.github/incident-desk.yml', 'label: incident\nidPrefix: SEC\n');

    const first = loaded(await loadSettings('acme/security', ctx));
    const second = loaded(await loadSettings('acme/security', ctx));
    expect(second.config).toBe(first.config);
    expect(first.config.idPrefix).toBe('SEC');
    // Shared by every event of the text: no event can change it for the next.
    expect(Object.isFrozen(first.config)).toBe(true);
    expect(Object.isFrozen(first.config.templates)).toBe(true);

    store.putFile('acme/security', '.github/incident-desk.yml', 'label: bug\nidPrefix: SEC\n');
    expect(loaded(await loadSettings('acme/security', ctx)).config.label).toBe('bug');
    // A broken file is reported at every read, never served from before.
    store.putFile('acme/security', '.github/incident-desk.yml', 'label: [\n');
    expect(await loadSettings('acme/security', ctx)).toBeInstanceOf(ConfigErrorWithLabel);
    expect(await loadSettings('acme/security', ctx)).toBeInstanceOf(ConfigErrorWithLabel);
    store.putFile('acme/security', '.github/incident-desk.yml', 'label: incident\nidPrefix: SEC\n');
    expect(loaded(await loadSettings('acme/security', ctx)).config).toBe(first.config);
  });
});

describe('loadSettings: the built-in templates', () => {
  it('compiles the built-in templates once for a project without custom ones', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('acme/security', { visibility: 'private' });
    store.addProject('acme/web', { visibility: 'private' });
    const ctx = {
      tracker: new MemoryTracker(store),
      defaultTemplates: await loadDefaultTemplates(),
      settingsCache: new SettingsCache(),
    };
    store.putFile('acme/security', '.github/incident-desk.yml', 'label: incident\n');
    const configured = loaded(await loadSettings('acme/security', ctx));
    const unconfigured = loaded(await loadSettings('acme/web', ctx));
    expect(unconfigured.renderer).toBe(configured.renderer);
  });
});

describe('loadSettings without a cache', () => {
  it('parses and compiles at every read', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('acme/security', { visibility: 'private' });
    store.putFile('acme/security', '.github/incident-desk.yml', 'label: incident\n');
    const ctx = { tracker: new MemoryTracker(store), defaultTemplates: await loadDefaultTemplates() };
    const first = loaded(await loadSettings('acme/security', ctx));
    const second = loaded(await loadSettings('acme/security', ctx));
    expect(second.config).toEqual(first.config);
    expect(second.config).not.toBe(first.config);
    expect(second.renderer).not.toBe(first.renderer);
  });
});

describe('SettingsCache', () => {
  it('keeps the most recent entries only', async () => {
    const cache = new SettingsCache(2);
    const a = cache.config('label: a\n', 'x');
    cache.config('label: b\n', 'x');
    expect(cache.config('label: a\n', 'x')).toBe(a);
    cache.config('label: c\n', 'x');
    // b was the least recent: gone; a and c stay.
    expect(cache.config('label: a\n', 'x')).toBe(a);
    // b was parsed anew (now [a, b]); c again pushes out a, the least recent.
    expect(cache.config('label: b\n', 'x').label).toBe('b');
    cache.config('label: c\n', 'x');
    expect(cache.config('label: a\n', 'x')).not.toBe(a);
  });
});

describe('SettingsCache.extendsOf', () => {
  it("answers each text's `_extends` as parsing it does, parsing the same text once", () => {
    const cache = new SettingsCache();
    expect(cache.extendsOf('label: incident\n')).toBeUndefined();
    expect(cache.extendsOf('_extends: policy\nlabel: sec\n')).toBe('policy');
    expect(cache.extendsOf('_extends: sec/base:desk/base.yml\n')).toBe('sec/base:desk/base.yml');
    // Not a mapping, or not YAML: no value (parsing the whole file reports the problem).
    expect(cache.extendsOf('- a\n- b\n')).toBeUndefined();
    expect(cache.extendsOf('label: [\n')).toBeUndefined();
    // A value that is no text (refused later by the schema) comes back as the node it is, the same one each time: the
    // text was parsed once.
    const node = cache.extendsOf('_extends:\n  project: policy\n');
    expect(node).toBeTypeOf('object');
    expect(cache.extendsOf('_extends:\n  project: policy\n')).toBe(node);
  });
});

describe('keptTriggerLabel', () => {
  const PATH = '.github/incident-desk.yml';
  /** A file cache holding `text` for acme/web's own file, fresh or not. */
  function kept(text: string | null, fresh = true): FileCache {
    return {
      lookup: (project, path) =>
        project.toLowerCase() === 'acme/web' && path === PATH ? { file: { text }, fresh } : undefined,
      store: () => undefined,
    };
  }

  it.each([
    ['the own file, kept and fresh', kept('label: security-incident\n'), 'security-incident'],
    ['the own file without a label (the default)', kept('idPrefix: SEC\n'), 'incident'],
    ['nothing kept', { lookup: () => undefined, store: () => undefined }, undefined],
    ['a stale copy (to be revalidated)', kept('label: security-incident\n', false), undefined],
    // GitHub then looks in the owner's `.github` repository: only a read tells.
    ['no own file', kept(null), undefined],
    ['a file that inherits', kept('_extends: policy\nlabel: security-incident\n'), undefined],
    ['a file naming a template (which must exist)', kept('label: sec\ntemplates:\n  task: t/task.md\n'), undefined],
    ['an invalid file (the read reports it)', kept('label: sec\ntaskDueDays: soon\n'), undefined],
  ] as const)('%s: %s', (_name, files, label) => {
    expect(keptTriggerLabel('acme/web', 'github', files, new SettingsCache())).toBe(label);
  });

  it('shares the parsed configuration with loadSettings', async () => {
    const store = new MemoryStore({ kind: 'github' });
    store.addProject('acme/web', { visibility: 'private' });
    store.putFile('acme/web', PATH, 'label: security-incident\n');
    const cache = new SettingsCache();
    const ctx = {
      tracker: new MemoryTracker(store),
      defaultTemplates: await loadDefaultTemplates(),
      settingsCache: cache,
    };
    const { config } = loaded(await loadSettings('acme/web', ctx));
    keptTriggerLabel('acme/web', 'github', kept('label: security-incident\n'), cache);
    expect(cache.config('label: security-incident\n', `acme/web:${PATH}`)).toBe(config);
  });
});
