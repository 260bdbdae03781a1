import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADVISORY_ECOSYSTEMS } from '../../src/kernel/advisory.js';
import type { AccessLevel, Comment, Issue, IssueRef, Project } from '../../src/kernel/model.js';
import { TrackerError } from '../../src/tracker/errors.js';
import type { MemoryStore, StoredAdvisory } from '../../src/tracker/memory/memory-store.js';
import { FaultInjector, sendFault, stall } from './faults.js';
import { githubUserId } from './github-webhook.js';
import type { FaultKind, FaultOptions } from './faults.js';

/**
 * A fake api.github.com on loopback, backed by a `MemoryStore` (kind `github`). It serves exactly the REST routes
 * (and the GraphQL `deleteIssue` and `createIssue` mutations and `userContentEdits` query) the GitHub adapter uses,
 * with GitHub-shaped JSON and `Link` pagination, plus the app routes a real Probot app needs to authenticate. Every
 * request must carry an Authorization header.
 */

export interface FakeGitHubOptions {
  /** Whether the GraphQL `deleteIssue` succeeds (admin rights) or answers `FORBIDDEN`. Default false. */
  canDelete?: boolean;
  /** The login the app's writes are authored by. Default `incident-desk[bot]`. */
  actor?: string;
  /**
   * The account of the one installation `GET /app/installations` lists (id 4242). Default: the owner of the
   * store's first project when the request arrives, else `acme`.
   */
  installationAccount?: string;
  /** Fails a share of requests (5xx, stalls, lost answers, primary and secondary rate limits); none by default. */
  faults?: FaultOptions;
  /**
   * Whether GraphQL's `CreateIssueInput` has `parentIssueId` (GitHub.com does). False plays an older GitHub Enterprise
   * Server: a `createIssue` naming it answers GitHub's validation error for an undefined input field, and creates
   * nothing; the REST sub-issues endpoint still serves. Default true.
   */
  parentIssueId?: boolean;
}

/** An installation of the App as the fake lists it. */
export interface FakeInstallation {
  id: number;
  account: string;
  /** Listed with `suspended_at`; its token is refused (403), as GitHub refuses a suspended installation's. */
  suspended?: boolean;
}

export interface FakeGitHub {
  /** Base URL to give Octokit as `baseUrl`, e.g. `http://127.0.0.1:53211`. */
  url: string;
  close(): Promise<void>;
  /**
   * Every request received, in order; `path` includes the query string, `body` the JSON sent (writes); `conditional`
   * when it sent `If-None-Match`.
   */
  requests: Array<{
    method: string;
    path: string;
    body?: Record<string, unknown>;
    conditional?: boolean;
    /** The status answered (left out for an injected fault). */
    status?: number;
  }>;
  /** When each of `requests` arrived (ms since the epoch), by the same index. */
  arrivals: number[];
  /** Fault injection: configure, start an outage, recover, and see what was injected. */
  faults: FaultInjector;
  /**
   * Replaces the App's installations (by default the one of `installationAccount`, id 4242). From then on, like
   * GitHub: an installation not listed has no token (404), and a token it was given earlier is refused (401).
   */
  setInstallations(installations: FakeInstallation[]): void;
}

/** Every fault the GitHub fake can inject. */
export const GITHUB_FAULTS: readonly FaultKind[] = [
  '500',
  '502',
  '503',
  'stall',
  'rate-limit',
  'secondary-rate-limit',
  'lost-answer',
];

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Request {
  /** The pattern's capture groups, URL-decoded. */
  params: string[];
  url: URL;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

type Route = [method: string, pattern: RegExp, handle: (req: Request) => Reply];

const REPO = '/repos/([^/]+)/([^/]+)';
/** A GHSA id in a path. */
const GHSA_ID = '(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})';
const ECOSYSTEMS: ReadonlySet<string> = new Set<string>(ADVISORY_ECOSYSTEMS);
/** The id of the one installation `GET /app/installations` lists. */
export const FAKE_INSTALLATION_ID = 4242;
/** GitHub's search answers at most this many results. */
const SEARCH_CAP = 1000;
/** The legacy `permission` GitHub reports beside `role_name` (maintain reads as write, triage as read). */
const LEGACY_PERMISSION: Record<Exclude<AccessLevel, 'none'>, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};
const DUPLICATE_SUB_ISSUE =
  'An error occured while adding the sub-issue to the parent issue. Issue may not contain duplicate sub-issues and ' +
  'Sub issue may only have one parent';

