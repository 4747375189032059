import { join, resolve } from 'node:path'
import { KyselyStorage } from './kysely-storage.ts'
import { postgresBackend, type PostgresTimeouts } from './postgres-backend.ts'
import { sqliteBackend } from './sqlite-backend.ts'

/** Where the data lives; the fields mirror ServerConfig's. */
export interface CreateStorageOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; anything else (or nothing) embedded SQLite. */
  databaseUrl?: string
  /** Folder of the embedded SQLite file `cairn.db`; created on first use. */
  dataDir: string
  /** PostgreSQL schema of the tables, created at init if absent (default `public`). */
  pgSchema?: string
  /** Most PostgreSQL connections (default 10, pg's own default). */
  pgPoolSize?: number
  /** SQLite: free bytes below which the data directory counts as full for /ready (default 8 MiB). */
  sqliteMinFreeBytes?: number
  /** SQLite: how long a write waits for another process's lock, in ms (default 1 s). */
  sqliteBusyTimeoutMs?: number
  /** Time limits towards PostgreSQL (default DEFAULT_PG_TIMEOUTS). */
  pgTimeouts?: PostgresTimeouts
  /** Told of PostgreSQL connection errors, including those outside any request. */
  onConnectionError?: (error: Error) => void
}

/**
 * Default time limits towards PostgreSQL. A request that needs the database waits at most about
 * connect + query (25 s) before failing with 503; statements are cancelled by the server after 15 s,
 * before the client gives up on them (20 s), so that a slow query is reported as such.
 */
export const DEFAULT_PG_TIMEOUTS: PostgresTimeouts = {
  connectMs: 5_000,
  statementMs: 15_000,
  queryMs: 20_000,
  idleInTransactionMs: 30_000,
  keepAliveDelayMs: 10_000,
}

const POSTGRES_URL = /^postgres(ql)?:\/\//

/**
 * Builds the storage chosen by the options, not yet connected: call `init()` before use (it connects
 * and migrates) and `close()` at the end. Returns the concrete class, which is a Storage.
 */
export function createStorage(options: CreateStorageOptions): KyselyStorage {
  const { databaseUrl, dataDir, pgSchema = 'public', pgPoolSize = 10 } = options
  if (databaseUrl && POSTGRES_URL.test(databaseUrl)) {
    return new KyselyStorage(
      postgresBackend({
        databaseUrl,
        schema: pgSchema,
        poolSize: pgPoolSize,
        timeouts: options.pgTimeouts ?? DEFAULT_PG_TIMEOUTS,
        onConnectionError: options.onConnectionError,
      }),
    )
  }
  return new KyselyStorage(
    sqliteBackend({
      dataDir,
      minFreeBytes: options.sqliteMinFreeBytes ?? 8 * 1024 * 1024,
      busyTimeoutMs: options.sqliteBusyTimeoutMs ?? 1_000,
    }),
  )
}

/**
 * Where the data of `options` lives, for logs: the SQLite file, or the PostgreSQL host, port,
 * database and schema (never the user or password of the URL).
 */
export function describeStorageLocation(options: CreateStorageOptions): string {
  const { databaseUrl, dataDir, pgSchema = 'public' } = options
  if (databaseUrl && POSTGRES_URL.test(databaseUrl)) {
    try {
      const url = new URL(databaseUrl)
      return `postgresql ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname} schema ${pgSchema}`
    } catch {
      return `postgresql (unparsable DATABASE_URL) schema ${pgSchema}`
    }
  }
  return `sqlite ${join(resolve(dataDir), 'cairn.db')}`
}
