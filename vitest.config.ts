import { defaultClientConditions, defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

/**
 * Workspace packages (@cairn/*) resolve to their TypeScript sources through the "@cairn/source"
 * export condition, so tests never need a build. Vite's default conditions stay after it.
 */
const SOURCE_CONDITION = '@cairn/source'

/**
 * One vitest run covers unit tests next to the code (packages/**) and the end-to-end suite
 * (tests/**), which starts real server processes: generous timeouts because RSA key generation
 * and scrypt are deliberately slow, and the machine has 2 cores.
 */
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
