import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import { StorageConflict } from './storage.ts'
import { chunkRows } from './chunk.ts'
import { isUniqueViolation } from './unique-violation.ts'
import type {
  CodingMergePlan,
  CodingPage,
  CodingQuery,
  CodingStore,
  CodingWrite,
  StoredCoding,
} from './coding-store.ts'

/** Row types of the coding tables (migration 0006_codings, storage/coding-migration.ts). */
type CodingTables = {
  coding: {
    id: string
    rev: string
    doc: string
    type: string
    code: string
    version: string
    created: number
    modified: number
  }
  coding_region: { region: string; entity_id: string }
  coding_word: { word: string; language: string; entity_id: string }
}
type CodingDb = Kysely<Database & CodingTables>

/** Columns of a StoredCoding. */
const CODING_COLUMNS = ['id', 'rev', 'doc', 'created', 'modified'] as const

/** Order of writes within a transaction: the same everywhere, so that concurrent batches never deadlock. */
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Values occurring more than once, each reported once. */
function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const value of values) (seen.has(value) ? twice : seen).add(value)
  return [...twice]
}

/**
 * The smallest string greater than every string starting with `prefix`, in code point order (which
 * is the byte order of UTF-8, SQLite's default and PostgreSQL's "C" collation): the prefix with its
 * last code point incremented. `word >= prefix AND word < upper` is then an index range.
 */
export function prefixUpperBound(prefix: string): string {
  const points = [...prefix]
  const last = points.pop()!.codePointAt(0)!
  // Surrogate code points cannot appear in a string of whole characters: skip over them.
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1
  return points.join('') + String.fromCodePoint(next)
}

/**
 * Most index rows counted per search word (see KyselyCodingStore.#wordCounts): counting 50,000 rows of
 * the word index takes a few milliseconds, and a word that frequent is never the one to drive from
 * when another is rarer.
 */
const WORD_COUNT_CAP = 50_000

/**
 * A search word with more than this many times the rows of the rarest word is probed per candidate
 * (an index lookup each) instead of being listed whole: listing costs about one step per row of the
 * word, probing a few per candidate (measured on a 400,000-coding extract, docs/codings.md).
 */
const PROBE_RATIO = 8

/** Key of a search word in the counts: the word and the language it is searched in. */
const wordKey = (word: string, language: string | undefined) => `${language ?? ''}\u0000${word}`

/** `w.word` in the range of the words starting with `word`, in `language` when given. */
function wordRange(word: string, language: string | undefined): RawBuilder<SqlBool> {
  const inLanguage = language === undefined ? sql`` : sql` and w.language = ${language}`
  return sql<SqlBool>`w.word >= ${word} and w.word < ${prefixUpperBound(word)}${inLanguage}`
}

/**
 * The CodingStore over Kysely, for SQLite and PostgreSQL. Writes are one transaction each (documents
 * and index rows together), in multi-row statements chunked under the dialect's parameter limit;
 * pages are keyset pages over the primary key, their conditions `IN` subqueries on the index tables
 * that the database can drive the scan from (the rarest word of a label search, a region, a type).
 */
export class KyselyCodingStore implements CodingStore {
  /**
   * `db` gives the storage's connection, or throws once the storage is closed (the store lives as
   * long as its KyselyStorage).
   */
  constructor(
    private readonly backend: StorageBackend,
    private readonly db: () => Kysely<Database>,
  ) {}

