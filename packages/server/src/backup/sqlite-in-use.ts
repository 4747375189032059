import { existsSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'

/**
 * Whether another process has the SQLite database `file` open (a running `cairn serve`, its access-log
 * writer, the `sqlite3` shell). Every connection to a WAL database holds a shared lock on it for as
 * long as it is open, even idle; this takes the exclusive lock with no wait (`locking_mode =
 * EXCLUSIVE` then `BEGIN EXCLUSIVE`), which fails with SQLITE_BUSY while any such connection exists.
 * It relies on SQLite's own locks, not on a pid file that a crash leaves behind or that another
 * container cannot see. A file that does not exist, or is not a database, is not in use. Only call it
 * on a file about to be replaced: when it is free, closing the probe checkpoints the file's WAL.
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
    return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
  } finally {
    db?.close()
  }
}
