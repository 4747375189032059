import {
  CompiledQuery,
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
} from 'kysely'
import type { Database, DocRow } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import type { AuditConnection } from './audit-connection.ts'
import {
  StaleKeyset,
  StorageConflict,
  TooManyMatches,
  type AccessibleDoc,
  type DocPage,
  type DocTable,
  type DocWrite,
  type LoginFailures,
  type PoolStats,
  type SessionRow,
  type SessionSelector,
  type Storage,
  type StoredDoc,
  type UserPage,
  type UserQuery,
  type UserRow,
  type UserTokenRow,
  type UserUpdateOptions,
} from './storage.ts'
import { bulkUpdateDocs } from './bulk-update-docs.ts'
import type { CodingStore } from './coding-store.ts'
import { KyselyCodingStore } from './kysely-coding-store.ts'
import { chunkRows } from './chunk.ts'
import { BY_ID, EVERY_DOCUMENT_TERM, type IndexQuery, type PageOrder } from './index-query.ts'
import { PageQuery, plan } from './page-query.ts'
import { indexRows, type IndexTableRows } from './index-rows.ts'
import { migrateToLatest } from './migrations.ts'
import {
  DOC_COLUMNS,
  fromUserRow,
  toSessionRow,
  toStoredDoc,
  toUserRow,
  toUserTokenRow,
} from './row-mapping.ts'
import { DATA_OWNER_TABLES, TABLES, indexTable } from './storage-tables.ts'
import { isUniqueViolation } from './unique-violation.ts'
import type { AttachmentChunkStorage } from './attachment-chunk-storage.ts'
import { KyselyAttachmentChunks } from './kysely-attachment-chunks.ts'
import type { RecoveryKeyStore } from './recovery-key-store.ts'
import { KyselyRecoveryKeyStore } from './kysely-recovery-key-store.ts'
import type { OutboxStore } from './outbox-store.ts'
import { KyselyOutboxStore } from './kysely-outbox-store.ts'
import type { EventLogStore, RealtimeTicketStore } from './event-log-store.ts'
import { KyselyEventLogStore, KyselyRealtimeTicketStore } from './kysely-event-log-store.ts'
import type { AuditStore } from './audit-store.ts'
import { KyselyAuditStore } from './kysely-audit-store.ts'
import type { InstanceStore } from './instance-store.ts'
import { KyselyInstanceStore } from './kysely-instance-store.ts'
import type { AuthProcessStore } from './auth-process-store.ts'
import { KyselyAuthProcessStore } from './kysely-auth-process-store.ts'

/** Parameters bound per id of an id list (inserted rows bind one per column). */
const ID_PARAMS = 1

/** The columns of a StoredDoc, in SQL (see DOC_COLUMNS). */
const DOC_SELECT = DOC_COLUMNS.join(', ')

/** Rows to insert into one table, values in `columns` order. */
interface RowInsert {
  table: string
  columns: readonly string[]
  rows: (readonly unknown[])[]
}

/** `insert into "table" (columns) values (...), ...` for `count` rows, numbered with `placeholder`. */
function insertText(
  table: string,
  columns: readonly string[],
  count: number,
  placeholder: (n: number) => string,
): string {
  const tuples: string[] = []
  for (let r = 0; r < count; r++) {
    const base = r * columns.length
    tuples.push(`(${columns.map((_, c) => placeholder(base + c + 1)).join(', ')})`)
  }
  return `insert into "${table}" (${columns.join(', ')}) values ${tuples.join(', ')}`
}

/** Most index rows per table of a one-document insert whose SQL text is cached and prepared. */
const MAX_CACHED_INDEX_ROWS = 4

/** Page size explainSearch plans for when none is given (a list screen's page). */
const DEFAULT_EXPLAIN_LIMIT = 100

/** Settings key rewritten by every readiness check. */
const HEARTBEAT_SETTING = 'ready.heartbeat'

/** Order of writes within a transaction: the same everywhere, so concurrent batches never deadlock on row locks. */
const byId = (a: DocWrite, b: DocWrite): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Values occurring more than once in `values`, each reported once. */
function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const value of values) (seen.has(value) ? twice : seen).add(value)
  return [...twice]
}

/**
 * SQL name of a document table, typed as `patient` so that queries over any document table type-check:
 * every document table has the columns of `patient` (exchange_key adds two, written through their own
 * code path). This cast is the one place where a dynamic table name meets Kysely's static typing.
 */
function docTable(table: DocTable): 'patient' {
  return TABLES[table].sql as 'patient'
}

/**
 * Index tables have names built from descriptors, unknown to the static `Database` type; they are
 * queried through this untyped view of the same connection or transaction.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dynamic index table names (see above)
type AnyDb = Kysely<any>
const untyped = (db: Kysely<Database>): AnyDb => db

/** The SQL condition selecting the users `query` selects (its criteria and sub-queries, all applying). */
function userCondition(eb: ExpressionBuilder<Database, 'users'>, query: UserQuery): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = []
  if (query.ids !== undefined)
    parts.push(query.ids.length === 0 ? sql<SqlBool>`1 = 0` : eb('id', 'in', [...new Set(query.ids)]))
  if (query.dataOwnerId !== undefined) parts.push(eb('data_owner_id', '=', query.dataOwnerId))
  for (const sub of query.all ?? []) parts.push(userCondition(eb, sub))
  if (query.any !== undefined)
    parts.push(
      query.any.length === 0 ? sql<SqlBool>`1 = 0` : eb.or(query.any.map((q) => userCondition(eb, q))),
    )
  // NOT of a comparison with a NULL column (a user acting as no data owner) is NULL, which would drop
  // that user from a complement: the negated condition is made two-valued first.
  if (query.not !== undefined) parts.push(sql<SqlBool>`not coalesce(${userCondition(eb, query.not)}, false)`)
  return parts.length === 0 ? sql<SqlBool>`1 = 1` : eb.and(parts)
}

