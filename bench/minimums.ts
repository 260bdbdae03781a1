import type { ScenarioName, TrackerName, UnrelatedScenario } from './world.js';

/**
 * The fewest API calls each scenario needs to do its job correctly, reasoned from the tracker's API, not measured.
 * Authentication (GitHub installation tokens, the app's own identity; GitLab's current user) is read once per
 * process and cached, so it is not counted per delivery. The target: measured calls at most one above these.
 *
 * Common to the events on a running incident:
 * - the actor's access (GitHub collaborator permission, GitLab member): authorization comes from the tracker, never
 *   from the payload, and it can change at any time: 1 read;
 * - the master, read fresh under the incident's lock: the payload may be stale (other deliveries, people's edits
 *   since) and the app's hidden state lives in it: 1 read;
 * - the configuration file: phases, labels and templates come from it and a change takes effect at the next event.
 *   Since issue 15 it is kept between events and dropped by a push to the default branch that changes it (revalidated
 *   after `CONFIG_MAX_AGE_SECONDS`, conditionally on GitHub): read once per process and project, like authentication,
 *   so the minimums still count that one read per scenario (a scenario's first delivery on a fresh server reads it);
 * - the timeline comment: a comment is replaced whole (no append in either API), so its current text is needed to add
 *   a line: 1 read, 1 write.
 *
 * Ordinary issues (the `unrelated-*` scenarios; the same on both trackers): the payload carries the issue as it is,
 * its labels, the description before an edit and the comment's text, and that is all it takes to see that nothing
 * here concerns an incident. An issue is the app's only when its description holds the app's hidden block (or held
 * it before the edit), when its labels or title name an incident identifier, or when a label on it is the trigger.
 * The first two are in the payload; only the trigger is configured. So:
 * - opened without labels, a description edited, closed, a plain comment, a comment with a slash command that is
 *   not the app's (`/assign me`): no block, no identifier, no label that could be the trigger: 0 calls;
 * - opened with `bug`, or `bug` added: `bug` could be the configured trigger label (`label: bug` is a valid
 *   configuration), so the configuration says: 1 read when it is not kept yet (0 once kept), nothing to write.
 */
const UNRELATED: Record<UnrelatedScenario, number> = {
  'unrelated-opened': 0,
  'unrelated-opened-bug': 1,
  'unrelated-edited': 0,
  'unrelated-closed': 0,
  'unrelated-comment': 0,
  'unrelated-slash': 0,
  'unrelated-label-bug': 1,
};

export const MINIMUM_CALLS: Record<TrackerName, Record<ScenarioName, number>> = {
  github: {
    ...UNRELATED,
    // Config, the source read fresh, the search for tickets a previous run made (by the incident's label) and the
    // master's comments (summary and timeline not already there): 4 reads. Writes: the master as people need it
    // before anything else (issue 15: its state, identifier, labels, Quick Links and checklist in one write; the state
    // also lets the next event find and complete a half-done intake), release and comms tickets each created already a
    // sub-issue of the master (issue 15: GraphQL `createIssue` with `parentIssueId`, one call each instead of a create
    // and a sub-issue link), one comment holding the summary and the timeline's first entries (issue 15: they were
    // two), the final block: 5. GraphQL names labels by id: the repository's labels, 1 read (the repository's id is the
    // delivery's; a repository's first incident also creates the labels it lacks, once). And whoever declared the
    // incident is its First Responder and initial Incident Manager only with write access, as the tracker answers:
    // 1 read. 11 in all.
    trigger: 11,
    // Access, master, config, timeline: 4 reads; the master's block (tick, progress, phase label) and the timeline
    // line: 2 writes.
    tick: 6,
    // Access, master, config, timeline: 4 reads; the timeline line: 1 write. The master is unchanged.
    'comment-timeline': 5,
    // Access, master, config, timeline: 4 reads; the sitrep comment, the master's hidden state (when the last sitrep
    // was, for the reminders) and the timeline line: 3 writes.
    'comment-sitrep': 7,
    // The configuration, to know the label is not the trigger (the trigger label is configurable): 1 read. Nothing
    // to write.
    label: 1,
  },
  gitlab: {
    ...UNRELATED,
    // As on GitHub, plus the confidentiality write first (nothing else is written before the tracker confirms it):
    // 4 reads, 8 writes. GitLab links issues with one call per link too. And GitLab's hook token is shared by everyone
    // who registers a hook and signs nothing, so what a delivery says is not GitLab's word: who added the trigger label
    // is read from the label events: 1 read. The declarer's access, as on GitHub: 1 read. 14 in all.
    trigger: 14,
    // As on GitHub, plus who edited, from the newest page of the ticket's notes (GitLab's system note): 1 read.
    tick: 7,
    // As on GitHub, plus the comment as GitLab holds it, its text and its author: 1 read.
    'comment-timeline': 6,
    'comment-sitrep': 8,
    // The label is not acted on (it is not the trigger): nothing to ask GitLab.
    label: 1,
  },
};

/** The minimum for a set of deliveries: the sum of their scenarios' minimums. */
export function minimumFor(tracker: TrackerName, scenarios: readonly ScenarioName[]): number {
  return scenarios.reduce((sum, s) => sum + MINIMUM_CALLS[tracker][s], 0);
}
