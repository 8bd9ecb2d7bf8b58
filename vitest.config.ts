import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/**/*.test.ts',
      'packages/client/test/**/*.test.ts',
      'web/test/**/*.test.ts',
    ],
    exclude: ['test/e2e/**', 'test/hostile/**', 'node_modules/**'],
    pool: 'forks',
    globalSetup: ['test/helpers/pglite-template.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Measured on the 2-core CI machine: the suite keeps about a third of the cores busy (it waits on
    // spawned CLI processes, sockets and timers), so a third worker shortens the run; a fourth only
    // adds contention on a machine that is busy with something else.
    maxWorkers: 3,
  },
});
