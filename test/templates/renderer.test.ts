import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinBody, parseQuickLinks, splitBody } from '../../src/kernel/block.js';
import { allStepIds, COMMS_STEPS, INCIDENT_PHASES, RELEASE_PHASES } from '../../src/checklist/phases.js';
import { phaseDates, readSteps } from '../../src/checklist/steps.js';
import { renderLinks } from '../../src/checklist/render-phases.js';
import type { PhaseDefinition } from '../../src/checklist/phase-types.js';
import { neutralizeInline, quietUser } from '../../src/kernel/neutralize.js';
import { createRenderer, stepUrl, TemplateError } from '../../src/templates/renderer.js';
import type { Renderer, TemplateSources } from '../../src/templates/renderer.js';
import type { CommsContext, IncidentContext, ReleaseContext, RenderedPhase } from '../../src/templates/contexts.js';
import { loadDefaultTemplates } from '../../src/templates/load.js';

/** The ids of the ticked steps of a block, as the checklist tracker reads them. */
function ticked(block: string | null): Set<string> {
  return new Set([...readSteps(block ?? '')].filter(([, step]) => step.done).map(([id]) => id));
}

const HANDBOOK = 'https://desk.example/handbook';
const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** One checklist line, exactly: box, handbook link, role, text, hidden id. */
const STEP_LINE = new RegExp(
  [
    String.raw`^- \[(?<box> |x)\] \[🔗\]\((?<url>https:\/\/desk\.example\/handbook#[a-z0-9-]+)\)`,
    String.raw` \((?<role>.+?)\) (?<text>.+) <!-- step:(?<id>[a-z0-9][a-z0-9-]*) -->$`,
  ].join(''),
);
const ANY_BOX = /^\s*[-*+] \[[^\]]?\]/;
const MENTION = /(?:^|[^\w`])@[\w-]/;
const HOSTILE = '[x] fake <!-- incident-desk:begin --> @everyone | pipe <script>alert(1)</script>';

function phases(
  defs: readonly PhaseDefinition[],
  done: ReadonlySet<string> = new Set(),
  na: Readonly<Record<string, string>> = {},
  dates: Readonly<Record<string, string | null>> = {},
): RenderedPhase[] {
  const isDone = (id: string): boolean => done.has(id) || Object.hasOwn(na, id);
  return defs.map((p) => ({
    id: p.id,
    title: p.title,
    date: dates[p.id] ?? null,
    progress: `${p.steps.filter((s) => isDone(s.id)).length}/${p.steps.length}`,
    steps: p.steps.map((s) => ({
      id: s.id,
      role: s.role,
      text: s.text,
      url: stepUrl(HANDBOOK, s.id),
      done: done.has(s.id),
      na: Object.hasOwn(na, s.id) ? na[s.id]! : null,
    })),
    links: renderLinks(
      p,
      p.links?.[0]?.ticket === 'master' ? MASTER : '[acme/web#12](https://tracker.example/acme/web/-/issues/12)',
      HANDBOOK,
    ),
  }));
}

const DONE = new Set(['pick-deputy', 'assign-cve', 'send-advance-notice']);
const NA = {
  'coordinate-parties': neutralizeInline('No other party ships this code | <b>really</b>'),
  'notify-packagers': '',
};
const DATES = phaseDates('2024-06-11', { 't-5': -5, 't-4': -4, 't-1': -1, disclosure: 0 }, INCIDENT_PHASES);

const MASTER = '[acme/security-incidents#7](https://tracker.example/acme/security-incidents/-/issues/7)';

function incidentContext(): IncidentContext {
  return {
    id: 'INC-2024-0042',
    progress: '5/40 steps done',
    quickLinks: [
      { label: 'Incident Manager', value: '@alice' },
      { label: 'Deputy Incident Manager', value: '_not set_' },
      { label: 'Public Disclosure Date', value: '2024-06-11' },
      { label: 'CVSS Score', value: '8.1' },
      { label: 'Release Checklist', value: '[acme/web#12](https://tracker.example/acme/web/-/issues/12)' },
    ],
    phases: phases(INCIDENT_PHASES, DONE, NA, DATES),
    related: [
      {
        role: 'Release',
        reference: '[acme/web#12](https://tracker.example/acme/web/-/issues/12)',
        title: 'Security release INC-2024-0042',
      },
      {
        role: 'Communications',
        reference: '[acme/security-incidents#8](https://tracker.example/acme/security-incidents/-/issues/8)',
        title: 'Communications INC-2024-0042',
      },
    ],
  };
}

function releaseContext(): ReleaseContext {
  return {
    id: 'INC-2024-0042',
    master: MASTER,
    title: 'Incident INC-2024-0042',
    phases: phases(RELEASE_PHASES, new Set(['release-scope'])),
  };
}

function commsContext(): CommsContext {
  const cell = (deliverable: string, groupId: string, groupName: string, done = false) => ({
    groupId,
    groupName,
    approvers: quietUser(`${groupId}-lead`),
    url: stepUrl(HANDBOOK, 'comms-approvals-requested'),
    backups: [quietUser(`${groupId}-b1`), quietUser(`${groupId}-b2`)].join(', '),
    stepId: `approve-${deliverable}-${groupId}`,
    done,
  });
  return {
    id: 'INC-2024-0042',
    master: MASTER,
    title: 'Incident INC-2024-0042',
    deliverables: [
      {
        id: 'blog',
        name: 'Blog post',
        approvals: [cell('blog', 'security', 'Security', true), cell('blog', 'legal', 'Legal')],
        fyi: 'Support',
        quorumRule: 'At the cut-off it goes ahead once all 2 of its required groups (Security, Legal) approved.',
        dri: '',
      },
      {
        id: 'email',
        name: 'Customer email',
        approvals: [cell('email', 'security', 'Security'), cell('email', 'support', 'Support')],
        fyi: '',
        quorumRule:
          'At the cut-off it goes ahead only once its one required group (Security) approved: fewer than the quorum ' +
          'of 2 approve it.',
        dri: '',
      },
      {
        id: 'media',
        name: 'Media statement',
        approvals: [],
        fyi: 'Investor Relations',
        quorumRule: '',
        dri: 'Corporate Communications (`@comms-director`)',
      },
    ],
    required: 'Security, Legal, Customer Success, Investor Relations',
    quorum: 2,
    responseMinutes: 30,
    cutoff: 'high: 6 h, medium: 12 h, low: 24 h',
    statusTable: '| Deliverable | Status |\n| --- | --- |\n| Blog post | ⏳ pending |',
    steps: phases([{ id: 'comms', title: 'Process', offsetDays: null, steps: [...COMMS_STEPS] }])[0]!.steps,
  };
}

function golden(name: string, actual: string): void {
  const file = `${GOLDEN_DIR}${name}`;
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`no golden file ${file}; run with UPDATE_GOLDEN=1 to write it`);
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

function checklistLines(text: string): string[] {
  return text.split('\n').filter((line) => ANY_BOX.test(line));
}

function withoutCodeSpans(text: string): string {
  return text.replace(/`[^`\n]*`/g, '``');
}

let sources: TemplateSources;
let renderer: Renderer;

beforeAll(async () => {
  sources = await loadDefaultTemplates();
  renderer = createRenderer(sources);
});

describe('default templates', () => {
  it('loads the three templates and the partials by name', () => {
    expect(Object.keys(sources.partials)).toEqual(expect.arrayContaining(['phase', 'step']));
    for (const text of [sources.incident, sources.release, sources.comms, ...Object.values(sources.partials)]) {
      expect(text.length).toBeGreaterThan(0);
    }
  });

  it('contain no mention, no app marker and no vendor name', () => {
    for (const text of [sources.incident, sources.release, sources.comms, ...Object.values(sources.partials)]) {
      expect(text.replace(/\{\{[^}]*\}\}/g, '')).not.toMatch(MENTION);
      expect(text).not.toContain('incident-desk');
      expect(text).not.toMatch(/GitLab|GitHub|\bISC\b|BIND|Mattermost|Etherpad|PackageCloud|GitHost|HackerOne/);
    }
  });
});

