import { randomUUID } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import type { NewOutboxMessage, OutboxStore } from './outbox-store.ts'
import { describeOnBothBackends, type OpenStorages } from '../testing/two-storages.ts'

/*
 * The contract of storage.outbox, against embedded SQLite and, when DATABASE_URL is set, PostgreSQL
 * in a random schema dropped at the end. Two storages are opened on the same database, as two server
 * instances would. Each test works in its own stretch of (fake) time, later than the previous one's,
 * and ends with nothing pending, so that claims and lists only see its own messages.
 */

/** A time later than every earlier test's (each test takes a fresh stretch of a million ms). */
let clock = 1_900_000_000_000
const laterStretch = (): number => (clock += 1_000_000_000)

function message(now: number, extra: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return {
    id: randomUUID(),
    channel: 'email',
    recipient: `${randomUUID()}@example.org`,
    kind: 'code',
    payload: `v1.sealed-${randomUUID()}`,
    status: 'pending',
    now,
    ...extra,
  }
}

/** Claims and fails whatever is still pending, so that the next test starts with an empty queue. */
async function drain(outbox: OutboxStore): Promise<void> {
  for (;;) {
    const claimed = await outbox.claim(Number.MAX_SAFE_INTEGER - 10, 1, 100)
    if (claimed.length === 0) return
    for (const m of claimed) await outbox.markFailed(m.id, m.leaseToken, 'drained by the test', false)
  }
}

