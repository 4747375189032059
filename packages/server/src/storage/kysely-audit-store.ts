import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely'
import { ENTITY_TYPES, type AuditAction } from '@cairn/protocol'
import { chainEntries } from '../audit/audit-chain.ts'
import type { AuditLogRow, Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import { indexTable, TABLES } from './storage-tables.ts'
import type {
  AccessLogFilters,
  AuditChainPoint,
  AuditFilters,
  AuditRecord,
  AuditStore,
  StoredAuditEntry,
} from './audit-store.ts'

/** Columns of one entry: each insert binds this many parameters per row. */
const COLUMNS = 11

/**
 * Key of the advisory lock that serialises appends and prunes on PostgreSQL (two 32-bit halves): a
 * fixed name, different from the event log's, and the schema, so that Cairn schemas sharing one
 * database do not wait on each other.
 */
const CHAIN_LOCK = sql`select pg_advisory_xact_lock(hashtext('cairn.audit_log'), hashtext(current_schema()))`

/**
 * Entries one prune transaction deletes at most: a first prune of years of log is many short
 * transactions, each holding the chain's lock (and blocking appends) only briefly.
 */
const PRUNE_CHUNK = 5000

/** The access-index table of every encrypted entity type, with the type's name in the log. */
const ACCESS_TABLES = ENTITY_TYPES.filter((type) => TABLES[type].indexes.includes('access')).map((type) => ({
  type,
  table: indexTable(type, 'access'),
}))

/** A row as read (bigint columns may come back as strings). */
type ReadRow = Omit<AuditLogRow, 'seq' | 'at'> & { seq: number | string; at: number | string }

/** An entry as the store returns it: absent columns are absent, not null. */
function toEntry(row: ReadRow): StoredAuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    action: row.action as AuditAction,
    ...(row.actor_user_id !== null ? { actorUserId: row.actor_user_id } : {}),
    ...(row.actor_data_owner_id !== null ? { actorDataOwnerId: row.actor_data_owner_id } : {}),
    ...(row.entity_type !== null ? { entityType: row.entity_type } : {}),
    ...(row.entity_id !== null ? { entityId: row.entity_id } : {}),
    ...(row.request_id !== null ? { requestId: row.request_id } : {}),
    ...(row.client_address !== null ? { clientAddress: row.client_address } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

/** The row of a chained entry. */
function toRow(entry: StoredAuditEntry): AuditLogRow {
  return {
    seq: entry.seq,
    at: entry.at,
    action: entry.action,
    actor_user_id: entry.actorUserId ?? null,
    actor_data_owner_id: entry.actorDataOwnerId ?? null,
    entity_type: entry.entityType ?? null,
    entity_id: entry.entityId ?? null,
    request_id: entry.requestId ?? null,
    client_address: entry.clientAddress ?? null,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  }
}

/**
 * AuditStore over Kysely, on SQLite and PostgreSQL. An append reads the chain's head and inserts the
 * entries chained from it, in one write transaction that holds the chain: on PostgreSQL the advisory
 * lock CHAIN_LOCK (taken first, held until commit), on SQLite the database's single writer (the
 * backend's write transaction starts with BEGIN IMMEDIATE). So appends from several instances, and
 * prunes, never interleave, and the seqs stay dense.
 */
export class KyselyAuditStore implements AuditStore {
  constructor(
    private readonly backend: StorageBackend,
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See AuditStore.append. */
  async append(entries: readonly AuditRecord[]): Promise<AuditChainPoint> {
    this.db() // fails fast once closed
    if (entries.length === 0) return this.head()
    const chunk = Math.max(1, Math.floor(this.backend.maxParams / COLUMNS))
    return this.backend.writeTransaction(async (trx) => {
      if (this.backend.dialect === 'postgres') await CHAIN_LOCK.execute(trx)
      const chained = chainEntries(await headOf(trx), entries)
      for (let i = 0; i < chained.length; i += chunk)
        await trx
          .insertInto('audit_log')
          .values(chained.slice(i, i + chunk).map(toRow))
          .execute()
      const last = chained[chained.length - 1]
      return { seq: last.seq, hash: last.hash }
    })
  }

  /** See AuditStore.query. */
  async query(filters: AuditFilters, after: number, limit: number): Promise<StoredAuditEntry[]> {
    let q = this.db().selectFrom('audit_log').selectAll().where('seq', '>', after)
    if (filters.actorUserId !== undefined) q = q.where('actor_user_id', '=', filters.actorUserId)
    if (filters.actorDataOwnerId !== undefined)
      q = q.where('actor_data_owner_id', '=', filters.actorDataOwnerId)
    if (filters.entityId !== undefined) q = q.where('entity_id', '=', filters.entityId)
    if (filters.entityType !== undefined) q = q.where('entity_type', '=', filters.entityType)
    q = withCommonFilters(q, filters)
    const rows = await q.orderBy('seq').limit(limit).execute()
    return rows.map(toEntry)
  }

  /**
   * See AuditStore.accessLogOf. One branch per access-index table, joined to the log on the entity:
   * each branch starts from the data owner's rows of the index's primary key (data_owner_id,
   * entity_id) and reaches the entries through (entity_id, seq), so the cost follows what the data
   * owner holds and how often it was accessed, not the size of the whole log.
   */
  async accessLogOf(
    dataOwnerId: string,
    filters: AccessLogFilters,
    after: number,
    limit: number,
  ): Promise<StoredAuditEntry[]> {
    const conditions = (): RawBuilder<unknown>[] => {
      const c: RawBuilder<unknown>[] = [sql`a.seq > ${after}`]
      if (filters.entityId !== undefined) c.push(sql`a.entity_id = ${filters.entityId}`)
      if (filters.action !== undefined) c.push(sql`a.action = ${filters.action}`)
      if (filters.from !== undefined) c.push(sql`a.at >= ${filters.from}`)
      if (filters.to !== undefined) c.push(sql`a.at < ${filters.to}`)
      return c
    }
    const branches = ACCESS_TABLES.map(
      ({ type, table }) =>
        sql`select a.* from ${sql.table(table)} x join audit_log a on a.entity_id = x.entity_id where x.data_owner_id = ${dataOwnerId} and a.entity_type = ${type} and ${sql.join(conditions(), sql` and `)}`,
    )
    const { rows } =
      await sql<ReadRow>`select * from (${sql.join(branches, sql` union all `)}) u order by seq limit ${limit}`.execute(
        this.db(),
      )
    return rows.map(toEntry)
  }

  /** See AuditStore.scan. */
  async scan(fromSeq: number, limit: number): Promise<StoredAuditEntry[]> {
    const rows = await this.db()
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map(toEntry)
  }

  /** See AuditStore.anchor. */
  anchor(): Promise<AuditChainPoint> {
    return anchorOf(this.db())
  }

  /** See AuditStore.head. */
  head(): Promise<AuditChainPoint> {
    return headOf(this.db())
  }

  /** See AuditStore.prune. */
  async prune(beforeAt: number): Promise<number> {
    let deleted = 0
    for (;;) {
      const n = await this.backend.writeTransaction(async (trx) => {
        if (this.backend.dialect === 'postgres') await CHAIN_LOCK.execute(trx)
        // The oldest entries, in chain order, up to the first one recorded at or after `beforeAt`.
        const oldest = await trx
          .selectFrom('audit_log')
          .select(['seq', 'at', 'hash'])
          .orderBy('seq')
          .limit(PRUNE_CHUNK)
          .execute()
        const keep = oldest.findIndex((row) => Number(row.at) >= beforeAt)
        const prefix = keep === -1 ? oldest : oldest.slice(0, keep)
        if (prefix.length === 0) return 0
        const last = prefix[prefix.length - 1]
        await trx.deleteFrom('audit_log').where('seq', '<=', last.seq).execute()
        await trx
          .updateTable('audit_anchor')
          .set({ seq: last.seq, hash: last.hash })
          .where('id', '=', 1)
          .execute()
        return prefix.length
      })
      deleted += n
      if (n < PRUNE_CHUNK) return deleted
    }
  }
}

/** The anchor row. */
async function anchorOf(db: Kysely<Database>): Promise<AuditChainPoint> {
  const row = await db
    .selectFrom('audit_anchor')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return { seq: Number(row.seq), hash: row.hash }
}

/** The newest entry, or the anchor when retention left none. */
async function headOf(db: Kysely<Database>): Promise<AuditChainPoint> {
  const row = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? { seq: Number(row.seq), hash: row.hash } : anchorOf(db)
}

/** The action and time-range criteria both queries share. */
function withCommonFilters<Q extends SelectQueryBuilder<Database, 'audit_log', object>>(
  q: Q,
  filters: { action?: AuditAction; from?: number; to?: number },
): Q {
  let r = q
  if (filters.action !== undefined) r = r.where('action', '=', filters.action) as Q
  if (filters.from !== undefined) r = r.where('at', '>=', filters.from) as Q
  if (filters.to !== undefined) r = r.where('at', '<', filters.to) as Q
  return r
}
