import { renderState, joinBody, trustedState } from '../kernel/block.js';
import type { Advisory } from '../kernel/advisory.js';
import { idLabel, roleLabel } from '../kernel/identifier.js';
import type { Issue, IssueRef } from '../kernel/model.js';
import { neutralizeBlock } from '../kernel/neutralize.js';
import type { AdvisoryLink, TicketState } from '../kernel/ticket-state.js';
import { formatRfc3339 } from '../kernel/time.js';
import { quiet } from '../kernel/usernames.js';
import { normalizeCvssScore, normalizeCvssVector, renderCwes } from '../commands/fields.js';
import { PLACEHOLDER } from '../run/master-view.js';
import { emptyPlan, stepLabel, timelineEntry } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { FIELD_LABELS, MANAGER, quickLinksOf, REPORTER } from '../run/quick-links.js';
import { APP_ACTOR } from '../kernel/timeline.js';
import { INCIDENT_PHASES } from '../checklist/phases.js';
import { withoutAdvisoryNotice } from './messages.js';

/**
 * A repository security advisory and the incident it belongs to (GitHub): the master a private vulnerability report
 * opens, and what the master takes from the advisory each time it is read (its identifiers, severity, state). Pure: the
 * advisory is read by the shell, fresh, before anything here decides.
 */

/** The step that says the advisory is published; ticked once the tracker shows it published. */
export const PUBLISH_ADVISORY_STEP = 'publish-advisory';

/** The lock of one advisory's events (a report and its publication never interleave). */
export function advisoryLockKey(ghsaId: string): string {
  return `github:advisory:${ghsaId.toLowerCase()}`;
}

/** The link the master keeps to its advisory, as the advisory is now (what the app wrote into it kept). */
export function linkOf(advisory: Advisory, before: AdvisoryLink | undefined, at?: string): AdvisoryLink {
  return {
    ...(before ?? {}),
    repository: advisory.repository,
    ghsa: advisory.ghsaId,
    url: advisory.webUrl,
    state: advisory.state,
    cve: advisory.cveId,
    severity: advisory.severity,
    cvss: cvssCellOf(advisory),
    publishedAt: advisory.publishedAt,
    withdrawnAt: advisory.withdrawnAt,
    ...(advisory.privateFork && !before?.fork
      ? { fork: { path: advisory.privateFork.path, url: advisory.privateFork.webUrl } }
      : {}),
    ...(at ? { checkedAt: at } : {}),
  };
}

/** The Security Advisory cell: the GHSA id linking to the advisory's page. */
export function advisoryCell(advisory: Pick<Advisory, 'ghsaId' | 'webUrl'>): string {
  const url = /^https?:\/\/[^\s<>()[\]]+$/.test(advisory.webUrl) ? advisory.webUrl : null;
  return url ? `[${advisory.ghsaId}](${url})` : advisory.ghsaId;
}

/** The CVSS cell the advisory gives: its score and vector, either alone; null when it has neither. */
export function cvssCellOf(advisory: Pick<Advisory, 'cvssScore' | 'cvssVector'>): string | null {
  const score = advisory.cvssScore === null ? null : normalizeCvssScore(advisory.cvssScore.toFixed(1));
  const vector = advisory.cvssVector ? normalizeCvssVector(advisory.cvssVector) : null;
  if (score && vector) return `${score} \`${vector}\``;
  if (vector) return `\`${vector}\``;
  return score;
}

/** Whether an issue is a master of this advisory: its own (signed) state names the GHSA id. */
export function isMasterOf(issue: Issue, ghsaId: string): boolean {
  const state = trustedState(issue);
  if (state?.role !== 'master') return false;
  const ghsa = ghsaId.toLowerCase();
  return (
    state.run?.disclosure?.advisory?.ghsa.toLowerCase() === ghsa ||
    (state.run?.aliases ?? []).some((alias) => alias.toLowerCase() === ghsa)
  );
}

/** The master of an advisory among issues found by its labels: the oldest whose state names it, open ones first. */
export function masterOf(issues: Issue[], ghsaId: string): Issue | null {
  const ours = issues.filter((issue) => isMasterOf(issue, ghsaId));
  const open = ours.filter((issue) => issue.state === 'open');
  return (open.length > 0 ? open : ours).sort((a, b) => a.ref.number - b.ref.number)[0] ?? null;
}

/** The labels a master of an advisory is found by. */
export function advisoryMasterLabels(ghsaId: string): string[] {
  return [roleLabel('master'), idLabel(ghsaId)];
}

/**
 * The master a private vulnerability report opens, in the incident project: the advisory's summary as title, its
 * description (neutralized) as the person's text, and a state that links the advisory, so that the intake (completed
 * in place under the master's lock) and every later read find it. The identifier is the advisory's CVE when it has one;
 * otherwise the intake names it. Confidential where the tracker has confidential issues; the project was verified
 * private before.
 */
