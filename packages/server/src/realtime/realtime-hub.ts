import type { EncryptedEntityDto, EntityType, RealtimeEntityType } from '@cairn/protocol'
import { canReadEntity } from '../access/access-policy.ts'
import type { AuditSink } from '../audit/audit-log.ts'
import type { Caller } from '../auth/caller.ts'
import type { EventLogRecord } from '../storage/event-log-store.ts'
import type { Storage, StoredDoc, UserRow } from '../storage/storage.ts'
import { eventTypeOf } from './event-kind.ts'
import type { EventSignal } from './event-signal.ts'
import { planReplay } from './replay-plan.ts'
import type { Subscription } from './subscription.ts'

/** Rows read per query by the tailer and by a replay. */
const PAGE = 500

/** How often rows older than the replay window are deleted (ms). */
const PRUNE_EVERY_MS = 60_000

/**
 * While the access log refuses entries, how often delivery checks whether it takes them again (ms):
 * the log's own writer retries within tens of ms to 2 s, so a tenth of a second adds little delay.
 */
const AUDIT_RETRY_MS = 100

/** Settings of the hub (config.ts: CAIRN_REALTIME_*). */
export interface HubOptions {
  /** Safety-net poll of the event log (ms), whatever the signals say. */
  readonly pollMs: number
  /** Most rows one replay sends; more -> resync. */
  readonly replayMax: number
  /** Rows older than this are pruned and cannot be replayed (s). */
  readonly replaySeconds: number
}

/** What the hub logs (counts and causes only). */
export interface HubLog {
  error(details: object, message: string): void
  warn(details: object, message: string): void
}

/** Told of every event delivered (metrics). */
export type DeliveredCounter = (entityType: RealtimeEntityType) => void

/**
 * The access log as realtime uses it (AuditLog): every delivered event is recorded as a `read`, and
 * nothing is delivered (nor any socket opened) while it is `refusing` (fail closed, docs/audit.md).
 */
export interface RealtimeAudit extends AuditSink {
  /** True while the log cannot keep up (queue full or writer failing): requests are refused. */
  readonly refusing: boolean
}

/**
 * The documents of one batch of rows, read once for every subscription that needs them (only those
 * some subscription will be sent: one `getDocs` per subscription and batch for the ids not read yet;
 * users one by one, they have no batch read), each parsed at most once.
 */
class BatchDocs {
  /** By `type:id`: the document, or undefined when it no longer exists. */
  readonly #entities = new Map<string, Promise<StoredDoc | undefined>>()
  readonly #users = new Map<string, Promise<UserRow | undefined>>()
  readonly #parsed = new Map<string, EncryptedEntityDto | null>()

  constructor(private readonly storage: Storage) {}

