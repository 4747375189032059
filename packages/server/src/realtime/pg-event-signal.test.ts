import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PgEventSignal, pgEventChannel } from './pg-event-signal.ts'

/*
 * The PostgreSQL signal against a real database (DATABASE_URL): notifications between two signals of
 * one schema, none across schemas, listening again after the connection was killed or went silent
 * (through a TCP relay that can freeze its connections), and no NOTIFY piling up on a stalled one.
 */

const databaseUrl = process.env.DATABASE_URL
const quiet = { warn: () => undefined, info: () => undefined }

/** Resolves once `count()` reached `n`, or fails after 5 s. */
async function until(count: () => number, n: number): Promise<void> {
  const deadline = Date.now() + 5_000
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${n} signals`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('pgEventChannel', () => {
  it('names a channel per schema and refuses names that are not plain schema names', () => {
    expect(pgEventChannel('e2e_abc')).toBe('cairn_events_e2e_abc')
    expect(() => pgEventChannel('a"; drop')).toThrow('invalid PostgreSQL schema name')
  })
})

describe.skipIf(!databaseUrl)('PgEventSignal (PostgreSQL)', () => {
  it('wakes the instances of its schema only, and listens again after its connection was killed', async () => {
    const schema = `sig_${Math.random().toString(36).slice(2, 10)}`
    const a = new PgEventSignal(databaseUrl!, schema, quiet)
    const b = new PgEventSignal(databaseUrl!, schema, quiet)
    const other = new PgEventSignal(databaseUrl!, `${schema}_x`, quiet)
    let onB = 0
    let onOther = 0
    b.onSignal(() => onB++)
    other.onSignal(() => onOther++)
    await Promise.all([a.init(), b.init(), other.init()])
    const afterInit = onB
    a.publish('1')
    await until(() => onB, afterInit + 1)

    // Kill every listening session of the schema's channel: b connects again and is woken once then.
    const admin = new pg.Client({ connectionString: databaseUrl })
    await admin.connect()
    await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()`,
      [`cairn:${schema}`],
    )
    await admin.end()
    const beforeReconnect = onB
    await until(() => (b.listening && a.listening ? 1 : 0), 1)
    expect(onB).toBeGreaterThan(beforeReconnect)
    const afterReconnect = onB
    a.publish('2')
    await until(() => onB, afterReconnect + 1)
    expect(onOther).toBe(1) // its own first listen only, never the other schema's notifications
    await Promise.all([a.close(), b.close(), other.close()])
  })
})

/**
 * A TCP relay to the database whose current connections can be frozen (nothing forwarded, nothing
 * closed: a silently dropped flow) and thawed; connections made later are relayed normally.
 */
async function freezableRelay(url: URL) {
  const pairs: [Socket, Socket][] = []
  const server = createServer((client) => {
    const upstream = connect(Number(url.port || 5432), url.hostname)
    client.pipe(upstream)
    upstream.pipe(client)
    for (const [one, other] of [
      [client, upstream],
      [upstream, client],
    ]) {
      one.on('error', () => other.destroy())
      one.on('close', () => other.destroy())
    }
    pairs.push([client, upstream])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const relayed = new URL(url)
  relayed.hostname = '127.0.0.1'
  relayed.port = String((server.address() as AddressInfo).port)
  let frozen: [Socket, Socket][] = []
  return {
    url: relayed.toString(),
    freeze() {
      frozen = pairs.splice(0)
      for (const [client, upstream] of frozen) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        client.pause()
        upstream.pause()
      }
    },
    thaw() {
      for (const [client, upstream] of frozen) {
        client.pipe(upstream)
        upstream.pipe(client)
        pairs.push([client, upstream])
      }
      frozen = []
    },
    async close() {
      for (const [client, upstream] of [...pairs, ...frozen]) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A plain listener of `schema`'s channel, connected directly: the payloads it receives. */
async function listenTo(schema: string) {
  const client = new pg.Client({ connectionString: databaseUrl })
  const payloads: string[] = []
  client.on('notification', (m) => payloads.push(m.payload ?? ''))
  await client.connect()
  await client.query(`LISTEN "${pgEventChannel(schema)}"`)
  return { payloads, close: () => client.end() }
}

describe.skipIf(!databaseUrl)('PgEventSignal liveness (PostgreSQL)', () => {
  it('replaces a listening connection that went silent (watchdog), and signals again', async () => {
    const relay = await freezableRelay(new URL(databaseUrl!))
    const schema = `sig_${Math.random().toString(36).slice(2, 10)}`
    const warnings: string[] = []
    const signal = new PgEventSignal(
      relay.url,
      schema,
      { warn: (_d, m) => void warnings.push(m), info: () => undefined },
      5_000,
      { watchdogEveryMs: 100, watchdogTimeoutMs: 200 },
    )
    const listener = await listenTo(schema)
    await signal.init()
    relay.freeze()
    await until(() => warnings.length, 1)
    await until(() => (signal.listening ? 1 : 0), 1)
    signal.publish('7')
    await until(() => listener.payloads.length, 1)
    expect(listener.payloads).toEqual(['7'])
    await signal.close()
    await listener.close()
    await relay.close()
  })

  it('sends one NOTIFY at a time: those published while one is stalled are skipped, not queued', async () => {
    const relay = await freezableRelay(new URL(databaseUrl!))
    const schema = `sig_${Math.random().toString(36).slice(2, 10)}`
    const signal = new PgEventSignal(relay.url, schema, quiet)
    const listener = await listenTo(schema)
    await signal.init()
    relay.freeze()
    for (let i = 1; i <= 50; i++) signal.publish(String(i))
    await new Promise((r) => setTimeout(r, 100))
    relay.thaw()
    await until(() => listener.payloads.length, 1)
    await new Promise((r) => setTimeout(r, 300))
    expect(listener.payloads).toEqual(['1'])
    // Once answered, the next one goes.
    signal.publish('51')
    await until(() => listener.payloads.length, 2)
    expect(listener.payloads).toEqual(['1', '51'])
    await signal.close()
    await listener.close()
    await relay.close()
  })
})
