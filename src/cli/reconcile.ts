import { StateSeal } from '../server/state-seal.js';
import { WriteGuard } from '../server/write-guard.js';
import { Probot } from 'probot';
import type { ProbotOctokit } from 'probot';
import { pino } from 'pino';
import { trustedState } from '../kernel/block.js';
import type { IntakeEffect } from '../intake/effects.js';
import type { Issue, IssueRef, TrackerKind } from '../kernel/model.js';
import { formatRef, parseRef } from '../kernel/model.js';
import { emptyPlan } from '../run/plan.js';
import { GitHubTracker } from '../tracker/github/github-tracker.js';
import { resilientOctokit } from '../tracker/github/octokit.js';
import { createGitLabClient } from '../tracker/gitlab/client.js';
import type { GitLabClientOptions } from '../tracker/gitlab/client.js';
import { GitLabTracker } from '../tracker/gitlab/gitlab-tracker.js';
import type { Tracker } from '../tracker/port.js';
import { ConfidentialityError, runIntake } from '../intake/apply.js';
import { completeIntake, loadIntakeSnapshot } from '../intake/complete.js';
import { loadDefaultTemplates } from '../templates/load.js';
import { memoryCoordination, redisCoordination } from '../server/coordination/coordination.js';
import type { EventContext } from '../run/context.js';
import { describeEffect } from '../intake/effects.js';
import { refusedReport } from '../intake/fail-safe.js';
import { createLogger } from '../server/logger.js';
import type { Logger } from '../server/logger.js';
import { withMaster } from '../run/with-master.js';
import { rerenderMaster } from '../run/apply.js';
import { githubSelfAccount } from '../server/github-app.js';
import { githubBaseUrl, privateKeyFrom, trackerStateKeys } from '../server/env.js';
import type { ServerEnv } from '../server/env.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';

/** An issue named by its web address. */
export interface IssueTarget {
  tracker: TrackerKind;
  ref: IssueRef;
}

/**
 * The issue a web address names: `https://github.com/owner/repo/issues/12` (or on `GHE_HOST`), or
 * `https://gitlab.example.com/group/sub/project/-/issues/12` (`/-/work_items/12` too) on `GITLAB_URL`'s host, under
 * its path when GitLab is served below one. Throws an error saying what is expected otherwise.
 */
export function parseIssueUrl(text: string, env: Pick<ServerEnv, 'GITLAB_URL' | 'GHE_HOST'>): IssueTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a web address: ${text}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  const gitlab = env.GITLAB_URL ? new URL(env.GITLAB_URL) : null;
  if (gitlab && url.host.toLowerCase() === gitlab.host.toLowerCase()) {
    const prefix = gitlab.pathname.replace(/\/+$/, '');
    const rest = prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
    const parts = /^\/(?<project>.+?)\/-\/(?:issues|work_items)\/(?<number>\d+)$/.exec(rest)?.groups;
    if (!parts) throw new Error(`not a GitLab issue address (…/group/project/-/issues/<n>): ${text}`);
    return { tracker: 'gitlab', ref: { project: decodeURIComponent(parts.project!), number: Number(parts.number) } };
  }
  const githubHosts = ['github.com', 'www.github.com', ...(env.GHE_HOST ? [env.GHE_HOST.toLowerCase()] : [])];
  if (githubHosts.includes(url.host.toLowerCase())) {
    const parts = /^\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<number>\d+)$/.exec(path)?.groups;
    if (!parts) throw new Error(`not a GitHub issue address (…/owner/repo/issues/<n>): ${text}`);
    const project = `${decodeURIComponent(parts.owner!)}/${decodeURIComponent(parts.repo!)}`;
    return { tracker: 'github', ref: { project, number: Number(parts.number) } };
  }
  throw new Error(`${url.host} is neither GITLAB_URL's host nor GitHub's (github.com, or GHE_HOST): ${text}`);
}

/** Client seams, for tests (production clients otherwise). */
export interface ReconcileClients {
  githubOctokit?: typeof ProbotOctokit;
  gitlabClientOptions?: Omit<GitLabClientOptions, 'host' | 'token'>;
}

/**
 * A tracker for the target from the same environment as the server: GitLab from `GITLAB_URL` and `GITLAB_TOKEN`;
 * GitHub from `APP_ID` and `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`), as the installation on the repository's owner.
 */
