import { ROUTES } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import { closeCodeOfUpgradeStatus } from './close-decision.ts'
import { realtimeUrl } from './realtime-url.ts'

/** What the connection hears from one socket; nothing is called any more once it closed or was dropped. */
export interface SocketHandlers {
  open(): void
  message(text: string): void
  /** The socket closed (once); `message` is the server's refusal of the upgrade, when there was one. */
  close(code: number, reason: string, message?: string): void
  error(error: Error): void
}

/** One subscription socket, the same for `ws` in Node and the browser's WebSocket. */
export interface RealtimeSocket {
  send(text: string): void
  /** Closes with a close frame; the handlers hear nothing more. */
  close(code: number, reason: string): void
  /** Drops the connection at once (no closing handshake, which a dead network would make wait). */
  terminate(): void
  /**
   * Stops reading the socket, so that what the server sends waits in the network buffers and then in
   * the server's queue (its backpressure) rather than in this process. Absent where a socket cannot
   * be paused (the browser's WebSocket).
   */
  pause?(): void
  /** Reads the socket again after `pause`. */
  resume?(): void
}

/** Close code of an abnormal closure, when no close frame was received (RFC 6455). */
const ABNORMAL_CLOSURE = 1006

/** How long the WebSocket handshake may take in Node before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000

/** The most of a refused upgrade's body read for its error message. */
const MAX_REFUSAL_BODY = 4096

/** What this SDK uses of the `ws` package's WebSocket (typed here so the SDK's types need no @types/ws). */
interface NodeWs {
  on(event: 'open', listener: () => void): void
  on(event: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): void
  on(event: 'close', listener: (code: number, reason: { toString(): string }) => void): void
  on(event: 'error', listener: (error: Error) => void): void
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingResponse) => void): void
  send(data: string): void
  close(code?: number, reason?: string): void
  terminate(): void
  pause(): void
  resume(): void
}
interface IncomingResponse {
  statusCode?: number
  setEncoding(encoding: 'utf8'): void
  on(event: 'data', listener: (chunk: string) => void): void
  on(event: 'end' | 'error' | 'close', listener: () => void): void
}
type NodeWsClass = new (
  url: string,
  options: { headers: Record<string, string>; handshakeTimeout: number },
) => NodeWs

/**
 * The module name of `ws`, in a variable: bundlers leave an import they cannot resolve statically
 * alone, so browser bundles do not include `ws` (nor its `browser.js` stub); Node resolves it at run
 * time from @cairn/sdk's dependencies.
 */
const WS_MODULE = 'ws'
let wsClass: Promise<NodeWsClass> | undefined

/** The `ws` package's WebSocket class, imported once, on first use in Node. */
function loadWs(): Promise<NodeWsClass> {
  wsClass ??= (
    import(/* @vite-ignore */ /* webpackIgnore: true */ WS_MODULE) as Promise<{
      WebSocket?: NodeWsClass
      default?: NodeWsClass
    }>
  ).then((m) => {
    const ctor = m.WebSocket ?? m.default
    if (!ctor) throw new SdkError('INTERNAL', 'The ws package has no WebSocket export')
    return ctor
  })
  return wsClass
}

/** True in Node.js (where `ws` and a bearer header are used), false in browsers. */
export function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string'
}

/**
 * Opens a subscription socket to the server of `http`, authenticated as the HttpClient's session:
 * in Node with the `ws` package and an `Authorization: Bearer` header (`renewToken` refreshes the
 * token first, after the server closed with 4401); in browsers, which cannot set headers on a
 * WebSocket, with a single-use ticket from `POST /rest/v1/realtime/ticket` in the URL (the ticket
 * request itself refreshes an expired token). Rejects when no token or ticket could be had.
 */
export async function openSocket(
  http: HttpClient,
  renewToken: boolean,
  handlers: SocketHandlers,
): Promise<RealtimeSocket> {
  if (isNode()) {
    const [WebSocket, token] = await Promise.all([loadWs(), http.accessToken(renewToken)])
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
    return wrapNode(
      new WebSocket(realtimeUrl(http.baseUrl), { headers, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }),
      handlers,
    )
  }
  if (typeof globalThis.WebSocket !== 'function')
    throw new SdkError(
      'NOT_AVAILABLE',
      'Realtime subscriptions need a WebSocket implementation (none is global here)',
    )
  const { ticket } = await http.call(ROUTES.realtime.ticket, {})
  return wrapBrowser(new globalThis.WebSocket(realtimeUrl(http.baseUrl, ticket)), handlers)
}

/** Handlers that hear at most one close, and nothing after it or after the socket was dropped. */
function guarded(handlers: SocketHandlers) {
  let done = false
  return {
    get done() {
      return done
    },
    finish() {
      done = true
    },
    open: () => !done && handlers.open(),
    message: (text: string) => !done && handlers.message(text),
    error: (e: Error) => !done && handlers.error(e),
    close: (code: number, reason: string, message?: string) => {
      if (done) return
      done = true
      handlers.close(code, reason, message)
    },
  }
}

function wrapNode(ws: NodeWs, handlers: SocketHandlers): RealtimeSocket {
  const h = guarded(handlers)
  ws.on('open', h.open)
  ws.on('message', (data, isBinary) => {
    if (!isBinary) h.message(data.toString())
  })
  ws.on('close', (code, reason) => h.close(code, reason.toString()))
  // Always listened to: an 'error' without a listener would crash the process.
  ws.on('error', h.error)
  // A refused upgrade (HTTP 401, 403, 429, a proxy's 502): its status decides like a close code, and
  // the server's `{error: {message}}` says why.
  ws.on('unexpected-response', (_req, res) => {
    const status = res.statusCode ?? 0
    let body = ''
    const done = () => {
      ws.terminate()
      h.close(
        closeCodeOfUpgradeStatus(status) ?? ABNORMAL_CLOSURE,
        `HTTP ${status}`,
        refusalMessage(status, body),
      )
    }
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      if (body.length < MAX_REFUSAL_BODY) body += chunk
    })
    res.on('end', done)
    res.on('error', done)
    res.on('close', done)
  })
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => {
      h.finish()
      ws.close(code, reason)
    },
    terminate: () => {
      h.finish()
      ws.terminate()
    },
    // A few messages already read before the pause may still come (ws delivers what it had parsed).
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  }
}

/** The server's message in a refused upgrade's body (`{error: {message}}`), else the HTTP status. */
function refusalMessage(status: number, body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } })?.error?.message
    if (typeof message === 'string') return message
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return `the server refused the WebSocket upgrade with HTTP ${status}`
}

function wrapBrowser(ws: WebSocket, handlers: SocketHandlers): RealtimeSocket {
  const h = guarded(handlers)
  ws.onopen = () => h.open()
  ws.onmessage = (e: MessageEvent) => {
    if (typeof e.data === 'string') h.message(e.data)
  }
  // Browsers hide why a socket failed (no status, no message): only that it did.
  ws.onerror = () => h.error(new Error('WebSocket error'))
  ws.onclose = (e: CloseEvent) => h.close(e.code, e.reason)
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => {
      h.finish()
      ws.close(code, reason)
    },
    // A browser cannot drop a socket without the closing handshake: it is closed and forgotten.
    terminate: () => {
      h.finish()
      ws.close(1000, 'no answer')
    },
  }
}
