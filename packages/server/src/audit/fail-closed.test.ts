import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, ROUTES, routePath } from '@cairn/protocol'
import { loadConfig } from '../config.ts'
import { CairnServer } from '../server.ts'
import { AUDIT_FILE } from '../storage/sqlite-backend.ts'
import { openTestSocket } from '../testing/realtime-test-client.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/*
 * Fail closed, through a real server listening on a port (SQLite): while the access log cannot be
 * written (another connection holds its file's write lock) for longer than the writer's stall limit,
 * API requests get 503 with Retry-After and WebSocket upgrades are refused with 503, while /health
 * still answers; once the log takes writes again, everything queued is written and requests are
 * served. No entry is lost: the login made before the stall is in the log afterwards.
 */
describe('the access log fails closed (real server, SQLite)', () => {
  let server: CairnServer
  let base: string
  let dataDir: string
  let token: string

  const login = async () => {
    const res = await fetch(`${base}${API_PREFIX}${routePath(ROUTES.login)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password-for-tests' }),
    })
    return res
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-fail-closed-'))
    server = new CairnServer(
      loadConfig(
        {},
        {
          dataDir,
          adminPassword: 'admin-password-for-tests',
          logLevel: 'silent',
          port: 0,
          sqliteBusyTimeoutMs: 50,
        },
      ),
    )
    await server.init()
    base = await server.listen()
    token = ((await (await login()).json()) as { token: string }).token
  })
  afterAll(async () => {
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses requests and subscriptions while the log cannot be written, then catches up', async () => {
    await server.flushAuditLog()
    const lock = new BetterSqlite3(join(dataDir, AUDIT_FILE))
    lock.prepare('begin immediate').run()
    try {
      // An entry that cannot be written: the writer fails, retries, and after its stall limit (5 s)
      // the server refuses.
      expect((await login()).status).toBe(200)
      let refused: Response | undefined
      for (let i = 0; i < 80 && !refused; i++) {
        await sleep(250)
        const res = await fetch(`${base}${API_PREFIX}${routePath(ROUTES.currentUser)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
        if (res.status === 503) refused = res
        else expect(res.status).toBe(200)
      }
      expect(refused?.headers.get('retry-after')).toBe('2')
      expect(await refused?.json()).toEqual({
        error: { code: 'UNAVAILABLE', message: 'the access log cannot keep up; try again shortly' },
      })
      await expect(openTestSocket(base, { token })).rejects.toThrow('503')
      expect((await fetch(`${base}/health`)).status).toBe(200)
    } finally {
      lock.prepare('commit').run()
      lock.close()
    }
    await server.flushAuditLog()
    expect((await login()).status).toBe(200)
    const socket = await openTestSocket(base, { token })
    socket.ws.close()
    await server.flushAuditLog()
    const check = new BetterSqlite3(join(dataDir, AUDIT_FILE), { readonly: true })
    const logins = check.prepare("select count(*) as n from audit_log where action = 'login'").get() as {
      n: number
    }
    check.close()
    // The first login, the one during the stall and the one after: none lost.
    expect(logins.n).toBe(3)
  })
})
