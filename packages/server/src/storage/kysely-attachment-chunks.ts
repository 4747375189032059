import type { Kysely } from 'kysely'
import type { Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import type { AttachmentChunkStorage, BlobKey, StoredBlob } from './attachment-chunk-storage.ts'

/**
 * AttachmentChunkStorage over Kysely, for SQLite and PostgreSQL (the same SQL on both). Every write is
 * its own short write transaction: an upload is a series of chunk inserts, never one transaction held
 * open while the bytes cross the network (on SQLite that would block every other write).
 */
export class KyselyAttachmentChunks implements AttachmentChunkStorage {
  constructor(
    private readonly backend: StorageBackend,
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See AttachmentChunkStorage.beginUpload. */
  async beginUpload(uploadId: string, key: BlobKey, now: number): Promise<void> {
    this.db()
    await this.backend.writeTransaction((trx) =>
      trx
        .insertInto('attachment_blob')
        .values({
          upload_id: uploadId,
          data_sample_id: key.dataSampleId,
          document_id: key.documentId,
          size: 0,
          created: now,
          committed: 0,
        })
        .execute(),
    )
  }

  /** See AttachmentChunkStorage.appendChunk. */
  async appendChunk(uploadId: string, seq: number, data: Uint8Array): Promise<void> {
    this.db()
    await this.backend.writeTransaction((trx) =>
      trx.insertInto('attachment_chunk').values({ upload_id: uploadId, seq, data }).execute(),
    )
  }

  /** See AttachmentChunkStorage.commitUpload. */
  async commitUpload(uploadId: string, size: number): Promise<boolean> {
    this.db()
    return this.backend.writeTransaction(async (trx) => {
      const upload = await trx
        .selectFrom('attachment_blob')
        .select(['data_sample_id', 'document_id'])
        .where('upload_id', '=', uploadId)
        .executeTakeFirst()
      if (!upload) return false
      const replaced = await trx
        .selectFrom('attachment_blob')
        .select('upload_id')
        .where('data_sample_id', '=', upload.data_sample_id)
        .where('document_id', '=', upload.document_id)
        .where('committed', '=', 1)
        .execute()
      await this.#deleteUploads(
        trx,
        replaced.map((r) => r.upload_id),
      )
      await trx
        .updateTable('attachment_blob')
        .set({ committed: 1, size })
        .where('upload_id', '=', uploadId)
        .execute()
      return true
    })
  }

  /** See AttachmentChunkStorage.discardUpload. */
  async discardUpload(uploadId: string): Promise<void> {
    this.db()
    await this.backend.writeTransaction((trx) => this.#deleteUploads(trx, [uploadId]))
  }

  /** See AttachmentChunkStorage.findBlob. */
  async findBlob(key: BlobKey): Promise<StoredBlob | undefined> {
    const row = await this.db()
      .selectFrom('attachment_blob')
      .select(['upload_id', 'size'])
      .where('data_sample_id', '=', key.dataSampleId)
      .where('document_id', '=', key.documentId)
      .where('committed', '=', 1)
      .executeTakeFirst()
    return row && { uploadId: row.upload_id, size: Number(row.size) }
  }

  /** See AttachmentChunkStorage.readChunks. */
  async readChunks(uploadId: string, fromSeq: number, limit: number): Promise<Uint8Array[]> {
    const rows = await this.db()
      .selectFrom('attachment_chunk')
      .select('data')
      .where('upload_id', '=', uploadId)
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map((r) => r.data)
  }

  /** See AttachmentChunkStorage.deleteBlob. */
  async deleteBlob(key: BlobKey): Promise<boolean> {
    this.db()
    return this.backend.writeTransaction(async (trx) => {
      const uploads = await trx
        .selectFrom('attachment_blob')
        .select(['upload_id', 'committed'])
        .where('data_sample_id', '=', key.dataSampleId)
        .where('document_id', '=', key.documentId)
        .execute()
      await this.#deleteUploads(
        trx,
        uploads.map((u) => u.upload_id),
      )
      return uploads.some((u) => Number(u.committed) === 1)
    })
  }

  /** See AttachmentChunkStorage.deleteBlobsOf. */
  async deleteBlobsOf(dataSampleId: string): Promise<number> {
    this.db()
    return this.backend.writeTransaction(async (trx) => {
      const uploads = await trx
        .selectFrom('attachment_blob')
        .select(['upload_id', 'committed'])
        .where('data_sample_id', '=', dataSampleId)
        .execute()
      await this.#deleteUploads(
        trx,
        uploads.map((u) => u.upload_id),
      )
      return uploads.filter((u) => Number(u.committed) === 1).length
    })
  }

  /** See AttachmentChunkStorage.pruneUploads. */
  async pruneUploads(before: number): Promise<number> {
    this.db()
    return this.backend.writeTransaction(async (trx) => {
      const stale = await trx
        .selectFrom('attachment_blob')
        .select('upload_id')
        .where('committed', '=', 0)
        .where('created', '<', before)
        .execute()
      await this.#deleteUploads(
        trx,
        stale.map((s) => s.upload_id),
      )
      return stale.length
    })
  }

  /** Deletes uploads and their chunks within `trx`. */
  async #deleteUploads(trx: Kysely<Database>, uploadIds: readonly string[]): Promise<void> {
    // Ids bound one parameter each: chunked well under both dialects' parameter limits.
    for (let i = 0; i < uploadIds.length; i += 500) {
      const ids = uploadIds.slice(i, i + 500)
      await trx.deleteFrom('attachment_chunk').where('upload_id', 'in', ids).execute()
      await trx.deleteFrom('attachment_blob').where('upload_id', 'in', ids).execute()
    }
  }
}
