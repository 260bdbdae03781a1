import { splitBody } from '../kernel/block.js';
import type { Advisory, AdvisoryDraft, AdvisorySeverity } from '../kernel/advisory.js';
import { severityOfScore } from '../kernel/advisory.js';
import { findCve } from '../kernel/identifier.js';
import type { Issue } from '../kernel/model.js';
import { neutralizeInline } from '../kernel/neutralize.js';
import type { DisclosureState } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import { readSteps } from '../checklist/steps.js';
import { INCIDENT_PHASES } from '../checklist/phases.js';
import { cweIdsOf, normalizeCvssScore, normalizeCvssVector } from '../commands/fields.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { emptyPlan, stepLabel, timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { FIELD_LABELS, MANAGER, holderOf, quickLinksOf } from '../run/quick-links.js';
import type { AdvisoryContext } from '../templates/contexts.js';
import { addAlias, advisoryCell, linkOf, PUBLISH_ADVISORY_STEP } from './advisories.js';
import { describeMissing, GO_AHEAD_STEP, isPublishingStep } from './gate.js';
import type { Gate } from './gate.js';
import {
  renderAdvisoryAnswer,
  renderDisclosed,
  renderForced,
  renderGateClosed,
  renderPrematureTick,
} from './messages.js';

/**
 * The disclosure's decisions on the master: a publishing step ticked before its gate is undone, `/disclose --force`
 * opens the gate, `/disclose` records the publication, and `/advisory` links what the tracker answered. Pure: the
 * gate, the advisory and the release ticket are read by the shell and come in.
 */

/** A step of the incident's checklist by id (for its label in messages). */
function stepOf(id: string): { id: string; role: string; text: string } {
  return INCIDENT_PHASES.flatMap((p) => p.steps).find((s) => s.id === id) ?? { id, role: '', text: id };
}

const GO_AHEAD_TEXT = `(${stepOf(GO_AHEAD_STEP).role}) ${stepOf(GO_AHEAD_STEP).text}`;

/** The publishing steps a person ticked in an edit of the master's block (before → after). */
export function publishingTicks(previousBlock: string | null, block: string | null): string[] {
  if (previousBlock === null || block === null) return [];
  const before = readSteps(previousBlock);
  return [...readSteps(block).entries()]
    .filter(([id, step]) => isPublishingStep(id) && step.done && before.get(id)?.done === false)
    .map(([id]) => id);
}

/**
 * Ticks of publishing steps made while the gate is closed: each box is unticked again on the fresh master, with one
 * comment that names what is still missing and a timeline line per step. The rest of the edit's plan stands.
 */
export function refusePrematureTicks(ctx: RunContext, plan: RunPlan, steps: readonly string[], gate: Gate): RunPlan {
  if (steps.length === 0 || gate.open) return plan;
  const missing = describeMissing(gate.missing, GO_AHEAD_TEXT);
  for (const id of steps) {
    plan.stepOverrides.push({ stepId: id, done: false });
    plan.timeline.push(
      timelineEntry(ctx, `ticked ${stepLabel(stepOf(id))}; unticked by incident-desk, the publication gate is closed`),
    );
  }
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderPrematureTick({
      actor: ctx.actor?.username ?? '',
      steps: steps.map((id) => stepLabel(stepOf(id))),
      missing,
    }),
  });
  return plan;
}

/** Whether the actor is the master's Incident Manager (Quick Links), or a maintainer where none is named. */
function mayForce(ctx: RunContext): boolean {
  const manager = holderOf(quickLinksOf(ctx.master).get(MANAGER));
  const actor = ctx.actor?.username.toLowerCase() ?? '';
  if (manager) return manager.toLowerCase() === actor;
  return ctx.access === 'maintain' || ctx.access === 'admin';
}

/**
 * `/disclose --force <reason>`: the Incident Manager opens the gate without the conditions still missing. Recorded in
 * the state (the gate stays open) and on the timeline with the reason and what was skipped.
 */
export function decideForce(ctx: RunContext, reason: string, gate: Gate): RunPlan | { refused: string } {
  if (!mayForce(ctx)) return { refused: 'force the publication gate open (only the Incident Manager can)' };
  const plan = emptyPlan(ctx);
  const disclosure: DisclosureState = { ...(plan.run.disclosure ?? {}) };
  if (disclosure.forced) return plan;
  const why = neutralizeInline(reason, 300);
  disclosure.forced = { by: ctx.actor?.username ?? '', at: formatRfc3339(ctx.now), reason: why };
  plan.run.disclosure = disclosure;
  const skipped = describeMissing(gate.missing, GO_AHEAD_TEXT);
  const skippedText = skipped.length > 0 ? ` (skipping: ${skipped.join('; ')})` : '';
  plan.timeline.push(timelineEntry(ctx, `forced the publication gate open: ${why}${skippedText}`));
  plan.comments.push({ ref: ctx.master.ref, body: renderForced({ reason: why, skipped }) });
  return plan;
}

