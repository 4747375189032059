import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { expect } from 'vitest'
import type { UserDto } from '@cairn/protocol'
import type { ServerProcess } from '../support/server-process.ts'
import type { Client } from '../access/http.ts'

const R = '/rest/v1'

/** SQL straight on a test server's database (SQLite file or PostgreSQL schema), as its operator could. */
export interface RawSql {
  /** Runs one statement with `?` placeholders; the rows it returns, if any. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

/** Opens the database of `server` for direct SQL (to age a session, or count rows). */
export async function rawSql(server: ServerProcess): Promise<RawSql> {
  if (server.databaseUrl && server.pgSchema) {
    const client = new pg.Client({ connectionString: server.databaseUrl })
    await client.connect()
    await client.query(`set search_path to "${server.pgSchema}"`)
    return {
      query: async <T>(text: string, params: unknown[] = []) => {
        let n = 0
        return (
          await client.query(
            text.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows as T[]
      },
      close: () => client.end(),
    }
  }
  const db = new Database(join(server.dataDir, 'cairn.db'))
  db.pragma('busy_timeout = 5000')
  return {
    query: <T>(text: string, params: unknown[] = []) => {
      const statement = db.prepare(text)
      return Promise.resolve(
        (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[],
      )
    },
    close: () => Promise.resolve(void db.close()),
  }
}

/**
 * Makes every session of a user look as if its login was `minutesAgo` minutes ago, then waits for
 * the server's session cache (SESSION_TTL_MS, 1 s) to read it again.
 */
export async function ageSessions(sql: RawSql, userId: string, minutesAgo: number): Promise<void> {
  await sql.query('update sessions set auth_time = ? where user_id = ?', [
    Date.now() - minutesAgo * 60_000,
    userId,
  ])
  await new Promise((resolve) => setTimeout(resolve, 1_200))
}

let counter = 0
/** A login nobody else uses. */
export const uniqueLogin = (prefix = 'user') =>
  `${prefix}-${Date.now().toString(36)}-${++counter}-${randomUUID().slice(0, 4)}@example.org`

/** The body of a new user: a fresh id, login and password, plus `extra`. */
export function newUser(extra: Record<string, unknown> = {}): {
  id: string
  login: string
  password: string
} & Record<string, unknown> {
  return { id: randomUUID(), login: uniqueLogin(), password: `pw-${randomUUID()}`, ...extra }
}

/** Creates a user with `token` (200 expected); its body as sent and the stored user. */
export async function createUser(
  http: Client,
  token: string,
  extra: Record<string, unknown> = {},
): Promise<{ body: ReturnType<typeof newUser>; user: UserDto }> {
  const body = newUser(extra)
  const a = await http.post<UserDto>(`${R}/user`, body, token)
  expect(a.status, a.text).toBe(200)
  return { body, user: a.body }
}

/** The user as `token` reads it (200 expected). */
export async function readUser(http: Client, token: string, id: string): Promise<UserDto> {
  const a = await http.get<UserDto>(`${R}/user/${id}`, token)
  expect(a.status, a.text).toBe(200)
  return a.body
}
