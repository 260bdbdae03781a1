import type { ApplicationFunction, Probot } from 'probot';
import type { TrackerEvent } from '../core/events.js';
import { GitHubTracker } from '../tracker/github/github-tracker.js';
import { githubPayloadProblem, normalizeGitHubCommentEvent, normalizeGitHubIssueEvent } from '../tracker/github/normalize.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';

/** The events the app subscribes to; `app.yml` requests exactly these. */
export const GITHUB_EVENTS = [
  'issues.opened',
  'issues.labeled',
  // A hand-removed approval label is put back from the boxes.
  'issues.unlabeled',
  'issues.edited',
  'issues.closed',
  'issues.reopened',
  // A tracking ticket's owner is its first assignee: the master's table follows it.
  'issues.assigned',
  'issues.unassigned',
  'issue_comment.created',
] as const;

export interface GitHubAppOptions {
  /** Handles one normalized event with a tracker bound to the event's installation. */
  handle(event: TrackerEvent, tracker: Tracker, isSelf: (actor: { username: string }) => Promise<boolean>): Promise<unknown>;
  /** Where a delivery that cannot be read is said, in one line without its content. */
  log: Logger;
}

/**
 * The Probot application: normalizes each event and hands it to the shell with a tracker on the
 * installation's Octokit (Probot's throttling and retries included).
 */
export function createGitHubApp(options: GitHubAppOptions): ApplicationFunction {
  return (app: Probot) => {
    // The app's own login, read once per app instance: its own events are never answered.
    let selfLogin: Promise<string> | undefined;
    const loadSelf = async (): Promise<string> => {
      const octokit = await app.auth();
      const { data } = await octokit.request('GET /app');
      return `${data?.slug ?? ''}[bot]`;
    };
    const isSelf = async (actor: { username: string }): Promise<boolean> => {
      if (!actor.username.endsWith('[bot]')) return false;
      selfLogin ??= loadSelf().catch((error: unknown) => {
        selfLogin = undefined;
        throw error;
      });
      return actor.username === (await selfLogin);
    };

    app.on([...GITHUB_EVENTS], async (context) => {
      const action = (context.payload as { action?: unknown }).action;
      const name = `${context.name}.${typeof action === 'string' ? action : ''}`;
      // A signed delivery that cannot be read is ignored with one line: never a 5xx, which GitHub would redeliver.
      const problem = githubPayloadProblem(name, context.payload);
      if (problem) {
        options.log.warn({ problem, delivery: context.id }, 'malformed GitHub payload ignored');
        return;
      }
      const event = context.name === 'issue_comment'
        ? normalizeGitHubCommentEvent(name, context.payload, context.id)
        : normalizeGitHubIssueEvent(name, context.payload, context.id);
      if (!event) return;
      await options.handle(event, new GitHubTracker(context.octokit), isSelf);
    });
  };
}
