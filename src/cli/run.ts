import { pino } from 'pino';
import type { TrackerKind } from '../kernel/model.js';
import { loadDefaultTemplates } from '../templates/load.js';
import { loadEnvFile, PrivateKeyError } from '../server/env.js';
import type { ServerEnv } from '../server/env.js';
import { createLogger } from '../server/logger.js';
import type { Logger } from '../server/logger.js';
import { checkTarget, describeCheck, runCheckConfig } from './check-config.js';
import { demoWorld } from './demo-world.js';
import { previewIntake } from './preview.js';
import { parseIssueUrl, runReconcile } from './reconcile.js';
import type { ReconcileClients } from './reconcile.js';
import { serve } from './serve.js';
import type { Serving } from './serve.js';
import { readingTracker, UsageError } from './trackers.js';

/** Where a command reads its environment and writes its answer; the real process's by default. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Test seams: quieter clients, a logger. */
  clients?: ReconcileClients;
  log?: Logger;
  /** `serve` hands its running server here (the entry waits for a signal to stop it). */
  serving?(serving: Serving): void;
}

/** One command: its usage line, what it does, and how it runs (the exit code). */
interface Command {
  usage: string;
  summary: string;
  help: string;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Arguments after the command: the positional ones and the options (`--name value`, `--flag`). */
interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

/** Options that take a value; every other `--name` is a flag. */
const VALUED = new Set(['tracker']);

function parseArgs(args: readonly string[], allowed: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
    if (!VALUED.has(name)) {
      options.set(name, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  return { positional, options };
}

function trackerOption(args: ParsedArgs): TrackerKind | undefined {
  const value = args.options.get('tracker');
  if (value === undefined) return undefined;
  if (value !== 'github' && value !== 'gitlab') throw new UsageError('--tracker is github or gitlab');
  return value;
}

/** Logs of the commands that answer on stdout go to stderr, at `LOG_LEVEL` (default warn). */
function quietLog(io: CliIo): Logger {
  return io.log ?? createLogger(io.env.LOG_LEVEL ?? 'warn', pino.destination(2));
}

const ENVIRONMENT =
  "The environment is the server's (see .env.example); a .env file in the working directory is read first, and " +
  'variables already set win.';

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: 'incident-desk serve',
    summary: 'Run the server: webhooks, /healthz, /metrics, /handbook, and the sweep.',
    help:
      'Serves POST /api/github/webhooks and /api/gitlab/webhooks, GET /healthz, /metrics and /handbook on PORT ' +
      '(default 3000; /metrics on METRICS_PORT when set), and sweeps every SWEEP_INTERVAL_SECONDS. With ' +
      'WEBHOOK_PROXY_URL (a smee.io channel) GitHub deliveries are forwarded from it, for development. Stops ' +
      `cleanly on SIGTERM. ${ENVIRONMENT}`,
    async run(args, io) {
      if (args.positional.length > 0) throw new UsageError('serve takes no arguments');
      const serving = await serve(io.env as ServerEnv, { cwd: io.cwd, ...(io.log ? { log: io.log } : {}) });
      io.serving?.(serving);
      return 0;
    },
  },
  reconcile: {
    usage: 'incident-desk reconcile <issue url>',
    summary: 'Repair one incident now: complete its intake, re-render its master. Safe to repeat.',
    help:
      'The issue may be the master, a child or the report, as its GitHub or GitLab web address. Takes a report with ' +
      'the trigger label in, completes a half-done intake and re-renders the master from its state; prints what it ' +
      'did. Writes as the app: APP_ID and PRIVATE_KEY (GitHub), or GITLAB_URL and GITLAB_TOKEN. With REDIS_URL it ' +
      `takes the same incident locks as the running replicas. ${ENVIRONMENT}`,
    async run(args, io) {
      const [url, ...rest] = args.positional;
      if (!url || rest.length > 0) throw new UsageError('reconcile needs exactly one issue url');
      io.stdout(
        await runReconcile(url, io.env as ServerEnv, { ...io.clients, log: quietLog(io) }).catch(
          asUsage(/^(?:not |set |.* is neither)/),
        ),
      );
      return 0;
    },
  },
  'check-config': {
    usage: 'incident-desk check-config <owner/repo | group/project | url | path> [--tracker github|gitlab]',
    summary: "Check a project's configuration file and template overrides as the app reads them.",
    help:
      'Reads the file (.github/incident-desk.yml or .gitlab/incident-desk.yml), the files it inherits (_extends) and ' +
      'the templates it names, exactly as an event would, and prints every problem as file:line:column: key: ' +
      'message. A path is a clone on this machine (a folder or the file itself); a project is read from the ' +
      'tracker, on GitHub as the app or with GITHUB_TOKEN, on GitLab with GITLAB_URL and GITLAB_TOKEN (--tracker ' +
      'says which when both are set). Exit code 0 when the configuration is fine, 1 when it has problems, 2 when it ' +
      `could not be read. ${ENVIRONMENT}`,
    async run(args, io) {
      const [target, ...rest] = args.positional;
      if (!target || rest.length > 0) throw new UsageError('check-config needs exactly one project or path');
      const env = io.env as ServerEnv;
      const resolved = await checkTarget(target, trackerOption(args), env, io.cwd);
      const check = await runCheckConfig(resolved, env, {
        log: quietLog(io),
        cwd: io.cwd,
        ...(io.clients ? { clients: io.clients } : {}),
      });
      io.stdout(describeCheck(check));
      return check.problems.length > 0 ? 1 : 0;
    },
  },
  preview: {
    usage: 'incident-desk preview <issue url | --demo> [--tracker github|gitlab]',
    summary: 'Print the tickets an intake of a report would create, writing nothing.',
    help:
      "Reads the report, its project's configuration and templates, and the projects the intake would use, then runs " +
      'the intake on a copy in memory and prints every ticket and comment it would make. Nothing is written. --demo ' +
      'previews a built-in report (GitLab, or --tracker github) and needs no tracker at all. Reads on GitHub as the ' +
      `app or with GITHUB_TOKEN, on GitLab with GITLAB_URL and GITLAB_TOKEN. ${ENVIRONMENT}`,
    async run(args, io) {
      const env = io.env as ServerEnv;
      const log = quietLog(io);
      const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? '3000'}`).replace(/\/+$/, '');
      const options = { defaultTemplates: await loadDefaultTemplates(), handbookUrl: `${publicUrl}/handbook`, log };
      if (args.options.has('demo')) {
        if (args.positional.length > 0) throw new UsageError('preview --demo takes no issue url');
        const world = demoWorld(trackerOption(args) ?? 'gitlab');
        io.stdout(await previewIntake(world.tracker, world.report, options));
        return 0;
      }
      const [url, ...rest] = args.positional;
      if (!url || rest.length > 0) throw new UsageError('preview needs exactly one issue url, or --demo');
      const target = (() => {
        try {
          return parseIssueUrl(url, env);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
      })();
      const tracker = await readingTracker(target.tracker, target.ref.project, env, {
        log,
        cwd: io.cwd,
        ...(io.clients ? { clients: io.clients } : {}),
      });
      io.stdout(await previewIntake(tracker, target.ref, options));
      return 0;
    },
  },
};

/** The options each command takes. */
const OPTIONS: Record<string, readonly string[]> = {
  serve: [],
  reconcile: [],
  'check-config': ['tracker'],
  preview: ['tracker', 'demo'],
};

/** Errors whose message is the answer: said as a usage error. */
function asUsage(pattern: RegExp): (error: unknown) => never {
  return (error) => {
    if (error instanceof Error && pattern.test(error.message)) throw new UsageError(error.message);
    throw error;
  };
}

/** `incident-desk --help`: every command, one line each. */
export function renderUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'incident-desk: security incidents and security releases run inside GitLab and GitHub issues',
    '',
    'Usage: incident-desk <command> [arguments]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `incident-desk <command> --help` for one command. Exit codes: 0 done, 1 failed (check-config: problems ' +
      'found), 2 a usage or environment problem.',
  ].join('\n');
}

function renderCommandHelp(name: string, command: Command): string {
  return (
    [`Usage: ${command.usage}`, '', command.summary, '', wrap(command.help, 100), ''].join('\n').trimEnd() +
    (name ? '' : '')
  );
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/**
 * Runs the command line: `args` without the node and script paths. Answers the exit code; every error is one line on
 * stderr (`incident-desk: …`). A `.env` file in `io.cwd` is read into `io.env` first (what is set already wins).
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic ? COMMANDS[topic] : undefined;
    io.stdout(command && topic ? renderCommandHelp(topic, command) : renderUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(await packageVersion());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`incident-desk: unknown command ${JSON.stringify(name)} (incident-desk --help lists them)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(renderCommandHelp(name, command));
    return 0;
  }
  try {
    loadEnvFile(io.env, io.cwd);
    return await command.run(parseArgs(rest, OPTIONS[name] ?? []), io);
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof PrivateKeyError;
    io.stderr(`incident-desk ${name}: ${oneLine(error)}`);
    return usage ? 2 : 1;
  }
}

/** An error as one line, without a stack: the message, and a tracker's status when it has one. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim() || (error instanceof Error ? error.name : 'failed');
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { findPackageRoot } = await import('../templates/package-root.js');
  const pkg = JSON.parse(await readFile(join(await findPackageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
