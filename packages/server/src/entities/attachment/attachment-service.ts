import { maxEncryptedAttachmentBytes, type AttachmentInfoDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import {
  assertCanReadAttachment,
  assertCanWriteAttachment,
  entityNotFound,
  requireDataOwner,
} from '../../access/access-policy.ts'
import { AppError, badRequest, notFound } from '../../http/app-error.ts'
import {
  BlobUploadCancelled,
  type BlobContent,
  type BlobKey,
  type BlobStore,
} from '../../storage/blob-store.ts'
import type { Storage } from '../../storage/storage.ts'
import type { AuditSink } from '../../audit/audit-log.ts'
import { recordAccess, recordReads } from '../../audit/audit-sources.ts'

/**
 * The rules of data-sample attachments (docs/protocol.md, "Attachments"). The server stores encrypted
 * bytes it cannot read, streamed to and from the blob store: it checks who may read or write them
 * (access-policy), bounds their size, and deletes them with their sample.
 */
export class AttachmentService {
  /** Most bytes accepted on the wire: the clear limit plus what encryption adds at most. */
  readonly maxStoredBytes: number

  constructor(
    private readonly storage: Storage,
    private readonly blobs: BlobStore,
    /** Largest clear attachment (CAIRN_ATTACHMENT_MAX_BYTES). */
    private readonly maxBytes: number,
    /**
     * Where downloads are recorded as reads of the data sample, uploads and deletions as modifications
     * of it (absent: the access log is off).
     */
    private readonly audit?: AuditSink,
  ) {
    this.maxStoredBytes = maxEncryptedAttachmentBytes(maxBytes)
  }

  /**
   * Stores the encrypted attachment streamed in `body` (replacing the one stored for that document id,
   * if any) once the caller may modify the data sample. Over the size limit: 413 before reading when
   * the announced length says so, otherwise as soon as the bytes pass it; nothing is kept either way.
   */
  async put(
    caller: Caller,
    key: BlobKey,
    body: AsyncIterable<Uint8Array>,
    declaredLength?: number,
  ): Promise<AttachmentInfoDto> {
    await this.checkAccess(caller, key.dataSampleId, 'write')
    if (declaredLength !== undefined && declaredLength > this.maxStoredBytes) throw this.tooLarge()
    try {
      const size = await this.blobs.put(key, this.bounded(body))
      // Replacing a sample's attachment changes its medical content: a modification of the sample.
      recordAccess(this.audit, caller, 'modify', 'dataSample', [key.dataSampleId])
      return { dataSampleId: key.dataSampleId, documentId: key.documentId, size }
    } catch (error) {
      // The sample's attachments were deleted during the upload: it is gone, or going.
      if (error instanceof BlobUploadCancelled) throw entityNotFound('dataSample', key.dataSampleId)
      throw error
    }
  }

  /** The stored attachment, for a caller that may read the data sample (404 otherwise, or when absent). */
  async get(caller: Caller, key: BlobKey): Promise<BlobContent> {
    await this.checkAccess(caller, key.dataSampleId, 'read')
    const found = await this.blobs.get(key)
    if (!found) throw attachmentNotFound(key)
    recordReads(this.audit, caller, 'dataSample', [key.dataSampleId])
    return found
  }

  /** Deletes an attachment, for a caller that may modify the data sample (404 when absent). */
  async delete(caller: Caller, key: BlobKey): Promise<AttachmentInfoDto> {
    await this.checkAccess(caller, key.dataSampleId, 'write')
    if (!(await this.blobs.delete(key))) throw attachmentNotFound(key)
    recordAccess(this.audit, caller, 'modify', 'dataSample', [key.dataSampleId])
    return { dataSampleId: key.dataSampleId, documentId: key.documentId }
  }

  /**
   * Deletes every attachment of a data sample, with no access check: for the deletion of the sample
   * itself (which checked access), called once it committed. Resolves with how many there were.
   */
  deleteAllOf(dataSampleId: string): Promise<number> {
    return this.blobs.deleteAllOf(dataSampleId)
  }

  /**
   * Applies the read or write rule to the stored sample: a sample that is absent, deleted or not shared
   * with the caller answers the same 404 (no existence oracle).
   */
  private async checkAccess(caller: Caller, dataSampleId: string, mode: 'read' | 'write'): Promise<void> {
    const me = requireDataOwner(caller)
    const found = await this.storage.getDocFor('dataSample', dataSampleId, me)
    const isDelegate = !!found && !found.doc.deleted && found.isDelegate
    if (mode === 'read') assertCanReadAttachment(caller, dataSampleId, isDelegate)
    else assertCanWriteAttachment(caller, dataSampleId, isDelegate)
  }

  /**
   * The request body, checked as it streams: past `maxStoredBytes` it fails with the 413 (the blob
   * store then keeps nothing), and a body cut off by the client is a 400, not a server error.
   */
  private async *bounded(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let received = 0
    try {
      for await (const piece of body) {
        received += piece.length
        if (received > this.maxStoredBytes) throw this.tooLarge()
        yield piece
      }
    } catch (error) {
      if (error instanceof AppError) throw error
      throw badRequest(`The upload was interrupted after ${received} bytes; nothing was stored`)
    }
  }

  /** The 413 of an attachment over the limit. */
  private tooLarge(): AppError {
    return new AppError(
      'PAYLOAD_TOO_LARGE',
      `Attachment too large: this server accepts attachments of up to ${this.maxBytes} bytes ` +
        `(${this.maxStoredBytes} bytes once encrypted; CAIRN_ATTACHMENT_MAX_BYTES); nothing was stored`,
    )
  }
}

/** The 404 of an attachment that is not stored (the sample is readable: it exists for the caller). */
function attachmentNotFound(key: BlobKey): AppError {
  return notFound(`Attachment ${key.documentId} of dataSample ${key.dataSampleId} not found`)
}
