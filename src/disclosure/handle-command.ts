import { createHash } from 'node:crypto';
import type { Advisory } from '../kernel/advisory.js';
import type { NoteEvent } from '../kernel/events.js';
import type { Issue } from '../kernel/model.js';
import { canWrite, parseRef } from '../kernel/model.js';
import type { DisclosureCommand } from '../commands/parse.js';
import type { LoadedConfig } from '../config/load.js';
import type { EventContext, EventOutcome } from '../run/context.js';
import { renderInvalid, renderRefusal, requiredAccess } from '../run/messages.js';
import { emptyPlan } from '../run/plan.js';
import type { RunContext, RunPlan } from '../run/plan.js';
import { withMaster } from '../run/with-master.js';
import { orNotFound } from '../tracker/errors.js';
import type { Tracker } from '../tracker/port.js';
import {
  advisoryContentOf,
  advisoryRepositoryOf,
  decideAdvisoryAction,
  decideDisclosed,
  decideForce,
  decideGateClosed,
} from './decide.js';
import type { AdvisoryAction, Publication } from './decide.js';
import { readGate } from './handle-gate.js';
import { acknowledgeByManager } from '../triage/decide.js';
import { quickLinksOf } from '../run/quick-links.js';
import { handleLift } from './handle-lift.js';

/**
 * `/disclose`, `/disclose --force <reason>` and `/advisory [cve|fork]` on the master: decided on the master as just
 * read, under the incident's lock, by people with write access as the tracker answers. The gate and the advisory are
 * read fresh; what the tracker does (publishing, drafting, the CVE request, the fork) happens before the master is
 * written, so the master only ever records what the tracker answered.
 */
export async function handleDisclosureCommand(
  event: NoteEvent,
  command: DisclosureCommand,
  ctx: EventContext,
): Promise<EventOutcome> {
  if (command.name === 'disclose' && command.action === 'lift') return handleLift(event, command.confirm, ctx);
  return withMaster(event.issue.ref, ctx, async (run, settings) => {
    const access = await ctx.tracker.getAccess(event.project.path, event.actor);
    const rctx: RunContext = { ...run, actor: event.actor, access };
    const name = command.name === 'advisory' ? 'advisory' : 'disclose';
    if (!access || !canWrite(access)) return refused(rctx, `use \`/${name}\``);
    const plan = await decideWithAccess(rctx, command, settings, ctx);
    // Any command of the Incident Manager acknowledges the incident (seed 003), these too.
    acknowledgeByManager({ ctx: rctx, plan, actor: event.actor.username, cells: quickLinksOf(rctx.master) });
    return plan;
  });
}

/** `/advisory …`, `/disclose` or `/disclose --force` by someone with write access. */
async function decideWithAccess(
  rctx: RunContext,
  command: DisclosureCommand,
  settings: LoadedConfig,
  ctx: EventContext,
): Promise<RunPlan> {
  if (command.name === 'advisory') return advisoryCommand(rctx, command.action, settings, ctx);
  const gate = await readGate(ctx.tracker, rctx, ctx.log);
  if (command.action === 'force') {
    const forced = decideForce(rctx, command.reason, gate);
    return 'refused' in forced ? refused(rctx, forced.refused) : forced;
  }
  if (!gate.open) return decideGateClosed(rctx, gate);
  return decideDisclosed(rctx, await publish(ctx.tracker, rctx));
}

function refused(ctx: RunContext, what: string): RunPlan {
  const plan = emptyPlan(ctx);
  const body = renderRefusal({ actor: ctx.actor?.username ?? '', what, required: requiredAccess(ctx.tracker) });
  plan.comments.push({ ref: ctx.master.ref, body });
  return plan;
}

/** The advisory the master links, as the tracker answers now; null when none is linked (or it is gone). */
async function linkedAdvisory(tracker: Tracker, ctx: RunContext): Promise<Advisory | null> {
  const link = ctx.state.run?.disclosure?.advisory;
  if (!link) return null;
  return orNotFound(tracker.getAdvisory(link.repository, link.ghsa));
}

/**
 * What `/disclose` publishes where the tracker allows it: GitHub's linked advisory (a private report is accepted as a
 * draft first, since GitHub publishes drafts only). Elsewhere there is nothing for the app to publish.
 */
