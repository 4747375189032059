import WebSocket from 'ws'
import { REALTIME_PATH, type ServerMessage } from '@cairn/protocol'

/** A raw WebSocket client of the realtime socket, for tests: messages queued, pongs automatic. */
export interface TestSocket {
  readonly ws: WebSocket
  /** Every message received so far (pings included). */
  readonly messages: ServerMessage[]
  /** The next message (pings skipped) not yet taken, waiting up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<ServerMessage>
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>
  send(message: unknown): void
}

/**
 * Opens a socket to `baseUrl` (http://...) with a bearer token or a ticket. Rejects with
 * `HTTP <status>` when the upgrade is refused. `autoPong: false` leaves pings unanswered.
 */
export function openTestSocket(
  baseUrl: string,
  auth: { token?: string; ticket?: string; origin?: string },
  options: { autoPong?: boolean } = {},
): Promise<TestSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}${REALTIME_PATH}${auth.ticket ? `?ticket=${encodeURIComponent(auth.ticket)}` : ''}`
  const ws = new WebSocket(url, {
    headers: {
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
      ...(auth.origin ? { origin: auth.origin } : {}),
    },
  })
  const messages: ServerMessage[] = []
  let taken = 0
  const waiters: (() => void)[] = []
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const w of waiters.splice(0)) w()
    }),
  )
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as ServerMessage
    messages.push(message)
    if (message.type === 'ping' && options.autoPong !== false) ws.send(JSON.stringify({ type: 'pong' }))
    for (const w of waiters.splice(0)) w()
  })
  const socket: TestSocket = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        while (taken < messages.length) {
          const m = messages[taken++]
          if (m.type !== 'ping') return m
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error('socket closed')
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(t)
            resolve()
          })
        })
      }
    },
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', (e) => reject(e))
  })
}
