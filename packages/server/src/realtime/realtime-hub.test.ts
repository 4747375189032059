import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { EntityType, RealtimeEntityType, RealtimeEventType } from '@cairn/protocol'
import { AuditLog } from '../audit/audit-log.ts'
import type { Caller } from '../auth/caller.ts'
import { createStorage } from '../storage/create-storage.ts'
import type { NewEventLogRow } from '../storage/event-log-store.ts'
import type { Storage } from '../storage/storage.ts'
import { entityDoc } from '../testing/in-process-server.ts'
import { InProcessEventSignal } from './event-signal.ts'
import { RealtimeHub, type RealtimeAudit } from './realtime-hub.ts'
import { Subscription } from './subscription.ts'

/*
 * The hub against a real SQLite storage (documents and event log), with subscriptions whose socket is
 * a list of the messages sent: what a deletion sends, coalesced resyncs, which documents a batch
 * reads, and the access log (a real AuditLog on the storage's audit table).
 */

const hcp = (dataOwnerId: string): Caller => ({
  userId: `user-of-${dataOwnerId}`,
  dataOwnerId,
  dataOwnerType: 'HealthcareProfessional',
  isAdmin: false,
  requestId: `ws-${dataOwnerId}`,
})

/** A subscription whose socket records what it is sent and how it was closed. */
function subscriptionOf(
  caller: Caller,
  entityType: RealtimeEntityType,
  eventTypes: RealtimeEventType[] = ['CREATE', 'UPDATE', 'DELETE'],
  queueLimit = 100,
) {
  const sent: Record<string, unknown>[] = []
  const closes: number[] = []
  const sub = new Subscription(
    { caller, entityType, eventTypes: new Set(eventTypes), clientAddress: '203.0.113.7' },
    {
      send: (text) => void sent.push(JSON.parse(text) as Record<string, unknown>),
      bufferedAmount: () => 0,
      close: (code) => void closes.push(code),
    },
    { queueLimit, maxBufferBytes: 1 << 20 },
  )
  return { sub, sent, closes, events: () => sent.filter((m) => m.type === 'event') }
}

