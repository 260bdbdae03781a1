/**
 * Tracker-neutral shapes of a repository security advisory (GitHub's GHSA), and the identifiers around it. The core
 * decides on these plain objects; the GitHub adapter translates them to and from the REST API. Pure.
 */

/** Where an advisory stands: a private report (`triage`), a draft, public (`published`), rejected or taken back. */
export type AdvisoryState = 'triage' | 'draft' | 'published' | 'closed' | 'withdrawn';

/** GitHub's advisory severities. */
export type AdvisorySeverity = 'critical' | 'high' | 'medium' | 'low';

/** The package ecosystems GitHub's advisories know. */
export const ADVISORY_ECOSYSTEMS = [
  'rubygems',
  'npm',
  'pip',
  'maven',
  'nuget',
  'composer',
  'go',
  'rust',
  'erlang',
  'actions',
  'pub',
  'other',
  'swift',
] as const;

export type AdvisoryEcosystem = (typeof ADVISORY_ECOSYSTEMS)[number];

/** One affected product: a package, the versions that are vulnerable and the ones that fix it. */
export interface AdvisoryVulnerability {
  ecosystem: AdvisoryEcosystem;
  /** The package's name in its ecosystem; null when the advisory names none. */
  package: string | null;
  /** Like `< 2.4.1` or `>= 1.0, < 1.2.3`; null when not known yet. */
  vulnerableRange: string | null;
  /** Like `2.4.1`; null when not known yet. */
  patched: string | null;
}

/** A repository security advisory as the tracker answers it. */
export interface Advisory {
  /** `GHSA-xxxx-xxxx-xxxx`. */
  ghsaId: string;
  /** The repository it belongs to (`owner/repo`). */
  repository: string;
  cveId: string | null;
  /** The advisory's page. */
  webUrl: string;
  summary: string;
  description: string;
  severity: AdvisorySeverity | null;
  cvssVector: string | null;
  cvssScore: number | null;
  cweIds: string[];
  state: AdvisoryState;
  vulnerabilities: AdvisoryVulnerability[];
  /**
   * Who reported it, when the tracker says (a private report's author, or the person credited as reporter or finder);
   * null when it names nobody.
   */
  reporter: string | null;
  /**
   * The account that created it, when the tracker says: a private report's reporter, the maintainer who drafted it, or
   * the app itself for the drafts `/advisory` makes. null when unknown (webhooks leave it out).
   */
  author: string | null;
  /** The temporary private fork for the fix (`owner/repo-ghsa-…`), when one exists. */
  privateFork: { path: string; webUrl: string } | null;
  /** ISO 8601 times as the tracker reports them. */
  createdAt: string | null;
  updatedAt: string | null;
  publishedAt: string | null;
  withdrawnAt: string | null;
}

/** What the app writes into a draft advisory. Severity and CVSS vector exclude each other (GitHub's rule). */
export interface AdvisoryDraft {
  summary: string;
  description: string;
  severity?: AdvisorySeverity | null;
  cvssVector?: string | null;
  cveId?: string | null;
  cweIds?: string[];
  vulnerabilities: AdvisoryVulnerability[];
}

/** The fields of an advisory to change; only the keys present are written. `published` publishes it. */
export type AdvisoryPatch = Partial<AdvisoryDraft> & { state?: 'draft' | 'published' | 'closed' };

/** The letters GitHub's advisory ids are made of (no vowels, no look-alikes). */
const GHSA = /\bGHSA(?:-[23456789cfghjmpqrvwx]{4}){3}\b/i;

/** A GHSA id spelled the way GitHub writes it (`GHSA-` then lower case), or null when `text` is not exactly one. */
export function normalizeGhsa(text: string): string | null {
  const trimmed = text.trim();
  const match = GHSA.exec(trimmed);
  if (!match || match[0].length !== trimmed.length) return null;
  return `GHSA-${trimmed.slice(5).toLowerCase()}`;
}

/** The first GHSA id in a text, normalized; null when there is none. */
export function findGhsa(text: string): string | null {
  const match = GHSA.exec(text);
  return match ? `GHSA-${match[0].slice(5).toLowerCase()}` : null;
}

/** GitHub's severity for a CVSS base score (the CVSS v3 qualitative scale); null for 0.0 (none). */
export function severityOfScore(score: number): AdvisorySeverity | null {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return null;
}
