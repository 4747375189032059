import type { Readable } from 'node:stream'
import type { BlobKey } from './attachment-chunk-storage.ts'

export type { BlobKey } from './attachment-chunk-storage.ts'

/** A stored attachment being read: its size in bytes and its bytes as a stream. */
export interface BlobContent {
  size: number
  stream: Readable
}

/**
 * Thrown by `put` when the attachments of the data sample were deleted while the upload ran: nothing
 * is kept (the sample is gone, or going).
 */
export class BlobUploadCancelled extends Error {
  constructor(readonly key: BlobKey) {
    super(`the attachments of data sample ${key.dataSampleId} were deleted during the upload`)
    this.name = 'BlobUploadCancelled'
  }
}

/**
 * Where attachments (encrypted bytes the server cannot read) are kept, streamed in and out so that the
 * server never holds a whole one in memory. Two implementations pass the same contract tests
 * (blob-store.contract.test.ts): in the database (DatabaseBlobStore, the default) and in a directory
 * (DirectoryBlobStore, CAIRN_ATTACHMENT_DIR). Keys are UUIDs (checked by the routes and again here).
 */
export interface BlobStore {
  /** `database` or `directory`, for logs. */
  readonly kind: 'database' | 'directory'
  /**
   * Stores the bytes of `source` as the attachment of `key`, replacing the previous one only once the
   * source ended: readers see the old bytes or the new ones, never a part. When `source` throws (the
   * client hung up, the size limit was passed), nothing of it is kept and the error is rethrown.
   * Resolves with the number of bytes stored; rejects with BlobUploadCancelled when the data sample's
   * attachments were deleted meanwhile.
   */
  put(key: BlobKey, source: AsyncIterable<Uint8Array>): Promise<number>
  /** The stored attachment of `key`, or undefined. */
  get(key: BlobKey): Promise<BlobContent | undefined>
  /** Deletes the attachment of `key`; false if there was none. */
  delete(key: BlobKey): Promise<boolean>
  /**
   * Deletes every attachment of a data sample (uploads in progress included): what deleting the sample
   * calls. Resolves with how many there were.
   */
  deleteAllOf(dataSampleId: string): Promise<number>
  /** Removes what uploads interrupted before `before` (epoch ms) left behind, e.g. by a crash. */
  sweep(before: number): Promise<void>
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * Throws unless every id is a UUID: the routes validate them already; stores check again because an id
 * becomes a file name in the directory store, where anything else could name another path.
 */
export function assertBlobIds(...ids: string[]): void {
  for (const id of ids) if (!UUID.test(id)) throw new Error(`invalid attachment id ${JSON.stringify(id)}`)
}
