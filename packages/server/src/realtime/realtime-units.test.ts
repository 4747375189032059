import { describe, expect, it } from 'vitest'
import type { WriteEvent } from '../events/write-event.ts'
import { EventBus } from '../events/event-bus.ts'
import type { EventLogRecord, EventLogStore, NewEventLogRow } from '../storage/event-log-store.ts'
import { eventLogRowOf, eventTypeOf } from './event-kind.ts'
import { InProcessEventSignal } from './event-signal.ts'
import { EventRecorder } from './event-recorder.ts'
import { mayReceive } from './realtime-hub.ts'
import { planReplay } from './replay-plan.ts'
import { Subscription, type SubscriptionSpec } from './subscription.ts'

const write = (extra: Partial<WriteEvent>): WriteEvent => ({
  kind: 'create',
  entityType: 'patient',
  id: 'p1',
  rev: '1-a',
  actor: { userId: 'u1', dataOwnerId: 'd1' },
  requestId: 'r',
  delegates: ['d1'],
  at: 5,
  ...extra,
})

describe('event kinds', () => {
  it('records creates, modifications, shares and deletions of subscribable types as MedTech event types', () => {
    expect(eventLogRowOf(write({}))).toEqual({
      at: 5,
      kind: 'create',
      entityType: 'patient',
      entityId: 'p1',
      rev: '1-a',
      delegates: ['d1'],
      actorUserId: 'u1',
    })
    expect(eventLogRowOf(write({ kind: 'share', entityType: 'dataSample' }))?.kind).toBe('modify')
    expect(eventLogRowOf(write({ kind: 'modify', entityType: 'notification' }))?.kind).toBe('modify')
    expect(eventLogRowOf(write({ kind: 'delete', entityType: 'healthcareElement' }))?.kind).toBe('delete')
    expect(['create', 'modify', 'delete'].map((k) => eventTypeOf(k as 'create'))).toEqual([
      'CREATE',
      'UPDATE',
      'DELETE',
    ])
  })

  it('records user changes by their change (modify when unsaid), without delegates; never logins or other types', () => {
    const user = write({ kind: 'user-change', entityType: 'user', id: 'u2', delegates: ['x'] })
    expect(eventLogRowOf({ ...user, change: 'create' })).toMatchObject({ kind: 'create', delegates: [] })
    expect(eventLogRowOf({ ...user, change: 'delete' })?.kind).toBe('delete')
    expect(eventLogRowOf(user)?.kind).toBe('modify')
    expect(eventLogRowOf(write({ kind: 'login', entityType: 'user' }))).toBeUndefined()
    expect(eventLogRowOf(write({ entityType: 'exchangeKey' }))).toBeUndefined()
    expect(eventLogRowOf(write({ entityType: 'healthcareProfessional' }))).toBeUndefined()
    expect(eventLogRowOf(write({ entityType: 'coding' }))).toBeUndefined()
  })
})

describe('who may receive a row', () => {
  const row = (extra: Partial<EventLogRecord>): EventLogRecord => ({
    seq: 1,
    at: 1,
    kind: 'create',
    entityType: 'dataSample',
    entityId: 'e',
    delegates: ['d1'],
    actorUserId: 'u',
    ...extra,
  })
  const hcp = {
    userId: 'u1',
    dataOwnerId: 'd1',
    dataOwnerType: 'HealthcareProfessional',
    isAdmin: false,
    requestId: '',
  } as const
  it('a delegate, a patient for its own record, a user for itself, admins for users', () => {
    expect(mayReceive(hcp, row({}))).toBe(true)
    expect(mayReceive({ ...hcp, dataOwnerId: 'd2' }, row({}))).toBe(false)
    expect(mayReceive({ ...hcp, dataOwnerId: undefined }, row({}))).toBe(false)
    const patient = { ...hcp, dataOwnerId: 'p', dataOwnerType: 'Patient' } as const
    expect(mayReceive(patient, row({ entityType: 'patient', entityId: 'p', delegates: ['d1'] }))).toBe(true)
    expect(mayReceive(patient, row({ entityId: 'p', delegates: ['d1'] }))).toBe(false)
    expect(mayReceive(hcp, row({ entityType: 'user', entityId: 'u1', delegates: [] }))).toBe(true)
    expect(mayReceive(hcp, row({ entityType: 'user', entityId: 'u2', delegates: [] }))).toBe(false)
    expect(mayReceive({ ...hcp, isAdmin: true }, row({ entityType: 'user', entityId: 'u2' }))).toBe(true)
  })
})

describe('replay or resync', () => {
  const facts = { since: 10, head: 20, oldest: 5, count: 10, max: 100 }
  it('replays what is kept and within the cap', () => {
    expect(planReplay(facts)).toEqual({ kind: 'replay' })
    expect(planReplay({ ...facts, oldest: 11 })).toEqual({ kind: 'replay' })
    expect(planReplay({ ...facts, since: 20, oldest: 20 })).toEqual({ kind: 'replay' })
    expect(planReplay({ ...facts, count: 100 })).toEqual({ kind: 'replay' })
  })
  it('resyncs a cursor ahead of the log, one whose next events were pruned, or too many events', () => {
    expect(planReplay({ ...facts, since: 21 })).toMatchObject({
      kind: 'resync',
      reason: expect.stringContaining('ahead') as unknown,
    })
    expect(planReplay({ ...facts, oldest: 12 })).toMatchObject({
      kind: 'resync',
      reason: expect.stringContaining('no longer kept') as unknown,
    })
    expect(planReplay({ ...facts, oldest: undefined })).toMatchObject({ kind: 'resync' })
    expect(planReplay({ ...facts, count: 101 })).toMatchObject({
      kind: 'resync',
      reason: expect.stringContaining('more than 100') as unknown,
    })
  })
})

