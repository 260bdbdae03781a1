import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  STATE_CLOSE,
  STATE_OPEN,
  STATE_SIGNATURE,
  UNVERIFIED_STATE_OPEN,
} from '../kernel/block.js';
import type { TrackerEvent } from '../kernel/events.js';
import type { AccessLevel, Comment, Issue, IssueRef, Project, TrackerKind } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import type {
  AccessActor,
  Advisory,
  AdvisoryDraft,
  AdvisoryPatch,
  AdvisoryQuery,
  AttachedIssue,
  ChangeQuery,
  ConfigCheckReport,
  ConfigCheckWritten,
  ConfigFile,
  DeleteResult,
  IssueChange,
  IssuePatch,
  IssueQuery,
  LinkResult,
  NewIssue,
  PrivateFork,
  SelfAccount,
  Tracker,
} from '../tracker/port.js';
import type { Logger } from './logger.js';

/**
 * The app's hidden state lives in descriptions that people can edit, so it is signed: an HMAC-SHA256 over the state
 * (and the tracker's kind) with a server secret, written into the marker as `sig=v1.<mac>` and checked at every
 * read. A state whose signature does not verify is not the app's: it is taken for the person's text (its marker is
 * escaped so that nothing reads it as state) and the app's last good state wins where the shell has one (the body
 * before the edit that broke it). The core never sees a signature: this file adds it on the way out and takes it off
 * on the way in.
 */

/** The keys of the state's signature: `signing` signs what the app writes, every one of `verifying` is accepted. */
export interface StateKeys {
  readonly signing: Buffer;
  readonly verifying: readonly Buffer[];
}

/** Fixed context of the key derivation: a secret is never used as a key as it is. */
const KEY_CONTEXT = 'incident-desk hidden state key v1';
const SIGNATURE_PREFIX = ' sig=v1.';
const SIGNATURE = / sig=v1\.(?<signature>[A-Za-z0-9_-]{43})$/;
/** Every hidden marker of the app opens with this; an escaped state opens with `UNVERIFIED`. */
const APP_MARKER = '<!-- incident-desk:';
const UNVERIFIED = '<!-- incident-desk:unverified-';
const UNVERIFIED_STATE = UNVERIFIED_STATE_OPEN;

/**
 * A secret as a 32-byte key: HMAC-SHA256 keyed by the secret over a fixed context. White space (and `\n` written out,
 * as a PEM key in an environment variable often is) is left out, so the same secret written two ways is one key.
 */
function keyOf(secret: string): Buffer {
  return createHmac('sha256', secret.replace(/\\n/g, '').replace(/\s+/g, '')).update(KEY_CONTEXT).digest();
}

/**
 * State keys from secrets: the first of `current` signs, every one of `current` and `previous` verifies (a rotation
 * keeps the old secret in `previous` until every open incident has been written again). Empty secrets are left out;
 * throws when none is left, since a state signed with nothing would be a state anyone can write.
 */
export function stateKeys(current: readonly string[], previous: readonly string[] = []): StateKeys {
  const secrets = current.map((s) => s.trim()).filter((s) => s !== '');
  const old = previous.map((s) => s.trim()).filter((s) => s !== '');
  if (secrets.length === 0) throw new Error('state keys need at least one non-empty secret');
  const verifying = [...secrets, ...old].map(keyOf);
  return { signing: verifying[0]!, verifying };
}

/** The variables the state keys are read from. */
export interface StateSecretEnv {
  STATE_SECRET?: string;
  STATE_SECRET_PREVIOUS?: string;
}

