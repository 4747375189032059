import type { Kysely } from 'kysely'
import type { Database } from './database-schema.ts'
import type { RecoveryKeyStore, StoredRecoveryKey } from './recovery-key-store.ts'

/**
 * RecoveryKeyStore over Kysely, the same SQL on SQLite and PostgreSQL. Every write is one statement (an
 * upsert or a delete), atomic on its own: two devices storing at once leave one of the two whole.
 */
export class KyselyRecoveryKeyStore implements RecoveryKeyStore {
  constructor(
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See RecoveryKeyStore.get. */
  async get(dataOwnerId: string): Promise<StoredRecoveryKey | undefined> {
    const row = await this.db()
      .selectFrom('recovery_keys')
      .selectAll()
      .where('data_owner_id', '=', dataOwnerId)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      dataOwnerId: row.data_owner_id,
      authHash: row.auth_hash,
      blob: row.blob,
      fingerprints: JSON.parse(row.fingerprints) as string[],
      created: Number(row.created),
    }
  }

  /** See RecoveryKeyStore.put. */
  async put(key: StoredRecoveryKey): Promise<void> {
    const values = {
      auth_hash: key.authHash,
      blob: key.blob,
      fingerprints: JSON.stringify(key.fingerprints),
      created: key.created,
    }
    await this.db()
      .insertInto('recovery_keys')
      .values({ data_owner_id: key.dataOwnerId, ...values })
      .onConflict((oc) => oc.column('data_owner_id').doUpdateSet(values))
      .execute()
  }

  /** See RecoveryKeyStore.delete. */
  async delete(dataOwnerId: string): Promise<boolean> {
    const result = await this.db()
      .deleteFrom('recovery_keys')
      .where('data_owner_id', '=', dataOwnerId)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }
}
