import pg from 'pg'
import { quotePgSchema } from './pg-schema-name.ts'

/**
 * Drops a PostgreSQL schema and everything in it: test suites create a random schema each and remove
 * it when done. Refuses `public`, the default schema of real deployments, so that a test
 * misconfiguration cannot wipe one.
 */
export async function dropPgSchema(databaseUrl: string, schema: string): Promise<void> {
  if (schema === 'public') throw new Error('refusing to drop the public schema')
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(`drop schema if exists ${quotePgSchema(schema)} cascade`)
  } finally {
    await client.end()
  }
}
