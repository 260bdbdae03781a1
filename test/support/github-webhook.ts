import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { components } from '@octokit/openapi-webhooks-types';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { Advisory } from '../../src/kernel/advisory.js';
import type { Comment, Issue, Project } from '../../src/kernel/model.js';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

/** A real `<event>` example (default `issues`) from `@octokit/webhooks-examples`, deep-copied. */
export function githubExample(action: string, event = 'issues'): Record<string, any> {
  const found = examples
    .find((e) => e.name === event)!
    .examples.find((e) => (e as { action?: string }).action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found) as Record<string, any>;
}

/**
 * A stable numeric GitHub user id per login, so different people never share one: the payloads and the fake GitHub
 * give everyone (the app's bot user included) this id.
 */
export function githubUserId(login: string): number {
  let hash = 7;
  for (const ch of login) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_000;
  return hash + 10;
}

/** The example's user object (every field GitHub sends) for another login. */
function userAs(template: Record<string, any>, login: string): Record<string, any> {
  return {
    ...template,
    login,
    id: githubUserId(login),
    node_id: `U_fake${githubUserId(login)}`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
  };
}

/**
 * Rewrites an example payload (any event with `repository`, `issue` and `sender`) to describe an issue of the
 * store as GitHub would send it, with an installation so Probot can authenticate.
 */
