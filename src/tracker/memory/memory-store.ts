import type { Advisory, AdvisoryDraft, AdvisoryPatch } from '../../kernel/advisory.js';
import type { AccessLevel, Comment, Issue, IssueRef, Project, TrackerKind } from '../../kernel/model.js';
import { draftLabels } from '../../kernel/model.js';
import { TrackerError } from '../errors.js';
import { teamPath } from '../port.js';
import type { AdvisoryQuery, IssuePatch, IssueQuery, NewIssue, PrivateFork } from '../port.js';

/** One recorded request against the store, for tests that count API calls. */
export interface StoreCall {
  operation: string;
  target: string;
}

export interface MemoryStoreOptions {
  /** Which tracker's rules the store follows (GitHub ignores per-issue confidentiality). */
  kind: TrackerKind;
  /** The clock used for timestamps; tests pass a fixed one. */
  now?: () => Date;
  /** Base of the web URLs the store makes up. */
  webBase?: string;
}

/**
 * A change of an issue as the tracker records it, for `Tracker.listChanges` and the fakes' label events, issue events,
 * content edits and system notes: who made it and when.
 */
export interface StoredChange {
  id: number;
  kind: 'label-added' | 'label-removed' | 'title' | 'description' | 'severity';
  /** The label added or removed. */
  label?: string;
  /** The title before and after a retitle; the severity set (`critical`, `high`, `medium`, `low`, `unknown`). */
  from?: string;
  to?: string;
  /** The username of who made the change. */
  by: string;
  at: string;
  /** The issue's opening: its first title and description, by its author (no tracker records it as an edit). */
  opening?: boolean;
}

interface StoredProject extends Project {
  files: Map<string, string>;
  nextNumber: number;
}

const key = (ref: IssueRef): string => `${ref.project.toLowerCase()}#${ref.number}`;
const advisoryKey = (repository: string, ghsaId: string): string =>
  `${repository.toLowerCase()} ${ghsaId.toLowerCase()}`;
/** The letters of GitHub's advisory ids. */
const GHSA_LETTERS = '23456789cfghjmpqrvwx';

/** An advisory as the store keeps it: what the tracker answers, and the CVE requests it received. */
export interface StoredAdvisory extends Advisory {
  /** When a CVE was requested for it (GitHub's CNA answers later); null when none was. */
  cveRequestedAt: string | null;
}
/** A label of a repository, with the id the fakes name it by. */
export interface StoredLabel {
  id: number;
  name: string;
}

/** Both trackers compare project paths and usernames case-insensitively. */
const accessKey = (project: string, username: string): string => `${project.toLowerCase()} ${username.toLowerCase()}`;
/** Team names compare case-insensitively, with or without their leading `@`. */
const teamKey = (team: string): string => teamPath(team).toLowerCase();

/**
 * What was written on a commit about the configuration: a check run (with its annotations), a commit status, or a
 * comment (GitHub's commit comment, GitLab's note on the commit).
 */
export interface CommitReport {
  project: string;
  sha: string;
  kind: 'check-run' | 'commit-status' | 'commit-comment';
  /** The check run's conclusion, the status's state; absent for a comment. */
  state?: string;
  /** The check run's title and summary, the status's description, the comment's body. */
  text: string;
  annotations?: Array<{ path: string; line: number; column?: number; message: string }>;
}

/**
 * The state behind the in-memory tracker and the fake tracker servers: projects, issues, comments,
 * native links and files, with the rules of one tracker. Returns copies, so callers cannot change it by accident.
 */
export class MemoryStore {
  readonly kind: TrackerKind;
  readonly calls: StoreCall[] = [];
  /** Configuration checks written on commits, in order. */
  readonly commitReports: CommitReport[] = [];
  /** The GitHub App was not granted *Checks: write*: creating a check run is refused (403). */
  checksDenied = false;
  private readonly projects = new Map<string, StoredProject>();
  private readonly issues = new Map<string, Issue>();
  private readonly comments = new Map<string, Comment[]>();
  private readonly links = new Map<string, Set<string>>();
  /** What was changed on each issue, by whom, oldest first (changes made without naming who are not recorded). */
  private readonly changes = new Map<string, StoredChange[]>();
  private readonly access = new Map<string, AccessLevel>();
  /** Team (GitHub `org/slug`, GitLab group path) → the usernames, lower case, of its direct members. */
  private readonly teams = new Map<string, Set<string>>();
  /** Username (lower case) → the numeric id people are known by, handed out on first use. */
  private readonly userIds = new Map<string, number>();
  private readonly advisories = new Map<string, StoredAdvisory>();
  /**
   * The labels each repository has, by lower-case project path, then lower-case name (names compare
   * case-insensitively): created, or named on one of its issues, which creates a label on GitHub.
   */
  private readonly labels = new Map<string, Map<string, StoredLabel>>();
  private nextLabelId = 1;
  private readonly now: () => Date;
  private readonly webBase: string;
  private nextId = 1000;

