import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no server; `integration` gets real Kafka, schema registry and Redis
// from test/support/global-setup.ts (endpoints from env, else testcontainers, else the native stack).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['services/*/test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // integration suites share one broker; run files one at a time so timings stay sane on 2 cores
          fileParallelism: false,
        },
      },
    ],
  },
});
