import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { dropPgSchema } from './drop-pg-schema.ts'
import type { KyselyStorage } from './kysely-storage.ts'
import { sql } from 'kysely'
import { DEFAULT_PG_TIMEOUTS, createStorage } from './create-storage.ts'
import { pgApplicationName, postgresBackend } from './postgres-backend.ts'

const databaseUrl = process.env.DATABASE_URL

/** What the PostgreSQL backend sets up on its connections and tables, read back from the catalog. */
describe.skipIf(!databaseUrl)('PostgreSQL backend (set DATABASE_URL to run)', () => {
  const schema = `pgb_${randomBytes(6).toString('hex')}`
  let storage: KyselyStorage
  let admin: pg.Client

  beforeAll(async () => {
    storage = createStorage({ databaseUrl, dataDir: 'unused', pgSchema: schema })
    await storage.init()
    admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
  })

  afterAll(async () => {
    await storage?.close()
    await admin?.end()
    await dropPgSchema(databaseUrl!, schema)
  })

  it('names its sessions after the schema and opens them on it', async () => {
    await storage.checkWritable()
    const sessions = await admin.query('select 1 from pg_stat_activity where application_name = $1', [
      pgApplicationName(schema),
    ])
    expect(sessions.rowCount).toBeGreaterThan(0)
    // The heartbeat landed in the schema's own settings table, found through the session's search_path.
    const heartbeat = await admin.query(
      `select value from "${schema}".settings where key = 'ready.heartbeat'`,
    )
    expect(heartbeat.rowCount).toBe(1)
  })

  // Codings are clear reference rows of a few hundred bytes, under the size PostgreSQL compresses at.
  it('compresses documents with lz4', async () => {
    const { rows } = await admin.query<{ relname: string; attcompression: string }>(
      `select c.relname, a.attcompression from pg_attribute a
         join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and a.attname = 'doc' and c.relname not in ('users', 'coding')
        order by c.relname`,
      [schema],
    )
    expect(rows.map((r) => r.relname)).toEqual([
      'data_sample',
      'exchange_key',
      'healthcare_element',
      'healthcare_professional',
      'medical_device',
      'notification',
      'patient',
    ])
    for (const row of rows) expect(row.attcompression, row.relname).toBe('l')
  })
})

/** Migrations run without the request timeouts: a long back-fill must not fail the start. */
describe.skipIf(!databaseUrl)('PostgreSQL migrations and request timeouts (set DATABASE_URL to run)', () => {
  const schema = `pgm_${randomBytes(6).toString('hex')}`
  afterAll(async () => {
    await dropPgSchema(databaseUrl!, schema)
  })

  it('a statement longer than the request timeouts fails on the pool but completes as a migration', async () => {
    const backend = postgresBackend({
      databaseUrl: databaseUrl!,
      schema,
      poolSize: 2,
      timeouts: { ...DEFAULT_PG_TIMEOUTS, statementMs: 200, queryMs: 400 },
    })
    try {
      await backend.prepare()
      await expect(sql`select pg_sleep(0.6)`.execute(backend.db)).rejects.toThrow()
      const done = await backend.withMigrationDb(async (db) => {
        await sql`select pg_sleep(0.6)`.execute(db)
        return 'migrated'
      })
      expect(done).toBe('migrated')
    } finally {
      await backend.db.destroy()
    }
  })
})
