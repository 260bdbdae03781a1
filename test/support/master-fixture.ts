import { joinBody, readTicketState, renderState } from '../../src/kernel/block.js';
import type { TicketState, RunState } from '../../src/kernel/ticket-state.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { IncidentDeskConfig } from '../../src/config/schema.js';
import type { AccessLevel, Issue, TrackerKind } from '../../src/kernel/model.js';
import type { RunContext, RunPlan } from '../../src/run/plan.js';

// A master (or a child) as the tracker answers it, for the tests of the pure decisions: the app's block (hidden
// state, Quick Links, a short checklist) and the person's text, at 10:03 on the day the incident was opened.

export const NOW = new Date('2026-11-22T10:03:00Z');
export const URL = 'https://desk.example/handbook';
export const ID = 'INC-2026-7';
/** The communications ticket the master names in its state. */
export const COMMS = 'sec/incidents#9';

/** The Quick Links cells of the fixture's master, as the intake leaves them. */
export const CELLS: Record<string, string> = {
  'Incident Manager': '@alice',
  'Deputy Incident Manager': '_not set_',
  'Public Disclosure Date': '_not set_',
  'CVSS Score': '_not set_',
};

/** One checklist line as the templates write it. */
const line = (id: string, done = false) =>
  `- [${done ? 'x' : ' '}] [🔗](${URL}#${id}) (IM) Do ${id} <!-- step:${id} -->`;

export interface TicketOptions {
  cells?: Record<string, string>;
  /** The checklist's step ids; `pick-deputy`, `respond-reporter`, `approve-blog-security` by default. */
  steps?: string[];
  /** The steps ticked. */
  done?: string[];
  run?: RunState;
  role?: TicketState['role'];
  number?: number;
  title?: string;
  updatedAt?: string;
  /** Labels besides the role's and the identifier's. */
  labels?: string[];
}

/** A master (or a child, by `role`) as the tracker answers it: the app's block, then the person's text `details`. */
export function ticket(options: TicketOptions = {}): Issue {
  const role = options.role ?? 'master';
  const children = [{ role: 'comms' as const, ref: COMMS, url: 'https://t.example/9', title: 'Comms' }];
  const state: TicketState = { v: 1, role, id: ID, ...(role === 'master' ? { run: options.run ?? {}, children } : {}) };
  const cells = Object.entries({ ...CELLS, ...options.cells }).map(([label, value]) => `| ${label}: | ${value} |`);
  const steps = (options.steps ?? ['pick-deputy', 'respond-reporter', 'approve-blog-security']).map((id) =>
    line(id, options.done?.includes(id)),
  );
  const block = [
    renderState(state),
    `## Incident ${ID}`,
    '',
    '| | |',
    '|---|---|',
    ...cells,
    '',
    '### Earlier than T-5',
    ...steps,
  ].join('\n');
  return {
    ref: { project: 'sec/incidents', number: options.number ?? 7 },
    id: 9007,
    title: options.title ?? `[${ID}] Heap overflow in the image parser`,
    body: joinBody(block, 'details'),
    labels: [`incident::${role}`, `incident-id::${ID}`, ...(options.labels ?? [])],
    state: 'open',
    confidential: true,
    locked: false,
    author: 'alice',
    assignees: ['alice'],
    webUrl: 'https://t.example/7',
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: options.updatedAt ?? '2026-11-22T10:02:00.000Z',
  };
}

/** What a run decision looks at: the master just read, its state, the clock at NOW, who acted with which access. */
export function context(
  master: Issue,
  actor: string | null,
  access: AccessLevel | null,
  tracker: TrackerKind = 'gitlab',
  config: IncidentDeskConfig = DEFAULT_CONFIG,
): RunContext {
  return {
    tracker,
    config,
    master,
    state: readTicketState(master.body)!,
    now: NOW,
    actor: actor === null ? null : { username: actor, id: 42 },
    access,
  };
}

/** The hidden markers of the comments a plan posts (`refusal`, `invalid`…; `other` without one), in order. */
export const commentKinds = (plan: RunPlan) =>
  plan.comments.map((c) => /<!-- incident-desk:(?<kind>[a-z-]+)/.exec(c.body)?.groups?.kind ?? 'other');

/** A plan's timeline entries as `at @actor text`. */
export const timelineTexts = (plan: RunPlan) => plan.timeline.map((e) => `${e.at} @${e.actor} ${e.text}`);

/** Whether the plan changes nothing at all (the master's run state included). */
export const isEmpty = (plan: RunPlan, before: RunState = {}) =>
  plan.stepOverrides.length === 0 &&
  Object.keys(plan.cells).length === 0 &&
  plan.comments.length === 0 &&
  plan.timeline.length === 0 &&
  plan.addLabels.length === 0 &&
  plan.removeLabels.length === 0 &&
  plan.assign === undefined &&
  plan.task === undefined &&
  JSON.stringify(plan.run) === JSON.stringify(before);
