import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import { createStorage } from '../storage/create-storage.ts'
import { dropPgSchema } from '../storage/drop-pg-schema.ts'
import type { Storage } from '../storage/storage.ts'

/** Two storages on one database, as two server instances open it, and what removes that database. */
export interface TwoStorages {
  first: Storage
  second: Storage
  cleanup: () => Promise<void>
}

/**
 * Runs a store's contract against embedded SQLite and, when DATABASE_URL is set, PostgreSQL in a
 * random schema dropped at the end; `contract` receives the function that opens (not yet inits) two
 * storages on one fresh database. The second SQLite storage waits longer for the write lock, since
 * both take it in turn.
 */
export function describeOnBothBackends(name: string, contract: (open: () => TwoStorages) => void): void {
  describe(`${name} (SQLite)`, () => {
    contract(() => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cairn-contract-'))
      return {
        first: createStorage({ dataDir }),
        second: createStorage({ dataDir, sqliteBusyTimeoutMs: 5_000 }),
        cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
      }
    })
  })
  const databaseUrl = process.env.DATABASE_URL
  describe.skipIf(!databaseUrl)(`${name} (PostgreSQL)`, () => {
    contract(() => {
      const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
      return {
        first: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
        second: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
        cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
      }
    })
  })
}