export async function trackerFor(
  target: IssueTarget,
  env: ServerEnv,
  log: Logger,
  clients: ReconcileClients = {},
): Promise<Tracker> {
  if (target.tracker === 'gitlab') {
    if (!env.GITLAB_URL || !env.GITLAB_TOKEN)
      throw new Error('set GITLAB_URL and GITLAB_TOKEN to reconcile a GitLab issue');
    return new GitLabTracker(
      createGitLabClient({ host: env.GITLAB_URL, token: env.GITLAB_TOKEN, ...clients.gitlabClientOptions }),
    );
  }
  const privateKey = await privateKeyFrom(env);
  if (!env.APP_ID || !privateKey)
    throw new Error('set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) to reconcile a GitHub issue');
  const baseUrl = githubBaseUrl(env);
  const probot = new Probot({
    appId: env.APP_ID,
    privateKey,
    // Probot makes child loggers; a plain logger (tests) gets a silent pino one.
    log: typeof (log as Partial<pino.Logger>).child === 'function' ? (log as pino.Logger) : createLogger('silent'),
    Octokit: clients.githubOctokit ?? resilientOctokit(),
    ...(baseUrl ? { baseUrl } : {}),
  });
  const [owner, repo] = target.ref.project.split('/') as [string, string];
  const app = await probot.auth();
  const { data } = await app.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
  const octokit = await probot.auth(data.id);
  const self = githubSelfAccount(probot);
  return new GitHubTracker(octokit, { account: owner, self: () => self(octokit) });
}

/** What reconciling one issue did. */
export interface ReconcileResult {
  /** The incident's master, when the issue belongs to one. */
  master: IssueRef | null;
  /** The intake steps taken (an intake completed, or a report with the trigger label taken in). */
  intake: string[];
  /** Whether the master's block or labels were rewritten. */
  rerendered: boolean;
  /** Why nothing could be done, when that is the case. */
  note?: string;
}

/** The effects that wrote something, described; reads are no news. */
function writesOf(effects: IntakeEffect[]): string[] {
  return effects
    .filter((e) => e.kind !== 'find-master' && e.kind !== 'find-children' && e.kind !== 'read-comments')
    .map(describeEffect);
}

function lockKey(tracker: Tracker, ref: IssueRef): string {
  return `${tracker.kind}:${formatRef(ref).toLowerCase()}`;
}

/**
 * Repairs one incident on demand, the way the shell does on events and sweeps: the issue may be the master, one of
 * its children, or the report itself. A report carrying the trigger label is taken in (or its intake completed);
 * a master whose intake is not done is completed; then the master is re-rendered from its state. Idempotent: run
 * again, it finds everything in place and writes nothing.
 */
export async function reconcileIssue(ref: IssueRef, context: EventContext): Promise<ReconcileResult> {
  // The repair writes through the same guard as events and sweeps do.
  const ctx: EventContext = {
    ...context,
    tracker: new WriteGuard(new StateSeal(context.tracker, context.stateKeys, context.log)),
  };
  const { tracker } = ctx;
  const issue = await tracker.getIssue(ref);
  const state = trustedState(issue);
  const intake: string[] = [];
  let masterRef: IssueRef | null;
  if (state?.role === 'master') masterRef = issue.ref;
  else if (state) masterRef = parseRef(state.master);
  else {
    // Not a ticket of the app's: a report with the trigger label goes through the intake like a trigger would.
    const taken = await takeInReport(issue, ctx, intake);
    if ('result' in taken) return taken.result;
    masterRef = taken.master;
  }
  if (!masterRef) return { master: null, intake, rerendered: false, note: 'no master found for this issue' };
  const master = masterRef;
  const completion = await ctx.locks.run(lockKey(tracker, master), async () =>
    completeIntake(await tracker.getIssue(master), ctx),
  );
  intake.push(...writesOf(completion.effects));
  let rerendered = false;
  const outcome = await withMaster(master, ctx, async (run, settings) => {
    rerendered = await rerenderMaster(tracker, master, {
      config: settings.config,
      renderer: settings.renderer,
      handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl,
      log: ctx.log,
      now: run.now,
    });
    return emptyPlan(run);
  });
  const note =
    completion.outcome === 'stopped'
      ? 'stopped: the tracker did not confirm confidentiality'
      : outcome === 'config-error'
        ? 'the configuration is invalid'
        : undefined;
  return { master, intake, rerendered, ...(note ? { note } : {}) };
}