  /**
   * The stored documents of `ids` of `type`, by id (absent: no longer exists). Reads, in one query,
   * only the ids no earlier call asked for: a batch of a thousand rows of which a subscriber receives
   * one reads one document, not a thousand.
   */
  async entities(type: EntityType, ids: readonly string[]): Promise<Map<string, StoredDoc>> {
    const missing = [...new Set(ids)].filter((id) => !this.#entities.has(`${type}:${id}`))
    if (missing.length > 0) {
      const read = this.storage.getDocs(type, missing).then((list) => new Map(list.map((d) => [d.id, d])))
      for (const id of missing)
        this.#entities.set(
          `${type}:${id}`,
          read.then((found) => found.get(id)),
        )
    }
    // Promise.all awaits every one, so a failed read never leaves a rejection unhandled.
    const docs = await Promise.all(
      ids.map((id) => this.#entities.get(`${type}:${id}`) ?? Promise.resolve(undefined)),
    )
    const byId = new Map<string, StoredDoc>()
    for (const doc of docs) if (doc) byId.set(doc.id, doc)
    return byId
  }

  /** The parsed document (null when it cannot be parsed as an encrypted entity). */
  parsed(type: EntityType, doc: StoredDoc): EncryptedEntityDto | null {
    const key = `${type}:${doc.id}`
    if (!this.#parsed.has(key)) {
      let value: EncryptedEntityDto | null
      try {
        value = JSON.parse(doc.doc) as EncryptedEntityDto
        if (!value.systemMetaData?.delegations) value = null
      } catch {
        value = null
      }
      this.#parsed.set(key, value)
    }
    return this.#parsed.get(key) ?? null
  }

  /** The user row of `id` (deleted users are tombstones). */
  user(id: string): Promise<UserRow | undefined> {
    let row = this.#users.get(id)
    if (!row) {
      row = this.storage.getUser(id)
      this.#users.set(id, row)
    }
    return row
  }
}

/**
 * Whether the caller may be told of this row at all (before any filter): for users, the user itself
 * and admins (the user routes show others' full documents to no one else, and a directory view is
 * not worth an event); for encrypted entities, the data owners among the row's delegates (those with
 * access after the write; for a deletion, before it), and a patient for its own record.
 */
export function mayReceive(caller: Caller, row: EventLogRecord): boolean {
  if (row.entityType === 'user') return caller.isAdmin || caller.userId === row.entityId
  const me = caller.dataOwnerId
  if (!me) return false
  if (row.delegates.includes(me)) return true
  return row.entityType === 'patient' && caller.dataOwnerType === 'Patient' && row.entityId === me
}

/**
 * The realtime hub of one server instance: one tailer reads the event log after the last row it saw,
 * whenever the signal says it grew and every `pollMs` anyway, and hands each batch to the local
 * subscriptions, in order, through their serial queues. A subscription starting with a cursor is
 * replayed what it missed (bounded: planReplay) before going live; rows older than the replay window
 * are pruned every minute.
 *
 * For each subscription and batch: the rows of its type and event types it may receive (mayReceive),
 * then its filter, evaluated by the database on the ids of the batch (one query per subscription and
 * batch); deletions skip the filter (the index the filter reads no longer has the record) and reach
 * everyone that had access. The entity sent is the stored document as it is now (read once per batch
 * for every subscription), checked readable again (a modification or create whose record was
 * unshared since is not sent; a deletion sends the stored document only when it is a tombstone or
 * still readable, else a stub `{id, rev, deletionDate}`); users are sent as their user document (no
 * hashes, no secrets).
 *
 * With an access log (`audit`), every event delivered is recorded as a `read` by the subscriber (its
 * socket's id as request id, its client address), and while the log refuses entries nothing is
 * delivered: batches wait in the subscriptions' queues, where they count toward the slow-consumer
 * limit, rather than go out unlogged.
 */
export class RealtimeHub {
  readonly #subs = new Set<Subscription>()
  /** Seq of the last row dispatched to the subscriptions. */
  #tailSeq = 0
  #running?: Promise<void>
  #again = false
  #poll?: NodeJS.Timeout
  #prune?: NodeJS.Timeout
  #closed = false
  /** Subscriptions with a `resync` queued and not sent yet: one is enough, however many losses. */
  readonly #resyncQueued = new WeakSet<Subscription>()
  /** Shared wait for the access log to take entries again (undefined while it does). */
  #auditWait?: Promise<void>

  constructor(
    private readonly storage: Storage,
    private readonly signal: EventSignal,
    private readonly options: HubOptions,
    private readonly log: HubLog,
    private readonly delivered: DeliveredCounter = () => undefined,
    private readonly audit?: RealtimeAudit,
  ) {}

  /** Starts from the current head (earlier events are for replays), listens and polls. */
  async init(): Promise<void> {
    this.#tailSeq = await this.storage.eventLog.head()
    this.signal.onSignal(() => void this.catchUp())
    await this.signal.init()
    this.#poll = setInterval(() => void this.catchUp(), this.options.pollMs)
    this.#poll.unref()
    this.#prune = setInterval(() => void this.prune(), PRUNE_EVERY_MS)
    this.#prune.unref()
  }

  /** Number of open subscriptions on this instance. */
  get size(): number {
    return this.#subs.size
  }

  /** Seq of the last row dispatched (tests). */
  get tailSeq(): number {
    return this.#tailSeq
  }

  /**
   * Reads and dispatches every row recorded after the last one dispatched; resolves once a read that
   * started after this call found nothing more (calls during a run make it go round once more).
   */
  catchUp(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    this.#running = (async () => {
      do {
        this.#again = false
        try {
          await this.#drain()
        } catch (error) {
          // The database is down or slow: the next signal or poll tries again.
          this.log.warn(
            { err: { message: (error as Error).message } },
            'realtime: reading the event log failed',
          )
          return
        }
      } while (this.#again && !this.#closed)
    })().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.storage.eventLog.readAfter(this.#tailSeq, PAGE)
      if (rows.length === 0 || this.#closed) return
      // No await between moving the tail and queueing the batch: a subscription registered at any
      // other moment gets either all of it (live) or none of it (its replay covers it).
      this.#tailSeq = rows[rows.length - 1].seq
      this.#dispatch(rows)
      if (rows.length < PAGE) return
    }
  }

