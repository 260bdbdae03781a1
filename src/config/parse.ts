import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError, isRecord, quote } from './problems.js';
import type { ConfigProblem } from './problems.js';
import { configSchema } from './schema.js';
import { mergeConfigData } from './extends.js';
import type { IncidentDeskConfig } from './schema.js';

/**
 * Reads a configuration file: YAML, then the schema; every problem is reported at once with the line and column
 * it is on, and an unknown key with the keys allowed there. Pure.
 */

type Segment = string | number;

/**
 * Longest configuration file read, in characters. A real one is a few kilobytes; the YAML parser needs seconds for
 * a megabyte, and the file is read for every event of its project, so a bigger file is refused before parsing.
 */
export const MAX_CONFIG_CHARS = 64 * 1024;

/**
 * Parses and validates a configuration file. An empty file (or one with only comments) gives the defaults.
 * Throws ConfigError with every problem (YAML syntax, or every schema problem with its line) at once, and for a
 * file over {@link MAX_CONFIG_CHARS} without parsing it.
 */
export function parseConfig(text: string, location: string): IncidentDeskConfig {
  return parseConfigChain([{ text, location }]);
}

/** One file of a configuration: its text and where it was read (`project:path`). */
export interface ConfigText {
  text: string;
  location: string;
}

/**
 * Parses and validates a configuration that inherits (`_extends`): the project's own file first, then the files it
 * inherits from, in order. Each file is read as YAML on its own (a syntax problem is reported in its file), the files
 * are merged (`mergeConfigData`: the first file wins) and the result is validated; every problem is placed in the
 * first file that holds its key, else at the nearest key of the project's own file. Throws ConfigError with the
 * problems, located by the project's own file (a problem in another file names its file).
 */
export function parseConfigChain(files: readonly ConfigText[]): IncidentDeskConfig {
  const own = files[0];
  if (!own) return configSchema.parse({});
  const read: LocatedYaml[] = [];
  const syntax: ConfigProblem[] = [];
  for (const file of files) {
    try {
      const yaml = readFile(file);
      if (yaml) read.push({ ...yaml, location: file.location });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The chain's own file reports its problems as before; another file's problems name it.
      if (files.length === 1) throw error;
      syntax.push(...error.problems.map((p) => (file === own ? p : { ...p, location: file.location })));
    }
  }
  if (syntax.length > 0) throw new ConfigError(syntax, own.location);
  if (read.length === 0) return configSchema.parse({});
  const result = configSchema.safeParse(mergeConfigData(read.map((f) => f.data)));
  if (result.success) return result.data;
  const problems = schemaProblems(result.error, read).map((p) =>
    p.location === own.location ? withoutLocation(p) : p,
  );
  throw new ConfigError(problems, own.location);
}

function withoutLocation(problem: ConfigProblem): ConfigProblem {
  const { location: _location, ...rest } = problem;
  return rest;
}

/** One file as YAML (null when empty), refused unread when over {@link MAX_CONFIG_CHARS}. */
function readFile(file: ConfigText): YamlFile | null {
  if (file.text.length > MAX_CONFIG_CHARS) {
    const message =
      `the file has ${file.text.length} characters; at most ${MAX_CONFIG_CHARS} are read (a configuration ` +
      `is a few kilobytes)`;
    throw new ConfigError([{ path: '', message }], file.location);
  }
  return readYaml(file.text, file.location);
}

/** A file of the chain as YAML, with where it was read. */
interface LocatedYaml extends YamlFile {
  location: string;
}

/** A configuration file read as YAML: its root mapping, its value, and where an offset of the text is. */
interface YamlFile {
  root: YamlNode;
  data: unknown;
  at(offset: number | undefined): Pick<ConfigProblem, 'line' | 'column'>;
}

/**
 * The file as YAML: null for an empty file (or one with only comments). Throws ConfigError with every syntax problem,
 * for a file that is no mapping of keys, and for a document the YAML library cannot turn into a value.
 */
function readYaml(text: string, location: string): YamlFile | null {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Pick<ConfigProblem, 'line' | 'column'> => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ path: '', message: `YAML syntax: ${e.message}`, ...at(e.pos[0]) })),
      location,
    );
  }

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return null;
  if (!isMap(root)) {
    const message =
      `the file must be a mapping of keys (like \`label: incident\`), not ` +
      `${isSeq(root) ? 'a list' : 'a single value'}`;
    throw new ConfigError([{ path: '', message, ...at(root.range?.[0]) }], location);
  }

  try {
    return { root, data: doc.toJS({ maxAliasCount: 100 }), at };
  } catch (error) {
    throw new ConfigError(
      [{ path: '', message: `YAML: ${error instanceof Error ? error.message : String(error)}`, ...at(0) }],
      location,
    );
  }
}

/**
 * Every problem the schema found, where it is in the files, sorted by line: an unknown key with the keys allowed
 * there, a missing value, and a default that names groups `approvals.groups` dropped (once per default). A problem is
 * placed in the first file that holds its key (with that file's `location`), else at the nearest key of the first.
 */
