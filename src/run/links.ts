import type { TicketState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { roleLabel, sourceLabel } from '../kernel/identifier.js';
import type { Issue, IssueRef, TrackerKind } from '../kernel/model.js';
import { formatRef, parseRef } from '../kernel/model.js';

/**
 * The links between an incident's tickets are believed only when both ends agree and they stay where the incident's
 * configuration puts incidents. A state the app signed can still be copied onto another issue by someone who can read
 * it; such a copy names tickets that do not name it back, or sits where no incident is kept, and is not followed.
 * Pure.
 */

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The incident project a configuration names for issues of `home` (as `incidentProjectPath` in intake.ts). */
const incidentProjectOf = (config: IncidentDeskConfig, home: string): string => config.incidentProject ?? home;
/** The release project a configuration names for issues of `home` (as `releaseProjectPath` in intake.ts). */
const releaseProjectOf = (config: IncidentDeskConfig, home: string): string =>
  config.releaseProject ?? incidentProjectOf(config, home);

/** The source a master's state names (`tracker:project#n`), with its tracker; null for none or a malformed one. */
export function sourceOf(state: TicketState): { tracker: string; ref: IssueRef } | null {
  if (!state.source) return null;
  const match = /^(?<tracker>[a-z]+):(?<ref>.+)$/.exec(state.source)?.groups;
  const ref = parseRef(match ? match.ref : state.source);
  return ref ? { tracker: match?.tracker ?? '', ref } : null;
}

/**
 * Why a master may not be followed, or null when it may: it must be in the incident project that its configuration
 * (the source's project's, or its own when opened in place) names, and when it was opened from a source elsewhere it
 * must carry that source's label (the label the app finds it by). `config` is the configuration of
 * `configProjectOf(state, master)`.
 */
export function masterPlaceProblem(
  master: Issue,
  state: TicketState,
  config: IncidentDeskConfig,
  tracker: TrackerKind,
): string | null {
  const source = sourceOf(state);
  if (state.source !== undefined && !source) return 'its source is not an issue reference';
  const home = source?.ref.project ?? master.ref.project;
  if (!same(incidentProjectOf(config, home), master.ref.project))
    return `it is not in the incident project the configuration of ${home} names`;
  if (source && source.tracker === tracker && !master.labels.includes(sourceLabel(tracker, source.ref)))
    return 'it does not carry the label of the source it names';
  return null;
}

/** True when a master's state lists `ref` as its child of `role` (release or communications). */
export function listsChild(master: TicketState, ref: IssueRef, role: 'release' | 'comms'): boolean {
  return (master.children ?? []).some((child) => child.role === role && same(child.ref, formatRef(ref)));
}

/** True when a child's state names `master` as its master. */
export function namesMaster(child: TicketState, master: IssueRef): boolean {
  return child.master !== undefined && same(child.master, formatRef(master));
}

/**
 * Why a release or communications ticket may not be followed from its master (or its master from it), or null when
 * it may: both must name each other, and the child must be in the project the configuration puts it in (the release
 * project, the incident project).
 */
export function childLinkProblem(input: {
  master: IssueRef;
  masterState: TicketState;
  child: IssueRef;
  childState: TicketState;
  config: IncidentDeskConfig;
  home: string;
}): string | null {
  const role = input.childState.role;
  if (role !== 'release' && role !== 'comms') return `it is a ${role} ticket`;
  if (!namesMaster(input.childState, input.master)) return 'it does not name this master';
  if (!listsChild(input.masterState, input.child, role)) return 'the master does not name it';
  const project =
    role === 'release' ? releaseProjectOf(input.config, input.home) : incidentProjectOf(input.config, input.home);
  if (!same(project, input.child.project) && !same(incidentProjectOf(input.config, input.home), input.child.project)) {
    return `it is not in the project the configuration of ${input.home} names`;
  }
  return null;
}

/** A ticket the app found by its labels counts as this incident's `role` child only when its state names the master. */
export function isChildOf(
  issue: { labels: string[] },
  state: TicketState | null,
  role: 'release' | 'comms',
  master: IssueRef,
): boolean {
  return state?.role === role && issue.labels.includes(roleLabel(role)) && namesMaster(state, master);
}

/** The project whose configuration governs an incident: the source's when the master was opened from one. */
export function configProjectOf(state: TicketState, master: Issue): string {
  const source = parseRef(state.source?.replace(/^[a-z]+:/, ''));
  return source?.project ?? master.ref.project;
}
