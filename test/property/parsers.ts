import { approvalEventsOfEdit, approvalEventsOfLabels } from '../../src/approvals/approval-events.js';
import { parseStepId } from '../../src/approvals/matrix.js';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  parseQuickLinks,
  readTicketState,
  splitBody,
  trustedBlock,
  trustedState,
  writeBlock,
} from '../../src/kernel/block.js';
import { diffSteps, readSteps, setStepState } from '../../src/checklist/steps.js';
import { decideChildWrite, dueOf, namedIds, rowOf } from '../../src/tracking/rows.js';
import { parseTracking, trackingStale } from '../../src/tracking/section.js';
import { parseCommand, parseRfc3339, parseUsername, resolveField, FIELD_ALIASES } from '../../src/commands/parse.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/parse.js';
import type { IssueEvent } from '../../src/kernel/events.js';
import { normalizeCvssVector, renderUrl, validateField } from '../../src/commands/fields.js';
import { deriveIncidentId, findCve, titleWithId } from '../../src/kernel/identifier.js';
import type { Issue } from '../../src/kernel/model.js';
import {
  neutralizeBlock,
  neutralizeComments,
  neutralizeInline,
  neutralizeMentions,
  quietUser,
} from '../../src/kernel/neutralize.js';
import { dateOf, holderOf } from '../../src/run/quick-links.js';
import { editTouchesBlock, refusalForEdit } from '../../src/checklist/decide.js';
import { editTouchesState, revertEdit } from '../../src/checklist/revert.js';
import type { FieldKey } from '../../src/run/quick-links.js';
import { parseSitrepText } from '../../src/commands/sitrep.js';
import { appendToTimeline, formatEntry, parseTimeline } from '../../src/kernel/timeline.js';
import { incidentDetailsIn } from '../../src/tracking/decide.js';
import { normalizeGitHubCommentEvent, normalizeGitHubIssueEvent } from '../../src/tracker/github/normalize.js';
import { normalizeGitLabIssueEvent, normalizeGitLabNoteEvent } from '../../src/tracker/gitlab/normalize.js';
import { openBody, sealBody, stateKeys } from '../../src/server/state-seal.js';

const STATE_KEYS = stateKeys(['property secret']);

/**
 * Every parser of text from people or from the network, as a function of one string, for the never-throws and
 * bounded-time properties. Where a parser reads a part of a bigger shape (a block, a comment, a payload field), the
 * string is put there.
 */

/** An issue around a description (and title), as the trackers' answers give it. */
export function issueWith(body: string, overrides: Partial<Issue> = {}): Issue {
  return {
    ref: { project: 'sec/incidents', number: 7 },
    id: 9007,
    title: 'Heap overflow in the image parser',
    body,
    labels: ['incident::master', 'incident-id::INC-2026-7'],
    state: 'open',
    confidential: true,
    locked: false,
    author: 'alice',
    assignees: ['bob'],
    webUrl: 'https://tracker.example/sec/incidents/-/issues/7',
    createdAt: '2026-11-20T09:00:00Z',
    updatedAt: '2026-11-21T09:00:00Z',
    ...overrides,
  };
}

/** A description whose block is `inner`, trusted by its labels. */
export function inBlock(inner: string): string {
  return (
    `${BLOCK_BEGIN}\n<!-- incident-desk:state {"v":1,"role":"master","id":"INC-2026-7"} ` +
    `-->\n${inner}\n${BLOCK_END}\n\nreport`
  );
}

const FIELDS = Object.keys(FIELD_ALIASES) as FieldKey[];
const COMMAND_PREFIXES = [
  '',
  '/set chat ',
  '/set im ',
  '/task @alice acme/api ',
  '/timeline ',
  '/na ',
  '/request-changes blog ',
  '/sitrep ',
  '/handoff ',
  '/approve ',
  '/cve ',
  '/severity ',
];

