import nock from 'nock';
import fc from 'fast-check';
import { afterEach, beforeAll } from 'vitest';

// Tests never touch the network: only loopback servers of the tests' own are reachable.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/);
});

// An interceptor a test declared but never used is a failed expectation, not noise.
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) throw new Error(`unused HTTP mocks: ${pending.join(', ')}`);
});

// Property tests run from one fixed seed, so a CI run is reproducible; FC_SEED=<n> (or FC_SEED=random) explores others.
fc.configureGlobal({ seed: process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20_261_203) });
