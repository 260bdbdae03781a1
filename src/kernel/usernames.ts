import { mentionUser } from './neutralize.js';

/**
 * A tracker username reduced to `[A-Za-z0-9_.-]`, keeping a GitHub `[bot]` suffix whole (dropping only
 * its brackets would name, and ping, another account). '' when nothing is left.
 */
export function cleanUsername(username: string): string {
  const name = username.trim().replace(/^@+/, '');
  const bot = /^(?<app>[A-Za-z0-9_.-]+)\[bot\]$/.exec(name)?.groups;
  if (bot) return `${bot.app}[bot]`;
  return name.replace(/[^A-Za-z0-9_.-]/g, '');
}

/** `@name` that pings its owner (see {@link cleanUsername}); '' when the name is empty. */
export function mention(username: string): string {
  const clean = cleanUsername(username);
  return clean ? mentionUser(clean) : '';
}

/** `` `@name` `` in a code span: names someone without pinging them. */
export function quiet(username: string): string {
  const clean = cleanUsername(username);
  return clean ? `\`@${clean}\`` : '';
}
