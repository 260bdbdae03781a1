import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serve } from '../../src/cli/serve.js';
import type { ServerEnv } from '../../src/server/env.js';
import { memoryLogger } from '../support/app-context.js';
import { githubExample, testPrivateKey } from '../support/github-webhook.js';

/** `incident-desk serve` started in this process on loopback ports, stopped when the test ends. */
async function started(env: ServerEnv) {
  const log = memoryLogger();
  const serving = await serve({ PORT: '0', SWEEP_INTERVAL_SECONDS: '0', ...env }, { log, cwd: process.cwd() });
  onTestFinished(() => serving.stop());
  return { serving, log, url: (port = serving.port) => `http://127.0.0.1:${port}` };
}

/** Reads `/metrics` until `pattern` shows (a delivery's work is counted once it is done), a bounded number of times. */
async function metricsShowing(url: string, pattern: RegExp): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 100 && !pattern.test(text); attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    text = await (await fetch(`${url}/metrics`)).text();
  }
  return text;
}

describe('incident-desk serve', () => {
  it('serves /metrics on METRICS_PORT only when it is set, off the webhook port', async () => {
    const { serving, url } = await started({ METRICS_PORT: '0' });
    expect(serving.metricsPort).not.toBe(serving.port);
    expect((await fetch(`${url()}/metrics`)).status).toBe(404);
    const metrics = await fetch(`${url(serving.metricsPort)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^incident_desk_queue_depth 0$/m);
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
  });

  it('forwards the deliveries of a WEBHOOK_PROXY_URL channel (smee) to its GitHub route', async () => {
    const secret = 'smee-secret';
    const payload = githubExample('opened');
    payload.issue.labels = [];
    payload.installation = { id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
    const signature = `sha256=${createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex')}`;
    // A smee.io channel on loopback: an event stream that carries one delivery, its headers beside its body.
    const channel = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': connected\n\n');
      const message = {
        'x-github-event': 'issues',
        'x-github-delivery': 'smee-1',
        'x-hub-signature-256': signature,
        body: payload,
      };
      setImmediate(() => res.write(`data: ${JSON.stringify(message)}\n\n`));
    });
    await new Promise<void>((resolve) => channel.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      channel.closeAllConnections();
      channel.close();
    });
    const { port } = channel.address() as AddressInfo;
    const { url } = await started({
      APP_ID: '1',
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET: secret,
      WEBHOOK_PROXY_URL: `http://127.0.0.1:${port}/channel`,
    });
    const handled = /^incident_desk_deliveries_total\{tracker="github",event="issue\.opened",outcome="ignored"\} 1$/m;
    expect(await metricsShowing(url(), handled)).toMatch(handled);
  });
});
