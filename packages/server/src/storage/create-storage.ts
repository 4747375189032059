import { KyselyStorage } from './kysely-storage.ts'
import { postgresBackend } from './postgres-backend.ts'
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
}

const POSTGRES_URL = /^postgres(ql)?:\/\//

/**
 * Builds the storage chosen by the options, not yet connected: call `init()` before use (it connects
 * and migrates) and `close()` at the end. Returns the concrete class, which is a Storage.
 */
export function createStorage(options: CreateStorageOptions): KyselyStorage {
  const { databaseUrl, dataDir, pgSchema = 'public', pgPoolSize = 10 } = options
  if (databaseUrl && POSTGRES_URL.test(databaseUrl)) {
    return new KyselyStorage(postgresBackend({ databaseUrl, schema: pgSchema, poolSize: pgPoolSize }))
  }
  return new KyselyStorage(sqliteBackend(dataDir))
}
