import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type { AttachmentChunkStorage } from './attachment-chunk-storage.ts'
import {
  assertBlobIds,
  BlobUploadCancelled,
  type BlobContent,
  type BlobKey,
  type BlobStore,
} from './blob-store.ts'

/**
 * Bytes per stored chunk row. 256 KiB: a 50 MiB attachment is 200 rows (200 short write transactions),
 * and an upload holds at most one row's worth of bytes in memory while it waits for the next.
 */
export const DATABASE_CHUNK_BYTES = 256 * 1024

/** Chunk rows fetched per query when reading: at most 1 MiB in memory per download. */
const READ_ROWS = 4

/**
 * The default blob store: attachments in the database (tables of migration 0007), so that one backup
 * of the database holds everything. Uploads are written in chunk rows as the bytes arrive and become
 * visible at one commit; reads page through the rows, a few at a time.
 */
export class DatabaseBlobStore implements BlobStore {
  readonly kind = 'database' as const

  constructor(private readonly rows: AttachmentChunkStorage) {}

  /** See BlobStore.put. */
  async put(key: BlobKey, source: AsyncIterable<Uint8Array>): Promise<number> {
    assertBlobIds(key.dataSampleId, key.documentId)
    const uploadId = randomUUID()
    await this.rows.beginUpload(uploadId, key, Date.now())
    try {
      let pending: Buffer[] = []
      let pendingBytes = 0
      let seq = 0
      let size = 0
      const flush = async (all: boolean) => {
        let joined = Buffer.concat(pending, pendingBytes)
        while (joined.length >= DATABASE_CHUNK_BYTES || (all && joined.length > 0)) {
          const row = joined.subarray(0, DATABASE_CHUNK_BYTES)
          await this.rows.appendChunk(uploadId, seq++, row)
          joined = joined.subarray(row.length)
        }
        pending = joined.length > 0 ? [Buffer.from(joined)] : []
        pendingBytes = joined.length
      }
      for await (const piece of source) {
        pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))
        pendingBytes += piece.length
        size += piece.length
        if (pendingBytes >= DATABASE_CHUNK_BYTES) await flush(false)
      }
      await flush(true)
      if (!(await this.rows.commitUpload(uploadId, size))) throw new BlobUploadCancelled(key)
      return size
    } catch (error) {
      await this.rows.discardUpload(uploadId).catch(() => undefined)
      throw error
    }
  }

  /** See BlobStore.get. */
  async get(key: BlobKey): Promise<BlobContent | undefined> {
    assertBlobIds(key.dataSampleId, key.documentId)
    const blob = await this.rows.findBlob(key)
    if (!blob) return undefined
    const rows = this.rows
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let read = 0
      for (let seq = 0; ;) {
        const page = await rows.readChunks(blob!.uploadId, seq, READ_ROWS)
        for (const data of page) {
          read += data.length
          yield data
        }
        if (page.length < READ_ROWS) break
        seq += page.length
      }
      // Replaced or deleted while it was read: the stream fails (the answer is cut) rather than end
      // early as if complete.
      if (read !== blob!.size) throw new Error(`attachment ${key.documentId} changed while it was read`)
    }
    return { size: blob.size, stream: Readable.from(chunks(), { objectMode: false }) }
  }

  /** See BlobStore.delete. */
  async delete(key: BlobKey): Promise<boolean> {
    assertBlobIds(key.dataSampleId, key.documentId)
    return this.rows.deleteBlob(key)
  }

  /** See BlobStore.deleteAllOf. */
  async deleteAllOf(dataSampleId: string): Promise<number> {
    assertBlobIds(dataSampleId)
    return this.rows.deleteBlobsOf(dataSampleId)
  }

  /** See BlobStore.sweep. */
  async sweep(before: number): Promise<void> {
    await this.rows.pruneUploads(before)
  }
}
