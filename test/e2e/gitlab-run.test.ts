import { parseRef } from '../../src/core/model.js';
import { describe, expect, it } from 'vitest';
import { readTicketState, renderState, splitBody, trustedState } from '../../src/core/block.js';
import type { TicketState } from '../../src/core/block.js';
import type { Issue } from '../../src/core/model.js';
import { commentKinds } from '../support/comments.js';
import { minutes, openGitLabIncident, tickIn } from '../support/gitlab-incident.js';
import type { GitLabIncidentOptions } from '../support/gitlab-incident.js';
import { gitlabEditPayload } from '../support/gitlab-webhook.js';

// The running incident end to end on GitLab: `Confidential Issue Hook` description edits and `Confidential Note
// Hook` comments (built from the real payloads) into the real server and GitLab route, the real gitbeaker client
// talking to the fake GitLab on loopback (no nock). Authorization is read from the fake's
// `/projects/:id/members/all/:user_id`, assignees resolved by `/users?username=`, and the sweep lists masters through
// `/issues?scope=all`. The same scenarios as test/shell/run.test.ts on the in-memory tracker.

/**
 * A GitLab incident opened in place at T0 in the private `team/app`, reported by alice (Developer); bob is a
 * Developer, mallory a Reporter, `maintainer` a Maintainer; `stranger` is no member (the members route answers 404).
 */
const incident = (options: Pick<GitLabIncidentOptions, 'author' | 'assignees'> = {}) => openGitLabIncident(options);

const isTicked = (body: string, stepId: string) => new RegExp(`- \\[x\\] .*<!-- step:${stepId} -->`).test(body);
/** Rewrites the app's hidden state marker in a body (its signature too), as anyone who can edit the description can. */
const forgeState = (body: string, change: (state: TicketState) => TicketState) => {
  const state = readTicketState(body)!;
  const forged = body.replace(/<!-- incident-desk:state [^\n]* -->/, renderState(change(structuredClone(state))));
  expect(forged).not.toBe(body);
  return forged;
};
const stepsDone = (body: string) => /(\d+)\/(\d+) steps done/.exec(body)?.slice(1, 3).map(Number);
const issuePath = (ref: { project: string; number: number }) => `/api/v4/projects/${encodeURIComponent(ref.project)}/issues/${ref.number}`;
const membersPath = (project: string, userId: number) => `/api/v4/projects/${encodeURIComponent(project)}/members/all/${userId}`;