export function advisoryMasterDraft(advisory: Advisory): {
  title: string;
  body: string;
  labels: string[];
  confidential: boolean;
} {
  const state: TicketState = {
    v: 1,
    role: 'master',
    id: advisory.cveId ?? '',
    // The reporter is the advisory's (seed 003: a row of their own, never pinged), never the app that opened the
    // master; when the advisory names nobody, nobody. The intake keeps the declaration the master's state holds.
    reporter: { author: advisory.reporter ?? '', at: advisory.createdAt ?? '' },
    run: {
      aliases: [advisory.ghsaId],
      disclosure: { advisory: { ...linkOf(advisory, undefined), origin: true } },
    },
  };
  const title =
    advisory.summary
      .replace(/[\r\n]+/g, ' ')
      .trim()
      .slice(0, 255) || advisory.ghsaId;
  const description = withoutAdvisoryNotice(advisory.description);
  const text = description.trim() ? neutralizeBlock(description) : '_The report came without a description._';
  return {
    title,
    body: joinBody(`${renderState(state)}\n${SETTING_UP}`, text),
    labels: advisoryMasterLabels(advisory.ghsaId),
    confidential: true,
  };
}

const SETTING_UP = '_incident-desk is setting up this incident…_';

/** What the master takes from its advisory beyond the sync: who reported it and how it arrived. */
export interface AdvisoryUpdateOptions {
  /** The app's own username: an Incident Manager cell naming it is no Incident Manager. */
  self: string;
  /**
   * Where the advisory event came from, for the first timeline line: a report, a publication, the sweep, or a draft a
   * maintainer created that the sweep found (`advisories.draftsFrom`).
   */
  cause: 'reported' | 'published' | 'sweep' | 'drafted';
}

/**
 * Everything the master takes from its advisory as read now: the link in its state (with the time it was read), the
 * GHSA and CVE ids as aliases (and `incident-id::` labels), the Security Advisory, CVSS, CWE and Reporter cells where
 * nobody wrote another value, and a timeline line for each change since the last read (a CVE assigned, the severity
 * or state changed, the publication, a withdrawal). Publication ticks the step that says so and records the
 * disclosure time. Idempotent: an advisory read again unchanged changes nothing but the time it was read.
 */
export function decideAdvisoryUpdate(ctx: RunContext, advisory: Advisory, options: AdvisoryUpdateOptions): RunPlan {
  const plan = emptyPlan(ctx);
  const at = formatRfc3339(ctx.now);
  const disclosure = { ...(plan.run.disclosure ?? {}) };
  const before =
    disclosure.advisory?.ghsa.toLowerCase() === advisory.ghsaId.toLowerCase() ? disclosure.advisory : undefined;
  const link = linkOf(advisory, before, at);
  disclosure.advisory = link;
  plan.run.disclosure = disclosure;
  const cells = quickLinksOf(ctx.master);
  const unset = (label: string, previous?: string | null): boolean => {
    const value = cells.get(label);
    return value === undefined || value === PLACEHOLDER || (previous != null && value === previous);
  };
  const app = (text: string) => timelineEntry(ctx, text, APP_ACTOR);
  const firstRead = before?.checkedAt === undefined;

  if (firstRead && link.origin) {
    plan.timeline.push(
      options.cause === 'drafted' && !advisory.reporter
        ? timelineEntry(ctx, `drafted ${advisory.ghsaId} in ${advisory.repository}`, advisory.author ?? APP_ACTOR)
        : timelineEntry(
            ctx,
            `privately reported ${advisory.ghsaId} in ${advisory.repository}`,
            advisory.reporter ?? APP_ACTOR,
          ),
    );
    if (advisory.reporter && unset(REPORTER)) plan.cells[REPORTER] = quiet(advisory.reporter);
  }
  // An incident opened from an advisory has no Incident Manager yet: the app that made the master is none.
  const manager = cells.get(MANAGER);
  if (manager && manager.replace(/^@/, '').toLowerCase() === options.self.toLowerCase())
    plan.cells[MANAGER] = PLACEHOLDER;

  addAlias(ctx, plan, advisory.ghsaId);
  const adCell = advisoryCell(advisory);
  if (cells.get(FIELD_LABELS.advisory) !== adCell && unset(FIELD_LABELS.advisory)) {
    plan.cells[FIELD_LABELS.advisory] = adCell;
    if (!link.origin && firstRead) plan.timeline.push(app(`linked ${advisory.ghsaId} as the incident's advisory`));
  }
  if (advisory.cveId) {
    if (advisory.cveId !== ctx.state.id) addAlias(ctx, plan, advisory.cveId);
    if (before && before.cve !== advisory.cveId)
      plan.timeline.push(app(`${advisory.ghsaId} now has ${advisory.cveId}`));
  }
  if (link.cvss && cells.get(FIELD_LABELS.cvss) !== link.cvss && unset(FIELD_LABELS.cvss, before?.cvss))
    plan.cells[FIELD_LABELS.cvss] = link.cvss;
  if (before && (before.severity ?? null) !== link.severity)
    plan.timeline.push(app(`the severity of ${advisory.ghsaId} changed to ${link.severity ?? 'none'}`));
  else if (before && (before.cvss ?? null) !== link.cvss)
    plan.timeline.push(app(`the CVSS of ${advisory.ghsaId} changed to ${link.cvss ?? 'none'}`));
  const cwes = advisory.cweIds.length > 0 ? renderCwes(advisory.cweIds.join(' ')) : null;
  if (cwes && unset(FIELD_LABELS.cwe)) plan.cells[FIELD_LABELS.cwe] = cwes;

  if (before && before.state !== advisory.state) {
    if (advisory.state === 'published') plan.timeline.push(app(`${advisory.ghsaId} was published`));
    else if (advisory.state === 'withdrawn') plan.timeline.push(app(`${advisory.ghsaId} was withdrawn`));
    else plan.timeline.push(app(`${advisory.ghsaId} is now ${advisory.state}`));
  }
  if (advisory.state === 'published') recordPublication(ctx, plan, advisory, at);
  return plan;
}