function githubPayload(text: string): Record<string, unknown> {
  const user = { login: 'alice', id: 3, type: 'User' };
  return {
    action: 'edited',
    repository: { id: 1, full_name: 'acme/api', html_url: 'https://github.example/acme/api', private: true },
    sender: user,
    issue: {
      id: 2,
      number: 3,
      title: text,
      body: text,
      html_url: 'https://github.example/acme/api/issues/3',
      created_at: '2026-11-20T09:00:00Z',
      updated_at: '2026-11-20T09:00:00Z',
      labels: [{ name: text.slice(0, 50) || 'x' }],
      user,
      assignees: [],
    },
    changes: { body: { from: text } },
    comment: { id: 4, body: text, created_at: '2026-11-20T09:00:00Z', user },
  };
}

function gitlabPayload(kind: 'issue' | 'note', text: string): Record<string, unknown> {
  const issue = {
    id: 2,
    iid: 3,
    title: text,
    description: text,
    state: 'opened',
    created_at: '2026-11-20 09:00:00 UTC',
    updated_at: text,
    due_date: text,
  };
  return {
    object_kind: kind,
    event_type: kind,
    user: { id: 3, username: 'alice' },
    project: {
      id: 1,
      path_with_namespace: 'acme/api',
      web_url: 'https://gitlab.example/acme/api',
      visibility_level: 0,
    },
    object_attributes:
      kind === 'issue'
        ? { ...issue, action: 'update' }
        : { id: 5, note: text, noteable_type: 'Issue', created_at: text },
    issue,
    labels: [{ title: text.slice(0, 50) || 'x' }],
    changes: {
      description: { previous: text, current: text },
      labels: { previous: [], current: [{ title: 'incident' }] },
    },
  };
}

/** A cheap stable choice per input, so that a megabyte goes through one variant rather than all of them. */
function pick<T>(text: string, options: readonly T[]): T {
  return options[(text.length + text.charCodeAt(0) + text.charCodeAt(text.length >> 1)) % options.length]!;
}

