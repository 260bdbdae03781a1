import Handlebars from 'handlebars';
import { COMMS_STEPS, INCIDENT_PHASES, RELEASE_PHASES } from '../checklist/phases.js';
import type { PhaseDefinition } from '../checklist/phase-types.js';
import type {
  AdvisoryContext,
  CommsContext,
  IncidentContext,
  PublicSummaryContext,
  ReleaseContext,
  RenderedPhase,
  ReportContext,
  TaskContext,
} from './contexts.js';

/**
 * Renders the tickets' text from Handlebars templates. Pure: the sources come in as strings (the shell
 * reads them), every renderer has its own Handlebars instance, so no helper or partial leaks between
 * renderers (a project's own templates never see another project's partials). Templates get one helper
 * besides the built-in ones: `isNull`, true for null (a step's `na` is null when the step applies).
 */

/** The template texts: the three tickets and the partials by name (`step` for `partials/step.md.hbs`). */
export interface TemplateSources {
  incident: string;
  release: string;
  comms: string;
  task: string;
  /** The incident report (`report.md.hbs`). */
  report: string;
  /** The description of a draft security advisory (GitHub). */
  advisory: string;
  /** The public summary of a disclosed incident. */
  publicSummary: string;
  partials: Record<string, string>;
}

export interface Renderer {
  incident(ctx: IncidentContext): string;
  release(ctx: ReleaseContext): string;
  comms(ctx: CommsContext): string;
  task(ctx: TaskContext): string;
  report(ctx: ReportContext): string;
  advisory(ctx: AdvisoryContext): string;
  publicSummary(ctx: PublicSummaryContext): string;
}

/** A template that does not compile, references a field its context lacks, or writes an app marker. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    /** `incident`, `release`, `comms`, `task` or `partial step`. */
    readonly template: string,
    detail: string,
  ) {
    super(`template ${template}: ${detail}`);
  }
}

const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

/** Only the app writes its markers; a template that does would corrupt the block around it. */
const MARKER = /<!--\s*incident-desk/;

type TemplateName = 'incident' | 'release' | 'comms' | 'task' | 'report' | 'advisory' | 'publicSummary';

