import type { ServerConfig } from '../config.ts'
import { withOperatorStorage } from '../storage/with-operator-storage.ts'
import { verifyAuditChain, type AuditChainResult } from './audit-chain.ts'

/**
 * Verifies the access log of the database of `config` (the same DATABASE_URL / CAIRN_DATA_DIR as
 * `cairn serve`, which may be running: appends made meanwhile are verified too), for `cairn audit
 * verify`. Opens the storage (migrating it, as every start does), verifies, closes. See
 * verifyAuditChain for what is checked and `onProgress`.
 */
export function verifyAuditLog(
  config: ServerConfig,
  onProgress?: (checked: number) => void,
): Promise<AuditChainResult> {
  return withOperatorStorage(config, (storage) => verifyAuditChain(storage.audit, onProgress))
}