describe('realtime hub (SQLite)', () => {
  let dataDir: string
  let storage: Storage
  let hub: RealtimeHub | undefined
  let audit: AuditLog | undefined

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-hub-'))
    storage = createStorage({ dataDir })
    await storage.init()
  })
  afterEach(async () => {
    await hub?.close()
    await audit?.close()
    hub = undefined
    audit = undefined
  })
  afterAll(async () => {
    await storage.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function startHub(withAudit?: RealtimeAudit): Promise<RealtimeHub> {
    const log = { error: () => undefined, warn: () => undefined }
    hub = new RealtimeHub(
      storage,
      new InProcessEventSignal(),
      { pollMs: 60_000, replayMax: 1000, replaySeconds: 3600 },
      log,
      undefined,
      withAudit,
    )
    await hub.init()
    return hub
  }

  async function insert(type: EntityType, id: string, owners: string[], extra: object = {}) {
    const now = Date.now()
    await storage.insertDocs(type, [
      {
        id,
        rev: '1-a',
        doc: JSON.stringify({ ...entityDoc(id, owners[0], owners), rev: '1-a', ...extra }),
        created: now,
        modified: now,
        indexes: {},
      },
    ])
  }

  const row = (extra: Partial<NewEventLogRow>): NewEventLogRow => ({
    at: Date.now(),
    kind: 'create',
    entityType: 'dataSample',
    entityId: randomUUID(),
    delegates: [],
    actorUserId: 'u',
    ...extra,
  })

  /** Appends rows, lets the hub read them and every subscription handle them. */
  async function record(rows: NewEventLogRow[], ...subs: Subscription[]) {
    await storage.eventLog.append(rows)
    await hub!.catchUp()
    for (const s of subs) await s.idle()
  }

  it('sends a deletion the stored document only when it is a tombstone or still readable, else a stub', async () => {
    await startHub()
    const [d1, d2] = [randomUUID(), randomUUID()]
    const keeper = subscriptionOf(hcp(d1), 'notification', ['DELETE'])
    const former = subscriptionOf(hcp(d2), 'notification', ['DELETE'])
    await hub!.subscribe(keeper.sub)
    await hub!.subscribe(former.sub)
    // A soft-deleted notification keeps its content; d2 was removed from it after the deletion.
    const soft = randomUUID()
    await insert('notification', soft, [d1], { deletionDate: 5, clearText: 'content' })
    // A deleted record is a tombstone: it goes to every former delegate.
    const gone = randomUUID()
    await storage.insertDocs('notification', [
      {
        id: gone,
        rev: '2-b',
        doc: JSON.stringify({ id: gone, rev: '2-b', deletionDate: 6 }),
        created: 1,
        modified: 6,
        deleted: true,
        indexes: {},
      },
    ])
    const at = Date.now()
    await record(
      [
        row({
          kind: 'delete',
          entityType: 'notification',
          entityId: soft,
          rev: '2-x',
          delegates: [d1, d2],
          at,
        }),
        row({ kind: 'delete', entityType: 'notification', entityId: gone, rev: '2-b', delegates: [d1, d2] }),
      ],
      keeper.sub,
      former.sub,
    )
    expect(former.events().map((m) => m.entity)).toEqual([
      { id: soft, rev: '2-x', deletionDate: at },
      { id: gone, rev: '2-b', deletionDate: 6 },
    ])
    expect(keeper.events().map((m) => m.entity)).toEqual([
      expect.objectContaining({ id: soft, clearText: 'content' }),
      { id: gone, rev: '2-b', deletionDate: 6 },
    ])
  })

  it('reads only the documents some subscription is sent, not every document of the batch', async () => {
    await startHub()
    const [me, other] = [randomUUID(), randomUUID()]
    const mine = randomUUID()
    await insert('dataSample', mine, [me])
    const sub = subscriptionOf(hcp(me), 'dataSample')
    await hub!.subscribe(sub.sub)
    const reads: string[][] = []
    const getDocs = storage.getDocs.bind(storage)
    storage.getDocs = (table, ids) => {
      reads.push([...ids])
      return getDocs(table, ids)
    }
    try {
      const others = Array.from({ length: 30 }, () => row({ delegates: [other] }))
      await record([...others, row({ entityId: mine, delegates: [me] })], sub.sub)
    } finally {
      storage.getDocs = getDocs
    }
    expect(sub.events().map((m) => m.id)).toEqual([mine])
    expect(reads).toEqual([[mine]])
  })

  it('coalesces resyncs: one queued per subscription however many losses, another after it was sent', async () => {
    await startHub()
    const sub = subscriptionOf(hcp(randomUUID()), 'dataSample')
    await hub!.subscribe(sub.sub)
    // Hold the queue so that the losses arrive while the first resync still waits.
    let release = () => undefined as void
    const holding = new Promise<void>((started) =>
      sub.sub.enqueue(0, () => {
        started()
        return new Promise<void>((resolve) => (release = resolve))
      }),
    )
    await holding
    for (let i = 0; i < 1000; i++) hub!.resyncAll('lost')
    release()
    await sub.sub.idle()
    expect(sub.sent.filter((m) => m.type === 'resync')).toHaveLength(1)
    hub!.resyncAll('lost again')
    await sub.sub.idle()
    expect(sub.sent.filter((m) => m.type === 'resync')).toHaveLength(2)
  })

  it('records every delivery in the access log, and holds delivery while the log refuses', async () => {
    // The log refuses once 2 entries wait; nothing is written before flushed() is called.
    audit = new AuditLog(storage.audit, { queueLimit: 2, retentionDays: 0, flushIntervalMs: 60_000 })
    await startHub(audit)
    const me = randomUUID()
    const sub = subscriptionOf(hcp(me), 'dataSample', ['CREATE'], 3)
    await hub!.subscribe(sub.sub)
    const id = randomUUID()
    await insert('dataSample', id, [me])
    const filler = { at: Date.now(), action: 'login' as const, actorUserId: 'filler' }
    audit.record([filler, filler])
    expect(audit.refusing).toBe(true)
    await storage.eventLog.append([row({ entityId: id, delegates: [me] })])
    await hub!.catchUp()
    await new Promise((r) => setTimeout(r, 300))
    // Held: nothing sent, the event still counts in the queue.
    expect(sub.events()).toEqual([])
    expect(sub.sub.pending).toBe(1)
    await audit.flushed()
    expect(audit.refusing).toBe(false)
    await new Promise((r) => setTimeout(r, 300))
    expect(sub.events().map((m) => m.id)).toEqual([id])
    await audit.flushed()
    const reads = await storage.audit.query({ action: 'read', entityId: id }, 0, 10)
    expect(reads).toEqual([
      expect.objectContaining({
        action: 'read',
        actorUserId: `user-of-${me}`,
        actorDataOwnerId: me,
        entityType: 'dataSample',
        entityId: id,
        requestId: `ws-${me}`,
        clientAddress: '203.0.113.7',
      }),
    ])

    // While held, events pile up in the queue and a slow consumer is closed (4409), never sent unlogged.
    audit.record([filler, filler])
    const ids = Array.from({ length: 4 }, () => randomUUID())
    for (const x of ids) await insert('dataSample', x, [me])
    for (const x of ids) {
      await storage.eventLog.append([row({ entityId: x, delegates: [me] })])
      await hub!.catchUp()
    }
    expect(sub.closes).toEqual([4409])
    await audit.flushed()
    await new Promise((r) => setTimeout(r, 300))
    expect(sub.events().map((m) => m.id)).toEqual([id])
  })
})
