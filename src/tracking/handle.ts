import { trustedState, writeBlock } from '../kernel/block.js';
import { decideChildWrite, isPublicTicket, mayBeChild, namedIds } from './rows.js';
import type { IssueEvent } from '../kernel/events.js';
import { idLabel } from '../kernel/identifier.js';
import type { Issue, IssueRef, Project } from '../kernel/model.js';
import { formatRef, parseRef } from '../kernel/model.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import type { TaskCommand } from '../commands/parse.js';
import { parseTimeline } from '../kernel/timeline.js';
import {
  decideChildEvent,
  decideClose,
  decideTask,
  decideTaskCreated,
  namedChildren,
  renderTaskUnconfirmed,
  renderUnknownId,
  rowNeedsFreshChild,
  rowsOf,
  unknownIdMarker,
} from './decide.js';
import type { ClosingChild } from './decide.js';
import { acceptsTrackingFrom, mayTriage } from '../config/admission.js';
import { isNotFound, TrackerError } from '../tracker/errors.js';
import { MASTER_LABEL } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';
import type { EventContext, EventOutcome } from '../server/handle-event.js';
import { getOwnComment, listOwnComments } from '../tracker/own-comments.js';
import { withMaster } from '../run/with-master.js';
import { labelAdder, titleSetter } from '../server/actors.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';

/** `[INC-2026-7]`, `[CVE-2026-1234]`: the shape of an identifier in a title, whatever the configured prefix. */
const ID_IN_TITLE = /\[(?:CVE-\d{4}-\d{4,7}|[A-Z][A-Z0-9]{1,9}-\d{4}-\d{1,9})\]/i;

/** Cheap test before any request: the issue names some identifier by label or title. */
function namesAnId(issue: Issue): boolean {
  return issue.labels.some((l) => l.startsWith('incident-id::')) || ID_IN_TITLE.test(issue.title);
}

/**
 * An event on an issue that names an incident by identifier (a tracking ticket): the master is found with one
 * label lookup in the configured incident project, the child is labelled, back-referenced and linked once, and
 * its row on the master is updated with one write. A child that names an unknown identifier gets one comment.
 * Answers null when the issue is not a tracking ticket, so the other handlers see the event.
 */
