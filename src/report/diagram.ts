import { approvingGroups, decisionOf, deliverableName, groupName } from '../approvals/matrix.js';
import type { Milestone } from '../kernel/ticket-state.js';
import { cleanUsername } from '../kernel/usernames.js';
import type { ReportInput } from './input.js';

/**
 * The incident over time as a Mermaid gantt (GitHub and GitLab both render a ```` ```mermaid ```` block): one section
 * each for the status, the severity and the roles, as bars from one change to the next, and the approvals as
 * milestones. Pure. Every label is reduced to letters, digits and a few safe signs, so that nothing a person wrote can
 * break out of the diagram (Mermaid reads `:`, `#`, `;` and `,` as syntax).
 */

/** Bars and milestones past this many per section are left out (the tables keep them all). */
const MAX_PER_SECTION = 40;

/** A label Mermaid reads as plain text. */
function label(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9 _.@()'+-]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60) || 'unnamed'
  );
}

/** `2026-11-22 10:03`, the diagram's `dateFormat`. */
function at(iso: string): string {
  const ms = Date.parse(iso);
  return new Date(Number.isNaN(ms) ? 0 : ms).toISOString().slice(0, 16).replace('T', ' ');
}

interface Span {
  name: string;
  from: string;
  to: string;
}

/** Bars from each change to the next, the last one up to `end`. */
function spans(changes: ReadonlyArray<{ name: string; at: string }>, end: string): Span[] {
  return changes.map((c, i) => ({ name: c.name, from: c.at, to: changes[i + 1]?.at ?? end }));
}

function bars(section: string, list: readonly Span[]): string[] {
  if (list.length === 0) return [];
  const kept = list.slice(-MAX_PER_SECTION);
  return [
    `    section ${section}`,
    ...kept.map((s) =>
      at(s.to) > at(s.from)
        ? `    ${label(s.name)} :${at(s.from)}, ${at(s.to)}`
        : `    ${label(s.name)} :milestone, ${at(s.from)}, 0m`,
    ),
  ];
}

function valuesOf(history: readonly Milestone[], kind: Milestone['kind'], role?: string): Milestone[] {
  return history.filter((m) => m.kind === kind && (role === undefined || m.value === role));
}

/** The Mermaid source of the report's diagram (without the fence). */
export function renderDiagram(input: ReportInput): string {
  const { run, state } = input;
  const history = run.history ?? [];
  const start = run.declaredAt ?? state.trigger?.at ?? input.master.createdAt;
  const concluded = [...history]
    .reverse()
    .find((m) => m.kind === 'status' && (m.value === 'resolved' || m.value === 'false-alarm'));
  const end = concluded?.at ?? input.now.toISOString();

  const changed = valuesOf(history, 'status').map((m) => ({ name: m.value, at: m.at }));
  // The declaration records the first status itself on incidents declared since statuses are kept.
  const statuses =
    changed[0] && Date.parse(changed[0].at) <= Date.parse(start)
      ? changed
      : [{ name: 'investigating', at: start }, ...changed];
  const severities = [
    { name: 'high (not assessed)', at: start },
    ...valuesOf(history, 'severity').map((m) => ({ name: m.value, at: m.at })),
  ];
  const lines = [
    'gantt',
    `    title ${label(state.id)} over time`,
    '    dateFormat YYYY-MM-DD HH:mm',
    '    axisFormat %m-%d %H:%M',
  ];
  lines.push(...bars('Status', spans(statuses, end)));
  lines.push(...bars('Severity', spans(severities, end)));
  const roles: Array<[string, 'im' | 'deputy' | 'co', string | undefined]> = [
    ['Incident Manager', 'im', state.responder],
    ['Deputy', 'deputy', undefined],
    ['Communications Officer', 'co', undefined],
  ];
  for (const [section, role, initial] of roles) {
    const changes = [
      ...(initial ? [{ name: `@${cleanUsername(initial)}`, at: start }] : []),
      ...valuesOf(history, 'role', role).map((m) => ({ name: m.to ? `@${cleanUsername(m.to)}` : 'nobody', at: m.at })),
    ];
    lines.push(...bars(section, spans(changes, end)));
  }
  const approvals = input.approvals;
  if (approvals) {
    const matrix = input.config.approvals;
    const decided = Object.keys(matrix.deliverables).flatMap((d) =>
      approvingGroups(matrix, d)
        .map((g) => ({ d, g, decision: decisionOf(approvals, d, g) }))
        .filter((x) => x.decision?.status === 'approved')
        .map((x) => ({
          name: `${deliverableName(matrix, x.d)} by ${groupName(matrix, x.g)}`,
          from: x.decision!.at,
          to: x.decision!.at,
        })),
    );
    decided.sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
    lines.push(...bars('Approvals', decided));
  }
  return lines.join('\n');
}
