import { defineConfig } from 'vitest/config'

/**
 * One vitest run covers unit tests next to the code (packages/**) and the end-to-end suite
 * (tests/**), which starts real server processes: generous timeouts because RSA key generation
 * and scrypt are deliberately slow, and the machine has 2 cores.
 */
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
