import type { z } from 'zod';
import { neutralizeInline } from '../kernel/neutralize.js';

/**
 * What can be wrong with a configuration: the problems that span several keys (the approval matrix's groups,
 * quorum and back-ups, checked by the schema), the error that carries every problem of a file, and the one comment
 * that names them. Pure.
 */

/**
 * The cross-field rules of `approvals`. Runs even when other parts of `approvals` are invalid (so every problem
 * is reported at once), hence it reads the value defensively.
 */
export function checkApprovals(value: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(value)) return;
  const groups = isRecord(value.groups) ? value.groups : null;
  const required = Array.isArray(value.required) ? value.required : null;
  checkDeliverableGroups(value.deliverables, groups, ctx);
  checkRequired(required, value.quorum, groups, ctx);
  if (groups && required) checkBackups(strings(required), groups, ctx);
}

/** The message of a group id that `approvals.groups` does not define. */
function unknownGroup(id: string, groups: Record<string, unknown> | null): string {
  const known = groups ? Object.keys(groups) : [];
  return (
    `unknown group ${quote(id)}; \`approvals.groups\` defines ` +
    `${known.length > 0 ? known.map(quote).join(', ') : 'no group'}`
  );
}

/** Every group a deliverable names (approve, fyi, dri) is defined, and none both approves it and is only informed. */
function checkDeliverableGroups(
  deliverables: unknown,
  groups: Record<string, unknown> | null,
  ctx: z.RefinementCtx,
): void {
  if (!isRecord(deliverables)) return;
  for (const [id, deliverable] of Object.entries(deliverables)) {
    if (!isRecord(deliverable)) continue;
    const approve = strings(deliverable.approve);
    for (const list of ['approve', 'fyi'] as const) {
      const members = deliverable[list];
      if (!Array.isArray(members)) continue;
      members.forEach((g: unknown, index) => {
        if (typeof g !== 'string') return;
        const path = ['deliverables', id, list, index];
        if (groups && !Object.hasOwn(groups, g)) {
          ctx.addIssue({ code: 'custom', path, message: unknownGroup(g, groups), params: { unknownGroup: g } });
        }
        if (list === 'fyi' && approve.includes(g)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `group ${quote(g)} is both an approver and FYI for this deliverable`,
          });
        }
      });
    }
    const dri = deliverable.dri;
    if (typeof dri === 'string' && groups && !Object.hasOwn(groups, dri)) {
      ctx.addIssue({
        code: 'custom',
        path: ['deliverables', id, 'dri'],
        message: unknownGroup(dri, groups),
        params: { unknownGroup: dri },
      });
    }
  }
}

/** Every required group is defined, and the quorum is not more than the required groups. */
function checkRequired(
  required: unknown[] | null,
  quorum: unknown,
  groups: Record<string, unknown> | null,
  ctx: z.RefinementCtx,
): void {
  required?.forEach((g: unknown, index) => {
    if (typeof g === 'string' && groups && !Object.hasOwn(groups, g)) {
      ctx.addIssue({
        code: 'custom',
        path: ['required', index],
        message: unknownGroup(g, groups),
        params: { unknownGroup: g },
      });
    }
  });
  if (required && typeof quorum === 'number' && quorum > required.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['quorum'],
      message:
        `quorum ${quorum} is more than the ${required.length} required ` +
        `group${required.length === 1 ? '' : 's'} in \`approvals.required\``,
    });
  }
}

/** A required group that names approvers has at least two back-ups, none of them one of its approvers. */
function checkBackups(required: string[], groups: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const g of new Set(required)) {
    const group = Object.hasOwn(groups, g) ? groups[g] : undefined;
    if (!isRecord(group)) continue;
    const approvers = strings(group.approvers);
    const backups = strings(group.backups);
    if (approvers.length > 0 && Array.isArray(group.backups ?? []) && backups.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups', g, 'backups'],
        message:
          `${quote(g)} is a required group that names approvers, so it needs at least 2 back-up approvers ` +
          `(it has ${backups.length})`,
      });
    }
    const primary = new Set(approvers.map((p) => p.replace(/^@/, '').toLowerCase()));
    backups.forEach((p, index) => {
      if (primary.has(p.replace(/^@/, '').toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', g, 'backups', index],
          message: `${quote(p)} is already an approver of this group`,
        });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Every problem of a file
// ---------------------------------------------------------------------------------------------------------

export interface ConfigProblem {
  /** Where in the file, like `approvals.deliverables.blog.approve[1]`; `''` for the file as a whole (YAML syntax). */
  path: string;
  message: string;
  /** 1-based position in the file, when known. */
  line?: number;
  column?: number;
  /** The file it is in, when that is not the error's own file (a file the configuration inherits, `_extends`). */
  location?: string;
}

/** A configuration file that cannot be used; carries every problem found in it. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly location: string;

  constructor(problems: ConfigProblem[], location: string) {
    const first = problems[0];
    const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid configuration';
    super(
      `${location}: ${problems.length} configuration ` +
        `problem${problems.length === 1 ? '' : 's'} (${summary}${problems.length > 1 ? ', …' : ''})`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
    this.location = location;
  }
}

/** Most problems listed in one comment; a file broken everywhere should not make a comment too long to post. */
const MAX_LISTED = 50;

/** One markdown comment for the triggering issue; user text from the file can neither ping nor forge a marker. */
export function formatConfigProblems(error: ConfigError): string {
  const count = error.problems.length;
  const lines = error.problems.slice(0, MAX_LISTED).map((p) => {
    const where = p.line !== undefined ? `(line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : '';
    const subject = p.path ? `\`${codeSafe(p.path)}\`` : 'file';
    const file = p.location ? ` in \`${codeSafe(p.location)}\`` : '';
    return `- ${[subject, where].filter(Boolean).join(' ')}${file}: ${unping(neutralizeInline(p.message, 500))}`;
  });
  if (count > MAX_LISTED) lines.push(`- … and ${count - MAX_LISTED} more`);
  return [
    `### incident-desk: the configuration has ${count} problem${count === 1 ? '' : 's'}`,
    '',
    `\`${codeSafe(error.location)}\` could not be used:`,
    '',
    ...lines,
    '',
    'Nothing else was done for this issue. Fix the file on the default branch, then remove and re-apply the trigger ' +
      'label to run the intake again.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A value from the file quoted for a message (clipped; backticks cannot open a code span). */
export function quote(value: string): string {
  const clipped = value.length > 60 ? `${value.slice(0, 59)}…` : value;
  return `"${clipped.replace(/`/g, "'")}"`;
}

/** No `@` of the text can ping anyone, not even one next to a backtick. */
function unping(text: string): string {
  return text.replace(/@(?!\u200b)/g, '@\u200b');
}

/** Text for inside a code span: one line, no backtick, no HTML, no ping. */
function codeSafe(text: string): string {
  return unping(neutralizeInline(text, 200).replace(/`/g, "'"));
}
