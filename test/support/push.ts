import type { Project, TrackerKind } from '../../src/kernel/model.js';

/** What a scenario's push is: the files it changed (as the store now holds them), its branch and head commit. */
export interface PushOptions {
  /** The project pushed to: the incident project unless given (in the harness). */
  project?: string;
  /** The project's default branch unless given. */
  branch?: string;
  /** The pushed head commit; a fixed one unless given. */
  sha?: string;
}

export const PUSHED_SHA = 'f'.repeat(40);

/** A push of one commit changing `paths`, as GitHub (`push`) or GitLab (`Push Hook`) delivers it. */
export function pushPayload(kind: TrackerKind, project: Project, paths: string[], options: PushOptions = {}) {
  const branch = options.branch ?? project.defaultBranch;
  const sha = options.sha ?? PUSHED_SHA;
  const commit = { id: sha, message: 'Change files', added: [], modified: paths, removed: [] };
  if (kind === 'github')
    return {
      ref: `refs/heads/${branch}`,
      before: 'e'.repeat(40),
      after: sha,
      forced: false,
      repository: {
        id: project.id,
        full_name: project.path,
        name: project.path.split('/').at(-1),
        default_branch: project.defaultBranch,
        private: project.visibility !== 'public',
      },
      commits: [commit],
      head_commit: commit,
      installation: { id: 4242 },
      sender: { login: 'alice', id: 1, type: 'User' },
    };
  return {
    object_kind: 'push',
    event_name: 'push',
    ref: `refs/heads/${branch}`,
    before: 'e'.repeat(40),
    after: sha,
    checkout_sha: sha,
    user_username: 'alice',
    project_id: project.id,
    project: { id: project.id, path_with_namespace: project.path, default_branch: project.defaultBranch },
    total_commits_count: 1,
    commits: [commit],
  };
}
