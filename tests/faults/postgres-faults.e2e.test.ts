import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { startServer, disposeServer, type ServerProcess } from '../support/server-process.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'
import { timedRequest, type TimedReply } from '../support/timed-request.ts'
import { pgApplicationName } from '../../packages/server/src/storage/postgres-backend.ts'

/**
 * A Cairn server on PostgreSQL through a TCP proxy the test controls: connections reset, terminated
 * by the database, refused, or gone silent. The server must stay up, fail the requests that needed
 * the database with 503 UNAVAILABLE and Retry-After (never hang, never a 500), keep /health alive,
 * report /ready honestly, heal by itself when the database is back, lose no acknowledged write, and
 * exit within its grace period on SIGTERM even while the database is silent.
 */
const DATABASE_URL = process.env.DATABASE_URL
const run = DATABASE_URL ? describe : describe.skip
/** Short limits so that each fault shows within seconds (the defaults are meant for production). */
const LIMITS = {
  CAIRN_PG_CONNECT_TIMEOUT_MS: '1000',
  CAIRN_PG_STATEMENT_TIMEOUT_MS: '1500',
  CAIRN_PG_QUERY_TIMEOUT_MS: '2000',
  CAIRN_READY_TIMEOUT_MS: '1000',
  CAIRN_SHUTDOWN_GRACE_MS: '3000',
}

type Reply = TimedReply

run('PostgreSQL faults through a TCP proxy', () => {
  let proxy: TcpProxy
  let server: ServerProcess
  let token: string
  const target = new URL(DATABASE_URL ?? 'postgres://127.0.0.1:5432/test')

  const request = (method: string, path: string, json?: unknown): Promise<Reply> =>
    timedRequest(server.url, token, method, path, json)
  const createHcp = (id = randomUUID()) =>
    request('POST', '/rest/v1/hcparty', { id, firstName: 'Fault', lastName: 'Test' })

  /** Every answer is a success or a clean 503 UNAVAILABLE with Retry-After. */
  const expectSuccessOr503 = (replies: Reply[]) => {
    for (const r of replies) {
      if (r.status < 300) continue
      expect(r.status, JSON.stringify(r.body)).toBe(503)
      expect(r.body.error?.code).toBe('UNAVAILABLE')
      expect(Number(r.retryAfter)).toBeGreaterThan(0)
    }
  }

  /** Polls until a write and /ready succeed again (the pool healed); fails after 20 s. */
  const waitHealed = async () => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const [write, ready] = [await createHcp(), await request('GET', '/ready')]
      if (write.status === 200 && ready.status === 200) return
      if (Date.now() > deadline) throw new Error(`not healed: ${JSON.stringify([write, ready])}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  const startProxied = async () => {
    const url = new URL(DATABASE_URL!)
    url.hostname = '127.0.0.1'
    url.port = String(proxy.port)
    const s = await startServer({ databaseUrl: url.toString(), env: LIMITS })
    // The schema is dropped through the real database, not the proxy a test may have cut.
    return { ...s, databaseUrl: DATABASE_URL }
  }

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) })
    server = await startProxied()
    const login = await request('POST', '/rest/v1/auth/login', {
      username: server.adminLogin,
      password: server.adminPassword,
    })
    expect(login.status).toBe(200)
    token = (login.body as { token: string }).token
  })

  afterAll(async () => {
    proxy?.restore()
    await disposeServer(server)
    await proxy?.close()
  })

  it('connections reset under load: 503s, no crash, the pool heals, no acknowledged write lost', async () => {
    const acknowledged: string[] = []
    const load = Array.from({ length: 8 }, async () => {
      const replies: Reply[] = []
      for (let i = 0; i < 15; i++) {
        const id = randomUUID()
        const r = await createHcp(id)
        if (r.status === 200) acknowledged.push(id)
        replies.push(r)
      }
      return replies
    })
    // Reset every connection several times while the writes run.
    const cuts = (async () => {
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 60))
        proxy.reset()
      }
    })()
    const replies = (await Promise.all([...load, cuts])).flat().filter((r): r is Reply => !!r)
    expectSuccessOr503(replies)
    expect((await request('GET', '/health')).status).toBe(200)
    await waitHealed()
    for (const id of acknowledged) expect((await request('GET', `/rest/v1/hcparty/${id}`)).status).toBe(200)
    expect(server.output()).not.toMatch(/Unhandled|uncaught/i)
  })

  it('backends terminated by the database (pg_terminate_backend): 503 then healed', async () => {
    // Keep connections busy in the pool so that some are checked out when they are terminated.
    const inFlight = Array.from({ length: 10 }, () => createHcp())
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    try {
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [pgApplicationName(server.pgSchema!)],
      )
      expect(rowCount).toBeGreaterThan(0)
    } finally {
      await admin.end()
    }
    expectSuccessOr503(await Promise.all(inFlight))
    // The next requests may still meet a terminated idle connection: each fails cleanly, then heals.
    expectSuccessOr503(await Promise.all(Array.from({ length: 10 }, () => createHcp())))
    await waitHealed()
  })

  it('database refusing connections: fast 503s, /health alive, /ready 503, healed on return', async () => {
    proxy.refuse()
    const replies = await Promise.all(Array.from({ length: 6 }, () => createHcp()))
    expect(replies.every((r) => r.status === 503)).toBe(true)
    expectSuccessOr503(replies)
    const read = await request('GET', `/rest/v1/hcparty/${randomUUID()}`)
    expectSuccessOr503([read])
    const health = await request('GET', '/health')
    expect(health.status).toBe(200)
    const ready = await request('GET', '/ready')
    expect(ready.status).toBe(503)
    expect(ready.body.error?.code).toBe('UNAVAILABLE')
    expect(ready.body.error?.message).toMatch(/Not ready/)
    proxy.restore()
    await waitHealed()
    expect(server.output()).toMatch(/database fault: unreachable/)
  })

  it('silent network: requests fail within the timeouts instead of hanging, then heal', async () => {
    proxy.silence()
    const [write, read] = await Promise.all([createHcp(), request('GET', `/rest/v1/hcparty/${randomUUID()}`)])
    for (const r of [write, read]) {
      expect(r.status, JSON.stringify(r.body)).toBe(503)
      expect(r.body.error?.code).toBe('UNAVAILABLE')
      // connect (1 s) + query (2 s) timeouts, plus slack for a loaded machine: not a hang.
      expect(r.ms).toBeLessThan(10_000)
    }
    const health = await request('GET', '/health')
    expect(health.status).toBe(200)
    const ready = await request('GET', '/ready')
    expect(ready.status).toBe(503)
    expect(ready.ms).toBeLessThan(5_000)
    proxy.restore()
    await waitHealed()
  })

  it.each([[['SIGTERM']], [['SIGINT', 'SIGTERM']]] as NodeJS.Signals[][][])(
    '%s while the database is silent: the process exits within its grace period',
    async (signals) => {
      const s = await startProxied()
      try {
        const loginReply = await fetch(`${s.url}/rest/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: s.adminLogin, password: s.adminPassword }),
        })
        const { token: t } = (await loginReply.json()) as { token: string }
        // Several idle connections in the pool: closing them over a silent network never completes.
        await Promise.all(
          Array.from({ length: 6 }, () =>
            fetch(`${s.url}/rest/v1/hcparty/${randomUUID()}`, { headers: { authorization: `Bearer ${t}` } }),
          ),
        )
        proxy.silence()
        // A request waiting on the silent database while the signal arrives.
        const pending = fetch(`${s.url}/rest/v1/hcparty`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: randomUUID(), firstName: 'Late' }),
        }).catch(() => undefined)
        await new Promise((r) => setTimeout(r, 200))
        const started = Date.now()
        // A second signal (SIGINT then SIGTERM, as an impatient operator sends) must not skip the forced exit.
        const code = await s.stop(signals)
        // 3 s of grace, plus process start-up slack on a loaded machine.
        expect(Date.now() - started).toBeLessThan(8_000)
        // The pool could not close its connections: the grace period ran out and the exit was forced.
        expect(code).toBe(1)
        await pending
      } finally {
        proxy.restore()
        await disposeServer(s)
      }
    },
  )
})

