import { pino } from 'pino';

/** The logging surface the shell needs; Probot's and pino's loggers both fit. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Paths whose values are never logged: tokens, keys, secrets, and the content of payloads. */
export const REDACT_PATHS = [
  'token',
  'privateKey',
  'secret',
  '*.token',
  '*.privateKey',
  '*.secret',
  // The environment's credentials, should an object of them be logged whole or one level down.
  'GITLAB_TOKEN',
  'PRIVATE_KEY',
  'WEBHOOK_SECRET',
  'GITLAB_WEBHOOK_SECRET',
  'GITLAB_WEBHOOK_SECRETS',
  // A Redis URL may carry its password (`redis://:password@host`).
  'REDIS_URL',
  'redisConfig',
  // ioredis puts a failed command and its arguments on the error: for AUTH the argument is the password (Probot logs
  // its throttling connection's errors whole).
  'command.args',
  'err.command.args',
  '*.command.args',
  'err.aggregateErrors[*].command.args',
  'err.previousErrors[*].command.args',
  '*.REDIS_URL',
  '*.redisConfig',
  '*.GITLAB_TOKEN',
  '*.PRIVATE_KEY',
  '*.WEBHOOK_SECRET',
  '*.GITLAB_WEBHOOK_SECRET',
  '*.GITLAB_WEBHOOK_SECRETS',
  // Credential headers: GitHub `authorization`, GitLab `private-token` (gitbeaker) and the hook's `x-gitlab-token`.
  'headers["private-token"]',
  '*.headers.authorization',
  '*.headers["private-token"]',
  '*.headers["x-gitlab-token"]',
  // A failed request's own headers (Octokit's RequestError, gitbeaker's cause): none of them is needed in a log.
  'err.request.headers',
  'err.cause.request.headers',
  'req.headers["x-gitlab-token"]',
  'req.headers.authorization',
  'headers["x-gitlab-token"]',
  'headers.authorization',
  'body',
  '*.body',
  'description',
  '*.description',
  // Probot logs a failed event with its payload: issue titles and descriptions are incident details.
  'payload',
  'event.payload',
  'err.event.payload',
  'err.errors[*].event.payload',
  // The webhooks middleware logs its AggregateError whole: pino's error serializer names the inner errors
  // `aggregateErrors` and serializes `event` (the inner error) with its own `event`, the unverified payload.
  'err.aggregateErrors[*].event.payload',
  'err.event.event.payload',
  '*.event.payload',
  'err.request.body',
  'err.response.data',
];

/** A pino logger with redaction, at `LOG_LEVEL` (default info), to stdout unless a destination is given. */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger & pino.Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A logger whose every line carries `bindings` (a delivery's id, tracker, event and incident): pino's child, or for a
 * plain logger (tests) the same by merging the fields into each line. The child is made at the first line logged at
 * an enabled level, and `bindings` (a function is called then) worked out only there: pino serializes and redacts a
 * child's bindings when it is made, which cost more than the rest of an ordinary delivery that logs nothing.
 */
export function childLogger(log: Logger, bindings: Record<string, unknown> | (() => Record<string, unknown>)): Logger {
  const fields = typeof bindings === 'function' ? bindings : () => bindings;
  const candidate = log as Partial<pino.Logger>;
  if (typeof candidate.child === 'function') {
    const parent = candidate as pino.Logger;
    let child: Logger | undefined;
    const at =
      (level: keyof Logger) =>
      (obj: object, msg: string): void => {
        if (!parent.isLevelEnabled(level)) return;
        child ??= parent.child(fields()) as Logger;
        child[level](obj, msg);
      };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }
  let known: Record<string, unknown> | undefined;
  const at =
    (level: keyof Logger) =>
    (obj: object, msg: string): void => {
      known ??= fields();
      log[level]({ ...known, ...obj }, msg);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
