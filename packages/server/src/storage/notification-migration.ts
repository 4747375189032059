import { sql, type Kysely, type Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0008_notifications` (frozen once released, like every entry of migrations.ts): the
 * tables of the `notification` entity descriptor (MedTech notifications, iCure maintenance tasks).
 *
 * - `notification`: the documents, with the columns of every document table (0001).
 * - `notification_access (data_owner_id, entity_id)`: the data owners with access, as for the other
 *   encrypted entities (0001).
 * - `notification_term (term, value, entity_id)`: search terms (the notification's type) with the
 *   creation time (epoch ms) as the sort value, so that "created after a date, newest first" is one
 *   range of the primary key (0005, docs/filters.md).
 *
 * On PostgreSQL the documents are compressed with lz4 like the other document tables (0003), skipped
 * with a notice where the server lacks it. No existing data to index: the table is new.
 */
export const notificationsMigration = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('notification')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('rev', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('modified', 'bigint', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .createTable('notification_access')
      .addColumn('data_owner_id', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_access_pk', ['data_owner_id', 'entity_id'])
      .execute()
    await db.schema
      .createIndex('notification_access_entity_idx')
      .on('notification_access')
      .column('entity_id')
      .execute()
    await db.schema
      .createTable('notification_term')
      .addColumn('term', 'text', (c) => c.notNull())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_term_pk', ['term', 'value', 'entity_id'])
      .execute()
    await db.schema
      .createIndex('notification_term_entity_idx')
      .on('notification_term')
      .columns(['entity_id', 'term'])
      .execute()
    if (dialect === 'postgres') {
      await sql
        .raw(
          `do $$ begin alter table notification alter column doc set compression lz4; ` +
            `exception when others then raise notice 'notifications keep pglz compression: %', sqlerrm; end $$`,
        )
        .execute(db)
    }
  },
})
