import { joinBody, renderState, splitBody, trustedState } from '../kernel/block.js';
import type { ChildRow, RunState, TicketState } from '../kernel/ticket-state.js';
import { recordMilestone, statusLabel, statusOf } from '../triage/status.js';
import { RELEASE_PHASES } from '../checklist/phases.js';
import {
  deriveIncidentId,
  DUPLICATE_LABEL,
  findCve,
  idLabel,
  NEEDS_CONFIG_LABEL,
  roleLabel,
  sourceLabel,
} from '../kernel/identifier.js';
import {
  childTitle,
  hasMarker,
  MARKERS,
  renderNeedsConfig,
  renderSourceComment,
  renderSourceNotice,
  renderSummary,
  roleName,
  sourceNoticeTitle,
} from './messages.js';
import type { NeedsConfigReason } from './messages.js';
import type { Issue } from '../kernel/model.js';
import { DESCRIPTION_LIMITS, formatRef, sameRef } from '../kernel/model.js';
import { neutralizeBlock } from '../kernel/neutralize.js';
import { childStatusLabels } from './labels.js';
import { renderStatusTable } from '../approvals/status-table.js';
import { isApprovalLabel } from '../approvals/matrix.js';
import { phaseLabel, renderMaster } from '../run/master-view.js';
import { APP_ACTOR, appendToTimeline, startTimeline, TIMELINE_MARKER, timelineMaxChars } from '../kernel/timeline.js';
import type { TimelineEntry } from '../kernel/timeline.js';
import { formatRfc3339 } from '../kernel/time.js';
import { isChildOf } from '../run/links.js';
import type { ReleaseContext } from '../templates/contexts.js';
import { computePatch } from '../kernel/patch.js';
import type { UpdateEffect, IntakeEffect } from './effects.js';
import { incidentProjectPath, releaseProjectPath } from './snapshot.js';
import type { ChildRole, IntakeSnapshot, IntakeDeps } from './snapshot.js';
import { commsContext } from '../approvals/comms-context.js';
import { renderPhases } from '../checklist/render-phases.js';

/**
 * The next step of an intake: the effects to apply now, or none when the incident is complete.
 * The shell applies them, folds the answers into the snapshot with `absorb`, and asks again, so every
 * decision sees what the tracker answered. Idempotent by state: a complete incident yields no effect.
 *
 * The steps run in the order people need them; each answers the effects it still needs, or lets the next one go on:
 * protect the source, find or create the master, settle it (duplicates, confidentiality, copy, mark), move the
 * source's details out, find or create the children, link them, post the summary with the timeline below it, and write
 * the master's block.
 */
export function decideIntake(s: IntakeSnapshot, deps: IntakeDeps): IntakeEffect[] {
  const sourceState = s.source ? trustedState(s.source) : null;
  // A ticket the app opened (release, comms) is never a trigger of its own.
  if (sourceState && sourceState.role !== 'master') return [];
  const incidentPath = incidentProjectPath(s.config, s.sourceProject.path);
  const inPlace = sourceState?.role === 'master' || incidentPath.toLowerCase() === s.sourceProject.path.toLowerCase();

  const protecting = protectSource(s, inPlace);
  if (protecting) return protecting;
  const found = resolveMaster(s, inPlace, incidentPath);
  if ('effects' in found) return found.effects;
  const master = found.value;
  const settling = settleMaster(s, master, inPlace);
  if (settling) return settling;

  const masterState = trustedState(master);
  if (masterState?.pendingCopy) return s.source ? [copySource(master, s.source, masterState)] : [];
  const id = masterState?.id || incidentIdFor(master, s.config.idPrefix);
  // In place, the first write makes the master what people need (issue 15: people's order): its state, identifier,
  // labels, Quick Links and checklist, the children's rows saying they are being opened. A run interrupted at any
  // later point leaves an open `incident::master` whose state says the intake is not done (`intake` unset), which
  // the sweep, the next event on it or `npm run reconcile` completes; the final write adds the children.
  if (inPlace && !masterState) return [firstWrite(s, master, id, deps)];

  const moving = inPlace ? null : moveSourceOut(s, id);
  if (moving) return moving;
  const kids = resolveChildren(s, incidentPath, master, masterState, id, deps);
  if ('effects' in kids) return kids.effects;
  const children = kids.value;
  const mirroring = mirrorChildStatus(s, children);
  if (mirroring) return mirroring;
  const linked = new Set([...(masterState?.links ?? []), ...Object.keys(s.linked)]);
  const linking = linkChildren(s, master, children, linked);
  if (linking) return linking;

  const done: IntakeDone = { id, children, linked, inPlace };
  const timeline = postSummaryAndTimeline(s, master, masterState, done, deps);
  if ('effects' in timeline) return timeline.effects;
  return updateMaster(s, master, masterState, done, timeline.value, deps);
}

