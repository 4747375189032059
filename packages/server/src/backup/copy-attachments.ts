import { copyFile, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Prefix of an upload's temporary file in the attachment folder (storage/directory-blob-store.ts). */
const UPLOAD_PREFIX = '.upload-'

/** What copyAttachments copied, and what it listed but found gone when it came to copy it. */
export interface AttachmentCopy {
  /** Paths copied (relative, `/`-separated: `<dataSampleId>/<documentId>`). */
  copied: string[]
  /**
   * Files listed, then deleted before they could be copied. The data was copied before the attachments,
   * so the backup's database may still reference them (deleted, or replaced by a new document, after
   * the data was copied): the backup reports them instead of pretending to be complete.
   */
  vanished: string[]
}

/**
 * Copies the attachment folder `from` (`<dataSampleId>/<documentId>` files) into `to`, folders mode
 * 0700 and files mode 0600 as the server makes them. Uploads in progress (their temporary files) are
 * left out: they are not attachments yet, and no copied data references them. A file deleted while
 * the copy runs is not an error but is returned in `vanished`, for the backup to report (a whole
 * folder deleted meanwhile is its data sample's deletion: none of its files were listed). The server
 * never changes a file in place (an upload is renamed over it), so each file copied is a whole
 * attachment.
 */
export async function copyAttachments(from: string, to: string): Promise<AttachmentCopy> {
  const copied: string[] = []
  const vanished: string[] = []
  await mkdir(to, { recursive: true, mode: 0o700 })
  for (const folder of (await listOrNone(from)).sort()) {
    if (folder.startsWith('.')) continue
    const names = (await listOrNone(join(from, folder))).filter((n) => !n.startsWith(UPLOAD_PREFIX)).sort()
    if (names.length === 0) continue
    await mkdir(join(to, folder), { recursive: true, mode: 0o700 })
    for (const name of names) {
      try {
        await copyFile(join(from, folder, name), join(to, folder, name))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          vanished.push(`${folder}/${name}`)
          continue
        }
        throw error
      }
      copied.push(`${folder}/${name}`)
    }
  }
  return { copied, vanished }
}

/** The entries of a folder, or none when it does not exist (or vanished meanwhile). */
async function listOrNone(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw error
  }
}
