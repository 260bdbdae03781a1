import { MemoryStore } from '../../src/tracker/memory/memory-store.js';
import { MemoryTracker } from '../../src/tracker/memory/memory-tracker.js';
import { describeTrackerContract } from './tracker-contract.js';

for (const kind of ['github', 'gitlab'] as const) {
  describeTrackerContract(`memory (${kind})`, kind, async () => {
    const store = new MemoryStore({ kind });
    return { tracker: new MemoryTracker(store, { account: 'sec' }), store };
  });
}
