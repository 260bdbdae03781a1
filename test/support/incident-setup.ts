import { trustedState } from '../../src/kernel/block.js';
import { splitTimelineComment } from '../../src/kernel/timeline.js';
import type { AccessLevel, Issue, IssueRef, Project } from '../../src/kernel/model.js';
import type { MemoryStore } from '../../src/tracker/memory/memory-store.js';

/** The moment every incident of the scenario tests is opened. */
export const T0 = new Date('2026-11-22T10:00:00Z');

/** `n` minutes after T0. */
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** The description with one box of the app's checklist ticked, as a person saves it. */
export const tickIn = (body: string, stepId: string) =>
  body.replace(new RegExp(`- \\[ \\] (.*<!-- step:${stepId} -->)`), '- [x] $1');

/** Whether a box of the app's checklist is ticked in a description. */
export const isTicked = (body: string, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(body);

/** What every incident opener sets up: the projects the app serves, their configuration, who may do what. */
export interface IncidentSetup {
  /** The text of the configuration file (in the incident project and every project of `projects`); none by default. */
  config?: string;
  /**
   * More projects the app serves, by path and visibility, with the same configuration and access as the incident
   * project.
   */
  projects?: Record<string, Project['visibility']>;
  /** Access by username, in every project; anyone not named is nobody there (the tracker answers 404). */
  access?: Record<string, AccessLevel>;
  /** Members by team (GitHub `org/team`) or group (GitLab group path). */
  teams?: Record<string, string[]>;
  /** The author of the labeled issue; alice by default. */
  author?: string;
  /** The assignees of the labeled issue; none by default. */
  assignees?: string[];
  /**
   * Runs after the report is filed and before its trigger label is delivered (to plant what people did before triage).
   */
  beforeTrigger?: (store: MemoryStore, source: Issue) => void;
}

/**
 * Adds the private incident project `home` and the other projects of `setup`, the configuration file at `configPath`
 * in each, everyone's access (`defaultAccess` unless the setup names people) and the teams. Answers the incident
 * project and the labeled report in it, not yet delivered: "Heap overflow", "details", by alice unless said otherwise.
 */
export function seedIncident(
  store: MemoryStore,
  home: string,
  setup: IncidentSetup,
  configPath: string,
  defaultAccess: Record<string, AccessLevel>,
) {
  const project = store.addProject(home, { visibility: 'private' });
  const paths = [home];
  for (const [path, visibility] of Object.entries(setup.projects ?? {})) {
    store.addProject(path, { visibility });
    paths.push(path);
  }
  if (setup.config !== undefined) for (const path of paths) store.putFile(path, configPath, setup.config);
  const access = setup.access ?? defaultAccess;
  for (const [username, level] of Object.entries(access))
    for (const path of paths) store.setAccess(path, username, level);
  for (const [team, members] of Object.entries(setup.teams ?? {}))
    for (const member of members) store.addTeamMember(team, member);
  const source = store.seedIssue(home, {
    title: 'Heap overflow',
    body: 'details',
    labels: ['incident'],
    author: setup.author ?? 'alice',
    assignees: setup.assignees ?? [],
  });
  return { project, source, people: Object.keys(access) };
}

/**
 * The master as the store holds it now, its timeline (the app's timeline comments, in order, without the summary above
 * the first one's marker) and the app's comments.
 */
export function incidentView(store: MemoryStore, ref: IssueRef) {
  const master = (): Issue => store.issue(ref);
  const timeline = (): string => {
    const ids = trustedState(master())?.run?.timeline ?? [];
    // The timeline alone: the intake's summary above the first comment's marker is not part of it.
    const bodies = ids.map((id) => store.listComments(ref).find((c) => c.id === id)?.body ?? '');
    return bodies.map((body) => splitTimelineComment(body).timeline).join('\n');
  };
  /** The app's comments with `<!-- incident-desk:<marker> -->` on a ticket, the master by default. */
  const comments = (marker: string, ticket: Issue = master()) =>
    store.listComments(ticket.ref).filter((c) => c.body.includes(`<!-- incident-desk:${marker} -->`));
  return { master, timeline, comments };
}
