import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0013_event_log` (frozen once released, like every entry of migrations.ts): the event log
 * of realtime subscriptions (storage/event-log-store.ts, docs/realtime.md) and the single-use tickets
 * that authenticate a subscription socket opened by a browser.
 *
 * `event_log.seq` is the cursor of the stream. On SQLite it is an INTEGER PRIMARY KEY AUTOINCREMENT,
 * so that a number is never handed out twice even once the rows holding the highest ones were pruned
 * (a plain rowid may reuse the largest value after a delete); on PostgreSQL a bigserial. `delegates`
 * is the JSON array of the data owners that may read the entity (after the write; for a deletion,
 * before it); the index on `at` serves the pruning of rows older than the replay window.
 *
 * `realtime_ticket.hash` is the SHA-256 of the ticket (the ticket itself is never stored), with the
 * user and session it stands for, when it stops being accepted, and when the access token that asked
 * for it expires (the socket is closed then, as it would be for a bearer token).
 */
export const eventLogMigration = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('event_log')
      .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('rev', 'text')
      .addColumn('delegates', 'text', (c) => c.notNull())
      .addColumn('actor_user_id', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('event_log_at_idx').on('event_log').column('at').execute()

    await db.schema
      .createTable('realtime_ticket')
      .addColumn('hash', 'text', (c) => c.primaryKey().notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('expires', 'bigint', (c) => c.notNull())
      .addColumn('not_after', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('realtime_ticket_expires_idx')
      .on('realtime_ticket')
      .column('expires')
      .execute()
  },
})
