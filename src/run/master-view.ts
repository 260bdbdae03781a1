import { parseQuickLinks, renderState, splitBody, trustedBlock } from '../kernel/block.js';
import { parseTracking, renderTracking } from '../tracking/section.js';
import { upsertRow } from '../tracking/rows.js';
import type { TaskRow } from '../tracking/rows.js';
import type { ChildRow, TicketState } from '../kernel/ticket-state.js';
import { INCIDENT_PHASES } from '../checklist/phases.js';
import { computeProgress, currentPhase, phaseDates, readSteps, setStepState } from '../checklist/steps.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import type { Issue } from '../kernel/model.js';
import { mentionUser, neutralizeInline } from '../kernel/neutralize.js';
import { renderLinks } from '../checklist/render-phases.js';
import { stepUrl } from '../templates/renderer.js';
import type { Renderer } from '../templates/renderer.js';
import type { IncidentContext, QuickLinkRow } from '../templates/contexts.js';
import { dateOf, FIELD_LABELS, PRIVATE_FORK, REPORTER } from './quick-links.js';
import { quiet } from '../kernel/usernames.js';

export const PLACEHOLDER = '_not set_';
/** The block's begin and end markers and separators, with room to spare for a person's concurrent edit. */
const MARKERS_AND_MARGIN = 512;
const DATE_PLACEHOLDER = '_YYYY-MM-DD_';

/** Everything the master's block is rendered from. */
export interface MasterViewInput {
  /** The master as just read: its current block gives the ticks and the Quick Links values people wrote. */
  master: Issue;
  /** The state to write into the block. */
  state: TicketState;
  children: ChildRow[];
  /** The Incident Manager when the table does not name one yet (a username). */
  defaultManager: string;
  config: IncidentDeskConfig;
  /**
   * Checkbox states imposed on the current block before rendering (a person's replayed intent, a refused tick undone).
   */
  stepOverrides?: ReadonlyArray<{ stepId: string; done: boolean }>;
  /** Quick Links cells imposed by label (a validated `/set`, a handoff, a refused edit undone). */
  cells?: Readonly<Record<string, string>>;
  /** Tracking-ticket rows to put in (or replace in) the section read from the current block. */
  tasks?: readonly TaskRow[];
  /** Decides which tracking tickets are overdue. */
  now: Date;
  /** The tracker's description limit in characters; the tracking section is shortened to fit under it. */
  bodyLimit?: number;
}

export interface MasterView {
  /** The block's inner text, state marker first. */
  block: string;
  /** Tracking tickets shown shortened or left out because of the description limit (0 and 0 normally). */
  shortened: { compactOpen: number; omitted: number };
  /** The current phase's id, for the `phase::<id>` label. */
  phase: string;
}

/** The `phase::` label of a phase id. */
export function phaseLabel(phaseId: string): string {
  return `phase::${phaseId}`;
}

/**
 * Renders the master's block from its current content and the app's state: every tick and every value a
 * person wrote is kept, the children's links and the progress, dates and n/a marks are the app's own.
 * Pure; the same input always renders the same block.
 */
export function renderMaster(input: MasterViewInput, deps: { renderer: Renderer; handbookUrl: string }): MasterView {
  let current = trustedBlock(input.master);
  for (const o of input.stepOverrides ?? []) if (current !== null) current = setStepState(current, o.stepId, o.done);
  const kept = keptCells(current, input.cells);
  const na = input.state.run?.na ?? {};
  const progress = computeProgress(current ?? '', INCIDENT_PHASES, na);
  const context: IncidentContext = {
    id: input.state.id,
    progress: `${progress.done}/${progress.total} steps done`,
    quickLinks: quickLinkRows(kept, input),
    phases: phaseContexts(current, kept, progress, na, input.config, deps.handbookUrl, releaseReference(input)),
    related: input.children.map((row) => ({
      role: row.role === 'release' ? 'Release' : 'Communications',
      reference: `[${row.ref}](${row.url})`,
      title: neutralizeInline(row.title),
    })),
  };
  const main = `${renderState(input.state)}\n${deps.renderer.incident(context).trimEnd()}`;
  let rows = parseTracking(current);
  for (const row of input.tasks ?? []) rows = upsertRow(rows, row);
  // What the description may still hold: the limit less the person's text, the rest of the block, the markers.
  const rest = splitBody(input.master.body).rest.length;
  const budget = (input.bodyLimit ?? Number.POSITIVE_INFINITY) - rest - main.length - MARKERS_AND_MARGIN;
  const tracking = renderTracking(rows, input.now, budget);
  return {
    block: `${main}\n\n${tracking.text}`,
    phase: currentPhase(progress),
    shortened: { compactOpen: tracking.compactOpen, omitted: tracking.omitted },
  };
}

