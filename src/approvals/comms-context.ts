import { COMMS_STEPS } from '../checklist/phases.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { neutralizeInline, quietUser } from '../kernel/neutralize.js';
import { stepUrl } from '../templates/renderer.js';
import type { CommsContext } from '../templates/contexts.js';
import type { IntakeDeps } from '../intake/snapshot.js';
import { renderPhases } from '../checklist/render-phases.js';
import { quorumRule } from './matrix.js';

/** The comms ticket's context: the approval matrix from config, approvers named without a ping. */
export function commsContext(
  config: IncidentDeskConfig,
  id: string,
  masterReference: string,
  title: string,
  deps: IntakeDeps,
  view: { done: ReadonlySet<string>; statusTable: string } = { done: new Set(), statusTable: '' },
): CommsContext {
  const { approvals } = config;
  const groupName = (g: string): string => neutralizeInline(approvals.groups[g]?.name ?? g);
  const people = (names: string[]): string =>
    names.length > 0 ? names.map(quietUser).join(', ') : '_none configured_';
  const hours = (m: number): string => (m % 60 === 0 ? `${m / 60} h` : `${m} min`);
  return {
    id,
    master: masterReference,
    title,
    deliverables: Object.entries(approvals.deliverables).map(([deliverableId, d]) => ({
      id: deliverableId,
      name: neutralizeInline(d.name),
      approvals: d.approve.map((g) => ({
        groupId: g,
        groupName: groupName(g),
        approvers: people(approvals.groups[g]?.approvers ?? []),
        backups: people(approvals.groups[g]?.backups ?? []),
        stepId: `approve-${deliverableId}-${g}`,
        url: stepUrl(deps.handbookUrl, 'comms-approvals-requested'),
        done: view.done.has(`approve-${deliverableId}-${g}`),
      })),
      // The DRI is more than informed: listed under `fyi` too, it is shown as the DRI only.
      fyi: d.fyi
        .filter((g) => g !== d.dri)
        .map(groupName)
        .join(', '),
      quorumRule: quorumRule(approvals, deliverableId),
      dri: d.dri ? `${groupName(d.dri)} (${people(approvals.groups[d.dri]?.approvers ?? [])})` : '',
    })),
    required: approvals.required.map(groupName).join(', '),
    quorum: approvals.quorum,
    responseMinutes: approvals.responseMinutes,
    cutoff: Object.entries(approvals.cutoffMinutes)
      .map(([sev, m]) => `${sev}: ${hours(m)}`)
      .join(', '),
    statusTable: view.statusTable,
    steps: renderPhases(
      [{ id: 'comms', title: 'Process', offsetDays: null, steps: [...COMMS_STEPS] }],
      new Set(view.done),
      deps.handbookUrl,
    )[0]!.steps,
  };
}
