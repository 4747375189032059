import pg from 'pg'
import { Kysely } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import { escapeStartupOption, quotePgSchema } from './pg-schema-name.ts'
import { healingPool } from './pg-healing-pool.ts'
import { SchemaScopedPostgresDialect } from './schema-scoped-postgres-dialect.ts'

/** The PostgreSQL wire protocol counts bind parameters in 16 bits. */
const PG_MAX_PARAMS = 65535

/** Most SQL texts run as named prepared statements; later ones run unnamed (parsed each time). */
const MAX_PREPARED = 256

/** OID of BIGINT (int8), the type of every epoch-ms timestamp and of COUNT(*). */
const INT8_OID = 20

/**
 * Per-pool type parsers: BIGINT as a JS number instead of pg's default string. Safe for epoch ms and
 * row counts (far below 2^53). Kept per pool rather than through the global `pg.types` so that other
 * pg users in the same process are unaffected.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as (
          value: string,
        ) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
}

/** Time limits towards PostgreSQL, in milliseconds (0 disables one). */
export interface PostgresTimeouts {
  /** Opening a connection, and waiting for a free one when the pool is exhausted. */
  connectMs: number
  /** Server side: PostgreSQL cancels a statement running longer (statement_timeout). */
  statementMs: number
  /**
   * Client side: a query with no answer after this long fails and its connection is dropped. Catches
   * what statement_timeout cannot: a silent network or a frozen server. Longer than statementMs.
   */
  queryMs: number
  /** Server side: a session idle inside a transaction this long is ended, releasing its locks. */
  idleInTransactionMs: number
  /** TCP keep-alive probes start after this much idleness, so dead peers are noticed. */
  keepAliveDelayMs: number
}

/** Connection settings of the PostgreSQL backend. */
export interface PostgresBackendOptions {
  databaseUrl: string
  /** Schema holding every Cairn table; created at init if absent. */
  schema: string
  /** Most connections the pool opens. */
  poolSize: number
  timeouts: PostgresTimeouts
  /** Told of every connection error, including those outside any request (for the fault log). */
  onConnectionError?: (error: Error) => void
}

/**
 * application_name of Cairn's sessions on `schema`, so that operators (and tests) can tell them apart
 * in pg_stat_activity when several instances or schemas share a database. PostgreSQL keeps 63 bytes.
 */
export function pgApplicationName(schema: string): string {
  return `cairn:${schema}`.slice(0, 63)
}

/**
 * PostgreSQL through a pg Pool. Every pooled connection opens with `search_path` set to the schema,
 * so unqualified table names resolve there and nowhere else. Every connection has an
 * 'error' listener for its whole life: pg emits 'error' on a client whose socket breaks, and a
 * checked-out client has no listener of pg-pool's, so Node would otherwise end the process. Broken
 * connections are dropped on release (healingPool) and replaced on demand: the pool heals by itself
 * when the database comes back.
 */
export function postgresBackend(options: PostgresBackendOptions): StorageBackend {
  const { timeouts } = options
  const onError = (error: Error) => options.onConnectionError?.(error)
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    types,
    application_name: pgApplicationName(options.schema),
    // The schema is set by the startup packet of each connection, not by a query after it opens: a
    // connection broken before such a query ran would never be released to the pool (Kysely does not
    // release a connection whose setup failed), and it saves a round trip per new connection.
    options: `-c search_path=${escapeStartupOption(quotePgSchema(options.schema))}`,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.queryMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
  })
  pool.on('connect', (client) => client.on('error', onError))
  // SQL texts run as named prepared statements (see prepareOften), by text.
  const prepared = new Map<string, string>()
  // Idle clients' errors also reach the pool; pg has already dropped such a client.
  pool.on('error', onError)
  const db = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect(
      { pool: healingPool(pool, (text) => prepared.get(text)) },
      options.schema,
    ),
  })
  return {
    dialect: 'postgres',
    db,
    maxParams: PG_MAX_PARAMS,
    schema: options.schema,
    auditConnection: {
      dialect: 'postgres',
      databaseUrl: options.databaseUrl,
      schema: options.schema,
      connectMs: timeouts.connectMs,
      statementMs: timeouts.statementMs,
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    // Bounded: each prepared statement lives as long as every connection that ran it.
    prepareOften: (text) => {
      if (!prepared.has(text) && prepared.size < MAX_PREPARED)
        prepared.set(text, `cairn_${prepared.size + 1}`)
    },
    // The server reports a full disk as an error on the heartbeat write (53100).
    checkCapacity: async () => {},
    prepare: async () => {
      try {
        await db.schema.createSchema(options.schema).ifNotExists().execute()
      } catch (error) {
        // IF NOT EXISTS is not atomic: two servers starting together can both try to create it, and the
        // loser gets unique_violation (23505) or duplicate_schema (42P06). The schema exists either way.
        const code = (error as { code?: unknown }).code
        if (code !== '23505' && code !== '42P06') throw error
      }
    },
    withMigrationDb: async (fn) => {
      // One connection of its own, with the pool's settings but no statement or query timeout (TCP
      // keep-alive still notices a dead peer); closed once the migrations are done.
      const migrationPool = new pg.Pool({
        connectionString: options.databaseUrl,
        max: 1,
        types,
        application_name: pgApplicationName(options.schema),
        options: `-c search_path=${escapeStartupOption(quotePgSchema(options.schema))}`,
        connectionTimeoutMillis: timeouts.connectMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
      })
      migrationPool.on('error', onError)
      const migrationDb = new Kysely<Database>({
        dialect: new SchemaScopedPostgresDialect({ pool: migrationPool }, options.schema),
      })
      try {
        return await fn(migrationDb)
      } finally {
        await migrationDb.destroy()
      }
    },
    // READ COMMITTED suffices: updates check the rev in their WHERE clause, which PostgreSQL
    // re-evaluates on the latest row version after waiting for a concurrent writer.
    writeTransaction: (fn) => db.transaction().execute(fn),
  }
}
