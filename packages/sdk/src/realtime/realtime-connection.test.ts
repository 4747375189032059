import { afterEach, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { EventMessage, SubscribeMessage } from '@cairn/protocol'
import { HttpClient } from '../http/http-client.ts'
import { RealtimeConnection } from './realtime-connection.ts'
import { resolveSubscriptionOptions, type SubscriptionOptions } from './subscription-options.ts'

/**
 * The connection's flow control and cursor against a scripted peer: a real `ws` server in this process
 * that speaks the wire protocol (docs/realtime.md) as each test says, so that the test decides exactly
 * what is sent and when, and sees what the client sends back and how fast it reads. The SDK side is
 * the real connection over real sockets (Node path: `ws`, anonymous client, no bearer header).
 */

/** One socket of the scripted server, with what its client sent. */
interface Peer {
  ws: WebSocket
  subscribe: SubscribeMessage
  pongs: number
}

let server: WebSocketServer | undefined
const connections: RealtimeConnection<EventMessage>[] = []

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** Starts the scripted server; `onSubscribe` runs for each socket's subscribe message. */
async function scriptedServer(onSubscribe: (peer: Peer, index: number) => void): Promise<string> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  let count = 0
  server.on('connection', (ws) => {
    const index = count++
    let peer: Peer | undefined
    ws.on('message', (data) => {
      // Text frames only in this protocol: one Buffer each.
      const message = JSON.parse((data as Buffer).toString('utf8')) as { type: string }
      if (message.type === 'pong') {
        if (peer) peer.pongs++
        return
      }
      peer = { ws, subscribe: message as SubscribeMessage, pongs: 0 }
      onSubscribe(peer, index)
    })
  })
  await new Promise<void>((resolve) => server!.once('listening', () => resolve()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A patient CREATE event at `cursor`, its record padded to `padding` characters. */
function event(cursor: number, padding = 0): string {
  const message: EventMessage = {
    type: 'event',
    cursor: String(cursor),
    eventType: 'CREATE',
    entityType: 'patient',
    id: `p${cursor}`,
    entity: { id: `p${cursor}`, padding: 'x'.repeat(padding) },
  }
  return JSON.stringify(message)
}

/** A connection to `baseUrl` whose models are the events themselves (no decryption at stake here). */
function connect(
  baseUrl: string,
  eventFired: (event: EventMessage) => unknown,
  options: SubscriptionOptions,
): RealtimeConnection<EventMessage> {
  const connection = new RealtimeConnection<EventMessage>({
    http: new HttpClient(baseUrl),
    entityType: 'patient',
    eventTypes: ['CREATE'],
    decode: (e) => Promise.resolve(e),
    eventFired,
    options: resolveSubscriptionOptions(options),
  })
  connections.push(connection)
  return connection
}

/** A promise and its resolver, to hold the app's callback until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

/** Waits until `check()` holds, polling every 10 ms, failing with `what` after 10 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('RealtimeConnection flow control (Node: ws.pause)', () => {
  it('stops reading past maxQueuedEvents while eventFired is slow, so the server holds the burst', async () => {
    // 600 events of 32 KiB (about 19 MiB): more than loopback's socket buffers hold, so what the
    // client does not read stays in the server's send buffer.
    const TOTAL = 600
    const MAX = 10
    let peer: Peer | undefined
    let sockets = 0
    const url = await scriptedServer((p) => {
      peer = p
      sockets++
      p.ws.send(JSON.stringify({ type: 'subscribed', cursor: '0' }))
      for (let c = 1; c <= TOTAL; c++) p.ws.send(event(c, 32 * 1024))
    })
    const hold = gate()
    const delivered: string[] = []
    const connection = connect(
      url,
      async (e) => {
        delivered.push(e.cursor)
        if (delivered.length === 1) await hold.promise
      },
      // A keep-alive far shorter than the hold: a paused client must not take its own silence for a
      // dead server.
      { maxQueuedEvents: MAX, pingTimeoutMs: 1000, connectionRetryIntervalMs: 10 },
    )
    await connection.start()
    await until(() => connection.queuedEvents > MAX, 'the queue to fill')
    await sleep(2500)
    // Paused: a few messages ws had already parsed may follow the pause, never the whole burst.
    expect(connection.queuedEvents).toBeGreaterThan(MAX)
    expect(connection.queuedEvents).toBeLessThanOrEqual(2 * MAX)
    expect(delivered).toEqual(['1'])
    // The rest waits on the server's side: its backpressure sees this client as slow.
    expect(peer!.ws.bufferedAmount).toBeGreaterThan(1024 * 1024)
    hold.open()
    await until(() => delivered.length === TOTAL, 'every event')
    expect(delivered).toEqual(Array.from({ length: TOTAL }, (_, i) => String(i + 1)))
    expect(connection.cursor).toBe(String(TOTAL))
    expect(connection.queuedEvents).toBe(0)
    expect(sockets).toBe(1)
    expect(connection.connectionStatus).toBe('CONNECTED')
  }, 30_000)

  it('reconnects after a slow-consumer close (4409) without spending the retry budget when it progressed', async () => {
    const subscribes: SubscribeMessage[] = []
    const url = await scriptedServer((p, index) => {
      subscribes.push(p.subscribe)
      if (index === 0) {
        p.ws.send(JSON.stringify({ type: 'subscribed', cursor: '0' }))
        p.ws.send(event(1))
        p.ws.close(4409, 'slow consumer: queue over 1000 events')
      } else if (index === 1) {
        // Nothing handled in this attempt: this 4409 spends the (empty) budget.
        p.ws.close(4409, 'slow consumer: queue over 1000 events')
      }
    })
    const errors: string[] = []
    const connection = connect(url, () => undefined, { connectionMaxRetry: 0, connectionRetryIntervalMs: 10 })
    connection.onError((e) => errors.push(String(e?.message)))
    await connection.start()
    await until(() => connection.connectionStatus === 'ERROR', 'the subscription to give up')
    expect(subscribes.map((s) => s.since)).toEqual([undefined, '1'])
    expect(errors.at(-1)).toMatch(/gave up after 0 reconnection attempts \(last close code 4409/)
  })
})

describe('RealtimeConnection cursor from pings', () => {
  it('advances to a ping cursor once live, after the events before it, forward only', async () => {
    const subscribes: SubscribeMessage[] = []
    let first: Peer | undefined
    const url = await scriptedServer((p, index) => {
      subscribes.push(p.subscribe)
      if (index === 0) {
        first = p
        // A position before `subscribed` (during a replay) is not taken.
        p.ws.send(JSON.stringify({ type: 'ping', cursor: '99' }))
        p.ws.send(JSON.stringify({ type: 'subscribed', cursor: '5' }))
        p.ws.send(event(6))
        p.ws.send(JSON.stringify({ type: 'ping', cursor: '10' }))
        p.ws.send(JSON.stringify({ type: 'ping', cursor: '8' }))
      } else {
        p.ws.send(JSON.stringify({ type: 'subscribed', cursor: p.subscribe.since ?? '0' }))
      }
    })
    const hold = gate()
    const seen: { cursor: string; connectionCursor: string | undefined }[] = []
    let handled = false
    const connection = connect(
      url,
      async (e) => {
        seen.push({ cursor: e.cursor, connectionCursor: connection.cursor })
        await hold.promise
        handled = true
      },
      { connectionRetryIntervalMs: 10 },
    )
    const errors: string[] = []
    connection.onError((e) => errors.push(String(e?.message)))
    await connection.start()
    // The pings are answered at once, while the app is still busy with event 6.
    await until(() => first?.pongs === 3, 'three pongs')
    expect(seen).toEqual([{ cursor: '6', connectionCursor: '6' }])
    expect(connection.cursor).toBe('6')
    hold.open()
    await until(() => handled, 'event 6 handled')
    await until(() => connection.cursor === '10', 'the ping cursor')
    await sleep(50)
    expect(connection.cursor).toBe('10')
    // A reconnection asks only for what came after the ping's position.
    first!.ws.close(1001, 'server shutting down')
    await until(
      () => subscribes.length === 2 && connection.connectionStatus === 'CONNECTED',
      'the reconnection',
    )
    expect(subscribes[1].since).toBe('10')
    expect(errors).toEqual([
      'The patient subscription was lost (close code 1001: server shutting down); reconnecting',
    ])
  })
})
