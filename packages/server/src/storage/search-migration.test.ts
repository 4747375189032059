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

/** A document row as version 0004 stored it. */
const row = (id: string, doc: object, deleted = 0) => ({
  id,
  rev: '1-a',
  doc: JSON.stringify({ id, ...doc }),
  created: 1,
  modified: 1,
  deleted,
})

/**
 * Migration 0005 (search) on a database that version 0004 filled: existing live documents get their
 * terms (secret ids of their patient, codes, dates) and names, deleted ones none, and the old
 * secret-foreign-key tables are gone.
 */
async function checkSearchMigration(db: AnyDb, dialect: 'sqlite' | 'postgres', schema?: string) {
  await migrateTo(db, dialect, '0004_accounts', schema)
  await db
    .insertInto('patient')
    .values([
      row('p1', { firstName: 'Ada', lastName: 'Lovelace', dateOfBirth: 18151210, systemMetaData: {} }),
      row('p2', { firstName: 'Gone', lastName: 'Away' }, 1),
    ])
    .execute()
  await db
    .insertInto('data_sample')
    .values(
      row('s1', {
        valueDate: 20240301080000,
        codes: [{ type: 'LOINC', code: '8867-4' }],
        systemMetaData: { secretForeignKeys: ['secret-of-p1'] },
      }),
    )
    .execute()
  await db
    .insertInto('healthcare_professional')
    .values(row('h1', { firstName: 'John', lastName: 'Keats' }))
    .execute()
  await db.insertInto('data_sample_sfk').values({ sfk: 'secret-of-p1', entity_id: 's1' }).execute()

  await migrateToLatest(db, dialect, schema)

  const terms = (await db
    .selectFrom('data_sample_term')
    .select(['term', 'value', 'entity_id'])
    .orderBy('term')
    .execute()) as { term: string; value: unknown; entity_id: string }[]
  expect(terms.map((t) => [t.term, Number(t.value), t.entity_id])).toEqual([
    ['*', 20240301080000, 's1'],
    ['code:LOINC', 20240301080000, 's1'],
    ['code:LOINC|8867-4', 20240301080000, 's1'],
    ['sfk:secret-of-p1', 20240301080000, 's1'],
  ])
  const patientTerms = (await db.selectFrom('patient_term').select(['entity_id', 'value']).execute()) as {
    entity_id: string
    value: unknown
  }[]
  expect(patientTerms.map((t) => [t.entity_id, Number(t.value)])).toEqual([['p1', 18151210]])
  const names = (await db
    .selectFrom('patient_name')
    .select('name')
    .where('entity_id', '=', 'p1')
    .execute()) as {
    name: string
  }[]
  expect(names.map((n) => n.name)).toContain('lovelaceada')
  expect(await db.selectFrom('patient_name').select('name').where('entity_id', '=', 'p2').execute()).toEqual(
    [],
  )
  const hcpNames = (await db.selectFrom('healthcare_professional_name').select('name').execute()) as {
    name: string
  }[]
  expect(hcpNames.map((n) => n.name)).toContain('eatsjohn')
  await expect(db.selectFrom('data_sample_sfk').selectAll().execute()).rejects.toThrow()
}

describe('migration 0005 (search) on a database of the previous version', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  it('SQLite', async () => {
    const db: AnyDb = new Kysely({
      dialect: new SqliteDialect({ database: withAuditAttached(new Database(':memory:')) }),
    })
    cleanups.push(() => db.destroy())
    await checkSearchMigration(db, 'sqlite')
  })

  it.skipIf(!databaseUrl)('PostgreSQL (set DATABASE_URL to run)', async () => {
    const schema = `mig0005_${randomBytes(6).toString('hex')}`
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
    await checkSearchMigration(db, 'postgres', schema)
  })
})
