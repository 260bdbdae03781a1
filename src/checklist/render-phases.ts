import type { PhaseDefinition } from './phase-types.js';
import { stepUrl } from '../templates/renderer.js';
import type { RenderedPhase } from '../templates/contexts.js';

/**
 * The template context of phases of checklist steps, every box as `done` says, with its handbook link: the release
 * ticket's phases and the communications ticket's process steps, as intake opens them.
 */
export function renderPhases(
  phases: readonly PhaseDefinition[],
  done: Set<string>,
  handbookUrl: string,
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
  }));
}
