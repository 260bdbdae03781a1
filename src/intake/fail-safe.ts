import type { IssueEvent } from '../kernel/events.js';
import { acceptsReportsFrom } from '../config/admission.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { NEEDS_CONFIG_LABEL } from '../kernel/identifier.js';
import { incidentProjectPath } from './snapshot.js';
import { hasMarker, MARKERS, renderNeedsConfig } from './messages.js';
import type { NeedsConfigReason } from './messages.js';
import { formatRef } from '../kernel/model.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from '../server/logger.js';
import { listOwnComments } from '../tracker/own-comments.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import type { SettingsContext } from '../config/load.js';

/**
 * Why a report is not taken in, for the comment that says so: a reason of `renderNeedsConfig` and the project named.
 */
export interface Refusal {
  reason: NeedsConfigReason;
  project?: string;
}

/**
 * Whether the incident project a report's configuration names takes reports from the report's project, by the
 * incident project's own configuration (`reportsFrom`): a repository cannot open incidents in a project that did
 * not agree to it by naming it as its `incidentProject`. Null when it does (or the report's own project is the incident
 * project); the refusal otherwise, also when the incident project's configuration cannot be read (fail closed).
 */
export async function refusedReport(
  sourceProject: string,
  config: IncidentDeskConfig,
  ctx: SettingsContext,
): Promise<Refusal | null> {
  const incidentPath = incidentProjectPath(config, sourceProject);
  if (incidentPath.toLowerCase() === sourceProject.toLowerCase()) return null;
  const incident = await loadSettings(incidentPath, ctx);
  if (!(incident instanceof ConfigErrorWithLabel) && acceptsReportsFrom(incident.config, incidentPath, sourceProject))
    return null;
  return { reason: 'incident-project-refuses', project: incidentPath };
}

/**
 * A report labelled with the trigger that the app will not take in (its configuration cannot be read, or the incident
 * project does not take its reports): it is still protected with what needs no configuration. Where issues can be
 * confidential (GitLab) the source is made confidential and the tracker's answer is checked; on GitHub a source in a
 * repository the API answers is not private gets the `incident::needs-config` label. With a refusal, every such
 * report gets that label and one comment saying why; an invalid configuration is explained by its own comment, so
 * only a public GitHub source gets the needs-config comment too. Nothing is created and nothing is copied. The source
 * is read fresh: the trigger label must still be on it, whatever the payload said.
 */
export async function protectReport(
  event: IssueEvent,
  label: string,
  ctx: { tracker: Tracker; log: Logger },
  refusal?: Refusal,
): Promise<void> {
  const { tracker, log } = ctx;
  const source = await tracker.getIssue(event.issue.ref);
  if (source.state !== 'open' || !source.labels.includes(label)) return;
  const issue = formatRef(source.ref);
  let exposed: boolean;
  let madeConfidential = false;
  let current = source;
  if (tracker.capabilities.confidentialIssues) {
    exposed = false;
    if (!source.confidential) {
      const written = await tracker.updateIssue(source.ref, { confidential: true });
      current = written;
      madeConfidential = written.confidential;
      if (written.confidential) log.warn({ issue }, 'report not taken in: made confidential with the defaults');
      else log.error({ issue }, 'report not taken in: the tracker did not confirm it confidential');
    }
  } else {
    exposed = (await tracker.getProject(source.ref.project)).visibility !== 'private';
  }
  if (!refusal && !exposed) return;
  if (!current.labels.includes(NEEDS_CONFIG_LABEL))
    await tracker.updateIssue(source.ref, { labels: [...current.labels, NEEDS_CONFIG_LABEL] });
  // Said once: only the app's own comment counts (a person's comment with the marker does not silence it).
  if (hasMarker(await listOwnComments(tracker, source.ref), MARKERS.needsConfig)) return;
  const reason = refusal ?? { reason: 'config-invalid' as const };
  await tracker.createComment(
    source.ref,
    renderNeedsConfig({
      ...reason,
      label,
      configPath: CONFIG_PATHS[tracker.kind],
      madeConfidential: madeConfidential || source.confidential,
    }),
  );
  log.warn({ issue, reason: reason.reason }, 'report not taken in: marked as needing configuration');
}
