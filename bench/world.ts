import { request as httpRequest } from 'node:http';
/**
 * The trackers the bench drives: a fake GitHub or GitLab on loopback over a `MemoryStore`, one repository
 * (`acme/security`, private; GitLab `team/app`) with a configuration file and people with write access, and the
 * deliveries a person's actions make, built from the real webhook payloads of test/support (signed on sending).
 */
import { createHmac } from 'node:crypto';
import { trustedState } from '../src/kernel/block.js';
import type { Issue, IssueRef, Project } from '../src/kernel/model.js';
import { MemoryStore } from '../src/tracker/memory/memory-store.js';
import { startFakeGitHub } from '../test/support/fake-github.js';
import { startFakeGitLab } from '../test/support/fake-gitlab.js';
import {
  githubCommentPayload,
  githubEditPayload,
  githubIssueChangePayload,
  githubIssuePayload,
  githubLabelCreatedPayload,
  githubLabelPayload,
  testPrivateKey,
} from '../test/support/github-webhook.js';
import {
  gitlabEditPayload,
  gitlabIssueChangePayload,
  gitlabLabeledPayload,
  gitlabLabelsPayload,
  gitlabNotePayload,
} from '../test/support/gitlab-webhook.js';
import type { LoggedRequest } from './stats.js';

export type TrackerName = 'github' | 'gitlab';

/** Deliveries on a running incident. */
export type IncidentScenario = 'trigger' | 'tick' | 'comment-timeline' | 'comment-sitrep' | 'label';

/**
 * Deliveries about ordinary issues of the same (configured) repository that have nothing to do with an incident:
 * most of what a real installation receives. Opened without labels or with `bug`, a description edited, closed, a
 * plain comment, a comment with a slash command that is not the app's (`/assign me`), the label `bug` added.
 */
export type UnrelatedScenario =
  | 'unrelated-opened'
  | 'unrelated-opened-bug'
  | 'unrelated-edited'
  | 'unrelated-closed'
  | 'unrelated-comment'
  | 'unrelated-slash'
  | 'unrelated-label-bug';

/** A delivery that sets a repository up (no incident, no ordinary traffic): the trigger label created (GitHub). */
export interface SetupDelivery extends Omit<Delivery, 'scenario'> {
  scenario: 'label-created';
}

/** What a delivery stands for; every scenario has a minimum number of API calls (bench/minimums.ts). */
export type ScenarioName = IncidentScenario | UnrelatedScenario;

/** What a person does to an ordinary issue after opening it (each one delivery). */
export type UnrelatedChange = 'edited' | 'closed' | 'comment' | 'slash' | 'label-bug';

/** A webhook delivery, ready to send to any server (the app, or bare Probot) as many times as needed. */
export interface Delivery {
  scenario: ScenarioName;
  /** `X-GitHub-Event`, or `X-Gitlab-Event`. */
  event: string;
  /** The JSON body, serialized once so that every receiver gets the same bytes. */
  body: string;
  id: string;
}

export interface World {
  tracker: TrackerName;
  store: MemoryStore;
  /** The fake's request log (the bench truncates it between phases). */
  requests: LoggedRequest[];
  /** The environment of the process under test. */
  env: Record<string, string>;
  /** A new report labeled `incident` by alice: the intake. Answers the delivery and the issue (the master to be). */
  trigger(): { delivery: Delivery; ref: IssueRef };
  /** bob ticks (or unticks, when ticked) the `n`-th step of the master's checklist. */
  tick(master: IssueRef, n: number): Delivery;
  /** alice comments `text` on the master. */
  comment(master: IssueRef, text: string, scenario: 'comment-timeline' | 'comment-sitrep'): Delivery;
  /** bob adds the label `needs-info` to the master (a label that is not the trigger). */
  label(master: IssueRef): Delivery;
  /**
   * alice opens an ordinary issue (no incident in it), without labels or with `bug`: the delivery and the issue.
   * Its title and body name no identifier, so that it is no tracking ticket either.
   */
  openOrdinary(labels: [] | ['bug']): { delivery: Delivery; ref: IssueRef };
  /** bob changes or comments on an ordinary issue (`n` makes the text differ); the store follows. */
  unrelated(ref: IssueRef, change: UnrelatedChange, n: number): Delivery;
  /**
   * alice creates the label `name` in the repository (GitHub's `label.created`); null where the tracker sends no such
   * event (GitLab).
   */
  labelCreated(name: string): SetupDelivery | null;
  /** Deletes every label of the repository but the trigger label: the repository as before its first incident. */
  resetLabels(): void;
  /** Removes an incident's tickets from the store, so that the fake's cost stays the same over a long run. */
  forget(master: IssueRef): void;
  /**
   * Sends a delivery to a server's webhook route; answers the HTTP status. `newConnection`: on a connection of its
   * own, closed after the answer, as GitHub and GitLab deliver (the default reuses kept-alive connections).
   */
  send(baseUrl: string, delivery: Delivery | SetupDelivery, options?: { newConnection?: boolean }): Promise<number>;
  close(): Promise<void>;
}

