import { trustedState } from '../kernel/block.js';
import type { IncidentDeskConfig } from '../config/schema.js';
import type { TicketRole } from '../kernel/identifier.js';
import type { Comment, Issue, Project, TrackerCapabilities, TrackerKind } from '../kernel/model.js';
import { formatRef, sameRef } from '../kernel/model.js';
import type { Renderer } from '../templates/renderer.js';
import type { IntakeEffect, EffectResult } from './effects.js';
import type { LinkResult } from '../tracker/port.js';

/**
 * What an intake decides on: the snapshot of the source, the projects and what was found or written so far, and
 * `absorb`, which folds each answer of the tracker into it for the next decision. Pure.
 */

export type ChildRole = Exclude<TicketRole, 'master' | 'task'>;

/**
 * Everything the intake decision looks at. Fields that are `undefined` have not been read yet: the decision
 * asks for them with a read effect, so the shell reads only what this incident needs.
 */
export interface IntakeSnapshot {
  tracker: TrackerKind;
  capabilities: TrackerCapabilities;
  config: IncidentDeskConfig;
  /** Where the configuration was read from, for messages. */
  configPath: string;
  /** The triggering issue, read fresh; null once it was deleted in this run. */
  source: Issue | null;
  sourceProject: Project;
  /** Who reported the incident and who it was assigned to, as the source was first read (kept after a deletion). */
  reporter: { author: string; assignees: string[]; number: number; createdAt?: string };
  /** Who applied the trigger label. */
  actor: string;
  /**
   * The First Responder: who applied the trigger label (or opened the report with it) when the tracker answered they
   * have write (Developer) access to the incident project; null otherwise, or when the intake runs without its trigger.
   */
  responder?: string | null;
  /** The clock of this run, for the timeline's first entries. */
  now: Date;
  /** The incident project as the API answered, or null when it does not exist or is not visible. */
  incidentProject: Project | null;
  releaseProject: Project | null;
  /** The master found by its source label (external masters only); null when searched and none exists. */
  master?: Issue | null;
  /** Further open masters with the same source label: made twice after a lost answer, to be closed. */
  duplicateMasters?: Issue[];
  /** Issues carrying the incident's identifier label in the incident and release projects. */
  children?: Issue[];
  /**
   * The app's own marked comments (its account, by id) read in this run, by `project#n`: a person's comment never
   * counts.
   */
  comments: Record<string, Comment[]>;
  /** Native link answers in this run (a link request's, or a create's that attached the child), by `project#n`. */
  linked: Record<string, LinkResult>;
  /** The source was deleted, or deleting it was refused, in this run. */
  sourceDeletion?: 'deleted' | 'forbidden';
}

/** What the decision needs besides the snapshot: the compiled templates and where the handbook is. */
export interface IntakeDeps {
  renderer: Renderer;
  handbookUrl: string;
}

/** The incident project's path: configured, or the source's own. */
export function incidentProjectPath(config: IncidentDeskConfig, sourceProject: string): string {
  return config.incidentProject ?? sourceProject;
}

/** The release project's path: configured, or the incident project. */
export function releaseProjectPath(config: IncidentDeskConfig, sourceProject: string): string {
  return config.releaseProject ?? incidentProjectPath(config, sourceProject);
}

/** Folds the tracker's answer to one effect into the snapshot, so the next decision sees it. */
export function absorb(s: IntakeSnapshot, effect: IntakeEffect, result: EffectResult): IntakeSnapshot {
  const replace = (issue: Issue): IntakeSnapshot => ({
    ...s,
    source: s.source && sameRef(s.source.ref, issue.ref) ? issue : s.source,
    ...(s.master && sameRef(s.master.ref, issue.ref) ? { master: issue } : {}),
    ...(s.children ? { children: s.children.map((c) => (sameRef(c.ref, issue.ref) ? issue : c)) } : {}),
    ...(s.duplicateMasters
      ? { duplicateMasters: s.duplicateMasters.map((d) => (sameRef(d.ref, issue.ref) ? issue : d)) }
      : {}),
  });
  switch (effect.kind) {
    case 'update':
      return result.kind === 'issue' ? replace(result.issue) : s;
    case 'create': {
      if (result.kind !== 'issue') return s;
      if (effect.role === 'master') return { ...s, master: result.issue };
      const children = [...(s.children ?? []), result.issue];
      // A child created attached: its link is known from the same answer, so no link request follows. An outcome the
      // tracker could not tell is left out: the next decision links it (an idempotent request).
      if (!effect.attachTo || result.link === undefined || result.link === 'unknown') return { ...s, children };
      return { ...s, children, linked: { ...s.linked, [formatRef(result.issue.ref)]: result.link } };
    }
    case 'comment': {
      const key = formatRef(effect.ref);
      const known = s.comments[key];
      if (result.kind !== 'comment') return s;
      return { ...s, comments: { ...s.comments, [key]: [...(known ?? []), result.comment] } };
    }
    case 'read-comments':
      return result.kind === 'comments'
        ? { ...s, comments: { ...s.comments, [formatRef(effect.ref)]: result.comments } }
        : s;
    case 'find-master': {
      if (result.kind !== 'issues') return s;
      // Only a master whose own (signed) state names this source is this incident's: its labels anyone with triage
      // rights could have set on an issue of their own. The oldest, unless a later one already finished its intake:
      // that one is the incident people work in.
      const source = s.source ? `${s.tracker}:${formatRef(s.source.ref)}`.toLowerCase() : null;
      const ours = result.issues.filter((issue) => {
        const state = trustedState(issue);
        return state?.role === 'master' && source !== null && state.source?.toLowerCase() === source;
      });
      const done = (issue: Issue): number => (trustedState(issue)?.intake === true ? 0 : 1);
      const [master, ...others] = [...ours].sort((a, b) => done(a) - done(b));
      return { ...s, master: master ?? null, duplicateMasters: others };
    }
    case 'find-children':
      return result.kind === 'issues' ? { ...s, children: result.issues } : s;
    case 'link':
      return result.kind === 'link'
        ? { ...s, linked: { ...s.linked, [formatRef(effect.child.ref)]: result.result } }
        : s;
    case 'lock':
      return s.source ? { ...s, source: { ...s.source, locked: true } } : s;
    case 'delete':
      if (result.kind !== 'delete') return s;
      return result.result === 'deleted'
        ? { ...s, source: null, sourceDeletion: 'deleted' }
        : { ...s, sourceDeletion: 'forbidden' };
  }
}
