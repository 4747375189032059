import type { ServerConfig } from '../config.ts'
import { createStorage } from '../storage/create-storage.ts'
import { verifyAuditChain, type AuditChainResult } from './audit-chain.ts'

/**
 * Verifies the access log of the database of `config` (the same DATABASE_URL / CAIRN_DATA_DIR as
 * `cairn serve`, which may be running: appends made meanwhile are verified too), for `cairn audit
 * verify`. Opens the storage (migrating it, as every start does), verifies, closes. See
 * verifyAuditChain for what is checked and `onProgress`.
 */
export async function verifyAuditLog(
  config: ServerConfig,
  onProgress?: (checked: number) => void,
): Promise<AuditChainResult> {
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
    return await verifyAuditChain(storage.audit, onProgress)
  } finally {
    await storage.close()
  }
}
