import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createStorage } from './create-storage.ts'
import { dropPgSchema } from './drop-pg-schema.ts'

const databaseUrl = process.env.DATABASE_URL

/**
 * Several Cairn schemas (or test suites) share a database: one being dropped while another server
 * starts must not stop that start (Kysely's scan of every schema's tables then meets a schema that
 * just disappeared).
 */
describe.skipIf(!databaseUrl)('migrations while other schemas come and go (set DATABASE_URL to run)', () => {
  it('every start succeeds while other schemas are created and dropped', { timeout: 120_000 }, async () => {
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    let churning = true
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const name = `churn_${randomBytes(4).toString('hex')}`
        await admin.query(`create schema ${name}; create table ${name}.t (id int)`)
        await admin.query(`drop schema ${name} cascade`)
      }
    })()
    const schemas: string[] = []
    try {
      for (let i = 0; i < 8; i++) {
        const schema = `mig_${randomBytes(6).toString('hex')}`
        schemas.push(schema)
        const storage = createStorage({ databaseUrl, dataDir: 'unused', pgSchema: schema })
        await storage.init()
        await expect(storage.countUsers()).resolves.toBe(0)
        await storage.close()
      }
    } finally {
      churning = false
      await churn
      await admin.end()
      for (const schema of schemas) await dropPgSchema(databaseUrl!, schema)
    }
  })
})
