import type { IssueRef, TrackerKind } from '../kernel/model.js';
import { MemoryStore } from '../tracker/memory/memory-store.js';
import { MemoryTracker } from '../tracker/memory/memory-tracker.js';
import { CONFIG_PATHS } from '../tracker/port.js';
import type { Tracker } from '../tracker/port.js';

/**
 * The world `preview --demo` looks at, in memory: a public project with a report labelled `incident`, configured to
 * open its incidents in a private incident project that takes its reports. No network, no token.
 */
export function demoWorld(kind: TrackerKind): { tracker: Tracker; report: IssueRef } {
  const store = new MemoryStore({ kind });
  const source = kind === 'gitlab' ? 'acme/web' : 'acme/website';
  const incidents = 'acme/security-incidents';
  store.addProject(source, { visibility: 'public' });
  store.addProject(incidents, { visibility: 'private' });
  store.putFile(source, CONFIG_PATHS[kind], `incidentProject: ${incidents}\n`);
  store.putFile(incidents, CONFIG_PATHS[kind], `reportsFrom: [${source}]\n`);
  const report = store.seedIssue(source, {
    title: 'Path traversal in the file upload endpoint',
    body:
      'Uploading a file named `../../config/secrets.yml` overwrites the server configuration.\n\n' +
      'Steps to reproduce:\n1. ...\n',
    labels: ['incident'],
    author: 'reporter',
  });
  return { tracker: new MemoryTracker(store), report: report.ref };
}