  constructor(options: MemoryStoreOptions) {
    this.kind = options.kind;
    this.now = options.now ?? (() => new Date());
    this.webBase = options.webBase ?? (options.kind === 'github' ? 'https://github.test' : 'https://gitlab.test');
  }

  /** Adds a project; `visibility` defaults to private. */
  addProject(
    path: string,
    options: { visibility?: Project['visibility']; files?: Record<string, string> } = {},
  ): Project {
    const project: StoredProject = {
      path,
      id: this.nextId++,
      visibility: options.visibility ?? 'private',
      webUrl: `${this.webBase}/${path}`,
      defaultBranch: 'main',
      files: new Map(Object.entries(options.files ?? {})),
      nextNumber: 1,
    };
    this.projects.set(path.toLowerCase(), project);
    return this.toProject(project);
  }

  /** Writes a file on a project's default branch. */
  putFile(project: string, path: string, text: string): void {
    this.requireProject(project).files.set(path, text);
  }

  /**
   * Adds an issue as a person would, bypassing the call log; `number` gives it that number (a copy of a real issue),
   * and the project's next issues follow it.
   */
  seedIssue(
    project: string,
    input: Partial<NewIssue> & { author?: string; assignees?: string[]; number?: number },
  ): Issue {
    if (input.number !== undefined) {
      const stored = this.requireProject(project);
      stored.nextNumber = Math.max(stored.nextNumber, input.number);
    }
    return this.insertIssue(
      project,
      {
        title: input.title ?? 'Untitled',
        body: input.body ?? '',
        labels: input.labels ?? [],
        confidential: input.confidential ?? false,
        ...(input.dueDate !== undefined ? { dueDate: input.dueDate } : {}),
      },
      input.author ?? 'reporter',
      [...new Set(input.assignees ?? [])],
    );
  }

  /**
   * Changes an issue as a person would (an edit in the UI), bypassing the call log. A person may also set the due
   * date, which only GitLab issues have (the port never writes one after creation). `by` names the person: the
   * tracker then records the change as theirs (`changesOf`); without it the change is not recorded.
   */
  editIssue(ref: IssueRef, patch: IssuePatch & { dueDate?: string | null }, by?: string): Issue {
    return this.patchIssue(ref, patch, by);
  }

  /**
   * A person sets the tracker's own severity of an incident (GitLab's `/severity` quick action): the tracker records
   * it as theirs. The issue itself does not change in the neutral model, which has no severity field.
   */
  setTrackerSeverity(ref: IssueRef, severity: string, by: string): void {
    this.issue(ref);
    this.recordChange(ref, { kind: 'severity', to: severity, by, at: this.now().toISOString() });
  }

  /** What was changed on an issue and by whom, oldest first, as the tracker records it. */
  changesOf(ref: IssueRef): StoredChange[] {
    this.issue(ref);
    return structuredClone(this.changes.get(key(ref)) ?? []);
  }

  /** Sets a person's access to a project, as an owner would in the tracker's settings; `none` removes it. */
  setAccess(project: string, username: string, level: AccessLevel): void {
    const stored = this.requireProject(project);
    if (level === 'none') this.access.delete(accessKey(stored.path, username));
    else this.access.set(accessKey(stored.path, username), level);
  }

  /** A person's access to a project; `none` for people never given any and for unknown projects. */
  accessOf(project: string, username: string): AccessLevel {
    return this.access.get(accessKey(project, username)) ?? 'none';
  }

  /**
   * Adds a person to a team (GitHub `org/team-slug`) or a group (GitLab `group/sub`), as an owner would. A leading
   * `@` is ignored and names compare case-insensitively, as both trackers do.
   */
  addTeamMember(team: string, username: string): void {
    const name = teamKey(team);
    if (name === '' || username === '') throw new Error('addTeamMember needs a team and a username');
    const members = this.teams.get(name) ?? new Set<string>();
    members.add(username.toLowerCase());
    this.teams.set(name, members);
  }

