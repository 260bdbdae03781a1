import type { AccessLevel, Comment, Issue, IssueRef, Project } from '../kernel/model.js';
import { DESCRIPTION_LIMITS, formatRef } from '../kernel/model.js';
import { TIMELINE_LIMITS } from '../kernel/timeline.js';
import type {
  AccessActor,
  ChangeQuery,
  ConfigFile,
  DeleteResult,
  IssueChange,
  IssuePatch,
  IssueQuery,
  LinkResult,
  NewIssue,
  SelfAccount,
  Tracker,
} from '../tracker/port.js';

/** A write to a public place was refused because it carried incident content. Nothing was written. */
export class PublicWriteError extends Error {
  override readonly name = 'PublicWriteError';
  constructor(
    /** The project or issue the write was meant for. */
    readonly target: string,
    /** What was found (never the content itself). */
    readonly reason: string,
  ) {
    super(`refused to write incident content to the public ${target}: ${reason}`);
  }
}

/** A description or comment longer than the tracker keeps. Nothing was written, and nothing was cut. */
export class BodyLimitError extends Error {
  override readonly name = 'BodyLimitError';
  constructor(
    readonly ref: IssueRef | null,
    readonly length: number,
    readonly limit: number,
  ) {
    super(`refused to write ${length} characters where the tracker keeps ${limit}`);
  }
}

/**
 * Markers only the incident's own tickets carry: checklist steps, the tracking table, the timeline, a master's or
 * child's state.
 */
const INCIDENT_MARKERS: ReadonlyArray<[RegExp, string]> = [
  [/<!-- step:/, 'a checklist step'],
  [/<!-- incident-desk:(?:tasks|timeline|incident-summary|summary)\b/, "an incident ticket's section"],
  [/<!-- incident-desk:state [^\n]*"(?:master|source)":/, 'a reference to the master in hidden state'],
  [/<!-- incident-desk:state [^\n]*"role":"(?:master|release|comms)"/, "an incident ticket's hidden state"],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The one guard on every write the shell makes. A description or comment over the tracker's limit is refused
 * with a `BodyLimitError` (the tracker would refuse it or cut it). A write to a place anyone can read (a GitLab issue
 * that is not confidential in a project that is not private; a GitHub issue of a repository that is not private) is
 * checked for incident content and refused with a `PublicWriteError` before any request is made. Incident content is
 * what only the incident's own tickets carry (checklist, tracking table, timeline, hidden state naming a master),
 * the path of a project the tracker answered is private, and the reference or address of an issue it answered is
 * confidential. The guard learns privacy from the tracker's answers as they pass through it (and the webhook's
 * project), so it costs a request only for a place it knows nothing of. One instance per event or sweep.
 */
export class WriteGuard implements Tracker {
  readonly kind: Tracker['kind'];
  readonly capabilities: Tracker['capabilities'];
  private readonly visibility = new Map<string, Project['visibility']>();
  private readonly confidential = new Map<string, boolean>();
  /** Private references by their lower-case text; each compiled on the first write checked (most events write none). */
  private readonly privateNeedles = new Map<string, { text: string; pattern?: RegExp }>();

  constructor(
    private readonly inner: Tracker,
    known: { projects?: Project[]; issues?: Issue[] } = {},
  ) {
    this.kind = inner.kind;
    this.capabilities = inner.capabilities;
    for (const project of known.projects ?? []) this.learnProject(project);
    for (const issue of known.issues ?? []) this.learnIssue(issue);
  }

  private learnProject(project: Project): Project {
    const key = project.path.toLowerCase();
    this.visibility.set(key, project.visibility);
    if (project.visibility === 'private') {
      this.addNeedle(project.path);
      this.addNeedle(project.webUrl);
    }
    return project;
  }

  private learnIssue(issue: Issue): Issue {
    this.confidential.set(formatRef(issue.ref).toLowerCase(), issue.confidential);
    if (issue.confidential) {
      this.addNeedle(formatRef(issue.ref));
      this.addNeedle(issue.webUrl);
    }
    return issue;
  }

  private addNeedle(text: string): void {
    if (!text) return;
    const key = text.toLowerCase();
    if (!this.privateNeedles.has(key)) this.privateNeedles.set(key, { text });
  }

  private async projectVisibility(path: string): Promise<Project['visibility']> {
    const known = this.visibility.get(path.toLowerCase());
    if (known) return known;
    return this.learnProject(await this.inner.getProject(path)).visibility;
  }

