/**
 * What the trackers' clients tell about their requests, for the server's metrics. Never incident content: a request is
 * named by its method and a route template in which every part that is not a word of the trackers' APIs is `{}`.
 */

/** Told of every request a client makes. */
export interface RequestObserver {
  /** A request answered with `status` (0: no answer: a timeout or a lost connection). */
  request(method: string, route: string, status: number): void;
  /** A request sent again after a failure. */
  retry(): void;
  /** A wait a rate limit asked for (429, `Retry-After`, GitHub's primary and secondary limits). */
  rateLimitWait(): void;
}

/**
 * The words of the GitHub and GitLab API paths the adapters use: every other part of a path (an owner, a project, a
 * number, a label, a file path, a username) becomes `{}`, so no name or content reaches a metric.
 */
const API_WORDS = new Set([
  'api',
  'v3',
  'v4',
  'app',
  'installation',
  'installations',
  'access_tokens',
  'repos',
  'repositories',
  'issues',
  'comments',
  'labels',
  'events',
  'timeline',
  'lock',
  'sub_issues',
  'assignees',
  'collaborators',
  'permission',
  'contents',
  'orgs',
  'teams',
  'memberships',
  'members',
  'all',
  'users',
  'user',
  'search',
  'graphql',
  'check-runs',
  'commits',
  'statuses',
  'projects',
  'groups',
  'notes',
  'links',
  'resource_label_events',
  'repository',
  'files',
  'raw',
  'branches',
  'discussions',
  'award_emoji',
]);

/**
 * A path as a route template: the query and host dropped, `{placeholder}` kept, every part that is not an API word
 * `{}` (`/repos/{owner}/{repo}/issues/12` → `/repos/{owner}/{repo}/issues/{}`,
 * `/api/v4/projects/acme%2Fweb/issues/3/notes` → `/api/v4/projects/{}/issues/{}/notes`).
 */
export function routeTemplate(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0] ?? '';
  const parts = path.split('/').map((part) => {
    if (part === '') return part;
    if (/^\{[+A-Za-z_]+\}$/.test(part)) return part;
    return API_WORDS.has(part) ? part : '{}';
  });
  // A file path's many parts are one value.
  return parts.join('/').replace(/(?:\/\{\})+(?=\/|$)/g, '/{}') || '/';
}
