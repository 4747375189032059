import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import type { ServerProcess } from './server-process.ts'

/** Where a plaintext string was found. */
export interface Leak {
  where: string
  text: string
}

/**
 * Looks for plaintext strings everywhere the server keeps or prints data: every file of the SQLite
 * data dir (database, WAL, shared memory), every row of every table of its PostgreSQL schema, and
 * its log output. Returns what was found (nothing, when end-to-end encryption holds).
 */
export async function findPlaintext(server: ServerProcess, texts: string[]): Promise<Leak[]> {
  const leaks: Leak[] = []
  const scan = (where: string, haystack: string) => {
    for (const text of texts) if (haystack.includes(text)) leaks.push({ where, text })
  }
  for (const file of await readdir(server.dataDir)) {
    const bytes = await readFile(join(server.dataDir, file))
    scan(file, bytes.toString('latin1'))
    scan(`${file} (utf16)`, bytes.toString('utf16le'))
  }
  if (server.databaseUrl && server.pgSchema) {
    const client = new pg.Client({ connectionString: server.databaseUrl })
    await client.connect()
    try {
      const tables = await client.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1',
        [server.pgSchema],
      )
      if (tables.rows.length === 0) throw new Error(`no table in schema ${server.pgSchema}`)
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ t: string }>(
          `select t::text as t from "${server.pgSchema}"."${table_name}" t`,
        )
        scan(`postgres ${table_name}`, rows.rows.map((r) => r.t).join('\n'))
      }
    } finally {
      await client.end()
    }
  }
  scan('server log', server.output())
  return leaks
}

/** Counts the rows of a table of the server's PostgreSQL schema (to prove the scan saw data). */
export async function pgRowCount(server: ServerProcess, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: server.databaseUrl })
  await client.connect()
  try {
    const r = await client.query<{ n: string }>(`select count(*) as n from "${server.pgSchema}"."${table}"`)
    return Number(r.rows[0].n)
  } finally {
    await client.end()
  }
}
