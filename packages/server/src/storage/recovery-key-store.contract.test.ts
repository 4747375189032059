import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema } from './index.ts'
import type { Storage } from './index.ts'
import type { StoredRecoveryKey } from './recovery-key-store.ts'

/*
 * The contract of storage.recoveryKeys, against embedded SQLite and, when DATABASE_URL is set,
 * PostgreSQL in a random schema dropped at the end. Each test uses its own random data owner ids.
 */

function key(dataOwnerId: string, extra: Partial<StoredRecoveryKey> = {}): StoredRecoveryKey {
  return {
    dataOwnerId,
    authHash: 'a'.repeat(64),
    blob: 'AgAAAA==',
    fingerprints: ['0123456789abcdef0123456789abcdef'],
    created: 1_700_000_000_000,
    ...extra,
  }
}

function contract(open: () => { storage: Storage; cleanup: () => Promise<void> }): void {
  let storage: Storage
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    ;({ storage, cleanup } = open())
    await storage.init()
  })
  afterAll(async () => {
    await storage.close()
    await cleanup()
  })

  it('stores, reads back and deletes the recovery key of a data owner', async () => {
    const owner = randomUUID()
    expect(await storage.recoveryKeys.get(owner)).toBeUndefined()
    const stored = key(owner, { fingerprints: ['0'.repeat(32), 'f'.repeat(32)], created: 1_800_000_000_123 })
    await storage.recoveryKeys.put(stored)
    expect(await storage.recoveryKeys.get(owner)).toEqual(stored)
    expect(await storage.recoveryKeys.delete(owner)).toBe(true)
    expect(await storage.recoveryKeys.get(owner)).toBeUndefined()
    expect(await storage.recoveryKeys.delete(owner)).toBe(false)
  })

  it('keeps one per data owner: storing again replaces every field', async () => {
    const owner = randomUUID()
    const other = randomUUID()
    await storage.recoveryKeys.put(key(owner))
    await storage.recoveryKeys.put(key(other, { blob: 'BBBB' }))
    const next = key(owner, { authHash: 'b'.repeat(64), blob: 'CCCC', fingerprints: [], created: 2 })
    await storage.recoveryKeys.put(next)
    expect(await storage.recoveryKeys.get(owner)).toEqual(next)
    expect((await storage.recoveryKeys.get(other))?.blob).toBe('BBBB')
  })

  it('keeps a blob of the largest allowed size whole', async () => {
    const owner = randomUUID()
    const blob = 'A'.repeat(256 * 1024)
    await storage.recoveryKeys.put(key(owner, { blob }))
    expect((await storage.recoveryKeys.get(owner))?.blob).toBe(blob)
  })
}

describe('recovery key store contract (SQLite)', () => {
  contract(() => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-recovery-'))
    return {
      storage: createStorage({ dataDir }),
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    }
  })
})

const databaseUrl = process.env.DATABASE_URL
describe.skipIf(!databaseUrl)('recovery key store contract (PostgreSQL)', () => {
  contract(() => {
    const pgSchema = `cairn_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    return {
      storage: createStorage({ databaseUrl: databaseUrl!, dataDir: 'unused', pgSchema }),
      cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
    }
  })
})
