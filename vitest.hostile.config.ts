import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/hostile/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
