import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventMessage } from '@cairn/protocol'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { entityDoc } from '../../packages/server/src/testing/in-process-server.ts'
import { openTestSocket, type TestSocket } from '../../packages/server/src/testing/realtime-test-client.ts'
import { professionalOnBoth, rawHttp } from './two-instance-support.ts'

/*
 * Two server processes on one PostgreSQL schema, as a multi-instance deployment runs them: a write
 * through one reaches a raw WebSocket subscriber of the other, through the event log and LISTEN/NOTIFY
 * alone (the safety-net poll is set to a minute, so that only the notification can deliver in time).
 */

const databaseUrl = process.env.DATABASE_URL

describe.skipIf(!databaseUrl)('realtime across two server processes on one PostgreSQL schema', () => {
  let first: ServerProcess
  let second: ServerProcess
  const sockets: TestSocket[] = []
  const env = {
    CAIRN_JWT_SECRET: randomBytes(32).toString('hex'),
    CAIRN_REALTIME_POLL_MS: '60000',
  }

  beforeAll(async () => {
    first = await startServer({ databaseUrl, env })
    // The second one on the same schema (migrated by the first).
    second = await startServer({ databaseUrl, pgSchema: first.pgSchema, env })
  })

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate()
    // The schema is dropped with the first; the second only stops.
    await second?.stop()
    await disposeServer(first)
  })

  it('a write through one instance reaches a subscriber of the other, and a reconnection there gets what it missed', async () => {
    const { hcpId, onFirst, onSecond } = await professionalOnBoth(first, second, 'two@example.org')

    const socket = await openTestSocket(second.url, { token: onSecond })
    sockets.push(socket)
    socket.send({ type: 'subscribe', entityType: 'patient', eventTypes: ['CREATE', 'UPDATE'] })
    expect(await socket.next()).toMatchObject({ type: 'subscribed' })

    const id = randomUUID()
    const started = Date.now()
    await rawHttp(first, 'POST', '/patient', onFirst, entityDoc(id, hcpId, [hcpId]))
    const event = (await socket.next(10_000)) as EventMessage
    expect(event).toMatchObject({ type: 'event', eventType: 'CREATE', entityType: 'patient', id })
    // Through the notification, not the minute-long poll.
    expect(Date.now() - started).toBeLessThan(5_000)
    socket.ws.close()

    // Missed while disconnected, written through the first, replayed by the second from the cursor.
    const missed = randomUUID()
    await rawHttp(first, 'POST', '/patient', onFirst, entityDoc(missed, hcpId, [hcpId]))
    const again = await openTestSocket(second.url, { token: onSecond })
    sockets.push(again)
    again.send({ type: 'subscribe', entityType: 'patient', eventTypes: ['CREATE'], since: event.cursor })
    // Replayed when the second instance had read it before the subscription, live otherwise: never lost.
    const messages = [await again.next(10_000), await again.next(10_000)]
    expect(messages.filter((m) => m.type === 'event')).toEqual([
      expect.objectContaining({ type: 'event', id: missed }),
    ])
    expect(messages.map((m) => m.type)).toContain('subscribed')
  })
})
