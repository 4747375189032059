/** Which attachment: a data sample and the document id of one of its attachments. */
export interface BlobKey {
  readonly dataSampleId: string
  readonly documentId: string
}

/** The committed upload that holds an attachment, and its size in bytes. */
export interface StoredBlob {
  uploadId: string
  size: number
}

/**
 * The rows of the database blob store (tables of migration 0007): uploads, invisible until committed,
 * and their bytes in numbered chunks. Part of the Storage contract (`Storage.attachments`), on both
 * dialects; storage/database-blob-store.ts turns it into a BlobStore.
 */
export interface AttachmentChunkStorage {
  /** Records the start of an upload for `key` (not visible to reads). */
  beginUpload(uploadId: string, key: BlobKey, now: number): Promise<void>
  /** Stores chunk `seq` of an upload. */
  appendChunk(uploadId: string, seq: number, data: Uint8Array): Promise<void>
  /**
   * In one transaction: makes the upload the attachment of its key with its final `size`, and deletes
   * the upload it replaces (rows and chunks). False when the upload is gone (its data sample's
   * attachments were deleted meanwhile): nothing is committed.
   */
  commitUpload(uploadId: string, size: number): Promise<boolean>
  /** Deletes an upload and its chunks, committed or not. */
  discardUpload(uploadId: string): Promise<void>
  /** The committed upload of an attachment, if any. */
  findBlob(key: BlobKey): Promise<StoredBlob | undefined>
  /** Up to `limit` chunks of an upload from `fromSeq` on, in order. */
  readChunks(uploadId: string, fromSeq: number, limit: number): Promise<Uint8Array[]>
  /** Deletes the attachment of `key` (and its uploads in progress); false if it had none committed. */
  deleteBlob(key: BlobKey): Promise<boolean>
  /** Deletes every attachment of a data sample, uploads in progress included; the number of committed ones. */
  deleteBlobsOf(dataSampleId: string): Promise<number>
  /** Deletes uploads never committed that started before `before` (interrupted); how many. */
  pruneUploads(before: number): Promise<number>
}