/**
 * Takes a report in through the intake, as its trigger would: only an open issue with the trigger label, from a
 * project the incident project takes reports from. Its master, or the result to answer when it is not taken in.
 * The intake's writes are added to `intake`.
 */
async function takeInReport(
  issue: Issue,
  ctx: EventContext,
  intake: string[],
): Promise<{ master: IssueRef | null } | { result: ReconcileResult }> {
  const { tracker } = ctx;
  const notTaken = (note: string) => ({ result: { master: null, intake, rerendered: false, note } });
  const settings = await loadSettings(issue.ref.project, ctx);
  if (settings instanceof ConfigErrorWithLabel) return notTaken('the configuration is invalid');
  if (issue.state !== 'open' || !issue.labels.includes(settings.config.label)) {
    return notTaken(`not part of an incident (no state, no open \`${settings.config.label}\` label)`);
  }
  // The incident project decides whose reports it takes, for a repair as for an event.
  const refusal = await refusedReport(issue.ref.project, settings.config, ctx);
  if (refusal) {
    return notTaken(
      `not taken in: ${refusal.project} does not take reports from ${issue.ref.project} (its reportsFrom)`,
    );
  }
  const sourceProject = await tracker.getProject(issue.ref.project);
  const deps = { renderer: settings.renderer, handbookUrl: settings.config.handbookUrl ?? ctx.handbookUrl };
  try {
    const run = await ctx.locks.run(lockKey(tracker, issue.ref), async () => {
      const source = await tracker.getIssue(issue.ref);
      const snapshot = await loadIntakeSnapshot(
        { source, sourceRef: source.ref, sourceProject, actor: '' },
        settings.config,
        ctx,
      );
      return runIntake(tracker, snapshot, deps, ctx.log);
    });
    intake.push(...writesOf(run.effects));
    const final = run.final;
    const master =
      final.master?.ref ?? (final.source && trustedState(final.source)?.role === 'master' ? final.source.ref : null);
    return { master };
  } catch (error) {
    if (!(error instanceof ConfidentialityError)) throw error;
    return notTaken(`stopped: the tracker did not confirm ${error.issue} as confidential`);
  }
}

/** The report the command prints: what was done, or that nothing was needed. */
export function describeReconcile(target: IssueTarget, result: ReconcileResult): string {
  const lines = [
    `${target.tracker} ${formatRef(target.ref)}${result.master ? `: incident master ${formatRef(result.master)}` : ''}`,
  ];
  for (const step of result.intake) lines.push(`- intake: ${step}`);
  if (result.rerendered) lines.push('- master re-rendered from its state');
  if (result.note) lines.push(`- ${result.note}`);
  else if (result.intake.length === 0 && !result.rerendered) lines.push('- nothing to do: the incident is complete');
  return lines.join('\n');
}

/**
 * `npm run reconcile -- <issue url>`: builds the tracker from the environment, reconciles the issue's incident and
 * answers the report. Logs go to stderr (at `LOG_LEVEL`, default warn), the report to the caller.
 */
export async function runReconcile(
  url: string,
  env: ServerEnv,
  options: ReconcileClients & { log?: Logger } = {},
): Promise<string> {
  const log = options.log ?? createLogger(env.LOG_LEVEL ?? 'warn', pino.destination(2));
  const target = parseIssueUrl(url, env);
  const tracker = await trackerFor(target, env, log, options);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? '3000'}`).replace(/\/+$/, '');
  // With REDIS_URL, the repair takes the same incident locks as the running replicas: it never runs alongside them.
  const coordination = env.REDIS_URL ? redisCoordination(env.REDIS_URL, { log }) : memoryCoordination();
  const credential = target.tracker === 'gitlab' ? (env.GITLAB_TOKEN ?? '') : ((await privateKeyFrom(env)) ?? '');
  const ctx: EventContext = {
    tracker,
    stateKeys: trackerStateKeys(env, target.tracker, credential, log),
    isSelf: async () => false,
    deliveries: coordination.deliveries,
    locks: coordination.locks,
    handbookUrl: `${publicUrl}/handbook`,
    defaultTemplates: await loadDefaultTemplates(),
    log,
  };
  try {
    return describeReconcile(target, await reconcileIssue(target.ref, ctx));
  } finally {
    await coordination.close();
  }
}