/** A published advisory: the step that says so is ticked and the disclosure time recorded, once. */
function recordPublication(ctx: RunContext, plan: RunPlan, advisory: Advisory, at: string): void {
  const disclosure = plan.run.disclosure!;
  if (!disclosure.disclosedAt) {
    disclosure.disclosedAt = advisory.publishedAt ?? at;
    disclosure.disclosedBy ??= APP_ACTOR;
  }
  const step = INCIDENT_PHASES.flatMap((p) => p.steps).find((s) => s.id === PUBLISH_ADVISORY_STEP)!;
  const block = ctx.master.body;
  if (!new RegExp(`- \\[x\\] [^\\n]*<!-- step:${PUBLISH_ADVISORY_STEP} -->`).test(block)) {
    plan.stepOverrides.push({ stepId: PUBLISH_ADVISORY_STEP, done: true });
    plan.timeline.push(timelineEntry(ctx, `ticked ${stepLabel(step)}: ${advisory.ghsaId} is published`, APP_ACTOR));
  }
}

/** An identifier of the incident besides its own (a GHSA or CVE id): recorded as an alias, labelled on the master. */
export function addAlias(ctx: RunContext, plan: RunPlan, id: string): void {
  const aliases = plan.run.aliases ?? [];
  if (id === ctx.state.id || aliases.some((a) => a.toLowerCase() === id.toLowerCase())) {
    if (!ctx.master.labels.includes(idLabel(id)) && id !== ctx.state.id) plan.addLabels.push(idLabel(id));
    return;
  }
  plan.run.aliases = [...aliases, id];
  if (!ctx.master.labels.includes(idLabel(id))) plan.addLabels.push(idLabel(id));
}

/** The ref of the master an advisory's state names, for messages: `owner/repo#12`. */
export function masterName(ref: IssueRef): string {
  return `${ref.project}#${ref.number}`;
}

/**
 * Whether the sweep should read an open incident's advisory again (for what GitHub sends no webhook for): the master
 * links one, and it was last read at least `advisories.syncMinutes` ago (or never).
 */
export function advisorySyncDue(state: TicketState, syncMinutes: number, now: Date): boolean {
  const link = state.run?.disclosure?.advisory;
  if (!link) return false;
  const checked = link.checkedAt ? Date.parse(link.checkedAt) : Number.NaN;
  return Number.isNaN(checked) || now.getTime() - checked >= syncMinutes * 60_000;
}

/** Two plans of one event, the second decided on the first's run state: applied as one. */
export function followPlan(first: RunPlan, second: RunPlan): RunPlan {
  return {
    ...first,
    ...second,
    stepOverrides: [...first.stepOverrides, ...second.stepOverrides],
    cells: { ...first.cells, ...second.cells },
    addLabels: [...first.addLabels, ...second.addLabels],
    removeLabels: [...first.removeLabels, ...second.removeLabels],
    comments: [...first.comments, ...second.comments],
    timeline: [...first.timeline, ...second.timeline],
    tasks: [...first.tasks, ...second.tasks],
    ...(first.refresh || second.refresh ? { refresh: true } : {}),
  };
}
