import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserDto } from '@cairn/protocol'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { call, expectError, type Answer } from '../access/http.ts'
import { cairn, eventually, runSql } from '../audit/audit-support.ts'
import { entityDoc } from '../../packages/server/src/testing/in-process-server.ts'
import { startSmtpSink, type SmtpSink } from '../../packages/server/src/testing/smtp-sink.ts'
import { SESSION_TTL_MS } from '../../packages/server/src/auth/session-service.ts'
import { SealedPayload } from '../../packages/server/src/messaging/sealed-payload.ts'

/*
 * Scale-out (docs/scaling.md): two server processes on one PostgreSQL schema, as a deployment behind a
 * round-robin load balancer runs them, share everything through the database: sessions (a token of one
 * is good on the other, a logout or a deactivation through one ends it on the other within the session
 * cache's second), the login throttle, the message gateway's sending limits, the outbox (every message
 * queued through either is delivered exactly once while both workers run) and the access log's hash
 * chain. A third instance with another signing secret is refused while they run, and starts at once
 * once they stopped cleanly; an instance overtaken by one with another secret (it stalled) stops its
 * outbox worker and refuses API requests. Realtime events across instances:
 * tests/realtime/two-instances-*.e2e.test.ts.
 */

const databaseUrl = process.env.DATABASE_URL
const SPEC = 'scale-app'