/** The Quick Links values people wrote in the current block, with the cells imposed on top, by label. */
function keptCells(current: string | null, imposed: Readonly<Record<string, string>> | undefined): Map<string, string> {
  // A person's cell can never open an HTML comment: it would hide every step below it.
  const written = [...parseQuickLinks(current)].map(
    ([label, value]) => [label, value.replace(/<!--/g, '&lt;!--')] as const,
  );
  return new Map<string, string>([...written, ...Object.entries(imposed ?? {})]);
}

/** The Quick Links table: the values kept, else the defaults; the children's rows are the app's own. */
function quickLinkRows(kept: Map<string, string>, input: MasterViewInput): QuickLinkRow[] {
  const keep = (label: string, fallback: string): QuickLinkRow => ({ label, value: kept.get(label) ?? fallback });
  // Rows shown once they have a value: most incidents never name a weakness or a private fork.
  const ifKept = (label: string): QuickLinkRow[] => (kept.has(label) ? [{ label, value: kept.get(label)! }] : []);
  const fork = input.state.run?.disclosure?.advisory?.fork;
  const child = (role: ChildRow['role']): string => {
    const row = input.children.find((c) => c.role === role);
    return row ? `[${row.ref}](${row.url})` : PLACEHOLDER;
  };
  // The reporter is named without a ping: reminders and nudges never reach them (seed 003 keeps them out of the team).
  const reporter = input.state.reporter?.author ? quiet(input.state.reporter.author) : '';
  return [
    keep(FIELD_LABELS['incident-manager'], mentionUser(input.defaultManager) || PLACEHOLDER),
    keep(FIELD_LABELS.deputy, PLACEHOLDER),
    keep(FIELD_LABELS['communications-officer'], PLACEHOLDER),
    keep(REPORTER, reporter || PLACEHOLDER),
    keep(FIELD_LABELS['disclosure-date'], DATE_PLACEHOLDER),
    keep(FIELD_LABELS.cvss, PLACEHOLDER),
    ...ifKept(FIELD_LABELS.cwe),
    keep(FIELD_LABELS.advisory, PLACEHOLDER),
    ...(fork ? [{ label: PRIVATE_FORK, value: `[${neutralizeInline(fork.path)}](${fork.url})` }] : []),
    keep(FIELD_LABELS.chat, PLACEHOLDER),
    keep(FIELD_LABELS['support-ticket'], PLACEHOLDER),
    { label: 'Release Checklist', value: child('release') },
    { label: 'Communications', value: child('comms') },
    keep(FIELD_LABELS['post-mortem'], PLACEHOLDER),
  ];
}

/** The release ticket as a markdown reference, for the links of the master's phases to its steps. */
function releaseReference(input: MasterViewInput): string | null {
  const row = input.children.find((c) => c.role === 'release');
  return row ? `[${row.ref}](${row.url})` : null;
}

/** The phases of the checklist: their dates from the disclosure date, their progress, each step's box and n/a mark. */
function phaseContexts(
  current: string | null,
  kept: Map<string, string>,
  progress: ReturnType<typeof computeProgress>,
  na: Record<string, string>,
  config: IncidentDeskConfig,
  handbookUrl: string,
  release: string | null,
): IncidentContext['phases'] {
  const steps = current === null ? new Map<string, { done: boolean }>() : readSteps(current);
  const disclosure = dateOf(kept.get(FIELD_LABELS['disclosure-date']));
  const dates = phaseDates(disclosure, config.phaseOffsets, INCIDENT_PHASES);
  return INCIDENT_PHASES.map((phase) => {
    const counted = progress.phases.find((p) => p.id === phase.id);
    return {
      id: phase.id,
      title: phase.title,
      date: dates[phase.id] ?? null,
      progress: `${counted?.done ?? 0}/${counted?.total ?? phase.steps.length}`,
      steps: phase.steps.map((step) => ({
        id: step.id,
        role: step.role,
        text: step.text,
        url: stepUrl(handbookUrl, step.id),
        done: Boolean(steps.get(step.id)?.done) || Object.hasOwn(na, step.id),
        na: Object.hasOwn(na, step.id) ? neutralizeInline(na[step.id]!, 200) : null,
      })),
      links: renderLinks(phase, release, handbookUrl),
    };
  });
}