function schemaProblems(error: z.ZodError, files: readonly LocatedYaml[]): ConfigProblem[] {
  const first = files[0]!;
  const data = mergeConfigData(files.map((f) => f.data));
  const problems: ConfigProblem[] = [];
  /** The path in the first file that holds it whole, else the nearest parent in the first file. */
  const find = (path: readonly Segment[], atKey: boolean) => {
    for (const file of files) {
      const found = locate(file.root, path, atKey);
      if (!found.missing) return { file, found };
    }
    return { file: first, found: locate(first.root, path, atKey) };
  };
  const place = (file: LocatedYaml, offset: number | undefined) => ({ ...file.at(offset), location: file.location });
  // A default map naming groups that a user's `approvals.groups` dropped: one problem per default, not per entry.
  const fromDefaults = new Map<string, { offset: number | undefined; groups: Set<string> }>();
  for (const issue of error.issues) {
    const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { file, found } = find([...path, key], true);
        problems.push({
          path: formatPath([...path, key]),
          message: unknownKeyMessage(key, path),
          ...place(file, found.offset),
        });
      }
      continue;
    }
    const { file, found } = find(path, issue.code === 'invalid_key');
    let message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
      message = `missing: ${message}`;
    } else if (issue.code === 'custom' && found.missing && typeof issue.params?.unknownGroup === 'string') {
      const key = formatPath(found.missing);
      const entry = fromDefaults.get(key) ?? { offset: found.offset, groups: new Set<string>() };
      entry.groups.add(issue.params.unknownGroup);
      fromDefaults.set(key, entry);
      continue;
    } else if (issue.code === 'custom' && found.missing) {
      message = `${message} (\`${formatPath(found.missing)}\` is not in the file, so its default applies)`;
    }
    problems.push({ path: formatPath(path), message, ...place(file, found.offset) });
  }
  for (const [path, { offset, groups }] of fromDefaults) {
    problems.push({
      path,
      message:
        `is not in the file, so its default applies, and the default names groups that \`approvals.groups\` ` +
        `does not define: ${[...groups].map(quote).join(', ')}. Define those groups too, or set \`${path}\` yourself`,
      ...place(first, offset),
    });
  }
  problems.sort(
    (a, b) =>
      Number(a.location !== first.location) - Number(b.location !== first.location) ||
      (a.line ?? Infinity) - (b.line ?? Infinity) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
  return problems;
}

/** `approvals.deliverables.blog.approve[1]`; odd keys are quoted: `["my key"]`. */
function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

interface Located {
  /** Offset of the node for the path, or of its nearest parent in the file. */
  offset: number | undefined;
  /** The first part of the path that is not in the file (its default applies), if any. */
  missing?: Segment[];
}

/**
 * Finds where a path is in the YAML document. A scalar or a flow collection is pointed at by its value; a
 * block mapping or list, an empty value or a key itself (`atKey`) by its key. When the path leaves the file
 * (a default applies), the nearest parent that is in the file.
 */
function locate(root: YamlNode, path: readonly Segment[], atKey = false): Located {
  let node: unknown = root;
  let offset = startOf(root);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    let next: unknown;
    let nextKey: unknown = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (pair) {
        next = pair.value;
        nextKey = pair.key;
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined && nextKey === null) return { offset, missing: path.slice(0, i + 1) };
    const last = i === path.length - 1;
    const value = startOf(next);
    const pointAtKey = nextKey !== null && (value === undefined || (last && atKey) || isBlockCollection(next));
    offset = pointAtKey ? (startOf(nextKey) ?? offset) : (value ?? offset);
    node = next;
  }
  return { offset };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function startOf(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  if (!range) return undefined;
  // An empty value (`key:`) has a zero-length range; point at its key instead.
  if (isScalar(node) && node.value === null && range[0] === range[1]) return undefined;
  return range[0];
}

function isBlockCollection(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && !node.flow;
}

// Unknown keys: name the keys allowed where the typo is, and the likely intended one.

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return schema.def as unknown as SchemaDef;
}

/** The object keys the schema allows at a path (empty when the path is not an object). */
function allowedKeysAt(path: readonly Segment[]): string[] {
  let schema: z.ZodType | undefined = configSchema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let current = s;
    for (;;) {
      const def = defOf(current);
      if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type))
        current = def.innerType;
      else if (def.type === 'pipe' && def.in) current = def.in;
      else return current;
    }
  };
  for (const segment of path) {
    if (!schema) return [];
    const def = defOf(unwrap(schema));
    if (def.type === 'object' && def.shape) schema = def.shape[String(segment)];
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'array') schema = def.element;
    else return [];
  }
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unknownKeyMessage(key: string, path: readonly Segment[]): string {
  const allowed = allowedKeysAt(path);
  const guess = closest(key, allowed);
  const hint = guess ? ` Did you mean \`${guess}\`?` : '';
  const list = allowed.length > 0 ? ` Known keys here: ${allowed.map((k) => `\`${k}\``).join(', ')}.` : '';
  return `unknown key ${quote(key)}.${hint}${list}`;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d =
      candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 4)) ? best : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (typos are short). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