/** What a step of the intake answers: the effects to apply now, or what the next steps need. */
type Step<T> = { effects: IntakeEffect[] } | { value: T };

/** What the intake has settled once its children exist: what the summary, the timeline and the block tell. */
interface IntakeDone {
  id: string;
  children: Map<ChildRole, Issue>;
  linked: Set<string>;
  inPlace: boolean;
}

/**
 * The source is protected before anything is written: a place that cannot hold the incident is explained on it
 * (without details), and on GitLab the source's first write makes it confidential.
 */
function protectSource(s: IntakeSnapshot, inPlace: boolean): IntakeEffect[] | null {
  const source = s.source;
  const blocked = checkPlaces(s, inPlace);
  if (blocked) return source ? needsConfig(s, source, blocked.reason, blocked.project) : [];
  if (source && s.capabilities.confidentialIssues && !source.confidential) {
    return [
      {
        kind: 'update',
        ref: source.ref,
        why: 'make the source confidential',
        confidential: true,
        expectConfidential: true,
      },
    ];
  }
  return null;
}

/** The master: the source itself in place, else the one found in the incident project, else one created there. */
function resolveMaster(s: IntakeSnapshot, inPlace: boolean, incidentPath: string): Step<Issue> {
  const source = s.source;
  if (inPlace) return source ? { value: source } : { effects: [] };
  if (s.master === undefined) {
    if (!source) return { effects: [] };
    const labels = [roleLabel('master'), sourceLabel(s.tracker, source.ref)];
    return { effects: [{ kind: 'find-master', project: incidentPath, labels }] };
  }
  if (s.master === null) return { effects: source ? [createMaster(s, source, incidentPath)] : [] };
  return { value: s.master };
}

/**
 * A master made twice (the answer to the first create was lost) is closed in favour of the first; an external master
 * whose creation was not shown confidential gets no details until it is.
 */
function settleMaster(s: IntakeSnapshot, master: Issue, inPlace: boolean): IntakeEffect[] | null {
  const doubled = (s.duplicateMasters ?? []).filter((d) => isDoubledMaster(d, s));
  if (doubled.length > 0) {
    return doubled.map((d) =>
      closeDuplicate(d, [roleLabel('master'), ...d.labels.filter((l) => l.startsWith('incident-source::'))]),
    );
  }
  if (!inPlace && s.capabilities.confidentialIssues && !master.confidential) {
    return [
      {
        kind: 'update',
        ref: master.ref,
        why: 'make the master confidential',
        confidential: true,
        expectConfidential: true,
      },
    ];
  }
  return null;
}

/**
 * The first write of an intake in place: the master as people need it at once, in one request. The state (not yet
 * `intake: true`) and the run as declared, the title's identifier, the master, id, phase and status labels, the Quick
 * Links and the checklist, the children's rows saying they are being opened. No details are added: the issue already
 * holds the report, and on GitLab it was made confidential (and the tracker confirmed it) by the write before.
 */
