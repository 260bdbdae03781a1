import type { AccessLevel, Comment, Issue, IssueRef, Project } from '../kernel/model.js';
import { DESCRIPTION_LIMITS, formatRef } from '../kernel/model.js';
import { idLabel } from '../kernel/identifier.js';
import { TIMELINE_LIMITS } from '../kernel/timeline.js';
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

/** The prefix of an incident's identifier label (`incident-id::<ID>`), lower case. */
const ID_LABEL_PREFIX = idLabel('').toLowerCase();

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
  /** The address of each private project learned, by lower-case path (a lifted ticket may name its own project). */
  private readonly projectUrls = new Map<string, string>();

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
      this.projectUrls.set(key, project.webUrl);
    }
    return project;
  }

  private learnIssue(issue: Issue): Issue {
    this.confidential.set(formatRef(issue.ref).toLowerCase(), issue.confidential);
    if (issue.confidential) {
      this.addNeedle(formatRef(issue.ref));
      this.addNeedle(issue.webUrl);
    } else {
      // Privacy follows the tracker's latest answer: a ticket made public (a lifted release ticket) may be named.
      this.privateNeedles.delete(formatRef(issue.ref).toLowerCase());
      this.privateNeedles.delete(issue.webUrl.toLowerCase());
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

  private check(target: string, text: string, allowed: ReadonlySet<string> = new Set()): void {
    for (const [pattern, what] of INCIDENT_MARKERS) if (pattern.test(text)) throw new PublicWriteError(target, what);
    for (const [needleText, needle] of this.privateNeedles) {
      if (allowed.has(needleText)) continue;
      // Whole references only: `acme/web` must not match inside `acme/web-public`.
      needle.pattern ??= new RegExp(`(?:^|[^\\w.-])${escapeRegExp(needle.text)}(?![\\w-]|\\.\\w)`, 'i');
      if (needle.pattern.test(text))
        throw new PublicWriteError(target, 'a reference to a private project or confidential issue');
    }
  }

  /**
   * A confidential issue made non-confidential (confidentiality lifted): everything it holds leaves at once, so its
   * title, its description as it will be, and every comment on it are checked, wherever it is. It may name itself
   * and its own project (whoever reads it can read both); no other confidential issue, no other private project.
   */
  private async checkLift(ref: IssueRef, patch: IssuePatch): Promise<void> {
    const current = this.learnIssue(await this.inner.getIssue(ref));
    if (!current.confidential) return;
    const comments = await this.inner.listComments(ref);
    const project = ref.project.toLowerCase();
    const allowed = new Set(
      [project, this.projectUrls.get(project), formatRef(ref), current.webUrl]
        .filter((t): t is string => typeof t === 'string')
        .map((t) => t.toLowerCase()),
    );
    const target = formatRef(ref);
    this.check(target, `${patch.title ?? current.title}\n${patch.body ?? current.body}`, allowed);
    for (const comment of comments) this.check(`${target} (a comment by ${comment.author})`, comment.body, allowed);
  }

  /**
   * What the app writes into an advisory is checked as public: a draft is read by the reporter and every collaborator
   * on it, and is published sooner or later.
   */
  private checkAdvisory(target: string, patch: AdvisoryPatch): void {
    const text = [
      patch.summary ?? '',
      patch.description ?? '',
      ...(patch.cweIds ?? []),
      ...(patch.vulnerabilities ?? []).flatMap((v) => [v.package ?? '', v.vulnerableRange ?? '', v.patched ?? '']),
    ].join('\n');
    if (text.trim()) this.check(target, text);
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
    if (patch.confidential === false && this.capabilities.confidentialIssues) await this.checkLift(ref, patch);
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

  /**
   * An issue created already attached to its parent is checked as `createIssue` is (its length; no incident content in
   * a place anyone can read), and its link as both ends' exposure allows. The link is made in the same request as the
   * issue, before any answer could show where the issue landed, so the new issue counts as exposed as its project (a
   * confidentiality asked for is only confirmed by that answer), and both ends must be equally exposed: a public child
   * under a private or confidential parent would show the parent's reference to everyone (as `linkIssues` refuses), and
   * a private or confidential child under a public parent would hang on a page anyone reads, which shows that something
   * was opened under it, when, and how far it got (GitHub's sub-issue summary). Refused before any request.
   */
  async createAttachedIssue(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue> {
    this.checkLength(null, input.body, 'description');
    if (await this.isPublic(project, null, input.confidential)) this.check(project, `${input.title}\n${input.body}`);
    const childPublic = await this.isPublic(project, null);
    if (childPublic !== (await this.isPublic(parent.ref.project, parent.ref))) {
      const reason = childPublic ? 'a native link to a private issue' : 'a native link of a private issue';
      throw new PublicWriteError(childPublic ? project : formatRef(parent.ref), reason);
    }
    const attached = await this.inner.createAttachedIssue(project, input, parent);
    return { ...attached, issue: this.learnIssue(attached.issue) };
  }

  /**
   * Labels prepared ahead of incidents (role and approval labels) name a process, not an incident: they may go to any
   * project, public ones included. In a place anyone can read, a name that is an incident's identifier label (it would
   * show that an incident exists, and its CVE id before the disclosure), that carries an incident marker, or that names
   * a private project or a confidential issue the guard knows of is refused before any request, and nothing is written.
   */
  async ensureLabels(project: string, names: string[]): Promise<string[]> {
    if (!this.capabilities.labelsBeforeUse) return this.inner.ensureLabels(project, names);
    if (names.length > 0 && (await this.isPublic(project, null))) {
      const target = `the labels of ${project}`;
      if (names.some((name) => name.toLowerCase().startsWith(ID_LABEL_PREFIX)))
        throw new PublicWriteError(target, "an incident's identifier label");
      this.check(target, names.join('\n'));
    }
    return this.inner.ensureLabels(project, names);
  }

  async lockIssue(ref: IssueRef): Promise<void> {
    return this.inner.lockIssue(ref);
  }

  /**
   * A configuration check goes on a commit of the project, which may be public: like any public write, it carries no
   * incident marker and names no private project or confidential issue the guard knows of.
   */
  async reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten> {
    const text = [report.title, report.summary, ...report.annotations.map((a) => a.message)].join('\n');
    this.check(`the configuration check on ${project}@${sha.slice(0, 12)}`, text);
    return this.inner.reportConfigCheck(project, sha, report);
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

  async sharedConfigProject(): Promise<string | null> {
    return this.inner.sharedConfigProject();
  }

  async listOpenMasters(): Promise<Issue[]> {
    return (await this.inner.listOpenMasters()).map((i) => this.learnIssue(i));
  }

  /** Unlocking writes nothing: what the issue shows was checked when it was written. */
  async unlockIssue(ref: IssueRef): Promise<void> {
    return this.inner.unlockIssue(ref);
  }

  async getAdvisory(repository: string, ghsaId: string): Promise<Advisory> {
    return this.inner.getAdvisory(repository, ghsaId);
  }

  async listAdvisories(scope: string, query?: AdvisoryQuery): Promise<Advisory[]> {
    return this.inner.listAdvisories(scope, query);
  }

  async createAdvisory(repository: string, draft: AdvisoryDraft): Promise<Advisory> {
    this.checkAdvisory(repository, draft);
    return this.inner.createAdvisory(repository, draft);
  }

  /** Publishing makes the advisory public as it stands: its summary and description are read and checked first. */
  async updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch): Promise<Advisory> {
    const target = `${repository} ${ghsaId}`;
    this.checkAdvisory(target, patch);
    if (patch.state === 'published') {
      const current = await this.inner.getAdvisory(repository, ghsaId);
      this.checkAdvisory(target, {
        summary: patch.summary ?? current.summary,
        description: patch.description ?? current.description,
        cweIds: patch.cweIds ?? current.cweIds,
        vulnerabilities: patch.vulnerabilities ?? current.vulnerabilities,
      });
    }
    return this.inner.updateAdvisory(repository, ghsaId, patch);
  }

  async requestAdvisoryCve(repository: string, ghsaId: string): Promise<void> {
    return this.inner.requestAdvisoryCve(repository, ghsaId);
  }

  async createAdvisoryFork(repository: string, ghsaId: string): Promise<PrivateFork> {
    return this.inner.createAdvisoryFork(repository, ghsaId);
  }
}