let counter = 0
/** A fresh client address (TEST-NET-2) per scenario: per-address budgets do not mix scenarios. */
const newAddress = () => `198.51.100.${++counter % 250}`
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}@example.org`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!databaseUrl)('several stateless instances on one PostgreSQL schema', () => {
  let a: ServerProcess
  let b: ServerProcess
  let smtp: SmtpSink
  let admin: string
  let hcpId: string
  let processId: string

  /** A call to `server` from `address` (through the trusted proxy: CAIRN_TRUST_PROXY=1). */
  const on = <T = unknown>(
    server: ServerProcess,
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; address?: string } = {},
  ): Promise<Answer<T>> =>
    call<T>(server.url, method, path, {
      token: opts.token,
      json: opts.json,
      headers: { 'x-forwarded-for': opts.address ?? '198.51.100.251' },
    })
  const login = (server: ServerProcess, username: string, password: string, address = newAddress()) =>
    on<{ token: string; refreshToken: string }>(server, 'POST', '/rest/v1/auth/login', {
      json: { username, password },
      address,
    })
  const newUser = async () => {
    const user = { id: randomUUID(), login: uniqueEmail('user'), password: randomBytes(9).toString('hex') }
    const created = await on<UserDto>(a, 'POST', '/rest/v1/user', { token: admin, json: user })
    expect(created.status, created.text).toBe(200)
    return user
  }
  /** Polls `server` with `token` until it is refused; the ms it took. */
  const refusedWithin = async (server: ServerProcess, token: string) => {
    const started = Date.now()
    for (;;) {
      const res = await on(server, 'GET', '/rest/v1/user/current', { token })
      if (res.status === 401) return Date.now() - started
      expect(res.status).toBe(200)
      if (Date.now() - started > 10_000) throw new Error('never refused')
      await sleep(50)
    }
  }
  /** Starts a code-by-email process for `email` through `server` (one email queued when allowed). */
  const startCode = (server: ServerProcess, email: string, address = newAddress()) =>
    on(server, 'POST', `/msggw/${SPEC}/process/${processId}/${randomUUID()}`, {
      json: { from: email, email, firstName: '', lastName: '', hcpId: '' },
      address,
    })

  beforeAll(async () => {
    smtp = await startSmtpSink()
    const env = {
      // One signing secret for every instance of the deployment (auth/secret-agreement.ts checks it).
      CAIRN_JWT_SECRET: randomBytes(32).toString('hex'),
      CAIRN_TRUST_PROXY: '1',
      CAIRN_SMTP_URL: smtp.url,
      CAIRN_SMTP_FROM: 'cairn@example.org',
      CAIRN_LOGIN_MAX_FAILURES: '3',
      CAIRN_LOGIN_MAX_DELAY_SECONDS: '2',
    }
    a = await startServer({ databaseUrl, env })
    // The second on the same schema, migrated by the first; its own (empty) data directory.
    b = await startServer({ databaseUrl, pgSchema: a.pgSchema, env })
    const adminLogin = await login(a, a.adminLogin, a.adminPassword)
    expect(adminLogin.status, adminLogin.text).toBe(200)
    admin = adminLogin.body.token
    hcpId = randomUUID()
    expect((await on(a, 'POST', '/rest/v1/hcparty', { token: admin, json: { id: hcpId } })).status).toBe(200)
    const app = await on(b, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
      token: admin,
      json: { name: 'Scale app', captcha: 'none' },
    })
    expect(app.status, app.text).toBe(200)
    const process = await on<{ id: string }>(a, 'POST', '/rest/v1/msggw/authprocess', {
      token: admin,
      json: { specId: SPEC, channel: 'email', kind: 'patient', responsibleHcpId: hcpId },
    })
    expect(process.status, process.text).toBe(200)
    processId = process.body.id
  }, 60_000)

  afterAll(async () => {
    // The schema is dropped with the first; the second only stops.
    await b?.stop()
    await disposeServer(a)
    await smtp?.close()
  })

  it('shares sessions: a token of one instance works on the other, and ending it through one ends it on both', async () => {
    const user = await newUser()
    const onA = await login(a, user.login, user.password)
    expect(onA.status, onA.text).toBe(200)
    expect((await on(b, 'GET', '/rest/v1/user/current', { token: onA.body.token })).status).toBe(200)

    // Refresh-token rotation is one row: refreshed through B, the spent token replayed on A revokes it.
    const refreshed = await on<{ token: string }>(b, 'POST', '/rest/v1/auth/refresh', {
      json: { refreshToken: onA.body.refreshToken },
    })
    expect(refreshed.status, refreshed.text).toBe(200)
    expect((await on(a, 'GET', '/rest/v1/user/current', { token: refreshed.body.token })).status).toBe(200)
    expectError(
      await on(a, 'POST', '/rest/v1/auth/refresh', { json: { refreshToken: onA.body.refreshToken } }),
      401,
      'UNAUTHORIZED',
      /already used/,
    )
    // The revocation made on A reaches B within the session cache's time-to-live.
    expect(await refusedWithin(b, refreshed.body.token)).toBeLessThan(SESSION_TTL_MS + 1_000)

    // A logout through A.
    const again = await login(b, user.login, user.password)
    expect((await on(b, 'GET', '/rest/v1/user/current', { token: again.body.token })).status).toBe(200)
    expect((await on(a, 'POST', '/rest/v1/auth/logout', { token: again.body.token })).status).toBe(200)
    expect(await refusedWithin(b, again.body.token)).toBeLessThan(SESSION_TTL_MS + 1_000)

    // A deactivation through A (admin), of a user whose requests go to B.
    const active = await login(b, user.login, user.password)
    expect((await on(b, 'GET', '/rest/v1/user/current', { token: active.body.token })).status).toBe(200)
    const stored = await on<UserDto>(a, 'GET', `/rest/v1/user/${user.id}`, { token: admin })
    const disabled = await on(a, 'PUT', '/rest/v1/user', {
      token: admin,
      json: { ...stored.body, status: 'DISABLED' },
    })
    expect(disabled.status, disabled.text).toBe(200)
    expect(await refusedWithin(b, active.body.token)).toBeLessThan(SESSION_TTL_MS + 1_000)
    expectError(await login(b, user.login, user.password), 401, 'UNAUTHORIZED')
  })

  it('counts failed logins through both instances together', async () => {
    const user = await newUser()
    // CAIRN_LOGIN_MAX_FAILURES=3: three wrong passwords, spread over both instances and addresses...
    for (const server of [a, b, a])
      expectError(await login(server, user.login, 'wrong password'), 401, 'UNAUTHORIZED')
    // ...and the fourth attempt waits, on either instance, even with the right password.
    const refused = await login(b, user.login, user.password)
    expectError(refused, 429, 'RATE_LIMITED')
    expectError(await login(a, user.login, user.password), 429, 'RATE_LIMITED')
    // Once the back-off (at most CAIRN_LOGIN_MAX_DELAY_SECONDS) passed, the right password goes through.
    await sleep(2_100)
    expect((await login(b, user.login, user.password)).status).toBe(200)
  })

  it('shares the message gateway limits: codes sent to one recipient through both instances count together', async () => {
    const email = uniqueEmail('limited')
    // Three starts per recipient without delay, wherever they land; the fourth is refused.
    for (const server of [a, b, a]) expect((await startCode(server, email)).status).toBe(200)
    expectError(await startCode(b, email), 429, 'RATE_LIMITED')
    expectError(await startCode(a, email), 429, 'RATE_LIMITED')
  })

  it('delivers every message queued through either instance exactly once, with both outbox workers running', async () => {
    const recipients = Array.from({ length: 30 }, (_, n) => uniqueEmail(`outbox-${n}`))
    // Queued concurrently, half through each instance, from several client addresses.
    const answers = await Promise.all(
      recipients.map((email, n) => startCode(n % 2 === 0 ? a : b, email, `192.0.2.${10 + (n % 6)}`)),
    )
    expect(answers.map((x) => x.status)).toEqual(recipients.map(() => 200))
    for (const email of recipients) await smtp.waitFor(email, undefined, 20_000)
    // Time for a second delivery, if a message were claimed twice (the workers poll and wake at once).
    await sleep(1_500)
    for (const email of recipients) {
      expect(smtp.mails.filter((m) => m.to.includes(email))).toHaveLength(1)
      expect(smtp.rcpt.filter((r) => r.address === email)).toHaveLength(1)
    }
    // And none is left behind in the outbox.
    const pending = await runSql<{ n: string }>(
      a,
      `select count(*) as n from outbox_message where status <> 'sent'`,
    )
    expect(Number(pending[0].n)).toBe(0)
    // Both workers sent some (each wakes on what its instance queues): no instance stood by.
    for (const server of [a, b]) expect(server.stdout()).toMatch(/"msg":"message [0-9a-f-]+ sent"/)
  })

  it('keeps one verifiable access-log chain under concurrent writes and reads through both instances', async () => {
    const hcp = { login: uniqueEmail('writer'), password: randomBytes(9).toString('hex') }
    const created = await on(a, 'POST', '/rest/v1/user', {
      token: admin,
      json: { id: randomUUID(), ...hcp, healthcarePartyId: hcpId },
    })
    expect(created.status, created.text).toBe(200)
    const tokenA = (await login(a, hcp.login, hcp.password)).body.token
    const tokenB = (await login(b, hcp.login, hcp.password)).body.token
    const ids = Array.from({ length: 80 }, () => randomUUID())
    await Promise.all(
      ids.map(async (id, n) => {
        const [server, token] = n % 2 === 0 ? [a, tokenA] : [b, tokenB]
        const res = await on(server, 'POST', '/rest/v1/patient', {
          token,
          json: entityDoc(id, hcpId, [hcpId]),
        })
        expect(res.status, res.text).toBe(200)
        // Read back through the other instance: a read entry appended by the other writer.
        const [other, otherToken] = n % 2 === 0 ? [b, tokenB] : [a, tokenA]
        expect((await on(other, 'GET', `/rest/v1/patient/${id}`, { token: otherToken })).status).toBe(200)
      }),
    )
    const placeholders = ids.map(() => '?').join(', ')
    await eventually(
      () =>
        runSql<{ action: string; n: string }>(
          a,
          `select action, count(*) as n from audit_log where entity_id in (${placeholders}) group by action order by action`,
          ids,
        ),
      (rows) => rows.map((r) => `${r.action}:${r.n}`).join(' ') === 'create:80 read:80',
      'the creates and reads of both instances in the log',
    )
    const verified = await cairn(a, ['audit', 'verify', '--json'])
    expect(verified.code, verified.stderr).toBe(0)
    const result = JSON.parse(verified.stdout) as { ok: boolean; checked: number; head: { seq: number } }
    expect(result.ok).toBe(true)
    // No gap and no duplicate seq: as many entries as the head's position.
    const [count] = await runSql<{ n: string; top: string }>(
      a,
      'select count(*) as n, max(seq) as top from audit_log',
    )
    expect(Number(count.n)).toBe(Number(count.top))
    expect(result.checked).toBeGreaterThanOrEqual(160)
  })

  it('refuses to start a third instance that signs with another secret, and keeps the others ready', async () => {
    await expect(
      startServer({
        databaseUrl,
        pgSchema: a.pgSchema,
        env: { CAIRN_JWT_SECRET: randomBytes(32).toString('hex') },
      }),
    ).rejects.toThrow(/signs tokens with a different secret: give every instance the same CAIRN_JWT_SECRET/)
    for (const server of [a, b]) expect((await call(server.url, 'GET', '/ready')).status).toBe(200)
  })

  it('starts an instance with a new secret at once after a clean stop; an instance overtaken after a stall stops its outbox and refuses API requests', async () => {
    const env = (secret: string) => ({
      CAIRN_JWT_SECRET: secret,
      CAIRN_TRUST_PROXY: '1',
      CAIRN_SMTP_URL: smtp.url,
      CAIRN_SMTP_FROM: 'cairn@example.org',
    })
    const [first, second, third] = [0, 1, 2].map(() => randomBytes(32).toString('hex'))
    // A schema of its own: this scenario stops and replaces its instances.
    const original = await startServer({ databaseUrl, env: env(first) })
    const started: ServerProcess[] = []
    const start = async (secret: string) => {
      const server = await startServer({ databaseUrl, pgSchema: original.pgSchema, env: env(secret) })
      started.push(server)
      return server
    }
    const adminLogin = (server: ServerProcess) => login(server, 'admin', original.adminPassword)
    try {
      // The emergency rotation of a leaked secret: stopped cleanly, the instance released its claim,
      // and the new secret starts at once (no liveness window to wait for).
      await original.stop()
      const stalled = await start(second)
      expect(stalled.stdout()).toMatch(/differs from the one this database was used with/)
      const token = (await adminLogin(stalled)).body.token
      expect((await on(stalled, 'GET', '/rest/v1/user/current', { token })).status).toBe(200)

      // It stalls past the liveness window (its row ages as if it had not confirmed for a minute), and
      // an instance with yet another secret takes the database over.
      await runSql(original, 'update server_instance set seen = seen - 60000')
      const overtaking = await start(third)
      // Its next confirmation (every 10 s) finds the other secret: overtaken, out of service at once.
      const deadline = Date.now() + 15_000
      while ((await call(stalled.url, 'GET', '/ready')).status !== 503) {
        if (Date.now() > deadline) throw new Error('never overtaken')
        await sleep(200)
      }
      expect(stalled.stdout()).toMatch(/took this database over with a different CAIRN_JWT_SECRET/)
      expect((await call(stalled.url, 'GET', '/health')).status).toBe(200)
      expectError(
        await on(stalled, 'GET', '/rest/v1/user/current', { token }),
        503,
        'UNAVAILABLE',
        /sign tokens with a different secret/,
      )
      expectError(await adminLogin(stalled), 503, 'UNAVAILABLE')
      expect((await adminLogin(overtaking)).status).toBe(200)

      // Messages the instances with the new secret queued and had not sent when they stopped: the
      // overtaken instance, alone on the database, must leave them alone (it cannot open them, and
      // its worker would fail them for good) until an instance with the right secret sends them.
      await overtaking.stop()
      const seal = new SealedPayload(third)
      const recipients = [0, 1, 2].map((n) => uniqueEmail(`queued-${n}`))
      const ids = recipients.map(() => randomUUID())
      for (const [n, email] of recipients.entries())
        await runSql(
          original,
          `insert into outbox_message (id, channel, recipient, kind, payload, status, attempts, next_attempt, created)
           values (?, 'email', ?, 'invitation', ?, 'pending', 0, ?, ?)`,
          [
            ids[n],
            email,
            seal.seal(ids[n], JSON.stringify({ subject: 'Queued', html: '<p>Queued</p>', text: 'Queued' })),
            Date.now(),
            Date.now(),
          ],
        )
      // Longer than a worker's poll (5 s).
      await sleep(7_000)
      const rows = await runSql<{ status: string; attempts: number }>(
        original,
        `select status, attempts from outbox_message where id in (?, ?, ?)`,
        ids,
      )
      expect(rows.map((r) => `${r.status}:${r.attempts}`)).toEqual(ids.map(() => 'pending:0'))
      expect(stalled.output()).not.toMatch(/cannot be opened/)
      await start(third)
      for (const email of recipients) await smtp.waitFor(email, undefined, 20_000)

      // Restarted with its old secret while the new one runs, the stalled instance is refused.
      await stalled.stop()
      await expect(start(second)).rejects.toThrow(/signs tokens with a different secret/)
    } finally {
      for (const server of started) await server.stop()
      await disposeServer(original)
    }
  }, 120_000)
})
