import { execFile } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { SOURCE_NODE_ARGS, type ServerProcess } from '../support/server-process.ts'
import { quotePgSchema } from '../../packages/server/src/storage/pg-schema-name.ts'

const ROOT = new URL('../..', import.meta.url).pathname

/** What a `cairn` run printed and its exit code. */
export interface CairnRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `cairn …` from its sources as an operator of `server` would: the admin's password in
 * CAIRN_ADMIN_PASSWORD, and the same database settings as the server (CAIRN_DATA_DIR, or DATABASE_URL
 * and CAIRN_PG_SCHEMA). Never rejects: the exit code is in the answer.
 */
export function cairn(server: ServerProcess, args: string[]): Promise<CairnRun> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CAIRN_DATA_DIR: server.dataDir,
    CAIRN_ADMIN_LOGIN: server.adminLogin,
    CAIRN_ADMIN_PASSWORD: server.adminPassword,
  }
  delete env.DATABASE_URL
  delete env.CAIRN_PG_SCHEMA
  if (server.databaseUrl)
    Object.assign(env, { DATABASE_URL: server.databaseUrl, CAIRN_PG_SCHEMA: server.pgSchema })
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  )
}

/**
 * Runs one SQL statement on the access log of `server` behind its back, as whoever holds the database
 * can (`?` placeholders); the rows it returns. On SQLite the log is the data directory's `audit.db`;
 * stop the server first: the test then edits the file it left.
 */
export async function runSql<T = Record<string, unknown>>(
  server: ServerProcess,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  if (server.databaseUrl) {
    const db = new pg.Client({ connectionString: server.databaseUrl })
    await db.connect()
    try {
      await db.query(`set search_path to ${quotePgSchema(server.pgSchema!)}`)
      let n = 0
      const result = await db.query(
        text.replace(/\?/g, () => `$${++n}`),
        values,
      )
      return result.rows as T[]
    } finally {
      await db.end()
    }
  }
  const db = new Database(join(server.dataDir, 'audit.db'))
  try {
    const statement = db.prepare(text)
    if (statement.reader) return statement.all(...values) as T[]
    statement.run(...values)
    return []
  } finally {
    db.close()
  }
}

/**
 * Reads with `read` until `done` holds (the server writes its access log a few milliseconds after the
 * requests it records); the last value read. Fails after about five seconds, saying `what`.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read()
    if (done(value)) return value
    if (attempt >= 100) throw new Error(`never: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
