/**
 * The offline demo: one intake on an in-memory GitLab and one on an in-memory GitHub, end to end through
 * the same shell the server uses, printing the tickets that result. No network, no tokens.
 */
import type { Issue } from '../src/kernel/model.js';
import { formatRef } from '../src/kernel/model.js';
import { loadDefaultTemplates } from '../src/templates/load.js';
import { MemoryDeliveryGuard } from '../src/server/coordination/delivery-guard.js';
import { handleEvent } from '../src/server/handle-event.js';
import { stateKeys } from '../src/server/state-seal.js';
import { MemoryKeyedLock } from '../src/server/coordination/keyed-lock.js';
import { sweepTracker } from '../src/sweep/handle.js';
import { readTicketState } from '../src/kernel/block.js';
import { createLogger } from '../src/server/logger.js';
import { MemoryStore } from '../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../src/tracker/memory/memory-tracker.js';

const REPORT = {
  title: 'Path traversal in the file upload endpoint',
  body:
    'Uploading a file named `../../config/secrets.yml` overwrites the server configuration.\n\nSteps to ' +
    'reproduce:\n1. ...\n',
};

function printIssue(store: MemoryStore, issue: Issue): void {
  const rule = '─'.repeat(100);
  console.log(`\n${rule}\n${formatRef(issue.ref)}  ${issue.title}`);
  const confidential = store.kind === 'gitlab' ? `   confidential: ${issue.confidential}` : '';
  console.log(`labels: ${issue.labels.join(', ')}${confidential}${issue.locked ? '   locked' : ''}`);
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
  const team = 'acme/payments';
  const teamProject = store.addProject(team, { visibility: 'private' });
  const configPath = kind === 'gitlab' ? '.gitlab/incident-desk.yml' : '.github/incident-desk.yml';
  for (const path of [source, team]) store.putFile(path, configPath, `incidentProject: ${incidents}\n`);
  // The incident project says whose reports it takes and whose issues may become its tracking tickets.
  store.putFile(incidents, configPath, `reportsFrom: [${source}]\ntrackingFrom: [${team}]\n`);
  // Who names an incident in a ticket needs triage (Reporter) access to the incident project.
  store.setAccess(incidents, 'payments-oncall', 'triage');
  const report = store.seedIssue(source, { ...REPORT, labels: ['incident'], author: 'reporter' });

  const clock = { now: new Date() };
  const ctx = {
    tracker,
    isSelf: async (actor: { username: string }) => actor.username === 'incident-desk[bot]',
    deliveries: new MemoryDeliveryGuard(),
    locks: new MemoryKeyedLock(),
    handbookUrl: 'http://localhost:3000/handbook',
    defaultTemplates: await loadDefaultTemplates(),
    log: createLogger(process.env.LOG_LEVEL ?? 'warn'),
    now: () => clock.now,
    // The demo's tickets live in this process's memory and die with it: a fixed, public secret is enough to sign its
    // hidden state. A server never uses it (it reads STATE_SECRET, or its tracker's credential).
    stateKeys: stateKeys(['offline demo: not a secret']),
  };
  const lead = { username: 'security-lead', id: 2, isBot: false };
  // The lead of the security team (a maintainer of the incident project) declares the incident: as the First Responder
  // they are its initial Incident Manager (seed 003); the reporter gets a row of their own and no reminders.
  store.setAccess(incidents, 'security-lead', 'maintain');
  store.setAccess(incidents, 'alice', 'write');
  const outcome = await handleEvent(
    {
      kind: 'issue',
      tracker: kind,
      action: 'labeled',
      deliveryId: `demo-${kind}`,
      actor: lead,
      project: sourceProject,
      issue: report,
      addedLabels: ['incident'],
      removedLabels: [],
    },
    ctx,
  );
  console.log(
    `\n\n████ ${kind === 'gitlab' ? 'GitLab' : 'GitHub'}: a public report labeled "incident" → ${outcome}, ` +
      `${store.calls.length} API calls`,
  );

  // Running it: the lead steers with commands, minutes apart; an hour later the sweep reminds of the overdue
  // situation report.
  const master = store.allIssues(incidents).find((i) => i.labels.includes('incident::master'))!;
  const start = clock.now.getTime();
  const at = (minutes: number) => {
    clock.now = new Date(start + minutes * 60_000);
  };
  const disclosure = new Date(start + 10 * 86_400_000).toISOString().slice(0, 10);
  const people: Record<string, { username: string; id: number; isBot: boolean }> = {
    'security-lead': lead,
    alice: { username: 'alice', id: 3, isBot: false },
  };
  let n = 0;
  const say = async (body: string, who = 'security-lead', on: Issue = master) => {
    n += 1;
    const comment = store.createComment(on.ref, body, who);
    await handleEvent(
      {
        kind: 'note',
        tracker: kind,
        deliveryId: `demo-${kind}-note-${n}`,
        actor: people[who]!,
        project: store.getProject(formatRef(on.ref).split('#')[0]!),
        issue: store.issue(on.ref),
        comment,
      },
      ctx,
    );
  };
  // Triage (seed 003): acknowledged within the 10 minutes, assessed, confirmed, the initial situation report.
  at(3);
  await say('/ack');
  await say('/severity');
  await say('/severity high');
  await say(`/set detected ${new Date(start - 2 * 3_600_000).toISOString().slice(0, 19)}Z`);
  at(12);
  await say('/status confirmed');
  await say(
    '/sitrep Confirmed: uploads can overwrite the server configuration.\nImpact: every site on the affected ' +
      'versions\nNext steps: mitigate in production, prepare the fix',
  );
  await say(`/set disclosure-date ${disclosure}`);
  await say('/set cvss 8.6');
  await say(
    `/task @payments-lead ${team} Rotate the payment API keys\nRotate every key issued before the fix and confirm ` +
      `here.`,
  );
  // A team opens its own ticket and names the incident in the title: it joins the master by itself.
  const id = readTicketState(store.issue(master.ref).body)?.id ?? '';
  const own = store.seedIssue(team, {
    title: `[${id}] Check payment logs for abuse`,
    body: 'Owner: payments on-call.',
    confidential: true,
    assignees: ['payments-oncall'],
  });
  await handleEvent(
    {
      kind: 'issue',
      tracker: kind,
      action: 'opened',
      deliveryId: `demo-${kind}-child`,
      actor: { username: 'payments-oncall', id: 9, isBot: false },
      project: teamProject,
      issue: own,
      addedLabels: [],
      removedLabels: [],
    },
    ctx,
  );
  await sweepTracker(tracker, ctx, new Date(start + 73 * 60_000));
  console.log(
    `\n████ …then /ack, /severity, /status confirmed, the initial /sitrep, /set disclosure-date, /set cvss, /task, a ` +
      `team's own ticket, and a sweep an hour later → ${store.calls.length} API calls in all`,
  );

  // A handoff (seed 003's ceremony): alice takes over and shares the sitrep that notes it; the lead stays available.
  at(80);
  await say('/handoff @alice');
  at(85);
  await say('/accept', 'alice');
  await say('/sitrep Took over from the lead: the mitigation is in place.\nNext steps: review the fix', 'alice');
  await say('/status contained', 'alice');
  // The communications ticket's approvals go here: a deliverable approved at quorum (/request-approvals, /approve).
  // Resolved: the final sitrep is asked for, the responders thanked, and the incident report posted with its figures.
  at(240);
  await say('/status resolved', 'alice');
  await say('/sitrep Final: fixed and released; keys rotated.', 'alice');
  console.log(
    `\n████ …then a handoff with the incoming sitrep, /status contained, /status resolved and the incident report → ` +
      `${store.calls.length} API calls in all`,
  );
  for (const issue of [...store.allIssues(source), ...store.allIssues(incidents), ...store.allIssues(team)])
    printIssue(store, issue);
}

await demo('gitlab');
await demo('github');
