import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { sqliteFileInUse } from './sqlite-in-use.ts'

/**
 * sqliteFileInUse decides whether `cairn restore --force` may replace a database: it must fail
 * closed. Only an exclusive lock actually taken means "free"; a held lock means "in use", and a probe
 * that cannot run at all (not a database, not a file) refuses with its error instead of saying "free".
 */
describe('sqliteFileInUse', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-in-use-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('is free for a missing file and a closed database, in use while a connection is open', () => {
    expect(sqliteFileInUse(join(dir, 'none.db'))).toBe(false)
    const file = join(dir, 'cairn.db')
    const db = new BetterSqlite3(file)
    db.pragma('journal_mode = WAL')
    db.exec('create table t (x)')
    try {
      // An idle WAL connection (as a running server's) holds its shared lock.
      expect(sqliteFileInUse(file)).toBe(true)
    } finally {
      db.close()
    }
    expect(sqliteFileInUse(file)).toBe(false)
  })

  it('refuses, naming the error, when the probe cannot run', async () => {
    const refusal = (file: string): unknown => {
      try {
        return sqliteFileInUse(file)
      } catch (error) {
        return error
      }
    }
    const garbage = join(dir, 'garbage.db')
    await writeFile(
      garbage,
      'this is not a SQLite database, but it is long enough to have a header'.repeat(10),
    )
    expect(refusal(garbage)).toMatchObject({ kind: 'in-use', message: /SQLITE_NOTADB.*refusing/ })
    const folder = join(dir, 'folder.db')
    await mkdir(folder)
    expect(refusal(folder)).toMatchObject({ kind: 'in-use', message: /cannot tell whether/ })
  })
})