/**
 * The Storage contract over Kysely, written once for SQLite and PostgreSQL; the backend supplies what
 * differs (see StorageBackend). Batch writes are single transactions of multi-row statements chunked
 * under the dialect's parameter limit; finds are keyset pages driven by the index tables' primary keys.
 */
export class KyselyStorage implements Storage {
  readonly dialect: 'sqlite' | 'postgres'
  /** How the access log's writer thread connects (see AuditConnection). */
  readonly auditConnection: AuditConnection
  readonly #backend: StorageBackend
  readonly codings: CodingStore
  /** SQL texts of the hot queries, built once (see #sqlText). */
  readonly #texts = new Map<string, string>()
  #closed = false

  /** The rows of the database blob store of attachments. */
  readonly attachments: AttachmentChunkStorage
  /** Data owners' recovery keys. */
  readonly recoveryKeys: RecoveryKeyStore
  /** The outbox of emails and SMS. */
  readonly outbox: OutboxStore
  /** The message gateway's applications, processes and code requests. */
  readonly authProcesses: AuthProcessStore
  /** The event log of realtime subscriptions. */
  readonly eventLog: EventLogStore
  /** Single-use tickets of realtime subscription sockets. */
  readonly realtimeTickets: RealtimeTicketStore
  /** The hash-chained access log. */
  readonly audit: AuditStore
  /** The running server instances (secret agreement). */
  readonly instances: InstanceStore

