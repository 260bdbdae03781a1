import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGitLabClient } from '../tracker/gitlab/client.js';
import { GitLabTracker } from '../tracker/gitlab/gitlab-tracker.js';
import type { PushEvent } from '../kernel/events.js';
import type { Tracker } from '../tracker/port.js';
import { json } from './composition.js';
import type { Composed, CompositionDeps, SelfCheck } from './composition.js';
import { trackerStateKeys } from './env.js';
import type { ServerEnv } from './env.js';
import { createGitLabRoute } from './gitlab-route.js';
import { parseWebhookSecrets, WebhookSecretsError } from './webhook-secrets.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { queueKey } from './work-queue.js';

/**
 * GitLab from `GITLAB_URL`, `GITLAB_TOKEN` and the webhook secrets (`GITLAB_WEBHOOK_SECRET`, `GITLAB_WEBHOOK_SECRETS`):
 * one tracker for every delivery and for the sweep, the route on `POST /api/gitlab/webhooks` (token checked), and the
 * app's own GitLab user (events by it are never answered). Secrets that cannot be read leave the route unserved.
 */
export function composeGitLab(env: ServerEnv, deps: CompositionDeps): Composed {
  const { log, queue, handle, settleOrdinary, overrides, logFor, metrics, files, push } = deps;
  let gitlabSecrets: WebhookSecrets | undefined;
  if (env.GITLAB_WEBHOOK_SECRET || env.GITLAB_WEBHOOK_SECRETS) {
    try {
      gitlabSecrets = parseWebhookSecrets(env.GITLAB_WEBHOOK_SECRET, env.GITLAB_WEBHOOK_SECRETS);
    } catch (error) {
      // Fail closed: the route is not served rather than served with fewer secrets than meant. The message names no
      // secret.
      if (!(error instanceof WebhookSecretsError)) throw error;
      log.error({ err: { message: error.message } }, 'GitLab webhook secrets cannot be read');
    }
  }
  if (!env.GITLAB_URL || !env.GITLAB_TOKEN || !gitlabSecrets) {
    return {
      missing: 'GitLab: set GITLAB_URL, GITLAB_TOKEN, and GITLAB_WEBHOOK_SECRET or a valid GITLAB_WEBHOOK_SECRETS',
    };
  }
  const stateKeys = trackerStateKeys(env, 'gitlab', env.GITLAB_TOKEN, log);
  const client = createGitLabClient({
    host: env.GITLAB_URL,
    token: env.GITLAB_TOKEN,
    observer: metrics.observer('gitlab'),
    ...overrides.gitlabClientOptions,
  });
  const tracker = new GitLabTracker(client, files?.gitlab);
  // The app's own GitLab user (read once by the tracker): its own events are never answered.
  const isSelf =
    (of: Tracker): SelfCheck =>
    async (actor) =>
      actor.id === (await of.getSelf()).id;
  const gitlabRoute = createGitLabRoute({
    secrets: gitlabSecrets,
    log,
    handle: (event) => {
      // Ordinary traffic is answered with its outcome at once, without the queue.
      const settled = settleOrdinary?.(event);
      if (settled) return Promise.resolve(settled);
      const work = logFor(event);
      return queue.run(
        queueKey(event),
        (yieldTurn) => handle(event, tracker, isSelf(tracker), stateKeys, { log: work, yieldTurn }),
        work,
      );
    },
    ...(push ? { push: (change: PushEvent) => push(change, tracker) } : {}),
    ...(overrides.gitlabAnswerWithinMs !== undefined ? { answerWithinMs: overrides.gitlabAnswerWithinMs } : {}),
  });
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    gitlabRoute(req, res).catch((error: unknown) => {
      // A request that broke off or could not be read: GitLab is never answered a 5xx (it disables a failing hook).
      log.warn({ err: { message: (error as Error).message } }, 'GitLab delivery could not be read');
      if (!res.headersSent) json(res, 400, { error: 'unreadable request' });
    });
  };
  return { composition: { route, isSelf, sweepTargets: async () => [{ tracker, stateKeys }] } };
}
