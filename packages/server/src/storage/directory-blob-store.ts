import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import {
  assertBlobIds,
  BlobUploadCancelled,
  type BlobContent,
  type BlobKey,
  type BlobStore,
} from './blob-store.ts'

/** Prefix of the temporary file of an upload in progress (never a UUID, so never an attachment). */
const UPLOAD_PREFIX = '.upload-'

/** errno codes of a missing file or folder. */
const isMissing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT'

/**
 * Attachments as files (CAIRN_ATTACHMENT_DIR): `<dir>/<dataSampleId>/<documentId>`, mode 0600 in
 * folders of mode 0700. An upload is written to a temporary file next to its target, flushed to disk
 * (fsync), then renamed over the target, and the folder is flushed too: a reader sees the old file or
 * the new one, never a part, and an acknowledged upload survives a power cut. Deleting a data sample's
 * attachments removes its folder, so an upload still running for it fails at its rename.
 */
export class DirectoryBlobStore implements BlobStore {
  readonly kind = 'directory' as const

  constructor(private readonly dir: string) {}

  /** Creates the folder if needed (mode 0700). */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
  }

  /** See BlobStore.put. */
  async put(key: BlobKey, source: AsyncIterable<Uint8Array>): Promise<number> {
    assertBlobIds(key.dataSampleId, key.documentId)
    const folder = join(this.dir, key.dataSampleId)
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const temp = join(folder, `${UPLOAD_PREFIX}${key.documentId}-${randomUUID()}`)
    let file: FileHandle | undefined
    try {
      file = await open(temp, 'wx', 0o600)
    } catch (e) {
      // The sample's folder was removed between the mkdir and the open (its attachments deleted).
      if (isMissing(e)) throw new BlobUploadCancelled(key)
      throw e
    }
    try {
      let size = 0
      for await (const piece of source) {
        // Awaiting each write is the backpressure: the request is read no faster than the disk writes.
        await file.write(piece)
        size += piece.length
      }
      await file.sync()
      await file.close()
      file = undefined
      try {
        await rename(temp, join(folder, key.documentId))
      } catch (e) {
        if (isMissing(e)) throw new BlobUploadCancelled(key)
        throw e
      }
      await syncFolder(folder)
      return size
    } catch (error) {
      await file?.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      throw error
    }
  }

  /** See BlobStore.get: the file is opened first, so a deletion after that does not cut the read. */
  async get(key: BlobKey): Promise<BlobContent | undefined> {
    assertBlobIds(key.dataSampleId, key.documentId)
    let file: FileHandle
    try {
      file = await open(join(this.dir, key.dataSampleId, key.documentId), 'r')
    } catch (e) {
      if (isMissing(e)) return undefined
      throw e
    }
    try {
      const { size } = await file.stat()
      return { size, stream: file.createReadStream({ autoClose: true }) }
    } catch (e) {
      await file.close().catch(() => undefined)
      throw e
    }
  }

  /** See BlobStore.delete. The sample's folder stays (an upload may be starting in it). */
  async delete(key: BlobKey): Promise<boolean> {
    assertBlobIds(key.dataSampleId, key.documentId)
    try {
      await unlink(join(this.dir, key.dataSampleId, key.documentId))
    } catch (e) {
      if (isMissing(e)) return false
      throw e
    }
    await syncFolder(join(this.dir, key.dataSampleId))
    return true
  }

  /** See BlobStore.deleteAllOf: removes the sample's folder, uploads in progress included. */
  async deleteAllOf(dataSampleId: string): Promise<number> {
    assertBlobIds(dataSampleId)
    const folder = join(this.dir, dataSampleId)
    let names: string[]
    try {
      names = await readdir(folder)
    } catch (e) {
      if (isMissing(e)) return 0
      throw e
    }
    await rm(folder, { recursive: true, force: true })
    await syncFolder(this.dir)
    return names.filter((n) => !n.startsWith(UPLOAD_PREFIX)).length
  }

  /** See BlobStore.sweep: temporary files older than `before`, left by uploads a crash interrupted. */
  async sweep(before: number): Promise<void> {
    let folders: string[]
    try {
      folders = await readdir(this.dir)
    } catch (e) {
      if (isMissing(e)) return
      throw e
    }
    for (const folder of folders) {
      const names = await readdir(join(this.dir, folder)).catch(() => [] as string[])
      for (const name of names.filter((n) => n.startsWith(UPLOAD_PREFIX))) {
        const path = join(this.dir, folder, name)
        const info = await stat(path).catch(() => undefined)
        if (info && info.mtimeMs < before) await unlink(path).catch(() => undefined)
      }
    }
  }
}

/**
 * Flushes a folder's entries (a rename, an unlink) to disk. Some platforms cannot open a folder for
 * that (Windows): there the rename is as durable as the platform makes it.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle
  try {
    handle = await open(folder, 'r')
  } catch {
    return
  }
  try {
    await handle.sync()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e
  } finally {
    await handle.close()
  }
}
