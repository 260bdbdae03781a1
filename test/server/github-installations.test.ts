import { describe, expect, it } from 'vitest';
import { MemoryInstallationChanges } from '../../src/server/coordination/installation-changes.js';
import { GitHubInstallations, INSTALLATIONS_MAX_AGE_MS } from '../../src/server/github-installations.js';
import type { Installation, InstallationsRead } from '../../src/server/github-installations.js';
import { installationOf } from '../../src/server/github-app.js';
import { githubExample, githubInstallationPayload } from '../support/github-webhook.js';

// The GitHub App's installations as the sweep keeps them between sweeps, over a list the test holds: which sweeps read
// the list (and with which validator), and what each sweep visits. Clock: the `at` of each sweep.

const minute = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20) + minutes * minute);

function world(initial: Installation[], options: { maxAgeMs?: number } = {}) {
  const state = { list: initial, version: 1 };
  const reads: Array<string | undefined> = [];
  let wakes = 0;
  const changes = new MemoryInstallationChanges();
  const read = async (etag: string | undefined): Promise<InstallationsRead> => {
    reads.push(etag);
    const current = `"v${state.version}"`;
    if (etag === current) return 'unchanged';
    return { installations: state.list.map((i) => ({ ...i })), etag: current };
  };
  const make = () =>
    new GitHubInstallations({
      read,
      changes,
      wake: async () => {
        wakes += 1;
      },
      ...options,
    });
  const installations = make();
  const ids = async (i: GitHubInstallations, minutes: number) => (await i.current(at(minutes))).map((x) => x.id);
  return {
    installations,
    /** Another replica, sharing the changes. */
    replica: make,
    ids,
    reads,
    wakes: () => wakes,
    /** GitHub's list changes (a new version, so its validator changes). */
    setList(list: Installation[]) {
      state.list = list;
      state.version += 1;
    },
  };
}

const acme = { id: 1, account: 'acme' };
const globex = { id: 2, account: 'globex' };