function describeIssue(
  payload: Record<string, any>,
  project: Project,
  issue: Issue,
  sender: string,
): Record<string, any> {
  const [owner, name] = project.path.split('/') as [string, string];
  payload.installation = { id: 4242, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  Object.assign(payload.repository, {
    id: project.id,
    // The fake GitHub's node ids, as GitHub's own name the same repository and issue in payloads and API answers.
    node_id: `R_fake${project.id}`,
    name,
    full_name: project.path,
    private: project.visibility === 'private',
    visibility: project.visibility,
    html_url: project.webUrl,
  });
  payload.repository.owner.login = owner;
  const labelTemplate = payload.issue.labels?.[0] ?? {};
  const userTemplate = payload.sender;
  Object.assign(payload.issue, {
    id: issue.id,
    node_id: `I_fake${issue.id}`,
    number: issue.ref.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    locked: issue.locked,
    html_url: issue.webUrl,
    labels: issue.labels.map((l, i) => ({ ...labelTemplate, id: 9000 + i, name: l })),
    assignee: issue.assignees[0] ? userAs(userTemplate, issue.assignees[0]) : null,
    assignees: issue.assignees.map((a) => userAs(userTemplate, a)),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
  });
  payload.issue.user = userAs(payload.issue.user, issue.author);
  payload.sender = userAs(userTemplate, sender);
  return payload;
}

/**
 * A real `issues.<action>` payload rewritten to describe an issue of the store: the repository, the issue
 * and the label as GitHub would send them, with an installation so Probot can authenticate.
 */
export function githubIssuePayload(
  action: 'labeled' | 'opened',
  project: Project,
  issue: Issue,
  label = 'incident',
  sender = 'security-lead',
): Record<string, any> {
  const payload = describeIssue(githubExample(action), project, issue, sender);
  if (action === 'labeled') payload.label = { ...payload.label, name: label };
  return payload;
}

/**
 * A real `issues.labeled` or `issues.unlabeled` payload: `sender` added (or removed) the one label `label` of
 * `issue`, which is described as it is after the change (GitHub sends one delivery per label).
 */
export function githubLabelPayload(
  action: 'labeled' | 'unlabeled',
  project: Project,
  issue: Issue,
  label: string,
  sender: string,
): Record<string, any> {
  const payload = describeIssue(githubExample(action), project, issue, sender);
  payload.label = { ...payload.label, name: label };
  return payload;
}

/**
 * A real `issues.edited` payload for a description edit by `sender`: `issue` as it is after the edit, and
 * `changes.body.from` the description before it (the examples carry `changes: {}`).
 */
export function githubEditPayload(
  project: Project,
  issue: Issue,
  previousBody: string,
  sender: string,
): Record<string, any> {
  const payload = describeIssue(githubExample('edited'), project, issue, sender);
  payload.changes = { body: { from: previousBody } };
  return payload;
}

/**
 * A real `issues.<action>` payload for a change of `issue` (already saved in the store) by `sender`: `opened`,
 * `closed` and `reopened` describe the issue as it is now; `assigned` names the one new assignee (GitHub sends one
 * delivery per person); `edited` with `previousTitle` carries `changes.title.from` (a retitle), with `previousBody`
 * `changes.body.from`. The examples have no `closed` delivery: it is the `reopened` one with its action changed, the
 * shape GitHub documents for both.
 */
export function githubIssueChangePayload(
  action: 'opened' | 'closed' | 'reopened' | 'assigned' | 'edited',
  project: Project,
  issue: Issue,
  sender: string,
  change: { assignee?: string; previousTitle?: string; previousBody?: string } = {},
): Record<string, any> {
  const payload = describeIssue(githubExample(action === 'closed' ? 'reopened' : action), project, issue, sender);
  payload.action = action;
  if (action === 'assigned')
    payload.assignee = userAs(payload.assignee ?? payload.sender, change.assignee ?? issue.assignees.at(-1) ?? sender);
  if (action === 'edited') {
    payload.changes = {
      ...(change.previousTitle !== undefined ? { title: { from: change.previousTitle } } : {}),
      ...(change.previousBody !== undefined ? { body: { from: change.previousBody } } : {}),
    };
  }
  return payload;
}

/** A real `issue_comment.created` payload for `comment` (already on the issue) by its author. */
export function githubCommentPayload(project: Project, issue: Issue, comment: Comment): Record<string, any> {
  const payload = describeIssue(githubExample('created', 'issue_comment'), project, issue, comment.author);
  const apiBase = `https://api.github.com/repos/${project.path}`;
  Object.assign(payload.comment, {
    id: comment.id,
    node_id: `IC_fake${comment.id}`,
    url: `${apiBase}/issues/comments/${comment.id}`,
    html_url: `${issue.webUrl}#issuecomment-${comment.id}`,
    issue_url: `${apiBase}/issues/${issue.ref.number}`,
    body: comment.body,
    user: userAs(payload.comment.user, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
  });
  return payload;
}

type Schemas = components['schemas'];
/** GitHub's published webhook schema of the two `repository_advisory` actions the app follows. */
export type AdvisoryPayload =
  | Schemas['webhook-repository-advisory-reported']
  | Schemas['webhook-repository-advisory-published'];

/**
 * A `repository_advisory.<action>` payload for an advisory of the store, typed by GitHub's published webhook schema
 * (`@octokit/openapi-webhooks-types`: `@octokit/webhooks-examples` has no example of this event), so that a field the
 * app reads which GitHub does not send, or sends in another shape, fails to compile. As GitHub does, a webhook's
 * advisory names no author, publisher or private fork. The repository and the sender are the examples' objects for
 * the store's repository and `sender`.
 */
export function githubAdvisoryPayload(
  action: 'reported' | 'published',
  project: Project,
  advisory: Advisory,
  sender: string,
): AdvisoryPayload {
  const example = describeIssue(
    githubExample('opened'),
    project,
    {
      ref: { project: project.path, number: 1 },
      id: 1,
      title: '',
      body: '',
      labels: [],
      state: 'open',
      confidential: false,
      locked: false,
      author: sender,
      assignees: [],
      webUrl: project.webUrl,
      createdAt: advisory.createdAt ?? '',
      updatedAt: advisory.updatedAt ?? '',
    },
    sender,
  );
  const repositoryAdvisory: Schemas['repository-advisory'] = {
    ghsa_id: advisory.ghsaId,
    cve_id: advisory.cveId,
    url: `https://api.github.com/repos/${project.path}/security-advisories/${advisory.ghsaId}`,
    html_url: advisory.webUrl,
    summary: advisory.summary,
    description: advisory.description === '' ? null : advisory.description,
    severity: advisory.severity,
    author: null,
    publisher: null,
    identifiers: [
      { type: 'GHSA', value: advisory.ghsaId },
      ...(advisory.cveId ? [{ type: 'CVE' as const, value: advisory.cveId }] : []),
    ],
    state: advisory.state,
    created_at: advisory.createdAt,
    updated_at: advisory.updatedAt,
    published_at: advisory.publishedAt,
    closed_at: null,
    withdrawn_at: advisory.withdrawnAt,
    submission: advisory.reporter ? { accepted: advisory.state !== 'triage' } : null,
    vulnerabilities: advisory.vulnerabilities.map((v) => ({
      package: { ecosystem: v.ecosystem, name: v.package },
      vulnerable_version_range: v.vulnerableRange,
      patched_versions: v.patched,
      vulnerable_functions: null,
    })),
    cvss:
      advisory.cvssVector || advisory.cvssScore !== null
        ? { vector_string: advisory.cvssVector, score: advisory.cvssScore }
        : null,
    cwes: advisory.cweIds.map((id) => ({ cwe_id: id, name: `Weakness ${id}` })),
    cwe_ids: advisory.cweIds,
    credits: advisory.reporter ? [{ login: advisory.reporter, type: 'reporter' }] : null,
    credits_detailed: advisory.reporter
      ? [
          {
            user: userAs(example.sender, advisory.reporter) as Schemas['simple-user'],
            type: 'reporter',
            state: 'accepted',
          },
        ]
      : null,
    collaborating_users: null,
    collaborating_teams: null,
    private_fork: null,
  };
  return {
    action,
    installation: example.installation as Schemas['simple-installation'],
    repository: example.repository as Schemas['repository-webhooks'],
    repository_advisory: repositoryAdvisory,
    sender: example.sender as Schemas['simple-user'],
  } as AdvisoryPayload;
}

/** An RSA key for a test GitHub App. */
/**
 * A real `installation.<action>` payload for installation `id` on `account` (GitHub sends these to every App:
 * installed, removed, suspended…), its repositories left as the example has them.
 */
export function githubInstallationPayload(
  action: 'created' | 'deleted' | 'suspend' | 'unsuspend' | 'new_permissions_accepted',
  installation: { id: number; account: string },
): Record<string, any> {
  const payload = githubExample(action, 'installation');
  payload.installation = { ...payload.installation, id: installation.id };
  payload.installation.account = userAs(payload.installation.account, installation.account);
  return payload;
}

/** An `issues.*` or `issue_comment.*` payload sent as coming from installation `id` instead of the default one. */
export function fromInstallation(payload: Record<string, any>, id: number): Record<string, any> {
  return { ...payload, installation: { id, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${id}` } };
}

export function testPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** POSTs a signed GitHub delivery to the app server. */
export async function deliverGitHub(
  baseUrl: string,
  secret: string,
  event: string,
  payload: object,
  deliveryId: string,
): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(`${baseUrl}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signature,
    },
    body,
  });
}

/**
 * A real `label.created` payload: `sender` created the label `name` in `project` (GitHub sends this for a label made
 * by hand, and for one an issue named first), with an installation so Probot can authenticate.
 */
export function githubLabelCreatedPayload(project: Project, name: string, sender: string): Record<string, any> {
  const payload = githubExample('created', 'label');
  const [owner, repo] = project.path.split('/') as [string, string];
  payload.installation = { id: 4242, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  Object.assign(payload.repository, {
    id: project.id,
    node_id: `R_fake${project.id}`,
    name: repo,
    full_name: project.path,
    private: project.visibility === 'private',
    visibility: project.visibility,
    html_url: project.webUrl,
  });
  payload.repository.owner.login = owner;
  payload.label = { ...payload.label, name, url: `https://api.github.com/repos/${project.path}/labels/${name}` };
  payload.sender = userAs(payload.sender, sender);
  return payload;
}
