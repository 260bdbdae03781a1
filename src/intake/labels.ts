import { approvalLabels } from '../approvals/matrix.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { roleLabel } from '../kernel/identifier.js';
import type { ApprovalState } from '../kernel/ticket-state.js';
import { incidentProjectPath, releaseProjectPath } from './snapshot.js';
import type { ChildRole } from './snapshot.js';

/**
 * The labels of incidents that are the same for every incident of a configuration: what a child ticket is created
 * with, but its incident's identifier label. Pure: no I/O.
 */

/**
 * The labels a child of `role` is created with besides its incident's identifier label: its role label, and on the
 * communications ticket the approval labels of its (still empty) approval state.
 */
export function childProcessLabels(config: IncidentDeskConfig, role: ChildRole): string[] {
  return [roleLabel(role), ...childStatusLabels(config, role)];
}

/**
 * The labels of a child of `role` that only mirror the state its text holds: on the communications ticket, the
 * approval labels of `approvals` (its approval state; still empty when left out), which the approvals decision rewrites
 * at every approval change; none on the release ticket. Nothing finds a child by them, so they may follow its creation
 * (`IssueDraft.statusLabels`).
 */
export function childStatusLabels(
  config: IncidentDeskConfig,
  role: ChildRole,
  approvals: ApprovalState = { decisions: {} },
): string[] {
  return role === 'comms' ? approvalLabels(config.approvals, approvals) : [];
}

/** The labels one project needs before an incident's children can be created in it. */
export interface ProjectLabels {
  project: string;
  labels: string[];
}

/**
 * What to prepare for the incidents of `sourceProject` under `config`, per project: the release ticket's labels in
 * the release project, the communications ticket's in the incident project (one entry per project, in the order the
 * children are opened), for the children the configuration opens. Never an identifier label: that one is per incident.
 */
export function preparedLabels(config: IncidentDeskConfig, sourceProject: string): ProjectLabels[] {
  const byProject = new Map<string, ProjectLabels>();
  for (const role of config.children) {
    const project =
      role === 'release' ? releaseProjectPath(config, sourceProject) : incidentProjectPath(config, sourceProject);
    const key = project.toLowerCase();
    const entry = byProject.get(key) ?? { project, labels: [] };
    for (const label of childProcessLabels(config, role)) if (!entry.labels.includes(label)) entry.labels.push(label);
    byProject.set(key, entry);
  }
  return [...byProject.values()];
}
