import { describe, expect, it } from 'vitest';
import type { Issue, Project } from '../../src/kernel/model.js';
import { ordinaryKind } from '../../src/server/routes.js';
import { editEvent, issueEvent, noteEvent } from '../support/events.js';
import { ticket } from '../support/master-fixture.js';
import { signedBody } from '../support/state.js';

const project: Project = {
  id: 1,
  path: 'acme/web',
  visibility: 'private',
  webUrl: 'https://t.example/acme/web',
  defaultBranch: 'main',
};

/** An ordinary issue: no block, no identifier, the labels given. */
function plain(labels: string[] = [], fields: Partial<Issue> = {}): Issue {
  return {
    ref: { project: 'acme/web', number: 12 },
    id: 9012,
    title: 'Crash when saving a draft',
    body: 'Steps: type, save.',
    labels,
    state: 'open',
    confidential: false,
    locked: false,
    author: 'bob',
    assignees: [],
    webUrl: 'https://t.example/12',
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    ...fields,
  };
}

/** The app's master, its state signed as the app writes it. */
function master(): Issue {
  const issue = ticket();
  return { ...issue, body: signedBody(issue.body) };
}

describe('ordinaryKind', () => {
  it.each([
    ['an issue opened without labels', 'ordinary', issueEvent(project, plain(), { action: 'opened' })],
    ['its description edited', 'ordinary', editEvent(project, plain(), 'Steps: type.', 'bob')],
    ['a label removed', 'ordinary', issueEvent(project, plain(), { action: 'unlabeled', addedLabels: [] })],
    [
      'the issue closed',
      'ordinary',
      issueEvent(project, plain(['bug'], { state: 'closed' }), { action: 'closed', addedLabels: [] }),
    ],
    ['a comment', 'ordinary', noteEvent(project, plain(), 'Same here on 2.3.', 'bob')],
    ["a quick action of the tracker's own", 'ordinary', noteEvent(project, plain(), '/assign me', 'bob')],
    [
      "a command of the app's on an issue of no incident",
      'ordinary',
      noteEvent(project, plain(), '/status contained', 'bob'),
    ],
    // A tracking ticket's comments are nobody's business (its issue events are: see below).
    [
      'a comment on an issue naming an incident',
      'ordinary',
      noteEvent(project, plain(['incident-id::INC-2026-7']), 'On it.', 'bob'),
    ],
    // Only the configuration can tell whether `bug` is the trigger.
    ['a label added', 'unless-trigger', issueEvent(project, plain(['bug']), { addedLabels: ['bug'] })],
    ['an issue opened with a label', 'unless-trigger', issueEvent(project, plain(['bug']), { action: 'opened' })],
  ] as const)('%s: %s', (_name, kind, event) => {
    expect(ordinaryKind(event)).toBe(kind);
  });

  it.each([
    // An issue naming an incident may be a tracking ticket: its project's configuration decides.
    ['an issue naming an incident', issueEvent(project, plain([], { title: '[INC-2026-7] Rotate the keys' }))],
    [
      'an issue labelled with an incident',
      issueEvent(project, plain(['incident-id::INC-2026-7']), { addedLabels: [] }),
    ],
    // Anything of the app's in the description is verified (and a failed verification logged) by the whole handling.
    ['a description with a state nobody signed', issueEvent(project, plain([], { body: ticket().body }))],
    ['an edit that removed a block', editEvent(project, plain(), `${ticket().body}\n`, 'bob')],
    ['a command on a master', noteEvent(project, master(), '/status contained', 'bob')],
    ['a plain comment on a master', noteEvent(project, master(), 'Looking into it.', 'bob')],
    ['a label on a master', issueEvent(project, master(), { addedLabels: ['bug'] })],
  ] as const)('%s: to be handled', (_name, event) => {
    expect(ordinaryKind(event)).toBeNull();
  });
});
