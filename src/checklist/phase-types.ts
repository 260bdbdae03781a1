/** Role tags on checklist steps, from the security-issue checklist proposal (seed 002). */
export type StepRole = 'IM' | 'Deputy' | 'SwEng' | 'Support' | 'QA' | 'First IM' | 'Comms' | 'Security' | 'Release';

/** One step of a checklist: a stable id (also the handbook anchor), a role and the text. */
export interface StepDefinition {
  id: string;
  role: StepRole | string;
  text: string;
}

/** One phase of a checklist with its steps. `offsetDays` is days relative to public disclosure (T-5 = -5). */
export interface PhaseDefinition {
  id: string;
  title: string;
  offsetDays: number | null;
  /**
   * A phase without an offset of its own that is due with another one (its id): "Earlier than T-5" is everything
   * that must be done before the advance notifications of T-5 go out, so it is due at T-5 (issue 13).
   */
  dueWith?: string;
  /** The time of day (UTC, `HH:MM`) by which the phase is due on its date; the start of the day when absent. */
  dueTime?: string;
  steps: StepDefinition[];
  /**
   * Steps of this phase that live on the other ticket of the incident (issue 13, contradiction 8: each step in one
   * place, with one owner): shown here as a line that links to them, not as a box of their own.
   */
  links?: PhaseLink[];
}

/** A pointer from a phase to steps that live on the other ticket: the master (incident) or the release ticket. */
export interface PhaseLink {
  text: string;
  ticket: 'master' | 'release';
  stepIds: string[];
}