export async function handleChildEvent(event: IssueEvent, ctx: EventContext): Promise<EventOutcome | null> {
  const child = event.issue;
  if (!namesAnId(child)) return null;
  const own = trustedState(child);
  if (own && own.role !== 'task') return null;
  const settings = await loadSettings(child.ref.project, ctx);
  if (settings instanceof ConfigErrorWithLabel) return null;
  const { config } = settings;
  if (!mayBeChild(child, config.label)) return null;
  const ids = namedIds(child, config.idPrefix);
  if (ids.length === 0) return null;

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
async function findMaster(tracker: Tracker, incidentProject: string, ids: string[], childProject: Project): Promise<{ master: Issue; id: string } | null> {
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
async function mayAttach(event: IssueEvent, found: { master: Issue; id: string }, incidentProject: string, ctx: EventContext): Promise<boolean> {
  const child = event.issue;
  if (rowsOf(found.master).some((row) => row.ref.toLowerCase() === formatRef(child.ref).toLowerCase())) return true;
  const incident = await loadSettings(incidentProject, ctx);
  if (incident instanceof ConfigErrorWithLabel) return false;
  if (!acceptsTrackingFrom(incident.config, incidentProject, trustedState(found.master), child.ref.project)) {
    ctx.log.info({ issue: formatRef(child.ref) }, 'tracking ticket refused: the incident project does not accept this project');
    return false;
  }
  const named = child.labels.includes(idLabel(found.id)) ? await labelAdder(event, idLabel(found.id), ctx) : await titleSetter(event, ctx);
  if (!named || !mayTriage(await ctx.tracker.getAccess(incidentProject, named))) {
    ctx.log.info({ issue: formatRef(child.ref) }, 'tracking ticket refused: who named the identifier may not triage the incident project');
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
  const first = decideChildWrite({ child: event.issue, isPublic: isPublicTicket(event.issue, event.project), master, masterId, nativeLinks: tracker.capabilities.nativeLinks });
  if (first.addLabels.length === 0 && first.block === null && !first.link) return;
  const child = await tracker.getIssue(event.issue.ref);
  const project = await tracker.getProject(child.ref.project);
  const decision = decideChildWrite({ child, isPublic: isPublicTicket(child, project), master, masterId, nativeLinks: tracker.capabilities.nativeLinks });
  if (decision.link) await tracker.linkIssues(master, child);
  if (decision.addLabels.length === 0 && decision.block === null) return;
  await tracker.updateIssue(child.ref, {
    ...(decision.block !== null ? { body: writeBlock(child, decision.block) } : {}),
    ...(decision.addLabels.length > 0 ? { labels: [...child.labels, ...decision.addLabels] } : {}),
  });
}

/**
 * `/task`: reads the target project, decides, creates the ticket (GitLab: confidential, details only once the
 * tracker confirmed it when the project is not private), links it and puts its row on the master.
 */
export async function openTask(tracker: Tracker, run: RunContext, settings: LoadedConfig, command: TaskCommand, plan: RunPlan): Promise<RunPlan> {
  let target: Project | null = null;
  try {
    target = await tracker.getProject(command.project);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const decision = decideTask(run, command, target, { capabilities: tracker.capabilities, renderer: settings.renderer });
  if (decision.kind === 'refuse') return { ...plan, comments: [...plan.comments, { ref: run.master.ref, body: decision.comment }] };
  let child: Issue;
  try {
    child = await tracker.createIssue(target!.path, decision.draft);
  } catch (error) {
    // An owner the tracker does not know (GitLab answers 422): the ticket is opened unassigned and the reply says so.
    if (!(error instanceof TrackerError) || error.status !== 422 || !decision.draft.assignees) throw error;
    child = await tracker.createIssue(target!.path, { ...decision.draft, assignees: [] });
  }
  if (decision.details !== null) {
    if (!child.confidential) {
      // The neutral title and the identifier were written, nothing more: the details stay out of a ticket the
      // tracker did not confirm confidential, and the master is told exactly what it holds.
      return { ...plan, comments: [...plan.comments, { ref: run.master.ref, body: renderTaskUnconfirmed(child, run.state.id) }] };
    }
    child = await tracker.updateIssue(child.ref, decision.details);
  }
  if (!decision.isPublic && decision.state.linked) await tracker.linkIssues(run.master, child);
  const created = decideTaskCreated(run, command, child, decision.due, decision.isPublic);
  return { ...plan, ...created, comments: [...plan.comments, ...created.comments], timeline: [...plan.timeline, ...created.timeline], run: plan.run };
}

/** How many open tracking tickets are re-read when the master closes; the rest are taken from the table. */
const REFRESH_LIMIT = 50;

/**
 * The master was closed: its release and communications tickets and its open tracking tickets are read fresh,
 * then `decideClose` keeps it open (close guard) or posts the incident summary.
 */
export async function closeMaster(tracker: Tracker, run: RunContext): Promise<RunPlan> {
  const children: ClosingChild[] = [];
  const refreshed: Issue[] = [];
  for (const named of namedChildren(run.state)) {
    const ref = parseRef(named.ref);
    if (!ref) continue;
    const issue = await readOrNull(tracker, ref);
    if (issue) children.push({ ref: named.ref, role: named.role, state: issue.state, owner: issue.assignees[0] ?? null });
  }
  let reads = 0;
  for (const row of rowsOf(run.master)) {
    const ref = parseRef(row.ref);
    if (row.state === 'open' && ref && reads < REFRESH_LIMIT) {
      reads += 1;
      const issue = await readOrNull(tracker, ref);
      if (!issue) continue;
      refreshed.push(issue);
      children.push({ ref: row.ref, role: 'task', state: issue.state, owner: issue.assignees[0] ?? null });
      continue;
    }
    children.push({ ref: row.ref, role: 'task', state: row.state, owner: row.owner });
  }
  const firstEntry = await firstTimelineEntry(tracker, run);
  return decideClose(run, { children, refreshed, firstEntry });
}

async function readOrNull(tracker: Tracker, ref: IssueRef): Promise<Issue | null> {
  try {
    return await tracker.getIssue(ref);
  } catch (error) {
    // A child deleted (or moved out of the app's sight) no longer holds the incident open.
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function firstTimelineEntry(tracker: Tracker, run: RunContext): Promise<ReturnType<typeof parseTimeline>[number] | null> {
  const id = run.state.run?.timeline?.[0];
  if (id === undefined) return null;
  try {
    return parseTimeline((await getOwnComment(tracker, run.master.ref, id)).body)[0] ?? null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
