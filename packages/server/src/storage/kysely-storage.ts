import type { Kysely } from 'kysely'
import type { Database, DocRow } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import {
  StorageConflict,
  type DocTable,
  type DocWrite,
  type Storage,
  type StoredDoc,
  type UserRow,
  type UserTokenRow,
} from './storage.ts'
import { bulkUpdateDocs } from './bulk-update-docs.ts'
import { chunkRows } from './chunk.ts'
import { indexRows, type IndexRows } from './index-rows.ts'
import { migrateToLatest } from './migrations.ts'
import { DOC_COLUMNS, fromUserRow, toStoredDoc, toUserRow, toUserTokenRow } from './row-mapping.ts'
import { tableNames, type TableNames } from './table-names.ts'
import { isUniqueViolation } from './unique-violation.ts'

/** Parameters bound per row: document rows (exchange keys add the pair), index rows, id lists. */
const DOC_PARAMS = 6
const EXCHANGE_KEY_PARAMS = 8
const INDEX_PARAMS = 2
const ID_PARAMS = 1

/** Order of writes within a transaction: the same everywhere, so concurrent batches never deadlock on row locks. */
/** Tables whose documents are data owners: their ids are also claimed in `data_owner_ids`. */
const DATA_OWNER_TABLES: readonly DocTable[] = ['patient', 'healthcareProfessional', 'medicalDevice']

const byId = (a: DocWrite, b: DocWrite): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Values occurring more than once in `values`, each reported once. */
function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const value of values) (seen.has(value) ? twice : seen).add(value)
  return [...twice]
}

/**
 * The Storage contract over Kysely, written once for SQLite and PostgreSQL; the backend supplies what
 * differs (see StorageBackend). Batch writes are single transactions of multi-row statements chunked
 * under the dialect's parameter limit; finds are keyset pages driven by the index tables' primary keys.
 */
export class KyselyStorage implements Storage {
  readonly dialect: 'sqlite' | 'postgres'
  readonly #backend: StorageBackend
  #closed = false

  constructor(backend: StorageBackend) {
    this.#backend = backend
    this.dialect = backend.dialect
  }

  /** The Kysely instance, refusing use after close() with a clear message rather than a driver error. */
  get #db(): Kysely<Database> {
    if (this.#closed) throw new Error('storage is closed')
    return this.#backend.db
  }

