import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { startRedis, type RedisProcess } from '../testing/redis-process.ts'
import { RedisEventSignal, redisEventChannel, redisReconnectDelay } from './redis-event-signal.ts'

/*
 * The Redis signal against a real redis-server started for the test (Debian's /usr/bin/redis-server,
 * password-protected so that the logs can be checked for it): signals between two instances of one
 * channel, none across channels, subscribing again after Redis restarted, and no password in the logs.
 */

const PASSWORD = 'redis-test-secret-3f9a'

/** Resolves once `count()` reached `n`, or fails after `ms`. */
async function until(count: () => number, n: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${n}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('redisEventChannel and redisReconnectDelay', () => {
  it('names a channel per database and schema, and backs off from 0.1 s doubling to 10 s', () => {
    expect(redisEventChannel('postgres://u:p@db:5432/cairn', 'public')).toBe('cairn:events:cairn:public')
    expect(redisEventChannel('postgres://db/other', 'public')).not.toBe(
      redisEventChannel('postgres://db/cairn', 'public'),
    )
    expect(redisEventChannel('postgres://db/cairn', 'e2e_a')).not.toBe(
      redisEventChannel('postgres://db/cairn', 'e2e_b'),
    )
    expect([0, 1, 2, 7, 8, 50, 5_000].map(redisReconnectDelay)).toEqual([
      100, 200, 400, 10_000, 10_000, 10_000, 10_000,
    ])
  })
})

describe('CAIRN_REALTIME_REDIS_URL', () => {
  const pg = { DATABASE_URL: 'postgres://db/cairn' }
  const load = (env: Record<string, string>) => () => loadConfig({ CAIRN_JWT_SECRET: 'x', ...env })

  it('takes a redis:// or rediss:// URL with PostgreSQL, and never repeats it in an error', () => {
    expect(
      load({ ...pg, CAIRN_REALTIME_REDIS_URL: 'rediss://:pw@r.example.org:6380/2' })().realtimeRedisUrl,
    ).toBe('rediss://:pw@r.example.org:6380/2')
    expect(load(pg)().realtimeRedisUrl).toBeUndefined()
    expect(load({ ...pg, CAIRN_REALTIME_REDIS_URL: 'http://:pw@r:6379' })).toThrow('must start with redis://')
    expect(load({ ...pg, CAIRN_REALTIME_REDIS_URL: 'not a url' })).toThrow('must be a URL')
    expect(load({ ...pg, CAIRN_REALTIME_REDIS_URL: 'redis://:pw@r/x?tls=1' })).toThrow('database number only')
    expect(load({ CAIRN_REALTIME_REDIS_URL: 'redis://:hidden-pw@r:6379' })).toThrow(
      /^CAIRN_REALTIME_REDIS_URL needs PostgreSQL \(DATABASE_URL\)/,
    )
    try {
      load({ CAIRN_REALTIME_REDIS_URL: 'redis://:hidden-pw@r:6379' })()
    } catch (error) {
      expect((error as Error).message).not.toContain('hidden-pw')
    }
  })
})

describe('RedisEventSignal (redis-server)', () => {
  let redis: RedisProcess
  const logged: string[] = []
  const log = {
    warn: (details: object, message: string) => logged.push(JSON.stringify(details) + message),
    info: (details: object, message: string) => logged.push(JSON.stringify(details) + message),
  }

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD })
  })

  afterAll(async () => {
    await redis?.stop()
  })

  it('wakes the instances of its channel only, and subscribes again after Redis restarted', async () => {
    const channel = redisEventChannel('postgres://db/cairn', `sig_${Math.random().toString(36).slice(2, 10)}`)
    const a = new RedisEventSignal(redis.url, channel, log)
    const b = new RedisEventSignal(redis.url, channel, log)
    const other = new RedisEventSignal(redis.url, `${channel}_x`, log)
    let onA = 0
    let onB = 0
    let onOther = 0
    a.onSignal(() => onA++)
    b.onSignal(() => onB++)
    other.onSignal(() => onOther++)
    try {
      await Promise.all([a.init(), b.init(), other.init()])
      expect([a.listening, b.listening, other.listening]).toEqual([true, true, true])
      // Each is woken once when it starts listening.
      expect([onA, onB, onOther]).toEqual([1, 1, 1])
      a.publish('1')
      await until(() => onB, 2)
      await until(() => onA, 2) // the publisher's own instance too, as with NOTIFY

      // Redis goes away: nothing is queued meanwhile, and the subscribers are woken once it is back.
      await redis.stop()
      await until(() => (a.listening || b.listening ? 0 : 1), 1)
      a.publish('2') // dropped, not queued: the poll covers
      const beforeRestart = onB
      await redis.restart()
      await until(() => (a.listening && b.listening ? 1 : 0), 1, 10_000)
      await until(() => onB, beforeRestart + 1)
      // Exactly one wake-up for the return (the dropped publish is not replayed).
      await new Promise((r) => setTimeout(r, 300))
      expect(onB).toBe(beforeRestart + 1)

      const afterRestart = onB
      a.publish('3')
      await until(() => onB, afterRestart + 1)
      // Its own first subscription and its own return only, never the other channel's signals.
      expect(onOther).toBe(2)
      expect(logged.some((l) => l.includes('Redis connection is down'))).toBe(true)
      expect(logged.some((l) => l.includes('Redis connection is back'))).toBe(true)
      expect(logged.join('\n')).not.toContain(PASSWORD)
    } finally {
      await Promise.all([a.close(), b.close(), other.close()])
    }
  })

  it('publishes one at a time: a burst becomes its first head and its newest', async () => {
    const channel = `cairn:events:test:burst_${Math.random().toString(36).slice(2, 10)}`
    const heads: string[] = []
    const raw = createClient({ url: redis.url })
    await raw.connect()
    await raw.subscribe(channel, (message) => heads.push(message))
    const signal = new RedisEventSignal(redis.url, channel, log)
    try {
      await signal.init()
      for (let head = 1; head <= 50; head++) signal.publish(String(head))
      await until(() => heads.length, 2)
      await new Promise((r) => setTimeout(r, 200))
      expect(heads).toEqual(['1', '50'])
    } finally {
      await signal.close()
      raw.destroy()
    }
  })

  it('starts without Redis (the poll delivers) and subscribes once it comes up', async () => {
    const down = await startRedis()
    const url = down.url
    await down.stop()
    const channel = `cairn:events:test:late_${Math.random().toString(36).slice(2, 10)}`
    const signal = new RedisEventSignal(url, channel, log, 300)
    let woken = 0
    signal.onSignal(() => woken++)
    try {
      const started = Date.now()
      await signal.init()
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(signal.listening).toBe(false)
      await down.restart()
      await until(() => woken, 1, 15_000)
      expect(signal.listening).toBe(true)
    } finally {
      await signal.close()
      await down.stop()
    }
  })
})