function firstWrite(s: IntakeSnapshot, master: Issue, id: string, deps: IntakeDeps): UpdateEffect {
  const declared = declaration(s);
  const mark: TicketState = {
    v: 1,
    role: 'master',
    id,
    ...(s.actor ? { trigger: { by: s.actor, at: formatRfc3339(s.now) } } : {}),
    ...declared,
  };
  const state: TicketState = { ...mark, run: startRun(s, mark) };
  const view = renderMaster(
    {
      master,
      state,
      children: [],
      opening: s.config.children,
      defaultManager: declared.responder ?? '',
      config: s.config,
      now: s.now,
      bodyLimit: DESCRIPTION_LIMITS[s.tracker],
    },
    deps,
  );
  return {
    kind: 'update',
    ref: master.ref,
    why: 'the master as people need it, first',
    titleId: id,
    block: view.block,
    addLabels: [roleLabel('master'), idLabel(id), phaseLabel(view.phase), statusLabel(statusOf(state.run))],
  };
}

/**
 * Who declared the incident and who reported it, written with the first mark (the source may be gone, or its author
 * unknown, by the time an interrupted intake is completed): the First Responder when the tracker answered they may
 * write, and the report's author, who is never the Incident Manager by being the author.
 */
function declaration(s: IntakeSnapshot): Pick<TicketState, 'responder' | 'reporter'> {
  const at = s.reporter.createdAt ?? formatRfc3339(s.now);
  return {
    ...(s.responder ? { responder: s.responder } : {}),
    ...(s.reporter.author ? { reporter: { author: s.reporter.author, at: formatRfc3339(new Date(at)) } } : {}),
  };
}

/** A source whose master lives elsewhere (and that was not deleted) loses its details; null once it has. */
function moveSourceOut(s: IntakeSnapshot, id: string): IntakeEffect[] | null {
  if (!s.source || s.sourceDeletion === 'deleted') return null;
  const effects = handleSource(s, s.source, id);
  return effects.length > 0 ? effects : null;
}

/**
 * The children by role, once found: made twice ones are closed in favour of the ones kept, and the missing ones
 * configured are created.
 */
function resolveChildren(
  s: IntakeSnapshot,
  incidentPath: string,
  master: Issue,
  masterState: TicketState | null,
  id: string,
  deps: IntakeDeps,
): Step<Map<ChildRole, Issue>> {
  if (s.children === undefined) {
    const release = releaseProjectPath(s.config, s.sourceProject.path);
    const projects = release.toLowerCase() === incidentPath.toLowerCase() ? [incidentPath] : [incidentPath, release];
    return { effects: [{ kind: 'find-children', projects, label: idLabel(id) }] };
  }
  const children = childrenOf(s.children, id, master, masterState?.children ?? []);
  // A child made twice (the answer to the first create was lost) is closed in favour of the one kept.
  const doubled = doubledChildrenOf(s.children, children, id, master);
  if (doubled.length > 0) {
    const roles = [roleLabel('release'), roleLabel('comms')];
    return {
      effects: doubled.map((d) => closeDuplicate(d, [idLabel(id), ...d.labels.filter((l) => roles.includes(l))])),
    };
  }
  const missing = s.config.children.filter((role) => !children.has(role));
  if (missing.length > 0) return { effects: missing.map((role) => createChild(s, role, id, master, deps)) };
  return { value: children };
}

/**
 * The labels a child's own state calls for (the comms ticket's approval labels) that it lacks: its create gave them
 * after the issue itself (`statusLabels`), and a run interrupted between the two left it without them. The approvals
 * decision writes them only at an approval change, so the intake, which is completed by a later run, puts them on, as
 * that decision would write them: the full set its state calls for, any other approval label off. Null when every
 * child has them.
 */
function mirrorChildStatus(s: IntakeSnapshot, children: Map<ChildRole, Issue>): IntakeEffect[] | null {
  const effects: IntakeEffect[] = [];
  for (const [role, child] of children) {
    const wanted = childStatusLabels(s.config, role, trustedState(child)?.approvals);
    const has = new Set(child.labels.map((l) => l.toLowerCase()));
    const lacking = wanted.filter((l) => !has.has(l.toLowerCase()));
    if (lacking.length === 0) continue;
    const keep = new Set(wanted.map((l) => l.toLowerCase()));
    const stale = child.labels.filter((l) => isApprovalLabel(l) && !keep.has(l.toLowerCase()));
    effects.push({
      kind: 'update',
      ref: child.ref,
      why: `the ${role} ticket's status labels`,
      addLabels: lacking,
      ...(stale.length > 0 ? { removeLabels: stale } : {}),
    });
  }
  return effects.length > 0 ? effects : null;
}