/** A comma-separated list of secrets; an unset or blank variable is none. */
function secretList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The state keys of one tracker from the server's environment: `STATE_SECRET` (a comma-separated list; the first
 * signs, all verify) and `STATE_SECRET_PREVIOUS` (verify only). Without `STATE_SECRET`, the tracker's own credential
 * (`GITLAB_TOKEN`, the GitHub App's private key) is the secret: every replica and every restart derives the same key
 * from the environment they share, nobody who can only use the tracker knows it, and whoever holds it can already
 * write as the app. `derived` says that this fallback is in use, for the start-up warning: rotating that credential
 * then needs the old one in `STATE_SECRET_PREVIOUS` (see README, "Threat model").
 */
export function stateKeysFromEnv(env: StateSecretEnv, credential: string): { keys: StateKeys; derived: boolean } {
  const current = secretList(env.STATE_SECRET);
  const previous = secretList(env.STATE_SECRET_PREVIOUS);
  if (current.length > 0) return { keys: stateKeys(current, previous), derived: false };
  return { keys: stateKeys([credential], previous), derived: true };
}

function mac(key: Buffer, kind: TrackerKind, json: string): Buffer {
  return createHmac('sha256', key).update(`v1\n${kind}\n${json}`).digest();
}

function verifies(keys: StateKeys, kind: TrackerKind, json: string, signature: string): boolean {
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== 32) return false;
  return keys.verifying.some((key) => timingSafeEqual(mac(key, kind, json), given));
}

/**
 * Where the state marker of a body's block is: the first one inside the block at the very start, as the core reads it.
 */
interface Marker {
  start: number;
  /** Index just after the marker's closing ` -->`. */
  end: number;
  /** The text between `<!-- incident-desk:state ` and ` -->`. */
  inner: string;
}

function blockStateMarker(body: string): Marker | null {
  if (!body.startsWith(BLOCK_BEGIN)) return null;
  const blockEnd = body.indexOf(BLOCK_END, BLOCK_BEGIN.length);
  if (blockEnd < 0) return null;
  const start = body.indexOf(STATE_OPEN, BLOCK_BEGIN.length);
  if (start < 0 || start >= blockEnd) return null;
  const close = body.indexOf(STATE_CLOSE, start + STATE_OPEN.length);
  if (close < 0 || close >= blockEnd) return null;
  // An escaped (unverified) state before it is the block's first state: this one would not be read either.
  const escaped = body.indexOf(UNVERIFIED_STATE, BLOCK_BEGIN.length);
  if (escaped >= 0 && escaped < start) return null;
  return { start, end: close + STATE_CLOSE.length, inner: body.slice(start + STATE_OPEN.length, close) };
}

/** What reading a body found. */
export interface OpenedBody {
  /** The body as the core may read it: the verified state without its signature, every other state marker escaped. */
  body: string;
  /** The block held a state that did not verify (unsigned, altered, or signed with an unknown key). */
  rejected: boolean;
}

/**
 * A body as read from the tracker, made safe for the core: the block's state is kept (without its signature) only when
 * its signature verifies; every other state marker anywhere in the body is escaped, so that nothing takes it for
 * state. The escape is undone by `sealBody` on the way out, so a person's text is written back byte for byte.
 */
export function openBody(body: string, keys: StateKeys, kind: TrackerKind): OpenedBody {
  if (!body.includes(APP_MARKER)) return { body, rejected: false };
  // One level of escape more on what already looks escaped, so that the way back is exact.
  const escaped = body.split(UNVERIFIED).join(`${UNVERIFIED}unverified-`);
  const marker = blockStateMarker(escaped);
  let kept: Marker | null = null;
  let canonical = '';
  let rejected = false;
  if (marker) {
    const signed = SIGNATURE.exec(marker.inner);
    const json = signed ? marker.inner.slice(0, -signed[0].length) : marker.inner;
    if (signed && verifies(keys, kind, json, signed.groups!.signature!)) {
      kept = marker;
      canonical = `${STATE_OPEN}${json}${STATE_CLOSE}`;
    } else {
      rejected = true;
    }
  }
  let out = '';
  let from = 0;
  for (let at = escaped.indexOf(STATE_OPEN); at >= 0; at = escaped.indexOf(STATE_OPEN, at + 1)) {
    if (kept && at === kept.start) {
      out += escaped.slice(from, at) + canonical;
      from = kept.end;
      at = kept.end - 1;
      continue;
    }
    out += `${escaped.slice(from, at)}${UNVERIFIED_STATE}`;
    from = at + STATE_OPEN.length;
  }
  return { body: out + escaped.slice(from), rejected };
}

