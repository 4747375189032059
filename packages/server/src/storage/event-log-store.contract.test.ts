import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { NewEventLogRow } from './event-log-store.ts'
import { describeOnBothBackends, type OpenStorages } from '../testing/two-storages.ts'

/*
 * The contract of storage.eventLog and storage.realtimeTickets, against embedded SQLite and, when
 * DATABASE_URL is set, PostgreSQL in a random schema dropped at the end. Two storages are opened on
 * the same database, as two server instances would.
 */

function row(extra: Partial<NewEventLogRow> = {}): NewEventLogRow {
  return {
    at: Date.now(),
    kind: 'create',
    entityType: 'patient',
    entityId: randomUUID(),
    rev: '1-abc',
    delegates: ['d1', 'd2'],
    actorUserId: 'u1',
    ...extra,
  }
}

function contract(s: OpenStorages): void {
  it('starts empty, appends in order and reads back from the other instance', async () => {
    expect(await s.first.eventLog.head()).toBe(0)
    expect(await s.first.eventLog.oldest()).toBeUndefined()
    const rows = [row(), row({ kind: 'modify', rev: undefined }), row({ kind: 'delete', delegates: [] })]
    const head = await s.first.eventLog.append(rows)
    expect(head).toBeGreaterThan(0)
    expect(await s.second.eventLog.head()).toBe(head)
    const read = await s.second.eventLog.readAfter(0, 10)
    expect(read.map((r) => r.entityId)).toEqual(rows.map((r) => r.entityId))
    expect(read[2].seq).toBe(head)
    expect(read[0].seq).toBeLessThan(read[1].seq)
    expect(read[0]).toEqual({ ...rows[0], seq: read[0].seq })
    expect(read[1]).not.toHaveProperty('rev')
    expect(read[1].kind).toBe('modify')
    expect(read[2].delegates).toEqual([])
    expect(await s.second.eventLog.readAfter(read[0].seq, 1)).toEqual([read[1]])
    expect(await s.second.eventLog.readAfter(0, 10, read[1].seq)).toEqual(read.slice(0, 2))
    expect(await s.second.eventLog.countBetween(read[0].seq, head)).toBe(2)
    expect(await s.second.eventLog.oldest()).toBe(read[0].seq)
    expect(await s.first.eventLog.append([])).toBe(head)
  })

  it('appends of both instances at once keep seq order equal to the order of each batch, nothing lost', async () => {
    const start = await s.first.eventLog.head()
    const batches = Array.from({ length: 20 }, (_, i) =>
      Array.from({ length: 5 }, (_, j) => row({ entityId: `b${i}-${j}` })),
    )
    await Promise.all(batches.map((b, i) => (i % 2 === 0 ? s.first : s.second).eventLog.append(b)))
    const read = await s.first.eventLog.readAfter(start, 1000)
    expect(read).toHaveLength(100)
    for (const b of batches) {
      const seqs = b.map((r) => read.find((x) => x.entityId === r.entityId)!.seq)
      // A batch is contiguous in the stream and in order.
      expect(seqs).toEqual(seqs.map((_, k) => seqs[0] + k))
    }
  })

  it('prunes only a prefix: the rows before the first one recorded after the time, never the newest', async () => {
    const old = Date.now() - 100_000
    const start = await s.first.eventLog.head()
    // The earlier tests' rows were recorded now: old rows appended after them (a delayed append, an
    // instance whose clock is behind) are not pruned before them, which would leave a hole.
    await s.first.eventLog.append([row({ at: old }), row({ at: old })])
    const head = await s.first.eventLog.head()
    expect(await s.second.eventLog.prune(Date.now() - 50_000)).toBe(0)
    expect(await s.first.eventLog.countBetween(start, head)).toBe(2)
    const everything = await s.first.eventLog.prune(Date.now() + 1000)
    expect(everything).toBeGreaterThan(0)
    expect(await s.first.eventLog.oldest()).toBe(head)
    expect(await s.first.eventLog.head()).toBe(head)
    // Old, young, old: the prefix up to the young row goes, the old row after it stays.
    const last = await s.first.eventLog.append([row({ at: old }), row(), row({ at: old })])
    expect(await s.second.eventLog.prune(Date.now() - 50_000)).toBe(2)
    expect(await s.first.eventLog.oldest()).toBe(last - 1)
    expect((await s.first.eventLog.readAfter(0, 10)).map((r) => r.seq)).toEqual([last - 1, last])
    // Numbers are never reused after a prune.
    expect(await s.first.eventLog.append([row()])).toBeGreaterThan(last)
  })

  it('consumes a ticket once, from either instance, and never an expired one', async () => {
    const now = Date.now()
    const ticket = {
      hash: randomUUID(),
      userId: 'u',
      sessionId: 's',
      expires: now + 30_000,
      notAfter: now + 60_000,
    }
    await s.first.realtimeTickets.insert(ticket, now)
    const results = await Promise.all([
      s.first.realtimeTickets.consume(ticket.hash, now),
      s.second.realtimeTickets.consume(ticket.hash, now),
    ])
    expect(results.filter((r) => r !== undefined)).toEqual([ticket])
    expect(await s.first.realtimeTickets.consume(ticket.hash, now)).toBeUndefined()
    const expired = { ...ticket, hash: randomUUID(), expires: now + 10 }
    await s.second.realtimeTickets.insert(expired, now)
    expect(await s.first.realtimeTickets.consume(expired.hash, now + 11)).toBeUndefined()
    expect(await s.first.realtimeTickets.consume(randomUUID(), now)).toBeUndefined()
  })
}

describeOnBothBackends('event log store contract', contract)