/** The handbook section of a step: `https://desk.example/handbook#pick-deputy`. */
export function stepUrl(handbookBase: string, stepId: string): string {
  const base = handbookBase.replace(/#.*$/, '');
  return `${base}#${stepId}`;
}

/**
 * Compiles the templates into a renderer. Throws TemplateError when a template or partial does not
 * compile, or when a template used with a complete context references a field that does not exist, so
 * that a broken template is reported when it is loaded rather than in the middle of an intake.
 */
export function createRenderer(sources: TemplateSources): Renderer {
  const hb = Handlebars.create();
  // `{{#if}}` cannot tell '' (not applicable, no reason given) from null (applicable); this can.
  hb.registerHelper('isNull', (value: unknown) => value === null || value === undefined);
  for (const [name, source] of Object.entries(sources.partials)) {
    hb.registerPartial(name, compile(hb, `partial ${name}`, source));
  }
  const templates = {
    incident: compile(hb, 'incident', sources.incident),
    release: compile(hb, 'release', sources.release),
    comms: compile(hb, 'comms', sources.comms),
    task: compile(hb, 'task', sources.task),
    report: compile(hb, 'report', sources.report),
    advisory: compile(hb, 'advisory', sources.advisory),
    publicSummary: compile(hb, 'publicSummary', sources.publicSummary),
  };
  const run = (name: TemplateName, ctx: object): string => {
    let out: string;
    try {
      out = templates[name](ctx);
    } catch (error) {
      throw new TemplateError(name, describe(error));
    }
    if (MARKER.test(out)) throw new TemplateError(name, 'writes an incident-desk marker; only the app may write those');
    return normalize(out);
  };
  const renderer: Renderer = {
    incident: (ctx) => run('incident', ctx),
    release: (ctx) => run('release', ctx),
    comms: (ctx) => run('comms', ctx),
    task: (ctx) => run('task', ctx),
    report: (ctx) => run('report', ctx),
    advisory: (ctx) => run('advisory', ctx),
    publicSummary: (ctx) => run('publicSummary', ctx),
  };
  for (const sample of samples()) {
    renderer.incident(sample.incident);
    renderer.release(sample.release);
    renderer.comms(sample.comms);
    renderer.task(sample.task);
    renderer.report(sample.report);
    renderer.advisory(sample.advisory);
    renderer.publicSummary(sample.publicSummary);
  }
  return renderer;
}

function compile(hb: typeof Handlebars, name: string, source: string): Handlebars.TemplateDelegate {
  try {
    // `compile` is lazy; parsing first reports a syntax error now, with the template's name.
    hb.parse(source);
    return hb.compile(source, COMPILE_OPTIONS);
  } catch (error) {
    throw new TemplateError(name, describe(error));
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

/** Trailing whitespace of the output removed, exactly one final newline. */
function normalize(text: string): string {
  return `${text.replace(/\s+$/, '')}\n`;
}

/** Complete contexts, one with every list filled and one with every list empty, to try templates on. */
function samples(): Array<{
  incident: IncidentContext;
  release: ReleaseContext;
  comms: CommsContext;
  task: TaskContext;
  report: ReportContext;
  advisory: AdvisoryContext;
  publicSummary: PublicSummaryContext;
}> {
  const na = (i: number): string | null => (i % 3 === 1 ? 'Sample reason' : i % 3 === 2 ? '' : null);
  const phases = (defs: readonly PhaseDefinition[]): RenderedPhase[] =>
    defs.map((p, n) => ({
      id: p.id,
      title: p.title,
      date: n % 2 === 0 ? '2026-12-01' : null,
      progress: `0/${p.steps.length}`,
      steps: p.steps.map((s, i) => ({
        id: s.id,
        role: s.role,
        text: s.text,
        url: stepUrl('https://sample.invalid/handbook', s.id),
        done: i % 2 === 0,
        na: na(i),
      })),
      links: (p.links ?? []).map((l) => ({ text: l.text, reference: '[sample/project#1](https://sample.invalid/1)' })),
    }));
  const commsSteps = phases([{ id: 'comms', title: 'Process', offsetDays: null, steps: [...COMMS_STEPS] }])[0]!.steps;
  const master = '[sample/project#1](https://sample.invalid/1)';
  const full = {
    incident: {
      id: 'INC-0',
      progress: '0/40 steps done',
      quickLinks: [{ label: 'Incident Manager', value: '`@sample`' }],
      phases: phases(INCIDENT_PHASES),
      related: [{ role: 'Release', reference: master, title: 'Sample' }],
    },
    release: { id: 'INC-0', master, title: 'Sample', phases: phases(RELEASE_PHASES) },
    task: {
      id: 'INC-0',
      title: 'Sample',
      master,
      owner: '`@sample`',
      due: '2026-12-01',
      summary: 'Sample',
      action: 'Sample',
    },
    comms: {
      id: 'INC-0',
      master,
      title: 'Sample',
      deliverables: [
        {
          id: 'blog',
          name: 'Blog post',
          approvals: [
            {
              groupId: 'security',
              groupName: 'Security',
              approvers: '`@a`',
              backups: '`@b`',
              stepId: 'approve-blog-security',
              url: 'https://sample.invalid/handbook#comms-approvals-requested',
              done: false,
            },
            {
              groupId: 'legal',
              groupName: 'Legal',
              approvers: '`@c`',
              backups: '`@d`',
              stepId: 'approve-blog-legal',
              url: 'https://sample.invalid/handbook#comms-approvals-requested',
              done: true,
            },
          ],
          fyi: 'Support',
          quorumRule: 'At the cut-off it goes ahead once its one required group (Security) approved.',
          dri: 'Corporate Communications (`@e`)',
        },
      ],
      required: 'Security, Legal',
      quorum: 1,
      responseMinutes: 30,
      cutoff: 'high: 6 h',
      statusTable: '| Deliverable | Security |\n|---|---|\n| Blog post | ✅ |',
      steps: commsSteps,
    },
    report: {
      id: 'INC-0',
      title: 'Sample',
      kind: 'the report of its resolution',
      preview: false,
      at: '2026-12-01T10:00:00Z',
      status: 'resolved',
      severity: 'high',
      figures: [{ name: 'Time to acknowledge', value: '5 min', note: 'Sample' }],
      progression: [{ at: '2026-12-01T10:00:00Z', by: '`@sample`', change: 'status → resolved' }],
      roles: [{ role: 'Incident Manager', holder: '`@sample`' }],
      handoffs: [{ at: '2026-12-01T10:00:00Z', role: 'Incident Manager', from: '`@a`', to: '`@b`' }],
      sitreps: { sent: 1, due: '2', reminders: 1 },
      approvals: [{ deliverable: 'Blog post', outcome: 'approved at quorum', cutoff: 'at quorum', approvals: 'Legal' }],
      owners: [{ owner: '`@sample`', done: 1, open: 0, overdue: 0, tickets: 'sample/project#2' }],
      timeline: { first: 'Sample', last: 'Sample', link: 'https://sample.invalid/1' },
      diagram: 'gantt',
    },
    advisory: {
      summary: 'Sample',
      cve: 'CVE-2026-0001',
      cwes: 'CWE-79',
      cvss: '9.8',
      affected: '< 1.2.3',
      patched: '1.2.3',
    },
    publicSummary: {
      id: 'INC-0',
      advisory: '[GHSA-2222-3333-4444](https://sample.invalid/advisory)',
      cve: 'CVE-2026-0001',
      fixed: '1.2.3',
      disclosed: '2026-12-01',
    },
  };
  const empty = {
    incident: { ...full.incident, quickLinks: [], phases: [], related: [] },
    release: { ...full.release, phases: [] },
    task: { ...full.task, action: '' },
    report: {
      ...full.report,
      preview: true,
      progression: [],
      handoffs: [],
      approvals: [],
      owners: [],
      timeline: { first: null, last: null, link: 'https://sample.invalid/1' },
    },
    advisory: { ...full.advisory, cve: null, cwes: '', cvss: null, affected: null, patched: null },
    publicSummary: { ...full.publicSummary, advisory: null, cve: null, fixed: null },
    comms: {
      ...full.comms,
      deliverables: [{ id: 'faq', name: 'FAQ', approvals: [], fyi: '', quorumRule: '', dri: '' }],
      required: '',
      quorum: 0,
      statusTable: '',
      steps: commsSteps,
    },
  };
  const none = { ...empty, comms: { ...empty.comms, deliverables: [] } };
  return [full, empty, none];
}