function contract(s: OpenStorages): void {
  afterEach(async () => {
    await drain(s.first.outbox)
  })

  it('stores a pending message and a delivered one, readable from the other instance', async () => {
    const t = laterStretch()
    const pending = message(t, { channel: 'sms', recipient: '+32475123456', kind: 'invitation' })
    const delivered = message(t + 1, { status: 'sent' })
    await s.first.outbox.insert(pending)
    await s.first.outbox.insert(delivered)
    expect(await s.second.outbox.get(pending.id)).toEqual({
      id: pending.id,
      channel: 'sms',
      recipient: '+32475123456',
      kind: 'invitation',
      payload: pending.payload,
      status: 'pending',
      attempts: 0,
      nextAttempt: t,
      created: t,
    })
    expect(await s.second.outbox.get(delivered.id)).toMatchObject({
      status: 'sent',
      sent: t + 1,
      attempts: 0,
    })
    expect(await s.second.outbox.get(randomUUID())).toBeUndefined()
  })

  it('claims due messages only, earliest first, up to the limit, counting an attempt each', async () => {
    const t = laterStretch()
    const a = message(t + 10)
    const b = message(t)
    const c = message(t + 20)
    const notDue = message(t + 5_000)
    for (const m of [a, b, c, notDue]) await s.first.outbox.insert(m)
    const claimed = await s.first.outbox.claim(t + 100, 60_000, 2)
    expect(claimed.map((m) => m.id)).toEqual([b.id, a.id])
    expect(claimed[0]).toMatchObject({ attempts: 1, leaseUntil: t + 60_100, payload: b.payload })
    expect(claimed[0].leaseToken).toBe(claimed[1].leaseToken)
    const rest = await s.second.outbox.claim(t + 100, 60_000, 10)
    expect(rest.map((m) => m.id)).toEqual([c.id])
    expect(rest[0].leaseToken).not.toBe(claimed[0].leaseToken)
    expect(await s.first.outbox.claim(t + 100, 60_000, 10)).toEqual([])
    expect((await s.first.outbox.claim(t + 5_000, 60_000, 10)).map((m) => m.id)).toEqual([notDue.id])
  })

  it('claims a message again once the lease of a claimer that never answered ends', async () => {
    const t = laterStretch()
    const m = message(t)
    await s.first.outbox.insert(m)
    const [crashed] = await s.first.outbox.claim(t, 60_000, 10)
    expect(await s.second.outbox.claim(t + 59_999, 60_000, 10)).toEqual([])
    expect(await s.second.outbox.nextDue()).toBe(t + 60_000)
    const [again] = await s.second.outbox.claim(t + 60_000, 60_000, 10)
    expect(again).toMatchObject({ id: m.id, attempts: 2, leaseUntil: t + 120_000 })
    // The first claimer's late outcome is refused: the message belongs to the second one now.
    expect(await s.first.outbox.markSent(m.id, crashed.leaseToken, t + 61_000, false)).toBe(false)
    expect(await s.first.outbox.markRetry(m.id, crashed.leaseToken, t + 70_000, 'late')).toBe(false)
    expect(await s.first.outbox.markFailed(m.id, crashed.leaseToken, 'late', false)).toBe(false)
    expect(await s.second.outbox.markSent(m.id, again.leaseToken, t + 61_000, false)).toBe(true)
    expect(await s.first.outbox.get(m.id)).toMatchObject({ status: 'sent', sent: t + 61_000, attempts: 2 })
  })

  it('records a sent message without its content, unless asked to keep it', async () => {
    const t = laterStretch()
    const dropped = message(t)
    const kept = message(t)
    await s.first.outbox.insert(dropped)
    await s.first.outbox.insert(kept)
    const claimed = await s.first.outbox.claim(t, 60_000, 10)
    const token = claimed[0].leaseToken
    expect(await s.first.outbox.markSent(dropped.id, token, t + 5, false)).toBe(true)
    expect(await s.first.outbox.markSent(kept.id, token, t + 6, true)).toBe(true)
    const droppedRow = await s.first.outbox.get(dropped.id)
    expect(droppedRow).toMatchObject({ status: 'sent', sent: t + 5 })
    expect(droppedRow?.payload).toBeUndefined()
    expect(droppedRow?.leaseUntil).toBeUndefined()
    expect(await s.first.outbox.get(kept.id)).toMatchObject({ status: 'sent', payload: kept.payload })
    // Sent is final: a second outcome changes nothing.
    expect(await s.first.outbox.markSent(dropped.id, token, t + 9, false)).toBe(false)
  })

  it('schedules a retry, then fails a message for good', async () => {
    const t = laterStretch()
    const m = message(t)
    await s.first.outbox.insert(m)
    const [one] = await s.first.outbox.claim(t, 60_000, 10)
    expect(await s.first.outbox.markRetry(m.id, one.leaseToken, t + 2_000, 'connection refused')).toBe(true)
    expect(await s.first.outbox.get(m.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttempt: t + 2_000,
      lastError: 'connection refused',
      payload: m.payload,
    })
    expect((await s.first.outbox.get(m.id))?.leaseUntil).toBeUndefined()
    expect(await s.first.outbox.nextDue()).toBe(t + 2_000)
    expect(await s.first.outbox.claim(t + 1_999, 60_000, 10)).toEqual([])
    const [two] = await s.second.outbox.claim(t + 2_000, 60_000, 10)
    expect(two.attempts).toBe(2)
    expect(await s.second.outbox.markFailed(m.id, two.leaseToken, '550 rejected', false)).toBe(true)
    const failed = await s.first.outbox.get(m.id)
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: '550 rejected' })
    expect(failed?.payload).toBeUndefined()
    expect(await s.first.outbox.nextDue()).toBeUndefined()
    expect(await s.first.outbox.claim(t + 10_000_000, 60_000, 10)).toEqual([])
  })

  it('finds the last message queued to a recipient on a channel', async () => {
    const t = laterStretch()
    const to = `${randomUUID()}@example.org`
    const older = message(t, { recipient: to, status: 'sent' })
    const newer = message(t + 1, { recipient: to, status: 'sent' })
    const otherChannel = message(t + 2, { recipient: to, channel: 'sms', status: 'sent' })
    for (const m of [older, newer, otherChannel]) await s.first.outbox.insert(m)
    expect(await s.second.outbox.last('email', to)).toMatchObject({ id: newer.id, payload: newer.payload })
    expect(await s.second.outbox.last('sms', to)).toMatchObject({ id: otherChannel.id })
    expect(await s.second.outbox.last('email', `x${to}`)).toBeUndefined()
  })

  it('lists newest first, by status, without content', async () => {
    const t = laterStretch()
    const sent = message(t, { status: 'sent' })
    const pending1 = message(t + 1)
    const pending2 = message(t + 2)
    for (const m of [sent, pending1, pending2]) await s.first.outbox.insert(m)
    const all = await s.second.outbox.list({ limit: 3 })
    expect(all.map((m) => m.id)).toEqual([pending2.id, pending1.id, sent.id])
    for (const entry of all) expect(entry.payload).toBeUndefined()
    expect((await s.second.outbox.list({ status: 'pending', limit: 1 })).map((m) => m.id)).toEqual([
      pending2.id,
    ])
    const sentOnes = await s.second.outbox.list({ status: 'sent', limit: 1000 })
    expect(sentOnes.map((m) => m.id)).toContain(sent.id)
    expect(sentOnes.every((m) => m.status === 'sent')).toBe(true)
  })

  it('never gives one message to two concurrent claimers (two instances, two workers each)', async () => {
    const t = laterStretch()
    const messages = Array.from({ length: 60 }, (_, i) => message(t + (i % 7)))
    for (const m of messages) await s.first.outbox.insert(m)
    const claimedBy: string[][] = [[], [], [], []]
    const worker = async (store: OutboxStore, into: string[]) => {
      for (;;) {
        const batch = await store.claim(t + 100, 60_000, 3)
        if (batch.length === 0) return
        expect(batch.length).toBeLessThanOrEqual(3)
        into.push(...batch.map((m) => m.id))
        // Yield, so that the claimers interleave.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    await Promise.all([
      worker(s.first.outbox, claimedBy[0]),
      worker(s.second.outbox, claimedBy[1]),
      worker(s.first.outbox, claimedBy[2]),
      worker(s.second.outbox, claimedBy[3]),
    ])
    const all = claimedBy.flat()
    expect(new Set(all).size).toBe(all.length)
    expect([...all].sort()).toEqual(messages.map((m) => m.id).sort())
    for (const m of messages) expect((await s.first.outbox.get(m.id))?.attempts).toBe(1)
  })
}

describeOnBothBackends('outbox store contract', contract)
