import { randomBytes, randomUUID } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { entityDoc } from '../../packages/server/src/testing/in-process-server.ts'
import { openTestSocket, type TestSocket } from '../../packages/server/src/testing/realtime-test-client.ts'
import { startRedis, type RedisProcess } from '../../packages/server/src/testing/redis-process.ts'
import { redisEventChannel } from '../../packages/server/src/realtime/redis-event-signal.ts'
import { professionalOnBoth, rawHttp } from './two-instance-support.ts'

/*
 * CAIRN_REALTIME_REDIS_URL: two server processes on one PostgreSQL schema signal each other through a
 * password-protected redis-server started for the test (no LISTEN/NOTIFY then), with the safety-net
 * poll at a minute so that only the Redis signal can deliver in time. With SQLite the setting is
 * refused at start.
 */

const databaseUrl = process.env.DATABASE_URL
const PASSWORD = 'e2e-redis-secret-81c2'

describe('realtime through Redis', () => {
  let redis: RedisProcess
  let first: ServerProcess | undefined
  let second: ServerProcess | undefined
  const sockets: TestSocket[] = []
  const env = () => ({
    CAIRN_JWT_SECRET: randomBytes(32).toString('hex'),
    CAIRN_REALTIME_POLL_MS: '60000',
    CAIRN_REALTIME_REDIS_URL: redis.url,
  })

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD })
  })

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate()
    await second?.stop()
    await disposeServer(first)
    await redis?.stop()
  })

  it('is refused at start on SQLite (one instance, nothing to signal)', async () => {
    const failed = await startServer({ env: env() }).then(
      (server) => disposeServer(server).then(() => ''),
      (error: Error) => error.message,
    )
    expect(failed).toContain('CAIRN_REALTIME_REDIS_URL needs PostgreSQL')
    expect(failed).not.toContain(PASSWORD)
  })

  it.skipIf(!databaseUrl)(
    'carries a write through one PostgreSQL instance to a subscriber of the other',
    async () => {
      const shared = env()
      first = await startServer({ databaseUrl, env: shared })
      // The second one on the same schema (migrated by the first).
      second = await startServer({ databaseUrl, pgSchema: first.pgSchema, env: shared })

      // Both instances are subscribed to the deployment's channel on this Redis.
      const probe = createClient({ url: redis.url })
      await probe.connect()
      const channel = redisEventChannel(databaseUrl!, first.pgSchema!)
      const subscribers = await probe.pubSubNumSub(channel)
      probe.destroy()
      expect(subscribers[channel]).toBe(2)

      const { hcpId, onFirst, onSecond } = await professionalOnBoth(first, second, 'redis@example.org')

      const socket = await openTestSocket(second.url, { token: onSecond })
      sockets.push(socket)
      socket.send({ type: 'subscribe', entityType: 'patient', eventTypes: ['CREATE', 'UPDATE'] })
      expect(await socket.next()).toMatchObject({ type: 'subscribed' })

      const id = randomUUID()
      const started = Date.now()
      await rawHttp(first, 'POST', '/patient', onFirst, entityDoc(id, hcpId, [hcpId]))
      expect(await socket.next(10_000)).toMatchObject({
        type: 'event',
        eventType: 'CREATE',
        entityType: 'patient',
        id,
      })
      // Through the Redis signal, not the minute-long poll.
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(first.output() + second.output()).not.toContain(PASSWORD)
    },
  )
})
