/** Defensive readers for webhook payloads and API answers: shapes are checked, never assumed. */

/** The value as a plain object, or null. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** A positive safe integer id. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** A string with at least one character. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * The files a push changed, from its commits' `added`, `modified` and `removed` lists (the same on GitHub and GitLab);
 * null when the payload cannot tell: no commit list, one path list missing, or fewer commits listed than pushed.
 */
export function changedPaths(commits: unknown, pushed: number): string[] | null {
  if (!Array.isArray(commits) || commits.length === 0 || commits.length < pushed) return null;
  const paths = new Set<string>();
  for (const commit of commits) {
    for (const list of ['added', 'modified', 'removed'] as const) {
      const files = asRecord(commit)?.[list];
      if (!Array.isArray(files)) return null;
      for (const file of files) if (typeof file === 'string') paths.add(file);
    }
  }
  return [...paths];
}

/** A commit id as pushes name it (SHA-1 or SHA-256); a deleted branch's all-zero id is none. */
export function commitSha(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value) || /^0+$/.test(value))
    return undefined;
  return value;
}