describe('GitLab end to end: running an incident', () => {
  it('a tick by a Developer stays, is recorded in the timeline, and counts in the progress', async () => {
    const t = await incident();
    expect(stepsDone(t.master().body)?.[0]).toBe(0);
    t.clock.now = minutes(3);
    expect(await t.tick('pick-deputy', 'bob')).toEqual({ outcome: 'done' });
    const body = t.master().body;
    expect(isTicked(body, 'pick-deputy')).toBe(true);
    expect(stepsDone(body)?.[0]).toBe(1);
    expect(t.timeline()).toContain('- 2026-11-22T10:03:00Z · @bob · ticked "(IM) Choose a deputy incident manager');
    expect(t.master().labels).toContain('phase::before-t5');
    expect(splitBody(body).rest).toBe('details');
    expect(t.master().confidential).toBe(true);
    // Authorization came from the tracker, by the id GitLab sent.
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === membersPath(t.project.path, t.fake.userId('bob')))).toBe(true);
    expect(t.comments('refusal')).toHaveLength(0);

    // GitLab also delivers the app's own write as an edit by the bot: it is ignored, nothing changes.
    const lines = t.timeline();
    const writes = t.writes();
    const previous = body.replace(/- \[x\] (.*<!-- step:pick-deputy -->)/, '- [ ] $1');
    const own = gitlabEditPayload(t.project, t.master(), previous, { id: 1, username: 'incident-desk-bot' }, t.ids);
    expect(await t.deliver('Confidential Issue Hook', own)).toEqual({ outcome: 'ignored-self' });
    expect(t.timeline()).toBe(lines);
    expect(t.writes()).toBe(writes);
  });

  it("records a tick on the release ticket in the master's timeline, and undoes a refused one there", async () => {
    const t = await incident();
    const release = () => t.store.allIssues('team/app').find((i) => i.labels.includes('incident::release'))!;
    expect(release().confidential).toBe(true);
    await t.tick('release-scope', 'bob', release());
    expect(isTicked(release().body, 'release-scope')).toBe(true);
    expect(t.timeline()).toMatch(new RegExp(`@bob · ticked ".*" on team/app#${release().ref.number}`));
    await t.tick('release-security-branch', 'mallory', release());
    expect(isTicked(release().body, 'release-security-branch')).toBe(false);
    expect(isTicked(release().body, 'release-scope')).toBe(true);
    expect(commentKinds(t.store, release().ref).filter((k) => k === 'refusal')).toHaveLength(1);
    expect(t.timeline()).not.toContain('mallory');
  });

  it('/set cvss and /severity write the Quick Links cell and the label, and are recorded; a bad value changes nothing', async () => {
    const t = await incident();
    t.clock.now = minutes(1);
    expect(await t.say('/set cvss 9.8', 'alice')).toEqual({ outcome: 'done' });
    expect(t.master().body).toContain('| CVSS Score: | 9.8 |');
    expect(t.timeline()).toContain('- 2026-11-22T10:01:00Z · @alice · set CVSS Score to 9.8');
    await t.say('/severity high', 'bob');
    expect(t.master().labels).toContain('severity::high');
    expect(t.timeline()).toContain('@bob · set severity to high');
    await t.say('/severity medium', 'bob');
    expect(t.master().labels).toContain('severity::medium');
    expect(t.master().labels).not.toContain('severity::high');
    expect(splitBody(t.master().body).rest).toBe('details');
    const before = t.master().body;
    await t.say('/set disclosure-date 2026-02-30', 'alice');
    expect(t.master().body).toBe(before);
    expect(t.comments('invalid')).toHaveLength(1);
    // A comment that is no command is no business of the app: no write at all.
    const writes = t.writes();
    expect(await t.say('Looking into it.', 'bob')).toEqual({ outcome: 'not-a-trigger' });
    expect(t.writes()).toBe(writes);
  });

  it('refuses a command and undoes a tick from a Reporter, with one refusal each and nothing recorded', async () => {
    const t = await incident();
    const before = t.master().body;
    await t.say('/set cvss 10.0', 'mallory');
    expect(t.master().body).toBe(before);
    expect(t.comments('refusal')).toHaveLength(1);
    expect(t.comments('refusal')[0]!.body).toContain('@mallory');
    expect(t.comments('refusal')[0]!.body).toContain('at least the Developer role');
    expect(t.fake.requests.some((r) => r.path === membersPath(t.project.path, t.fake.userId('mallory')))).toBe(true);

    await t.tick('pick-deputy', 'mallory');
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
    expect(stepsDone(t.master().body)?.[0]).toBe(0);
    expect(t.comments('refusal')).toHaveLength(2);
    expect(t.timeline()).not.toContain('mallory');

    // Someone who is no member at all (GitLab answers 404) is refused the same way.
    await t.say('/severity high', 'stranger');
    expect(t.master().labels).not.toContain('severity::high');
    expect(t.comments('refusal')).toHaveLength(3);
    expect(t.timeline()).not.toContain('stranger');
  });

  it('the sweep (/issues?scope=all) reminds of an overdue sitrep once, not again on the next sweep', async () => {
    const t = await incident();
    t.clock.now = minutes(1);
    await t.say('/severity high', 'alice');
    expect(await t.sweep(minutes(30))).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(t.comments('sitrep-reminder')).toHaveLength(0);

    expect(await t.sweep(minutes(62))).toEqual({ masters: 1, fired: 1, completed: 0 });
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
    expect(t.comments('sitrep-reminder')[0]!.body).toContain('@alice');
    expect(t.timeline()).toContain('situation report overdue');
    expect(t.store.calls.some((c) => c.operation === 'listOpenMasters')).toBe(true);

    expect(await t.sweep(minutes(63))).toEqual({ masters: 1, fired: 0, completed: 0 });
    expect(t.comments('sitrep-reminder')).toHaveLength(1);

    // A sitrep restarts the clock.
    t.clock.now = minutes(70);
    await t.say('/sitrep Status: contained\nResponders: @bob\nPatch in review.', 'alice');
    expect(t.comments('sitrep')).toHaveLength(1);
    await t.sweep(minutes(125));
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
    await t.sweep(minutes(131));
    expect(t.comments('sitrep-reminder')).toHaveLength(2);
  });

  it('nudges a phase whose date arrived with open steps once, naming the Incident Manager and the Deputy', async () => {
    const t = await incident();
    await t.say('/set deputy @bob', 'alice');
    await t.say('/set disclosure-date 2026-11-26', 'alice');
    // T-5 is 2026-11-21 and T-4 2026-11-22: both due at T0.
    await t.sweep(minutes(1));
    const nudges = t.comments('phase-nudge');
    expect(nudges.length).toBeGreaterThanOrEqual(2);
    expect(nudges[0]!.body).toContain('@alice');
    expect(nudges[0]!.body).toContain('@bob');
    await t.sweep(minutes(2));
    expect(t.comments('phase-nudge')).toHaveLength(nudges.length);
  });

  it('/handoff @bob im by the Incident Manager, then /accept by bob, changes the Quick Links and the assignee', async () => {
    const t = await incident();
    expect(t.master().body).toContain('| Incident Manager: | @alice |');
    await t.say('/handoff @bob im', 'mallory');
    expect(t.comments('refusal')).toHaveLength(1);
    expect(trustedState(t.master())?.run?.handoff).toBeUndefined();

    await t.say('/handoff @bob im', 'alice');
    expect(t.comments('handoff-requested')).toHaveLength(1);
    await t.say('/accept', 'bob');
    expect(t.master().body).toContain('| Incident Manager: | @bob |');
    expect(t.master().assignees).toContain('bob');
    expect(t.master().assignees).not.toContain('alice');
    expect(t.comments('handoff-done')).toHaveLength(1);
    expect(t.timeline()).toMatch(/@bob · took over as Incident Manager from @\u200balice/);
    expect(trustedState(t.master())?.run?.handoff).toBeUndefined();
    // The assignee was resolved by username, then written by id.
    expect(t.fake.requests.some((r) => r.method === 'GET' && r.path === '/api/v4/users')).toBe(true);
    expect(t.fake.requests.some((r) => r.method === 'PUT' && r.path === issuePath(t.ref))).toBe(true);

    // A handoff nobody accepts is reported once by the sweep.
    await t.say('/handoff @alice deputy', 'maintainer');
    await t.sweep(minutes(59));
    expect(t.comments('handoff-expired')).toHaveLength(0);
    await t.sweep(minutes(61));
    await t.sweep(minutes(90));
    expect(t.comments('handoff-expired')).toHaveLength(1);
    expect(splitBody(t.master().body).rest).toBe('details');
  });

  it('records closes and reopens of the master', async () => {
    const t = await incident();
    t.clock.now = minutes(5);
    // Every child closed first: the close guard keeps an incident with open tickets open.
    for (const child of readTicketState(t.master().body)?.children ?? []) t.store.editIssue(parseRef(child.ref)!, { state: 'closed' });
    t.store.editIssue(t.ref, { state: 'closed' });
    const closed = gitlabEditPayload(t.project, t.master(), t.master().body, t.user('bob'), t.ids);
    closed.object_attributes.action = 'close';
    closed.changes = { state_id: { previous: 1, current: 2 } };
    await t.deliver('Confidential Issue Hook', closed);
    t.store.editIssue(t.ref, { state: 'open' });
    const reopened = gitlabEditPayload(t.project, t.master(), t.master().body, t.user('alice'), t.ids);
    reopened.object_attributes.action = 'reopen';
    reopened.changes = { state_id: { previous: 2, current: 1 } };
    await t.deliver('Confidential Issue Hook', reopened);
    expect(t.timeline()).toContain('@bob · closed the incident');
    expect(t.timeline()).toContain('@alice · reopened the incident');
  });

  it('keeps both ticks when the app writes between a tick and the next one (second edit from the body before the write)', async () => {
    const t = await incident();
    // Bob saves his tick after the app read the master for alice's tick and before its write lands; the app's
    // write then overwrites his save (GitLab keeps the last write of a description).
    let armed = true;
    let bobEdit: { before: string; after: Issue } | undefined;
    const updateIssue = t.store.updateIssue.bind(t.store);
    t.store.updateIssue = (ref, patch) => {
      if (armed && ref.number === t.ref.number && patch.body !== undefined) {
        armed = false;
        const before = t.store.issue(ref).body;
        t.store.editIssue(ref, { body: tickIn(before, 'respond-reporter') }, 'bob');
        bobEdit = { before, after: t.store.issue(ref) };
      }
      return updateIssue(ref, patch);
    };
    t.clock.now = minutes(3);
    await t.tick('pick-deputy', 'alice');
    expect(bobEdit).toBeDefined();
    expect(isTicked(t.master().body, 'respond-reporter')).toBe(false);
    // Bob's edit event arrives next; his tick is replayed onto the fresh master.
    await t.deliver('Confidential Issue Hook', gitlabEditPayload(t.project, bobEdit!.after, bobEdit!.before, t.user('bob'), t.ids));
    const body = t.master().body;
    expect(isTicked(body, 'pick-deputy')).toBe(true);
    expect(isTicked(body, 'respond-reporter')).toBe(true);
    expect(stepsDone(body)?.[0]).toBe(2);
    expect(t.timeline()).toContain('@alice · ticked');
    expect(t.timeline()).toContain('@bob · ticked');
  });

  it('keeps both of two ticks saved from the same page and delivered concurrently', async () => {
    const t = await incident();
    const base = t.master();
    const aliceBody = tickIn(base.body, 'pick-deputy');
    const bobBody = tickIn(base.body, 'respond-reporter');
    // Both edited the same description; bob saved last, so GitLab holds his version (and records both edits).
    t.store.editIssue(t.ref, { body: aliceBody }, 'alice');
    t.store.editIssue(t.ref, { body: bobBody }, 'bob');
    const current = t.store.issue(t.ref);
    await Promise.all([
      t.deliver('Confidential Issue Hook', gitlabEditPayload(t.project, { ...current, body: aliceBody }, base.body, t.user('alice'), t.ids)),
      t.deliver('Confidential Issue Hook', gitlabEditPayload(t.project, { ...current, body: bobBody }, base.body, t.user('bob'), t.ids)),
    ]);
    const body = t.master().body;
    expect(isTicked(body, 'pick-deputy')).toBe(true);
    expect(isTicked(body, 'respond-reporter')).toBe(true);
    expect(stepsDone(body)?.[0]).toBe(2);
    expect(t.timeline()).toContain('@alice · ticked');
    expect(t.timeline()).toContain('@bob · ticked');
    expect(commentKinds(t.store, t.ref).filter((k) => k === 'timeline')).toHaveLength(1);
  });

  it('keeps a Quick Links cell edited by hand while the app writes, as the timeline says', async () => {
    const t = await incident();
    let armed = true;
    let bobEdit: { before: string; after: Issue } | undefined;
    const updateIssue = t.store.updateIssue.bind(t.store);
    t.store.updateIssue = (ref, patch) => {
      if (armed && ref.number === t.ref.number && patch.body !== undefined) {
        armed = false;
        const before = t.store.issue(ref).body;
        t.store.editIssue(ref, { body: before.replace('| CVSS Score: | _not set_ |', '| CVSS Score: | 7.5 |') }, 'bob');
        bobEdit = { before, after: t.store.issue(ref) };
      }
      return updateIssue(ref, patch);
    };
    await t.tick('pick-deputy', 'alice');
    expect(bobEdit).toBeDefined();
    await t.deliver('Confidential Issue Hook', gitlabEditPayload(t.project, bobEdit!.after, bobEdit!.before, t.user('bob'), t.ids));
    expect(t.timeline()).toContain('@bob · set CVSS Score to 7.5');
    expect(t.master().body).toContain('| CVSS Score: | 7.5 |');
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(true);
  });

  it('an older tick delivered after a newer untick does not re-tick the box (GitLab hook timestamps)', async () => {
    const t = await incident();
    const base = t.master();
    const ticked = tickIn(base.body, 'pick-deputy');
    // Alice ticks at 10:05, Bob unticks at 10:06; GitLab delivers Bob's event first.
    t.clock.now = minutes(5);
    t.store.editIssue(t.ref, { body: ticked }, 'alice');
    const alice = gitlabEditPayload(t.project, t.master(), base.body, t.user('alice'), t.ids);
    t.clock.now = minutes(6);
    t.store.editIssue(t.ref, { body: base.body }, 'bob');
    const bob = gitlabEditPayload(t.project, t.master(), ticked, t.user('bob'), t.ids);
    expect(alice.object_attributes.updated_at).toBe('2026-11-22T10:05:00Z');
    t.clock.now = minutes(7);
    await t.deliver('Confidential Issue Hook', bob);
    await t.deliver('Confidential Issue Hook', alice);
    expect(isTicked(t.master().body, 'pick-deputy')).toBe(false);
    expect(t.timeline()).toContain('@alice · ticked');
    expect(t.timeline()).toContain('@bob · unticked');
  });

  it("tracks a tick saved with CRLF line endings and keeps the person's text byte for byte", async () => {
    const t = await incident();
    t.clock.now = minutes(3);
    await t.edit((body) => tickIn(body, 'pick-deputy').replace(/\n/g, '\r\n'), 'bob');
    const body = t.master().body;
    expect(isTicked(body, 'pick-deputy')).toBe(true);
    expect(stepsDone(body)?.[0]).toBe(1);
    expect(t.timeline()).toContain('- 2026-11-22T10:03:00Z · @bob · ticked "(IM) Choose a deputy incident manager');
    expect(splitBody(body).rest).toBe('details');
  });

  // BUG (src/shell/run-events.ts handleRunEvent → src/core/run.ts editTouchesBlock/decideEdit): on GitLab the author
  // of an issue may edit it whatever their role (IssuablePolicy: assignee_or_author → update_issue), and an in-place
  // master keeps the outside reporter as its author. An edit of the block that changes neither a box nor a Quick
  // Links cell — the hidden state marker — is 'not-a-trigger': never undone, and trusted by the next event and sweep.
  it("undoes an edit of the app's hidden state by the issue's author without Developer access", async () => {
    const t = await incident({ author: 'reporter' });
    t.clock.now = minutes(1);
    await t.say('/severity high', 'alice');
    expect(trustedState(t.master())?.run?.severity).toBe('high');
    // The reporter, no member of the project, silences the sitrep reminders by editing the hidden state.
    await t.edit((body) => forgeState(body, (state) => {
      delete state.run!.severity;
      delete state.run!.sitrepSince;
      return state;
    }), 'reporter');
    expect(trustedState(t.master())?.run?.severity).toBe('high');
    expect(await t.sweep(minutes(62))).toEqual({ masters: 1, fired: 1, completed: 0 });
    expect(t.comments('sitrep-reminder')).toHaveLength(1);
  });

  // BUG (src/shell/run.ts, writeMaster, the `plan.assign` branch): the new holder is appended after the assignees
  // that stay. GitLab Free keeps only the first of `assignee_ids` (IssuableBaseService#filter_assignee:
  // `params[:assignee_ids].first(1)` unless the project allows multiple assignees), so when anyone else stays
  // assigned the new Incident Manager is silently dropped; the answer's assignees are never checked either.
  it('/accept assigns the new Incident Manager on GitLab Free (one assignee) when someone else is still assigned', async () => {
    // Triage assigned carol; the team then named alice Incident Manager in the Quick Links.
    const t = await incident({ assignees: ['carol'] });
    expect(t.master().body).toContain('| Incident Manager: | @carol |');
    const updateIssue = t.store.updateIssue.bind(t.store);
    // GitLab Free: only the first of several assignee ids is kept.
    t.store.updateIssue = (ref, patch) => updateIssue(ref, patch.assignees ? { ...patch, assignees: patch.assignees.slice(0, 1) } : patch);
    await t.say('/set im @alice', 'alice');
    expect(t.master().body).toContain('| Incident Manager: | @alice |');
    await t.say('/handoff @bob im', 'alice');
    await t.say('/accept', 'bob');
    expect(t.master().body).toContain('| Incident Manager: | @bob |');
    expect(t.comments('handoff-done')).toHaveLength(1);
    expect(t.master().assignees).toContain('bob');
  });
});
