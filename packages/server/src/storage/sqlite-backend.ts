import { mkdirSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import { SqliteGroupCommit } from './sqlite-group-commit.ts'
import { markStorageError } from './storage-fault.ts'

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

/** Name of the access log's SQLite file, next to `cairn.db` in the data directory. */
export const AUDIT_FILE = 'audit.db'

/**
 * Attaches the access log's file (`:memory:` for a database built in memory by a test) as schema
 * `audit`, where migration 0014 creates the log's tables; returns the same connection.
 */
export function withAuditAttached(
  database: BetterSqlite3.Database,
  file = ':memory:',
): BetterSqlite3.Database {
  database.prepare('ATTACH DATABASE ? AS audit').run(file)
  if (file !== ':memory:') {
    database.pragma('audit.journal_mode = WAL')
    database.pragma('audit.synchronous = FULL')
  }
  return database
}

/** Settings of the embedded SQLite backend. */
export interface SqliteBackendOptions {
  /** Folder of `cairn.db`, created on first use. */
  dataDir: string
  /** Free bytes in the folder below which readiness reports the disk as full. */
  minFreeBytes: number
  /**
   * How long a write waits for another process's lock before failing with 503 (ms). better-sqlite3
   * waits synchronously, blocking the event loop meanwhile: keep it short.
   */
  busyTimeoutMs: number
}

/**
 * Embedded SQLite at `<dataDir>/cairn.db`, opened on first use (the folder is created then). WAL lets
 * readers proceed during a write; synchronous=FULL makes an acknowledged write survive a power cut;
 * busy_timeout waits a little for another process's write lock (a backup, the sqlite3 shell) instead of
 * failing at once.
 */
export function sqliteBackend(options: SqliteBackendOptions): StorageBackend {
  const { dataDir, minFreeBytes, busyTimeoutMs } = options
  let opened: BetterSqlite3.Database | undefined
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: () => {
        mkdirSync(dataDir, { recursive: true })
        const database = new BetterSqlite3(join(dataDir, 'cairn.db'))
        database.pragma('journal_mode = WAL')
        database.pragma('synchronous = FULL')
        database.pragma(`busy_timeout = ${busyTimeoutMs}`)
        database.pragma('foreign_keys = ON')
        // The access log lives in a file of its own (docs/audit.md), attached as schema `audit`: its
        // writer thread (audit/audit-writer-thread.ts) appends to it with a connection of its own and
        // never takes the write lock of the data, while this connection still joins the log to the
        // access indexes in one query. Its tables are found by their unqualified names.
        withAuditAttached(database, join(dataDir, AUDIT_FILE))
        opened = database
        return Promise.resolve(withStatementCache(database))
      },
    }),
  })
  const group = new SqliteGroupCommit(db, () => opened?.inTransaction ?? false)
  return {
    dialect: 'sqlite',
    db,
    auditConnection: { dialect: 'sqlite', file: join(dataDir, AUDIT_FILE), busyTimeoutMs },
    maxParams: SQLITE_MAX_PARAMS,
    // One connection, used by one query at a time; Kysely queues the rest without telling how many.
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    // With WAL, a heartbeat may succeed on a full disk by reusing the log's space after a checkpoint,
    // while any larger write fails: readiness also asks for some free space in the data directory.
    checkCapacity: async () => {
      const fs = await statfs(dataDir)
      const free = fs.bavail * fs.bsize
      if (free < minFreeBytes) {
        throw markStorageError(
          Object.assign(new Error(`${free} bytes free in ${dataDir} (less than ${minFreeBytes})`), {
            code: 'ENOSPC',
          }),
        )
      }
    },
    prepare: async () => {},
    // One connection, and SQLite has no statement timeout: migrations use the same handle.
    withMigrationDb: (fn) => fn(db),
    prepareOften: () => {},
    // Kysely's transactions start with a deferred BEGIN, which takes the write lock only at the first
    // write: a transaction that reads first can then fail with SQLITE_BUSY if another process wrote
    // meanwhile. The group commit starts with BEGIN IMMEDIATE, which takes it up front, so busy_timeout
    // applies, and holds the single connection for the whole batch, so nothing else interleaves.
    writeTransaction: (fn) => group.run(fn),
  }
}
