import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  API_PREFIX,
  REALTIME_CLOSE_CODES,
  ROUTES,
  routePath,
  type EventMessage,
  type ServerMessage,
} from '@cairn/protocol'
import { loadConfig } from '../config.ts'
import { CairnServer } from '../server.ts'
import { createStorage } from '../storage/create-storage.ts'
import { HCP_PASSWORD, entityDoc } from '../testing/in-process-server.ts'
import { openTestSocket, type TestSocket } from '../testing/realtime-test-client.ts'

/*
 * The realtime socket against a real server listening on a port (SQLite), with a raw `ws` client:
 * authentication (bearer, ticket), validation and access refusals, delivery within access and
 * filters, replay and resync, the slow-consumer bound and the keep-alive.
 */

const PING_MS = 300
const QUEUE_LIMIT = 4

describe('realtime socket (real server, SQLite)', () => {
  let server: CairnServer
  let base: string
  let dataDir: string
  let admin: string
  let a: { hcpId: string; userId: string; token: string }
  let b: { hcpId: string; userId: string; token: string }
  const sockets: TestSocket[] = []

  async function http<T = unknown>(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return (text ? JSON.parse(text) : undefined) as T
  }

  const login = async (username: string, password: string) =>
    (
      await http<{ token: string }>('POST', API_PREFIX + routePath(ROUTES.login), undefined, {
        username,
        password,
      })
    ).token

  async function createHcp(userLogin: string) {
    const hcpId = randomUUID()
    await http('POST', API_PREFIX + routePath(ROUTES.healthcareProfessional.create), admin, { id: hcpId })
    const user = await http<{ id: string }>('POST', API_PREFIX + routePath(ROUTES.createUser), admin, {
      id: randomUUID(),
      login: userLogin,
      password: HCP_PASSWORD,
      healthcarePartyId: hcpId,
    })
    return { hcpId, userId: user.id, token: await login(userLogin, HCP_PASSWORD) }
  }

  /** Creates data samples of `owner` (one request: one batch of events); returns their ids. */
  async function createSamples(owner: typeof a, count = 1, sfk = 'sfk-1'): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID())
    await http(
      'POST',
      `${API_PREFIX}/datasample/batch`,
      owner.token,
      ids.map((id) => entityDoc(id, owner.hcpId, [owner.hcpId], [sfk])),
    )
    return ids
  }

  async function open(auth: Parameters<typeof openTestSocket>[1], options?: { autoPong?: boolean }) {
    const socket = await openTestSocket(base, auth, options)
    sockets.push(socket)
    return socket
  }

  /** Opens and subscribes; returns the socket and the `subscribed` message (after any replay). */
  async function subscribe(token: string, message: Record<string, unknown>) {
    const socket = await open({ token })
    socket.send({ type: 'subscribe', eventTypes: ['CREATE', 'UPDATE', 'DELETE'], ...message })
    return socket
  }

  async function untilSubscribed(socket: TestSocket): Promise<ServerMessage[]> {
    const before: ServerMessage[] = []
    for (;;) {
      const m = await socket.next()
      if (m.type === 'subscribed') return before
      before.push(m)
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-realtime-'))
    server = new CairnServer(
      loadConfig(
        {},
        {
          dataDir,
          adminPassword: 'admin-password-for-tests',
          logLevel: 'silent',
          port: 0,
          realtimePingMs: PING_MS,
          realtimeQueueLimit: QUEUE_LIMIT,
          realtimePollMs: 200,
          corsOrigins: ['https://app.example.org'],
        },
      ),
    )
    await server.init()
    base = await server.listen()
    admin = await login('admin', 'admin-password-for-tests')
    a = await createHcp('rt-a@example.org')
    b = await createHcp('rt-b@example.org')
  })

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate()
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses an upgrade without a valid token, with a bad token, and from a foreign browser origin', async () => {
    await expect(openTestSocket(base, {})).rejects.toThrow('HTTP 401')
    await expect(openTestSocket(base, { token: 'not-a-token' })).rejects.toThrow('HTTP 401')
    await expect(
      openTestSocket(base, { token: a.token, origin: 'https://evil.example.org' }),
    ).rejects.toThrow('HTTP 403')
    const allowed = await open({ token: a.token, origin: 'https://app.example.org' })
    allowed.ws.close()
  })

  it('delivers the events of what the subscriber may read, in order, never those of another data owner', async () => {
    const socket = await subscribe(a.token, { entityType: 'dataSample' })
    expect(await untilSubscribed(socket)).toEqual([])
    await createSamples(b, 1)
    const [first] = await createSamples(a, 1)
    const e1 = (await socket.next()) as EventMessage
    expect(e1).toMatchObject({ type: 'event', eventType: 'CREATE', entityType: 'dataSample', id: first })
    expect(e1.entity).toMatchObject({
      id: first,
      systemMetaData: { delegations: { [a.hcpId]: expect.anything() as unknown } },
    })
    expect(e1.replayed).toBeUndefined()

    // A modification is an UPDATE, a deletion a DELETE, in that order.
    const stored = await http<{ rev: string }>('GET', `${API_PREFIX}/datasample/${first}`, a.token)
    await http('PUT', `${API_PREFIX}/datasample`, a.token, { ...stored, comment: 'changed' })
    await http('DELETE', `${API_PREFIX}/datasample/${first}`, a.token)
    await createSamples(b, 1)
    const e2 = (await socket.next()) as EventMessage
    const e3 = (await socket.next()) as EventMessage
    expect([e2.eventType, e3.eventType]).toEqual(['UPDATE', 'DELETE'])
    expect(BigInt(e2.cursor) > BigInt(e1.cursor) && BigInt(e3.cursor) > BigInt(e2.cursor)).toBe(true)
    // B's samples never arrived: nothing else is waiting after a last event of A's.
    const [last] = await createSamples(a, 1)
    expect(await socket.next()).toMatchObject({ id: last })
    socket.ws.close()
  })

  it('evaluates the filter against each event, and refuses a filter naming another data owner (4403)', async () => {
    const socket = await subscribe(a.token, {
      entityType: 'dataSample',
      eventTypes: ['CREATE'],
      filter: {
        $type: 'DataSampleByHealthcarePartyPatientFilter',
        healthcarePartyId: a.hcpId,
        patientSecretForeignKeys: ['wanted'],
      },
    })
    await untilSubscribed(socket)
    await createSamples(a, 1, 'other')
    const [wanted] = await createSamples(a, 1, 'wanted')
    expect(await socket.next()).toMatchObject({ type: 'event', id: wanted })
    socket.ws.close()

    const foreign = await subscribe(a.token, {
      entityType: 'dataSample',
      filter: { $type: 'DataSampleByHealthcarePartyFilter', hcpId: b.hcpId },
    })
    expect(await foreign.next()).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN' } })
    expect((await foreign.closed).code).toBe(REALTIME_CLOSE_CODES.forbidden)
  })

  it('closes with 4400 on a malformed subscribe message or a second subscribe', async () => {
    const bad = await open({ token: a.token })
    bad.send({ type: 'subscribe', entityType: 'exchangeKey', eventTypes: ['CREATE'] })
    expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } })
    expect((await bad.closed).code).toBe(REALTIME_CLOSE_CODES.badRequest)

    const badFilter = await open({ token: a.token })
    badFilter.send({
      type: 'subscribe',
      entityType: 'patient',
      eventTypes: ['CREATE'],
      filter: { $type: 'DataSampleByIdsFilter', ids: [] },
    })
    expect((await badFilter.closed).code).toBe(REALTIME_CLOSE_CODES.badRequest)

    const twice = await subscribe(a.token, { entityType: 'patient' })
    await untilSubscribed(twice)
    twice.send({ type: 'subscribe', entityType: 'patient', eventTypes: ['CREATE'] })
    expect((await twice.closed).code).toBe(REALTIME_CLOSE_CODES.badRequest)
  })

  it('authenticates with a single-use ticket', async () => {
    const { ticket, expiresAt } = await http<{ ticket: string; expiresAt: number }>(
      'POST',
      API_PREFIX + routePath(ROUTES.realtime.ticket),
      a.token,
    )
    expect(expiresAt).toBeGreaterThan(Date.now())
    const socket = await open({ ticket })
    socket.send({ type: 'subscribe', entityType: 'dataSample', eventTypes: ['CREATE'] })
    await untilSubscribed(socket)
    const [id] = await createSamples(a, 1)
    expect(await socket.next()).toMatchObject({ type: 'event', id })
    await expect(openTestSocket(base, { ticket })).rejects.toThrow('HTTP 401')
    await expect(openTestSocket(base, { ticket: 'made-up' })).rejects.toThrow('HTTP 401')
    socket.ws.close()
  })

  it('replays what a reconnecting client missed after its cursor, then goes live without loss or duplicate', async () => {
    const socket = await subscribe(a.token, { entityType: 'dataSample' })
    await untilSubscribed(socket)
    const [seen] = await createSamples(a, 1)
    const cursor = ((await socket.next()) as EventMessage).cursor
    socket.ws.close()
    await socket.closed
    const missed = [...(await createSamples(a, 2)), ...(await createSamples(a, 1))]

    const again = await subscribe(a.token, { entityType: 'dataSample', since: cursor })
    const replayed = (await untilSubscribed(again)) as EventMessage[]
    expect(replayed.map((m) => m.id)).toEqual(missed)
    expect(replayed.every((m) => m.replayed === true && m.type === 'event')).toBe(true)
    expect(replayed.map((m) => m.id)).not.toContain(seen)
    const [live] = await createSamples(a, 1)
    expect(await again.next()).toMatchObject({ id: live })
    // Nothing twice: the next event after the live one is the next write.
    const [after] = await createSamples(a, 1)
    expect(await again.next()).toMatchObject({ id: after })
  })

  it('sends resync when the cursor is older than what is kept, or ahead of the log', async () => {
    const socket = await subscribe(a.token, { entityType: 'dataSample' })
    await untilSubscribed(socket)
    await createSamples(a, 1)
    const old = ((await socket.next()) as EventMessage).cursor
    await createSamples(a, 1)
    await createSamples(a, 1)
    // Both recorded (the recorder appends a few ms after the answer) before the log is pruned.
    await socket.next()
    await socket.next()
    socket.ws.close()
    // Another process on the same database prunes everything but the newest row.
    const other = createStorage({ dataDir, sqliteBusyTimeoutMs: 5_000 })
    await other.init()
    const head = await other.eventLog.head()
    expect(await other.eventLog.prune(Date.now() + 1_000)).toBeGreaterThan(0)
    await other.close()

    const late = await subscribe(a.token, { entityType: 'dataSample', since: old })
    const before = await untilSubscribed(late)
    expect(before).toEqual([
      { type: 'resync', cursor: String(head), reason: expect.stringContaining('no longer kept') as unknown },
    ])
    const [live] = await createSamples(a, 1)
    expect(await late.next()).toMatchObject({ type: 'event', id: live })

    const ahead = await subscribe(a.token, { entityType: 'dataSample', since: String(head + 1000) })
    expect(await ahead.next()).toMatchObject({
      type: 'resync',
      reason: expect.stringContaining('ahead') as unknown,
    })
  })

  it('closes a slow consumer with 4409 when more events wait than its queue holds', async () => {
    const socket = await subscribe(a.token, { entityType: 'dataSample' })
    await untilSubscribed(socket)
    await createSamples(a, QUEUE_LIMIT + 2)
    const closed = await socket.closed
    expect(closed.code).toBe(REALTIME_CLOSE_CODES.slowConsumer)
    expect(closed.reason).toMatch(/^slow consumer: /)
    expect(socket.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'SLOW_CONSUMER' } })
  })

  it('pings; a client that answers stays, one that does not is closed with 4408', async () => {
    const answering = await subscribe(a.token, { entityType: 'patient' })
    const silent = await open({ token: a.token }, { autoPong: false })
    silent.send({ type: 'subscribe', entityType: 'patient', eventTypes: ['CREATE'] })
    const closed = await silent.closed
    expect(closed.code).toBe(REALTIME_CLOSE_CODES.timeout)
    expect(silent.messages.some((m) => m.type === 'ping')).toBe(true)
    await new Promise((r) => setTimeout(r, PING_MS * 3))
    expect(answering.ws.readyState).toBe(answering.ws.OPEN)
    expect(answering.messages.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(2)
    answering.ws.close()
  })

  it('closes with 4401 once the session was ended (logout)', async () => {
    const c = await createHcp('rt-c@example.org')
    const socket = await subscribe(c.token, { entityType: 'patient' })
    await untilSubscribed(socket)
    await http('POST', API_PREFIX + routePath(ROUTES.logout), c.token)
    const closed = await socket.closed
    expect(closed.code).toBe(REALTIME_CLOSE_CODES.unauthorized)
  })

  it("closes with 4401 once the user's rights changed (a demoted admin keeps no admin subscription)", async () => {
    const created = await http<{ id: string; rev: string }>(
      'POST',
      API_PREFIX + routePath(ROUTES.createUser),
      admin,
      { id: randomUUID(), login: 'rt-admin2@example.org', password: HCP_PASSWORD, roles: ['ADMIN'] },
    )
    const token = await login('rt-admin2@example.org', HCP_PASSWORD)
    const socket = await subscribe(token, { entityType: 'user' })
    await untilSubscribed(socket)
    // Another user's change reaches the admin.
    await http('POST', `${API_PREFIX}/user/current/sharing/add`, b.token, {
      dataOwnerIds: [a.hcpId],
      type: 'administrativeData',
    })
    expect(await socket.next()).toMatchObject({ type: 'event', id: b.userId })
    const stored = await http<Record<string, unknown>>('GET', `${API_PREFIX}/user/${created.id}`, admin)
    await http('PUT', `${API_PREFIX}/user`, admin, { ...stored, roles: [] })
    const closed = await Promise.race([
      socket.closed,
      new Promise<undefined>((r) => setTimeout(r, PING_MS * 5)),
    ])
    expect(closed?.code).toBe(REALTIME_CLOSE_CODES.unauthorized)
  })

  it("carries the subscription's cursor in pings, advancing past events a filter left out", async () => {
    const socket = await subscribe(a.token, {
      entityType: 'dataSample',
      filter: {
        $type: 'DataSampleByHealthcarePartyPatientFilter',
        healthcarePartyId: a.hcpId,
        patientSecretForeignKeys: ['never-used'],
      },
    })
    await untilSubscribed(socket)
    await createSamples(a, 2, 'other')
    await createSamples(b, 1)
    // Recorded a few ms after the answers: then the head is the last of these writes (or later).
    await new Promise((r) => setTimeout(r, 200))
    const other = createStorage({ dataDir, sqliteBusyTimeoutMs: 5_000 })
    await other.init()
    const head = await other.eventLog.head()
    await other.close()
    // A ping after the writes carries a cursor at or past them, though the subscriber was sent none.
    const cursors = () =>
      socket.messages.flatMap((m) => (m.type === 'ping' && m.cursor ? [BigInt(m.cursor)] : []))
    const deadline = Date.now() + PING_MS * 6
    while (Date.now() < deadline && !cursors().some((c) => c >= head))
      await new Promise((r) => setTimeout(r, 50))
    expect(cursors().some((c) => c >= head)).toBe(true)
    expect(socket.messages.filter((m) => m.type === 'event')).toEqual([])
    socket.ws.close()
  })

  it('sends a user its own user events, and another user none', async () => {
    const mine = await subscribe(a.token, { entityType: 'user' })
    const others = await subscribe(b.token, { entityType: 'user' })
    await untilSubscribed(mine)
    await untilSubscribed(others)
    await http('POST', `${API_PREFIX}/user/current/sharing/add`, a.token, {
      dataOwnerIds: [b.hcpId],
      type: 'medicalInformation',
    })
    const event = (await mine.next()) as EventMessage
    expect(event).toMatchObject({ type: 'event', entityType: 'user', eventType: 'UPDATE', id: a.userId })
    expect(JSON.stringify(event.entity)).not.toMatch(/passwordHash|hash/i)
    await new Promise((r) => setTimeout(r, 300))
    expect(others.messages.filter((m) => m.type === 'event')).toEqual([])
  })
})
