import { randomBytes } from 'node:crypto'
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A file reserved before the work that produces its content, written (mode 600) once that work is done. */
export interface OutputFile {
  /** Writes the content to its final path. */
  commit(content: string): Promise<void>
  /** Removes what the reservation created (the work failed); the path is left as it was. */
  abort(): Promise<void>
}

/**
 * Reserves `path` for a secret file before anything irreversible happens, so that a path that cannot
 * be written fails first (not after the server created an account whose credentials would be lost).
 * Without `force` an existing file is refused and the path is created empty and exclusively now (no
 * one else can take it in between). With `force` the content goes to a new file next to it (which
 * proves the directory writable), renamed over the old file at commit: the old file stays whole if
 * the work fails.
 */
export async function reserveOutputFile(path: string, force: boolean): Promise<OutputFile> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  )
  if (exists && !force)
    throw new Error(`refusing to overwrite ${path}: it exists (pass --force to replace it)`)
  const target = force
    ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    : path
  let handle: FileHandle
  try {
    handle = await open(target, 'wx', 0o600)
  } catch (e) {
    throw new Error(`cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  return {
    async commit(content) {
      try {
        await handle.writeFile(content)
      } finally {
        await handle.close()
      }
      if (target !== path) await rename(target, path)
    },
    async abort() {
      await handle.close().catch(() => undefined)
      await rm(target, { force: true })
    },
  }
}