/**
 * Links every child not linked yet, where the tracker links natively. A child created attached is linked already (its
 * create answered so); one whose create could not tell is linked here.
 */
function linkChildren(
  s: IntakeSnapshot,
  master: Issue,
  children: Map<ChildRole, Issue>,
  linked: Set<string>,
): IntakeEffect[] | null {
  if (!s.capabilities.nativeLinks) return null;
  const toLink = [...children.values()].filter((c) => !linked.has(formatRef(c.ref)));
  return toLink.length > 0 ? toLink.map((child) => ({ kind: 'link' as const, parent: master, child })) : null;
}

/**
 * The intake's comment on the master: the summary, and below it the timeline opened with the intake's entries, in one
 * comment (issue 15: one notifying write, and one request, fewer). It carries both markers, so whatever looks for the
 * summary or the timeline finds it, and an intake interrupted after it finds both there and posts nothing more. What
 * the state or the app's comments already show is never posted again, and nothing rewrites an older incident's
 * comments: where the summary is already posted (an older incident's summary comment, a run interrupted before the
 * timeline), the timeline is opened in a comment of its own, and where the timeline exists without the summary, the
 * summary is posted alone. So is the summary when both would not fit in one comment (the timeline then follows alone).
 * Answers the timeline's comment ids.
 */
function postSummaryAndTimeline(
  s: IntakeSnapshot,
  master: Issue,
  masterState: TicketState | null,
  done: IntakeDone,
  deps: IntakeDeps,
): Step<number[]> {
  const recorded = masterState?.run?.timeline;
  const summarized = masterState?.summary === true;
  if (summarized && recorded) return { value: recorded };
  const comments = s.comments[formatRef(master.ref)];
  if (!comments) return { effects: [{ kind: 'read-comments', ref: master.ref }] };
  const hasSummary = summarized || hasMarker(comments, MARKERS.summary);
  const found = comments.find((c) => c.body.includes(TIMELINE_MARKER));
  const timeline = recorded ?? (found ? [found.id] : null);
  if (hasSummary && timeline) return { value: timeline };
  const max = timelineMaxChars(s.tracker);
  if (hasSummary) {
    const entries = intakeEntries(s, done.id, done.children, done.linked, done.inPlace);
    const body = appendToTimeline(null, entries, max).create[0]!;
    return { effects: [{ kind: 'comment', ref: master.ref, why: 'open the timeline', body }] };
  }
  const summary = summaryFor(s, done.id, done.children, done.linked, done.inPlace, deps);
  if (!timeline) {
    // A blank line between them: the summary's last list item ends above the timeline's marker and heading.
    const merged = startTimeline(
      `${summary}\n`,
      intakeEntries(s, done.id, done.children, done.linked, done.inPlace),
      max,
    );
    if (merged.length === 1) {
      return { effects: [{ kind: 'comment', ref: master.ref, why: 'intake summary and timeline', body: merged[0]! }] };
    }
  }
  return { effects: [{ kind: 'comment', ref: master.ref, why: 'intake summary', body: summary }] };
}

/**
 * The master's block, title and labels from the completed intake; none when the master already shows them.
 * Everything the state already holds (a running incident's severity, deadlines, timeline) is kept.
 */
