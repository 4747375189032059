import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { Storage } from './index.ts'
import type { AuditRecord } from './audit-store.ts'
import { AUDIT_GENESIS_HASH, auditEntryHash, verifyAuditChain } from '../audit/audit-chain.ts'
import { describeOnBothBackends, type OpenStorages } from '../testing/two-storages.ts'

/*
 * The contract of storage.audit, against embedded SQLite and, when DATABASE_URL is set, PostgreSQL in
 * a random schema dropped at the end. Two storages are opened on one database, as two server
 * instances would: both extend one chain. Each test uses ids of its own; prune runs last, as it
 * deletes from the oldest end.
 */

const entry = (extra: Partial<AuditRecord> = {}): AuditRecord => ({
  at: 1_700_000_000_000,
  action: 'read',
  actorUserId: randomUUID(),
  actorDataOwnerId: randomUUID(),
  entityType: 'patient',
  entityId: randomUUID(),
  requestId: randomUUID(),
  clientAddress: '192.0.2.7',
  ...extra,
})

/** Stores an encrypted entity of `type` that `holders` have access to (its access-index rows). */
async function holdEntity(
  storage: Storage,
  type: 'patient' | 'dataSample',
  holders: string[],
): Promise<string> {
  const id = randomUUID()
  await storage.insertDocs(type, [
    { id, rev: '1-a', doc: JSON.stringify({ id }), created: 1, modified: 1, indexes: { access: holders } },
  ])
  return id
}

