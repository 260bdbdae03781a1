/**
 * The offline demo: one intake on an in-memory GitLab and one on an in-memory GitHub, end to end through
 * the same shell the server uses, printing the tickets that result. No network, no tokens.
 */
import type { Issue } from '../src/core/model.js';
import { formatRef } from '../src/core/model.js';
import { loadDefaultTemplates } from '../src/shell/default-templates.js';
import { MemoryDeliveryGuard } from '../src/shell/delivery-guard.js';
import { handleEvent } from '../src/shell/handle-event.js';
import { MemoryKeyedLock } from '../src/shell/keyed-lock.js';
import { createLogger } from '../src/shell/logger.js';
import { MemoryStore } from '../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../src/tracker/memory/memory-tracker.js';

const REPORT = {
  title: 'Path traversal in the file upload endpoint',
  body: 'Uploading a file named `../../config/secrets.yml` overwrites the server configuration.\n\nSteps to reproduce:\n1. ...\n',
};

function printIssue(store: MemoryStore, issue: Issue): void {
  const rule = '─'.repeat(100);
  console.log(`\n${rule}\n${formatRef(issue.ref)}  ${issue.title}`);
  console.log(`labels: ${issue.labels.join(', ')}${store.kind === 'gitlab' ? `   confidential: ${issue.confidential}` : ''}${issue.locked ? '   locked' : ''}`);
  console.log(`${rule}\n${issue.body}`);
  for (const comment of store.listComments(issue.ref)) console.log(`\n💬 ${comment.author}:\n${comment.body}`);
}

async function demo(kind: 'gitlab' | 'github'): Promise<void> {
  const store = new MemoryStore({ kind });
  const tracker = new MemoryTracker(store);
  const source = kind === 'gitlab' ? 'acme/web' : 'acme/website';
  const incidents = 'acme/security-incidents';
  const sourceProject = store.addProject(source, { visibility: 'public' });
  store.addProject(incidents, { visibility: 'private' });
  const configPath = kind === 'gitlab' ? '.gitlab/incident-desk.yml' : '.github/incident-desk.yml';
  store.putFile(source, configPath, `incidentProject: ${incidents}\n`);
  const report = store.seedIssue(source, { ...REPORT, labels: ['incident'], author: 'reporter' });

  const outcome = await handleEvent(
    {
      kind: 'issue',
      tracker: kind,
      action: 'labeled',
      deliveryId: `demo-${kind}`,
      actor: { username: 'security-lead', id: 2, isBot: false },
      project: sourceProject,
      issue: report,
      addedLabels: ['incident'],
      removedLabels: [],
    },
    {
      tracker,
      isSelf: async (actor) => actor.username === 'incident-desk[bot]',
      deliveries: new MemoryDeliveryGuard(),
      locks: new MemoryKeyedLock(),
      handbookUrl: 'http://localhost:3000/handbook',
      defaultTemplates: await loadDefaultTemplates(),
      log: createLogger(process.env.LOG_LEVEL ?? 'warn'),
    },
  );

  console.log(`\n\n████ ${kind === 'gitlab' ? 'GitLab' : 'GitHub'}: a public report labeled "incident" → ${outcome}, ${store.calls.length} API calls`);
  for (const issue of [...store.allIssues(source), ...store.allIssues(incidents)]) printIssue(store, issue);
}

await demo('gitlab');
await demo('github');