async function publish(tracker: Tracker, ctx: RunContext): Promise<Publication> {
  if (!tracker.capabilities.securityAdvisories) return { advisory: null, published: false };
  const advisory = await linkedAdvisory(tracker, ctx);
  if (!advisory) return { advisory: null, published: false };
  if (advisory.state === 'published') return { advisory, published: false };
  if (advisory.state === 'triage')
    await tracker.updateAdvisory(advisory.repository, advisory.ghsaId, { state: 'draft' });
  const published = await tracker.updateAdvisory(advisory.repository, advisory.ghsaId, { state: 'published' });
  return { advisory: published, published: true };
}

/** A short digest of a text the app wrote into an advisory (to know later whether a person changed it). */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function advisoryCommand(
  ctx: RunContext,
  action: 'draft' | 'cve' | 'fork',
  settings: LoadedConfig,
  event: EventContext,
): Promise<RunPlan> {
  const { tracker } = event;
  if (!tracker.capabilities.securityAdvisories) {
    const plan = emptyPlan(ctx);
    const expected =
      'This tracker has no repository security advisories; `/advisory` works on GitHub. Record an advisory ' +
      'published elsewhere with `/set advisory <link>`.';
    plan.comments.push({ ref: ctx.master.ref, body: renderInvalid({ command: 'advisory', expected }) });
    return plan;
  }
  const advisory = await linkedAdvisory(tracker, ctx);
  if (action !== 'draft') {
    if (!advisory) return decideAdvisoryAction(ctx, { kind: 'missing', what: action });
    return decideAdvisoryAction(ctx, await (action === 'cve' ? requestCve : openFork)(tracker, advisory));
  }
  return decideAdvisoryAction(ctx, await draftAdvisory(tracker, ctx, settings, advisory));
}

async function requestCve(tracker: Tracker, advisory: Advisory): Promise<AdvisoryAction> {
  if (advisory.cveId) return { kind: 'cve-present', advisory };
  await tracker.requestAdvisoryCve(advisory.repository, advisory.ghsaId);
  return { kind: 'cve-requested', advisory };
}

async function openFork(tracker: Tracker, advisory: Advisory): Promise<AdvisoryAction> {
  const fork = await tracker.createAdvisoryFork(advisory.repository, advisory.ghsaId);
  return { kind: 'fork', advisory, fork: { path: fork.path, url: fork.webUrl } };
}

/**
 * `/advisory`: drafts the advisory from the master, or updates the linked one. A published advisory is left alone. The
 * summary and description are rewritten only while they are still what the app wrote (a report's own text, or a
 * person's edit on GitHub, stays); severity, CVE, CWE and versions follow the master.
 */
async function draftAdvisory(
  tracker: Tracker,
  ctx: RunContext,
  settings: LoadedConfig,
  advisory: Advisory | null,
): Promise<AdvisoryAction> {
  const repository = advisory?.repository ?? advisoryRepositoryOf(ctx);
  const release = await readRelease(tracker, ctx);
  const content = advisoryContentOf(ctx, release, ctx.config, repository);
  const description = settings.renderer.advisory(content.context);
  const written = { summary: digest(content.summary), description: digest(description) };
  if (!advisory) {
    const created = await tracker.createAdvisory(repository, {
      summary: content.summary,
      description,
      ...content.fields,
    });
    return { kind: 'created', advisory: created, written };
  }
  if (advisory.state === 'published' || advisory.state === 'withdrawn' || advisory.state === 'closed')
    return { kind: 'not-draft', advisory };
  const before = ctx.state.run?.disclosure?.advisory?.written;
  const ours =
    before !== undefined &&
    digest(advisory.summary) === before.summary &&
    digest(advisory.description) === before.description;
  // Products the advisory already names are kept; the release ticket's versions fill them in where known.
  const [product] = content.fields.vulnerabilities;
  const vulnerabilities =
    advisory.vulnerabilities.length === 0
      ? content.fields.vulnerabilities
      : advisory.vulnerabilities.map((v) => ({
          ...v,
          vulnerableRange: product?.vulnerableRange ?? v.vulnerableRange,
          patched: product?.patched ?? v.patched,
        }));
  const updated = await tracker.updateAdvisory(advisory.repository, advisory.ghsaId, {
    ...(ours ? { summary: content.summary, description } : {}),
    ...content.fields,
    vulnerabilities,
  });
  return ours ? { kind: 'updated', advisory: updated, written } : { kind: 'updated', advisory: updated };
}

/** The incident's release ticket as it is now (for its versions); null when it has none or it cannot be read. */
async function readRelease(tracker: Tracker, ctx: RunContext): Promise<Issue | null> {
  const row = (ctx.state.children ?? []).find((c) => c.role === 'release');
  const ref = row ? parseRef(row.ref) : null;
  if (!ref) return null;
  return orNotFound(tracker.getIssue(ref));
}