  /** Connects (creating the PostgreSQL schema if needed) and runs pending migrations. */
  async init(): Promise<void> {
    await this.#backend.prepare()
    await migrateToLatest(this.#db, this.#backend.schema)
  }

  /** Closes the pool or database file; later calls are no-ops and every other method rejects. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#backend.db.destroy()
  }

  /** One document by id, deleted or not. */
  async getDoc(table: DocTable, id: string): Promise<StoredDoc | undefined> {
    const row = await this.#db
      .selectFrom(tableNames(table).doc)
      .select(DOC_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toStoredDoc(row)
  }

  /** The existing documents among `ids`, fetched with chunked `IN` lists. */
  async getDocs(table: DocTable, ids: readonly string[]): Promise<StoredDoc[]> {
    const db = this.#db
    const docs: StoredDoc[] = []
    for (const part of chunkRows([...new Set(ids)], ID_PARAMS, this.#backend.maxParams)) {
      const rows = await db
        .selectFrom(tableNames(table).doc)
        .select(DOC_COLUMNS)
        .where('id', 'in', part)
        .execute()
      for (const row of rows) docs.push(toStoredDoc(row))
    }
    return docs
  }

  /**
   * Inserts a batch in one transaction: first checks that no id exists (or repeats within the batch),
   * then writes documents and index rows with multi-row INSERTs. A concurrent insert of the same id
   * that slips between check and write surfaces as a unique violation, mapped to the same conflict.
   */
  async insertDocs(table: DocTable, writes: readonly DocWrite[]): Promise<void> {
    if (writes.length === 0) return
    const ids = writes.map((w) => w.id)
    const twice = repeated(ids)
    if (twice.length > 0) throw new StorageConflict(twice, 'exists')
    const names = tableNames(table)
    const sorted = [...writes].sort(byId)
    const index = indexRows(table, names, sorted)
    try {
      await this.#backend.writeTransaction(async (trx) => {
        const existing = await this.#existingIds(trx, names, ids)
        if (existing.length > 0) throw new StorageConflict(existing, 'exists')
        await this.#insertDocRows(trx, table, names, sorted)
        await this.#insertIndexRows(trx, names, index)
        if (DATA_OWNER_TABLES.includes(table)) {
          for (const chunk of chunkRows(
            ids.map((id) => ({ id })),
            ID_PARAMS,
            this.#backend.maxParams,
          )) {
            await trx.insertInto('data_owner_ids').values(chunk).execute()
          }
        }
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      const existing = await this.#existingIds(this.#db, names, ids)
      throw new StorageConflict(existing.length > 0 ? existing : ids, 'exists')
    }
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
    const names = tableNames(table)
    const sorted = [...writes].sort(byId)
    const index = indexRows(table, names, sorted)
    await this.#backend.writeTransaction(async (trx) => {
      const ids = sorted.map((w) => w.id)
      if (this.dialect === 'postgres') await this.#lockInIdOrder(trx, names, ids)
      const updated = await bulkUpdateDocs(
        trx,
        names.doc,
        table === 'exchangeKey',
        sorted,
        this.#backend.maxParams,
      )
      const failed = ids.filter((id) => !updated.has(id))
      if (failed.length > 0) {
        const existing = new Set(await this.#existingIds(trx, names, failed))
        const missing = failed.filter((id) => !existing.has(id))
        throw missing.length > 0
          ? new StorageConflict(missing, 'missing')
          : new StorageConflict(failed, 'stale')
      }
      await this.#deleteIndexRows(trx, names, ids)
      await this.#insertIndexRows(trx, names, index)
    })
  }

  /**
   * Keyset page of the non-deleted documents `accessor` can access that carry one of
   * `secretForeignKeys`. Both index primary keys end with the entity id, so the planner can walk either
   * one in id order (SQLite walks the accessor's, PostgreSQL the rarer one) and stop after `limit` rows.
   */
  async findBySecretForeignKeys(
    table: DocTable,
    accessor: string,
    secretForeignKeys: readonly string[],
    startId: string | undefined,
    limit: number,
  ): Promise<StoredDoc[]> {
    const names = tableNames(table)
    if (!names.access || !names.sfk) throw new Error(`${table} documents have no secret foreign key index`)
    const keys = [...new Set(secretForeignKeys)]
    if (keys.length === 0 || limit <= 0) return []
    const sfkTable = `${names.sfk} as s` as const
    let query = this.#db
      .selectFrom(`${names.access} as a` as const)
      .innerJoin(`${names.doc} as d` as const, 'd.id', 'a.entity_id')
      .select(['d.id', 'd.rev', 'd.doc', 'd.created', 'd.modified', 'd.deleted'])
      .where('a.data_owner_id', '=', accessor)
      .where('d.deleted', '=', 0)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom(sfkTable)
            .select('s.sfk')
            .whereRef('s.entity_id', '=', 'a.entity_id')
            .where('s.sfk', 'in', keys),
        ),
      )
    if (startId !== undefined) query = query.where('a.entity_id', '>=', startId)
    const rows: DocRow[] = await query.orderBy('a.entity_id').limit(limit).execute()
    return rows.map(toStoredDoc)
  }

