import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStorage, type Storage } from '../storage/index.ts'
import type { AuditRecord } from '../storage/audit-store.ts'
import { installErrorHandler } from '../http/error-handler.ts'
import { StorageFaultLog } from '../storage/storage-fault-log.ts'
import { AuditLog } from './audit-log.ts'
import { verifyAuditChain } from './audit-chain.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'
import { installRequestContext } from './request-context.ts'

/*
 * The writer against a real SQLite database. Writes are made to fail for real: another connection
 * holds the database's write lock (SQLITE_BUSY after a 10 ms busy timeout) until the test lets go.
 */

const entry = (i: number, at = Date.now()): AuditRecord => ({
  at,
  action: 'read',
  entityType: 'patient',
  entityId: `p-${i}`,
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** An app with the gate, the request context, the error handler and one API route and /health. */
async function gatedApp(log: AuditLog): Promise<FastifyInstance> {
  const app = Fastify()
  installErrorHandler(app, new StorageFaultLog('test database'))
  installRequestContext(app)
  log.installGate(app)
  app.get('/health', () => ({ status: 'ok' }))
  app.get('/rest/v1/patient/:id', (request) => {
    log.record([{ ...entry(0), requestId: request.id }])
    return { id: (request.params as { id: string }).id }
  })
  await app.ready()
  return app
}

describe('AuditLog', () => {
  let dataDir: string
  let storage: Storage
  let log: AuditLog | undefined
  let raw: BetterSqlite3.Database | undefined

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-audit-log-'))
    storage = createStorage({ dataDir, sqliteBusyTimeoutMs: 10 })
    await storage.init()
  })
  afterEach(async () => {
    if (raw?.inTransaction) raw.prepare('rollback').run()
    raw?.close()
    raw = undefined
    await log?.close(1000)
    log = undefined
    await storage.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('writes what is recorded in batches, in order, off the caller, with the request context', async () => {
    log = new AuditLog(storage.audit, { queueLimit: 50_000, retentionDays: 0 })
    log.record(Array.from({ length: 1200 }, (_, i) => entry(i)))
    // Nothing awaited the database: the entries are queued.
    expect(log.queued).toBe(1200)
    const app = await gatedApp(log)
    const res = await app.inject({ method: 'GET', url: '/rest/v1/patient/abc', remoteAddress: '203.0.113.9' })
    expect(res.statusCode).toBe(200)
    await log.flushed()
    expect(log.queued).toBe(0)
    const rows = await storage.audit.scan(1, 5000)
    expect(rows.map((r) => r.entityId)).toEqual([...Array.from({ length: 1200 }, (_, i) => `p-${i}`), 'p-0'])
    expect(rows[1200]).toMatchObject({
      requestId: expect.any(String) as unknown,
      clientAddress: '203.0.113.9',
    })
    expect(rows[0].requestId).toBeUndefined()
    expect((await verifyAuditChain(storage.audit)).ok).toBe(true)
    await app.close()
  })

  it('fails closed: refuses requests while writes fail for too long or the queue is full, and loses nothing', async () => {
    log = new AuditLog(storage.audit, { queueLimit: 50, retentionDays: 0, stallMs: 200, flushIntervalMs: 5 })
    const app = await gatedApp(log)
    raw = new BetterSqlite3(join(dataDir, AUDIT_FILE))
    raw.prepare('begin immediate').run()
    log.record(Array.from({ length: 10 }, (_, i) => entry(i)))
    // Failing, but not for long yet: requests are still served (and recorded).
    await sleep(50)
    expect(log.refusing).toBe(false)
    expect((await app.inject({ method: 'GET', url: '/rest/v1/patient/a' })).statusCode).toBe(200)
    await sleep(300)
    expect(log.refusing).toBe(true)
    const refused = await app.inject({ method: 'GET', url: '/rest/v1/patient/b' })
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('2')
    expect(refused.json()).toEqual({
      error: { code: 'UNAVAILABLE', message: 'the access log cannot keep up; try again shortly' },
    })
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    expect(log.queued).toBe(11)

    // The database takes writes again: everything queued is written, in order, and requests are served.
    raw.prepare('commit').run()
    await log.flushed()
    expect(log.refusing).toBe(false)
    expect((await storage.audit.scan(1, 100)).map((r) => r.entityId)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `p-${i}`),
      'p-0',
    ])
    expect((await app.inject({ method: 'GET', url: '/rest/v1/patient/c' })).statusCode).toBe(200)
    await app.close()
  })

  it('refuses requests when the queue is full, even while writes would succeed later', async () => {
    log = new AuditLog(storage.audit, { queueLimit: 20, retentionDays: 0, stallMs: 60_000 })
    const app = await gatedApp(log)
    raw = new BetterSqlite3(join(dataDir, AUDIT_FILE))
    raw.prepare('begin immediate').run()
    log.record(Array.from({ length: 19 }, (_, i) => entry(i)))
    expect((await app.inject({ method: 'GET', url: '/rest/v1/patient/a' })).statusCode).toBe(200)
    expect(log.queued).toBe(20)
    expect((await app.inject({ method: 'GET', url: '/rest/v1/patient/b' })).statusCode).toBe(503)
    raw.prepare('commit').run()
    await log.flushed()
    expect((await storage.audit.head()).seq).toBe(20)
    await app.close()
  })

  it('writes what is queued on close, and gives up at the deadline when the database is gone', async () => {
    log = new AuditLog(storage.audit, { queueLimit: 1000, retentionDays: 0, flushIntervalMs: 60_000 })
    log.record([entry(1), entry(2)])
    await log.close()
    expect((await storage.audit.head()).seq).toBe(2)

    const other = new AuditLog(storage.audit, { queueLimit: 1000, retentionDays: 0 })
    await storage.close()
    other.record([entry(3)])
    const started = Date.now()
    await other.close(300)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(other.queued).toBe(1)
  })

  it('retention deletes the entries older than the period and moves the anchor; the chain still verifies', async () => {
    const day = 24 * 3600 * 1000
    const now = Date.now()
    log = new AuditLog(storage.audit, { queueLimit: 1000, retentionDays: 30 })
    log.record([entry(1, now - 40 * day), entry(2, now - 31 * day), entry(3, now - 29 * day), entry(4, now)])
    await log.flushed()
    const second = (await storage.audit.scan(2, 1))[0]
    expect(await log.prune(now)).toBe(2)
    expect(await storage.audit.anchor()).toEqual({ seq: 2, hash: second.hash })
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: true, checked: 2 })
    const keepForever = new AuditLog(storage.audit, { queueLimit: 1000, retentionDays: 0 })
    expect(await keepForever.prune(now + 100 * day)).toBe(0)
  })
})
