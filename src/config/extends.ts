/**
 * Probot's `_extends`: a configuration file may inherit from another project's file and override parts of it. Which
 * file a value names, and how the files are merged. Pure.
 */
import { isRecord } from './problems.js';

/**
 * A value of `_extends`: a project (`other-repo` beside this one, `owner/repo`, `group/sub/project`), optionally
 * followed by `:path/to/file.yml`. No `..` segment anywhere.
 */
export const EXTENDS_PATTERN =
  /^(?!(?:.*[/:])?\.\.(?:[/:]|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*(?::[A-Za-z0-9_./-]+\.ya?ml)?$/;

/** Most files one configuration may inherit through (itself included): a chain longer than this is refused. */
export const MAX_EXTENDS_DEPTH = 5;

/** A file another one inherits from. */
export interface ExtendsTarget {
  project: string;
  path: string;
}

/**
 * The file an `_extends` value names, seen from the file at `path` in `project`: a bare name is a project beside it
 * (same owner or group), and without `:path` the file is at the same path in that project. Null when the value is not
 * one `EXTENDS_PATTERN` allows.
 */
export function parseExtends(value: string, from: ExtendsTarget): ExtendsTarget | null {
  if (!EXTENDS_PATTERN.test(value)) return null;
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const path = colon < 0 ? from.path : value.slice(colon + 1);
  const namespace = from.project.includes('/') ? from.project.slice(0, from.project.lastIndexOf('/')) : '';
  const project = name.includes('/') || namespace === '' ? name : `${namespace}/${name}`;
  return { project, path };
}

/** Whether two targets are the same file (project paths compare without case, as both trackers do). */
export function sameTarget(a: ExtendsTarget, b: ExtendsTarget): boolean {
  return a.project.toLowerCase() === b.project.toLowerCase() && a.path === b.path;
}

/**
 * The files of a chain merged into one value, the first file winning: mappings are merged key by key, at every depth;
 * a list or a plain value of an earlier file replaces the inherited one whole (a project can narrow a list it
 * inherits, such as `reportsFrom` or a group's approvers). `_extends` itself is not kept.
 */
export function mergeConfigData(values: readonly unknown[]): unknown {
  let merged: unknown;
  for (const value of [...values].reverse()) merged = merged === undefined ? strip(value) : mergeTwo(merged, value);
  return merged;
}

function strip(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const { _extends: _ignored, ...rest } = value;
  return rest;
}

function mergeTwo(base: unknown, over: unknown): unknown {
  const top = strip(over);
  if (!isRecord(base) || !isRecord(top)) return top === undefined ? base : top;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    out[key] = Object.hasOwn(base, key) && isRecord(base[key]) && isRecord(value) ? deep(base[key], value) : value;
  }
  return out;
}

function deep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = Object.hasOwn(base, key) && isRecord(base[key]) && isRecord(value) ? deep(base[key], value) : value;
  }
  return out;
}
