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
  steps: StepDefinition[];
}
