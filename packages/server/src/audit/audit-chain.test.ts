import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStorage, type Storage } from '../storage/index.ts'
import type { AuditRecord } from '../storage/audit-store.ts'
import { AUDIT_GENESIS_HASH, auditEntryHash, canonicalAuditEntry, verifyAuditChain } from './audit-chain.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'

/*
 * The chain against a real SQLite database, tampered with through a second connection to its file,
 * as someone with access to the database would: every kind of change must be found, at its seq.
 */

const entry = (i: number): AuditRecord => ({
  at: 1_700_000_000_000 + i,
  action: i % 2 === 0 ? 'read' : 'modify',
  actorUserId: `user-${i}`,
  actorDataOwnerId: `owner-${i}`,
  entityType: 'patient',
  entityId: `patient-${i}`,
  requestId: `req-${i}`,
  clientAddress: '198.51.100.4',
})

describe('canonical encoding', () => {
  it('is a JSON array of every column in a fixed order, absent columns null', () => {
    expect(canonicalAuditEntry('ab', 7, { at: 5, action: 'loginFailed', clientAddress: '::1' })).toBe(
      '["ab","7",5,"loginFailed",null,null,null,null,null,"::1"]',
    )
    // A value that contains the separator of another encoding cannot shift into the next column.
    expect(auditEntryHash('x', 1, { at: 1, action: 'read', actorUserId: 'a","b' })).not.toBe(
      auditEntryHash('x', 1, { at: 1, action: 'read', actorUserId: 'a', actorDataOwnerId: 'b' }),
    )
    expect(auditEntryHash(AUDIT_GENESIS_HASH, 1, entry(1))).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('verifyAuditChain', () => {
  let dataDir: string
  let storage: Storage
  let raw: BetterSqlite3.Database

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-audit-chain-'))
    storage = createStorage({ dataDir })
    await storage.init()
    await storage.audit.append(Array.from({ length: 2500 }, (_, i) => entry(i + 1)))
    raw = new BetterSqlite3(join(dataDir, AUDIT_FILE))
  })
  afterEach(async () => {
    raw.close()
    await storage.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('accepts an intact chain, reports progress and its head', async () => {
    const progress: number[] = []
    const result = await verifyAuditChain(storage.audit, (n) => progress.push(n))
    expect(result).toEqual({
      ok: true,
      checked: 2500,
      anchor: { seq: 0, hash: AUDIT_GENESIS_HASH },
      head: await storage.audit.head(),
    })
    expect(progress).toEqual([1000, 2000, 2500])
  })

  it('accepts an empty log', async () => {
    raw.prepare('delete from audit_log').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: true, checked: 0 })
  })

  it('finds an edited entry', async () => {
    raw.prepare("update audit_log set actor_user_id = 'someone-else' where seq = 1234").run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({
      ok: false,
      checked: 1233,
      brokenAt: 1234,
      reason: expect.stringContaining('altered') as unknown,
      head: { seq: 1233 },
    })
  })

  it('finds an edited entry whose hash was recomputed, at the entry after it', async () => {
    const row = (await storage.audit.scan(700, 1))[0]
    const forged = { ...row, at: row.at - 60_000 }
    raw
      .prepare('update audit_log set at = ?, hash = ? where seq = 700')
      .run(forged.at, auditEntryHash(row.prevHash, 700, forged))
    expect(await verifyAuditChain(storage.audit)).toMatchObject({
      ok: false,
      brokenAt: 701,
      reason: expect.stringContaining('prev_hash') as unknown,
    })
  })

  it('finds a removed entry in the middle, and the first one', async () => {
    raw.prepare('delete from audit_log where seq = 2000').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({
      ok: false,
      brokenAt: 2000,
      reason: expect.stringContaining('missing') as unknown,
    })
    raw.prepare('delete from audit_log where seq = 1').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: false, checked: 0, brokenAt: 1 })
  })

  it('finds a removed entry whose successors were renumbered', async () => {
    raw.prepare('delete from audit_log where seq = 10').run()
    raw.prepare('update audit_log set seq = -(seq - 1) where seq > 10').run()
    raw.prepare('update audit_log set seq = -seq where seq < 0').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: false, brokenAt: 10 })
  })

  it('finds two entries swapped', async () => {
    raw.prepare('update audit_log set seq = -1 where seq = 50').run()
    raw.prepare('update audit_log set seq = 50 where seq = 51').run()
    raw.prepare('update audit_log set seq = 51 where seq = -1').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: false, brokenAt: 50, checked: 49 })
  })

  it('finds entries removed before the anchor was moved by hand', async () => {
    raw.prepare('delete from audit_log where seq <= 100').run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: false, brokenAt: 1 })
    // Moving the anchor needs the hash of the entry it names: a made-up one breaks at the next entry.
    raw.prepare("update audit_anchor set seq = 100, hash = 'f00d'").run()
    expect(await verifyAuditChain(storage.audit)).toMatchObject({ ok: false, brokenAt: 101 })
  })
})
