import { sql, type Kysely, type Migration } from 'kysely'

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
export const auditLogMigration = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    // SQLite: in the attached file of the log (sqlite-backend.ts), which queries reach by the
    // unqualified names; PostgreSQL: in the schema of the other tables.
    const inLog = (name: string) => (dialect === 'sqlite' ? `audit.${name}` : name)
    await db.schema
      .createTable(inLog('audit_log'))
      // SQLite: `integer primary key` makes seq the rowid, the table's own B-tree, instead of a second
      // unique index next to a hidden rowid (one B-tree less to update per entry).
      .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey().notNull())
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
    // Raw DDL: Kysely's createIndex takes no schema-qualified index name, which SQLite needs to put the
    // index in the attached file (where the table is).
    const indexes = [
      ['audit_log_entity_idx', 'entity_id, seq'],
      ['audit_log_actor_user_idx', 'actor_user_id, seq'],
      ['audit_log_actor_data_owner_idx', 'actor_data_owner_id, seq'],
      ['audit_log_at_idx', 'at'],
    ] as const
    for (const [name, columns] of indexes)
      await sql`create index ${sql.raw(inLog(name))} on audit_log (${sql.raw(columns)})`.execute(db)
    await db.schema
      .createTable(inLog('audit_anchor'))
      .addColumn('id', 'integer', (c) => c.primaryKey().notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    await db.insertInto(inLog('audit_anchor')).values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH }).execute()
  },
})