  /**
   * Whether a person is a member of a team: directly, or on GitLab also through any ancestor group (`sec` members
   * are members of `sec/responders`), as GitLab's inherited memberships are. False for unknown teams.
   */
  isTeamMember(team: string, username: string): boolean {
    const name = teamKey(team);
    const user = username.toLowerCase();
    const segments = name.split('/');
    const candidates = this.kind === 'gitlab' ? segments.map((_, i) => segments.slice(0, i + 1).join('/')) : [name];
    return candidates.some((candidate) => this.teams.get(candidate)?.has(user) === true);
  }

  /**
   * The numeric id of a person (or of the app's account), stable for the store's life: handed out on first use, from
   * 100 on; names compare case-insensitively, as both trackers do. Comments carry it as `authorId`.
   */
  userId(username: string): number {
    const name = username.toLowerCase();
    if (!this.userIds.has(name)) this.userIds.set(name, 100 + this.userIds.size);
    return this.userIds.get(name)!;
  }

  record(operation: string, target: string): void {
    this.calls.push({ operation, target });
  }

  hasProject(path: string): boolean {
    return this.projects.has(path.toLowerCase());
  }

  getProject(path: string): Project {
    return this.toProject(this.requireProject(path));
  }

  /** Every project's path, for fakes that resolve numeric ids. */
  projectPaths(): string[] {
    return [...this.projects.values()].map((p) => p.path);
  }

  projectById(id: number): Project | undefined {
    const found = [...this.projects.values()].find((p) => p.id === id);
    return found ? this.toProject(found) : undefined;
  }

  issue(ref: IssueRef): Issue {
    const found = this.issues.get(key(ref));
    if (!found) throw new TrackerError(`issue not found: ${key(ref)}`, 404, 'getIssue');
    return structuredClone(found);
  }

  issueById(id: number): Issue | undefined {
    const found = [...this.issues.values()].find((i) => i.id === id);
    return found ? structuredClone(found) : undefined;
  }

  /** Every issue of a project in creation order. */
  allIssues(project: string): Issue[] {
    const prefix = `${project.toLowerCase()}#`;
    return [...this.issues.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => structuredClone(v))
      .sort((a, b) => a.ref.number - b.ref.number);
  }

  listIssues(project: string, query: IssueQuery): Issue[] {
    this.requireProject(project);
    const state = query.state ?? 'all';
    return this.allIssues(project).filter(
      (i) => query.labels.every((l) => i.labels.includes(l)) && (state === 'all' || i.state === state),
    );
  }

  /** The issues of every project that match the query, in creation order (by global id). */
  listAllIssues(query: IssueQuery): Issue[] {
    const state = query.state ?? 'all';
    return [...this.issues.values()]
      .filter((i) => query.labels.every((l) => i.labels.includes(l)) && (state === 'all' || i.state === state))
      .map((i) => structuredClone(i))
      .sort((a, b) => a.id - b.id);
  }

  createIssue(project: string, input: NewIssue, author: string): Issue {
    return this.insertIssue(project, input, author, [...new Set(input.assignees ?? [])]);
  }

  /**
   * The fakes pass `dueDate` through where the tracker has one (GitLab's `due_date`). `by` is the account writing (the
   * app's, through the port): the change is recorded as theirs.
   */
  updateIssue(ref: IssueRef, patch: IssuePatch & { dueDate?: string | null }, by?: string): Issue {
    return this.patchIssue(ref, patch, by);
  }

  deleteIssue(ref: IssueRef): void {
    this.issue(ref);
    this.issues.delete(key(ref));
    this.comments.delete(key(ref));
    this.changes.delete(key(ref));
  }

  listComments(ref: IssueRef): Comment[] {
    this.issue(ref);
    return structuredClone(this.comments.get(key(ref)) ?? []);
  }

  createComment(ref: IssueRef, body: string, author: string): Comment {
    this.issue(ref);
    const comment: Comment = {
      id: this.nextId++,
      author,
      authorId: this.userId(author),
      body,
      createdAt: this.now().toISOString(),
    };
    const list = this.comments.get(key(ref)) ?? [];
    list.push(comment);
    this.comments.set(key(ref), list);
    return structuredClone(comment);
  }

  /** One comment of an issue; a 404 `TrackerError` when the issue is missing or the comment is not on it. */
  comment(ref: IssueRef, commentId: number): Comment {
    this.issue(ref);
    const comment = (this.comments.get(key(ref)) ?? []).find((c) => c.id === commentId);
    if (!comment) throw new TrackerError(`comment not found: ${commentId}`, 404, 'getComment');
    return structuredClone(comment);
  }

