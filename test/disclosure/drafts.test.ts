import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import {
  draftListingDue,
  draftLookBackMs,
  draftSkip,
  sendsReportsTo,
  watchedRepositories,
} from '../../src/disclosure/drafts.js';
import type { DraftSkip } from '../../src/disclosure/drafts.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;
const config = (advisories: unknown, more: Record<string, unknown> = {}) => configSchema.parse({ ...more, advisories });

describe('watchedRepositories', () => {
  it.each([
    ['no configuration', [], []],
    ['the default: none', [['acme/security', config({})]], []],
    [
      'each listed repository, with its incident project and timing',
      [['acme/security', config({ draftsFrom: ['acme/web', 'acme/api'], syncMinutes: 30, draftMaxAgeHours: 6 })]],
      [
        { repository: 'acme/web', incidentProject: 'acme/security', syncMinutes: 30, draftMaxAgeHours: 6 },
        { repository: 'acme/api', incidentProject: 'acme/security', syncMinutes: 30, draftMaxAgeHours: 6 },
      ],
    ],
    [
      'a repository two incident projects list: the first one only (one draft, one incident)',
      [
        ['acme/security', config({ draftsFrom: ['acme/web'] })],
        ['acme/other-security', config({ draftsFrom: ['ACME/Web', 'acme/docs'] })],
      ],
      [
        { repository: 'acme/web', incidentProject: 'acme/security', syncMinutes: 60, draftMaxAgeHours: 24 },
        { repository: 'acme/docs', incidentProject: 'acme/other-security', syncMinutes: 60, draftMaxAgeHours: 24 },
      ],
    ],
  ] as const)('%s', (_name, configs, expected) => {
    expect(watchedRepositories(configs as never)).toEqual(expected);
  });
});

describe('draftListingDue', () => {
  it.each([
    ['never listed', undefined, 60, true],
    ['listed a minute ago, every 60 minutes', NOW.getTime() - 60_000, 60, false],
    ['listed 59 minutes ago', NOW.getTime() - 59 * 60_000, 60, false],
    ['listed exactly 60 minutes ago', NOW.getTime() - 60 * 60_000, 60, true],
    ['listed 5 minutes ago, every 5 minutes', NOW.getTime() - 5 * 60_000, 5, true],
  ] as const)('%s → %s', (_name, last, minutes, due) => {
    expect(draftListingDue(last, minutes, NOW)).toBe(due);
  });
});

describe('draftLookBackMs', () => {
  it.each([
    ['the maximum age when it spans two listings', 24, 60, 24 * HOUR],
    ['never less than two listing intervals', 1, 120, 4 * HOUR],
    ['equal', 2, 60, 2 * HOUR],
  ] as const)('%s', (_name, draftMaxAgeHours, syncMinutes, expected) => {
    expect(draftLookBackMs({ draftMaxAgeHours, syncMinutes })).toBe(expected);
  });
});

describe('draftSkip', () => {
  const options = {
    self: 'incident-desk[bot]',
    lookBackMs: 24 * HOUR,
    now: NOW,
    known: new Set(['ghsa-kkkk-kkkk-kkkk']),
  };
  const draft = {
    ghsaId: 'GHSA-2222-3333-4444',
    state: 'draft' as const,
    author: 'maintainer',
    createdAt: '2026-11-22T09:30:00Z',
  };
  it.each<[string, Partial<typeof draft> | Record<string, unknown>, DraftSkip | null]>([
    ["a maintainer's recent draft is taken in", {}, null],
    ['an unknown author is taken in (a maintainer drafted it)', { author: null }, null],
    ['created exactly at the edge of the look-back', { createdAt: '2026-11-21T10:00:00Z' }, null],
    ['older than the look-back', { createdAt: '2026-11-21T09:59:59Z' }, 'too-old'],
    ['without a creation time: not guessed at', { createdAt: null }, 'no-creation-time'],
    ['an unreadable creation time', { createdAt: 'yesterday' }, 'no-creation-time'],
    ['drafted by the app (`/advisory`), whatever the case', { author: 'Incident-Desk[bot]' }, 'by-the-app'],
    ['a private report still in triage (its `reported` event opens it)', { state: 'triage' }, 'not-a-draft'],
    ['published', { state: 'published' }, 'not-a-draft'],
    ['linked by an open master already', { ghsaId: 'GHSA-KKKK-KKKK-KKKK' }, 'has-an-incident'],
  ])('%s', (_name, change, expected) => {
    expect(draftSkip({ ...draft, ...change } as never, options)).toBe(expected);
  });
});

describe('sendsReportsTo', () => {
  it.each([
    ['its incidentProject is the watching project', 'acme/web', 'acme/security', 'acme/security', true],
    ['the same, in another case', 'acme/web', 'ACME/Security', 'acme/security', true],
    ['its reports go to another incident project', 'acme/web', 'acme/elsewhere', 'acme/security', false],
    ['without incidentProject, itself', 'acme/security', null, 'acme/security', true],
    ['without incidentProject, another repository', 'acme/web', null, 'acme/security', false],
  ] as const)('%s', (_name, repository, incidentProject, watching, expected) => {
    expect(sendsReportsTo(repository, { incidentProject }, watching)).toBe(expected);
  });
});

describe('advisories.draftsFrom and draftMaxAgeHours (configuration)', () => {
  it('default to none and 24 hours', () => {
    expect(config({}).advisories).toMatchObject({ draftsFrom: [], draftMaxAgeHours: 24 });
  });
  it.each([
    ['an owner alone is no repository', { draftsFrom: ['acme'] }],
    ['a repository listed twice', { draftsFrom: ['acme/web', 'ACME/web'] }],
    ['more than 20 repositories', { draftsFrom: Array.from({ length: 21 }, (_, i) => `acme/r${i}`) }],
    ['a look-back of 0 hours', { draftMaxAgeHours: 0 }],
    ['a look-back over 30 days', { draftMaxAgeHours: 721 }],
  ])('refuse %s', (_name, advisories) => {
    expect(configSchema.safeParse({ advisories }).success).toBe(false);
  });
});
