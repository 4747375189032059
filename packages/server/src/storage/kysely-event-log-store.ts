import { sql, type Kysely } from 'kysely'
import type { Database, EventLogRow } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import type {
  EventLogKind,
  EventLogRecord,
  EventLogStore,
  NewEventLogRow,
  RealtimeTicketRecord,
  RealtimeTicketStore,
} from './event-log-store.ts'

/** Rows per INSERT statement: 8 parameters each, far under both dialects' parameter limits. */
const INSERT_CHUNK = 500

/**
 * Key of the advisory lock that serialises appends on PostgreSQL (two 32-bit halves): a fixed name and
 * the schema, so that Cairn schemas sharing one database do not wait on each other.
 */
const APPEND_LOCK = sql`select pg_advisory_xact_lock(hashtext('cairn.event_log'), hashtext(current_schema()))`

/** A row as read (bigint columns are numbers on both dialects: see postgres-backend's type parser). */
type ReadRow = Omit<EventLogRow, 'seq'> & { seq: number | string }

function toRecord(row: ReadRow): EventLogRecord {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    kind: row.kind as EventLogKind,
    entityType: row.entity_type,
    entityId: row.entity_id,
    ...(row.rev !== null ? { rev: row.rev } : {}),
    delegates: JSON.parse(row.delegates) as string[],
    actorUserId: row.actor_user_id,
  }
}

/**
 * EventLogStore over Kysely. An append is one write transaction; on PostgreSQL it first takes the
 * transaction-scoped advisory lock APPEND_LOCK, held until commit, so that appends commit one after the
 * other in the order their sequence numbers were drawn (see EventLogStore).
 */
export class KyselyEventLogStore implements EventLogStore {
  constructor(
    private readonly backend: StorageBackend,
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See EventLogStore.append. */
  async append(rows: readonly NewEventLogRow[]): Promise<number> {
    if (rows.length === 0) return this.head()
    this.db() // fails fast once closed
    return this.backend.writeTransaction(async (trx) => {
      if (this.backend.dialect === 'postgres') await APPEND_LOCK.execute(trx)
      let last = 0
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const inserted = await trx
          .insertInto('event_log')
          .values(
            rows.slice(i, i + INSERT_CHUNK).map((r) => ({
              at: r.at,
              kind: r.kind,
              entity_type: r.entityType,
              entity_id: r.entityId,
              rev: r.rev ?? null,
              delegates: JSON.stringify(r.delegates),
              actor_user_id: r.actorUserId,
            })),
          )
          .returning('seq')
          .execute()
        for (const { seq } of inserted) last = Math.max(last, Number(seq))
      }
      return last
    })
  }

  /** See EventLogStore.readAfter. */
  async readAfter(seq: number, limit: number, upTo?: number): Promise<EventLogRecord[]> {
    let q = this.db().selectFrom('event_log').selectAll().where('seq', '>', seq)
    if (upTo !== undefined) q = q.where('seq', '<=', upTo)
    const rows = (await q.orderBy('seq').limit(limit).execute()) as ReadRow[]
    return rows.map(toRecord)
  }

  /** See EventLogStore.countBetween. */
  async countBetween(after: number, upTo: number): Promise<number> {
    const row = await this.db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('seq', '>', after)
      .where('seq', '<=', upTo)
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  /** See EventLogStore.head. */
  async head(): Promise<number> {
    const row = await this.db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
      .executeTakeFirst()
    return row?.seq == null ? 0 : Number(row.seq)
  }

  /** See EventLogStore.oldest. */
  async oldest(): Promise<number | undefined> {
    const row = await this.db()
      .selectFrom('event_log')
      .select((eb) => eb.fn.min<number | string | null>('seq').as('seq'))
      .executeTakeFirst()
    return row?.seq == null ? undefined : Number(row.seq)
  }

  /** See EventLogStore.prune. */
  async prune(beforeAt: number): Promise<number> {
    // Only a prefix of the stream, up to the first row recorded at or after `beforeAt` in seq order:
    // deleting by time alone would punch holes (a row appended late, or by an instance whose clock is
    // behind, sits after younger ones), and a replay cannot tell a hole from no event. Reading the
    // first young row walks the primary key from the oldest row, so it costs about the rows deleted.
    const head = await this.head()
    const young = await this.db()
      .selectFrom('event_log')
      .select('seq')
      .where('at', '>=', beforeAt)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst()
    const bound = young === undefined ? head : Math.min(Number(young.seq), head)
    const result = await this.db().deleteFrom('event_log').where('seq', '<', bound).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

/** RealtimeTicketStore over Kysely; consuming is one DELETE ... RETURNING, atomic on both dialects. */
export class KyselyRealtimeTicketStore implements RealtimeTicketStore {
  constructor(
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See RealtimeTicketStore.insert. */
  async insert(ticket: RealtimeTicketRecord, now: number): Promise<void> {
    await this.db().deleteFrom('realtime_ticket').where('expires', '<', now).execute()
    await this.db()
      .insertInto('realtime_ticket')
      .values({
        hash: ticket.hash,
        user_id: ticket.userId,
        session_id: ticket.sessionId,
        expires: ticket.expires,
        not_after: ticket.notAfter,
      })
      .execute()
  }

  /** See RealtimeTicketStore.consume. */
  async consume(hash: string, now: number): Promise<RealtimeTicketRecord | undefined> {
    const row = await this.db()
      .deleteFrom('realtime_ticket')
      .where('hash', '=', hash)
      .returningAll()
      .executeTakeFirst()
    if (!row || Number(row.expires) <= now) return undefined
    return {
      hash: row.hash,
      userId: row.user_id,
      sessionId: row.session_id,
      expires: Number(row.expires),
      notAfter: Number(row.not_after),
    }
  }
}