const PROJECT = { github: 'acme/security', gitlab: 'team/app' } as const;
const CONFIG_FILE = { github: '.github/incident-desk.yml', gitlab: '.gitlab/incident-desk.yml' } as const;
/** A configured repository: the trigger label and a prefix; everything else the defaults. */
const CONFIG = 'label: incident\nidPrefix: BENCH\n';
const GITHUB_SECRET = 'bench-webhook-secret';
const GITLAB_SECRET = 'bench-gitlab-secret';
const SEND_TIMEOUT_MS = 30_000;
const STEP = /- \[(?<box> |x)\] .*<!-- step:(?<id>[A-Za-z0-9_.:-]+) -->/g;

/** The master's step ids, in order, and whether each is ticked. */
function stepsOf(body: string): Array<{ id: string; ticked: boolean }> {
  return [...body.matchAll(STEP)].map((m) => ({ id: m.groups!.id!, ticked: m.groups!.box === 'x' }));
}

function toggled(body: string, id: string, ticked: boolean): string {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return body.replace(
    new RegExp(`- \\[${ticked ? 'x' : ' '}\\] (?<step>.*<!-- step:${escaped} -->)`),
    `- [${ticked ? ' ' : 'x'}] $<step>`,
  );
}

/** Starts the fake tracker and seeds the repository. */
export async function startWorld(tracker: TrackerName): Promise<World> {
  const store = new MemoryStore({ kind: tracker });
  const path = PROJECT[tracker];
  const project: Project = store.addProject(path, { visibility: 'private' });
  store.putFile(path, CONFIG_FILE[tracker], CONFIG);
  for (const person of ['alice', 'bob']) store.setAccess(path, person, 'write');
  let counter = 0;
  const nextId = (scenario: ScenarioName | SetupDelivery['scenario']) => {
    counter += 1;
    return `bench-${scenario}-${counter}`;
  };

  const seed = (): Issue =>
    store.seedIssue(path, {
      title: `Heap overflow ${counter + 1}`,
      body: 'Reported by email; details to follow.',
      labels: ['incident'],
      author: 'alice',
    });
  const forget = (master: IssueRef) => {
    const state = trustedState(store.issue(master));
    for (const child of state?.children ?? []) {
      const [childProject, number] = child.ref.split('#') as [string, string];
      try {
        store.deleteIssue({ project: childProject, number: Number(number) });
      } catch {
        // Already gone.
      }
    }
    store.deleteIssue(master);
  };
  const tickBody = (master: IssueRef, n: number) => {
    const before = store.issue(master);
    const steps = stepsOf(before.body);
    if (steps.length === 0)
      throw new Error(`${master.project}#${master.number} has no checklist: was the intake done?`);
    const step = steps[n % steps.length]!;
    store.editIssue(master, { body: toggled(before.body, step.id, step.ticked) }, 'bob');
    return { before, after: store.issue(master) };
  };
  const addLabel = (master: IssueRef) => {
    const before = store.issue(master);
    store.editIssue(master, { labels: [...before.labels.filter((l) => l !== 'needs-info'), 'needs-info'] }, 'bob');
    return { before, after: store.issue(master) };
  };

  const resetLabels = () => {
    for (const label of store.labelsOf(path)) if (label.name !== 'incident') store.deleteLabel(path, label.name);
  };

  const openIssue = (labels: string[]): Issue =>
    store.seedIssue(path, {
      title: `Crash when saving a draft ${counter + 1}`,
      body: 'Steps to reproduce: open the editor, type, save.',
      labels,
      author: 'alice',
    });
  const scenarioOf = (change: UnrelatedChange): UnrelatedScenario => `unrelated-${change}`;
  /** The store after `change`, and the issue before it. */
  const applyChange = (
    ref: IssueRef,
    change: UnrelatedChange,
    n: number,
  ): { before: Issue; after: Issue; comment?: ReturnType<MemoryStore['createComment']> } => {
    const before = store.issue(ref);
    if (change === 'comment' || change === 'slash') {
      const text = change === 'slash' ? '/assign me' : `Same here on version 2.${n}, with the keyboard shortcut too.`;
      return { before, after: before, comment: store.createComment(ref, text, 'bob') };
    }
    const patch =
      change === 'edited'
        ? { body: `${before.body}\n\nAlso happens on Firefox (${n}).` }
        : change === 'closed'
          ? { state: 'closed' as const }
          : { labels: [...before.labels.filter((l) => l !== 'bug'), 'bug'] };
    store.editIssue(ref, patch, 'bob');
    return { before, after: store.issue(ref) };
  };

  if (tracker === 'github') {
    const fake = await startFakeGitHub(store, { installationAccount: 'acme' });
    const make = (scenario: ScenarioName, event: string, payload: object): Delivery => ({
      scenario,
      event,
      body: JSON.stringify(payload),
      id: nextId(scenario),
    });
    return {
      tracker,
      store,
      requests: fake.requests,
      env: {
        APP_ID: '1',
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: GITHUB_SECRET,
        GHE_HOST: new URL(fake.url).host,
        GHE_PROTOCOL: 'http',
        PUBLIC_URL: 'https://desk.example',
      },
      trigger: () => {
        const issue = seed();
        return {
          delivery: make('trigger', 'issues', githubIssuePayload('labeled', project, issue, 'incident', 'alice')),
          ref: issue.ref,
        };
      },
      tick: (master, n) => {
        const { before, after } = tickBody(master, n);
        return make('tick', 'issues', githubEditPayload(project, after, before.body, 'bob'));
      },
      comment: (master, text, scenario) => {
        const comment = store.createComment(master, text, 'alice');
        return make(scenario, 'issue_comment', githubCommentPayload(project, store.issue(master), comment));
      },
      label: (master) =>
        make('label', 'issues', githubLabelPayload('labeled', project, addLabel(master).after, 'needs-info', 'bob')),
      openOrdinary: (labels) => {
        const issue = openIssue(labels);
        return {
          delivery: make(
            labels.length > 0 ? 'unrelated-opened-bug' : 'unrelated-opened',
            'issues',
            githubIssueChangePayload('opened', project, issue, 'alice'),
          ),
          ref: issue.ref,
        };
      },
      unrelated: (ref, change, n) => {
        const { before, after, comment } = applyChange(ref, change, n);
        const scenario = scenarioOf(change);
        if (comment) return make(scenario, 'issue_comment', githubCommentPayload(project, after, comment));
        if (change === 'edited') return make(scenario, 'issues', githubEditPayload(project, after, before.body, 'bob'));
        if (change === 'closed')
          return make(scenario, 'issues', githubIssueChangePayload('closed', project, after, 'bob'));
        return make(scenario, 'issues', githubLabelPayload('labeled', project, after, 'bug', 'bob'));
      },
      labelCreated: (name) => {
        store.createLabel(path, name);
        const payload = githubLabelCreatedPayload(project, name, 'alice');
        return {
          scenario: 'label-created',
          event: 'label',
          body: JSON.stringify(payload),
          id: nextId('label-created'),
        };
      },
      resetLabels,
      forget,
      send: async (baseUrl, delivery, options) => {
        const headers = {
          'content-type': 'application/json',
          'x-github-event': delivery.event,
          'x-github-delivery': delivery.id,
          'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(delivery.body).digest('hex')}`,
        };
        if (options?.newConnection)
          return postOnNewConnection(`${baseUrl}/api/github/webhooks`, headers, delivery.body);
        const res = await fetch(`${baseUrl}/api/github/webhooks`, {
          method: 'POST',
          headers,
          body: delivery.body,
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        return res.status;
      },
      close: fake.close,
    };
  }

  const fake = await startFakeGitLab(store);
  const user = (username: string) => ({ id: fake.userId(username), username });
  const ids = (username: string) => fake.userId(username);
  const make = (scenario: ScenarioName, event: string, payload: object): Delivery => ({
    scenario,
    event,
    body: JSON.stringify(payload),
    id: nextId(scenario),
  });
  return {
    tracker,
    store,
    requests: fake.requests,
    env: {
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: 'bench-gitlab-token',
      GITLAB_WEBHOOK_SECRET: GITLAB_SECRET,
      PUBLIC_URL: 'https://desk.example',
    },
    trigger: () => {
      const issue = seed();
      return {
        delivery: make('trigger', 'Issue Hook', gitlabLabeledPayload(project, issue, 'incident', user('alice'))),
        ref: issue.ref,
      };
    },
    tick: (master, n) => {
      const { before, after } = tickBody(master, n);
      return make('tick', 'Confidential Issue Hook', gitlabEditPayload(project, after, before.body, user('bob'), ids));
    },
    comment: (master, text, scenario) => {
      const note = store.createComment(master, text, 'alice');
      return make(
        scenario,
        'Confidential Note Hook',
        gitlabNotePayload(project, store.issue(master), note, user('alice'), ids),
      );
    },
    label: (master) => {
      const { before, after } = addLabel(master);
      // GitLab sends the labels before and after: the label is added each time (removed in between without a delivery).
      const previous = before.labels.filter((l) => l !== 'needs-info');
      return make(
        'label',
        'Confidential Issue Hook',
        gitlabLabelsPayload(project, after, previous, user('bob'), ids, before.updatedAt),
      );
    },
    // Ordinary issues are not confidential: GitLab sends the plain hooks for them.
    openOrdinary: (labels) => {
      const issue = openIssue(labels);
      return {
        delivery: make(
          labels.length > 0 ? 'unrelated-opened-bug' : 'unrelated-opened',
          'Issue Hook',
          gitlabIssueChangePayload(project, issue, user('alice'), ids, { action: 'open' }),
        ),
        ref: issue.ref,
      };
    },
    unrelated: (ref, change, n) => {
      const { before, after, comment } = applyChange(ref, change, n);
      const scenario = scenarioOf(change);
      if (comment) return make(scenario, 'Note Hook', gitlabNotePayload(project, after, comment, user('bob'), ids));
      if (change === 'edited')
        return make(scenario, 'Issue Hook', gitlabEditPayload(project, after, before.body, user('bob'), ids));
      if (change === 'closed')
        return make(
          scenario,
          'Issue Hook',
          gitlabIssueChangePayload(project, after, user('bob'), ids, { action: 'close', before }),
        );
      return make(
        scenario,
        'Issue Hook',
        gitlabLabelsPayload(project, after, before.labels, user('bob'), ids, before.updatedAt),
      );
    },
    // GitLab sends no event for a label created in a project, and creates labels when an issue is given them.
    labelCreated: () => null,
    resetLabels,
    forget,
    send: async (baseUrl, delivery, options) => {
      const headers = {
        'content-type': 'application/json',
        'x-gitlab-event': delivery.event,
        'idempotency-key': delivery.id,
        'x-gitlab-token': GITLAB_SECRET,
      };
      if (options?.newConnection) return postOnNewConnection(`${baseUrl}/api/gitlab/webhooks`, headers, delivery.body);
      const res = await fetch(`${baseUrl}/api/gitlab/webhooks`, {
        method: 'POST',
        headers,
        body: delivery.body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      return res.status;
    },
    close: fake.close,
  };
}

/** POSTs `body` on a connection of its own (no agent, `Connection: close`); answers the status once read whole. */
function postOnNewConnection(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) },
        timeout: SEND_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('delivery timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
