import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { Database } from './database-schema.ts'
import { SqliteGroupCommit } from './sqlite-group-commit.ts'

/** A real SQLite file with one table `w(id primary key, body)`. */
describe('SqliteGroupCommit', () => {
  let dir: string
  let raw: BetterSqlite3.Database
  let db: Kysely<Database>
  let group: SqliteGroupCommit

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-group-'))
    raw = new BetterSqlite3(join(dir, 'g.db'))
    raw.pragma('journal_mode = WAL')
    raw.exec('create table w (id text primary key, body text)')
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) })
    group = new SqliteGroupCommit(db, () => raw.inTransaction)
    await sql`select 1`.execute(db)
  })

  afterEach(async () => {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  const insert =
    (id: string, body = 'x') =>
    (trx: Kysely<Database>) =>
      sql`insert into w (id, body) values (${id}, ${body})`.execute(trx).then(() => id)
  const ids = () =>
    raw
      .prepare('select id from w order by id')
      .all()
      .map((r) => (r as { id: string }).id)

  it('commits concurrent writes together, each acknowledged with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => group.run(insert(`k${i}`))))
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`))
    expect(ids()).toHaveLength(30)
    expect(group.stats.writes).toBe(30)
    // Queued together: far fewer transactions (fsyncs) than writes.
    expect(group.stats.batches).toBeLessThan(5)
    expect(raw.inTransaction).toBe(false)
  })

  it('rolls back a failing write alone: the others of its batch commit', async () => {
    const outcomes = await Promise.allSettled([
      group.run(insert('a')),
      group.run(async (trx) => {
        await insert('b')(trx)
        throw new Error('stale rev')
      }),
      group.run(insert('a')), // duplicate key: fails in SQLite itself
      group.run(insert('c')),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('stale rev'))
    expect(ids()).toEqual(['a', 'c'])
  })

  it('on a full database, acknowledges exactly the writes that are stored', async () => {
    const pages = (raw.pragma('page_count', { simple: true }) as number) + 3
    raw.pragma(`max_page_count = ${pages}`)
    const big = 'y'.repeat(3000)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => group.run(insert(`f${String(i).padStart(2, '0')}`, big))),
    )
    const acknowledged = outcomes.flatMap((o, i) =>
      o.status === 'fulfilled' ? [`f${String(i).padStart(2, '0')}`] : [],
    )
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) expect((r.reason as { code?: string }).code).toBe('SQLITE_FULL')
    expect(ids()).toEqual(acknowledged)
    expect(raw.inTransaction).toBe(false)
    // Space again: writes go on.
    raw.pragma('max_page_count = 1000000')
    await expect(group.run(insert('after'))).resolves.toBe('after')
  })
})
