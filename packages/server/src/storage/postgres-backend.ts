import pg from 'pg'
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import { quotePgSchema } from './pg-schema-name.ts'

/** The PostgreSQL wire protocol counts bind parameters in 16 bits. */
const PG_MAX_PARAMS = 65535

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

/** Connection settings of the PostgreSQL backend. */
export interface PostgresBackendOptions {
  databaseUrl: string
  /** Schema holding every Cairn table; created at init if absent. */
  schema: string
  /** Most connections the pool opens. */
  poolSize: number
}

/**
 * PostgreSQL through a pg Pool. Every pooled connection gets `search_path` set to the schema when it
 * is opened, so unqualified table names resolve there and nowhere else.
 */
export function postgresBackend(options: PostgresBackendOptions): StorageBackend {
  const setSearchPath = CompiledQuery.raw(`set search_path to ${quotePgSchema(options.schema)}`)
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, types })
  // An idle client whose connection breaks (server restart, network) emits 'error' on the pool; with no
  // listener Node would crash the process. pg already drops that client; the next query reconnects.
  pool.on('error', () => {})
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(setSearchPath)
      },
    }),
  })
  return {
    dialect: 'postgres',
    db,
    maxParams: PG_MAX_PARAMS,
    schema: options.schema,
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
    // READ COMMITTED suffices: updates check the rev in their WHERE clause, which PostgreSQL
    // re-evaluates on the latest row version after waiting for a concurrent writer.
    writeTransaction: (fn) => db.transaction().execute(fn),
  }
}