describe('subscription queue', () => {
  const spec: SubscriptionSpec = {
    caller: { userId: 'u', isAdmin: false, requestId: '' },
    entityType: 'patient',
    eventTypes: new Set(['CREATE'] as const),
  }
  function sink(buffered = 0) {
    const sent: string[] = []
    const closes: { code: number; error: { code: string; message: string } }[] = []
    return {
      sent,
      closes,
      sink: {
        send: (t: string) => void sent.push(t),
        bufferedAmount: () => buffered,
        close: (code: number, error: { code: string; message: string }) => void closes.push({ code, error }),
      },
    }
  }

  it('runs tasks one after the other, in order', async () => {
    const s = sink()
    const sub = new Subscription(spec, s.sink, { queueLimit: 10, maxBufferBytes: 100 })
    const order: number[] = []
    sub.enqueue(1, async () => {
      await new Promise((r) => setTimeout(r, 20))
      order.push(1)
    })
    sub.enqueue(1, () => Promise.resolve(void order.push(2)))
    expect(sub.pending).toBe(2)
    await sub.idle()
    expect(order).toEqual([1, 2])
    expect(sub.pending).toBe(0)
  })

  it('closes with 4409 when more events wait than the limit, and runs nothing more', async () => {
    const s = sink()
    const sub = new Subscription(spec, s.sink, { queueLimit: 3, maxBufferBytes: 100 })
    let ran = 0
    expect(sub.enqueue(2, () => Promise.resolve(void ran++))).toBe(true)
    expect(sub.enqueue(2, () => Promise.resolve(void ran++))).toBe(false)
    await sub.idle()
    expect(s.closes).toEqual([
      { code: 4409, error: { code: 'SLOW_CONSUMER', message: 'slow consumer: more than 3 events waiting' } },
    ])
    expect(ran).toBe(0)
    expect(sub.closed).toBe(true)
  })

  it('closes with 4409 when the socket buffer is over its limit after a send', () => {
    const s = sink(101)
    const sub = new Subscription(spec, s.sink, { queueLimit: 3, maxBufferBytes: 100 })
    sub.send({ type: 'ping' })
    sub.send({ type: 'ping' })
    expect(s.sent).toHaveLength(1)
    expect(s.closes[0]?.code).toBe(4409)
    expect(s.closes[0]?.error.message).toMatch(/^slow consumer: more than 100 bytes/)
  })
})

describe('event recorder', () => {
  /** An event log in memory whose appends can be held back. */
  function memoryLog() {
    const rows: NewEventLogRow[] = []
    const appends: number[] = []
    let gate: Promise<void> = Promise.resolve()
    let release = () => undefined as void
    const store = {
      append: async (batch: readonly NewEventLogRow[]) => {
        await gate
        rows.push(...batch)
        appends.push(batch.length)
        return rows.length
      },
    } as unknown as EventLogStore
    return {
      rows,
      appends,
      store,
      hold() {
        gate = new Promise((r) => (release = r))
      },
      release: () => release(),
    }
  }

  it('appends in batches off the request path and signals each append', async () => {
    const bus = new EventBus(() => undefined)
    const log = memoryLog()
    const signal = new InProcessEventSignal()
    let signals = 0
    signal.onSignal(() => signals++)
    const recorder = new EventRecorder(
      bus,
      log.store,
      signal,
      { error: () => undefined },
      { flushMs: 5, batchSize: 3 },
    )
    recorder.init()
    bus.emit([write({ id: 'a' }), write({ kind: 'login', entityType: 'user' }), write({ id: 'b' })])
    expect(log.rows).toEqual([]) // nothing in the emitting call
    await new Promise((r) => setTimeout(r, 30))
    expect(log.rows.map((r) => r.entityId)).toEqual(['a', 'b'])
    expect(log.appends).toEqual([2])
    bus.emit(['c', 'd', 'e', 'f'].map((id) => write({ id })))
    await recorder.flush()
    await new Promise((r) => setTimeout(r, 30))
    expect(log.rows.map((r) => r.entityId)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    expect(log.appends.slice(1).every((n) => n <= 3)).toBe(true)
    expect(signals).toBeGreaterThanOrEqual(2)
    await recorder.close()
  })

  it('bounds the queue while the database does not keep up: drops are logged and reported, never silent', async () => {
    const bus = new EventBus(() => undefined)
    const log = memoryLog()
    const errors: object[] = []
    let lost = 0
    const recorder = new EventRecorder(
      bus,
      log.store,
      new InProcessEventSignal(),
      { error: (details) => void errors.push(details) },
      { flushMs: 1, batchSize: 2, maxQueued: 4 },
      (n) => (lost += n),
    )
    recorder.init()
    log.hold()
    bus.emit([write({ id: '1' }), write({ id: '2' })])
    await new Promise((r) => setTimeout(r, 10)) // the first append is now waiting on the database
    bus.emit(['3', '4', '5', '6', '7', '8'].map((id) => write({ id })))
    // The batch being appended still counts: 1-4 are kept, 5-8 dropped.
    expect(recorder.queued).toBe(4)
    expect(lost).toBe(4)
    expect(errors).toEqual([expect.objectContaining({ dropped: 1 })])
    log.release()
    await recorder.close()
    expect(log.rows.map((r) => r.entityId)).toEqual(['1', '2', '3', '4'])
  })
})
