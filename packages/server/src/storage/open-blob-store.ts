import { resolve } from 'node:path'
import type { Storage } from './storage.ts'
import type { BlobStore } from './blob-store.ts'
import { DatabaseBlobStore } from './database-blob-store.ts'
import { DirectoryBlobStore } from './directory-blob-store.ts'

/**
 * How long an upload may be left unfinished before its remains are swept at start: a day, far longer
 * than any upload of an attachment takes, so that no instance sweeps an upload another one is still
 * receiving.
 */
export const ABANDONED_UPLOAD_MS = 24 * 3600 * 1000

/**
 * The blob store of attachments the configuration chooses: a directory when `attachmentDir` is set
 * (created if absent), otherwise the database. What interrupted uploads left behind is swept first.
 */
export async function openBlobStore(storage: Storage, attachmentDir: string | undefined): Promise<BlobStore> {
  let store: BlobStore
  if (attachmentDir) {
    const directory = new DirectoryBlobStore(resolve(attachmentDir))
    await directory.init()
    store = directory
  } else {
    store = new DatabaseBlobStore(storage.attachments)
  }
  await store.sweep(Date.now() - ABANDONED_UPLOAD_MS)
  return store
}