describe('the installations the sweep visits', () => {
  it('are read once over many sweeps, then revalidated once a day with the validator of the last read', async () => {
    const w = world([acme, globex]);
    for (let m = 0; m < 24 * 60; m += 60) expect(await w.ids(w.installations, m)).toEqual([1, 2]);
    expect(w.reads).toEqual([undefined]);
    // A day after the read: asked again, conditionally; unchanged costs GitHub's rate limit nothing.
    expect(await w.ids(w.installations, 24 * 60)).toEqual([1, 2]);
    expect(w.reads).toEqual([undefined, '"v1"']);
    expect(await w.ids(w.installations, 24 * 60 + 60)).toEqual([1, 2]);
    expect(w.reads).toHaveLength(2);
    expect(INSTALLATIONS_MAX_AGE_MS).toBe(24 * 60 * minute);
  });

  it('are read again after an installation delivery, on every replica, and the sweep is woken', async () => {
    const w = world([acme]);
    const other = w.replica();
    expect(await w.ids(w.installations, 0)).toEqual([1]);
    expect(await w.ids(other, 0)).toEqual([1]);
    expect(w.reads).toHaveLength(2);
    w.setList([acme, globex]);
    // `installation.created` reaches one replica.
    await w.installations.changed();
    expect(w.wakes()).toBe(1);
    expect(await w.ids(w.installations, 1)).toEqual([1, 2]);
    expect(await w.ids(other, 1)).toEqual([1, 2]);
    expect(w.reads).toEqual([undefined, undefined, '"v1"', '"v1"']);
    expect(await w.ids(other, 2)).toEqual([1, 2]);
    expect(w.reads).toHaveLength(4);
  });

  it('drop an installation a deletion delivery names, whatever they were told of it before', async () => {
    const w = world([acme]);
    await w.installations.seen(2, 'globex');
    expect(await w.ids(w.installations, 0)).toEqual([1, 2]);
    await w.installations.changed(2);
    expect(await w.ids(w.installations, 1)).toEqual([1]);
  });

  it('add an installation a delivery comes from at once, without a read; another replica reads the list', async () => {
    const w = world([acme]);
    const other = w.replica();
    expect(await w.ids(w.installations, 0)).toEqual([1]);
    expect(await w.ids(other, 0)).toEqual([1]);
    w.setList([acme, globex]);
    await w.installations.seen(2, 'globex');
    expect(w.wakes()).toBe(1);
    expect(await w.ids(w.installations, 1)).toEqual([1, 2]);
    expect(w.reads).toHaveLength(2);
    // The other replica (the one whose turn the sweep may be) learns of it from the shared generation.
    expect(await w.ids(other, 1)).toEqual([1, 2]);
    expect(w.reads).toHaveLength(3);
    // Known installations cost nothing more, on either replica.
    await w.installations.seen(2, 'globex');
    await other.seen(2, 'globex');
    await other.seen(1, 'ACME');
    expect(w.wakes()).toBe(1);
    expect(await w.ids(w.installations, 2)).toEqual([1, 2]);
    expect(await w.ids(other, 2)).toEqual([1, 2]);
    expect(w.reads).toHaveLength(3);
  });

  it('follow an account renamed, as the deliveries name it', async () => {
    const w = world([acme]);
    expect(await w.ids(w.installations, 0)).toEqual([1]);
    await w.installations.seen(1, 'acme-corp');
    expect(await w.installations.current(at(1))).toEqual([{ id: 1, account: 'acme-corp' }]);
  });

  it('drop an installation that answered 401 or 404 until a read of the list names it again', async () => {
    const w = world([acme, globex]);
    expect(await w.ids(w.installations, 0)).toEqual([1, 2]);
    // Removed on GitHub, no delivery received: its search answered 401.
    w.setList([acme]);
    w.installations.drop(2);
    expect(await w.ids(w.installations, 1)).toEqual([1]);
    expect(w.reads).toEqual([undefined, '"v1"']);
    expect(await w.ids(w.installations, 2)).toEqual([1]);
    expect(w.reads).toHaveLength(2);
    // Dropped by mistake (the list did not change): the read after the drop brings it back.
    w.installations.drop(1);
    expect(await w.ids(w.installations, 3)).toEqual([1]);
    expect(w.reads).toEqual([undefined, '"v1"', '"v2"']);
  });

  it('keep what they knew when a read fails, and read again at the next sweep', async () => {
    const changes = new MemoryInstallationChanges();
    let fail = false;
    let reads = 0;
    const installations = new GitHubInstallations({
      read: async () => {
        reads += 1;
        if (fail) throw new Error('GitHub is down');
        return { installations: [acme] };
      },
      changes,
      wake: async () => undefined,
    });
    expect((await installations.current(at(0))).map((i) => i.id)).toEqual([1]);
    fail = true;
    await installations.changed();
    await expect(installations.current(at(1))).rejects.toThrow('GitHub is down');
    fail = false;
    expect((await installations.current(at(2))).map((i) => i.id)).toEqual([1]);
    expect(reads).toBe(3);
  });

  it('a replica that never swept tells the others of each installation once; one they know is no change', async () => {
    const w = world([acme]);
    const sweeper = w.replica();
    expect(await w.ids(sweeper, 0)).toEqual([1]);
    await w.installations.seen(1, 'acme');
    // The first replica never read the list: the installation was new to it, not to the replicas.
    expect(w.wakes()).toBe(0);
    expect(await w.ids(sweeper, 1)).toEqual([1]);
    expect(w.reads).toHaveLength(1);
  });
});

describe('the installation a delivery comes from', () => {
  const issue = { ...githubExample('opened'), installation: { id: 42 } };
  it.each([
    [
      'an issue delivery: its installation, on its repository owner',
      'issues',
      issue,
      { id: 42, account: 'Codertocat' },
    ],
    [
      'an installation delivery (its installation may be the one removed)',
      'installation',
      githubInstallationPayload('deleted', { id: 42, account: 'acme' }),
      null,
    ],
    ['a delivery without an installation', 'issues', { ...issue, installation: undefined }, null],
    ['a delivery without a repository', 'issues', { ...issue, repository: undefined }, null],
    ['no payload at all', 'issues', null, null],
  ])('%s', (_, name, payload, expected) => {
    expect(installationOf(name, payload)).toEqual(expected);
  });
});
