import { randomUUID } from 'node:crypto'
import { sql, type ExpressionBuilder, type Kysely, type Updateable } from 'kysely'
import type { Database, OutboxMessageRow } from './database-schema.ts'
import type {
  ClaimedOutboxMessage,
  NewOutboxMessage,
  OutboxChannel,
  OutboxMessageStatus,
  OutboxRecord,
  OutboxStore,
} from './outbox-store.ts'

/** Columns of a message without its content (lists never read it). */
const METADATA = [
  'id',
  'channel',
  'recipient',
  'kind',
  'status',
  'attempts',
  'next_attempt',
  'lease_until',
  'lease_token',
  'last_error',
  'created',
  'sent',
] as const

/** A row as read (bigint columns come back as strings from PostgreSQL, numbers from SQLite). */
type ReadRow = Omit<OutboxMessageRow, 'payload'> & { payload?: string | null }

/** The stored record of a row. */
function toRecord(row: ReadRow): OutboxRecord {
  return {
    id: row.id,
    channel: row.channel as OutboxChannel,
    recipient: row.recipient,
    kind: row.kind,
    ...(row.payload != null ? { payload: row.payload } : {}),
    status: row.status as OutboxMessageStatus,
    attempts: Number(row.attempts),
    nextAttempt: Number(row.next_attempt),
    ...(row.lease_until != null ? { leaseUntil: Number(row.lease_until) } : {}),
    ...(row.last_error != null ? { lastError: row.last_error } : {}),
    created: Number(row.created),
    ...(row.sent != null ? { sent: Number(row.sent) } : {}),
  }
}

/**
 * OutboxStore over Kysely, on SQLite and PostgreSQL; every method is one statement.
 *
 * A claim is one `UPDATE ... WHERE id IN (SELECT ... LIMIT n) AND <claimable> RETURNING *`. On SQLite
 * the statement runs alone under the database's write lock. On PostgreSQL the sub-select (there
 * `id = any(array(SELECT ...))`) skips rows another claimer has locked (FOR UPDATE SKIP LOCKED), and
 * the claimable condition repeated on the UPDATE is checked again on the newest version of a row it
 * had to wait for: a message another claimer leased meanwhile no longer qualifies. Outcomes are
 * recorded only while the row still holds the claim's lease token, so a worker whose lease ran out
 * cannot overwrite what the next one did.
 */
export class KyselyOutboxStore implements OutboxStore {
  constructor(
    private readonly dialect: 'sqlite' | 'postgres',
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See OutboxStore.insert. */
  async insert(message: NewOutboxMessage): Promise<void> {
    await this.db()
      .insertInto('outbox_message')
      .values({
        id: message.id,
        channel: message.channel,
        recipient: message.recipient,
        kind: message.kind,
        payload: message.payload,
        status: message.status,
        attempts: 0,
        next_attempt: message.now,
        lease_until: null,
        lease_token: null,
        last_error: null,
        created: message.now,
        sent: message.status === 'sent' ? message.now : null,
      })
      .execute()
  }

  /** See OutboxStore.claim. */
  async claim(now: number, leaseMs: number, limit: number): Promise<ClaimedOutboxMessage[]> {
    const leaseToken = randomUUID()
    const leaseUntil = now + leaseMs
    const claimable = (eb: ExpressionBuilder<Database, 'outbox_message'>) =>
      eb.and([
        eb('status', '=', 'pending'),
        eb('next_attempt', '<=', now),
        eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
      ])
    const db = this.db()
    const due = db
      .selectFrom('outbox_message')
      .select('id')
      .where(claimable)
      .orderBy('next_attempt')
      .limit(limit)
    const rows = await db
      .updateTable('outbox_message')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        lease_until: leaseUntil,
        lease_token: leaseToken,
      }))
      .where(
        this.dialect === 'postgres'
          ? // An array sub-select runs once (an InitPlan). As `id IN (...)` PostgreSQL may plan a
            // semi-join that runs the sub-select again for every row, each run locking further rows
            // past the limit: a claim of 2 then leased 3 messages in the contract test.
            sql<boolean>`id = any(array(${due.forUpdate().skipLocked()}))`
          : // SQLite runs an uncorrelated IN sub-select once, under the statement's write lock.
            (eb) => eb('id', 'in', due),
      )
      .where(claimable)
      .returningAll()
      .execute()
    return rows
      .map((row) => ({ ...toRecord(row), leaseToken, leaseUntil }))
      .sort((a, b) => a.nextAttempt - b.nextAttempt)
  }

  /** See OutboxStore.markSent. */
  markSent(id: string, leaseToken: string, now: number, keepPayload: boolean): Promise<boolean> {
    return this.settle(id, leaseToken, {
      status: 'sent',
      sent: now,
      last_error: null,
      ...(keepPayload ? {} : { payload: null }),
    })
  }

  /** See OutboxStore.markRetry. */
  markRetry(id: string, leaseToken: string, nextAttempt: number, error: string): Promise<boolean> {
    return this.settle(id, leaseToken, { next_attempt: nextAttempt, last_error: error })
  }

  /** See OutboxStore.markFailed. */
  markFailed(id: string, leaseToken: string, error: string, keepPayload: boolean): Promise<boolean> {
    return this.settle(id, leaseToken, {
      status: 'failed',
      last_error: error,
      ...(keepPayload ? {} : { payload: null }),
    })
  }

  /**
   * Records the outcome of an attempt and releases its lease, only while the caller still holds it:
   * a message whose lease expired (and was claimed by another worker) is not touched. True when it was.
   */
  private async settle(
    id: string,
    leaseToken: string,
    outcome: Updateable<OutboxMessageRow>,
  ): Promise<boolean> {
    const result = await this.db()
      .updateTable('outbox_message')
      .set({ ...outcome, lease_until: null, lease_token: null })
      .where('id', '=', id)
      .where('lease_token', '=', leaseToken)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** See OutboxStore.nextDue. */
  async nextDue(): Promise<number | undefined> {
    const row = await this.db()
      .selectFrom('outbox_message')
      .select(
        sql<
          number | string | null
        >`min(case when lease_until > next_attempt then lease_until else next_attempt end)`.as('due'),
      )
      .where('status', '=', 'pending')
      .executeTakeFirst()
    return row?.due == null ? undefined : Number(row.due)
  }

  /** See OutboxStore.last. */
  async last(channel: OutboxChannel, recipient: string): Promise<OutboxRecord | undefined> {
    const row = await this.db()
      .selectFrom('outbox_message')
      .selectAll()
      .where('channel', '=', channel)
      .where('recipient', '=', recipient)
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? toRecord(row) : undefined
  }

  /** See OutboxStore.list. */
  async list(query: { status?: OutboxMessageStatus; limit: number }): Promise<OutboxRecord[]> {
    let select = this.db().selectFrom('outbox_message').select(METADATA)
    if (query.status !== undefined) select = select.where('status', '=', query.status)
    const rows = await select.orderBy('created', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
    return rows.map(toRecord)
  }

  /** See OutboxStore.get. */
  async get(id: string): Promise<OutboxRecord | undefined> {
    const row = await this.db()
      .selectFrom('outbox_message')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toRecord(row) : undefined
  }
}
