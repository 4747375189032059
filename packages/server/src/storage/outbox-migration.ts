import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0011_outbox` (frozen once released, like every entry of migrations.ts): the persistent
 * outbox of emails and SMS (storage/outbox-store.ts). `payload` is the content sealed with the
 * server's outbox key (messaging/sealed-payload.ts), deleted once sent; `status` is `pending`, `sent`
 * or `failed`; a worker holds a pending message while `lease_until` (epoch ms) is in the future, and
 * records the outcome only while `lease_token` is still its own. The (status, next_attempt) index
 * serves the claims, (channel, recipient, created) the development outbox's last message of a
 * recipient, and (created) the admins' newest-first list.
 */
export const outboxMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('outbox_message')
      .addColumn('id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('lease_token', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('sent', 'bigint')
      .execute()
    await db.schema
      .createIndex('outbox_message_due_idx')
      .on('outbox_message')
      .columns(['status', 'next_attempt'])
      .execute()
    await db.schema
      .createIndex('outbox_message_recipient_idx')
      .on('outbox_message')
      .columns(['channel', 'recipient', 'created'])
      .execute()
    await db.schema.createIndex('outbox_message_created_idx').on('outbox_message').column('created').execute()
  },
}
