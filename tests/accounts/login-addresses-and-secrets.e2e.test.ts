import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import Database from 'better-sqlite3'
import { ROUTES, type AuthResponseDto } from '@cairn/protocol'
import { HttpClient } from '../../packages/sdk/src/http/http-client.ts'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { client, expectError } from '../access/http.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The keys of the settings table of a server's database, read behind its back. */
async function settingKeys(server: ServerProcess): Promise<string[]> {
  if (server.databaseUrl) {
    const db = new pg.Client({ connectionString: server.databaseUrl })
    await db.connect()
    try {
      const { rows } = await db.query(`select key from "${server.pgSchema}".settings`)
      return rows.map((r: { key: string }) => r.key)
    } finally {
      await db.end()
    }
  }
  const db = new Database(join(server.dataDir, 'cairn.db'), { readonly: true })
  try {
    return (db.prepare('select key from settings').all() as { key: string }[]).map((r) => r.key)
  } finally {
    db.close()
  }
}

/*
 * Split from sessions.e2e.test.ts so that the two run in parallel: how the login back-off counts client
 * addresses, the SDK ending its sessions, and where the token signing secret is kept.
 */

describe('client addresses in the login back-off', () => {
  const servers: ServerProcess[] = []
  afterAll(() => Promise.all(servers.map((s) => disposeServer(s))))

  /** Ten failed logins of unknown accounts, each claiming another client address. */
  async function failFromSpoofedAddresses(url: string, label: string): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/rest/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}` },
        body: JSON.stringify({ username: `${label}-${i}@example.org`, password: 'x' }),
      })
      expect(res.status).toBe(401)
    }
  }
  const attempt = (url: string, username: string, forwardedFor: string) =>
    fetch(`${url}/rest/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ username, password: 'x' }),
    }).then((r) => r.status)

  it('counts every client of an untrusted proxy as the proxy: X-Forwarded-For buys no fresh budget', async () => {
    const server = await startServer({ env: { CAIRN_LOGIN_MAX_FAILURES: '1' } })
    servers.push(server)
    // One free failure per account, ten per address: the ten spoofed "clients" used them all up.
    await failFromSpoofedAddresses(server.url, 'spoofed')
    expect(await attempt(server.url, 'someone-else@example.org', '203.0.113.9')).toBe(429)
  })

  it('behind a trusted proxy, counts each client address on its own', async () => {
    const server = await startServer({
      env: { CAIRN_LOGIN_MAX_FAILURES: '1', CAIRN_TRUST_PROXY: '127.0.0.1,::1' },
    })
    servers.push(server)
    for (let i = 0; i < 10; i++)
      expect(await attempt(server.url, `guess-${i}@example.org`, '198.51.100.7')).toBe(401)
    expect(await attempt(server.url, 'someone-else@example.org', '198.51.100.7')).toBe(429)
    expect(await attempt(server.url, 'someone-else@example.org', '198.51.100.8')).toBe(401)
  })
})

describe('the SDK ends its sessions', () => {
  let server: ServerProcess
  beforeAll(async () => {
    server = await startServer({ env: { CAIRN_ACCESS_TOKEN_TTL: '2' } })
  })
  afterAll(() => disposeServer(server))

  it('logout works after the access token expired, and ends the session on the server', async () => {
    const seen: AuthResponseDto[] = []
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init)
      if (/\/auth\/(login|refresh)$/.test(input instanceof Request ? input.url : input.toString()) && res.ok)
        seen.push((await res.clone().json()) as AuthResponseDto)
      return res
    }
    const http = new HttpClient(
      server.url,
      { username: server.adminLogin, password: server.adminPassword },
      recording,
    )
    expect((await http.call(ROUTES.currentUser, {})).login).toBe(server.adminLogin)
    await sleep(2500)
    await http.logout()
    const last = seen[seen.length - 1]
    const res = await client(server.url).post('/rest/v1/auth/refresh', { refreshToken: last.refreshToken })
    expectError(res, 401, 'UNAUTHORIZED', /session was ended/)
  })
})

describe.each(BACKENDS.filter((b) => b.enabled))('the token signing secret ($name)', ({ databaseUrl }) => {
  let server: ServerProcess | undefined
  afterAll(() => disposeServer(server))

  it('is generated once into a 0600 file of the data directory, never into the database, and survives a restart', async () => {
    server = await startServer({ databaseUrl })
    const file = join(server.dataDir, 'jwt-secret')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await settingKeys(server)).not.toContain('jwt.secret')
    const api = client(server.url)
    const tokens = await api.login(server.adminLogin, server.adminPassword)
    await server.stop()
    server = await startServer({
      databaseUrl,
      dataDir: server.dataDir,
      ...(server.pgSchema ? { pgSchema: server.pgSchema } : {}),
      env: { CAIRN_ADMIN_PASSWORD: server.adminPassword },
    })
    expect((await client(server.url).get('/rest/v1/user/current', tokens.token)).status).toBe(200)
  })
})

describe('CAIRN_JWT_SECRET', () => {
  it('refuses a CAIRN_JWT_SECRET too short to be a key', async () => {
    await expect(startServer({ env: { CAIRN_JWT_SECRET: 'short' } })).rejects.toThrow(
      /CAIRN_JWT_SECRET must be at least 32 characters/,
    )
  })
})
