import { afterEach, describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { Issue, Project } from '../../src/kernel/model.js';
import { MemoryDeliveryGuard } from '../../src/server/coordination/delivery-guard.js';
import type { DeliveryGuard } from '../../src/server/coordination/delivery-guard.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { quietOctokit, startAppServer } from '../support/app-server.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import {
  deliverGitHub,
  githubCommentPayload,
  githubEditPayload,
  githubIssueChangePayload,
  githubLabelPayload,
  testPrivateKey,
} from '../support/github-webhook.js';
import {
  deliverGitLab,
  gitlabEditPayload,
  gitlabIssueChangePayload,
  gitlabLabelsPayload,
  gitlabNotePayload,
} from '../support/gitlab-webhook.js';

// Issue 15, point 3: ordinary traffic costs nothing. Through the real server on both fake trackers, deliveries about
// ordinary issues (opened, edited, closed, commented, a quick action of the tracker's own, a label that is not the
// trigger) are settled before the work queue's pipeline: no delivery is claimed from the delivery guard (the guard is
// the seam that counts), nothing is asked of the tracker once the configuration is kept, and each delivery is counted
// as ignored. A trigger, by contrast, goes the whole way.

const SECRET = 'webhook-secret';
const TRIGGER = 'security-incident';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** The server's delivery guard, counting the deliveries it was asked to claim. */
function countingGuard(): { guard: DeliveryGuard; claimed: string[] } {
  const inner = new MemoryDeliveryGuard();
  const claimed: string[] = [];
  return {
    claimed,
    guard: {
      claim: (id) => {
        claimed.push(id);
        return inner.claim(id);
      },
      release: (id) => inner.release(id),
    },
  };
}

/** What a person does to an ordinary issue; each is one delivery, built after the store has the change. */
type Action =
  | { kind: 'open'; labels: string[] }
  | { kind: 'edit' }
  | { kind: 'close' }
  | { kind: 'comment'; text: string }
  | { kind: 'label'; label: string };

interface World {
  store: MemoryStore;
  project: Project;
  /** The fake tracker's requests so far. */
  requests(): number;
  /** API clients made so far (GitHub: Probot makes an Octokit for every delivery it handles); none on GitLab. */
  clients(): number;
  /** Does `action` on `issue` (a new issue for `open`) as bob; answers the issue and the server's answer. */
  act(action: Action, issue?: Issue): Promise<{ issue: Issue; status: number; body: unknown }>;
  metrics(): Promise<string>;
}

async function githubWorld(guard: DeliveryGuard): Promise<World> {
  const store = new MemoryStore({ kind: 'github' });
  const fake = await startFakeGitHub(store);
  closers.push(fake.close);
  // The test's Octokit, counting the instances made of it (Probot makes one per delivery it hands to the app).
  let clients = 0;
  const Quiet = quietOctokit();
  class Counting extends Quiet {
    constructor(...args: ConstructorParameters<typeof Quiet>) {
      super(...args);
      clients += 1;
    }
  }
  const server = await startAppServer(
    {
      APP_ID: '1',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: new URL(fake.url).host,
      GHE_PROTOCOL: 'http',
    },
    { deliveries: guard, githubOctokit: Counting as typeof Quiet },
  );
  closers.push(server.close);
  const project = store.addProject('acme/web', { visibility: 'private' });
  store.putFile('acme/web', '.github/incident-desk.yml', `label: ${TRIGGER}\n`);
  store.setAccess('acme/web', 'bob', 'write');
  let n = 0;
  const send = async (event: string, payload: object) => {
    const res = await deliverGitHub(server.url, SECRET, event, payload, `d-${++n}`);
    return { status: res.status, body: await res.text() };
  };
  return {
    store,
    project,
    requests: () => fake.requests.length,
    clients: () => clients,
    metrics: () => server.app.metrics.registry.metrics(),
    act: async (action, given) => {
      if (action.kind === 'open') {
        const issue = store.seedIssue('acme/web', {
          title: 'Crash when saving a draft',
          body: 'Steps: type, save.',
          labels: action.labels,
          author: 'bob',
        });
        return { issue, ...(await send('issues', githubIssueChangePayload('opened', project, issue, 'bob'))) };
      }
      const ref = given!.ref;
      if (action.kind === 'comment') {
        const comment = store.createComment(ref, action.text, 'bob');
        const issue = store.issue(ref);
        return { issue, ...(await send('issue_comment', githubCommentPayload(project, issue, comment))) };
      }
      const before = store.issue(ref);
      if (action.kind === 'edit') {
        store.editIssue(ref, { body: `${before.body} Also on Firefox.` }, 'bob');
        const issue = store.issue(ref);
        return { issue, ...(await send('issues', githubEditPayload(project, issue, before.body, 'bob'))) };
      }
      if (action.kind === 'close') {
        store.editIssue(ref, { state: 'closed' }, 'bob');
        const issue = store.issue(ref);
        return { issue, ...(await send('issues', githubIssueChangePayload('closed', project, issue, 'bob'))) };
      }
      store.editIssue(ref, { labels: [...before.labels, action.label] }, 'bob');
      const issue = store.issue(ref);
      return { issue, ...(await send('issues', githubLabelPayload('labeled', project, issue, action.label, 'bob'))) };
    },
  };
}

async function gitlabWorld(guard: DeliveryGuard): Promise<World> {
  const store = new MemoryStore({ kind: 'gitlab' });
  const fake = await startFakeGitLab(store);
  closers.push(fake.close);
  const server = await startAppServer(
    { GITLAB_URL: fake.url, GITLAB_TOKEN: 'glpat-test', GITLAB_WEBHOOK_SECRET: SECRET },
    { deliveries: guard },
  );
  closers.push(server.close);
  const project = store.addProject('team/web', { visibility: 'private' });
  store.putFile('team/web', '.gitlab/incident-desk.yml', `label: ${TRIGGER}\n`);
  store.setAccess('team/web', 'bob', 'write');
  const bob = { id: fake.userId('bob'), username: 'bob' };
  const ids = (username: string) => fake.userId(username);
  let n = 0;
  const send = async (event: string, payload: object) => {
    const res = await deliverGitLab(server.url, SECRET, payload, `g-${++n}`, event);
    return { status: res.status, body: await res.json() };
  };
  return {
    store,
    project,
    requests: () => fake.requests.length,
    clients: () => 0,
    metrics: () => server.app.metrics.registry.metrics(),
    act: async (action, given) => {
      if (action.kind === 'open') {
        const issue = store.seedIssue('team/web', {
          title: 'Crash when saving a draft',
          body: 'Steps: type, save.',
          labels: action.labels,
          author: 'bob',
        });
        const payload = gitlabIssueChangePayload(project, issue, bob, ids, { action: 'open' });
        return { issue, ...(await send('Issue Hook', payload)) };
      }
      const ref = given!.ref;
      if (action.kind === 'comment') {
        const note = store.createComment(ref, action.text, 'bob');
        const issue = store.issue(ref);
        return { issue, ...(await send('Note Hook', gitlabNotePayload(project, issue, note, bob, ids))) };
      }
      const before = store.issue(ref);
      if (action.kind === 'edit') {
        store.editIssue(ref, { body: `${before.body} Also on Firefox.` }, 'bob');
        const issue = store.issue(ref);
        return { issue, ...(await send('Issue Hook', gitlabEditPayload(project, issue, before.body, bob, ids))) };
      }
      if (action.kind === 'close') {
        store.editIssue(ref, { state: 'closed' }, 'bob');
        const issue = store.issue(ref);
        const payload = gitlabIssueChangePayload(project, issue, bob, ids, { action: 'close', before });
        return { issue, ...(await send('Issue Hook', payload)) };
      }
      store.editIssue(ref, { labels: [...before.labels, action.label] }, 'bob');
      const issue = store.issue(ref);
      const payload = gitlabLabelsPayload(project, issue, before.labels, bob, ids, before.updatedAt);
      return { issue, ...(await send('Issue Hook', payload)) };
    },
  };
}

/** The count of deliveries `/metrics` shows for `outcome`, all events together. */
function counted(text: string, outcome: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith('incident_desk_deliveries_total{') && line.includes(`outcome="${outcome}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe.each([
  { tracker: 'github', world: githubWorld },
  { tracker: 'gitlab', world: gitlabWorld },
])('ordinary traffic on $tracker', ({ world }) => {
  it('is settled without a claim, a request or a client, and a trigger still goes the whole way', async () => {
    const { guard, claimed } = countingGuard();
    const w = await world(guard);
    // A label that could be the trigger: the configuration is read (once, and kept), and says it is not.
    const first = await w.act({ kind: 'open', labels: [] });
    const labeled = await w.act({ kind: 'label', label: 'bug' }, first.issue);
    expect(labeled.status).toBe(200);
    const kept = w.requests();
    expect(kept).toBeGreaterThan(0);
    const clients = w.clients();

    const answers = [first, labeled];
    const issue = (await w.act({ kind: 'open', labels: [] })).issue;
    answers.push(
      await w.act({ kind: 'edit' }, issue),
      await w.act({ kind: 'comment', text: 'Same here on 2.3.' }, issue),
      // A quick action of the tracker's own, and a word of the app's on an issue that is no incident's.
      await w.act({ kind: 'comment', text: '/assign me' }, issue),
      await w.act({ kind: 'comment', text: '/status contained' }, issue),
      await w.act({ kind: 'label', label: 'ux' }, issue),
      await w.act({ kind: 'close' }, issue),
      await w.act({ kind: 'open', labels: ['bug'] }),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    // Nothing claimed (the pipeline was never entered), nothing asked since the configuration was kept, and no client
    // made for any of them (answered before Probot).
    expect(claimed).toEqual([]);
    expect(w.requests()).toBe(kept);
    expect(w.clients()).toBe(clients);
    expect(counted(await w.metrics(), 'ignored')).toBe(answers.length + 1);

    // The trigger is no ordinary traffic: claimed once, and the incident opened in place.
    const trigger = await w.act({ kind: 'label', label: TRIGGER }, first.issue);
    expect(trigger.status).toBe(200);
    expect(claimed).toHaveLength(1);
    expect(trustedState(w.store.issue(first.issue.ref))?.role).toBe('master');
    expect(counted(await w.metrics(), 'handled')).toBe(1);
    if (w.store.kind === 'github') expect(w.clients()).toBeGreaterThan(clients);
  });
});
