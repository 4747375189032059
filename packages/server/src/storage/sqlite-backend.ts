import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'

/** SQLITE_MAX_VARIABLE_NUMBER of the SQLite bundled with better-sqlite3 (the default since 3.32). */
const SQLITE_MAX_PARAMS = 32766

/** Prepared statements kept per connection; batch inserts vary in row count, hence a bound. */
const STATEMENT_CACHE_SIZE = 256

/**
 * Kysely prepares every query again; preparing costs about 10% of the server's time on a write
 * (measured by the benchmark). Statements are reusable, and the one connection runs one query at a
 * time, so the prepared statement of a SQL text is kept (least recently used dropped first).
 */
function withStatementCache(database: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text)
      if (stmt) {
        cache.delete(text)
      } else {
        stmt = database.prepare(text)
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      }
      cache.set(text, stmt)
      return stmt
    },
  }
}

/**
 * Embedded SQLite at `<dataDir>/cairn.db`, opened on first use (the folder is created then). WAL lets
 * readers proceed during a write; synchronous=FULL makes an acknowledged write survive a power cut;
 * busy_timeout (ms) waits for another process's write lock instead of failing at once.
 */
export function sqliteBackend(dataDir: string): StorageBackend {
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: () => {
        mkdirSync(dataDir, { recursive: true })
        const database = new BetterSqlite3(join(dataDir, 'cairn.db'))
        database.pragma('journal_mode = WAL')
        database.pragma('synchronous = FULL')
        database.pragma('busy_timeout = 5000')
        database.pragma('foreign_keys = ON')
        return Promise.resolve(withStatementCache(database))
      },
    }),
  })
  return {
    dialect: 'sqlite',
    db,
    maxParams: SQLITE_MAX_PARAMS,
    prepare: async () => {},
    // Kysely's transactions start with a deferred BEGIN, which takes the write lock only at the first
    // write: a transaction that reads first can then fail with SQLITE_BUSY if another process wrote
    // meanwhile. BEGIN IMMEDIATE takes it up front, so busy_timeout applies. `connection()` holds
    // the single connection for the whole transaction, so nothing else interleaves.
    writeTransaction: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn)
        try {
          const result = await fn(conn)
          await sql`commit`.execute(conn)
          return result
        } catch (error) {
          // SQLite may already have rolled back on its own (e.g. disk full): keep the original error.
          await sql`rollback`.execute(conn).catch(() => {})
          throw error
        }
      }),
  }
}
