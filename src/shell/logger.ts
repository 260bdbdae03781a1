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
  'req.headers["x-gitlab-token"]',
  'req.headers.authorization',
  'headers["x-gitlab-token"]',
  'headers.authorization',
  'body',
  '*.body',
  'description',
  '*.description',
];

/** A pino logger with redaction, at `LOG_LEVEL` (default info). */
export function createLogger(level = 'info'): Logger & pino.Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
