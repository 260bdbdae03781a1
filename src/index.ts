import { createAppServer } from './server/http.js';
import { createLogger } from './server/logger.js';

// The thin entry: read the environment, start the one server, stop cleanly on SIGTERM.
const log = createLogger(process.env.LOG_LEVEL ?? 'info');
const app = await createAppServer(process.env, { log });
for (const missing of app.missing) log.warn({ missing }, 'tracker not configured');
if (!app.github && !app.gitlab)
  log.warn({}, 'no tracker configured: serving /healthz and /handbook only (see .env.example)');
const port = Number(process.env.PORT ?? 3000);
app.server.listen(port, () =>
  log.info({ port, github: app.github, gitlab: app.gitlab, coordination: app.coordination }, 'incident-desk listening'),
);
// The sweep fires sitrep reminders, phase nudges and handoff expiry; 0 turns it off.
const sweepSeconds = Number(process.env.SWEEP_INTERVAL_SECONDS ?? 60);
const stopSweeper = sweepSeconds > 0 && (app.github || app.gitlab) ? app.startSweeper(sweepSeconds) : () => undefined;
process.once('SIGTERM', () => {
  stopSweeper();
  log.info({}, 'stopping: finishing queued work');
  // Exit explicitly: Probot's own Redis connection (its throttling) has no close of its own.
  void app.close().finally(() => process.exit(0));
});