function contract(s: OpenStorages): void {
  it('starts from the genesis anchor and chains every entry from the one before', async () => {
    expect(await s.first.audit.anchor()).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH })
    expect(await s.first.audit.head()).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH })
    const a = entry({ action: 'login', entityType: undefined, entityId: undefined })
    const b = entry({ actorUserId: undefined, actorDataOwnerId: undefined, clientAddress: undefined })
    const head = await s.first.audit.append([a, b])
    const rows = await s.second.audit.scan(1, 10)
    expect(rows).toEqual([
      { ...a, seq: 1, prevHash: AUDIT_GENESIS_HASH, hash: auditEntryHash(AUDIT_GENESIS_HASH, 1, a) },
      { ...b, seq: 2, prevHash: rows[0].hash, hash: auditEntryHash(rows[0].hash, 2, b) },
    ])
    expect(head).toEqual({ seq: 2, hash: rows[1].hash })
    expect(await s.second.audit.head()).toEqual(head)
    expect(await s.first.audit.append([])).toEqual(head)
  })

  it('keeps one dense chain when two instances append concurrently', async () => {
    const before = await s.first.audit.head()
    const batches = Array.from({ length: 8 }, (_, i) =>
      Array.from({ length: 25 }, () => entry({ requestId: `batch-${i}` })),
    )
    await Promise.all(batches.map((b, i) => (i % 2 === 0 ? s.first : s.second).audit.append(b)))
    const after = await s.first.audit.head()
    expect(after.seq).toBe(before.seq + 200)
    const result = await verifyAuditChain(s.second.audit)
    expect(result).toMatchObject({ ok: true, head: after })
    // Each batch stays in one piece, in its own order.
    const rows = await s.first.audit.scan(before.seq + 1, 1000)
    for (let i = 0; i < rows.length; i += 25)
      expect(new Set(rows.slice(i, i + 25).map((r) => r.requestId)).size).toBe(1)
  })

  it('writes a large batch in several statements', async () => {
    const before = await s.first.audit.head()
    await s.first.audit.append(Array.from({ length: 3000 }, () => entry({ action: 'create' })))
    expect((await s.first.audit.head()).seq).toBe(before.seq + 3000)
    expect((await verifyAuditChain(s.first.audit)).ok).toBe(true)
  })

  it('queries by actor, data owner, record, type, action and time range, with keyset paging', async () => {
    const actor = randomUUID()
    const owner = randomUUID()
    const record = randomUUID()
    const t = 1_800_000_000_000
    await s.first.audit.append([
      entry({ at: t, actorUserId: actor, action: 'read', entityId: record }),
      entry({ at: t + 1, actorUserId: actor, action: 'modify', entityId: record, entityType: 'dataSample' }),
      entry({ at: t + 2, actorUserId: actor, actorDataOwnerId: owner, action: 'read' }),
      entry({ at: t + 3, actorDataOwnerId: owner, action: 'delete', entityId: record }),
      entry({ at: t + 4, actorUserId: actor, action: 'share' }),
    ])
    const byActor = await s.second.audit.query({ actorUserId: actor }, 0, 10)
    expect(byActor.map((e) => e.at)).toEqual([t, t + 1, t + 2, t + 4])
    const page1 = await s.second.audit.query({ actorUserId: actor }, 0, 2)
    const page2 = await s.second.audit.query({ actorUserId: actor }, page1[1].seq, 2)
    expect([...page1, ...page2]).toEqual(byActor)
    expect((await s.second.audit.query({ actorDataOwnerId: owner }, 0, 10)).map((e) => e.at)).toEqual([
      t + 2,
      t + 3,
    ])
    expect((await s.second.audit.query({ entityId: record }, 0, 10)).map((e) => e.at)).toEqual([
      t,
      t + 1,
      t + 3,
    ])
    expect(
      (await s.second.audit.query({ entityId: record, entityType: 'dataSample' }, 0, 10)).map((e) => e.at),
    ).toEqual([t + 1])
    expect(
      (await s.second.audit.query({ actorUserId: actor, action: 'read' }, 0, 10)).map((e) => e.at),
    ).toEqual([t, t + 2])
    expect(
      (await s.second.audit.query({ actorUserId: actor, from: t + 1, to: t + 4 }, 0, 10)).map((e) => e.at),
    ).toEqual([t + 1, t + 2])
  })

  it("lists the entries about the records a data owner holds, and nobody else's", async () => {
    const hcp = randomUUID()
    const other = randomUUID()
    const patient = await holdEntity(s.first, 'patient', [hcp, other])
    const sample = await holdEntity(s.first, 'dataSample', [hcp])
    const notHeld = await holdEntity(s.first, 'dataSample', [other])
    const reader = randomUUID()
    await s.first.audit.append([
      entry({ actorUserId: reader, entityType: 'patient', entityId: patient, at: 10 }),
      entry({ actorUserId: reader, entityType: 'dataSample', entityId: notHeld, at: 11 }),
      entry({ actorUserId: reader, entityType: 'dataSample', entityId: sample, action: 'modify', at: 12 }),
      // Same id, another type: not the record the data owner holds.
      entry({ actorUserId: reader, entityType: 'healthcareElement', entityId: sample, at: 13 }),
      entry({ actorUserId: reader, entityType: 'patient', entityId: patient, action: 'share', at: 14 }),
    ])
    const all = await s.second.audit.accessLogOf(hcp, {}, 0, 10)
    expect(all.map((e) => [e.entityId, e.action])).toEqual([
      [patient, 'read'],
      [sample, 'modify'],
      [patient, 'share'],
    ])
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b))
    const first2 = await s.second.audit.accessLogOf(hcp, {}, 0, 2)
    expect(await s.second.audit.accessLogOf(hcp, {}, first2[1].seq, 2)).toEqual([all[2]])
    expect((await s.second.audit.accessLogOf(hcp, { entityId: sample }, 0, 10)).map((e) => e.action)).toEqual(
      ['modify'],
    )
    expect((await s.second.audit.accessLogOf(hcp, { action: 'share' }, 0, 10)).map((e) => e.at)).toEqual([14])
    expect((await s.second.audit.accessLogOf(hcp, { from: 11, to: 14 }, 0, 10)).map((e) => e.at)).toEqual([
      12,
    ])
    expect((await s.second.audit.accessLogOf(other, {}, 0, 10)).map((e) => e.at)).toEqual([10, 11, 14])
    expect(await s.second.audit.accessLogOf(randomUUID(), {}, 0, 10)).toEqual([])
  })

  it('prunes the oldest entries as a prefix and moves the anchor, so that the chain still verifies', async () => {
    const now = 2_000_000_000_000
    const old = (await s.first.audit.scan(0, 100_000)).length
    const kept = await s.first.audit.append([
      entry({ at: now }),
      // Older than the cut but after a kept entry: stays, as the deletion is a prefix of the chain.
      entry({ at: 5 }),
    ])
    const lastOld = (await s.first.audit.scan(old, 1))[0]
    expect(await s.second.audit.prune(now)).toBe(old)
    expect(await s.first.audit.anchor()).toEqual({ seq: lastOld.seq, hash: lastOld.hash })
    expect((await s.first.audit.scan(0, 10)).map((e) => e.at)).toEqual([now, 5])
    expect(await verifyAuditChain(s.first.audit)).toMatchObject({ ok: true, checked: 2, head: kept })
    expect(await s.first.audit.prune(now)).toBe(0)
    // Everything pruned: the next entry chains from the anchor.
    expect(await s.first.audit.prune(now + 1)).toBe(2)
    expect(await s.first.audit.head()).toEqual(kept)
    const next = await s.second.audit.append([entry()])
    expect(next.seq).toBe(kept.seq + 1)
    expect(await verifyAuditChain(s.second.audit)).toMatchObject({ ok: true, checked: 1, anchor: kept })
  })
}

describeOnBothBackends('audit store contract', contract)