/** What `/disclose` did on the tracker before deciding (GitHub: the advisory it published, or found published). */
export interface Publication {
  /** The advisory as the tracker answered after publishing (or as found already published); null when none. */
  advisory: Advisory | null;
  /** True when this command published it (false: it was published before). */
  published: boolean;
}

/** `/disclose` with the gate closed: nothing is published; one comment says what is missing. */
export function decideGateClosed(ctx: RunContext, gate: Gate): RunPlan {
  const plan = emptyPlan(ctx);
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderGateClosed({ missing: describeMissing(gate.missing, GO_AHEAD_TEXT) }),
  });
  return plan;
}

/**
 * `/disclose` with the gate open, after the shell published what the tracker allows: the disclosure time recorded
 * (once), the advisory's step ticked when it is published, a timeline line and one comment that says what was
 * published.
 */
export function decideDisclosed(ctx: RunContext, publication: Publication): RunPlan {
  const plan = emptyPlan(ctx);
  const disclosure: DisclosureState = { ...(plan.run.disclosure ?? {}) };
  const first = disclosure.disclosedAt === undefined;
  if (first) {
    disclosure.disclosedAt = formatRfc3339(ctx.now);
    disclosure.disclosedBy = ctx.actor?.username ?? '';
  }
  const advisory = publication.advisory;
  if (advisory) disclosure.advisory = linkOf(advisory, disclosure.advisory, formatRfc3339(ctx.now));
  plan.run.disclosure = disclosure;
  const steps = readSteps(splitBody(ctx.master.body).block ?? '');
  const ticked: string[] = [];
  if (advisory?.state === 'published' && steps.get(PUBLISH_ADVISORY_STEP)?.done === false) {
    plan.stepOverrides.push({ stepId: PUBLISH_ADVISORY_STEP, done: true });
    ticked.push(stepLabel(stepOf(PUBLISH_ADVISORY_STEP)));
  }
  if (publication.published && advisory) plan.timeline.push(timelineEntry(ctx, `published ${advisory.ghsaId}`));
  for (const step of ticked) plan.timeline.push(timelineEntry(ctx, `ticked ${step}`));
  if (first) plan.timeline.push(timelineEntry(ctx, 'recorded the public disclosure of the incident'));
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderDisclosed({
      advisory: advisory ? { cell: advisoryCell(advisory), publishedNow: publication.published } : null,
      ticked,
      at: disclosure.disclosedAt ?? formatRfc3339(ctx.now),
      first,
    }),
  });
  return plan;
}

