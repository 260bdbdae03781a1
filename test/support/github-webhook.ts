import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { Issue, Project } from '../../src/core/model.js';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

/** A real `issues` example from `@octokit/webhooks-examples`, deep-copied. */
export function githubExample(action: string): Record<string, any> {
  const found = examples.find((e) => e.name === 'issues')!.examples.find((e) => (e as { action?: string }).action === action);
  if (!found) throw new Error(`no issues.${action} example`);
  return structuredClone(found) as Record<string, any>;
}

/**
 * A real `issues.<action>` payload rewritten to describe an issue of the store: the repository, the issue
 * and the label as GitHub would send them, with an installation so Probot can authenticate.
 */
export function githubIssuePayload(action: 'labeled' | 'opened', project: Project, issue: Issue, label = 'incident', sender = 'security-lead'): Record<string, any> {
  const payload = githubExample(action);
  const [owner, name] = project.path.split('/') as [string, string];
  payload.installation = { id: 4242, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  Object.assign(payload.repository, {
    id: project.id,
    name,
    full_name: project.path,
    private: project.visibility === 'private',
    visibility: project.visibility,
    html_url: project.webUrl,
  });
  payload.repository.owner.login = owner;
  Object.assign(payload.issue, {
    id: issue.id,
    number: issue.ref.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    locked: issue.locked,
    html_url: issue.webUrl,
    labels: issue.labels.map((l, i) => ({ ...payload.issue.labels?.[0], id: 9000 + i, name: l })),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
  });
  payload.issue.user.login = issue.author;
  payload.sender.login = sender;
  payload.sender.type = 'User';
  if (action === 'labeled') payload.label = { ...payload.label, name: label };
  return payload;
}

/** An RSA key for a test GitHub App. */
export function testPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** POSTs a signed GitHub delivery to the app server. */
export async function deliverGitHub(baseUrl: string, secret: string, event: string, payload: object, deliveryId: string): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(`${baseUrl}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signature,
    },
    body,
  });
}
