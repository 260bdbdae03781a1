import { Octokit } from '@octokit/rest';
import type { TrackerKind } from '../kernel/model.js';
import { GitHubTracker } from '../tracker/github/github-tracker.js';
import type { GitHubOctokit } from '../tracker/github/github-tracker.js';
import { createGitLabClient } from '../tracker/gitlab/client.js';
import { GitLabTracker } from '../tracker/gitlab/gitlab-tracker.js';
import type { Tracker } from '../tracker/port.js';
import { githubBaseUrl, privateKeyFrom } from '../server/env.js';
import type { ServerEnv } from '../server/env.js';
import type { Logger } from '../server/logger.js';
import { trackerFor } from './reconcile.js';
import type { ReconcileClients } from './reconcile.js';

/** A problem of the command line's own making (arguments, environment): said in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Which trackers the environment can reach, for the commands that read. */
export interface Reach {
  github: 'app' | 'token' | null;
  gitlab: boolean;
}

/** What the environment offers: the GitHub App, a GitHub token, a GitLab token. */
export async function reachOf(env: ServerEnv, cwd: string): Promise<Reach> {
  const key = env.APP_ID ? await privateKeyFrom(env, cwd) : undefined;
  return {
    github: env.APP_ID && key ? 'app' : env.GITHUB_TOKEN ? 'token' : null,
    gitlab: Boolean(env.GITLAB_URL && env.GITLAB_TOKEN),
  };
}

/**
 * A tracker that reads `project` for the commands that only read (`check-config`, `preview`): on GitHub as the app
 * (`APP_ID` and its private key, the installation on the project's owner) or else with a personal token
 * (`GITHUB_TOKEN`, through `@octokit/rest`); on GitLab with `GITLAB_URL` and `GITLAB_TOKEN`.
 */
export async function readingTracker(
  kind: TrackerKind,
  project: string,
  env: ServerEnv,
  options: { log: Logger; cwd: string; clients?: ReconcileClients },
): Promise<Tracker> {
  const reach = await reachOf(env, options.cwd);
  if (kind === 'gitlab') {
    if (!reach.gitlab) throw new UsageError('set GITLAB_URL and GITLAB_TOKEN to read a GitLab project');
    return new GitLabTracker(
      createGitLabClient({
        host: env.GITLAB_URL!,
        token: env.GITLAB_TOKEN!,
        ...options.clients?.gitlabClientOptions,
      }),
    );
  }
  if (reach.github === 'app') {
    return trackerFor({ tracker: 'github', ref: { project, number: 0 } }, env, options.log, options.clients);
  }
  if (reach.github === 'token') {
    const baseUrl = githubBaseUrl(env);
    const octokit = new Octokit({ auth: env.GITHUB_TOKEN, ...(baseUrl ? { baseUrl } : {}) });
    // The adapter's reads need only `request` and `paginate`, which both clients have alike.
    return new GitHubTracker(octokit as unknown as GitHubOctokit, { account: project.split('/')[0] ?? '' });
  }
  throw new UsageError(
    'set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH), or GITHUB_TOKEN for reading, to read a GitHub repository',
  );
}
