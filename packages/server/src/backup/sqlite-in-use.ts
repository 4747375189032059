import { existsSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { BackupError } from './backup-error.ts'

/**
 * Whether another process has the SQLite database `file` open (a running `cairn serve`, its access-log
 * writer, the `sqlite3` shell). Every connection to a WAL database holds a shared lock on it for as
 * long as it is open, even idle; this takes the exclusive lock with no wait (`locking_mode =
 * EXCLUSIVE` then `BEGIN EXCLUSIVE`), which fails with SQLITE_BUSY while any such connection exists.
 * It relies on SQLite's own locks, not on a pid file that a crash leaves behind or that another
 * container cannot see. A file that does not exist is not in use.
 *
 * It fails closed: only an exclusive lock actually taken means "free". Any other failure (not a
 * database, no permission, an I/O error, a file system without locks) throws BackupError `in-use`
 * naming the error, since a probe that could not run proves nothing about a server that may be
 * writing. Only call it on a file about to be replaced: when it is free, closing the probe
 * checkpoints the file's WAL.
 */
export function sqliteFileInUse(file: string): boolean {
  if (!existsSync(file)) return false
  let db: BetterSqlite3.Database | undefined
  try {
    db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 })
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
    return false
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true
    throw new BackupError(
      'in-use',
      `cannot tell whether ${file} is open in another process (${code || 'error'}: ${(error as Error).message}): refusing to replace it; stop the server and check the file`,
    )
  } finally {
    try {
      db?.close()
    } catch {
      // A probe that failed half-way may refuse to close; the refusal above is what matters.
    }
  }
}