  updateComment(ref: IssueRef, commentId: number, body: string): Comment {
    const comment = (this.comments.get(key(ref)) ?? []).find((c) => c.id === commentId);
    if (!comment) throw new TrackerError(`comment not found: ${commentId}`, 404, 'updateComment');
    comment.body = body;
    return structuredClone(comment);
  }

  /** Records a native link; false when it existed already. */
  link(parent: IssueRef, child: IssueRef): boolean {
    this.issue(parent);
    this.issue(child);
    const set = this.links.get(key(parent)) ?? new Set<string>();
    const had = set.has(key(child));
    set.add(key(child));
    this.links.set(key(parent), set);
    return !had;
  }

  /** The refs natively linked from a parent, as `project#number` keys. */
  linksOf(parent: IssueRef): string[] {
    return [...(this.links.get(key(parent)) ?? [])];
  }

  /** The labels a project has, oldest first: created with `createLabel`, or named on one of its issues. */
  labelsOf(project: string): StoredLabel[] {
    this.requireProject(project);
    return [...(this.labels.get(project.toLowerCase())?.values() ?? [])].map((label) => ({ ...label }));
  }

  /** Creates a label in a project, as a maintainer (or the app) would; null when it has one by that name already. */
  createLabel(project: string, name: string): StoredLabel | null {
    const path = this.requireProject(project).path;
    if (this.labels.get(path.toLowerCase())?.has(name.toLowerCase())) return null;
    return { ...this.registerLabel(path, name) };
  }

  /** Deletes a project's label, as a maintainer would (issues keep theirs); false when it has none by that name. */
  deleteLabel(project: string, name: string): boolean {
    const path = this.requireProject(project).path;
    return this.labels.get(path.toLowerCase())?.delete(name.toLowerCase()) ?? false;
  }

  /** A label by its id, with its project's path. */
  labelById(id: number): (StoredLabel & { project: string }) | undefined {
    for (const [project, labels] of this.labels) {
      for (const label of labels.values())
        if (label.id === id) return { ...label, project: this.requireProject(project).path };
    }
    return undefined;
  }

  private registerLabel(project: string, name: string): StoredLabel {
    const labels = this.labels.get(project.toLowerCase()) ?? new Map<string, StoredLabel>();
    this.labels.set(project.toLowerCase(), labels);
    const known = labels.get(name.toLowerCase());
    if (known) return known;
    const label = { id: this.nextLabelId++, name };
    labels.set(name.toLowerCase(), label);
    return label;
  }

  readFile(project: string, path: string): string | null {
    const found = this.projects.get(project.toLowerCase());
    if (!found) return null;
    return found.files.get(path) ?? null;
  }

  private insertIssue(project: string, input: NewIssue, author: string, assignees: string[]): Issue {
    const stored = this.requireProject(project);
    const number = stored.nextNumber++;
    const at = this.now().toISOString();
    const issue: Issue = {
      ref: { project: stored.path, number },
      id: this.nextId++,
      title: input.title,
      body: input.body,
      // Status labels too: the in-memory tracker gives every label in the create, as GitLab and REST do.
      labels: draftLabels(input),
      state: 'open',
      confidential: this.kind === 'gitlab' ? input.confidential : false,
      locked: false,
      author,
      assignees,
      ...(this.kind === 'gitlab' ? { dueDate: input.dueDate ?? null } : {}),
      webUrl: `${stored.webUrl}/${this.kind === 'github' ? 'issues' : '-/issues'}/${number}`,
      createdAt: at,
      updatedAt: at,
    };
    this.issues.set(key(issue.ref), issue);
    for (const label of issue.labels) this.registerLabel(stored.path, label);
    // The opening: the first title and description are the author's, and so are the labels it was opened with.
    this.recordChange(issue.ref, { kind: 'title', to: issue.title, by: author, at, opening: true });
    this.recordChange(issue.ref, { kind: 'description', by: author, at, opening: true });
    for (const label of issue.labels) this.recordChange(issue.ref, { kind: 'label-added', label, by: author, at });
    return structuredClone(issue);
  }

  private recordChange(ref: IssueRef, change: Omit<StoredChange, 'id'>): void {
    const list = this.changes.get(key(ref)) ?? [];
    list.push({ id: this.nextId++, ...change });
    this.changes.set(key(ref), list);
  }