/**
 * A body on its way to the tracker: the block's state (the one the core rendered, or one it kept after `openBody`
 * verified it) is signed, and the escapes `openBody` made are undone. Only that one marker is ever signed: a state
 * marker elsewhere in the body is a person's text and stays unsigned.
 */
export function sealBody(body: string, keys: StateKeys, kind: TrackerKind): string {
  if (!body.includes(APP_MARKER)) return body;
  let text = body;
  const marker = blockStateMarker(text);
  if (marker) {
    const signed = SIGNATURE.exec(marker.inner);
    // A signature already there (a body written as read) is replaced, but only when it is the app's; anything else
    // that looks like one is left as it is, and fails when read.
    const json = signed ? marker.inner.slice(0, -signed[0].length) : marker.inner;
    const ours = signed ? verifies(keys, kind, json, signed.groups!.signature!) : !STATE_SIGNATURE.test(marker.inner);
    if (ours) {
      const signature = mac(keys.signing, kind, json).toString('base64url');
      const sealed = `${STATE_OPEN}${json}${SIGNATURE_PREFIX}${signature}${STATE_CLOSE}`;
      text = `${text.slice(0, marker.start)}${sealed}${text.slice(marker.end)}`;
    }
  }
  return text.split(UNVERIFIED).join(APP_MARKER);
}

/**
 * True when the event's description (or the one an edit replaced) holds a marker of the app's: only then has
 * `openEvent` anything to verify or escape. Without one, the event reads the same opened or not.
 */
export function carriesAppMarkers(event: TrackerEvent): boolean {
  return (
    event.issue.body.includes(APP_MARKER) ||
    (event.kind === 'issue' && event.previousBody !== undefined && event.previousBody.includes(APP_MARKER))
  );
}

/**
 * An event as the webhook carried it, with its bodies read like the tracker's answers (`openBody`): the issue's
 * description and the description before an edit. Answers which of them held a state that did not verify.
 */
export function openEvent<E extends TrackerEvent>(event: E, keys: StateKeys): { event: E; rejected: boolean } {
  const issue = openBody(event.issue.body, keys, event.tracker);
  const opened: E = { ...event, issue: { ...event.issue, body: issue.body } };
  let rejected = issue.rejected;
  if (event.kind === 'issue' && event.previousBody !== undefined) {
    const previous = openBody(event.previousBody, keys, event.tracker);
    (opened as E & { previousBody?: string }).previousBody = previous.body;
    rejected ||= previous.rejected;
  }
  return { event: opened, rejected };
}

/**
 * The tracker as the shell sees it: every description the app writes carries its signed state, and every issue it reads
 * comes back opened (`openBody`), so the core only ever reads a state the app wrote. A state that fails the check is
 * logged once per read. One instance per event, sweep or repair, under the write guard.
 */
export class StateSeal implements Tracker {
  readonly kind: Tracker['kind'];
  readonly capabilities: Tracker['capabilities'];

  constructor(
    private readonly inner: Tracker,
    private readonly keys: StateKeys,
    private readonly log?: Logger,
  ) {
    this.kind = inner.kind;
    this.capabilities = inner.capabilities;
  }

  private open(issue: Issue): Issue {
    const opened = openBody(issue.body, this.keys, this.kind);
    if (opened.rejected) this.log?.warn({ issue: formatRef(issue.ref) }, 'hidden state failed verification; ignored');
    return opened.body === issue.body ? issue : { ...issue, body: opened.body };
  }

  private seal(body: string): string {
    return sealBody(body, this.keys, this.kind);
  }

  getSelf(): Promise<SelfAccount> {
    return this.inner.getSelf();
  }

