import nock from 'nock';
import { afterEach, beforeAll } from 'vitest';

// Tests never touch the network: only loopback servers of the tests' own are reachable.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});

// An interceptor a test declared but never used is a failed expectation, not noise.
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) throw new Error(`unused HTTP mocks: ${pending.join(', ')}`);
});
