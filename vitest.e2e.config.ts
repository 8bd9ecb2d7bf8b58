import { defineConfig } from 'vitest/config';

// End-to-end tests of the web console: the real server in-process, driven by Debian's Chromium
// through playwright-core (test/e2e). Screenshots land in test-results/.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/helpers/pglite-template.ts'],
    maxWorkers: 1,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