/** The repository whose advisory `/advisory` drafts: configured, else where the incident was reported. */
export function advisoryRepositoryOf(ctx: RunContext): string {
  const source = ctx.state.source
    ? /^(?:[a-z]+:)?(?<project>[^#:]+)#\d+$/.exec(ctx.state.source)?.groups?.project
    : undefined;
  return (
    ctx.config.advisoryRepository ?? ctx.state.run?.disclosure?.advisory?.repository ?? source ?? ctx.master.ref.project
  );
}

/** A value of the release ticket's details table (`| Affected versions: | < 2.0.1 |`); null while not filled. */
export function releaseDetail(release: Issue | null, label: string): string | null {
  if (!release) return null;
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const value = new RegExp(`^\\|\\s*${escaped}:?\\s*\\|(?<value>[^|\\n]*)\\|`, 'im').exec(release.body)?.groups?.value;
  const text = (value ?? '').trim();
  if (!text || /^_.*_$/.test(text)) return null;
  // A version or range as advisories write them (`< 2.0.1`, `>= 1.0, < 1.2.3`); anything else is no version.
  return VERSION_TEXT.test(text) ? text : null;
}

/** What a version or version range may hold: no markup, no mention, no link. */
const VERSION_TEXT = /^[A-Za-z0-9 .,<>=!~^*+_-]{1,200}$/;

/** Severity or vector from the CVSS cell (GitHub takes one or the other). */
function cvssOf(cell: string | undefined): { severity: AdvisorySeverity | null; vector: string | null } {
  const text = (cell ?? '').replace(/`/g, ' ');
  const vector = /(?<vector>CVSS:[34]\.[01]\/\S+)/.exec(text)?.groups?.vector;
  const normalized = vector ? normalizeCvssVector(vector) : null;
  if (normalized) return { severity: null, vector: normalized };
  const score = /^\s*(?<score>\d{1,2}(?:\.\d)?)\b/.exec(text)?.groups?.score;
  const value = score ? normalizeCvssScore(score) : null;
  return { severity: value ? severityOfScore(Number(value)) : null, vector: null };
}

/** The incident's CVE: its identifier when it is one, else the first CVE alias. */
function cveOf(ctx: RunContext): string | null {
  if (findCve(ctx.state.id) === ctx.state.id) return ctx.state.id;
  return (ctx.state.run?.aliases ?? []).find((a) => findCve(a) === a) ?? null;
}

/**
 * What `/advisory` writes into the advisory, from the master: the summary (its title without the identifier), the
 * description context for the template, severity or CVSS vector, the CVE, the CWE ids, and the affected product with
 * the release ticket's versions. Only what may be published one day: no reference, no person, no internal text.
 */
export function advisoryContentOf(
  ctx: RunContext,
  release: Issue | null,
  config: IncidentDeskConfig,
  repository: string,
): { summary: string; context: AdvisoryContext; fields: Omit<AdvisoryDraft, 'summary' | 'description'> } {
  const cells = quickLinksOf(ctx.master);
  const title = ctx.master.title.replace(/^\s*\[[^\]]*\]\s*/, '');
  // The advisory's summary is plain text on GitHub (no markup to break); the template gets it neutralized.
  const summary = title.replace(/\s+/g, ' ').trim().slice(0, 1000) || 'Security advisory';
  const { severity, vector } = cvssOf(cells.get(FIELD_LABELS.cvss));
  const cwes = cweIdsOf(cells.get(FIELD_LABELS.cwe));
  const cve = cveOf(ctx);
  const affected = releaseDetail(release, 'Affected versions');
  const patched = releaseDetail(release, 'Patched versions');
  const name = repository.split('/').at(-1) ?? repository;
  return {
    summary,
    context: {
      summary: neutralizeInline(summary, 1000),
      cve,
      cwes: cwes.join(', '),
      cvss: vector ? `\`${vector}\`` : severity,
      affected,
      patched,
    },
    fields: {
      ...(vector ? { cvssVector: vector, severity: null } : severity ? { severity, cvssVector: null } : {}),
      ...(cve ? { cveId: cve } : {}),
      cweIds: cwes,
      vulnerabilities: [
        {
          ecosystem: config.advisories.ecosystem,
          package: config.advisories.package ?? name,
          vulnerableRange: affected,
          patched,
        },
      ],
    },
  };
}

/** What `/advisory` (and `cve`, `fork`) did on GitHub, for the master. */
export type AdvisoryAction =
  | { kind: 'created' | 'updated'; advisory: Advisory; written?: { summary: string; description: string } }
  | { kind: 'cve-requested'; advisory: Advisory }
  | { kind: 'cve-present' | 'not-draft'; advisory: Advisory }
  | { kind: 'fork'; advisory: Advisory; fork: { path: string; url: string } }
  | { kind: 'missing'; what: 'cve' | 'fork' };

/**
 * The master after an advisory action: the link in the state (with the digests of what was written), the Security
 * Advisory cell and the GHSA alias, one timeline line and one answer.
 */
export function decideAdvisoryAction(ctx: RunContext, action: AdvisoryAction): RunPlan {
  const plan = emptyPlan(ctx);
  if (action.kind === 'missing') {
    plan.comments.push({ ref: ctx.master.ref, body: renderAdvisoryAnswer({ kind: 'missing', what: action.what }) });
    return plan;
  }
  const at = formatRfc3339(ctx.now);
  const disclosure: DisclosureState = { ...(plan.run.disclosure ?? {}) };
  const before =
    disclosure.advisory?.ghsa.toLowerCase() === action.advisory.ghsaId.toLowerCase() ? disclosure.advisory : undefined;
  const link = linkOf(action.advisory, before, at);
  if (action.kind === 'created' || action.kind === 'updated') {
    if (action.written) link.written = action.written;
  }
  if (action.kind === 'cve-requested') link.cveRequestedAt = at;
  if (action.kind === 'fork') link.fork = action.fork;
  disclosure.advisory = link;
  plan.run.disclosure = disclosure;
  addAlias(ctx, plan, action.advisory.ghsaId);
  const cell = advisoryCell(action.advisory);
  if (quickLinksOf(ctx.master).get(FIELD_LABELS.advisory) !== cell) plan.cells[FIELD_LABELS.advisory] = cell;
  const ghsa = action.advisory.ghsaId;
  const line: Record<typeof action.kind, string> = {
    created: `drafted the security advisory ${ghsa} in ${action.advisory.repository}`,
    updated: `updated the draft security advisory ${ghsa}`,
    'cve-requested': `requested a CVE for ${ghsa}`,
    'cve-present': '',
    'not-draft': '',
    fork: `opened the temporary private fork of ${ghsa}`,
  };
  if (line[action.kind]) plan.timeline.push(timelineEntry(ctx, line[action.kind]));
  plan.comments.push({
    ref: ctx.master.ref,
    body: renderAdvisoryAnswer({
      kind: action.kind,
      cell,
      cve: action.advisory.cveId,
      fork: action.kind === 'fork' ? action.fork : null,
    }),
  });
  return plan;
}
