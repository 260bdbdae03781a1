import { DEFAULT_CONFIG } from '../config/schema.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import type { LabelEvent } from '../kernel/events.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import type { Logger } from '../server/logger.js';
import type { Tracker } from '../tracker/port.js';
import { preparedLabels } from './labels.js';

/**
 * Creates, ahead of a project's first incident, the labels its incidents' children are created with (role and
 * approval labels, in the incident and release projects the configuration names; never an identifier label), where
 * the tracker needs them to exist first (GitHub's GraphQL names labels by id; elsewhere `ensureLabels` is a no-op).
 * Each project's labels are read once and only the missing ones written. Answers the labels created, by project.
 */
export async function prepareIncidentLabels(
  tracker: Pick<Tracker, 'ensureLabels' | 'capabilities'>,
  config: IncidentDeskConfig,
  sourceProject: string,
  log: Logger,
): Promise<Record<string, string[]>> {
  const created: Record<string, string[]> = {};
  // Where naming a label on an issue creates it (GitLab), there is nothing to prepare: no request at all.
  if (!tracker.capabilities.labelsBeforeUse) return created;
  for (const { project, labels } of preparedLabels(config, sourceProject)) {
    const made = await tracker.ensureLabels(project, labels);
    if (made.length > 0) created[project] = made;
  }
  if (Object.keys(created).length > 0)
    log.info(
      { project: sourceProject, created: Object.values(created).reduce((n, names) => n + names.length, 0) },
      'incident labels prepared',
    );
  return created;
}

/**
 * A label created in a repository (route `prepare-labels`): when it is the repository's configured trigger label,
 * someone is setting the repository up for incidents, and the labels its incidents will need are prepared now, while
 * nobody waits, so that the first incident is as fast as the next. Any other label (or a configuration that cannot be
 * used) changes nothing; it costs what any label event costs: the configuration, kept between events.
 */
export async function handleLabelCreated(event: LabelEvent, ctx: EventContext): Promise<EventOutcome> {
  const project = event.project.path;
  const settings = await loadSettings(project, ctx);
  if (settings instanceof ConfigErrorWithLabel) {
    // The first incident reports the problems on its issue; nothing is prepared from a configuration that fails.
    if (event.label !== (settings.label ?? DEFAULT_CONFIG.label)) return 'not-a-trigger';
    ctx.log.warn({ project, problems: settings.error.problems.length }, 'incident labels not prepared: invalid config');
    return 'config-error';
  }
  if (event.label !== settings.config.label) return 'not-a-trigger';
  await prepareIncidentLabels(ctx.tracker, settings.config, project, ctx.log);
  return 'done';
}