/** Starts the fake on 127.0.0.1, on a free port. */
export async function startFakeGitHub(store: MemoryStore, options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const actor = options.actor ?? 'incident-desk[bot]';
  const slug = actor.replace(/\[bot\]$/, '');
  const requests: FakeGitHub['requests'] = [];
  const arrivals: number[] = [];
  const faults = new FaultInjector(GITHUB_FAULTS, options.faults);
  let base = '';
  /** The installations set by `setInstallations`; null: the one default installation, on any account. */
  let installations: FakeInstallation[] | null = null;
  const installationsNow = (): FakeInstallation[] =>
    installations ?? [
      {
        id: FAKE_INSTALLATION_ID,
        account: options.installationAccount ?? store.projectPaths()[0]?.split('/')[0] ?? 'acme',
      },
    ];
  /** The installation a token was made for (`ghs_fake_<id>`), and whether it may still be used. */
  const tokenRefused = (authorization: string | undefined): boolean => {
    const id = /^(?:token|bearer) ghs_fake_(?<id>\d+)$/i.exec(authorization ?? '')?.groups?.id;
    if (id === undefined || installations === null) return false;
    return !installations.some((i) => i.id === Number(id) && !i.suspended);
  };

  const projectOf = (p: string[]): string => `${p[0]}/${p[1]}`;
  const refOf = (p: string[]): IssueRef => ({ project: projectOf(p), number: Number(p[2]) });

  /** Logins by the node id (`U_fake<id>`) of every user the fake answered, for GraphQL's `assigneeIds`. */
  const logins = new Map<string, string>();
  const user = (login: string) => {
    logins.set(`U_fake${githubUserId(login)}`, login);
    return { login, id: githubUserId(login), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  };
  const repoJson = (project: Project) => ({
    id: project.id,
    node_id: `R_fake${project.id}`,
    name: project.path.split('/')[1],
    full_name: project.path,
    owner: user(project.path.split('/')[0]!),
    private: project.visibility !== 'public',
    visibility: project.visibility,
    html_url: project.webUrl,
    default_branch: project.defaultBranch,
  });
  const issueJson = (issue: Issue) => ({
    id: issue.id,
    node_id: `I_fake${issue.id}`,
    number: issue.ref.number,
    title: issue.title,
    body: issue.body === '' ? null : issue.body,
    labels: issue.labels.map((name) => ({ name })),
    state: issue.state,
    user: user(issue.author),
    assignee: issue.assignees[0] ? user(issue.assignees[0]) : null,
    assignees: issue.assignees.map(user),
    locked: issue.locked,
    html_url: issue.webUrl,
    url: `${base}/repos/${issue.ref.project}/issues/${issue.ref.number}`,
    repository_url: `${base}/repos/${issue.ref.project}`,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
  });
  const commentJson = (ref: IssueRef, comment: Comment) => ({
    id: comment.id,
    node_id: `IC_fake${comment.id}`,
    body: comment.body,
    user: user(comment.author),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    issue_url: `${base}/repos/${ref.project}/issues/${ref.number}`,
  });

  /** A repository security advisory as the REST API answers it (`repository-advisory`). */
  const advisoryJson = (a: StoredAdvisory) => {
    const fork = a.privateFork ? store.getProject(a.privateFork.path) : null;
    return {
      ghsa_id: a.ghsaId,
      cve_id: a.cveId,
      url: `${base}/repos/${a.repository}/security-advisories/${a.ghsaId}`,
      html_url: a.webUrl,
      summary: a.summary,
      description: a.description === '' ? null : a.description,
      severity: a.severity,
      author: user(a.author ?? a.reporter ?? actor),
      publisher: a.publishedAt ? user(actor) : null,
      identifiers: [{ type: 'GHSA', value: a.ghsaId }, ...(a.cveId ? [{ type: 'CVE', value: a.cveId }] : [])],
      state: a.state,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
      published_at: a.publishedAt,
      closed_at: a.state === 'closed' ? a.updatedAt : null,
      withdrawn_at: a.withdrawnAt,
      submission: a.reporter ? { accepted: a.state !== 'triage' } : null,
      vulnerabilities: a.vulnerabilities.map((v) => ({
        package: { ecosystem: v.ecosystem, name: v.package },
        vulnerable_version_range: v.vulnerableRange,
        patched_versions: v.patched,
        vulnerable_functions: [],
      })),
      cvss: a.cvssVector || a.cvssScore !== null ? { vector_string: a.cvssVector, score: a.cvssScore } : null,
      cwes: a.cweIds.map((id) => ({ cwe_id: id, name: `Weakness ${id}` })),
      cwe_ids: a.cweIds,
      credits: a.reporter ? [{ login: a.reporter, type: 'reporter' }] : [],
      credits_detailed: a.reporter ? [{ user: user(a.reporter), type: 'reporter', state: 'accepted' }] : [],
      collaborating_users: null,
      collaborating_teams: null,
      private_fork: fork ? { ...repoJson(fork), url: `${base}/repos/${fork.path}` } : null,
    };
  };

  /**
   * The advisory fields of a create or update request, checked as GitHub checks them: a known ecosystem for every
   * vulnerability, and a severity or a CVSS vector, never both. Answers the fields or a 422.
   */
  const advisoryFields = (body: Record<string, unknown>): Parameters<MemoryStore['updateAdvisory']>[2] | Reply => {
    const fields: Parameters<MemoryStore['updateAdvisory']>[2] = {};
    if (body.severity != null && body.cvss_vector_string != null)
      return invalid('You must choose between setting severity or cvss_vector_string');
    if (typeof body.summary === 'string') fields.summary = body.summary;
    if (typeof body.description === 'string') fields.description = body.description;
    if (typeof body.cve_id === 'string' || body.cve_id === null) fields.cveId = body.cve_id;
    if (Array.isArray(body.cwe_ids)) fields.cweIds = body.cwe_ids.map(String);
    if (typeof body.cvss_vector_string === 'string') fields.cvssVector = body.cvss_vector_string;
    else if (body.severity !== undefined) fields.severity = body.severity as StoredAdvisory['severity'];
    if (body.vulnerabilities !== undefined) {
      if (!Array.isArray(body.vulnerabilities)) return invalid('vulnerabilities must be an array');
      const list: StoredAdvisory['vulnerabilities'] = [];
      for (const item of body.vulnerabilities as Array<Record<string, any>>) {
        const ecosystem = item?.package?.ecosystem;
        if (typeof ecosystem !== 'string' || !ECOSYSTEMS.has(ecosystem)) return invalid('unknown package ecosystem');
        list.push({
          ecosystem: ecosystem as StoredAdvisory['vulnerabilities'][number]['ecosystem'],
          package: typeof item.package.name === 'string' ? item.package.name : null,
          vulnerableRange: typeof item.vulnerable_version_range === 'string' ? item.vulnerable_version_range : null,
          patched: typeof item.patched_versions === 'string' ? item.patched_versions : null,
        });
      }
      fields.vulnerabilities = list;
    }
    if (body.state !== undefined) {
      if (body.state !== 'published' && body.state !== 'closed' && body.state !== 'draft')
        return invalid('state must be published, closed or draft');
      fields.state = body.state;
    }
    return fields;
  };
  const isReply = (value: unknown): value is Reply => typeof (value as Reply).status === 'number';

  /** GitHub addresses a comment by repository and id only: the issue of the repository it belongs to. */
  const issueOfComment = (project: string, id: number): Issue | undefined =>
    store.allIssues(project).find((i) => store.listComments(i.ref).some((c) => c.id === id));

  /** One page of a list and GitHub's `Link` header (`next`/`last`, `prev`/`first`); `cap` limits the pages offered. */
  const pageOf = (
    items: unknown[],
    url: URL,
    cap = Infinity,
  ): { offset: number; slice: unknown[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(Math.min(items.length, cap) / perPage));
    const at = (n: number): string => {
      const target = new URL(url);
      target.searchParams.set('page', String(n));
      return `<${target.href}>`;
    };
    const links: string[] = [];
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
    return {
      offset: (page - 1) * perPage,
      slice: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  };

  /** One page of a list, with GitHub's `Link` header. */
  const paginate = (items: unknown[], url: URL): Reply => {
    const { slice, headers } = pageOf(items, url);
    return { status: 200, body: slice, headers };
  };

  /**
   * `GET /search/issues` for exactly the query the adapter sends: `is:issue`, `is:open` (or `is:closed`),
   * `label:"name"` (or a bare label) and `user:<owner>`, in any order. Anything else answers 422, so that a change
   * in the adapter's query shows here rather than passing silently.
   */
  const searchIssues = (url: URL): Reply => {
    const q = url.searchParams.get('q') ?? '';
    let state: 'open' | 'closed' | 'all' = 'all';
    let isIssue = false;
    let owner: string | undefined;
    const labels: string[] = [];
    for (const [token] of q.matchAll(/\S+:"[^"]*"|\S+/g)) {
      const { qualifier = '', rawValue = '' } = /^(?<qualifier>[a-z]+):(?<rawValue>.*)$/.exec(token)?.groups ?? {};
      const value = rawValue.replace(/^"(?<inner>.*)"$/, '$<inner>');
      if (qualifier === 'is' && value === 'issue') isIssue = true;
      else if (qualifier === 'is' && (value === 'open' || value === 'closed')) state = value;
      else if (qualifier === 'label' && value !== '') labels.push(value);
      else if (qualifier === 'user' && value !== '' && owner === undefined) owner = value.toLowerCase();
      else return invalidSearch(`the fake does not support "${token}" in q`);
    }
    if (!isIssue || owner === undefined) return invalidSearch('the fake needs is:issue and user:<owner> in q');
    const found = store
      .listAllIssues({ labels, state })
      .filter((i) => i.ref.project.split('/')[0]!.toLowerCase() === owner);
    // Best match is GitHub's default order; the fake knows creation order only, and honours `order`.
    found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
    if (url.searchParams.get('sort') === 'created' && url.searchParams.get('order') === 'desc') found.reverse();
    const { offset, slice, headers } = pageOf(found, url, SEARCH_CAP);
    if (offset >= SEARCH_CAP) return invalidSearch('Only the first 1000 search results are available');
    return {
      status: 200,
      body: {
        total_count: found.length,
        incomplete_results: false,
        items: slice.slice(0, SEARCH_CAP - offset).map((i) => issueJson(i as Issue)),
      },
      headers,
    };
  };

  const labelJson = (project: string, label: { id: number; name: string }) => ({
    id: label.id,
    node_id: `LA_fake${label.id}`,
    url: `${base}/repos/${project}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: 'ededed',
    default: false,
    description: null,
  });

  /** An issue as GraphQL answers the fields the adapter asks `createIssue` for; a bot's login without `[bot]`. */
  const graphqlIssueJson = (issue: Issue) => ({
    id: `I_fake${issue.id}`,
    databaseId: issue.id,
    number: issue.ref.number,
    title: issue.title,
    body: issue.body,
    url: issue.webUrl,
    state: issue.state === 'closed' ? 'CLOSED' : 'OPEN',
    locked: issue.locked,
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    author: {
      __typename: issue.author.endsWith('[bot]') ? 'Bot' : 'User',
      login: issue.author.replace(/\[bot\]$/, ''),
    },
    labels: { nodes: issue.labels.map((name) => ({ name })) },
    assignees: { nodes: issue.assignees.map((login) => ({ login })) },
  });

  /**
   * GraphQL `createIssue(input: $input)`: the repository, labels, assignees and parent resolved by their node ids in
   * the store; with `parentIssueId` the issue is a sub-issue from the start (within one owner, as on GitHub). Without
   * `parentIssueId` in the schema (`options.parentIssueId: false`), naming it is a validation error: nothing is made.
   */
  const createIssueGraphql = (variables: Record<string, unknown>): Reply => {
    const input = (variables.input ?? {}) as Record<string, unknown>;
    if (options.parentIssueId === false && 'parentIssueId' in input)
      return {
        status: 200,
        body: {
          errors: [
            {
              message:
                'Variable $input of type CreateIssueInput! was provided invalid value for parentIssueId ' +
                '(Field is not defined on CreateIssueInput)',
              locations: [{ line: 1, column: 33 }],
              extensions: {
                value: input,
                problems: [{ path: ['parentIssueId'], explanation: 'Field is not defined on CreateIssueInput' }],
              },
            },
          ],
        },
      };
    const fail = (type: string, message: string): Reply => ({
      status: 200,
      body: { data: { createIssue: null }, errors: [{ type, path: ['createIssue'], message }] },
    });
    const unresolved = (id: unknown) => fail('NOT_FOUND', `Could not resolve to a node with the global id of '${id}'`);
    const idOf = (prefix: string, value: unknown): number | undefined => {
      const match = new RegExp(`^${prefix}(?<n>\\d+)$`).exec(String(value))?.groups;
      return match ? Number(match.n) : undefined;
    };
    const repository = store.projectById(idOf('R_fake', input.repositoryId) ?? -1);
    if (!repository) return unresolved(input.repositoryId);
    if (typeof input.title !== 'string' || input.title === '') return fail('UNPROCESSABLE', 'Title cannot be blank');
    const labels: string[] = [];
    for (const labelId of Array.isArray(input.labelIds) ? input.labelIds : []) {
      const label = store.labelById(idOf('LA_fake', labelId) ?? -1);
      if (!label || label.project.toLowerCase() !== repository.path.toLowerCase()) return unresolved(labelId);
      labels.push(label.name);
    }
    const assignees: string[] = [];
    for (const userId of Array.isArray(input.assigneeIds) ? input.assigneeIds : []) {
      const login = logins.get(String(userId));
      if (!login) return unresolved(userId);
      assignees.push(login);
    }
    let parent: Issue | undefined;
    if (input.parentIssueId !== undefined) {
      parent = store.issueById(idOf('I_fake', input.parentIssueId) ?? -1);
      if (!parent) return unresolved(input.parentIssueId);
      if (parent.ref.project.split('/')[0]!.toLowerCase() !== repository.path.split('/')[0]!.toLowerCase())
        return fail('UNPROCESSABLE', 'Sub-issues must belong to the same owner as their parent');
    }
    const issue = store.createIssue(
      repository.path,
      {
        title: input.title,
        body: typeof input.body === 'string' ? input.body : '',
        labels,
        confidential: false,
        ...(assignees.length > 0 ? { assignees } : {}),
      },
      actor,
    );
    if (parent) store.link(parent.ref, issue.ref);
    return { status: 200, body: { data: { createIssue: { issue: graphqlIssueJson(issue) } } } };
  };

  const routes: Route[] = [
    // App authentication, for a real Probot app pointed at the fake.
    ['GET', /^\/app$/, () => ({ status: 200, body: { id: 1, slug, name: slug, owner: user('incident-desk') } })],
    [
      'POST',
      /^\/app\/installations\/(\d+)\/access_tokens$/,
      ({ params }) => {
        // Until `setInstallations`, any installation id gets a token (tests that name their own).
        const id = Number(params[0]);
        const installation = installations === null ? { id } : installations.find((i) => i.id === id);
        if (!installation) return notFound();
        if ('suspended' in installation && installation.suspended)
          return { status: 403, body: { message: 'This installation has been suspended' } };
        return {
          status: 201,
          body: {
            token: `ghs_fake_${installation.id}`,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            permissions: { issues: 'write', contents: 'read', metadata: 'read', members: 'read' },
            repository_selection: 'all',
          },
        };
      },
    ],
    [
      'GET',
      /^\/app\/installations$/,
      ({ url, headers }) => {
        const listed = installationsNow().map((installation) => ({
          id: installation.id,
          account: user(installation.account),
          app_id: 1,
          app_slug: slug,
          target_type: 'Organization',
          repository_selection: 'all',
          permissions: { issues: 'write', contents: 'read', metadata: 'read', members: 'read' },
          events: ['issues', 'issue_comment'],
          suspended_at: installation.suspended ? '2026-11-20T00:00:00Z' : null,
        }));
        const reply = paginate(listed, url);
        // GitHub's validator of the page: asked with it while unchanged, answered 304 without a body.
        const etag = `"${createHash('sha1').update(JSON.stringify(reply.body)).digest('hex')}"`;
        if (headers['if-none-match'] === etag) return { status: 304, headers: { ...reply.headers, etag } };
        return { ...reply, headers: { ...reply.headers, etag } };
      },
    ],
    [
      `GET`,
      new RegExp(`^${REPO}/installation$`),
      ({ params }) => {
        if (!store.hasProject(projectOf(params))) return notFound();
        return {
          status: 200,
          body: { id: 1, app_id: 1, app_slug: slug, account: user(params[0]!), permissions: {}, events: [] },
        };
      },
    ],

    [
      'GET',
      new RegExp(`^${REPO}$`),
      ({ params }) => ({ status: 200, body: repoJson(store.getProject(projectOf(params))) }),
    ],

    // A repository's labels: those created, and every label named on one of its issues (which creates it on GitHub).
    [
      'GET',
      new RegExp(`^${REPO}/labels$`),
      ({ params, url }) => {
        const project = projectOf(params);
        return paginate(
          store.labelsOf(project).map((label) => labelJson(project, label)),
          url,
        );
      },
    ],
    [
      'GET',
      new RegExp(`^${REPO}/labels/([^/]+)$`),
      ({ params }) => {
        const project = projectOf(params);
        const label = store.labelsOf(project).find((l) => l.name.toLowerCase() === params[2]!.toLowerCase());
        return label ? { status: 200, body: labelJson(project, label) } : notFound();
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/labels$`),
      ({ params, body }) => {
        const project = projectOf(params);
        if (typeof body.name !== 'string' || body.name === '') return invalid('name is missing');
        const label = store.createLabel(project, body.name);
        if (!label)
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
              documentation_url: 'https://docs.github.com/rest/issues/labels#create-a-label',
            },
          };
        return { status: 201, body: labelJson(project, label) };
      },
    ],

    // A user by login (the app looks its own bot user up to learn its id); everyone exists, with the payloads' ids.
    [
      'GET',
      /^\/users\/([^/]+)$/,
      ({ params }) => ({ status: 200, body: { ...user(params[0]!), node_id: `U_fake${githubUserId(params[0]!)}` } }),
    ],

    // Issues: GitHub's defaults are state=open, sort=created, direction=desc.
    [
      'GET',
      new RegExp(`^${REPO}/issues$`),
      ({ params, url }) => {
        const q = url.searchParams;
        const labels = (q.get('labels') ?? '').split(',').filter((l) => l !== '');
        const state = (q.get('state') ?? 'open') as 'open' | 'closed' | 'all';
        const issues = store.listIssues(projectOf(params), { labels, state });
        if (q.get('direction') !== 'asc') issues.reverse();
        return paginate(issues.map(issueJson), url);
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/issues$`),
      ({ params, body }) => {
        if (typeof body.title !== 'string' || body.title === '') return invalid('title is missing');
        if (body.assignees !== undefined && !Array.isArray(body.assignees))
          return invalid('assignees must be an array of logins');
        // As on PATCH, the fake lets anyone be assigned.
        const issue = store.createIssue(
          projectOf(params),
          {
            title: body.title,
            body: typeof body.body === 'string' ? body.body : '',
            labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
            confidential: false,
            ...(Array.isArray(body.assignees) ? { assignees: body.assignees.map(String) } : {}),
          },
          actor,
        );
        return { status: 201, body: issueJson(issue) };
      },
    ],
    [
      'GET',
      new RegExp(`^${REPO}/issues/(\\d+)$`),
      ({ params }) => ({ status: 200, body: issueJson(store.issue(refOf(params))) }),
    ],
    [
      'PATCH',
      new RegExp(`^${REPO}/issues/(\\d+)$`),
      ({ params, body }) => {
        const patch: Parameters<MemoryStore['updateIssue']>[1] = {};
        if (typeof body.title === 'string') patch.title = body.title;
        if (typeof body.body === 'string' || body.body === null) patch.body = body.body ?? '';
        if (Array.isArray(body.labels)) patch.labels = body.labels.map(String);
        if (body.state === 'open' || body.state === 'closed') patch.state = body.state;
        // The complete set of logins; `[]` clears it. The fake lets anyone be assigned.
        if (Array.isArray(body.assignees)) patch.assignees = body.assignees.map(String);
        else if (body.assignees !== undefined) return invalid('assignees must be an array of logins');
        return { status: 200, body: issueJson(store.updateIssue(refOf(params), patch, actor)) };
      },
    ],
    // Labels added to an issue (`{ labels: [...] }`): as on GitHub, a name the repository lacks is created (the store
    // registers every label named on an issue); the answer is every label the issue now has.
    [
      'POST',
      new RegExp(`^${REPO}/issues/(\\d+)/labels$`),
      ({ params, body }) => {
        if (!Array.isArray(body.labels) || body.labels.length === 0) return invalid('labels must be a non-empty array');
        const ref = refOf(params);
        const current = store.issue(ref).labels;
        const known = new Set(current.map((l) => l.toLowerCase()));
        const added = body.labels.map(String).filter((l) => !known.has(l.toLowerCase()));
        const issue =
          added.length > 0 ? store.updateIssue(ref, { labels: [...current, ...added] }, actor) : store.issue(ref);
        const byName = new Map(store.labelsOf(ref.project).map((l) => [l.name.toLowerCase(), l]));
        return {
          status: 200,
          body: issue.labels.flatMap((name) => {
            const label = byName.get(name.toLowerCase());
            return label ? [labelJson(ref.project, label)] : [];
          }),
        };
      },
    ],
    [
      'PUT',
      new RegExp(`^${REPO}/issues/(\\d+)/lock$`),
      ({ params }) => {
        store.lock(refOf(params));
        return { status: 204 };
      },
    ],

    [
      'DELETE',
      new RegExp(`^${REPO}/issues/(\\d+)/lock$`),
      ({ params }) => {
        store.unlock(refOf(params));
        return { status: 204 };
      },
    ],

    // Repository security advisories: a repository's (newest first, by state), an organisation's, one by GHSA id.
    [
      'GET',
      new RegExp(`^${REPO}/security-advisories$`),
      ({ params, url }) => {
        const state = url.searchParams.get('state') ?? undefined;
        const list = store.listAdvisories(projectOf(params), state ? { state: state as 'draft' } : {});
        return paginate(list.map(advisoryJson), url);
      },
    ],
    [
      'GET',
      /^\/orgs\/([^/]+)\/security-advisories$/,
      ({ params, url }) => {
        const state = url.searchParams.get('state') ?? undefined;
        const list = store.listAdvisories(params[0]!, state ? { state: state as 'draft' } : {});
        return paginate(list.map(advisoryJson), url);
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/security-advisories$`),
      ({ params, body }) => {
        if (typeof body.summary !== 'string' || body.summary === '') return invalid('summary is missing');
        if (typeof body.description !== 'string') return invalid('description is missing');
        if (!Array.isArray(body.vulnerabilities)) return invalid('vulnerabilities is missing');
        const fields = advisoryFields(body);
        if (isReply(fields)) return fields;
        const created = store.createAdvisory(
          projectOf(params),
          {
            summary: body.summary,
            description: body.description,
            vulnerabilities: [],
          },
          actor,
        );
        const { state: _state, ...rest } = fields;
        return { status: 201, body: advisoryJson(store.updateAdvisory(created.repository, created.ghsaId, rest)) };
      },
    ],
    [
      'GET',
      new RegExp(`^${REPO}/security-advisories/${GHSA_ID}$`),
      ({ params }) => ({ status: 200, body: advisoryJson(store.advisory(projectOf(params), params[2]!)) }),
    ],
    [
      'PATCH',
      new RegExp(`^${REPO}/security-advisories/${GHSA_ID}$`),
      ({ params, body }) => {
        const fields = advisoryFields(body);
        if (isReply(fields)) return fields;
        return { status: 200, body: advisoryJson(store.updateAdvisory(projectOf(params), params[2]!, fields)) };
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/security-advisories/${GHSA_ID}/cve$`),
      ({ params }) => {
        const advisory = store.advisory(projectOf(params), params[2]!);
        if (advisory.cveId) return invalid('This advisory already has a CVE ID');
        if (store.getProject(advisory.repository).visibility === 'private')
          return invalid('A CVE cannot be requested for a private repository');
        store.requestCve(advisory.repository, advisory.ghsaId);
        return { status: 202, body: {} };
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/security-advisories/${GHSA_ID}/forks$`),
      ({ params }) => {
        const fork = store.createFork(projectOf(params), params[2]!);
        return { status: 202, body: { ...repoJson(store.getProject(fork.path)), fork: true } };
      },
    ],

    // A person's role: 404 for anyone the store gives no access (GitHub's answer for an unknown user).
    [
      'GET',
      new RegExp(`^${REPO}/collaborators/([^/]+)/permission$`),
      ({ params }) => {
        const project = store.getProject(projectOf(params));
        const username = params[2]!;
        const level = store.accessOf(project.path, username);
        if (level === 'none') return notFound();
        return {
          status: 200,
          body: {
            permission: LEGACY_PERMISSION[level],
            role_name: level,
            user: { ...user(username), permissions: {} },
          },
        };
      },
    ],

    // Team membership (`isTeamMember`): active for anyone `store.addTeamMember` added, 404 for everyone else and for
    // unknown teams alike, as GitHub answers. The store has no nested teams and no pending invitations.
    [
      'GET',
      /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/,
      ({ params }) => {
        const [org, slug, username] = params as [string, string, string];
        if (!store.isTeamMember(`${org}/${slug}`, username)) return notFound();
        return {
          status: 200,
          body: { url: `${base}/orgs/${org}/teams/${slug}/memberships/${username}`, role: 'member', state: 'active' },
        };
      },
    ],

    ['GET', /^\/search\/issues$/, ({ url }) => searchIssues(url)],

    // An issue's events, oldest first: labels added and removed (those given at the opening included), retitles.
    [
      'GET',
      new RegExp(`^${REPO}/issues/(\\d+)/events$`),
      ({ params, url }) => {
        const ref = refOf(params);
        const events = store.changesOf(ref).flatMap((c): Array<Record<string, unknown>> => {
          const base = { id: c.id, node_id: `E_fake${c.id}`, actor: user(c.by), created_at: c.at };
          if (c.kind === 'label-added' || c.kind === 'label-removed')
            return [
              {
                ...base,
                event: c.kind === 'label-added' ? 'labeled' : 'unlabeled',
                label: { name: c.label, color: 'ffffff' },
              },
            ];
          if (c.kind === 'title' && !c.opening)
            return [{ ...base, event: 'renamed', rename: { from: c.from, to: c.to } }];
          return [];
        });
        return paginate(events, url);
      },
    ],

    // Comments.
    [
      'GET',
      new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
      ({ params, url }) => {
        const ref = refOf(params);
        return paginate(
          store.listComments(ref).map((c) => commentJson(ref, c)),
          url,
        );
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
      ({ params, body }) => {
        if (typeof body.body !== 'string') return invalid('body is missing');
        const ref = refOf(params);
        return { status: 201, body: commentJson(ref, store.createComment(ref, body.body, actor)) };
      },
    ],
    [
      'GET',
      new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
      ({ params }) => {
        const id = Number(params[2]);
        const issue = issueOfComment(projectOf(params), id);
        if (!issue) return notFound();
        return { status: 200, body: commentJson(issue.ref, store.comment(issue.ref, id)) };
      },
    ],
    [
      'PATCH',
      new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
      ({ params, body }) => {
        if (typeof body.body !== 'string') return invalid('body is missing');
        const id = Number(params[2]);
        const issue = issueOfComment(projectOf(params), id);
        if (!issue) return notFound();
        return { status: 200, body: commentJson(issue.ref, store.updateComment(issue.ref, id, body.body)) };
      },
    ],

    // Sub-issues: a duplicate answers GitHub's 422.
    [
      'POST',
      new RegExp(`^${REPO}/issues/(\\d+)/sub_issues$`),
      ({ params, body }) => {
        const parent = store.issue(refOf(params));
        const child = typeof body.sub_issue_id === 'number' ? store.issueById(body.sub_issue_id) : undefined;
        if (!child) return notFound();
        if (!store.link(parent.ref, child.ref)) return invalid(DUPLICATE_SUB_ISSUE);
        return { status: 201, body: issueJson(store.issue(parent.ref)) };
      },
    ],

    // Check runs need *Checks: write*: without it GitHub answers 403 (the store's `checksDenied`).
    [
      'POST',
      new RegExp(`^${REPO}/check-runs$`),
      ({ params, body }) => {
        const project = projectOf(params);
        if (!store.hasProject(project)) return notFound();
        if (store.checksDenied)
          return {
            status: 403,
            body: {
              message: 'Resource not accessible by integration',
              documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
            },
          };
        const output = (body.output ?? {}) as { title?: string; summary?: string; annotations?: unknown[] };
        if (typeof body.name !== 'string' || typeof body.head_sha !== 'string' || !output.title || !output.summary)
          return invalid('name, head_sha and output.title and summary are required');
        if ((output.annotations ?? []).length > 50) return invalid('at most 50 annotations per request');
        const annotations = (output.annotations ?? []).map((raw) => {
          const a = raw as Record<string, unknown>;
          return {
            path: String(a.path),
            line: Number(a.start_line),
            ...(typeof a.start_column === 'number' ? { column: a.start_column } : {}),
            message: String(a.message),
          };
        });
        store.commitReports.push({
          project,
          sha: body.head_sha,
          kind: 'check-run',
          state: String(body.conclusion),
          text: `${output.title}\n\n${output.summary}`,
          annotations,
        });
        return { status: 201, body: { id: store.commitReports.length, head_sha: body.head_sha, status: 'completed' } };
      },
    ],
    [
      'POST',
      new RegExp(`^${REPO}/commits/([0-9a-f]{40})/comments$`),
      ({ params, body }) => {
        const project = projectOf(params);
        if (!store.hasProject(project)) return notFound();
        if (typeof body.body !== 'string' || body.body === '') return invalid('body is missing');
        store.commitReports.push({ project, sha: params[2]!, kind: 'commit-comment', text: body.body });
        return { status: 201, body: { id: store.commitReports.length, commit_id: params[2], body: body.body } };
      },
    ],

    // Files on the default branch, base64 in 60-character lines as GitHub sends them.
    [
      'GET',
      new RegExp(`^${REPO}/contents/(.+)$`),
      ({ params, headers }) => {
        const path = params[2]!;
        const text = store.readFile(projectOf(params), path);
        if (text === null) return notFound();
        // GitHub's validator of the file's version: an unchanged file asked with it is answered 304, without a body.
        const etag = `"${createHash('sha1').update(text).digest('hex')}"`;
        if (headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
        const content = `${(
          Buffer.from(text, 'utf8')
            .toString('base64')
            .match(/.{1,60}/g) ?? []
        ).join('\n')}\n`;
        return {
          status: 200,
          headers: { etag },
          body: {
            type: 'file',
            encoding: 'base64',
            name: path.split('/').at(-1),
            path,
            size: Buffer.byteLength(text),
            content,
          },
        };
      },
    ],

    // GraphQL: the `deleteIssue` and `createIssue` mutations and an issue's `userContentEdits`. GraphQL answers 200
    // with typed errors.
    [
      'POST',
      /^\/graphql$/,
      ({ body }) => {
        const query = typeof body.query === 'string' ? body.query : '';
        if (/\buserContentEdits\s*\(/.test(query)) {
          const { owner, repo, number } = (body.variables ?? {}) as {
            owner?: unknown;
            repo?: unknown;
            number?: unknown;
          };
          const ref = { project: `${String(owner)}/${String(repo)}`, number: Number(number) };
          let edits: ReturnType<MemoryStore['changesOf']>;
          try {
            edits = store.changesOf(ref).filter((c) => c.kind === 'description' && !c.opening);
          } catch {
            return {
              status: 200,
              body: {
                data: { repository: null },
                errors: [{ type: 'NOT_FOUND', path: ['repository'], message: 'Could not resolve to a Repository' }],
              },
            };
          }
          const nodes = edits
            .slice(-100)
            .reverse()
            .map((c) => ({ editedAt: c.at, editor: { login: c.by, databaseId: githubUserId(c.by) } }));
          return { status: 200, body: { data: { repository: { issue: { userContentEdits: { nodes } } } } } };
        }
        if (/\bcreateIssue\s*\(/.test(query))
          return createIssueGraphql((body.variables ?? {}) as Record<string, unknown>);
        if (!/\bdeleteIssue\s*\(/.test(query))
          return {
            status: 200,
            body: { errors: [{ message: 'the fake serves createIssue, deleteIssue and userContentEdits only' }] },
          };
        const variables = (body.variables ?? {}) as { issueId?: unknown };
        const match = /^I_fake(?<id>\d+)$/.exec(String(variables.issueId))?.groups;
        const issue = match ? store.issueById(Number(match.id)) : undefined;
        const fail = (type: string, message: string): Reply => ({
          status: 200,
          body: { data: { deleteIssue: null }, errors: [{ type, path: ['deleteIssue'], message }] },
        });
        if (!issue)
          return fail('NOT_FOUND', `Could not resolve to a node with the global id of '${String(variables.issueId)}'`);
        if (!options.canDelete)
          return fail('FORBIDDEN', `${actor} does not have the correct permissions to execute \`DeleteIssue\``);
        store.deleteIssue(issue.ref);
        return { status: 200, body: { data: { deleteIssue: { clientMutationId: null } } } };
      },
    ],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // GitHub Enterprise Server serves the same API under /api/v3, and GraphQL at /api/graphql (how GHE_HOST points
    // Probot here).
    const url = new URL((req.url ?? '/').replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api(?=\/graphql\b)/, ''), base);
    const method = req.method ?? 'GET';
    const entry: FakeGitHub['requests'][number] = {
      method,
      path: url.pathname + url.search,
      ...(req.headers['if-none-match'] ? { conditional: true } : {}),
    };
    requests.push(entry);
    arrivals.push(Date.now());
    let reply: Reply;
    if (!req.headers.authorization) {
      reply = {
        status: 401,
        body: { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' },
      };
    } else if (tokenRefused(req.headers.authorization)) {
      // The token of an installation removed (or suspended) since it was made.
      reply = { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    } else {
      let body: Record<string, unknown> = {};
      try {
        body = await readJson(req);
      } catch {
        return send(res, { status: 400, body: { message: 'Problems parsing JSON' } });
      }
      if (method !== 'GET') entry.body = body;
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      // Decided before the route runs: a failed write is never applied, except for a lost answer.
      const fault = faults.decide(method, url.pathname + url.search);
      if (fault === 'stall') return stall(res, faults.stallMs);
      if (fault !== null && fault !== 'lost-answer') return sendGitHubFault(res, fault);
      reply = notFound();
      for (const [m, pattern, run] of routes) {
        const found = m === method ? pattern.exec(url.pathname) : null;
        if (!found) continue;
        try {
          reply = run({ params: found.slice(1).map((p) => decodeURIComponent(p)), url, body, headers: req.headers });
        } catch (error) {
          // The store throws 404 TrackerErrors for missing projects, issues and comments.
          reply =
            error instanceof TrackerError && error.status === 404
              ? notFound()
              : { status: 500, body: { message: String(error) } };
        }
        break;
      }
      if (fault === 'lost-answer') return stall(res, faults.stallMs);
    }
    entry.status = reply.status;
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    arrivals,
    faults,
    setInstallations: (list) => {
      installations = list.map((installation) => ({ ...installation }));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Octokit's fetch keeps connections alive; without this `close` would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** A fault as GitHub answers it: JSON errors, an HTML 502 from the edge, and both kinds of rate limit. */
function sendGitHubFault(res: ServerResponse, fault: Exclude<FaultKind, 'stall' | 'lost-answer'> | 'outage'): void {
  const json = (status: number, message: string, headers: Record<string, string> = {}) =>
    sendFault(res, status, JSON.stringify({ message, documentation_url: 'https://docs.github.com/rest' }), {
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    });
  switch (fault) {
    case '500':
      json(500, 'Server Error');
      return;
    case '502':
      sendFault(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
      return;
    case '503':
    case 'outage':
      json(503, 'Service Unavailable');
      return;
    case 'rate-limit':
      // The primary limit: the quota is spent until the reset, one second from now.
      json(429, 'API rate limit exceeded for installation ID 4242.', {
        'retry-after': '1',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      });
      return;
    case 'secondary-rate-limit':
      json(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', {
        'retry-after': '1',
      });
      return;
  }
}

function notFound(): Reply {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}

function invalidSearch(message: string): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Search', field: 'q', code: 'invalid', message }],
      documentation_url: 'https://docs.github.com/rest/search/search',
    },
  };
}

function invalid(message: string): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'custom', message }],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
}
