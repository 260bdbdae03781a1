import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    // Every process a test starts is registered there and stopped at the end of the run, passed or failed.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
