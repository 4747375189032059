import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0015_server_instances` (frozen once released, like every entry of migrations.ts): one
 * row per running server instance (storage/instance-store.ts), with the fingerprint of its signing
 * secret and when it was last seen (epoch ms of the database's clock). Only PostgreSQL deployments
 * use it (several instances on one database); on SQLite the table stays empty.
 */
export const serverInstancesMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('server_instance')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('seen', 'bigint', (c) => c.notNull())
      .execute()
  },
}
