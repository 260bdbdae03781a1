import { splitBody, trustedState } from '../kernel/block.js';
import type { Issue } from '../kernel/model.js';
import type { RunState } from '../kernel/ticket-state.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import { DISCLOSURE, dateOf, quickLinksOf } from '../run/quick-links.js';
import { INCIDENT_PHASES } from './phases.js';
import { phaseDates, readSteps } from './steps.js';

/** A checklist step of a phase whose date has come that is neither ticked nor marked not applicable. */
export interface OpenDueStep {
  id: string;
  role: string;
  text: string;
  phase: string;
  /** The phase's due date, `YYYY-MM-DD`. */
  date: string;
}

/**
 * The master's checklist steps that are still open in phases that are due (their date, from the Public Disclosure
 * Date, is today or earlier, UTC): the action items seed 004 wants resolved before the master closes. Phases without
 * a date are never due. Pure: from the master as just read and its run state.
 */
export function openDueSteps(
  master: Issue,
  run: RunState | undefined,
  config: Pick<IncidentDeskConfig, 'phaseOffsets'>,
  now: Date,
): OpenDueStep[] {
  if (!trustedState(master)) return [];
  const block = splitBody(master.body).block;
  if (!block) return [];
  const dates = phaseDates(dateOf(quickLinksOf(master).get(DISCLOSURE)), config.phaseOffsets, INCIDENT_PHASES);
  const today = now.toISOString().slice(0, 10);
  const steps = readSteps(block);
  const na = run?.na ?? {};
  return INCIDENT_PHASES.flatMap((phase) => {
    const date = dates[phase.id];
    if (!date || date > today) return [];
    return (
      phase.steps
        // Only the boxes the checklist shows: a step missing from it cannot be ticked (a re-render puts it back).
        .filter((s) => steps.get(s.id)?.done === false && !Object.hasOwn(na, s.id))
        .map((s) => ({ id: s.id, role: s.role, text: s.text, phase: phase.title, date }))
    );
  });
}