  /** Keyset page of the non-deleted documents `accessor` can access, along the access index in id order. */
  async findByAccessor(
    table: DocTable,
    accessor: string,
    startId: string | undefined,
    limit: number,
  ): Promise<StoredDoc[]> {
    const names = tableNames(table)
    if (!names.access) throw new Error(`${table} documents have no access index`)
    if (limit <= 0) return []
    let query = this.#db
      .selectFrom(`${names.access} as a` as const)
      .innerJoin(`${names.doc} as d` as const, 'd.id', 'a.entity_id')
      .select(['d.id', 'd.rev', 'd.doc', 'd.created', 'd.modified', 'd.deleted'])
      .where('a.data_owner_id', '=', accessor)
      .where('d.deleted', '=', 0)
    if (startId !== undefined) query = query.where('a.entity_id', '>=', startId)
    const rows: DocRow[] = await query.orderBy('a.entity_id').limit(limit).execute()
    return rows.map(toStoredDoc)
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
      .orderBy('id')
      .execute()
    return rows.map(toUserRow)
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
  async updateUser(row: UserRow, expectedRev: string): Promise<void> {
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
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([row.id], 'exists')
      throw error
    }
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
  async listUserTokens(userId: string): Promise<UserTokenRow[]> {
    const rows = await this.#db
      .selectFrom('user_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created')
      .orderBy('token_id')
      .execute()
    return rows.map(toUserTokenRow)
  }

  /** One setting. */
  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
    return row?.value
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

  /**
   * Locks the rows of `ids` in id order before the bulk update, which would lock them in whatever order
   * its plan visits them: two overlapping batches then queue behind each other instead of deadlocking.
   * PostgreSQL only; SQLite's BEGIN IMMEDIATE already serialises writers.
   */
  async #lockInIdOrder(trx: Kysely<Database>, names: TableNames, ids: readonly string[]): Promise<void> {
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      await trx.selectFrom(names.doc).select('id').where('id', 'in', part).orderBy('id').forUpdate().execute()
    }
  }

  /** The ids among `ids` that have a document (deleted or not). */
  async #existingIds(db: Kysely<Database>, names: TableNames, ids: readonly string[]): Promise<string[]> {
    const found: string[] = []
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      const rows = await db.selectFrom(names.doc).select('id').where('id', 'in', part).execute()
      for (const row of rows) found.push(row.id)
    }
    return found
  }

  /** Multi-row INSERTs of the document rows; exchange keys also carry their delegator/delegate pair. */
  async #insertDocRows(
    trx: Kysely<Database>,
    table: DocTable,
    names: TableNames,
    writes: readonly DocWrite[],
  ): Promise<void> {
    const max = this.#backend.maxParams
    const rows: DocRow[] = writes.map((w) => ({
      id: w.id,
      rev: w.rev,
      doc: w.doc,
      created: w.created,
      modified: w.modified,
      deleted: w.deleted ? 1 : 0,
    }))
    if (table === 'exchangeKey') {
      const pairs = rows.map((row, i) => ({
        ...row,
        delegator: writes[i].indexes.delegator ?? null,
        delegate: writes[i].indexes.delegate ?? null,
      }))
      for (const part of chunkRows(pairs, EXCHANGE_KEY_PARAMS, max)) {
        await trx.insertInto('exchange_key').values(part).execute()
      }
      return
    }
    for (const part of chunkRows(rows, DOC_PARAMS, max))
      await trx.insertInto(names.doc).values(part).execute()
  }

  /** Multi-row INSERTs of access and secret-foreign-key rows. */
  async #insertIndexRows(trx: Kysely<Database>, names: TableNames, rows: IndexRows): Promise<void> {
    const max = this.#backend.maxParams
    if (names.access) {
      for (const part of chunkRows(rows.access, INDEX_PARAMS, max)) {
        await trx.insertInto(names.access).values(part).execute()
      }
    }
    if (names.sfk) {
      for (const part of chunkRows(rows.sfk, INDEX_PARAMS, max))
        await trx.insertInto(names.sfk).values(part).execute()
    }
  }

  /** Deletes every index row of the documents `ids`, before their rows are re-inserted. */
  async #deleteIndexRows(trx: Kysely<Database>, names: TableNames, ids: readonly string[]): Promise<void> {
    for (const part of chunkRows(ids, ID_PARAMS, this.#backend.maxParams)) {
      if (names.access) await trx.deleteFrom(names.access).where('entity_id', 'in', part).execute()
      if (names.sfk) await trx.deleteFrom(names.sfk).where('entity_id', 'in', part).execute()
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
