import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// @rolegate/client is read from its TypeScript source (the "rolegate-source" condition of its
// package.json "exports"), so the tests need no prior build of the package. Otherwise Vitest's own
// defaults: the server conditions without "module" (whose ESM builds Node cannot load as they are).
const conditions = ['rolegate-source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  ssr: { resolve: { conditions } },
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