function updateMaster(
  s: IntakeSnapshot,
  master: Issue,
  masterState: TicketState | null,
  done: IntakeDone,
  timeline: number[],
  deps: IntakeDeps,
): IntakeEffect[] {
  const { id } = done;
  const rows = childRows(done.children);
  const declared = { ...declaration(s), ...pickDeclaration(masterState) };
  const run = masterState?.intake === true ? { ...(masterState.run ?? {}) } : startRun(s, masterState);
  const state: TicketState = {
    ...(masterState ?? {}),
    ...declared,
    v: 1,
    role: 'master',
    id,
    intake: true,
    summary: true,
    links: [...done.linked].sort(),
    children: rows,
    run: { ...run, timeline },
  };
  const view = renderMaster(
    {
      master,
      state,
      children: rows,
      // The First Responder (seed 003), never the reporter for being the author, nor the app that created an external
      // master; nobody when whoever declared it may not write (the first `/ack` takes the role then).
      defaultManager: declared.responder ?? '',
      config: s.config,
      now: s.now,
      bodyLimit: DESCRIPTION_LIMITS[s.tracker],
    },
    deps,
  );
  const phase = phaseLabel(view.phase);
  const status = statusLabel(statusOf(state.run));
  const update: UpdateEffect = {
    kind: 'update',
    ref: master.ref,
    why: 'master block, title and labels',
    titleId: id,
    block: view.block,
    addLabels: [roleLabel('master'), idLabel(id), phase, ...(masterState?.intake === true ? [] : [status])],
    removeLabels: master.labels.filter((l) => l.startsWith('phase::') && l !== phase),
  };
  return computePatch(master, update) ? [update] : [];
}

/** The First Responder of this intake: the one the master's mark recorded, else the one this run found. */
function responderOf(s: IntakeSnapshot): string | null {
  const marked = s.master ?? s.source;
  return (marked ? trustedState(marked)?.responder : undefined) ?? s.responder ?? null;
}

/** The declaration the master's state already holds (the mark's), which wins over a later read of the source. */
function pickDeclaration(state: TicketState | null): Pick<TicketState, 'responder' | 'reporter'> {
  return {
    ...(state?.responder ? { responder: state.responder } : {}),
    ...(state?.reporter ? { reporter: state.reporter } : {}),
  };
}

/**
 * The run of a newly declared incident (seed 003): an event under investigation from the moment it was declared, the
 * acknowledgement window and the sitrep cadence (high until assessed) counted from then.
 */
function startRun(s: IntakeSnapshot, state: TicketState | null): RunState {
  const run: RunState = { ...(state?.run ?? {}) };
  const at = state?.trigger?.at ?? formatRfc3339(s.now);
  run.status ??= 'investigating';
  run.declaredAt ??= at;
  run.sitrepSince ??= at;
  if (!run.history?.length)
    recordMilestone(run, { at, by: state?.trigger?.by ?? s.actor, kind: 'status', value: run.status });
  return run;
}

function childRows(children: Map<ChildRole, Issue>): ChildRow[] {
  return [...children.entries()].map(([role, child]) => ({
    role,
    ref: formatRef(child.ref),
    url: child.webUrl,
    title: child.title,
  }));
}

/** The timeline's first entries: who triggered the incident and what the intake did. */
function intakeEntries(
  s: IntakeSnapshot,
  id: string,
  children: Map<ChildRole, Issue>,
  linked: Set<string>,
  inPlace: boolean,
): TimelineEntry[] {
  const at = formatRfc3339(s.now);
  const app = (text: string): TimelineEntry => ({ at, actor: APP_ACTOR, text });
  const trigger = (s.master ?? s.source) ? trustedState((s.master ?? s.source)!)?.trigger : undefined;
  const by = trigger?.by ?? s.actor;
  // An intake completed without the trigger event (by the sweep) and without a mark naming who triggered it says
  // nothing of it.
  const entries: TimelineEntry[] = by
    ? [{ at: trigger?.at ?? at, actor: by, text: `labeled the report \`${s.config.label}\`` }]
    : [];
  if (inPlace && s.capabilities.confidentialIssues) entries.push(app('made this ticket confidential'));
  const responder = responderOf(s);
  entries.push(
    app(
      responder
        ? `named @${responder} Incident Manager (First Responder: declared the incident with write access)`
        : 'named no Incident Manager: nobody with write access declared the incident',
    ),
  );
  if (!inPlace) entries.push(app(`moved the report here from ${s.sourceProject.path}#${s.reporter.number}`));
  entries.push(app(`named the incident ${id}`));
  for (const [role, child] of children) {
    const link =
      linked.has(formatRef(child.ref)) && s.linked[formatRef(child.ref)] !== 'unsupported' ? ' and linked it' : '';
    entries.push(app(`opened the ${roleName(role).toLowerCase()} ${formatRef(child.ref)}${link}`));
  }
  return entries;
}

