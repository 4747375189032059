import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/** `prev_hash` of the first row ever written: 64 zeros (see audit/audit-chain.ts). */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

/**
 * Migration `0014_audit_log` (frozen once released, like every entry of migrations.ts): the access log
 * (storage/audit-store.ts, docs/audit.md). `seq` is assigned by the appender (last seq + 1, under a
 * lock), never by the database, because each row's hash covers it. Ids and actions only: no column
 * can hold content or a key. Indexes serve the queries: by record (`entity_id, seq`), by actor
 * (`actor_user_id, seq`, `actor_data_owner_id, seq`), by time (`at`); the primary key serves paging,
 * verification and pruning. `audit_anchor` holds one row (id 1): the seq and hash the chain starts
 * from, moved forward by retention when it deletes the oldest rows.
 */
export const auditLogMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'bigint', (c) => c.primaryKey().notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor_user_id', 'text')
      .addColumn('actor_data_owner_id', 'text')
      .addColumn('entity_type', 'text')
      .addColumn('entity_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('client_address', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('audit_log_entity_idx')
      .on('audit_log')
      .columns(['entity_id', 'seq'])
      .execute()
    await db.schema
      .createIndex('audit_log_actor_user_idx')
      .on('audit_log')
      .columns(['actor_user_id', 'seq'])
      .execute()
    await db.schema
      .createIndex('audit_log_actor_data_owner_idx')
      .on('audit_log')
      .columns(['actor_data_owner_id', 'seq'])
      .execute()
    await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute()
    await db.schema
      .createTable('audit_anchor')
      .addColumn('id', 'integer', (c) => c.primaryKey().notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    await db.insertInto('audit_anchor').values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH }).execute()
  },
}
