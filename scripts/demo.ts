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
import { approvalsRecord } from '../src/approvals/record.js';
import { parseConfig } from '../src/config/parse.js';
import { formatRfc3339 } from '../src/kernel/time.js';

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
  console.log(
    `\n████ …then a handoff with the incoming sitrep and /status contained → ${store.calls.length} API calls in all`,
  );
  // The communications: the blog post's review alone, approved at quorum at its cut-off (six hours from drafting).
  await approveBlogPostAtQuorum({ store, tracker, ctx, clock, kind, source, incidents, configPath });
  // Resolved: the final sitrep is asked for, the responders thanked, and the incident report posted with its figures
  // (the blog post's approval at quorum among them).
  at(460);
  await say('/status resolved', 'alice');
  await say('/sitrep Final: fixed and released; keys rotated.', 'alice');
  console.log(`\n████ …then /status resolved and the incident report → ${store.calls.length} API calls in all`);
  for (const issue of [...store.allIssues(source), ...store.allIssues(incidents), ...store.allIssues(team)])
    printIssue(store, issue);
}

/** The approvers of the communications plan's groups, as the source project's configuration names them. */
const DEMO_APPROVERS = `approvals:
  groups:
    security: { name: Security, approvers: [vp-security], backups: [security-director, vp-engineering] }
    legal: { name: Legal, approvers: [legal-director], backups: [legal-counsel, clo] }
    customer-success: { name: Customer Success, approvers: [vp-customer-success], backups: [csm-director, cs-public] }
    support: { name: Support, approvers: [support-manager] }
    corporate-comms: { name: Corporate Communications, approvers: [comms-director], backups: [pr-manager] }
    investor-relations: { name: Investor Relations, approvers: [vp-ir], backups: [cfo, vp-finance] }
`;

/**
 * The communications of the incident, one step of the story on its own: drafting starts, the blog post's review alone
 * is requested, Security and Legal approve it, the back-ups of the two other required groups are engaged after 30
 * minutes, and at the cut-off (6 hours after drafting started, the severity being high) the blog post goes ahead at
 * quorum. The other deliverables were never asked for, so nothing is said about them.
 */
async function approveBlogPostAtQuorum(demo: {
  store: MemoryStore;
  tracker: MemoryTracker;
  ctx: Parameters<typeof handleEvent>[1];
  clock: { now: Date };
  kind: 'gitlab' | 'github';
  source: string;
  incidents: string;
  configPath: string;
}): Promise<void> {
  const { store, tracker, ctx, clock, kind, source, incidents, configPath } = demo;
  // The approvers are the source project's to name: its configuration governs the incident.
  store.putFile(source, configPath, `${store.readFile(source, configPath) ?? ''}${DEMO_APPROVERS}`);
  const comms = store.allIssues(incidents).find((i) => i.labels.includes('incident::comms'))!;
  const start = clock.now.getTime();
  let n = 0;
  const say = async (username: string, body: string, minutes: number) => {
    clock.now = new Date(start + minutes * 60_000);
    n += 1;
    const comment = store.createComment(comms.ref, body, username);
    await handleEvent(
      {
        kind: 'note',
        tracker: kind,
        deliveryId: `demo-${kind}-comms-${n}`,
        actor: { username, id: store.userId(username), isBot: false },
        project: store.getProject(incidents),
        issue: store.issue(comms.ref),
        comment,
      },
      ctx,
    );
  };
  await say('security-lead', '/drafting', 0);
  await say('security-lead', '/request-approvals blog', 70);
  await say('vp-security', '/approve blog', 80);
  await say('legal-director', '/approve blog', 85);
  await sweepTracker(tracker, ctx, new Date(start + 101 * 60_000));
  await sweepTracker(tracker, ctx, new Date(start + 6 * 60 * 60_000));
  const state = readTicketState(store.issue(comms.ref).body)?.approvals ?? { decisions: {} };
  const config = parseConfig(store.readFile(source, configPath) ?? '', `${source}:${configPath}`);
  const record = approvalsRecord(config.approvals, state, {
    cutoffMinutes: config.approvals.cutoffMinutes.high,
    openedAt: comms.createdAt,
  });
  const blog = record.deliverables.find((d) => d.deliverable === 'blog');
  console.log(
    `\n████ …then on the communications ticket: /drafting, /request-approvals blog 70 minutes later, Security and ` +
      `Legal approve, back-ups engaged, and at the cut-off the blog post is ${blog?.status} ` +
      `(at ${blog?.quorumAt ? formatRfc3339(Date.parse(blog.quorumAt)) : 'no time'})`,
  );
}

await demo('gitlab');
await demo('github');