  private patchIssue(
    ref: IssueRef,
    patch: IssuePatch & { locked?: boolean; dueDate?: string | null },
    by?: string,
  ): Issue {
    const issue = this.issues.get(key(ref));
    if (!issue) throw new TrackerError(`issue not found: ${key(ref)}`, 404, 'updateIssue');
    if (by !== undefined) {
      const at = this.now().toISOString();
      if (patch.title !== undefined && patch.title !== issue.title)
        this.recordChange(ref, { kind: 'title', from: issue.title, to: patch.title, by, at });
      if (patch.body !== undefined && patch.body !== issue.body)
        this.recordChange(ref, { kind: 'description', by, at });
      if (patch.labels !== undefined) {
        const next = new Set(patch.labels);
        for (const label of next)
          if (!issue.labels.includes(label)) this.recordChange(ref, { kind: 'label-added', label, by, at });
        for (const label of issue.labels)
          if (!next.has(label)) this.recordChange(ref, { kind: 'label-removed', label, by, at });
      }
    }
    if (patch.title !== undefined) issue.title = patch.title;
    if (patch.body !== undefined) issue.body = patch.body;
    if (patch.labels !== undefined) {
      issue.labels = [...new Set(patch.labels)];
      for (const label of issue.labels) this.registerLabel(issue.ref.project, label);
    }
    if (patch.assignees !== undefined) issue.assignees = [...new Set(patch.assignees)];
    if (patch.state !== undefined) issue.state = patch.state;
    if (patch.confidential !== undefined && this.kind === 'gitlab') issue.confidential = patch.confidential;
    if (patch.locked !== undefined) issue.locked = patch.locked;
    if (patch.dueDate !== undefined && this.kind === 'gitlab') issue.dueDate = patch.dueDate;
    issue.updatedAt = this.now().toISOString();
    return structuredClone(issue);
  }

  /** Locks an issue's conversation. */
  lock(ref: IssueRef): Issue {
    return this.patchIssue(ref, { locked: true });
  }

  /** Unlocks an issue's conversation. */
  unlock(ref: IssueRef): Issue {
    return this.patchIssue(ref, { locked: false });
  }

  // --- Repository security advisories (GitHub) ---------------------------------------------------------------

  /**
   * An advisory as GitHub makes one: a private vulnerability report (`triage`, by `reporter`) unless the seed says
   * otherwise. The repository must exist.
   */
  seedAdvisory(repository: string, input: Partial<Omit<Advisory, 'repository' | 'webUrl'>> = {}): StoredAdvisory {
    const project = this.requireProject(repository);
    const ghsaId = input.ghsaId ?? this.nextGhsa();
    const at = this.now().toISOString();
    const advisory: StoredAdvisory = {
      ghsaId,
      repository: project.path,
      cveId: null,
      webUrl: `${project.webUrl}/security/advisories/${ghsaId}`,
      summary: 'Untitled report',
      description: '',
      severity: null,
      cvssVector: null,
      cvssScore: null,
      cweIds: [],
      state: 'triage',
      vulnerabilities: [],
      reporter: null,
      author: input.reporter ?? null,
      privateFork: null,
      createdAt: at,
      updatedAt: at,
      publishedAt: null,
      withdrawnAt: null,
      ...input,
      cveRequestedAt: null,
    };
    this.advisories.set(advisoryKey(project.path, ghsaId), advisory);
    return structuredClone(advisory);
  }

  /** One advisory; a 404 `TrackerError` when the repository has none by that id. */
  advisory(repository: string, ghsaId: string): StoredAdvisory {
    const found = this.advisories.get(advisoryKey(repository, ghsaId));
    if (!found) throw new TrackerError(`advisory not found: ${repository} ${ghsaId}`, 404, 'getAdvisory');
    return structuredClone(found);
  }

  /** The advisories of a repository (`owner/repo`) or of an owner's repositories (`owner`), newest first. */
  listAdvisories(scope: string, query: AdvisoryQuery = {}): StoredAdvisory[] {
    const owner = !scope.includes('/');
    if (!owner) this.requireProject(scope);
    return [...this.advisories.values()]
      .filter((a) =>
        owner ? a.repository.split('/')[0]!.toLowerCase() === scope.toLowerCase() : same(a.repository, scope),
      )
      .filter((a) => query.state === undefined || a.state === query.state)
      .map((a) => structuredClone(a))
      .reverse();
  }