run('PostgreSQL turned read-only (as a standby after failover)', () => {
  const role = `cairn_ro_${randomUUID().slice(0, 8)}`
  let server: ServerProcess
  let token = ''
  const admin = () => new pg.Client({ connectionString: DATABASE_URL })
  /** Runs statements as the superuser of the test database. */
  const asAdmin = async (...statements: string[]) => {
    const client = admin()
    await client.connect()
    try {
      for (const statement of statements) await client.query(statement)
    } finally {
      await client.end()
    }
  }
  const terminateServerSessions = () =>
    asAdmin(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = '${pgApplicationName(server.pgSchema!)}'`,
    )
  const request = (method: string, path: string, json?: unknown) =>
    timedRequest(server.url, token, method, path, json)
  const createHcp = (id = randomUUID()) => request('POST', '/rest/v1/hcparty', { id, firstName: 'Ro' })

  beforeAll(async () => {
    await asAdmin(`create role ${role} login superuser`)
    const url = new URL(DATABASE_URL!)
    url.username = role
    url.password = ''
    const s = await startServer({ databaseUrl: url.toString(), env: LIMITS })
    server = { ...s, databaseUrl: DATABASE_URL }
    const login = await request('POST', '/rest/v1/auth/login', {
      username: server.adminLogin,
      password: server.adminPassword,
    })
    token = login.body.token as string
  })

  afterAll(async () => {
    await disposeServer(server)
    await asAdmin(`drop role if exists ${role}`)
  })

  it('writes 503 read-only with Retry-After, reads go on working, /ready 503, healed when writable', async () => {
    const existing = randomUUID()
    expect((await createHcp(existing)).status).toBe(200)
    await asAdmin(`alter role ${role} set default_transaction_read_only = on`)
    await terminateServerSessions()
    // The first calls may meet the terminated sessions (503 unreachable); then the new, read-only ones.
    let readOnly: Awaited<ReturnType<typeof createHcp>> | undefined
    for (let i = 0; i < 10 && !readOnly; i++) {
      const r = await createHcp()
      expect(r.status, JSON.stringify(r.body)).toBe(503)
      expect(r.body.error?.code).toBe('UNAVAILABLE')
      expect(Number(r.retryAfter)).toBeGreaterThan(0)
      if (/read-only/.test(r.body.error!.message)) readOnly = r
    }
    expect(readOnly).toBeDefined()
    expect((await request('GET', `/rest/v1/hcparty/${existing}`)).status).toBe(200)
    const ready = await request('GET', '/ready')
    expect(ready.status).toBe(503)
    expect(ready.body.error?.message).toMatch(/read-only/)
    await asAdmin(`alter role ${role} reset default_transaction_read_only`)
    await terminateServerSessions()
    const deadline = Date.now() + 20_000
    while ((await createHcp()).status !== 200) {
      if (Date.now() > deadline) throw new Error('writes did not come back')
      await new Promise((r) => setTimeout(r, 200))
    }
    expect((await request('GET', '/ready')).status).toBe(200)
    expect(server.output()).toMatch(/database fault: read-only \(25006\)/)
  })
})
