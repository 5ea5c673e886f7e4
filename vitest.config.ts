import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (fast, loopback only; includes the CLI black-box tests) and `bench-tier`
// (real Debian daemons inside a network namespace; needs root). Both run in CI.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'bench-tier',
          include: ['test/bench-tier/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