  #dispatch(rows: readonly EventLogRecord[]): void {
    if (this.#subs.size === 0) return
    const docs = new BatchDocs(this.storage)
    for (const sub of this.#subs) {
      const mine = rows.filter((r) => r.entityType === sub.spec.entityType).length
      sub.enqueue(mine, () => this.#deliver(sub, rows, docs, false))
    }
  }

  /**
   * Starts a subscription: after the tailer caught up with the log, it goes live from the tail (its
   * `subscribed` cursor); with `since`, what happened after `since` is replayed first (or `resync` is
   * sent when planReplay says so). Replay and live delivery go through the subscription's queue in that
   * order, and both skip rows at or below its lastSeq: nothing is lost between them, nothing sent twice.
   */
  async subscribe(sub: Subscription, since?: number): Promise<void> {
    await this.catchUp()
    if (sub.closed || this.#closed) return
    const head = this.#tailSeq
    this.#subs.add(sub)
    sub.lastSeq = since ?? head
    sub.enqueue(0, async () => {
      if (since !== undefined && since !== head) await this.#replay(sub, since, head)
      sub.send({ type: 'subscribed', cursor: String(head) })
      sub.live = true
    })
  }

  async #replay(sub: Subscription, since: number, head: number): Promise<void> {
    const log = this.storage.eventLog
    const plan =
      since > head
        ? planReplay({ since, head, oldest: undefined, count: 0, max: this.options.replayMax })
        : planReplay({
            since,
            head,
            oldest: await log.oldest(),
            count: await log.countBetween(since, head),
            max: this.options.replayMax,
          })
    if (plan.kind === 'resync') {
      sub.lastSeq = head
      sub.send({ type: 'resync', cursor: String(head), reason: plan.reason })
      return
    }
    while (!sub.closed && sub.lastSeq < head) {
      const rows = await log.readAfter(sub.lastSeq, PAGE, head)
      if (rows.length === 0) break
      await this.#deliver(sub, rows, new BatchDocs(this.storage), true)
      sub.lastSeq = Math.max(sub.lastSeq, rows[rows.length - 1].seq)
    }
    sub.lastSeq = Math.max(sub.lastSeq, head)
  }

  /** Forgets a subscription (its socket closed). */
  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub)
    sub.markClosed()
  }

