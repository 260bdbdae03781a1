import { trustedState, writeBlock } from '../kernel/block.js';
import { decideChildWrite, isPublicTicket, mayBeChild, namedIds, mayBeTrackingTicket } from './rows.js';
import type { IssueEvent } from '../kernel/events.js';
import { idLabel } from '../kernel/identifier.js';
import type { Issue, IssueRef, Project } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { decideChildEvent, renderUnknownId, rowNeedsFreshChild, rowsOf, unknownIdMarker } from './decide.js';
import { acceptsTrackingFrom, mayTriage } from '../config/admission.js';
import { isNotFound } from '../tracker/errors.js';
import { MASTER_LABEL } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { listOwnComments } from '../tracker/own-comments.js';
import { withMaster } from '../run/with-master.js';
import { labelAdder, titleSetter } from '../server/actors.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';

/**
 * An event on an issue that names an incident by identifier (a tracking ticket): the master is found with one
 * label lookup in the configured incident project, the child is labelled, back-referenced and linked once, and
 * its row on the master is updated with one write. A child that names an unknown identifier gets one comment.
 * Answers `passed` when the issue is not a tracking ticket, so that the event takes its route (`routeOf`).
 */
export async function handleChildEvent(event: IssueEvent, ctx: EventContext): Promise<EventOutcome | 'passed'> {
  const child = event.issue;
  if (!mayBeTrackingTicket(child)) return 'passed';
  const settings = await loadSettings(child.ref.project, ctx);
  if (settings instanceof ConfigErrorWithLabel) return 'passed';
  const { config } = settings;
  if (!mayBeChild(child, config.label)) return 'passed';
  const ids = namedIds(child, config.idPrefix);
  if (ids.length === 0) return 'passed';

  const incidentProject = config.incidentProject ?? child.ref.project;
  const found = await findMaster(ctx.tracker, incidentProject, ids, event.project);
  // An identifier without a master and one this issue may not attach to get the same answer: a public issue never
  // learns whether an embargoed incident exists.
  if (!found || !(await mayAttach(event, found, incidentProject, ctx))) {
    await reportUnknown(ctx.tracker, child.ref, ids[0]!);
    return 'done';
  }
  const master = found.master;
  return withMaster(master.ref, ctx, async (run) => {
    await correlate(ctx.tracker, event, run.master, run.state.id);
    const current = rowNeedsFreshChild(run.master, child) ? await ctx.tracker.getIssue(child.ref) : child;
    return decideChildEvent({ ...run, actor: event.actor }, current);
  });
}

/**
 * The master of the first identifier that has one: one label lookup per identifier in the incident project.
 * Only a master in a private place counts (GitLab: confidential; GitHub: a private repository), so a public
 * look-alike never receives a child's row.
 */
async function findMaster(
  tracker: Tracker,
  incidentProject: string,
  ids: string[],
  childProject: Project,
): Promise<{ master: Issue; id: string } | null> {
  let privateRepository: boolean | undefined;
  for (const id of ids.slice(0, 3)) {
    const found = await tracker.listIssues(incidentProject, { labels: [idLabel(id), MASTER_LABEL], state: 'all' });
    for (const candidate of found) {
      const state = trustedState(candidate);
      if (state?.role !== 'master' || (state.id !== id && !(state.run?.aliases ?? []).includes(id))) continue;
      if (tracker.capabilities.confidentialIssues) {
        if (candidate.confidential) return { master: candidate, id };
        continue;
      }
      privateRepository ??= await isPrivateProject(tracker, incidentProject, childProject);
      if (privateRepository) return { master: candidate, id };
    }
  }
  return null;
}

async function isPrivateProject(tracker: Tracker, path: string, known: Project): Promise<boolean> {
  if (path.toLowerCase() === known.path.toLowerCase()) return known.visibility === 'private';
  try {
    return (await tracker.getProject(path)).visibility === 'private';
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Whether the issue may be a tracking ticket of the master found for `id` (issue 11, correlation is authorized): it
 * already is one (its row is on the master: a `/task` ticket, or one admitted before), or its project is one the
 * incident project accepts tracking tickets from (`acceptsTrackingFrom`, by the incident project's own configuration)
 * and the person who named the identifier (who added the label, or gave the title) has triage or Reporter access or
 * more to the incident project, as the tracker answers both.
 */
async function mayAttach(
  event: IssueEvent,
  found: { master: Issue; id: string },
  incidentProject: string,
  ctx: EventContext,
): Promise<boolean> {
  const child = event.issue;
  if (rowsOf(found.master).some((row) => row.ref.toLowerCase() === formatRef(child.ref).toLowerCase())) return true;
  const incident = await loadSettings(incidentProject, ctx);
  if (incident instanceof ConfigErrorWithLabel) return false;
  if (!acceptsTrackingFrom(incident.config, incidentProject, trustedState(found.master), child.ref.project)) {
    ctx.log.info(
      { issue: formatRef(child.ref) },
      'tracking ticket refused: the incident project does not accept this project',
    );
    return false;
  }
  const named = child.labels.includes(idLabel(found.id))
    ? await labelAdder(event, idLabel(found.id), ctx)
    : await titleSetter(event, ctx);
  if (!named || !mayTriage(await ctx.tracker.getAccess(incidentProject, named))) {
    ctx.log.info(
      { issue: formatRef(child.ref) },
      'tracking ticket refused: who named the identifier may not triage the incident project',
    );
    return false;
  }
  return true;
}

/** One comment per identifier, never repeated: the comment carries a marker the next event finds. */
async function reportUnknown(tracker: Tracker, ref: IssueRef, id: string): Promise<void> {
  const comments = await listOwnComments(tracker, ref);
  if (comments.some((c) => c.body.includes(unknownIdMarker(id)))) return;
  await tracker.createComment(ref, renderUnknownId(id));
}

/**
 * The child's side: labels, the back-reference block and the native link, written only when something is
 * missing. The child is re-read before its description is written, and its privacy is taken from the tracker's
 * answers (the issue and its project), never from the payload alone.
 */
async function correlate(tracker: Tracker, event: IssueEvent, master: Issue, masterId: string): Promise<void> {
  const first = decideChildWrite({
    child: event.issue,
    isPublic: isPublicTicket(event.issue, event.project),
    master,
    masterId,
    nativeLinks: tracker.capabilities.nativeLinks,
  });
  if (first.addLabels.length === 0 && first.block === null && !first.link) return;
  const child = await tracker.getIssue(event.issue.ref);
  const project = await tracker.getProject(child.ref.project);
  const decision = decideChildWrite({
    child,
    isPublic: isPublicTicket(child, project),
    master,
    masterId,
    nativeLinks: tracker.capabilities.nativeLinks,
  });
  if (decision.link) await tracker.linkIssues(master, child);
  if (decision.addLabels.length === 0 && decision.block === null) return;
  await tracker.updateIssue(child.ref, {
    ...(decision.block !== null ? { body: writeBlock(child, decision.block) } : {}),
    ...(decision.addLabels.length > 0 ? { labels: [...child.labels, ...decision.addLabels] } : {}),
  });
}