/** Where the incident may live, checked from the API's answers before anything is written. */
function checkPlaces(s: IntakeSnapshot, inPlace: boolean): { reason: NeedsConfigReason; project?: string } | null {
  const { config } = s;
  const configured = config.incidentProject ?? undefined;
  if (!s.incidentProject) return { reason: 'incident-project-missing', project: configured };
  const needsPrivate = !s.capabilities.confidentialIssues;
  if (needsPrivate && s.incidentProject.visibility !== 'private') {
    return inPlace && !configured
      ? { reason: 'public-without-incident-project' }
      : { reason: 'incident-project-not-private', project: s.incidentProject.path };
  }
  if (config.children.includes('release')) {
    const releasePath = releaseProjectPath(config, s.sourceProject.path);
    if (!s.releaseProject) return { reason: 'release-project-missing', project: releasePath };
    if (needsPrivate && s.releaseProject.visibility !== 'private')
      return { reason: 'release-project-not-private', project: releasePath };
  }
  return null;
}

function needsConfig(s: IntakeSnapshot, source: Issue, reason: NeedsConfigReason, project?: string): IntakeEffect[] {
  if (!source.labels.includes(NEEDS_CONFIG_LABEL)) {
    return [
      {
        kind: 'update',
        ref: source.ref,
        why: 'mark the source as needing configuration',
        addLabels: [NEEDS_CONFIG_LABEL],
      },
    ];
  }
  const comments = s.comments[formatRef(source.ref)];
  if (!comments) return [{ kind: 'read-comments', ref: source.ref }];
  if (hasMarker(comments, MARKERS.needsConfig)) return [];
  const body = renderNeedsConfig({
    reason,
    label: s.config.label,
    configPath: s.configPath,
    ...(project ? { project } : {}),
  });
  return [{ kind: 'comment', ref: source.ref, why: 'explain the missing configuration', body }];
}

/** The identifier of an incident from its master: a CVE in its title or the person's text, else prefix-year-number. */
export function incidentIdFor(master: Issue, prefix: string): string {
  return deriveIncidentId({
    title: master.title,
    description: trustedState(master) ? splitBody(master.body).rest : master.body,
    prefix,
    masterNumber: master.ref.number,
    masterCreatedAt: master.createdAt,
  });
}

/**
 * The master in another project. On GitHub the repository was verified private, so the master is created
 * with the source's text at once. On GitLab it is created without details; the text is copied in by the
 * next step, once the tracker's answer showed the master confidential.
 */
function createMaster(s: IntakeSnapshot, source: Issue, project: string): IntakeEffect {
  const cve = findCve(source.title) ?? findCve(source.body);
  const verifyFirst = s.capabilities.confidentialIssues;
  const state: TicketState = {
    v: 1,
    role: 'master',
    id: cve ?? '',
    source: `${s.tracker}:${formatRef(source.ref)}`,
    ...(verifyFirst ? { pendingCopy: true } : {}),
    ...(s.actor ? { trigger: { by: s.actor, at: formatRfc3339(s.now) } } : {}),
    ...declaration(s),
  };
  const block = `${renderState(state)}\n${SETTING_UP}`;
  const labels = [roleLabel('master'), sourceLabel(s.tracker, source.ref), ...(cve ? [idLabel(cve)] : [])];
  return {
    kind: 'create',
    role: 'master',
    project,
    draft: verifyFirst
      ? { title: 'Incident intake in progress', body: joinBody(block, ''), labels, confidential: true }
      : { title: source.title, body: joinBody(block, neutralizeBlock(source.body)), labels, confidential: true },
    expectConfidential: verifyFirst,
  };
}

const SETTING_UP = '_incident-desk is setting up this incident…_';