describe('rendering', () => {
  it.each([
    ['incident.md', () => renderer.incident(incidentContext())],
    ['release.md', () => renderer.release(releaseContext())],
    ['comms.md', () => renderer.comms(commsContext())],
  ] as const)('matches the golden %s', (name, render) => {
    const out = render();
    expect(out.endsWith('\n')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(false);
    expect(out).not.toMatch(/[ \t]+\n$/);
    golden(name, out);
  });

  it('writes every step of the incident as one exact checklist line, ticks kept', () => {
    const out = renderer.incident(incidentContext());
    const lines = checklistLines(out);
    const ids = INCIDENT_PHASES.flatMap((p) => p.steps.map((s) => s.id));
    expect(lines).toHaveLength(ids.length);
    expect(lines.map((l) => STEP_LINE.exec(l)?.groups?.id)).toEqual(ids);
    for (const line of lines) {
      const m = STEP_LINE.exec(line)!.groups!;
      expect(m.url).toBe(`${HANDBOOK}#${m.id}`);
    }
    expect(ticked(out)).toEqual(new Set([...DONE, ...Object.keys(NA)]));
  });

  it('writes the Quick Links table and the phases as headings with their date and progress', () => {
    const out = renderer.incident(incidentContext());
    expect(out).toContain('| Quick Links | |\n|---|---|\n| Incident Manager: | @alice |\n');
    expect(out.match(/^### .*$/gm)).toEqual([
      '### Earlier than T-5 · 2024-06-06 · 3/23',
      '### At T-5 · 2024-06-06 · 1/1',
      '### At T-4 · 2024-06-07 · 0/1',
      '### At T-1 · 2024-06-10 · 1/2',
      '### On the day of public disclosure · 2024-06-11 · 0/8',
      '### After public disclosure · 0/4',
      '### Related tickets',
    ]);
    expect(out).toContain('\n### Related tickets\n');
    expect(parseQuickLinks(out).get('Public Disclosure Date')).toBe('2024-06-11');
    expect(renderer.incident({ ...incidentContext(), related: [] })).toMatch(/### Related tickets\n\n_None yet\._\n$/);
  });

  it('writes the release schedule with owners and every line in the exact format', () => {
    const out = renderer.release(releaseContext());
    const lines = checklistLines(out);
    expect(lines).toHaveLength(RELEASE_PHASES.flatMap((p) => p.steps).length);
    for (const line of lines) expect(line).toMatch(STEP_LINE);
    for (const phase of RELEASE_PHASES)
      expect(out).toContain(`\n### ${phase.title} · ${phase.id === 'first-steps' ? 1 : 0}/${phase.steps.length}\n`);
    expect(out).toContain(MASTER);
    expect(out.match(/_to be filled_/g)).toHaveLength(4);
  });

  it('writes one approval box per deliverable and approving group, then the process steps', () => {
    const ctx = commsContext();
    const out = renderer.comms(ctx);
    const lines = checklistLines(out);
    const cells = ctx.deliverables.flatMap((d) => d.approvals.map((a) => ({ d, a })));
    expect(lines).toHaveLength(cells.length + COMMS_STEPS.length);
    for (const line of lines) expect(line).toMatch(STEP_LINE);
    expect(out).toContain(
      '(Security) Security approves the Blog post — approvers: `@security-lead`; back-ups: `@security-b1`, ' +
        '`@security-b2` <!-- step:approve-blog-security -->',
    );
    expect(lines.map((l) => STEP_LINE.exec(l)!.groups!.id)).toEqual([
      ...cells.map((c) => c.a.stepId),
      ...COMMS_STEPS.map((s) => s.id),
    ]);
    expect(ticked(out)).toEqual(new Set(['approve-blog-security']));
    for (const role of ['SEOC', 'SIMOC', 'SecCMOC', 'External communications']) expect(out).toContain(role);
    expect(out).toContain('Kept informed (FYI, no approval needed): Investor Relations');
    expect(out).toContain(
      'DRI (owns the text and its publication, and is told when its review starts): Corporate Communications ' +
        '(`@comms-director`)',
    );
    expect(out).toContain('30 minutes');
    expect(out).toContain('at least 2 of the required groups that approve it');
    expect(out).toContain('its one required group (Security)');
    expect(out).toContain('high: 6 h, medium: 12 h, low: 24 h');
  });

  it('shows the overall progress under the heading', () => {
    expect(renderer.incident(incidentContext())).toMatch(
      /^## Incident INC-2024-0042\n\n\*\*Progress:\*\* 5\/40 steps done\n\n/,
    );
  });

  it('writes a step that does not apply ticked and struck through, with or without a reason', () => {
    const out = renderer.incident(incidentContext());
    expect(out).toContain(
      `- [x] [🔗](${HANDBOOK}#coordinate-parties) (SwEng) ~~Coordinate with other affected parties (upstream ` +
        `projects, vendors) where needed~~ ` +
        '_(not applicable: No other party ships this code \\| &lt;b&gt;really&lt;/b&gt;)_ <!-- ' +
        'step:coordinate-parties -->\n',
    );
    expect(out).toContain(
      `- [x] [🔗](${HANDBOOK}#notify-packagers) (First IM) ~~Notify the operating system and distribution ` +
        `packagers~~ _(not applicable)_ <!-- step:notify-packagers -->\n`,
    );
    // An n/a step stays ticked even when its box was not; the tracker reads back the plain text.
    const steps = readSteps(out);
    expect(steps.get('notify-packagers')).toEqual({
      done: true,
      role: 'First IM',
      text: 'Notify the operating system and distribution packagers',
    });
    expect(steps.get('coordinate-parties')?.text).toBe(
      'Coordinate with other affected parties (upstream projects, vendors) where needed',
    );
  });

  it('renders mentions only where the code put them', () => {
    expect(withoutCodeSpans(renderer.release(releaseContext()))).not.toMatch(MENTION);
    expect(withoutCodeSpans(renderer.comms(commsContext()))).not.toMatch(MENTION);
  });
});

describe('hostile values', () => {
  const hostile = neutralizeInline(HOSTILE);

  function assertHarmless(out: string, expectedIds: string[], checked: string[] = []): void {
    const lines = checklistLines(out);
    for (const line of lines) expect(line).toMatch(STEP_LINE);
    expect(lines.map((l) => STEP_LINE.exec(l)!.groups!.id)).toEqual(expectedIds);
    expect(ticked(out)).toEqual(new Set(checked));
    expect([...readSteps(out).keys()]).toEqual(expectedIds);
    expect(out).not.toContain('<!-- incident-desk');
    expect(out).not.toContain('<script>');
    expect(withoutCodeSpans(out)).not.toMatch(MENTION);
    // Wrapped by the core, the block comes back whole: no forged marker ends it early.
    expect(splitBody(joinBody(out.trimEnd(), 'rest')).block).toBe(out.trimEnd());
    // Every table row still has exactly two cells.
    for (const row of out.split('\n').filter((l) => l.startsWith('|'))) {
      expect(row.split(/(?<!\\)\|/)).toHaveLength(4);
    }
  }

  it('cannot forge anything in the incident block', () => {
    const ctx: IncidentContext = {
      id: hostile,
      progress: hostile,
      quickLinks: [{ label: 'Chat Channel', value: hostile }],
      phases: phases(INCIDENT_PHASES, new Set(), { 'assign-cve': hostile }, { 't-5': hostile }),
      related: [{ role: 'Task', reference: hostile, title: hostile }],
    };
    const out = renderer.incident(ctx);
    assertHarmless(
      out,
      INCIDENT_PHASES.flatMap((p) => p.steps.map((s) => s.id)),
      ['assign-cve'],
    );
    expect(parseQuickLinks(out).get('Chat Channel')).toBe(hostile);
  });

  it('cannot forge anything in the release and comms tickets', () => {
    assertHarmless(
      renderer.release({ ...releaseContext(), phases: phases(RELEASE_PHASES), title: hostile, master: hostile }),
      RELEASE_PHASES.flatMap((p) => p.steps.map((s) => s.id)),
    );
    const base = commsContext();
    const ctx: CommsContext = {
      ...base,
      title: hostile,
      deliverables: [
        {
          id: 'blog',
          name: hostile,
          approvals: [
            {
              groupId: 'x',
              groupName: hostile,
              approvers: quietUser('@everyone'),
              backups: quietUser(HOSTILE),
              stepId: 'approve-blog-x',
              url: stepUrl(HANDBOOK, 'x'),
              done: false,
            },
          ],
          fyi: hostile,
          quorumRule: hostile,
          dri: hostile,
        },
      ],
      required: hostile,
      cutoff: hostile,
    };
    const out = renderer.comms(ctx);
    assertHarmless(out, ['approve-blog-x', ...COMMS_STEPS.map((s) => s.id)]);
  });
});

describe('template errors', () => {
  it('names the template that does not compile', () => {
    expect(() => createRenderer({ ...sources, release: '{{#each phases}}' })).toThrow(TemplateError);
    expect(() => createRenderer({ ...sources, release: '{{#each phases}}' })).toThrow(/release/);
    expect(() => createRenderer({ ...sources, partials: { ...sources.partials, step: '{{#if done}' } })).toThrow(
      /partial step/,
    );
  });

  it('strict mode: a missing field throws, when loaded and when rendered', () => {
    expect(() => createRenderer({ ...sources, comms: '{{title}} {{severity}}' })).toThrow(/comms.*severity/);
    const broken = { ...incidentContext(), quickLinks: [{ label: 'Only a label' }] } as unknown as IncidentContext;
    expect(() => renderer.incident(broken)).toThrow(TemplateError);
    expect(() => renderer.incident(broken)).toThrow(/incident.*value/);
  });

  it('refuses a template that writes an app marker', () => {
    expect(() => createRenderer({ ...sources, incident: '<!-- incident-desk:end -->\n{{id}}' })).toThrow(
      /incident.*marker/,
    );
  });

  it('two renderers share no partials, and the global instance gets none', () => {
    const custom = createRenderer({ ...sources, partials: { ...sources.partials, step: '* CUSTOM {{id}}\n' } });
    expect(custom.incident(incidentContext())).toContain('* CUSTOM pick-deputy');
    expect(renderer.incident(incidentContext())).not.toContain('CUSTOM');
    expect(createRenderer(sources).incident(incidentContext())).not.toContain('CUSTOM');
    expect(() => createRenderer({ ...sources, partials: {} })).toThrow(/partial phase could not be found/);
    expect(Object.keys(Handlebars.partials)).not.toContain('step');
    expect(Object.keys(Handlebars.partials)).not.toContain('phase');
    expect(Object.keys(Handlebars.helpers)).not.toContain('isNull');
  });
});

describe('stepUrl', () => {
  it('points at the step anchor of the handbook', () => {
    expect(stepUrl('https://desk.example/handbook', 'pick-deputy')).toBe('https://desk.example/handbook#pick-deputy');
    expect(stepUrl('https://desk.example/handbook#top', 'pick-deputy')).toBe(
      'https://desk.example/handbook#pick-deputy',
    );
  });

  it('covers every step', () => {
    expect(allStepIds().length).toBeGreaterThan(0);
  });
});
