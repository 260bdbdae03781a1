import { ADVISORY_ECOSYSTEMS } from '../../kernel/advisory.js';
import type {
  Advisory,
  AdvisoryEcosystem,
  AdvisoryPatch,
  AdvisorySeverity,
  AdvisoryState,
  AdvisoryVulnerability,
} from '../../kernel/advisory.js';
import { asRecord, isNonEmptyString } from '../payload.js';

/**
 * GitHub's repository security advisories (`/repos/{owner}/{repo}/security-advisories`, and the `repository_advisory`
 * webhook, which carries the same object) to and from the tracker-neutral `Advisory`. Pure: read field by field, as
 * answers and payloads come from the network.
 */

const STATES: ReadonlySet<string> = new Set<AdvisoryState>(['triage', 'draft', 'published', 'closed', 'withdrawn']);
const SEVERITIES: ReadonlySet<string> = new Set<AdvisorySeverity>(['critical', 'high', 'medium', 'low']);
const ECOSYSTEMS: ReadonlySet<string> = new Set<string>(ADVISORY_ECOSYSTEMS);
/** Who a credit names as the one who found or reported the problem. */
const REPORTER_CREDITS = ['reporter', 'finder'];

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * An advisory object of GitHub's (REST answer or webhook payload) of `repository`; null when it lacks what every
 * advisory has (its GHSA id, summary and state).
 */
export function toAdvisory(repository: string, value: unknown): Advisory | null {
  const data = asRecord(value);
  if (!data) return null;
  const ghsaId = data.ghsa_id;
  const state = data.state;
  if (!isNonEmptyString(ghsaId) || typeof data.summary !== 'string' || typeof state !== 'string') return null;
  if (!STATES.has(state)) return null;
  const cvss = asRecord(data.cvss);
  const severity = typeof data.severity === 'string' && SEVERITIES.has(data.severity) ? data.severity : null;
  const fork = asRecord(data.private_fork);
  return {
    ghsaId,
    repository,
    cveId: isNonEmptyString(data.cve_id) ? data.cve_id : null,
    webUrl: text(data.html_url) ?? '',
    summary: data.summary,
    description: text(data.description) ?? '',
    severity: severity as AdvisorySeverity | null,
    cvssVector: isNonEmptyString(cvss?.vector_string) ? cvss.vector_string : null,
    cvssScore: typeof cvss?.score === 'number' ? cvss.score : null,
    cweIds: cweIdsOf(data),
    state: state as AdvisoryState,
    vulnerabilities: Array.isArray(data.vulnerabilities) ? data.vulnerabilities.flatMap(toVulnerability) : [],
    reporter: reporterOf(data),
    author: text(asRecord(data.author)?.login),
    privateFork:
      fork && isNonEmptyString(fork.full_name) ? { path: fork.full_name, webUrl: text(fork.html_url) ?? '' } : null,
    createdAt: text(data.created_at),
    updatedAt: text(data.updated_at),
    publishedAt: text(data.published_at),
    withdrawnAt: text(data.withdrawn_at),
  };
}

function cweIdsOf(data: Record<string, unknown>): string[] {
  if (Array.isArray(data.cwe_ids)) return data.cwe_ids.filter(isNonEmptyString);
  if (!Array.isArray(data.cwes)) return [];
  return data.cwes.map((c) => asRecord(c)?.cwe_id).filter(isNonEmptyString);
}

function toVulnerability(value: unknown): AdvisoryVulnerability[] {
  const data = asRecord(value);
  const pkg = asRecord(data?.package);
  if (!data || !pkg) return [];
  const ecosystem = typeof pkg.ecosystem === 'string' && ECOSYSTEMS.has(pkg.ecosystem) ? pkg.ecosystem : 'other';
  return [
    {
      ecosystem: ecosystem as AdvisoryEcosystem,
      package: isNonEmptyString(pkg.name) ? pkg.name : null,
      vulnerableRange: isNonEmptyString(data.vulnerable_version_range) ? data.vulnerable_version_range : null,
      patched: isNonEmptyString(data.patched_versions) ? data.patched_versions : null,
    },
  ];
}

/**
 * The reporter: a credit of type reporter or finder (accepted or not: it names who they are), else the author of a
 * private report (an advisory with a `submission`); null when GitHub names nobody (webhooks leave `author` out).
 */
function reporterOf(data: Record<string, unknown>): string | null {
  for (const credit of Array.isArray(data.credits_detailed) ? data.credits_detailed : []) {
    const c = asRecord(credit);
    const login = asRecord(c?.user)?.login;
    if (c && REPORTER_CREDITS.includes(String(c.type)) && isNonEmptyString(login)) return login;
  }
  for (const credit of Array.isArray(data.credits) ? data.credits : []) {
    const c = asRecord(credit);
    if (c && REPORTER_CREDITS.includes(String(c.type)) && isNonEmptyString(c.login)) return c.login;
  }
  const author = asRecord(data.author)?.login;
  return data.submission != null && isNonEmptyString(author) ? author : null;
}

/**
 * The request body of a create or an update (`repository-advisory-create`, `repository-advisory-update`): only the
 * fields given; severity and the CVSS vector exclude each other on GitHub, so a vector wins and no severity is sent.
 */
export function advisoryRequestBody(patch: AdvisoryPatch): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (patch.summary !== undefined) body.summary = patch.summary;
  if (patch.description !== undefined) body.description = patch.description;
  if (patch.cveId !== undefined) body.cve_id = patch.cveId;
  if (patch.cweIds !== undefined) body.cwe_ids = patch.cweIds;
  if (patch.cvssVector) body.cvss_vector_string = patch.cvssVector;
  else if (patch.severity !== undefined) body.severity = patch.severity;
  if (patch.vulnerabilities !== undefined) {
    body.vulnerabilities = patch.vulnerabilities.map((v) => ({
      package: { ecosystem: v.ecosystem, name: v.package },
      vulnerable_version_range: v.vulnerableRange,
      patched_versions: v.patched,
    }));
  }
  if (patch.state !== undefined) body.state = patch.state;
  return body;
}
