import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/kernel/model.js';
import { normalizeGitHubPush } from '../../src/tracker/github/normalize.js';
import { normalizeGitLabPush } from '../../src/tracker/gitlab/normalize.js';
import { pushPayload } from '../support/push.js';

const project: Project = {
  path: 'acme/app',
  id: 7,
  visibility: 'private',
  webUrl: 'https://x/acme/app',
  defaultBranch: 'main',
};
const SHA = 'b'.repeat(40);

describe('a push names the commit the configuration check is written on', () => {
  it.each(['github', 'gitlab'] as const)('%s: the head commit after the push', (kind) => {
    const payload = pushPayload(kind, project, ['.github/incident-desk.yml'], { sha: SHA });
    const change = kind === 'github' ? normalizeGitHubPush(payload) : normalizeGitLabPush(payload);
    expect(change).toMatchObject({ tracker: kind, project: 'acme/app', sha: SHA });
  });

  it.each([
    ['a deleted branch (all zeros)', '0'.repeat(40)],
    ['not a commit id', 'main'],
  ])('github: none for %s', (_name, after) => {
    const payload = { ...pushPayload('github', project, ['README.md']), after };
    expect(normalizeGitHubPush(payload)?.sha).toBeUndefined();
  });

  it("gitlab: GitLab's checkout_sha, else after", () => {
    const payload = { ...pushPayload('gitlab', project, ['README.md']), checkout_sha: null, after: SHA };
    expect(normalizeGitLabPush(payload)?.sha).toBe(SHA);
  });
});
