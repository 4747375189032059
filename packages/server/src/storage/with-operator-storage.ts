import type { ServerConfig } from '../config.ts'
import { createStorage } from './create-storage.ts'
import type { KyselyStorage } from './kysely-storage.ts'

/**
 * Runs `fn` with the storage of `config` (the same DATABASE_URL / CAIRN_DATA_DIR as `cairn serve`,
 * which may be running), opened for an operator's command: one PostgreSQL connection, migrated as
 * every start does, closed afterwards whatever `fn` did. For the commands that work on the database
 * directly rather than through the API (`cairn admin reset-password`, `cairn audit verify`).
 */
export async function withOperatorStorage<T>(
  config: ServerConfig,
  fn: (storage: KyselyStorage) => Promise<T>,
): Promise<T> {
  const storage = createStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    pgSchema: config.pgSchema,
    pgPoolSize: 1,
    pgTimeouts: config.pgTimeouts,
    sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs,
  })
  try {
    await storage.init()
    return await fn(storage)
  } finally {
    await storage.close()
  }
}
