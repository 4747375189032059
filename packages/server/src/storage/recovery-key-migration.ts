import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0009_recovery_keys` (frozen once released, like every entry of migrations.ts): one row per
 * data owner that has a recovery key (docs/protocol.md, "Recovery key"). `blob` is the recovery data as
 * the device encrypted it (base64 text), `auth_hash` the hex SHA-256 of the value derived from the
 * recovery code that opens it (never the value itself), `fingerprints` the JSON list of the public keys
 * the device declared it covers. Nothing in the row decrypts anything without the code.
 */
export const recoveryKeysMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('recovery_keys')
      .addColumn('data_owner_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('auth_hash', 'text', (c) => c.notNull())
      .addColumn('blob', 'text', (c) => c.notNull())
      .addColumn('fingerprints', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .execute()
  },
}