  /** The connection, typed with the coding tables. */
  get #db(): CodingDb {
    return this.db().withTables<CodingTables>()
  }

  /** One coding by id. */
  async get(id: string): Promise<StoredCoding | undefined> {
    return this.#db.selectFrom('coding').select(CODING_COLUMNS).where('id', '=', id).executeTakeFirst()
  }

  /** The existing codings among `ids`. */
  async getMany(ids: readonly string[]): Promise<StoredCoding[]> {
    const out: StoredCoding[] = []
    for (const part of chunkRows([...new Set(ids)], 1, this.backend.maxParams)) {
      out.push(
        ...(await this.#db.selectFrom('coding').select(CODING_COLUMNS).where('id', 'in', part).execute()),
      )
    }
    return out
  }

  /** Inserts a batch in one transaction; a taken or repeated id -> StorageConflict('exists'). */
  async insert(writes: readonly CodingWrite[]): Promise<void> {
    if (writes.length === 0) return
    const twice = repeated(writes.map((w) => w.id))
    if (twice.length > 0) throw new StorageConflict(twice, 'exists')
    try {
      await this.backend.writeTransaction(async (trx) =>
        this.#insertRows(trx.withTables<CodingTables>(), writes),
      )
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      const existing = (await this.getMany(writes.map((w) => w.id))).map((c) => c.id)
      throw new StorageConflict(existing.length > 0 ? existing : writes.map((w) => w.id), 'exists')
    }
  }

  /** Updates a batch in one transaction, each write at its expected rev (see CodingStore). */
  async update(writes: readonly CodingWrite[]): Promise<void> {
    if (writes.length === 0) return
    const twice = repeated(writes.map((w) => w.id))
    if (twice.length > 0) throw new StorageConflict(twice, 'stale')
    await this.backend.writeTransaction(async (trx) => {
      const db = trx.withTables<CodingTables>()
      await this.#lock(
        db,
        writes.map((w) => w.id),
      )
      await this.#updateRows(db, writes)
    })
  }

  /** Reads (and on PostgreSQL locks) the current rows, then writes what `plan` decides, in one transaction. */
  async merge(
    ids: readonly string[],
    plan: (current: ReadonlyMap<string, StoredCoding>) => CodingMergePlan,
  ): Promise<CodingMergePlan> {
    try {
      return await this.backend.writeTransaction(async (trx) => {
        const db = trx.withTables<CodingTables>()
        const current = new Map((await this.#lock(db, ids)).map((c) => [c.id, c]))
        const decided = plan(current)
        if (decided.inserts.length > 0) await this.#insertRows(db, decided.inserts)
        if (decided.updates.length > 0) await this.#updateRows(db, decided.updates)
        return decided
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      // Another writer created one of the new codings between the read and the insert.
      throw new StorageConflict([...ids], 'exists')
    }
  }

  /** Keyset page by id and the count of every match (not run when a first page holds them all). */
  async findPage(query: CodingQuery, startId: string | undefined, limit: number): Promise<CodingPage> {
    const condition = this.#condition(query, await this.#wordCounts(query))
    const from = startId === undefined ? sql`` : sql` and c.id >= ${startId}`
    const rows =
      limit > 0
        ? (
            await sql<StoredCoding>`select c.id, c.rev, c.doc, c.created, c.modified from coding c where ${condition}${from} order by c.id limit ${limit}`.execute(
              this.db(),
            )
          ).rows
        : []
    if (startId === undefined && limit > 0 && rows.length < limit) return { docs: rows, total: rows.length }
    const { rows: count } = await sql<{
      n: unknown
    }>`select count(*) as n from coding c where ${condition}`.execute(this.db())
    return { docs: rows, total: Number(count[0].n) }
  }

  /** At most `max` ids of matches, in id order. */
  async findIds(query: CodingQuery, max: number): Promise<string[]> {
    const condition = this.#condition(query, await this.#wordCounts(query))
    const { rows } = await sql<{
      id: string
    }>`select c.id from coding c where ${condition} order by c.id limit ${max}`.execute(this.db())
    return rows.map((r) => r.id)
  }

  /**
   * How many index rows each search word of `query` has (counted up to WORD_COUNT_CAP), so that
   * #condition drives a label search from its rarest word. SQLite keeps no statistics to choose by
   * itself, and one word of a search usually is far rarer than the others ("diab" next to
   * "disorder").
   */
  async #wordCounts(query: CodingQuery): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    const visit = async (q: CodingQuery): Promise<void> => {
      if (q.op === 'and' || q.op === 'or') for (const part of q.of) await visit(part)
      else if (q.op === 'not') await visit(q.of)
      else if (q.op === 'match' && q.words.length > 1) {
        for (const word of q.words) {
          const key = wordKey(word, q.language)
          if (counts.has(key)) continue
          const { rows } = await sql<{
            n: unknown
          }>`select count(*) as n from (select 1 from coding_word w where ${wordRange(word, q.language)} limit ${WORD_COUNT_CAP}) t`.execute(
            this.db(),
          )
          counts.set(key, Number(rows[0].n))
        }
      }
    }
    await visit(query)
    return counts
  }

  /**
   * The SQL condition on the coding `c` that `query` selects. A label search is driven by its rarest
   * word: `c.id IN (...)`, one range scan of the word index that the database walks in id order
   * (SQLite keeps the list sorted, so a page stops after `limit` rows). Its other words are listed the
   * same way, unless far more frequent (then probed per candidate: EXISTS on the (entity_id, language)
   * index), and its region is probed on the region primary key rather than listed: one region may hold
   * every code of a national extract. A search without words is driven by its region, or by the
   * (type, id) index.
   */
  #condition(query: CodingQuery, counts: ReadonlyMap<string, number>): RawBuilder<SqlBool> {
    switch (query.op) {
      case 'all':
        return sql<SqlBool>`1 = 1`
      case 'none':
        return sql<SqlBool>`1 = 0`
      case 'ids': {
        const ids = [...new Set(query.ids)]
        return ids.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`c.id in (${sql.join(ids)})`
      }
      case 'match':
        return this.#match(query, counts)
      case 'and':
      case 'or': {
        if (query.of.length === 0) return query.op === 'and' ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`
        const parts = query.of.map((q) => this.#condition(q, counts))
        return sql<SqlBool>`(${sql.join(parts, query.op === 'and' ? sql` and ` : sql` or `)})`
      }
      case 'not':
        return sql<SqlBool>`not (${this.#condition(query.of, counts)})`
    }
  }

  /** The condition of one label search (see #condition). */
  #match(
    query: Extract<CodingQuery, { op: 'match' }>,
    counts: ReadonlyMap<string, number>,
  ): RawBuilder<SqlBool> {
    const parts: RawBuilder<SqlBool>[] = []
    const count = (w: string) => counts.get(wordKey(w, query.language)) ?? 0
    // Rarest first; ties go to the longer word, which is usually the rarer.
    const words = [...new Set(query.words)].sort((a, b) => count(a) - count(b) || b.length - a.length)
    const driver = words[0]
    for (const word of words) {
      // A word far more frequent than the driver is probed for each candidate rather than listed whole.
      parts.push(
        word === driver || count(word) <= PROBE_RATIO * count(driver)
          ? sql<SqlBool>`c.id in (select w.entity_id from coding_word w where ${wordRange(word, query.language)})`
          : sql<SqlBool>`exists (select 1 from coding_word w where w.entity_id = c.id and ${wordRange(word, query.language)})`,
      )
    }
    if (query.region !== undefined)
      parts.push(
        driver === undefined
          ? sql<SqlBool>`c.id in (select r.entity_id from coding_region r where r.region = ${query.region})`
          : sql<SqlBool>`exists (select 1 from coding_region r where r.region = ${query.region} and r.entity_id = c.id)`,
      )
    if (query.type !== undefined) parts.push(sql<SqlBool>`c.type = ${query.type}`)
    if (driver === undefined && query.language !== undefined)
      parts.push(
        sql<SqlBool>`exists (select 1 from coding_word w where w.entity_id = c.id and w.language = ${query.language})`,
      )
    return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`
  }

  /**
   * The current rows among `ids`. On PostgreSQL they are locked (FOR UPDATE, in id order, so that two
   * overlapping batches queue instead of deadlocking) until the transaction ends; SQLite's write
   * transaction already holds the database's one write lock.
   */
  async #lock(db: CodingDb, ids: readonly string[]): Promise<StoredCoding[]> {
    const out: StoredCoding[] = []
    for (const part of chunkRows([...new Set(ids)].sort(), 1, this.backend.maxParams)) {
      let query = db.selectFrom('coding').select(CODING_COLUMNS).where('id', 'in', part).orderBy('id')
      if (this.backend.dialect === 'postgres') query = query.forUpdate()
      out.push(...(await query.execute()))
    }
    return out
  }

  /** Inserts the codings and their index rows. */
  async #insertRows(db: CodingDb, writes: readonly CodingWrite[]): Promise<void> {
    const sorted = [...writes].sort(byId)
    const rows = sorted.map((w) => ({
      id: w.id,
      rev: w.rev,
      doc: w.doc,
      type: w.type,
      code: w.code,
      version: w.version,
      created: w.created,
      modified: w.modified,
    }))
    for (const part of chunkRows(rows, 8, this.backend.maxParams))
      await db.insertInto('coding').values(part).execute()
    await this.#insertIndexRows(db, sorted)
  }

  /**
   * Updates each coding at its expected rev, then rewrites the index rows of the batch. A coding not
   * updated fails the whole transaction: 'missing' if it does not exist, else 'stale'.
   */
  async #updateRows(db: CodingDb, writes: readonly CodingWrite[]): Promise<void> {
    const sorted = [...writes].sort(byId)
    const failed: string[] = []
    for (const w of sorted) {
      if (w.expectedRev === undefined) throw new Error(`coding update needs expectedRev (${w.id})`)
      const result = await db
        .updateTable('coding')
        .set({ rev: w.rev, doc: w.doc, type: w.type, code: w.code, version: w.version, modified: w.modified })
        .where('id', '=', w.id)
        .where('rev', '=', w.expectedRev)
        .executeTakeFirst()
      if (result.numUpdatedRows === 0n) failed.push(w.id)
    }
    if (failed.length > 0) {
      const existing = new Set(
        (await db.selectFrom('coding').select('id').where('id', 'in', failed).execute()).map((r) => r.id),
      )
      const missing = failed.filter((id) => !existing.has(id))
      throw missing.length > 0
        ? new StorageConflict(missing, 'missing')
        : new StorageConflict(failed, 'stale')
    }
    for (const part of chunkRows(
      sorted.map((w) => w.id),
      1,
      this.backend.maxParams,
    )) {
      await db.deleteFrom('coding_region').where('entity_id', 'in', part).execute()
      await db.deleteFrom('coding_word').where('entity_id', 'in', part).execute()
    }
    await this.#insertIndexRows(db, sorted)
  }

  /** The region and word rows of `writes` (each distinct once per coding). */
  async #insertIndexRows(db: CodingDb, writes: readonly CodingWrite[]): Promise<void> {
    const regions = writes.flatMap((w) =>
      [...new Set(w.regions)].map((region) => ({ region, entity_id: w.id })),
    )
    for (const part of chunkRows(regions, 2, this.backend.maxParams))
      await db.insertInto('coding_region').values(part).execute()
    const words = writes.flatMap((w) => {
      const seen = new Set<string>()
      return w.words
        .filter(({ language, word }) => {
          const key = `${language}\u0000${word}`
          return seen.has(key) ? false : (seen.add(key), true)
        })
        .map(({ language, word }) => ({ word, language, entity_id: w.id }))
    })
    for (const part of chunkRows(words, 3, this.backend.maxParams))
      await db.insertInto('coding_word').values(part).execute()
  }
}
