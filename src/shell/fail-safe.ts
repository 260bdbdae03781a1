import type { IssueEvent } from '../core/events.js';
import { NEEDS_CONFIG_LABEL } from '../core/identifier.js';
import { hasMarker, MARKERS, renderNeedsConfig } from '../core/messages.js';
import { formatRef } from '../core/model.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import type { Logger } from './logger.js';

/**
 * A report labelled with the trigger while the configuration is invalid: the app cannot tell where the incident may
 * live, but it still protects the report with what needs no configuration. Where issues can be confidential (GitLab)
 * the source is made confidential and the tracker's answer is checked; on GitHub a source in a repository the API
 * answers is not private gets the `incident::needs-config` label and one comment saying so. Nothing is created and
 * nothing is copied. The source is read fresh: the trigger label must still be on it, whatever the payload said.
 */
export async function protectReport(event: IssueEvent, label: string, ctx: { tracker: Tracker; log: Logger }): Promise<void> {
  const { tracker, log } = ctx;
  const source = await tracker.getIssue(event.issue.ref);
  if (source.state !== 'open' || !source.labels.includes(label)) return;
  const issue = formatRef(source.ref);
  if (tracker.capabilities.confidentialIssues) {
    if (source.confidential) return;
    const written = await tracker.updateIssue(source.ref, { confidential: true });
    if (written.confidential) log.warn({ issue }, 'invalid configuration: report made confidential with the defaults');
    else log.error({ issue }, 'invalid configuration: the tracker did not confirm the report confidential');
    return;
  }
  const project = await tracker.getProject(source.ref.project);
  if (project.visibility === 'private') return;
  if (!source.labels.includes(NEEDS_CONFIG_LABEL)) await tracker.updateIssue(source.ref, { labels: [...source.labels, NEEDS_CONFIG_LABEL] });
  if (hasMarker(await tracker.listComments(source.ref), MARKERS.needsConfig)) return;
  await tracker.createComment(source.ref, renderNeedsConfig({ reason: 'config-invalid', label, configPath: CONFIG_PATHS[tracker.kind] }));
  log.warn({ issue }, 'invalid configuration: public report marked as needing configuration');
}
