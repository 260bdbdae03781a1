import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The secret tokens GitLab's hooks may carry, from the server's environment only: `GITLAB_WEBHOOK_SECRET` (every
 * project without a secret of its own) and `GITLAB_WEBHOOK_SECRETS`, a JSON object from a project or group path to its
 * secret, or to a list of secrets while one is being rotated:
 *
 * ```json
 * {"sec/incidents": "s3cret-of-the-incident-project", "acme": ["new-group-secret", "old-group-secret"]}
 * ```
 *
 * The key `*` adds secrets to the global one (to rotate `GITLAB_WEBHOOK_SECRET` without a gap).
 *
 * A delivery is checked against the most specific entry for the project its payload names (`acme/web` is governed by
 * `acme/web`, else `acme`, else the global secret): a project or group with an entry of its own accepts only that
 * entry's secrets, so the global secret, known to every maintainer who registers a hook with it, cannot forge its
 * events. Repository configuration files have no say here: they are read after a delivery is accepted, their
 * text is readable by everyone who can read the repository, and a project's file could otherwise name the secret of
 * another project.
 */
export interface WebhookSecrets {
  /** The secrets a delivery about the project at `path` must carry one of (null: no project named). */
  forProject(path: string | null): string[];
  /** Every configured secret: a token that matches none of them is refused before the body is read. */
  all(): string[];
}

/** `GITLAB_WEBHOOK_SECRETS` cannot be read. Says where, never what (the text holds secrets). */
export class WebhookSecretsError extends Error {
  override readonly name = 'WebhookSecretsError';
}

/** A project or group path: segments of letters, digits, `_`, `.`, `-`, none of them `.` or `..`. */
const PATH = /^(?!(?:.*\/)?\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/**
 * The secrets from the environment's two variables; throws a `WebhookSecretsError` when `GITLAB_WEBHOOK_SECRETS` is
 * not a JSON object of paths to non-empty secrets (or lists of them), or when neither variable gives any secret.
 */
export function parseWebhookSecrets(global: string | undefined, map: string | undefined): WebhookSecrets {
  const globals: string[] = global ? [global] : [];
  const entries = new Map<string, string[]>();
  if (map !== undefined && map.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(map);
    } catch {
      throw new WebhookSecretsError(
        'GITLAB_WEBHOOK_SECRETS is not valid JSON (expected an object of project or group paths to secrets)',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new WebhookSecretsError(
        'GITLAB_WEBHOOK_SECRETS must be a JSON object of project or group paths to secrets',
      );
    }
    for (const [path, value] of Object.entries(parsed as Record<string, unknown>)) {
      const secrets = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
      if (path !== '*' && !PATH.test(path))
        throw new WebhookSecretsError(
          `GITLAB_WEBHOOK_SECRETS: ${JSON.stringify(path.slice(0, 100))} is not a project or group path`,
        );
      if (!secrets || secrets.length === 0 || !secrets.every((s): s is string => typeof s === 'string' && s !== '')) {
        throw new WebhookSecretsError(
          `GITLAB_WEBHOOK_SECRETS: the entry for ${path} must be a secret or a list of secrets`,
        );
      }
      if (path === '*') {
        globals.push(...secrets);
        continue;
      }
      const key = path.toLowerCase();
      if (entries.has(key)) throw new WebhookSecretsError(`GITLAB_WEBHOOK_SECRETS: ${path} is given twice`);
      entries.set(key, [...secrets]);
    }
  }
  if (globals.length === 0 && entries.size === 0)
    throw new WebhookSecretsError('no GitLab webhook secret: set GITLAB_WEBHOOK_SECRET or GITLAB_WEBHOOK_SECRETS');
  const every = [...globals, ...[...entries.values()].flat()];
  return {
    forProject(path: string | null): string[] {
      if (path) {
        const segments = path.toLowerCase().split('/');
        for (let n = segments.length; n > 0; n -= 1) {
          const found = entries.get(segments.slice(0, n).join('/'));
          if (found) return found;
        }
      }
      return globals;
    },
    all: () => every,
  };
}

/** Compares two secrets in constant time, whatever their lengths. */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** True when `given` matches one of `secrets`; every one is compared, in constant time, whichever matches. */
export function matchesAny(given: string, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) matched = secretsMatch(given, secret) || matched;
  return matched;
}