  /** A draft advisory made by `author`: the app (or a maintainer). */
  createAdvisory(repository: string, draft: AdvisoryDraft, author: string | null = null): StoredAdvisory {
    return this.seedAdvisory(repository, { ...advisoryFields(draft), state: 'draft', author });
  }

  /** Changes an advisory as the tracker would: `published` sets the publication time, `closed` closes it. */
  updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch | Partial<Advisory>): StoredAdvisory {
    const found = this.advisories.get(advisoryKey(repository, ghsaId));
    if (!found) throw new TrackerError(`advisory not found: ${repository} ${ghsaId}`, 404, 'updateAdvisory');
    const at = this.now().toISOString();
    const fields = 'ghsaId' in patch ? patch : advisoryFields(patch as AdvisoryPatch);
    Object.assign(found, fields);
    if (patch.state === 'published' && found.publishedAt === null) found.publishedAt = at;
    found.updatedAt = at;
    return structuredClone(found);
  }

  /** Records a CVE request (the id is assigned later, as GitHub's CNA does: `updateAdvisory` with `cveId`). */
  requestCve(repository: string, ghsaId: string): StoredAdvisory {
    const found = this.advisories.get(advisoryKey(repository, ghsaId));
    if (!found) throw new TrackerError(`advisory not found: ${repository} ${ghsaId}`, 404, 'requestAdvisoryCve');
    // GitHub's CNA assigns CVEs for public repositories only, and one per advisory.
    if (found.cveId) throw new TrackerError('the advisory already has a CVE id', 422, 'requestAdvisoryCve');
    if (this.getProject(found.repository).visibility === 'private')
      throw new TrackerError('a CVE cannot be requested for a private repository', 422, 'requestAdvisoryCve');
    found.cveRequestedAt ??= this.now().toISOString();
    return structuredClone(found);
  }

  /** The advisory's temporary private fork: a private repository of the same owner, made once. */
  createFork(repository: string, ghsaId: string): PrivateFork {
    const found = this.advisories.get(advisoryKey(repository, ghsaId));
    if (!found) throw new TrackerError(`advisory not found: ${repository} ${ghsaId}`, 404, 'createAdvisoryFork');
    if (!found.privateFork) {
      const path = `${found.repository}-${ghsaId.toLowerCase()}`;
      const fork = this.hasProject(path) ? this.getProject(path) : this.addProject(path, { visibility: 'private' });
      found.privateFork = { path: fork.path, webUrl: fork.webUrl };
    }
    return structuredClone(found.privateFork);
  }

  private nextGhsa(): string {
    let n = this.nextId++;
    const groups: string[] = [];
    for (let g = 0; g < 3; g += 1) {
      let group = '';
      for (let i = 0; i < 4; i += 1) {
        group += GHSA_LETTERS[n % GHSA_LETTERS.length];
        n = Math.floor(n / GHSA_LETTERS.length) + 7 * (g + i + 1);
      }
      groups.push(group);
    }
    return `GHSA-${groups.join('-')}`;
  }

  private requireProject(path: string): StoredProject {
    const found = this.projects.get(path.toLowerCase());
    if (!found) throw new TrackerError(`project not found: ${path}`, 404, 'getProject');
    return found;
  }

  private toProject(p: StoredProject): Project {
    return { path: p.path, id: p.id, visibility: p.visibility, webUrl: p.webUrl, defaultBranch: p.defaultBranch };
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The fields of an advisory a draft or a patch sets (only those present). */
function advisoryFields(patch: AdvisoryPatch): Partial<Advisory> {
  const fields: Partial<Advisory> = {};
  if (patch.summary !== undefined) fields.summary = patch.summary;
  if (patch.description !== undefined) fields.description = patch.description;
  if (patch.cveId !== undefined) fields.cveId = patch.cveId;
  if (patch.cweIds !== undefined) fields.cweIds = [...patch.cweIds];
  if (patch.vulnerabilities !== undefined) fields.vulnerabilities = structuredClone(patch.vulnerabilities);
  // Severity and vector exclude each other, as on GitHub: setting one clears the other.
  if (patch.cvssVector) {
    fields.cvssVector = patch.cvssVector;
    fields.severity = null;
  } else if (patch.severity !== undefined) {
    fields.severity = patch.severity;
    fields.cvssVector = null;
    fields.cvssScore = null;
  }
  if (patch.state !== undefined) fields.state = patch.state;
  return fields;
}