  getProject(path: string): Promise<Project> {
    return this.inner.getProject(path);
  }

  async getIssue(ref: IssueRef): Promise<Issue> {
    return this.open(await this.inner.getIssue(ref));
  }

  async listIssues(project: string, query: IssueQuery): Promise<Issue[]> {
    return (await this.inner.listIssues(project, query)).map((issue) => this.open(issue));
  }

  async createIssue(project: string, input: NewIssue): Promise<Issue> {
    return this.open(await this.inner.createIssue(project, { ...input, body: this.seal(input.body) }));
  }

  async updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue> {
    const sealed = patch.body === undefined ? patch : { ...patch, body: this.seal(patch.body) };
    return this.open(await this.inner.updateIssue(ref, sealed));
  }

  listComments(ref: IssueRef): Promise<Comment[]> {
    return this.inner.listComments(ref);
  }

  getComment(ref: IssueRef, commentId: number): Promise<Comment> {
    return this.inner.getComment(ref, commentId);
  }

  createComment(ref: IssueRef, body: string): Promise<Comment> {
    return this.inner.createComment(ref, body);
  }

  listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]> {
    return this.inner.listChanges(ref, query);
  }

  updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment> {
    return this.inner.updateComment(ref, commentId, body);
  }

  linkIssues(parent: Issue, child: Issue): Promise<LinkResult> {
    return this.inner.linkIssues(parent, child);
  }

  async createAttachedIssue(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue> {
    const attached = await this.inner.createAttachedIssue(project, { ...input, body: this.seal(input.body) }, parent);
    return { ...attached, issue: this.open(attached.issue) };
  }

  /** Label names carry no hidden state. */
  ensureLabels(project: string, names: string[]): Promise<string[]> {
    return this.inner.ensureLabels(project, names);
  }

  lockIssue(ref: IssueRef): Promise<void> {
    return this.inner.lockIssue(ref);
  }

  deleteIssue(issue: Issue): Promise<DeleteResult> {
    return this.inner.deleteIssue(issue);
  }

  reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten> {
    return this.inner.reportConfigCheck(project, sha, report);
  }

  readConfig(project: string): Promise<ConfigFile | null> {
    return this.inner.readConfig(project);
  }

  readFile(project: string, path: string): Promise<string | null> {
    return this.inner.readFile(project, path);
  }

  getAccess(project: string, actor: AccessActor): Promise<AccessLevel> {
    return this.inner.getAccess(project, actor);
  }

  isTeamMember(team: string, actor: AccessActor): Promise<boolean> {
    return this.inner.isTeamMember(team, actor);
  }

  async sharedConfigProject(): Promise<string | null> {
    return this.inner.sharedConfigProject();
  }

  async listOpenMasters(): Promise<Issue[]> {
    return (await this.inner.listOpenMasters()).map((issue) => this.open(issue));
  }

  unlockIssue(ref: IssueRef): Promise<void> {
    return this.inner.unlockIssue(ref);
  }

  // Advisories hold no hidden state of the app's: they pass as they are.

  getAdvisory(repository: string, ghsaId: string): Promise<Advisory> {
    return this.inner.getAdvisory(repository, ghsaId);
  }

  listAdvisories(scope: string, query?: AdvisoryQuery): Promise<Advisory[]> {
    return this.inner.listAdvisories(scope, query);
  }

  createAdvisory(repository: string, draft: AdvisoryDraft): Promise<Advisory> {
    return this.inner.createAdvisory(repository, draft);
  }

  updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch): Promise<Advisory> {
    return this.inner.updateAdvisory(repository, ghsaId, patch);
  }

  requestAdvisoryCve(repository: string, ghsaId: string): Promise<void> {
    return this.inner.requestAdvisoryCve(repository, ghsaId);
  }

  createAdvisoryFork(repository: string, ghsaId: string): Promise<PrivateFork> {
    return this.inner.createAdvisoryFork(repository, ghsaId);
  }
}
