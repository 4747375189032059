import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { createStorage } from '../storage/create-storage.ts'
import { dropPgSchema } from '../storage/drop-pg-schema.ts'
import type { Storage } from '../storage/storage.ts'

/** Two storages on one database, as two server instances open it, and what removes that database. */
interface TwoStorages {
  first: Storage
  second: Storage
  cleanup: () => Promise<void>
}

/** The two initialised storages a contract runs against (set before its first test). */
export interface OpenStorages {
  readonly first: Storage
  readonly second: Storage
}

/**
 * Runs a store's contract against embedded SQLite and, when DATABASE_URL is set, PostgreSQL in a
 * random schema dropped at the end: two storages on one fresh database, initialised before the
 * contract's first test and closed after its last, as two server instances would use it. The second
 * SQLite storage waits longer for the write lock, since both take it in turn.
 */
export function describeOnBothBackends(name: string, contract: (storages: OpenStorages) => void): void {
  describe(`${name} (SQLite)`, () => {
    lifecycle(contract, () => {
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
    lifecycle(contract, () => {
      const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
      return {
        first: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
        second: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
        cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
      }
    })
  })
}

/** Opens and initialises the storages before the contract's tests, closes and removes them after. */
function lifecycle(contract: (storages: OpenStorages) => void, open: () => TwoStorages): void {
  let opened: TwoStorages | undefined
  const storages: OpenStorages = {
    get first() {
      return opened!.first
    },
    get second() {
      return opened!.second
    },
  }
  beforeAll(async () => {
    opened = open()
    await opened.first.init()
    await opened.second.init()
  })
  afterAll(async () => {
    await opened?.second.close()
    await opened?.first.close()
    await opened?.cleanup()
  })
  contract(storages)
}
