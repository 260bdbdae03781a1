import type { AccessLevel, Comment, Issue, IssueRef, Project, TrackerKind } from '../../kernel/model.js';
import type {
  FileCache,
  AccessActor,
  Advisory,
  AdvisoryDraft,
  AdvisoryPatch,
  AdvisoryQuery,
  AttachedIssue,
  PrivateFork,
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
  SelfAccount,
  Tracker,
  TrackerCapabilities,
} from '../port.js';
import { CONFIG_CHECK_NAME, CONFIG_PATHS, MASTER_LABEL, teamPath } from '../port.js';
import { TrackerError } from '../errors.js';
import type { MemoryStore } from './memory-store.js';

export interface MemoryTrackerOptions {
  /** The account the app acts as; authors of what it writes. */
  actor?: string;
  /** Whether the app may delete issues (GitHub needs admin rights for it). */
  canDelete?: boolean;
  /**
   * Whether the events handed to the shell are the tracker's word (`capabilities.signedDeliveries`). True by default:
   * tests and the demo build the events themselves. False plays GitLab's hooks, whose token every maintainer who
   * registers one knows: the shell then asks the store who acted and what a comment says.
   */
  signedDeliveries?: boolean;
  /** Files kept between events as the server keeps them (see `FileCache`); a fresh one is not read from the store. */
  files?: FileCache;
  /** Under GitHub's rules, the installation account (`sharedConfigProject` is its `.github` repository). */
  account?: string;
}

/** The tracker the tests and the offline demo use: the port over a `MemoryStore`, with one tracker's rules. */
export class MemoryTracker implements Tracker {
  readonly kind: TrackerKind;
  readonly capabilities: TrackerCapabilities;
  private readonly actor: string;
  private readonly canDelete: boolean;
  private readonly files: FileCache | undefined;
  private readonly account: string | undefined;

  constructor(
    readonly store: MemoryStore,
    options: MemoryTrackerOptions = {},
  ) {
    this.kind = store.kind;
    this.actor = options.actor ?? 'incident-desk[bot]';
    this.canDelete = options.canDelete ?? false;
    this.files = options.files;
    this.account = options.account;
    this.capabilities = {
      confidentialIssues: store.kind === 'gitlab',
      nativeLinks: true,
      // As the adapters: GitHub creates a sub-issue in one request, GitLab creates, then links.
      attachOnCreate: store.kind === 'github',
      labelsBeforeUse: store.kind === 'github',
      lockConversation: store.kind === 'github',
      deleteIssue: store.kind === 'github',
      dueDates: store.kind === 'gitlab',
      signedDeliveries: options.signedDeliveries ?? true,
      securityAdvisories: store.kind === 'github',
      checks: store.kind === 'github',
      commitStatuses: store.kind === 'gitlab',
    };
  }

  /** The account given as `actor`, with the id the store knows it by. Not a recorded call: it costs nothing. */
  async getSelf(): Promise<SelfAccount> {
    return { id: this.store.userId(this.actor), username: this.actor };
  }

  async getProject(path: string): Promise<Project> {
    this.store.record('getProject', path);
    return this.store.getProject(path);
  }

  async getIssue(ref: IssueRef): Promise<Issue> {
    this.store.record('getIssue', `${ref.project}#${ref.number}`);
    return this.store.issue(ref);
  }

  async listIssues(project: string, query: IssueQuery): Promise<Issue[]> {
    this.store.record('listIssues', project);
    return this.store.listIssues(project, query);
  }

  async createIssue(project: string, input: NewIssue): Promise<Issue> {
    this.store.record('createIssue', project);
    return this.store.createIssue(project, input, this.actor);
  }

  async updateIssue(ref: IssueRef, patch: IssuePatch): Promise<Issue> {
    this.store.record('updateIssue', `${ref.project}#${ref.number}`);
    return this.store.updateIssue(ref, patch, this.actor);
  }

  /** The changes the store recorded (people's edits that named them, and the app's own writes), newest first. */
  async listChanges(ref: IssueRef, query: ChangeQuery): Promise<IssueChange[]> {
    this.store.record('listChanges', `${ref.project}#${ref.number}`);
    // As on GitHub, whose issues have no severity field: nobody ever changed it.
    if (query.kind === 'severity' && this.store.kind === 'github') return [];
    return this.store
      .changesOf(ref)
      .filter((c) =>
        query.kind === 'label-added'
          ? c.kind === 'label-added' && c.label === query.label
          : c.kind === query.kind && (query.kind === 'title' || !c.opening),
      )
      .reverse()
      .map((c) => ({ actor: { username: c.by, id: this.store.userId(c.by) }, at: c.at }));
  }

  async listComments(ref: IssueRef): Promise<Comment[]> {
    this.store.record('listComments', `${ref.project}#${ref.number}`);
    return this.store.listComments(ref);
  }

