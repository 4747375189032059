import type { Kysely } from 'kysely'
import type { Database } from './database-schema.ts'
import type { AuditConnection } from './audit-connection.ts'

/** Connections of the storage: open, idle, and requests waiting for one (SQLite: one connection). */
export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly waiting: number
}

/**
 * What differs between the two dialects, behind which KyselyStorage is written once: the Kysely
 * instance, the parameter limit of one statement, how a write transaction starts, and what must
 * exist before migrations run.
 */
export interface StorageBackend {
  readonly dialect: 'sqlite' | 'postgres'
  readonly db: Kysely<Database>
  /** Most bound parameters one statement may carry; multi-row statements are chunked under it. */
  readonly maxParams: number
  /** PostgreSQL schema holding the tables (and the migrator's own tables); undefined on SQLite. */
  readonly schema?: string
  /** Connection use right now, for metrics and /ready. */
  poolStats(): PoolStats
  /** Checks what a heartbeat write cannot show (SQLite: free space); throws a classifiable error. */
  checkCapacity(): Promise<void>
  /**
   * Marks a SQL text as run often, with parameters: the backend may prepare it once per connection
   * (PostgreSQL names it; SQLite's statement cache already keeps every text). Call it for a bounded
   * set of texts only: each is kept for the life of every connection.
   */
  prepareOften(text: string): void
  /** Runs once before migrations (connects, creates the PostgreSQL schema). */
  prepare(): Promise<void>
  /**
   * Runs `fn` (the migrations) with a database handle without the request timeouts: a migration that
   * back-fills an index over millions of rows legitimately runs for minutes, and must not fail the
   * start because a request would have been cut after a few seconds.
   */
  withMigrationDb<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>
  /** Runs `fn` in a transaction that takes the write lock early enough to never deadlock on upgrade. */
  writeTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  /** How the access log's writer thread opens its own connection to the audit tables. */
  readonly auditConnection: AuditConnection
}
