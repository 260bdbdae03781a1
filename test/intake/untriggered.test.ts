import { describe, expect, it } from 'vitest';
import { trustedState } from '../../src/kernel/block.js';
import type { Issue } from '../../src/kernel/model.js';
import { untriggeredOutcome } from '../../src/intake/handle.js';
import { handleEvent } from '../../src/server/handle-event.js';
import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { eventContext } from '../support/app-context.js';
import { issueEvent } from '../support/events.js';
import { recordingTracker } from '../support/recording-tracker.js';

const CONFIG = '.gitlab/incident-desk.yml';

async function world(config: string | null) {
  const store = new MemoryStore({ kind: 'gitlab' });
  const project = store.addProject('team/web', { visibility: 'private' });
  store.setAccess('team/web', 'alice', 'write');
  if (config !== null) store.putFile('team/web', CONFIG, config);
  const tracker = recordingTracker(new MemoryTracker(store));
  const ctx = await eventContext(tracker);
  const labelled = (labels: string[], added = labels, state: Issue['state'] = 'open') => {
    const issue = store.seedIssue('team/web', { title: 'Crash', body: 'Steps.', labels, author: 'alice' });
    return issueEvent(project, { ...issue, state }, { addedLabels: added });
  };
  const reads = () => tracker.calls.filter((c) => c.method === 'readConfig').length;
  return { store, ctx, labelled, reads };
}

describe('untriggeredOutcome', () => {
  it.each([
    ['a label that is not the trigger', 'label: security-incident\n', ['bug'], 'not-a-trigger'],
    ['the trigger label', 'label: security-incident\n', ['security-incident'], null],
    ['another label beside the trigger', 'label: security-incident\n', ['bug', 'security-incident'], null],
    ['the default trigger, without a file', null, ['incident'], null],
    ['another label, without a file', null, ['bug'], 'not-a-trigger'],
    // An invalid file whose trigger label can still be read: the report of the trigger's issue needs the intake.
    ['another label, the file invalid', 'label: security-incident\ntaskDueDays: soon\n', ['bug'], 'config-error'],
    [
      'the trigger label, the file invalid',
      'label: security-incident\ntaskDueDays: soon\n',
      ['security-incident'],
      null,
    ],
  ] as const)('%s: %s', async (_name, config, labels, outcome) => {
    const { ctx, labelled } = await world(config);
    expect(await untriggeredOutcome(labelled([...labels]), ctx)).toBe(outcome);
  });

  it('asks nothing of an event that carries no new label, or of a closed issue', async () => {
    const { ctx, labelled, reads } = await world('label: security-incident\n');
    expect(await untriggeredOutcome(labelled([], []), ctx)).toBe('not-a-trigger');
    expect(await untriggeredOutcome(labelled(['security-incident'], ['security-incident'], 'closed'), ctx)).toBe(
      'not-a-trigger',
    );
    expect(reads()).toBe(0);
  });
});

describe('one event reads its settings once', () => {
  it('a trigger reads the configuration once: the ordinary-traffic check and the intake share the read', async () => {
    const { store, ctx, labelled, reads } = await world('label: security-incident\n');
    const event = labelled(['security-incident']);
    expect(await handleEvent(event, ctx)).toBe('done');
    expect(trustedState(store.issue(event.issue.ref))?.role).toBe('master');
    expect(reads()).toBe(1);
    // The next event reads it again: a change takes effect at once.
    store.putFile('team/web', CONFIG, 'label: bug\n');
    expect(await handleEvent(labelled(['security-incident']), ctx)).toBe('not-a-trigger');
    expect(reads()).toBe(2);
  });
});
