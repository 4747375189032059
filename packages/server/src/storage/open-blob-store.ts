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
 * The setting recording where this database's attachments are kept: `{"kind":"database"}` or
 * `{"kind":"directory","dir":"/abs/path"}`. The bytes of file attachments are outside the database,
 * and the document ids naming them are sealed in the encrypted samples: without this, `cairn backup`
 * run without CAIRN_ATTACHMENT_DIR would copy a database whose attachments it silently left out.
 */
export const ATTACHMENT_STORE_SETTING = 'attachments.store'

/** The value of ATTACHMENT_STORE_SETTING. */
export interface AttachmentStoreRecord {
  kind: 'database' | 'directory'
  /** The attachment folder, resolved, when kind is `directory`. */
  dir?: string
}

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
  const record: AttachmentStoreRecord =
    store.kind === 'directory' ? { kind: 'directory', dir: resolve(attachmentDir!) } : { kind: 'database' }
  const value = JSON.stringify(record)
  const stored = await storage.getSetting(ATTACHMENT_STORE_SETTING)
  // Instances racing here write the same value (they share a configuration); losing the race is fine.
  if (stored !== value) await storage.compareAndSetSetting(ATTACHMENT_STORE_SETTING, stored, value)
  return store
}
