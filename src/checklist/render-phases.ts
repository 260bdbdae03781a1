import type { PhaseDefinition } from './phase-types.js';
import { stepUrl } from '../templates/renderer.js';
import type { RenderedLink, RenderedPhase } from '../templates/contexts.js';

/**
 * The lines of a phase that point at its steps living on the other ticket: `other` is that ticket as a markdown
 * reference (null when it is not known: "the incident ticket" or "the release ticket" is said instead).
 */
export function renderLinks(phase: PhaseDefinition, other: string | null, handbookUrl: string): RenderedLink[] {
  return (phase.links ?? []).map((link) => {
    const where = other ?? (link.ticket === 'master' ? 'the incident ticket' : 'the release ticket');
    const steps = link.stepIds.map((id) => `[\`${id}\`](${stepUrl(handbookUrl, id)})`).join(', ');
    return { text: link.text, reference: `${where}, ${steps}` };
  });
}

/**
 * The template context of phases of checklist steps, every box as `done` says, with its handbook link: the release
 * ticket's phases and the communications ticket's process steps, as intake opens them.
 */
export function renderPhases(
  phases: readonly PhaseDefinition[],
  done: Set<string>,
  handbookUrl: string,
  /** The other ticket of the incident, as a markdown reference, for the phases' links (the master, for a release). */
  other: string | null = null,
): RenderedPhase[] {
  return phases.map((phase) => ({
    id: phase.id,
    title: phase.title,
    date: null,
    progress: `${phase.steps.filter((step) => done.has(step.id)).length}/${phase.steps.length}`,
    steps: phase.steps.map((step) => ({
      id: step.id,
      role: step.role,
      text: step.text,
      url: stepUrl(handbookUrl, step.id),
      done: done.has(step.id),
      na: null,
    })),
    links: renderLinks(phase, other, handbookUrl),
  }));
}