  constructor(backend: StorageBackend) {
    this.#backend = backend
    this.dialect = backend.dialect
    this.auditConnection = backend.auditConnection
    this.codings = new KyselyCodingStore(backend, () => this.#db)
    this.attachments = new KyselyAttachmentChunks(backend, () => this.#db)
    this.recoveryKeys = new KyselyRecoveryKeyStore(() => this.#db)
    this.outbox = new KyselyOutboxStore(backend.dialect, () => this.#db)
    this.authProcesses = new KyselyAuthProcessStore(backend, () => this.#db)
    this.eventLog = new KyselyEventLogStore(backend, () => this.#db)
    this.realtimeTickets = new KyselyRealtimeTicketStore(() => this.#db)
    this.audit = new KyselyAuditStore(backend, () => this.#db)
    this.instances = new KyselyInstanceStore(backend, () => this.#db)
  }

  /** The Kysely instance, refusing use after close() with a clear message rather than a driver error. */
  get #db(): Kysely<Database> {
    if (this.#closed) throw new Error('storage is closed')
    return this.#backend.db
  }

  /** Connects (creating the PostgreSQL schema if needed) and runs pending migrations. */
  async init(): Promise<void> {
    await this.#backend.prepare()
    await this.#backend.withMigrationDb((db) => migrateToLatest(db, this.dialect, this.#backend.schema))
  }

  /** Closes the pool or database file; later calls are no-ops and every other method rejects. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#backend.db.destroy()
  }

  /** Connection use of the backend right now. */
  poolStats(): PoolStats {
    return this.#backend.poolStats()
  }

  /** Commits a heartbeat setting, then lets the backend check its capacity (see Storage). */
  async checkWritable(): Promise<void> {
    const value = String(Date.now())
    await this.#backend.writeTransaction((trx) =>
      trx
        .insertInto('settings')
        .values({ key: HEARTBEAT_SETTING, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute(),
    )
    await this.#backend.checkCapacity()
  }

  /**
   * One document by id, deleted or not. The SQL text is built once per table and run as a compiled
   * query: Kysely's query building and compiling cost more than the indexed read itself on this, the
   * most frequent query (server benchmark profile).
   */
  async getDoc(table: DocTable, id: string): Promise<StoredDoc | undefined> {
    const text = this.#sqlText(`getDoc:${table}`, (p) => {
      return `select ${DOC_SELECT} from "${TABLES[table].sql}" where id = ${p(1)}`
    })
    const { rows } = await this.#db.executeQuery<DocRow>(CompiledQuery.raw(text, [id]))
    return rows[0] && toStoredDoc(rows[0])
  }

  /** One document by id and whether `accessor` is in its access index, in one compiled query. */
  async getDocFor(table: DocTable, id: string, accessor: string): Promise<AccessibleDoc | undefined> {
    if (!TABLES[table].indexes.includes('access')) throw new Error(`${table} documents have no access index`)
    const text = this.#sqlText(`getDocFor:${table}`, (p) => {
      const access = indexTable(table, 'access')
      return (
        `select ${DOC_SELECT}, exists (select 1 from "${access}" a where a.data_owner_id = ${p(1)} ` +
        `and a.entity_id = d.id) as is_delegate from "${TABLES[table].sql}" d where d.id = ${p(2)}`
      )
    })
    const { rows } = await this.#db.executeQuery<DocRow & { is_delegate: unknown }>(
      CompiledQuery.raw(text, [accessor, id]),
    )
    const row = rows[0]
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    return row && { doc: toStoredDoc(row), isDelegate: row.is_delegate === true || row.is_delegate === 1 }
  }

  /** The dialect's placeholder for parameter n (1-based). */
  readonly #placeholder = (n: number): string => (this.dialect === 'postgres' ? `$${n}` : '?')

  /** SQL text cached under `key`; `build` writes it with the dialect's placeholder for parameter n. */
  #sqlText(key: string, build: (placeholder: (n: number) => string) => string): string {
    let text = this.#texts.get(key)
    if (text === undefined) {
      text = build(this.#placeholder)
      this.#texts.set(key, text)
      this.#backend.prepareOften(text)
    }
    return text
  }

  /** The existing documents among `ids`, fetched with chunked `IN` lists. */
  async getDocs(table: DocTable, ids: readonly string[]): Promise<StoredDoc[]> {
    const db = this.#db
    const docs: StoredDoc[] = []
    for (const part of chunkRows([...new Set(ids)], ID_PARAMS, this.#backend.maxParams)) {
      const rows = await db.selectFrom(docTable(table)).select(DOC_COLUMNS).where('id', 'in', part).execute()
      for (const row of rows) docs.push(toStoredDoc(row))
    }
    return docs
  }

  /**
   * Inserts a batch atomically (one statement on PostgreSQL, one transaction on SQLite): documents and
   * index rows with multi-row INSERTs. An id repeated in the batch is refused before anything is
   * written; an id that exists (or another data owner's id) fails on a primary key, which becomes
   * StorageConflict('exists') naming the ids that exist.
   */
  async insertDocs(table: DocTable, writes: readonly DocWrite[]): Promise<void> {
    if (writes.length === 0) return
    const ids = writes.map((w) => w.id)
    const twice = repeated(ids)
    if (twice.length > 0) throw new StorageConflict(twice, 'exists')
    const sorted = [...writes].sort(byId)
    const inserts = this.#insertsOf(table, sorted)
    try {
      const params = inserts.reduce((n, i) => n + i.rows.length * i.columns.length, 0)
      if (this.dialect === 'postgres' && params <= this.#backend.maxParams) {
        // One statement, atomic on its own: the document and index inserts as data-modifying CTEs. A
        // create then costs one round trip instead of seven (begin, check, inserts, commit); an id
        // that exists fails the statement with a unique violation, answered below.
        await this.#db.executeQuery(
          CompiledQuery.raw(
            this.#combinedInsertText(table, inserts),
            inserts.flatMap((i) => i.rows.flat()),
          ),
        )
        return
      }
      // No existence check first: the primary keys refuse a taken id (answered below), which costs a
      // statement less per write.
      await this.#backend.writeTransaction(async (trx) => {
        for (const i of inserts) await this.#insertRows(trx, i.table, i.columns, i.rows)
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      const existing = await this.#existingIds(this.#db, table, ids)
      throw new StorageConflict(existing.length > 0 ? existing : ids, 'exists')
    }
  }

  /** Every row a batch of new documents writes: the documents, their index rows, the data-owner ids. */
  #insertsOf(table: DocTable, writes: readonly DocWrite[]): RowInsert[] {
    const row = (w: DocWrite) => [w.id, w.rev, w.doc, w.created, w.modified, w.deleted ? 1 : 0]
    const docs: RowInsert = TABLES[table].pair
      ? {
          table: 'exchange_key',
          columns: [...DOC_COLUMNS, 'delegator', 'delegate'],
          rows: writes.map((w) => [...row(w), w.indexes.delegator ?? null, w.indexes.delegate ?? null]),
        }
      : { table: TABLES[table].sql, columns: DOC_COLUMNS, rows: writes.map(row) }
    const inserts = [docs]
    for (const { table: indexName, columns, rows } of indexRows(table, writes)) {
      if (rows.length > 0) inserts.push({ table: indexName, columns, rows })
    }
    if (DATA_OWNER_TABLES.includes(table)) {
      inserts.push({ table: 'data_owner_ids', columns: ['id'], rows: writes.map((w) => [w.id]) })
    }
    return inserts
  }

  /**
   * `with i1 as (insert ...), i2 as (insert ...) insert ...`: every insert of `inserts` in one
   * PostgreSQL statement, parameters numbered in order. The text of a one-document batch is cached and
   * prepared (its shape repeats); larger ones are written each time.
   */
  #combinedInsertText(table: DocTable, inserts: readonly RowInsert[]): string {
    const build = (p: (n: number) => string) => {
      let offset = 0
      const parts = inserts.map((i) => {
        const text = insertText(i.table, i.columns, i.rows.length, (n) => p(offset + n))
        offset += i.rows.length * i.columns.length
        return text
      })
      const [main, ...rest] = parts
      return rest.length === 0 ? main : `with ${rest.map((t, k) => `i${k} as (${t})`).join(', ')} ${main}`
    }
    // Only common shapes are cached (one document, a few rows per index): the number of delegates and
    // secret foreign keys is the client's choice, and every cached text lives as long as the process.
    if (inserts.some((i, k) => i.rows.length > (k === 0 ? 1 : MAX_CACHED_INDEX_ROWS))) {
      return build(this.#placeholder)
    }
    return this.#sqlText(
      `insertOne:${table}:${inserts.map((i) => `${i.table}=${i.rows.length}`).join(',')}`,
      build,
    )
  }

  /**
   * Updates a batch in one transaction: a bulk `UPDATE ... WHERE id = ? AND rev = ?` (each row with its
   * own expected rev, see bulkUpdateDocs), then the index rows of the batch are deleted and re-inserted.
   * Any document not updated rolls everything back: StorageConflict('missing') for ids that do not
   * exist if there are any, else StorageConflict('stale') for every id whose rev moved on. An id
   * repeated in the batch is stale by construction (its second write was prepared from a replaced rev).
   * A write without `expectedRev` is a programming error and throws before anything is written.
   */
  async updateDocs(table: DocTable, writes: readonly DocWrite[]): Promise<void> {
    if (writes.length === 0) return
    const unchecked = writes.find((w) => w.expectedRev === undefined)
    if (unchecked) throw new Error(`updateDocs needs expectedRev (document ${unchecked.id})`)
    const twice = repeated(writes.map((w) => w.id))
    if (twice.length > 0) throw new StorageConflict(twice, 'stale')
    const sorted = [...writes].sort(byId)
    const index = indexRows(table, sorted)
    await this.#backend.writeTransaction(async (trx) => {
      const ids = sorted.map((w) => w.id)
      if (this.dialect === 'postgres') await this.#lockInIdOrder(trx, table, ids)
      const updated = await bulkUpdateDocs(
        trx,
        docTable(table),
        TABLES[table].pair,
        sorted,
        this.#backend.maxParams,
      )
      const failed = ids.filter((id) => !updated.has(id))
      if (failed.length > 0) {
        const existing = new Set(await this.#existingIds(trx, table, failed))
        const missing = failed.filter((id) => !existing.has(id))
        throw missing.length > 0
          ? new StorageConflict(missing, 'missing')
          : new StorageConflict(failed, 'stale')
      }
      await this.#deleteIndexRows(trx, index, ids)
      for (const { table: indexName, columns, rows } of index) {
        await this.#insertRows(trx, indexName, columns, rows)
      }
    })
  }

  /**
   * Keyset page of the non-deleted documents that `query` selects (among those `accessor` can access,
   * when given), plus the count of all of them. The query is planned (page-query.ts): a selective index
   * range drives the walk (a patient's secret id, an identifier, a code...), else the accessor's rows of
   * the access index in id order; the other conditions are EXISTS probes on the index tables. Pages
   * continue from `startId` by keyset, on (id) or (sort value, id), so a page costs the same whatever
   * its position. Index tables only hold live documents (index-rows.ts), so the count reads index
   * tables alone.
   */
  async findPage(
    table: DocTable,
    accessor: string | undefined,
    query: IndexQuery,
    startId: string | undefined,
    limit: number,
    order: PageOrder = BY_ID,
  ): Promise<DocPage> {
    const built = this.#pageQuery(table, accessor, query, order)
    if (!built) return { docs: [], total: 0 }
    const { q } = built
    let rows: DocRow[] = []
    if (limit > 0) {
      const start =
        startId === undefined ? undefined : await this.#keysetStart(table, accessor, startId, order)
      rows = await this.#pageSelect(table, q, startId, start, limit).execute()
    }
    // A first page that holds every match needs no count.
    if (startId === undefined && limit > 0 && rows.length < limit)
      return { docs: rows.map(toStoredDoc), total: rows.length }
    const count = (await q
      .matches()
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()) as { n: unknown }
    return { docs: rows.map(toStoredDoc), total: Number(count.n) }
  }

  /**
   * Ids of every document `query` selects (among those `accessor` can access), in page order; more than
   * `max` -> TooManyMatches, before anything is sent.
   */
  async matchIds(
    table: DocTable,
    accessor: string | undefined,
    query: IndexQuery,
    max: number,
    order: PageOrder = BY_ID,
  ): Promise<string[]> {
    const built = this.#pageQuery(table, accessor, query, order)
    if (!built) return []
    const { q } = built
    const rows = (await q
      .ordered(q.matches().select(`${q.idColumn} as id`))
      .limit(max + 1)
      .execute()) as { id: string }[]
    if (rows.length > max) throw new TooManyMatches(max)
    return rows.map((r) => r.id)
  }

  /** The page of a planned query: documents joined to the driver's rows, from the keyset position. */
  #pageSelect(
    table: DocTable,
    q: PageQuery,
    startId: string | undefined,
    start: number | undefined,
    limit: number,
  ) {
    if (q.drivesFromDocuments) {
      // The driver is the document table: its rows are the documents, read in id order by its key.
      let page = q.matches().select(['x.id', 'x.rev', 'x.doc', 'x.created', 'x.modified', 'x.deleted'])
      if (startId !== undefined) page = page.where((eb) => q.keyset(eb, startId, start))
      return q.ordered(page).limit(limit)
    }
    const page = untyped(this.#db)
      .selectFrom(q.keys(startId, start, limit).as('p'))
      .innerJoin(`${TABLES[table].sql} as d`, 'd.id', 'p.pid')
      .where('d.deleted', '=', 0)
      .select(['d.id', 'd.rev', 'd.doc', 'd.created', 'd.modified', 'd.deleted'])
    return q.orderedByKeys(page)
  }

  /**
   * The database's plan of the statements a search runs (page, count, match), as text lines: how an
   * operator checks that a filter uses the indexes (`EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on
   * SQLite). Not part of the Storage contract: it exists for diagnosis and for the index-use tests.
   */
  async explainSearch(
    table: DocTable,
    accessor: string | undefined,
    query: IndexQuery,
    order: PageOrder = BY_ID,
    limit = DEFAULT_EXPLAIN_LIMIT,
  ): Promise<{ page: string[]; count: string[]; match: string[] }> {
    const built = this.#pageQuery(table, accessor, query, order)
    if (!built) return { page: [], count: [], match: [] }
    const { q } = built
    const explain = async (compiled: { sql: string; parameters: readonly unknown[] }) => {
      const prefix = this.dialect === 'postgres' ? 'explain ' : 'explain query plan '
      const result = await this.#db.executeQuery(
        CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
      )
      // PostgreSQL answers one "QUERY PLAN" text per line; SQLite rows of which `detail` is the text.
      return (result.rows as { 'QUERY PLAN'?: string; detail?: string }[]).map(
        (r) => r['QUERY PLAN'] ?? r.detail ?? JSON.stringify(r),
      )
    }
    return {
      page: await explain(this.#pageSelect(table, q, undefined, undefined, limit).compile()),
      count: await explain(
        q
          .matches()
          .select((eb) => eb.fn.countAll().as('n'))
          .compile(),
      ),
      match: await explain(q.ordered(q.matches().select(`${q.idColumn} as id`)).compile()),
    }
  }

  /**
   * Refreshes the planner's statistics of every table (ANALYZE, on both databases): what an operator
   * runs after a bulk load so that filters keep choosing their indexes. PostgreSQL's autovacuum does
   * it on its own after a while; SQLite only when asked.
   */
  async analyze(): Promise<void> {
    await sql`analyze`.execute(this.#db)
  }

  /** The SQL builder of a filter query, or undefined when its plan shows it matches nothing. */
  #pageQuery(table: DocTable, accessor: string | undefined, query: IndexQuery, order: PageOrder) {
    if (accessor !== undefined && !TABLES[table].indexes.includes('access'))
      throw new Error(`${table} documents have no access index`)
    const queryPlan = plan(query, order, accessor !== undefined)
    if (queryPlan.empty) return undefined
    return { q: new PageQuery(untyped(this.#db), table, accessor, queryPlan, order) }
  }

  /**
   * The sort value of the page's first document, for a value-ordered keyset. A document that no longer
   * matches anything (deleted since the previous page), or that the accessor cannot read, cannot place
   * the page: the same clear error, not a page that silently repeats or skips rows.
   */
  async #keysetStart(
    table: DocTable,
    accessor: string | undefined,
    startId: string,
    order: PageOrder,
  ): Promise<number | undefined> {
    if (order.by === 'id') return undefined
    // The document's term rows by entity_id alone, read through the (entity_id, term) index, and its
    // every-document row picked here: given `term = '*'` as well, SQLite reads the primary key
    // (term, value, entity_id) from the first '*' row, i.e. the row of every stored document, to find
    // this one (6 ms per page at 110,000 samples, growing with the table; 0.01 ms this way, measured
    // for bench/search). A document has few terms.
    let q = untyped(this.#db)
      .selectFrom(`${indexTable(table, 'term')} as t`)
      .select(['t.term', 't.value'])
      .where('t.entity_id', '=', startId)
    // Only a record the caller can read places a page: another's would tell its date, or that it exists.
    if (accessor !== undefined)
      q = q.innerJoin(`${indexTable(table, 'access')} as a`, (join) =>
        join.onRef('a.entity_id', '=', 't.entity_id').on('a.data_owner_id', '=', accessor),
      )
    const rows = (await q.execute()) as { term: string; value: unknown }[]
    const row = rows.find((r) => r.term === EVERY_DOCUMENT_TERM)
    if (!row) throw new StaleKeyset(startId)
    return Number(row.value)
  }

  /** Non-deleted exchange keys of the ordered pair, oldest first (id breaks ties deterministically). */
  async findExchangeKeys(delegator: string, delegate: string): Promise<StoredDoc[]> {
    const rows = await this.#db
      .selectFrom('exchange_key')
      .select(DOC_COLUMNS)
      .where('delegator', '=', delegator)
      .where('delegate', '=', delegate)
      .where('deleted', '=', 0)
      .orderBy('created')
      .orderBy('id')
      .execute()
    return rows.map(toStoredDoc)
  }

  /** Counterparts of a data owner's exchange keys, both directions (see Storage). */
  async exchangeKeyCounterparts(
    dataOwnerId: string,
  ): Promise<{ dataOwnerId: string; outgoing: boolean; incoming: boolean }[]> {
    // Two index scans: (delegator, delegate, created) for the outgoing side, and (delegate, delegator)
    // of migration 0010 for the incoming side.
    const [out, inc] = await Promise.all([
      this.#db
        .selectFrom('exchange_key')
        .select('delegate as id')
        .distinct()
        .where('delegator', '=', dataOwnerId)
        .where('deleted', '=', 0)
        .execute(),
      this.#db
        .selectFrom('exchange_key')
        .select('delegator as id')
        .distinct()
        .where('delegate', '=', dataOwnerId)
        .where('deleted', '=', 0)
        .execute(),
    ])
    const found = new Map<string, { dataOwnerId: string; outgoing: boolean; incoming: boolean }>()
    const entry = (id: string) => {
      let e = found.get(id)
      if (!e) found.set(id, (e = { dataOwnerId: id, outgoing: false, incoming: false }))
      return e
    }
    for (const r of out) if (r.id && r.id !== dataOwnerId) entry(r.id).outgoing = true
    for (const r of inc) if (r.id && r.id !== dataOwnerId) entry(r.id).incoming = true
    return [...found.values()].sort((a, b) => (a.dataOwnerId < b.dataOwnerId ? -1 : 1))
  }

  /** Which of `ids` are documents of `table` (tombstones included), with chunked `IN` lists. */
  async existingIds(table: DocTable, ids: readonly string[]): Promise<string[]> {
    const out: string[] = []
    for (const part of chunkRows([...new Set(ids)], ID_PARAMS, this.#backend.maxParams)) {
      const rows = await this.#db.selectFrom(docTable(table)).select('id').where('id', 'in', part).execute()
      for (const row of rows) out.push(row.id)
    }
    return out
  }

  /** One user by id. */
  async getUser(id: string): Promise<UserRow | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUserRow(row)
  }

  /**
   * The user whose login, email or mobile phone is `identifier`. Writes keep identifiers unique across
   * the three columns; should rows predating that rule still match several users, login wins, then email.
   */
  async findUserByIdentifier(identifier: string): Promise<UserRow | undefined> {
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('login', '=', identifier),
          eb('email', '=', identifier),
          eb('mobile_phone', '=', identifier),
        ]),
      )
      // A tombstone's identifiers are cleared anyway; this keeps it out even should one remain.
      .where('deletion_date', 'is', null)
      .execute()
    const row =
      rows.find((r) => r.login === identifier) ?? rows.find((r) => r.email === identifier) ?? rows[0]
    return row && toUserRow(row)
  }

  /** Users acting as `dataOwnerId`, by id. */
  async findUsersByDataOwner(dataOwnerId: string): Promise<UserRow[]> {
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('data_owner_id', '=', dataOwnerId)
      .where('deletion_date', 'is', null)
      .orderBy('id')
      .execute()
    return rows.map(toUserRow)
  }

  /** The non-deleted user with this (lower-cased) email. */
  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .where('deletion_date', 'is', null)
      .executeTakeFirst()
    return row && toUserRow(row)
  }

  /**
   * Keyset page of users by id. Users are few next to entities (one per person or device), so the
   * page and its count are two plain queries over the users table and its primary key.
   */
  async findUsersPage(query: UserQuery, startId: string | undefined, limit: number): Promise<UserPage> {
    if (query.ids !== undefined && query.ids.length === 0) return { users: [], total: 0 }
    const selected = (db: Kysely<Database>) =>
      db
        .selectFrom('users')
        .where('deletion_date', 'is', null)
        .where((eb) => userCondition(eb, query))
    let page = selected(this.#db).selectAll()
    if (startId !== undefined) page = page.where('id', '>=', startId)
    const [rows, count] = await Promise.all([
      page.orderBy('id').limit(limit).execute(),
      selected(this.#db)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ])
    return { users: rows.map(toUserRow), total: Number(count.n) }
  }

  /** Number of users (any status). */
  async countUsers(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /**
   * Inserts a user unless its id is taken or one of its identifiers (login, email, phone) is any other
   * user's login, email or phone: identifiers are checked across columns so that a login by
   * identifier always designates one user.
   */
  async insertUser(row: UserRow): Promise<void> {
    try {
      await this.#backend.writeTransaction(async (trx) => {
        if (await this.#userClash(trx, row, 'insert')) throw new StorageConflict([row.id], 'exists')
        await trx.insertInto('users').values(fromUserRow(row)).execute()
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([row.id], 'exists')
      throw error
    }
  }

  /**
   * Updates a user whose current rev is `expectedRev`: StorageConflict('missing' | 'stale') otherwise,
   * and StorageConflict('exists') when a new identifier belongs to another user.
   */
  async updateUser(row: UserRow, expectedRev: string, options: UserUpdateOptions = {}): Promise<void> {
    try {
      await this.#backend.writeTransaction(async (trx) => {
        const current = await trx
          .selectFrom('users')
          .select('rev')
          .where('id', '=', row.id)
          .executeTakeFirst()
        if (!current) throw new StorageConflict([row.id], 'missing')
        if (current.rev !== expectedRev) throw new StorageConflict([row.id], 'stale')
        if (await this.#userClash(trx, row, 'update')) throw new StorageConflict([row.id], 'exists')
        const { id, ...changes } = fromUserRow(row)
        // The rev condition stays in the WHERE clause: on PostgreSQL a concurrent update may have
        // committed since the read above.
        const result = await trx
          .updateTable('users')
          .set(changes)
          .where('id', '=', id)
          .where('rev', '=', expectedRev)
          .executeTakeFirst()
        if (result.numUpdatedRows === 0n) throw new StorageConflict([row.id], 'stale')
        if (options.deleteTokens) await trx.deleteFrom('user_tokens').where('user_id', '=', id).execute()
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([row.id], 'exists')
      throw error
    }
  }

  /**
   * The document rows exactly as insertDocs writes them (document, data-owner id), then the user, in
   * one transaction: a professional and its user exist together or not at all.
   */
  async insertDataOwnerWithUser(
    table: 'healthcareProfessional' | 'medicalDevice' | 'patient',
    write: DocWrite,
    user: UserRow,
  ): Promise<void> {
    try {
      await this.#backend.writeTransaction(async (trx) => {
        if (await this.#dataOwnerIdTaken(trx, write.id)) throw new StorageConflict([write.id], 'exists')
        if (await this.#userClash(trx, user, 'insert')) throw new StorageConflict([user.id], 'exists')
        for (const i of this.#insertsOf(table, [write]))
          await this.#insertRows(trx, i.table, i.columns, i.rows)
        await trx.insertInto('users').values(fromUserRow(user)).execute()
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      // A concurrent writer got there between the checks and the inserts: name what was taken.
      const taken = await this.#dataOwnerIdTaken(this.#db, write.id)
      throw new StorageConflict([taken ? write.id : user.id], 'exists')
    }
  }

  /** Whether a data owner of any kind already has this id (the data_owner_ids table). */
  async #dataOwnerIdTaken(db: Kysely<Database>, id: string): Promise<boolean> {
    return (
      (await db.selectFrom('data_owner_ids').select('id').where('id', '=', id).executeTakeFirst()) !==
      undefined
    )
  }

  /** Stores a token hash; a token id already used by this user -> StorageConflict('exists'). */
  async insertUserToken(row: UserTokenRow): Promise<void> {
    try {
      await this.#db
        .insertInto('user_tokens')
        .values({
          user_id: row.userId,
          token_id: row.tokenId,
          hash: row.hash,
          created: row.created,
          validity: row.validity,
          kind: row.kind ?? 'token',
        })
        .execute()
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([row.tokenId], 'exists')
      throw error
    }
  }

  /** One token of a user. */
  async getUserToken(userId: string, tokenId: string): Promise<UserTokenRow | undefined> {
    const row = await this.#db
      .selectFrom('user_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('token_id', '=', tokenId)
      .executeTakeFirst()
    return row && toUserTokenRow(row)
  }

  /** Every token of a user, oldest first. */
  async findUserTokens(userId: string): Promise<UserTokenRow[]> {
    const rows = await this.#db
      .selectFrom('user_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created')
      .orderBy('token_id')
      .execute()
    return rows.map(toUserTokenRow)
  }

  /** Deletes the given tokens of a user, or all of them. */
  async deleteUserTokens(userId: string, tokenIds?: readonly string[]): Promise<number> {
    if (tokenIds !== undefined && tokenIds.length === 0) return 0
    let query = this.#db.deleteFrom('user_tokens').where('user_id', '=', userId)
    if (tokenIds !== undefined) query = query.where('token_id', 'in', [...tokenIds])
    const result = await query.executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Stores a new session. */
  async insertSession(row: SessionRow): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id: row.id,
        user_id: row.userId,
        created: row.created,
        auth_time: row.authTime,
        token_id: row.tokenId,
        generation: row.generation,
        expires: row.expires,
        not_after: row.notAfter,
        revoked: row.revoked,
      })
      .execute()
  }

  /** One session by id. */
  async getSession(id: string): Promise<SessionRow | undefined> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toSessionRow(row)
  }

  /**
   * One conditional UPDATE: of two concurrent refreshes with the same token, only one moves the
   * generation; the other sees no row updated (and is treated as a reuse).
   */
  async rotateSession(id: string, from: number, now: number, expires: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ generation: from + 1, expires })
      .where('id', '=', id)
      .where('generation', '=', from)
      .where('revoked', 'is', null)
      .where('expires', '>', now)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Revokes the active sessions of the selector; returns their ids. */
  async revokeSessions(selector: SessionSelector, now: number): Promise<string[]> {
    return this.#backend.writeTransaction(async (trx) => {
      let query = trx
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', selector.userId)
        .where('revoked', 'is', null)
      if (selector.sessionId !== undefined) query = query.where('id', '=', selector.sessionId)
      if (selector.exceptSessionId !== undefined) query = query.where('id', '!=', selector.exceptSessionId)
      if (selector.tokenId !== undefined) query = query.where('token_id', '=', selector.tokenId)
      const ids = (await query.execute()).map((r) => r.id)
      for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
        await trx.updateTable('sessions').set({ revoked: now }).where('id', 'in', part).execute()
      }
      return ids
    })
  }

  /** Deletes sessions that ended (expired or revoked) before `before`. */
  async pruneSessions(before: number): Promise<void> {
    await this.#db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires', '<', before), eb('revoked', '<', before)]))
      .execute()
  }

  /** Conditional insert (no row expected) or update (the row must still hold `expected`). */
  async compareAndSetLoginFailures(
    key: string,
    expected: LoginFailures | undefined,
    next: LoginFailures,
  ): Promise<boolean> {
    const values = {
      failures: next.failures,
      last_failure: next.lastFailure,
      pending: next.pending,
      pending_since: next.pendingSince,
    }
    if (expected === undefined) {
      const result = await this.#db
        .insertInto('login_failures')
        .values({ key, ...values })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst()
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    }
    const result = await this.#db
      .updateTable('login_failures')
      .set(values)
      .where('key', '=', key)
      .where('failures', '=', expected.failures)
      .where('last_failure', '=', expected.lastFailure)
      .where('pending', '=', expected.pending)
      .where('pending_since', '=', expected.pendingSince)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Failure counts of `keys`. */
  async getLoginFailures(keys: readonly string[]): Promise<Map<string, LoginFailures>> {
    const found = new Map<string, LoginFailures>()
    if (keys.length === 0) return found
    const rows = await this.#db.selectFrom('login_failures').selectAll().where('key', 'in', keys).execute()
    for (const r of rows)
      found.set(r.key, {
        failures: Number(r.failures),
        lastFailure: Number(r.last_failure),
        pending: Number(r.pending),
        pendingSince: Number(r.pending_since),
      })
    return found
  }

  /** Forgets the failures of one key. */
  async clearLoginFailures(key: string): Promise<void> {
    await this.#db.deleteFrom('login_failures').where('key', '=', key).execute()
  }

  /** Counts of recent failure keys, for the gauges (one indexed scan of the window). */
  async loginFailureStats(
    since: number,
    threshold: number,
  ): Promise<{ tracked: number; overThreshold: number }> {
    const row = await this.#db
      .selectFrom('login_failures')
      .select([
        sql<number>`count(*)`.as('tracked'),
        sql<number>`coalesce(sum(case when failures >= ${threshold} then 1 else 0 end), 0)`.as('over'),
      ])
      .where('last_failure', '>=', since)
      // A count given back to zero (attempts that succeeded) is no failure.
      .where('failures', '>', 0)
      .executeTakeFirstOrThrow()
    return { tracked: Number(row.tracked), overThreshold: Number(row.over) }
  }

  /** Deletes failure counts older than `before`. */
  async pruneLoginFailures(before: number): Promise<void> {
    await this.#db
      .deleteFrom('login_failures')
      .where('last_failure', '<', before)
      .where('pending_since', '<', before)
      .execute()
  }

  /**
   * First writer wins: `INSERT ... ON CONFLICT DO NOTHING` (which on PostgreSQL waits for a concurrent
   * uncommitted insert of the key), then reads back whichever value got stored.
   */
  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    const db = this.#db
    await db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
    const row = await db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirstOrThrow()
    return row.value
  }

  /** See Storage.getSetting. */
  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
    return row?.value
  }

  /**
   * See Storage.compareAndSetSetting: one conditional statement, so that of two instances racing from
   * the same value only one changes it (PostgreSQL re-checks the condition on the row it waited for).
   */
  async compareAndSetSetting(key: string, expected: string | undefined, next: string): Promise<boolean> {
    if (expected === undefined) {
      const result = await this.#db
        .insertInto('settings')
        .values({ key, value: next })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
    }
    const result = await this.#db
      .updateTable('settings')
      .set({ value: next })
      .where('key', '=', key)
      .where('value', '=', expected)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * Locks the rows of `ids` in id order before the bulk update, which would lock them in whatever order
   * its plan visits them: two overlapping batches then queue behind each other instead of deadlocking.
   * PostgreSQL only; SQLite's BEGIN IMMEDIATE already serialises writers.
   */
  async #lockInIdOrder(trx: Kysely<Database>, table: DocTable, ids: readonly string[]): Promise<void> {
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      await trx
        .selectFrom(docTable(table))
        .select('id')
        .where('id', 'in', part)
        .orderBy('id')
        .forUpdate()
        .execute()
    }
  }

  /** The ids among `ids` that have a document (deleted or not). */
  async #existingIds(db: Kysely<Database>, table: DocTable, ids: readonly string[]): Promise<string[]> {
    const found: string[] = []
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      const text =
        part.length === 1
          ? this.#sqlText(
              `existing:${table}`,
              (p) => `select id from "${TABLES[table].sql}" where id = ${p(1)}`,
            )
          : `select id from "${TABLES[table].sql}" where id in (${part.map((_, i) => this.#placeholder(i + 1)).join(', ')})`
      const { rows } = await db.executeQuery<{ id: string }>(CompiledQuery.raw(text, [...part]))
      for (const row of rows) found.push(row.id)
    }
    return found
  }

  /**
   * INSERTs `rows` (values in `columns` order) into `table`, as few multi-row statements as the
   * parameter limit allows. The SQL is written here rather than through Kysely's builder: building and
   * compiling an insert cost more than running it (server benchmark profile of a create), and these
   * statements are all alike. Single-row texts are marked as run often (prepared on PostgreSQL).
   */
  async #insertRows(
    trx: Kysely<Database>,
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
  ): Promise<void> {
    for (const part of chunkRows(rows, columns.length, this.#backend.maxParams)) {
      const key = `insert:${table}:${part.length}`
      const text =
        part.length === 1
          ? this.#sqlText(key, (p) => insertText(table, columns, 1, p))
          : insertText(table, columns, part.length, this.#placeholder)
      await trx.executeQuery(CompiledQuery.raw(text, part.flat()))
    }
  }

  /** Deletes every index row of the documents `ids`, before their rows are re-inserted. */
  async #deleteIndexRows(
    trx: Kysely<Database>,
    index: readonly IndexTableRows[],
    ids: readonly string[],
  ): Promise<void> {
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      for (const { table } of index)
        await untyped(trx).deleteFrom(table).where('entity_id', 'in', part).execute()
    }
  }

  /**
   * Whether another user holds one of `row`'s identifiers in any identifier column (or, on insert,
   * its id). Runs inside the write transaction; the unique constraints back it up under races.
   */
  async #userClash(trx: Kysely<Database>, row: UserRow, mode: 'insert' | 'update'): Promise<boolean> {
    const identifiers = [...new Set([row.login, row.email, row.mobilePhone])].filter(
      (v): v is string => v !== null,
    )
    let query = trx
      .selectFrom('users')
      .select('id')
      .where((eb) =>
        eb.or([
          ...(mode === 'insert' ? [eb('id', '=', row.id)] : []),
          eb('login', 'in', identifiers),
          eb('email', 'in', identifiers),
          eb('mobile_phone', 'in', identifiers),
        ]),
      )
    if (mode === 'update') query = query.where('id', '!=', row.id)
    return (await query.limit(1).executeTakeFirst()) !== undefined
  }
}
