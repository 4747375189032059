import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { BACKENDS } from '../support/backends.ts'
import {
  SOURCE_NODE_ARGS,
  disposeServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.ts'
import { quotePgSchema } from '../../packages/server/src/storage/pg-schema-name.ts'
import { client, uuid, type Client } from '../access/http.ts'

/**
 * `cairn admin reset-password`: a local command with direct access to the database of a running
 * server (same DATABASE_URL / CAIRN_DATA_DIR as `cairn serve`) recovers an account whose password
 * is lost: it sets a new one (generated and shown once on stderr, or given), makes the account
 * ACTIVE again and revokes its sessions, so that the old password and every token issued with it
 * stop working.
 */

const ROOT = new URL('../..', import.meta.url).pathname
const R = '/rest/v1'

/** Runs `cairn admin …` against the database of `server`; never rejects. */
function cairnAdmin(server: ServerProcess, args: string[]) {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CAIRN_DATA_DIR: server.dataDir,
  }
  delete env.DATABASE_URL
  delete env.CAIRN_ADMIN_LOGIN
  if (server.databaseUrl)
    Object.assign(env, { DATABASE_URL: server.databaseUrl, CAIRN_PG_SCHEMA: server.pgSchema })
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [...SOURCE_NODE_ARGS, 'packages/cli/src/main.ts', 'admin', ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  )
}

/** Disables a user behind the server's back, as an operator with the database could. */
async function disableInDatabase(server: ServerProcess, login: string): Promise<void> {
  if (server.databaseUrl) {
    const db = new pg.Client({ connectionString: server.databaseUrl })
    await db.connect()
    try {
      await db.query(
        `update ${quotePgSchema(server.pgSchema!)}.users set status = 'DISABLED' where login = $1`,
        [login],
      )
    } finally {
      await db.end()
    }
    return
  }
  const db = new Database(join(server.dataDir, 'cairn.db'))
  try {
    db.prepare(`update users set status = 'DISABLED' where login = ?`).run(login)
  } finally {
    db.close()
  }
}

/** Runs one SQL statement on the database of `server`, behind its back (`?` placeholders). */
async function runSql(server: ServerProcess, text: string, values: unknown[]): Promise<void> {
  if (server.databaseUrl) {
    const db = new pg.Client({ connectionString: server.databaseUrl })
    await db.connect()
    try {
      await db.query(`set search_path to ${quotePgSchema(server.pgSchema!)}`)
      let n = 0
      await db.query(
        text.replace(/\?/g, () => `$${++n}`),
        values,
      )
    } finally {
      await db.end()
    }
    return
  }
  const db = new Database(join(server.dataDir, 'cairn.db'))
  try {
    db.prepare(text).run(...values)
  } finally {
    db.close()
  }
}

/** Polls `check` until it holds (the server caches sessions and users for about a second). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`never: ${what}`)
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`cairn admin reset-password (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client

    const loginStatus = (username: string, password: string) =>
      http.post(`${R}/auth/login`, { username, password }).then((a) => a.status)

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
    })
    afterAll(() => disposeServer(server))

    it('gives the admin a generated password, shown once on stderr, and ends its sessions', async () => {
      const before = await http.login(server.adminLogin, server.adminPassword)
      expect((await http.get(`${R}/user/current`, before.token)).status).toBe(200)

      const reset = await cairnAdmin(server, ['reset-password'])
      expect(reset.code, reset.stderr).toBe(0)
      const printed = /password: (\S+)\s+\(shown once/.exec(reset.stderr)
      expect(printed, reset.stderr).not.toBeNull()
      const password = printed![1]
      expect(reset.stderr).toMatch(
        /={20,}\n {2}Cairn: new password of "admin" \(user \S+ is active again; 1 session\(s\) revoked\)/,
      )
      expect(reset.stdout).not.toContain(password)

      expect(await loginStatus(server.adminLogin, password)).toBe(200)
      expect(await loginStatus(server.adminLogin, server.adminPassword)).toBe(401)
      // The tokens of the session opened with the old password stop working.
      await eventually(
        async () => (await http.get(`${R}/user/current`, before.token)).status === 401,
        'the old access token is refused',
      )
      expect((await http.post(`${R}/auth/refresh`, { refreshToken: before.refreshToken })).status).toBe(401)
      server.adminPassword = password
    })

    it('sets a given password and makes a disabled account active again', async () => {
      const admin = (await http.login(server.adminLogin, server.adminPassword)).token
      const login = `locked-out-${uuid()}@example.org`
      const created = await http.post(`${R}/user`, { id: uuid(), login, password: 'first-password-1' }, admin)
      expect(created.status, created.text).toBe(200)
      await disableInDatabase(server, login)
      await eventually(async () => (await loginStatus(login, 'first-password-1')) === 401, 'disabled')

      const chosen = 'chosen-password-2'
      const reset = await cairnAdmin(server, [
        'reset-password',
        '--login',
        login.toUpperCase(),
        '--password',
        chosen,
      ])
      expect(reset.code, reset.stderr).toBe(0)
      expect(reset.stdout).toMatch(
        /password of ".*" set \(user \S+ is active again; 0 session\(s\) revoked\)/,
      )
      // A password the operator chose is not printed back.
      expect(reset.stdout + reset.stderr).not.toContain(chosen)
      expect(await loginStatus(login, chosen)).toBe(200)
      expect(await loginStatus(login, 'first-password-1')).toBe(401)
      const current = await http.get<{ status: string }>(
        `${R}/user/current`,
        (await http.login(login, chosen)).token,
      )
      expect(current.body.status).toBe('ACTIVE')
    })

    it('clears the login back-off of the recovered account', async () => {
      const admin = (await http.login(server.adminLogin, server.adminPassword)).token
      const login = `guessed-at-${uuid()}@example.org`
      const created = await http.post<{ id: string }>(
        `${R}/user`,
        { id: uuid(), login, password: 'first-password-1' },
        admin,
      )
      expect(created.status, created.text).toBe(200)
      // Thirty failures just now: the account waits the longest back-off (minutes).
      await runSql(server, 'insert into login_failures (key, failures, last_failure) values (?, ?, ?)', [
        `user:${created.body.id}`,
        30,
        Date.now(),
      ])
      expect(await loginStatus(login, 'first-password-1')).toBe(429)
      const reset = await cairnAdmin(server, ['reset-password', '--login', login, '--password', 'second-2'])
      expect(reset.code, reset.stderr).toBe(0)
      expect(await loginStatus(login, 'second-2')).toBe(200)
    })

    it('says so when no user has that login, and changes nothing', async () => {
      const reset = await cairnAdmin(server, ['reset-password', '--login', 'nobody@example.org'])
      expect(reset.code).toBe(1)
      expect(reset.stderr).toMatch(/no user has the login "nobody@example.org"/)
      expect(await loginStatus(server.adminLogin, server.adminPassword)).toBe(200)
      const empty = await cairnAdmin(server, ['reset-password', '--password', ''])
      expect(empty.code).toBe(1)
      expect(empty.stderr).toMatch(/--password cannot be empty/)
      expect(await loginStatus(server.adminLogin, server.adminPassword)).toBe(200)
    })
  })
}