  async getComment(ref: IssueRef, commentId: number): Promise<Comment> {
    this.store.record('getComment', `${ref.project}#${ref.number}`);
    return this.store.comment(ref, commentId);
  }

  async createComment(ref: IssueRef, body: string): Promise<Comment> {
    this.store.record('createComment', `${ref.project}#${ref.number}`);
    return this.store.createComment(ref, body, this.actor);
  }

  async updateComment(ref: IssueRef, commentId: number, body: string): Promise<Comment> {
    this.store.record('updateComment', `${ref.project}#${ref.number}`);
    return this.store.updateComment(ref, commentId, body);
  }

  async linkIssues(parent: Issue, child: Issue): Promise<LinkResult> {
    this.store.record('linkIssues', `${parent.ref.project}#${parent.ref.number}`);
    if (this.kind === 'github' && ownerOf(parent.ref.project) !== ownerOf(child.ref.project)) return 'unsupported';
    return this.store.link(parent.ref, child.ref) ? 'linked' : 'already-linked';
  }

  /**
   * As GitHub's adapter: one request that creates the issue as a sub-issue of `parent`; across owners created
   * unattached (`unsupported`). Under GitLab's rules it throws before any request, as GitLab's adapter does.
   */
  async createAttachedIssue(project: string, input: NewIssue, parent: Issue): Promise<AttachedIssue> {
    if (!this.capabilities.attachOnCreate)
      throw new TrackerError(
        'this tracker cannot create an issue attached to a parent',
        undefined,
        'createAttachedIssue',
      );
    this.store.record('createAttachedIssue', project);
    const issue = this.store.createIssue(project, input, this.actor);
    if (ownerOf(parent.ref.project) !== ownerOf(project)) return { issue, link: 'unsupported' };
    this.store.link(parent.ref, issue.ref);
    return { issue, link: 'linked' };
  }

  /**
   * Under GitHub's rules, one call that reads the project's labels and creates those it lacks (case-insensitive);
   * answers the names created. Under GitLab's, a no-op without a recorded call, as the GitLab adapter makes no request.
   */
  async ensureLabels(project: string, names: string[]): Promise<string[]> {
    if (this.kind !== 'github') return [];
    this.store.record('ensureLabels', project);
    const created: string[] = [];
    for (const name of names) if (this.store.createLabel(project, name)) created.push(name);
    return created;
  }

  async lockIssue(ref: IssueRef): Promise<void> {
    this.store.record('lockIssue', `${ref.project}#${ref.number}`);
    this.store.lock(ref);
  }

  async deleteIssue(issue: Issue): Promise<DeleteResult> {
    this.store.record('deleteIssue', `${issue.ref.project}#${issue.ref.number}`);
    if (!this.canDelete) return 'forbidden';
    this.store.deleteIssue(issue.ref);
    return 'deleted';
  }

  /** As the tracker whose rules the store follows: GitHub's check run or commit comment, GitLab's status and note. */
  async reportConfigCheck(project: string, sha: string, report: ConfigCheckReport): Promise<ConfigCheckWritten> {
    this.store.getProject(project);
    const comment = `**${CONFIG_CHECK_NAME}: ${report.title}**\n\n${report.summary}`;
    if (this.kind === 'gitlab') {
      this.store.record('createCommitStatus', project);
      const state = report.conclusion === 'success' ? 'success' : 'failed';
      this.store.commitReports.push({ project, sha, kind: 'commit-status', state, text: report.title });
      if (report.conclusion === 'success') return 'commit-status';
      this.store.record('createCommitComment', project);
      this.store.commitReports.push({ project, sha, kind: 'commit-comment', text: comment });
      return 'commit-status-and-note';
    }
    this.store.record('createCheckRun', project);
    if (!this.store.checksDenied) {
      const text = `${report.title}\n\n${report.summary}`;
      const annotations = report.annotations.map((a) => ({ ...a }));
      this.store.commitReports.push({ project, sha, kind: 'check-run', state: report.conclusion, text, annotations });
      return 'check-run';
    }
    if (report.conclusion === 'success') return 'none';
    this.store.record('createCommitComment', project);
    this.store.commitReports.push({ project, sha, kind: 'commit-comment', text: comment });
    return 'commit-comment';
  }

  async readConfig(project: string): Promise<ConfigFile | null> {
    const path = CONFIG_PATHS[this.kind];
    const own = await this.readFile(project, path);
    if (own !== null) return { text: own, location: `${project}:${path}` };
    if (this.kind !== 'github') return null;
    const orgRepo = `${ownerOf(project)}/.github`;
    // The owner's `.github` repository has nothing more to offer when it is the one asked about (as on GitHub).
    if (orgRepo === project.toLowerCase()) return null;
    const shared = await this.readFile(orgRepo, path);
    return shared === null ? null : { text: shared, location: `${orgRepo}:${path}` };
  }

