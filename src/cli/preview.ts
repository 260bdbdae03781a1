import { readTicketState } from '../kernel/block.js';
import type { Issue, IssueRef, Project } from '../kernel/model.js';
import { formatRef } from '../kernel/model.js';
import { ConfigErrorWithLabel, loadSettings } from '../config/load.js';
import { formatConfigProblems } from '../config/problems.js';
import { ConfidentialityError, runIntake } from '../intake/apply.js';
import { loadIntakeSnapshot } from '../intake/complete.js';
import { describeEffect } from '../intake/effects.js';
import { refusedReport } from '../intake/fail-safe.js';
import type { TemplateSources } from '../templates/renderer.js';
import { MemoryStore } from '../tracker/memory/memory-store.js';
import { MemoryTracker } from '../tracker/memory/memory-tracker.js';
import type { ConfigFile, Tracker } from '../tracker/port.js';
import { StateSeal, stateKeys } from '../server/state-seal.js';
import { WriteGuard } from '../server/write-guard.js';
import type { Logger } from '../server/logger.js';

/**
 * The intake's tickets on a copy: the report and every project the intake asks about are copied from the real tracker
 * into memory when first read, configuration files and templates are read from the real tracker, and every write lands
 * in the copy. Nothing is written to the tracker.
 */
class PreviewTracker extends MemoryTracker {
  constructor(
    store: MemoryStore,
    private readonly real: Tracker,
  ) {
    super(store, { signedDeliveries: real.capabilities.signedDeliveries });
  }

  override async getProject(path: string): Promise<Project> {
    if (!this.store.hasProject(path)) {
      const project = await this.real.getProject(path);
      if (!this.store.hasProject(project.path)) this.store.addProject(project.path, { visibility: project.visibility });
    }
    return super.getProject(path);
  }

  override readConfig(project: string): Promise<ConfigFile | null> {
    return this.real.readConfig(project);
  }

  override readFile(project: string, path: string): Promise<string | null> {
    return this.real.readFile(project, path);
  }
}

/** What a preview needs besides the tracker. */
export interface PreviewOptions {
  defaultTemplates: TemplateSources;
  /** Where the 🔗 links point when the configuration names no handbook. */
  handbookUrl: string;
  log: Logger;
  now?: () => Date;
}

/**
 * The tickets an intake of the report at `ref` would make, as text, read from `real` and written nowhere: the
 * configuration and templates as the app would read them, the report copied, the intake run on the copy. A report the
 * app already took in, a configuration with problems, and an incident project that refuses the report are said instead.
 */
export async function previewIntake(real: Tracker, ref: IssueRef, options: PreviewOptions): Promise<string> {
  const report = await real.getIssue(ref);
  // Only to say so: the app's state (signed or not) shows the issue is already part of an incident.
  const state = readTicketState(report.body);
  if (state) {
    return (
      `${formatRef(ref)} is already an incident's ${state.role} ticket: a preview shows what taking in a new ` +
      'report would make (see `incident-desk reconcile` to repair an incident)'
    );
  }
  const project = await real.getProject(ref.project);
  const now = options.now ?? (() => new Date());
  const store = new MemoryStore({ kind: real.kind, now, webBase: webBaseOf(project) });
  store.addProject(project.path, { visibility: project.visibility });
  const copy = store.seedIssue(project.path, {
    number: ref.number,
    title: report.title,
    body: report.body,
    labels: report.labels,
    confidential: report.confidential,
    author: report.author,
    assignees: report.assignees,
  });
  const tracker = new PreviewTracker(store, real);
  const settingsContext = { tracker, defaultTemplates: options.defaultTemplates };
  const settings = await loadSettings(project.path, settingsContext);
  if (settings instanceof ConfigErrorWithLabel) {
    return `The intake would stop: the configuration cannot be used.\n\n${formatConfigProblems(settings.error)}`;
  }
  const refusal = await refusedReport(project.path, settings.config, settingsContext);
  if (refusal) {
    return `The intake would stop: ${refusal.project} does not take reports from ${project.path} (its reportsFrom).`;
  }
  // The copy's state is signed with a throw-away key: it lives in this process only.
  const guarded = new WriteGuard(new StateSeal(tracker, stateKeys(['preview: not a secret']), options.log));
  const before = store.calls.length;
  const lines: string[] = [];
  try {
    const snapshot = await loadIntakeSnapshot(
      { source: copy, sourceRef: copy.ref, sourceProject: await tracker.getProject(project.path), actor: '' },
      settings.config,
      { tracker: guarded, now },
    );
    const run = await runIntake(
      guarded,
      snapshot,
      { renderer: settings.renderer, handbookUrl: settings.config.handbookUrl ?? options.handbookUrl },
      options.log,
    );
    const writes = run.effects.filter(
      (e) => e.kind !== 'find-master' && e.kind !== 'find-children' && e.kind !== 'read-comments',
    );
    lines.push(`An intake of ${formatRef(ref)} would make ${writes.length} writes:`);
    for (const effect of writes) lines.push(`- ${describeEffect(effect)}`);
  } catch (error) {
    if (!(error instanceof ConfidentialityError)) throw error;
    lines.push(`The intake would stop: the tracker did not confirm ${error.issue} as confidential.`);
  }
  if (store.calls.length === before) lines.push('(nothing would be written)');
  for (const path of store.projectPaths()) {
    for (const issue of store.allIssues(path)) lines.push('', ...describeIssue(store, issue));
  }
  return lines.join('\n');
}

/** The host part of a project's web address (`https://gitlab.example.com`), so the copy's links look like the real. */
function webBaseOf(project: Project): string {
  const url = project.webUrl ?? '';
  return url.endsWith(`/${project.path}`) ? url.slice(0, -project.path.length - 1) : url || 'https://tracker.invalid';
}

function describeIssue(store: MemoryStore, issue: Issue): string[] {
  const rule = '─'.repeat(100);
  const flags = [
    `labels: ${issue.labels.join(', ') || '(none)'}`,
    ...(store.kind === 'gitlab' ? [`confidential: ${issue.confidential}`] : []),
    ...(issue.locked ? ['locked'] : []),
  ];
  const lines = [rule, `${formatRef(issue.ref)}  ${issue.title}`, flags.join('   '), rule, issue.body];
  for (const comment of store.listComments(issue.ref)) lines.push('', `💬 ${comment.author}:`, comment.body);
  return lines;
}