  /**
   * Sends `resync` to every local subscription (events were lost before reaching the log). Coalesced:
   * a subscription that has one queued and not sent yet gets no other (the recorder reports every
   * dropped event, thousands in a burst; one resync covers them all).
   */
  resyncAll(reason: string): void {
    for (const sub of this.#subs) {
      if (this.#resyncQueued.has(sub)) continue
      const queued = sub.enqueue(0, () => {
        this.#resyncQueued.delete(sub)
        sub.lastSeq = Math.max(sub.lastSeq, this.#tailSeq)
        sub.send({ type: 'resync', cursor: String(sub.lastSeq), reason })
        return Promise.resolve()
      })
      if (queued) this.#resyncQueued.add(sub)
    }
  }

  /** Sends the rows of `rows` this subscription should get, in order, and moves its cursor past them. */
  async #deliver(
    sub: Subscription,
    rows: readonly EventLogRecord[],
    docs: BatchDocs,
    replayed: boolean,
  ): Promise<void> {
    const { caller, entityType, eventTypes, matcher } = sub.spec
    const last = rows[rows.length - 1]?.seq ?? 0
    const candidates = rows.filter(
      (r) =>
        r.seq > sub.lastSeq &&
        r.entityType === entityType &&
        eventTypes.has(eventTypeOf(r.kind)) &&
        mayReceive(caller, r),
    )
    if (candidates.length > 0) {
      const filterable = [...new Set(candidates.filter((r) => r.kind !== 'delete').map((r) => r.entityId))]
      const matched = matcher && filterable.length > 0 ? await matcher(filterable) : undefined
      const chosen = candidates.filter((r) => r.kind === 'delete' || !matcher || matched?.has(r.entityId))
      // Fail closed: nothing goes out that the access log would not record.
      if (chosen.length > 0 && !(await this.#auditAccepts(sub))) return
      const stored =
        entityType === 'user'
          ? undefined
          : await docs.entities(
              entityType,
              chosen.map((r) => r.entityId),
            )
      for (const row of chosen) {
        if (sub.closed) return
        const entity = stored
          ? this.#entityText(caller, row, stored.get(row.entityId), docs)
          : await this.#userText(row, docs)
        if (entity === undefined) continue
        const head = {
          type: 'event',
          cursor: String(row.seq),
          eventType: eventTypeOf(row.kind),
          entityType: row.entityType,
          id: row.entityId,
          ...(row.rev !== undefined ? { rev: row.rev } : {}),
          ...(replayed ? { replayed: true } : {}),
        }
        this.#recordRead(sub, row)
        // The stored JSON text goes out as stored (no re-serialisation of large encrypted documents).
        sub.send(`${JSON.stringify(head).slice(0, -1)},"entity":${entity}}`)
        this.delivered(entityType)
      }
    }
    if (last > sub.lastSeq) sub.lastSeq = last
  }

  /**
   * Waits while the access log refuses entries; false when the subscription or the hub closed
   * meanwhile. Without a log, or while it takes entries, true at once.
   */
  async #auditAccepts(sub: Subscription): Promise<boolean> {
    while (this.audit?.refusing) {
      this.#auditWait ??= new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (!this.#closed && this.audit?.refusing) return
          clearInterval(timer)
          this.#auditWait = undefined
          resolve()
        }, AUDIT_RETRY_MS)
        timer.unref()
      })
      await this.#auditWait
      if (sub.closed || this.#closed) return false
    }
    return !sub.closed
  }

  /** Records in the access log that the subscriber was sent the entity of `row`. */
  #recordRead(sub: Subscription, row: EventLogRecord): void {
    if (!this.audit) return
    const { caller, clientAddress } = sub.spec
    this.audit.record([
      {
        at: Date.now(),
        action: 'read',
        actorUserId: caller.userId,
        ...(caller.dataOwnerId !== undefined ? { actorDataOwnerId: caller.dataOwnerId } : {}),
        entityType: row.entityType,
        entityId: row.entityId,
        requestId: caller.requestId,
        ...(clientAddress !== undefined ? { clientAddress } : {}),
      },
    ])
  }

  /** The JSON text of the user of a row, or undefined when it must not be sent. */
  async #userText(row: EventLogRecord, docs: BatchDocs): Promise<string | undefined> {
    const user = await docs.user(row.entityId)
    if (!user) return row.kind === 'delete' ? JSON.stringify({ id: row.entityId, rev: row.rev }) : undefined
    return user.doc
  }

  /**
   * The JSON text of the entity to send with a row of an encrypted entity (`doc`: its stored document
   * now), or undefined when it must not be sent.
   */
  #entityText(
    caller: Caller,
    row: EventLogRecord,
    doc: StoredDoc | undefined,
    docs: BatchDocs,
  ): string | undefined {
    const type = row.entityType as EntityType
    // A tombstone holds no content: it goes to everyone that had access.
    if (doc?.deleted) return doc.doc
    if (row.kind === 'delete') {
      // A soft-deleted record (notifications) keeps its content and can still be unshared after the
      // deletion: it goes only to those that may read it now; the others learn the deletion only.
      if (doc && this.#readable(caller, type, doc, docs)) return doc.doc
      return JSON.stringify({
        id: row.entityId,
        ...(row.rev !== undefined ? { rev: row.rev } : {}),
        deletionDate: row.at,
      })
    }
    return doc && this.#readable(caller, type, doc, docs) ? doc.doc : undefined
  }

  /** Whether `caller` may read the stored document now. */
  #readable(caller: Caller, type: EntityType, doc: StoredDoc, docs: BatchDocs): boolean {
    const parsed = docs.parsed(type, doc)
    return parsed !== null && canReadEntity(caller, type, parsed)
  }

  /** Deletes rows older than the replay window. */
  async prune(): Promise<number> {
    try {
      return await this.storage.eventLog.prune(Date.now() - this.options.replaySeconds * 1000)
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message } }, 'realtime: pruning the event log failed')
      return 0
    }
  }

  /** Stops tailing; subscriptions must have been closed by their sockets. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#poll) clearInterval(this.#poll)
    if (this.#prune) clearInterval(this.#prune)
    await this.#running
    await this.signal.close()
    this.#subs.clear()
  }
}