  async readFile(project: string, path: string): Promise<string | null> {
    const known = this.files?.lookup(project, path);
    if (known?.fresh) return known.file.text;
    this.store.record('readFile', `${project}:${path}`);
    const text = this.store.readFile(project, path);
    this.files?.store(project, path, { text });
    return text;
  }

  /** The level set with `store.setAccess`; `none` by default. The id is not used: the store knows usernames. */
  async getAccess(project: string, actor: AccessActor): Promise<AccessLevel> {
    this.store.record('getAccess', `${project}:${actor.username}`);
    return this.store.accessOf(project, actor.username);
  }

  /**
   * Membership as added with `store.addTeamMember` (on GitLab, ancestor groups' members count); false for anyone
   * else and for unknown teams. Names are checked like the adapters check them: GitHub needs `org/team-slug` and a
   * username, GitLab a group path. The id is not used: the store knows usernames.
   */
  async isTeamMember(team: string, actor: AccessActor): Promise<boolean> {
    const segments = teamPath(team).split('/');
    if (segments.some((segment) => segment === '') || (this.kind === 'github' && segments.length !== 2)) {
      const what = this.kind === 'github' ? 'a GitHub team (@org/team-slug)' : 'a GitLab group path';
      throw new TrackerError(`not ${what}: ${team}`, undefined, 'isTeamMember');
    }
    if (this.kind === 'github' && actor.username === '') {
      throw new TrackerError(`isTeamMember ${team}: no username`, undefined, 'isTeamMember');
    }
    this.store.record('isTeamMember', `${team}:${actor.username}`);
    return this.store.isTeamMember(team, actor.username);
  }

  /** Every project's open master issues: the store is all the tracker there is, so everything is visible. */
  /** Under GitHub's rules, the given `account`'s `.github` repository; never under GitLab's. */
  async sharedConfigProject(): Promise<string | null> {
    return this.kind === 'github' && this.account ? `${this.account}/.github` : null;
  }

  async listOpenMasters(): Promise<Issue[]> {
    this.store.record('listOpenMasters', MASTER_LABEL);
    return this.store.listAllIssues({ labels: [MASTER_LABEL], state: 'open' });
  }

  async unlockIssue(ref: IssueRef): Promise<void> {
    this.store.record('unlockIssue', `${ref.project}#${ref.number}`);
    this.store.unlock(ref);
  }

  async getAdvisory(repository: string, ghsaId: string): Promise<Advisory> {
    this.advisoriesOnly('getAdvisory');
    this.store.record('getAdvisory', `${repository} ${ghsaId}`);
    return publicAdvisory(this.store.advisory(repository, ghsaId));
  }

  async listAdvisories(scope: string, query: AdvisoryQuery = {}): Promise<Advisory[]> {
    this.advisoriesOnly('listAdvisories');
    this.store.record('listAdvisories', scope);
    return this.store.listAdvisories(scope, query).map(publicAdvisory);
  }

  async createAdvisory(repository: string, draft: AdvisoryDraft): Promise<Advisory> {
    this.advisoriesOnly('createAdvisory');
    this.store.record('createAdvisory', repository);
    return publicAdvisory(this.store.createAdvisory(repository, draft, this.actor));
  }

  async updateAdvisory(repository: string, ghsaId: string, patch: AdvisoryPatch): Promise<Advisory> {
    this.advisoriesOnly('updateAdvisory');
    this.store.record('updateAdvisory', `${repository} ${ghsaId}`);
    return publicAdvisory(this.store.updateAdvisory(repository, ghsaId, patch));
  }

  async requestAdvisoryCve(repository: string, ghsaId: string): Promise<void> {
    this.advisoriesOnly('requestAdvisoryCve');
    this.store.record('requestAdvisoryCve', `${repository} ${ghsaId}`);
    this.store.requestCve(repository, ghsaId);
  }

  async createAdvisoryFork(repository: string, ghsaId: string): Promise<PrivateFork> {
    this.advisoriesOnly('createAdvisoryFork');
    this.store.record('createAdvisoryFork', `${repository} ${ghsaId}`);
    return this.store.createFork(repository, ghsaId);
  }

  /** Advisories exist under GitHub's rules only, as on the trackers themselves. */
  private advisoriesOnly(operation: string): void {
    if (!this.capabilities.securityAdvisories)
      throw new TrackerError('this tracker has no repository security advisories', undefined, operation);
  }
}

/** The advisory fields of a stored advisory (without the store's own bookkeeping). */
function publicAdvisory(stored: Advisory & { cveRequestedAt?: unknown }): Advisory {
  const { cveRequestedAt: _requested, ...advisory } = stored;
  return advisory;
}

/** The owner (first path segment) of a GitHub `owner/repo` path. */
export function ownerOf(path: string): string {
  return path.split('/')[0]!.toLowerCase();
}