/** Copies the source's title and text into a master that was verified confidential. */
function copySource(master: Issue, source: Issue, state: TicketState): UpdateEffect {
  const { pendingCopy: _done, ...rest } = state;
  return {
    kind: 'update',
    ref: master.ref,
    why: 'copy the source into the verified-confidential master',
    title: source.title,
    body: joinBody(`${renderState(rest)}\n${SETTING_UP}`, neutralizeBlock(source.body)),
  };
}

/** What happens to a source whose master lives elsewhere: its details leave it, one comment stays. */
function handleSource(s: IntakeSnapshot, source: Issue, id: string): IntakeEffect[] {
  const isPublic = s.sourceProject.visibility !== 'private' && !source.confidential;
  if (
    isPublic &&
    s.capabilities.deleteIssue &&
    s.config.publicSource === 'delete' &&
    s.sourceDeletion !== 'forbidden'
  ) {
    return [{ kind: 'delete', issue: source }];
  }
  const notice = renderSourceNotice(id);
  if (source.body !== notice) {
    return [
      {
        kind: 'update',
        ref: source.ref,
        why: 'replace the source details with a notice',
        body: notice,
        ...(isPublic ? { title: sourceNoticeTitle(id) } : {}),
      },
    ];
  }
  if (isPublic && s.capabilities.lockConversation && !source.locked) return [{ kind: 'lock', ref: source.ref }];
  const comments = s.comments[formatRef(source.ref)];
  if (!comments) return [{ kind: 'read-comments', ref: source.ref }];
  if (!hasMarker(comments, MARKERS.sourceComment)) {
    const body = renderSourceComment({
      id,
      publicPlace: isPublic && !s.capabilities.confidentialIssues,
      deleteRefused: s.sourceDeletion === 'forbidden',
    });
    return [{ kind: 'comment', ref: source.ref, why: 'tell the reporter where the incident is tracked', body }];
  }
  return [];
}

/**
 * The children of this incident by role: the one the master's state already names (people may be working in it),
 * else the oldest issue carrying the id label and the role label. Only a ticket whose own (signed) state names this
 * master counts: labels anyone with triage rights can set, and an issue labelled in advance is never adopted.
 */
function childrenOf(issues: Issue[], id: string, master: Issue, recorded: ChildRow[]): Map<ChildRole, Issue> {
  const found = new Map<ChildRole, Issue>();
  const named = new Set(recorded.map((row) => row.ref.toLowerCase()));
  const rank = (issue: Issue): number => (named.has(formatRef(issue.ref).toLowerCase()) ? 0 : 1);
  const ordered = [...issues].sort(
    (a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt) || a.ref.number - b.ref.number,
  );
  for (const issue of ordered) {
    if (sameRef(issue.ref, master.ref) || !issue.labels.includes(idLabel(id))) continue;
    const state = trustedState(issue);
    for (const role of ['release', 'comms'] as const) {
      if (!found.has(role) && isChildOf(issue, state, role, master.ref)) found.set(role, issue);
    }
  }
  return found;
}

/**
 * Open children the app made twice: its own tickets (trusted state naming this master) with the role and the id
 * label of a child that is kept. A ticket a person labelled by hand has no such state and is never closed.
 */
function doubledChildrenOf(issues: Issue[], kept: Map<ChildRole, Issue>, id: string, master: Issue): Issue[] {
  const keptRefs = new Set([...kept.values()].map((c) => formatRef(c.ref).toLowerCase()));
  const masterRef = formatRef(master.ref).toLowerCase();
  return issues.filter((issue) => {
    if (
      issue.state !== 'open' ||
      keptRefs.has(formatRef(issue.ref).toLowerCase()) ||
      !issue.labels.includes(idLabel(id))
    )
      return false;
    const state = trustedState(issue);
    return (
      (state?.role === 'release' || state?.role === 'comms') &&
      kept.has(state.role) &&
      state.master?.toLowerCase() === masterRef
    );
  });
}

/**
 * A further master of the same source that the app made itself (trusted state naming the same source) and left open.
 */
