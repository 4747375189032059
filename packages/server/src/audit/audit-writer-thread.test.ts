import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, dropPgSchema } from '../storage/index.ts'
import type { KyselyStorage } from '../storage/kysely-storage.ts'
import type { AuditRecord } from '../storage/audit-store.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'
import { verifyAuditChain } from './audit-chain.ts'
import { AuditWriterThread } from './audit-writer-thread.ts'

const entry = (i: number): AuditRecord => ({
  at: 1_700_000_000_000 + i,
  action: 'read',
  actorUserId: randomUUID(),
  entityType: 'dataSample',
  entityId: `e-${i}`,
  requestId: randomUUID(),
  clientAddress: '192.0.2.9',
})

/**
 * The writer thread against a real database: its appends (on its own connection, in a worker) and the
 * storage's own appends extend one chain, batches of any size (full chunks and the rest) keep their
 * order, and close ends the worker.
 */
function threadContract(open: () => { storage: KyselyStorage; cleanup: () => Promise<void> }) {
  let storage: KyselyStorage
  let cleanup: () => Promise<void>
  let thread: AuditWriterThread

  beforeAll(async () => {
    ;({ storage, cleanup } = open())
    await storage.init()
    thread = new AuditWriterThread(storage.auditConnection)
  })
  afterAll(async () => {
    await thread?.close()
    await storage?.close()
    await cleanup?.()
  })

  it('appends batches in order, interleaved with the storage, into one chain that verifies', async () => {
    const first = await thread.append(Array.from({ length: 250 }, (_, i) => entry(i)))
    expect(first.seq).toBe(250)
    await storage.audit.append([entry(250)])
    const last = await thread.append([entry(251), entry(252)])
    expect(last.seq).toBe(253)
    const rows = await storage.audit.scan(1, 1000)
    expect(rows.map((r) => r.entityId)).toEqual(Array.from({ length: 253 }, (_, i) => `e-${i}`))
    expect(last.hash).toBe(rows[252].hash)
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: true, checked: 253 })
  })

  it('refuses appends once closed', async () => {
    const other = new AuditWriterThread(storage.auditConnection)
    await other.append([entry(1000)])
    await other.close()
    await expect(other.append([entry(1001)])).rejects.toThrow('the access log writer is closed')
  })
}

describe('AuditWriterThread (SQLite)', () => {
  let dataDir: string
  threadContract(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-audit-thread-'))
    return {
      storage: createStorage({ dataDir, sqliteBusyTimeoutMs: 100 }),
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    }
  })

  it('fails a batch while the log file is locked, writes nothing of it, and succeeds afterwards', async () => {
    const storage = createStorage({ dataDir, sqliteBusyTimeoutMs: 100 })
    await storage.init()
    const thread = new AuditWriterThread(storage.auditConnection)
    const before = await storage.audit.head()
    const raw = new BetterSqlite3(join(dataDir, AUDIT_FILE))
    raw.prepare('begin immediate').run()
    await expect(thread.append([entry(2000)])).rejects.toThrow(/locked|busy/i)
    raw.prepare('commit').run()
    raw.close()
    expect(await storage.audit.head()).toEqual(before)
    expect((await thread.append([entry(2001)])).seq).toBe(before.seq + 1)
    await thread.close()
    await storage.close()
  })
})

const databaseUrl = process.env.DATABASE_URL
describe.skipIf(!databaseUrl)('AuditWriterThread (PostgreSQL)', () => {
  const pgSchema = `audit_thread_${randomUUID().replace(/-/g, '').slice(0, 12)}`
  threadContract(() => ({
    storage: createStorage({ databaseUrl, pgSchema, dataDir: tmpdir() }),
    cleanup: () => dropPgSchema(databaseUrl!, pgSchema),
  }))
})