export const PARSERS: Record<string, (text: string) => unknown> = {
  'block: splitBody': (t) => splitBody(t),
  'block: readTicketState': (t) => readTicketState(t),
  'block: readTicketState of a block': (t) => readTicketState(inBlock(t)),
  'block: parseQuickLinks': (t) => parseQuickLinks(splitBody(inBlock(t)).block),
  'block: trustedState, trustedBlock, writeBlock': (t) => [
    trustedState(issueWith(t)),
    trustedBlock(issueWith(t)),
    writeBlock(issueWith(t), 'x'),
  ],
  'checklist: readSteps': (t) => readSteps(t),
  'checklist: diffSteps': (t) => diffSteps(t, t),
  'checklist: setStepState': (t) => setStepState(t, 'pick-deputy', true),
  'commands: parseCommand': (t) =>
    t.length > 100_000
      ? [parseCommand(t), parseCommand(pick(t, COMMAND_PREFIXES) + t)]
      : COMMAND_PREFIXES.map((prefix) => parseCommand(prefix + t)),
  'commands: parseRfc3339, parseUsername, resolveField': (t) => [parseRfc3339(t), parseUsername(t), resolveField(t)],
  'fields: validateField': (t) =>
    t.length > 100_000
      ? [validateField('chat', t), validateField(pick(t, FIELDS), t)]
      : FIELDS.map((field) => validateField(field, t)),
  'fields: normalizeCvssVector, renderUrl': (t) => [
    normalizeCvssVector(`CVSS:3.1/${t}`),
    renderUrl(t),
    renderUrl(`https://a.example/${t}`),
  ],
  'identifier: findCve, deriveIncidentId, titleWithId': (t) => [
    findCve(t),
    deriveIncidentId({
      title: t,
      description: t,
      prefix: 'INC',
      masterNumber: 1,
      masterCreatedAt: '2026-01-01T00:00:00Z',
    }),
    titleWithId(t, 'INC-2026-1'),
  ],
  'children: namedIds, dueOf, rowOf': (t) => [
    namedIds({ labels: [t], title: t }, 'INC'),
    dueOf({ body: t, dueDate: t }),
    rowOf(issueWith(t, { title: t }), 'a/b#1'),
  ],
  'children: parseTracking': (t) => [parseTracking(t), parseTracking(`<!-- incident-desk:tasks -->\n${t}`)],
  'children: trackingStale, decideChildWrite': (t) => [
    trackingStale(issueWith(inBlock(t)), new Date('2026-12-01T00:00:00Z')),
    decideChildWrite({
      child: issueWith(t, { labels: ['incident::task'] }),
      isPublic: false,
      master: issueWith(''),
      masterId: 'INC-2026-7',
      nativeLinks: true,
    }),
  ],
  'tracking: incidentDetailsIn': (t) => incidentDetailsIn(t, issueWith('', { title: t.slice(0, 1000) }), 'INC-2026-7'),
  'timeline: parseTimeline': (t) => parseTimeline(t),
  'timeline: formatEntry, appendToTimeline': (t) => [
    formatEntry({ at: '2026-11-22T10:03:00Z', actor: t, text: t }),
    appendToTimeline(t, [{ at: '2026-11-22T10:03:00Z', actor: 'alice', text: t }], 1_000_000 - 1024),
  ],
  'sitrep: parseSitrepText': (t) => parseSitrepText(t),
  'approvals: parseStepId, approvalEventsOfLabels, approvalEventsOfEdit': (t) => [
    parseStepId(t, DEFAULT_CONFIG.approvals),
    approvalEventsOfLabels({ addedLabels: [t, `approval::${t}::approved`] } as IssueEvent),
    approvalEventsOfEdit(DEFAULT_CONFIG, inBlock(t), issueWith(inBlock(`${t}\n`), { labels: ['incident::comms'] })),
  ],
  'run: holderOf, dateOf, editTouchesBlock, revertEdit, editTouchesState, refusalForEdit': (t) => [
    holderOf(t),
    dateOf(t),
    editTouchesBlock(inBlock(t), issueWith(inBlock(`${t}x`))),
    revertEdit(t, `${t}x`, `${t}y`, { scope: 'all', currentTrusted: false }),
    revertEdit(t, `x${t}`, `x${t}`, { scope: 'all', currentTrusted: true }),
    editTouchesState(t, `${t}x`),
    refusalForEdit('gitlab', 'mallory', inBlock(t), issueWith(inBlock(`${t}x`))),
  ],
  'state seal: openBody, sealBody': (t) => [
    openBody(t, STATE_KEYS, 'gitlab'),
    openBody(inBlock(t), STATE_KEYS, 'github'),
    sealBody(t, STATE_KEYS, 'gitlab'),
    sealBody(inBlock(t), STATE_KEYS, 'github'),
  ],
  'config: parseConfig': (t) => {
    for (const text of [t, `label: ${t}`, `approvals:\n  groups:\n    ${t}: {}\n`]) {
      try {
        parseConfig(text, '.gitlab/incident-desk.yml');
      } catch {
        // A ConfigError is the answer for a bad file.
      }
    }
  },
  'neutralize: every function': (t) => [
    neutralizeInline(t),
    neutralizeBlock(t),
    neutralizeMentions(t),
    neutralizeComments(t),
    quietUser(t),
  ],
  'github: normalizeGitHubIssueEvent, normalizeGitHubCommentEvent': (t) => [
    normalizeGitHubIssueEvent('issues.edited', githubPayload(t), 'd'),
    normalizeGitHubCommentEvent('issue_comment.created', githubPayload(t), 'd'),
    normalizeGitHubIssueEvent(t, githubPayload(t), t),
  ],
  'gitlab: normalizeGitLabIssueEvent, normalizeGitLabNoteEvent': (t) => [
    normalizeGitLabIssueEvent(gitlabPayload('issue', t), 'd'),
    normalizeGitLabNoteEvent(gitlabPayload('note', t), 'd'),
  ],
};