function isDoubledMaster(issue: Issue, s: IntakeSnapshot): boolean {
  const state = trustedState(issue);
  const source = s.source ? `${s.tracker}:${formatRef(s.source.ref)}`.toLowerCase() : null;
  return (
    issue.state === 'open' &&
    state?.role === 'master' &&
    state.intake !== true &&
    source !== null &&
    state.source?.toLowerCase() === source
  );
}

/** Closes a ticket made twice; without its role and id labels it is no longer part of the incident. */
function closeDuplicate(issue: Issue, removeLabels: string[]): UpdateEffect {
  return {
    kind: 'update',
    ref: issue.ref,
    why: 'close a ticket made twice',
    state: 'closed',
    addLabels: [DUPLICATE_LABEL],
    removeLabels,
  };
}

function reference(issue: Issue): string {
  return `[${formatRef(issue.ref)}](${issue.webUrl})`;
}

function createChild(s: IntakeSnapshot, role: ChildRole, id: string, master: Issue, deps: IntakeDeps): IntakeEffect {
  const state: TicketState = { v: 1, role, id, master: formatRef(master.ref) };
  const statusLabels = childStatusLabels(s.config, role);
  // Children carry the identifier, never the incident's title: their text is the process, not the details.
  const title = `Incident ${id}`;
  const content =
    role === 'release'
      ? deps.renderer.release(releaseContext(id, master, title, deps))
      : deps.renderer.comms(
          commsContext(s.config, id, reference(master), title, deps, {
            done: new Set(),
            statusTable: renderStatusTable(s.config.approvals, { decisions: {} }, s.now, null),
          }),
        );
  const project =
    role === 'release'
      ? releaseProjectPath(s.config, s.sourceProject.path)
      : incidentProjectPath(s.config, s.sourceProject.path);
  return {
    kind: 'create',
    role,
    project,
    // Where the tracker creates a child already attached (GitHub's sub-issue in the create), one request does both.
    ...(s.capabilities.nativeLinks && s.capabilities.attachOnCreate ? { attachTo: master } : {}),
    draft: {
      title: childTitle(role, id),
      body: joinBody(`${renderState(state)}\n${content.trimEnd()}`, ''),
      // What finds the child again (its identifier and role) is on it from its creation; the comms ticket's approval
      // labels only mirror its (empty) approval state and may follow by a moment (GitHub adds those the repository
      // lacks in one write after the create, rather than creating each label first).
      labels: [idLabel(id), roleLabel(role)],
      ...(statusLabels.length > 0 ? { statusLabels } : {}),
      confidential: true,
    },
    expectConfidential: s.capabilities.confidentialIssues,
  };
}

function releaseContext(id: string, master: Issue, title: string, deps: IntakeDeps): ReleaseContext {
  return {
    id,
    master: reference(master),
    title,
    phases: renderPhases(RELEASE_PHASES, new Set(), deps.handbookUrl, reference(master)),
  };
}

function summaryFor(
  s: IntakeSnapshot,
  id: string,
  children: Map<ChildRole, Issue>,
  linked: Set<string>,
  inPlace: boolean,
  deps: IntakeDeps,
): string {
  const source = s.source;
  let handled: 'moved' | 'redacted' | 'deleted' | 'delete-refused' = 'moved';
  if (s.sourceDeletion === 'deleted') handled = 'deleted';
  else if (s.sourceDeletion === 'forbidden') handled = 'delete-refused';
  else if (source && s.sourceProject.visibility !== 'private' && !s.capabilities.confidentialIssues)
    handled = 'redacted';
  return renderSummary({
    id,
    confidential: s.capabilities.confidentialIssues ? 'issue' : 'repository',
    children: [...children.entries()].map(([role, child]) => ({
      role,
      reference: reference(child),
      linked:
        s.capabilities.nativeLinks &&
        linked.has(formatRef(child.ref)) &&
        s.linked[formatRef(child.ref)] !== 'unsupported',
    })),
    source: inPlace ? null : { reference: `${s.sourceProject.path}#${source?.ref.number ?? '?'}`, handled },
    handbookUrl: deps.handbookUrl,
    responder: responderOf(s),
    ackMinutes: s.config.ackMinutes,
  });
}
