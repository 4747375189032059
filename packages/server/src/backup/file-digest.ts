import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

/** Size and SHA-256 (lowercase hex) of a file, as a backup manifest records them. */
export interface FileDigest {
  bytes: number
  sha256: string
}

/**
 * Size and SHA-256 of the file at `path`, streamed (a database or an attachment can be large): what
 * `cairn backup` writes into the manifest and `cairn restore` checks before it trusts a file.
 */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer
    bytes += buffer.length
    hash.update(buffer)
  }
  // A file that changed size while it was read (it should not: backup files are written once).
  const { size } = await stat(path)
  if (size !== bytes) throw new Error(`${path} changed while it was read`)
  return { bytes, sha256: hash.digest('hex') }
}