  /** True when anyone could read the issue (or, with no issue number, a new non-confidential issue of the project). */
  private async isPublic(project: string, ref: IssueRef | null, confidentialNew = false): Promise<boolean> {
    if (ref) {
      let confidential = this.confidential.get(formatRef(ref).toLowerCase());
      if (confidential === undefined && this.capabilities.confidentialIssues)
        confidential = this.learnIssue(await this.inner.getIssue(ref)).confidential;
      if (confidential) return false;
    } else if (confidentialNew && this.capabilities.confidentialIssues) {
      return false;
    }
    return (await this.projectVisibility(project)) !== 'private';
  }

  private checkLength(ref: IssueRef | null, text: string | undefined, kind: 'description' | 'comment'): void {
    if (text === undefined) return;
    const limit = kind === 'description' ? DESCRIPTION_LIMITS[this.kind] : TIMELINE_LIMITS[this.kind];
    if (text.length > limit) throw new BodyLimitError(ref, text.length, limit);
  }

  private check(target: string, text: string): void {
    for (const [pattern, what] of INCIDENT_MARKERS) if (pattern.test(text)) throw new PublicWriteError(target, what);
    for (const needle of this.privateNeedles.values()) {
      // Whole references only: `acme/web` must not match inside `acme/web-public`.
      needle.pattern ??= new RegExp(`(?:^|[^\\w.-])${escapeRegExp(needle.text)}(?![\\w-]|\\.\\w)`, 'i');
      if (needle.pattern.test(text))
        throw new PublicWriteError(target, 'a reference to a private project or confidential issue');
    }
  }

  async getProject(path: string): Promise<Project> {
    return this.learnProject(await this.inner.getProject(path));
  }

  async getIssue(ref: IssueRef): Promise<Issue> {
    return this.learnIssue(await this.inner.getIssue(ref));
  }

  async listIssues(project: string, query: IssueQuery): Promise<Issue[]> {
    return (await this.inner.listIssues(project, query)).map((i) => this.learnIssue(i));
  }

  async createIssue(project: string, input: NewIssue): Promise<Issue> {
    this.checkLength(null, input.body, 'description');
    if (await this.isPublic(project, null, input.confidential)) this.check(project, `${input.title}\n${input.body}`);
    return this.learnIssue(await this.inner.createIssue(project, input));
  }

  async updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue> {
    this.checkLength(ref, patch.body, 'description');
    const text = `${patch.title ?? ''}\n${patch.body ?? ''}`;
    // A write that also makes the issue confidential is still checked: the tracker may not keep it confidential.
    if (text.trim() && (await this.isPublic(ref.project, ref))) this.check(formatRef(ref), text);
    return this.learnIssue(await this.inner.updateIssue(ref, patch));
  }

  async getSelf(): Promise<SelfAccount> {
    return this.inner.getSelf();
  }

  async listComments(ref: IssueRef): Promise<Comment[]> {
    return this.inner.listComments(ref);
  }

  async getComment(ref: IssueRef, commentId: number): Promise<Comment> {
    return this.inner.getComment(ref, commentId);
  }

  async listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]> {
    return this.inner.listChanges(ref, query);
  }

  async createComment(ref: IssueRef, body: string): Promise<Comment> {
    this.checkLength(ref, body, 'comment');
    if (await this.isPublic(ref.project, ref)) this.check(formatRef(ref), body);
    return this.inner.createComment(ref, body);
  }

  async updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment> {
    this.checkLength(ref, body, 'comment');
    if (await this.isPublic(ref.project, ref)) this.check(formatRef(ref), body);
    return this.inner.updateComment(ref, commentId, body);
  }

  /** A native link from a public issue to a private one would show the private one's reference to the public. */
  async linkIssues(parent: Issue, child: Issue): Promise<LinkResult> {
    const childPublic = await this.isPublic(child.ref.project, child.ref);
    if (childPublic && !(await this.isPublic(parent.ref.project, parent.ref)))
      throw new PublicWriteError(formatRef(child.ref), 'a native link to a private issue');
    return this.inner.linkIssues(parent, child);
  }

  async lockIssue(ref: IssueRef): Promise<void> {
    return this.inner.lockIssue(ref);
  }

  async deleteIssue(issue: Issue): Promise<DeleteResult> {
    return this.inner.deleteIssue(issue);
  }

  async readConfig(project: string): Promise<ConfigFile | null> {
    return this.inner.readConfig(project);
  }

  async readFile(project: string, path: string): Promise<string | null> {
    return this.inner.readFile(project, path);
  }

  async getAccess(project: string, actor: AccessActor): Promise<AccessLevel> {
    return this.inner.getAccess(project, actor);
  }

  async isTeamMember(team: string, actor: AccessActor): Promise<boolean> {
    return this.inner.isTeamMember(team, actor);
  }

  async listOpenMasters(): Promise<Issue[]> {
    return (await this.inner.listOpenMasters()).map((i) => this.learnIssue(i));
  }
}
