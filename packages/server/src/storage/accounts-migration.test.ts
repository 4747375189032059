import { afterAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { migrateTo, migrateToLatest } from './migrations.ts'
import { dropPgSchema } from './drop-pg-schema.ts'
import { withAuditAttached } from './sqlite-backend.ts'

const databaseUrl = process.env.DATABASE_URL

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the database untyped
type AnyDb = Kysely<any>

/** A user row as version 0003 stored it. */
const oldUser = (id: string, dataOwnerId: string | null) => ({
  id,
  rev: '1-a',
  login: `login-${id}`,
  email: null,
  mobile_phone: null,
  data_owner_id: dataOwnerId,
  status: 'ACTIVE',
  password_hash: null,
  doc: `{"id":"${id}"}`,
  created: 1,
  modified: 1,
})

/**
 * Migration 0004 on a database that version 0003 filled: it refuses, before changing anything, a
 * database where two users act as one data owner (which account survives is the operator's call),
 * then, once that is fixed, adds the unique index, and drops the JWT secret that older versions kept
 * in the settings table.
 */
async function checkAccountsMigration(db: AnyDb, dialect: 'sqlite' | 'postgres', schema?: string) {
  await migrateTo(db, dialect, '0003_lz4_documents', schema)
  await db.insertInto('settings').values({ key: 'jwt.secret', value: 'from-the-old-version' }).execute()
  await db
    .insertInto('users')
    .values([oldUser('u1', 'owner-1'), oldUser('u2', 'owner-1'), oldUser('u3', null)])
    .execute()

  await expect(migrateToLatest(db, dialect, schema)).rejects.toThrow(
    /several users act as one data owner \(owner-1\): unlink all but one of them before upgrading/,
  )
  // Nothing of 0004 happened: the table has no new column yet, the secret is still there.
  expect(
    await db.selectFrom('settings').select('key').where('key', '=', 'jwt.secret').execute(),
  ).toHaveLength(1)
  await expect(db.selectFrom('users').select('managed_by').execute()).rejects.toThrow()

  await db.updateTable('users').set({ data_owner_id: null }).where('id', '=', 'u2').execute()
  await migrateToLatest(db, dialect, schema)
  expect(
    await db.selectFrom('settings').select('key').where('key', '=', 'jwt.secret').execute(),
  ).toHaveLength(0)
  const users = await db
    .selectFrom('users')
    .select(['id', 'managed_by', 'deletion_date'])
    .orderBy('id')
    .execute()
  expect(users).toEqual([
    { id: 'u1', managed_by: null, deletion_date: null },
    { id: 'u2', managed_by: null, deletion_date: null },
    { id: 'u3', managed_by: null, deletion_date: null },
  ])
  // One user per data owner from now on; any number without one.
  await expect(db.insertInto('users').values(oldUser('u4', 'owner-1')).execute()).rejects.toThrow()
  await db.insertInto('users').values(oldUser('u5', null)).execute()
}

describe('migration 0004 (accounts) on a database of the previous version', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  it('SQLite', async () => {
    const db: AnyDb = new Kysely({
      dialect: new SqliteDialect({ database: withAuditAttached(new Database(':memory:')) }),
    })
    cleanups.push(() => db.destroy())
    await checkAccountsMigration(db, 'sqlite')
  })

  it.skipIf(!databaseUrl)('PostgreSQL (set DATABASE_URL to run)', async () => {
    const schema = `mig0004_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    await admin.end()
    const db: AnyDb = new Kysely({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: databaseUrl, max: 1, options: `-c search_path=${schema}` }),
      }),
    })
    cleanups.push(async () => {
      await db.destroy()
      await dropPgSchema(databaseUrl!, schema)
    })
    await checkAccountsMigration(db, 'postgres', schema)
  })
})
