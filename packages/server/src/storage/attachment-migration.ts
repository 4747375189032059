import type { Kysely, Migration } from 'kysely'

/** Migrations see the database untyped (see migrations.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDb = Kysely<any>

/**
 * Migration `0007_attachments` (frozen once released, like every entry of migrations.ts): the default
 * blob store of attachments, in the database (docs/protocol.md, "Attachments"; the other store is a
 * directory, CAIRN_ATTACHMENT_DIR).
 *
 * - `attachment_blob`: one row per upload, keyed by a random upload id, naming the data sample and
 *   document id it is for. `committed` is 0 while the bytes arrive and 1 once they all did: reads only
 *   see committed uploads, so an interrupted or refused upload is never half visible, and the commit
 *   (one transaction) swaps it in for the previous upload of the same attachment.
 * - `attachment_chunk`: the bytes of an upload, in pieces of up to 256 KiB numbered by `seq`, so that
 *   neither a write nor a read ever handles the whole attachment at once.
 *
 * Bytes are a `blob` on SQLite and a `bytea` on PostgreSQL: the only column types of Cairn's schema
 * that differ between the two.
 */
export const attachmentsMigration = (dialect: 'sqlite' | 'postgres'): Migration => ({
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('attachment_blob')
      .addColumn('upload_id', 'text', (c) => c.primaryKey().notNull())
      .addColumn('data_sample_id', 'text', (c) => c.notNull())
      .addColumn('document_id', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created', 'bigint', (c) => c.notNull())
      .addColumn('committed', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    // Finds the uploads of one attachment, and (its prefix) every attachment of a data sample.
    await db.schema
      .createIndex('attachment_blob_key_idx')
      .on('attachment_blob')
      .columns(['data_sample_id', 'document_id'])
      .execute()
    // Finds interrupted uploads to prune.
    await db.schema
      .createIndex('attachment_blob_pending_idx')
      .on('attachment_blob')
      .columns(['committed', 'created'])
      .execute()
    await db.schema
      .createTable('attachment_chunk')
      .addColumn('upload_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .addPrimaryKeyConstraint('attachment_chunk_pk', ['upload_id', 'seq'])
      .execute()
  },
})
