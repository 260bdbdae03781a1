import type { TicketState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from './schema.js';
import type { AccessLevel } from '../kernel/model.js';
import { parseRef } from '../kernel/model.js';

/**
 * Which projects may bring work into an incident project: open incidents there (a report whose project names it as
 * its `incidentProject`) and attach tracking tickets to its masters. Decided by the incident project's own
 * configuration (`reportsFrom`, `trackingFrom`), never by the configuration of the project that asks. Pure.
 */

/** True when `path` is `entry` or lies inside it (`acme` covers `acme/web` and `acme/sub/web`), case aside. */
export function covers(entry: string, path: string): boolean {
  const e = entry.toLowerCase().replace(/\/+$/, '');
  const p = path.toLowerCase();
  return p === e || p.startsWith(`${e}/`);
}

/** True when the incident project (configured by `incidentConfig`) takes reports from the project at `source`. */
export function acceptsReportsFrom(
  incidentConfig: Pick<IncidentDeskConfig, 'reportsFrom'>,
  incidentProject: string,
  source: string,
): boolean {
  return covers(incidentProject, source) || incidentConfig.reportsFrom.some((entry) => covers(entry, source));
}

/**
 * True when an issue of `project` may be a tracking ticket of a master of the incident project: the incident project
 * itself, the project the incident's report came from (`masterState.source`), the projects whose reports it takes
 * (`reportsFrom`) and those it lists in `trackingFrom`.
 */
export function acceptsTrackingFrom(
  incidentConfig: Pick<IncidentDeskConfig, 'reportsFrom' | 'trackingFrom'>,
  incidentProject: string,
  masterState: Pick<TicketState, 'source'> | null,
  project: string,
): boolean {
  const source = parseRef(masterState?.source?.replace(/^[a-z]+:/, ''))?.project;
  const allowed = [
    incidentProject,
    ...(source ? [source] : []),
    ...incidentConfig.reportsFrom,
    ...incidentConfig.trackingFrom,
  ];
  return allowed.some((entry) => covers(entry, project));
}

/**
 * True for the access that may file tracking tickets in an incident project: triage (GitHub) or Reporter (GitLab) or
 * more.
 */
export function mayTriage(level: AccessLevel): boolean {
  return level !== 'none' && level !== 'read';
}
