import { createHash, randomUUID } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import {
  REALTIME_CLOSE_CODES,
  REALTIME_PATH,
  type FilterDto,
  type SubscribeMessage,
  type UserFilterDto,
} from '@cairn/protocol'
import type { AuthService } from '../auth/auth-service.ts'
import type { Caller } from '../auth/caller.ts'
import { AppError, forbidden, unauthorized } from '../http/app-error.ts'
import { compileFilter } from '../filters/filter-registry.ts'
import { compileUserFilter, withoutDataOwners } from '../entities/user/user-filter.ts'
import type { TrustProxy } from '../http/trust-proxy.ts'
import type { Storage } from '../storage/storage.ts'
import type { RealtimeAudit, RealtimeHub } from './realtime-hub.ts'
import { SubscribeValidator } from './message-validation.ts'
import { Subscription, type SubscriptionSpec } from './subscription.ts'
import { upgradeClientAddress, upgradeTrust } from './upgrade-client-address.ts'

/** How long a socket may stay open without its subscribe message (ms). */
const SUBSCRIBE_TIMEOUT_MS = 10_000

/**
 * Largest message a client may send: a subscribe message whose filter lists up to the filter limit
 * of 10,000 ids (filter-limits.ts) of about 40 bytes each fits with room to spare.
 */
const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024

/** Longest setTimeout Node accepts (ms); a token expiring later is checked again then. */
const MAX_TIMER_MS = 2_147_483_647

/** Retry-After (s) of an upgrade refused while the access log cannot keep up (as its HTTP gate). */
const AUDIT_REFUSAL_RETRY_AFTER_S = 2

/** Settings of the sockets (config.ts: CAIRN_REALTIME_*, CAIRN_CORS_ORIGINS). */
export interface SocketOptions {
  readonly pingMs: number
  readonly maxSubscriptionsPerUser: number
  readonly queueLimit: number
  readonly maxBufferBytes: number
  readonly corsOrigins: readonly string[]
  /** CAIRN_TRUST_PROXY: resolves the client address of an upgrade as Fastify resolves `request.ip`. */
  readonly trustProxy: TrustProxy
}

/** What the sockets log: outcomes and causes, never tokens, tickets or content. */
export interface SocketLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/** SHA-256 (hex) of a ticket: only this is stored. */
export function ticketHash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex')
}

/**
 * Expiry (epoch ms) of a JWT that was already verified (the `exp` claim of its payload), undefined
 * when it has none. Reads the payload only: it must never be used to accept a token.
 */
export function verifiedTokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown
    }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/** The close code of an AppError thrown while checking a subscription. */
function closeCodeOf(error: AppError): number {
  if (error.status === 401) return REALTIME_CLOSE_CODES.unauthorized
  if (error.status === 403) return REALTIME_CLOSE_CODES.forbidden
  return REALTIME_CLOSE_CODES.badRequest
}

/**
 * The subscription sockets at REALTIME_PATH. Built on the `ws` package in `noServer` mode on the
 * `upgrade` event of Fastify's HTTP server rather than @fastify/websocket: the upgrade must be
 * authenticated (bearer or ticket) and refused with a plain HTTP 401 before any WebSocket exists,
 * the socket is not a route of the API's route table (no OpenAPI operation, no request schema), and
 * its lifecycle (close with 1001 before storage closes) is the server's, not a plugin's.
 *
 * One socket carries one subscription. Wire behaviour (docs/realtime.md): the upgrade needs
 * `Authorization: Bearer` or `?ticket=`, else HTTP 401 (a browser Origin not allowed by
 * CAIRN_CORS_ORIGINS: HTTP 403); then the first message must be `subscribe` within 10 s (else 4408);
 * an invalid one closes with 4400, a filter naming another data owner with 4403, more than
 * `maxSubscriptionsPerUser` sockets of one user on this instance with 4429. The server pings every
 * `pingMs` and closes with 4408 when the previous ping got no pong; it closes with 4401 when the
 * access token expires or the session or user is no longer active (checked at every ping), also
 * when the user's rights changed since the subscription started (admin role, data owner: the client
 * reconnects with a fresh token and is checked again), with 4409 for a slow consumer, and with 1001
 * at shutdown. Every close but 1001 and 1000 follows an `error` message with the reason. While the
 * access log refuses entries, upgrades are answered HTTP 503 with Retry-After, as API requests are.
 */
export class RealtimeSockets {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES })
  readonly #validator = new SubscribeValidator()
  readonly #perUser = new Map<string, number>()
  readonly #sockets = new Set<WebSocket>()
  #closed = false
  #log: SocketLog = { info: () => undefined, warn: () => undefined, error: () => undefined }
  readonly #trust: ReturnType<typeof upgradeTrust>

  constructor(
    private readonly storage: Storage,
    private readonly auth: AuthService,
    private readonly hub: RealtimeHub,
    private readonly options: SocketOptions,
    /** The access log: upgrades are refused while it is refusing (fail closed). */
    private readonly audit?: RealtimeAudit,
  ) {
    this.#trust = upgradeTrust(options.trustProxy)
  }

  /** Logs through `log` from now on. */
  attachLog(log: SocketLog): void {
    this.#log = log
  }

  /** Open sockets on this instance. */
  get size(): number {
    return this.#sockets.size
  }

  /** Handles the upgrades of `server` at REALTIME_PATH (other paths are refused with 404). */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#upgrade(request, socket, head)
    })
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy())
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname !== REALTIME_PATH || this.#closed) return refuse(socket, 404, 'Not Found')
    if (!this.#originAllowed(request)) return refuse(socket, 403, 'Forbidden')
    if (this.audit?.refusing)
      return refuse(socket, 503, 'Service Unavailable', `Retry-After: ${AUDIT_REFUSAL_RETRY_AFTER_S}\r\n`)
    // The socket's id: the request id of every access-log entry of its deliveries.
    const requestId = `ws-${randomUUID()}`
    const clientAddress = upgradeClientAddress(request, this.#trust)
    let caller: Caller
    let notAfter: number | undefined
    try {
      const authorization = request.headers.authorization
      const ticket = url.searchParams.get('ticket')
      if (authorization) {
        caller = await this.auth.authenticate(authorization, requestId)
        notAfter = verifiedTokenExpiry(authorization.split(' ')[1] ?? '')
      } else if (ticket) {
        const stored = await this.storage.realtimeTickets.consume(ticketHash(ticket), Date.now())
        if (!stored) throw unauthorized('Unknown, used or expired ticket')
        caller = await this.auth.callerOfSession(stored.userId, stored.sessionId, requestId)
        notAfter = stored.notAfter
      } else {
        throw unauthorized('Missing Authorization header (Bearer access token) or ticket')
      }
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 401)
        this.#log.warn(
          { err: { message: (error as Error).message }, reqId: requestId },
          'realtime: upgrade failed',
        )
      return refuse(socket, error instanceof AppError ? error.status : 503, 'Unauthorized')
    }
    if (this.#closed) return refuse(socket, 503, 'Service Unavailable')
    this.#wss.handleUpgrade(request, socket, head, (ws) =>
      this.#connected(ws, caller, notAfter, clientAddress),
    )
  }

  /**
   * Browsers send Origin with every WebSocket upgrade and enforce no CORS on it, so the server does:
   * an Origin is accepted when CAIRN_CORS_ORIGINS allows it (as for HTTP), or when it is the server's
   * own origin (a page it serves). Clients that send no Origin (Node, apps) are not browsers.
   */
  #originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin
    if (!origin) return true
    const origins = this.options.corsOrigins
    if (origins[0] === '*' || origins.includes(origin)) return true
    try {
      return new URL(origin).host === request.headers.host
    } catch {
      return false
    }
  }

  #connected(
    ws: WebSocket,
    initialCaller: Caller,
    notAfter: number | undefined,
    clientAddress: string | undefined,
  ): void {
    this.#sockets.add(ws)
    let caller = initialCaller
    let subscription: Subscription | undefined
    let counted = false
    let awaitingPong = false
    const fail = (code: number, errorCode: string, message: string) => {
      if (subscription) return subscription.fail(code, errorCode, message)
      closeWith(ws, code, { code: errorCode, message })
    }
    const subscribeTimer = setTimeout(
      () => fail(REALTIME_CLOSE_CODES.timeout, 'TIMEOUT', 'No subscribe message within 10 s'),
      SUBSCRIBE_TIMEOUT_MS,
    )
    const expiryTimer =
      notAfter === undefined
        ? undefined
        : setTimeout(
            () => fail(REALTIME_CLOSE_CODES.unauthorized, 'UNAUTHORIZED', 'The access token has expired'),
            Math.min(Math.max(0, notAfter - Date.now()), MAX_TIMER_MS),
          )
    const pingTimer = setInterval(() => {
      if (awaitingPong)
        return fail(REALTIME_CLOSE_CODES.timeout, 'TIMEOUT', 'No pong within the keep-alive timeout')
      awaitingPong = true
      // The cursor of everything handled so far (sent or filtered out): a quiet subscriber's cursor
      // advances with the log, so that its reconnection replays little instead of resyncing.
      const cursor = subscription?.live ? { cursor: String(subscription.lastSeq) } : {}
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'ping', ...cursor }))
      // The session or user may have ended since the upgrade (logout, password change, disabled).
      this.auth.callerOfSession(caller.userId, caller.sessionId ?? '', caller.requestId).then(
        (fresh) => {
          // The subscription was checked, and is matched, with the caller of its start: rights that
          // changed since (admin role removed, another data owner) end it rather than go on under the
          // old ones. The client reconnects with a fresh token and subscribes under the new rights.
          if (
            fresh.isAdmin !== caller.isAdmin ||
            fresh.dataOwnerId !== caller.dataOwnerId ||
            fresh.dataOwnerType !== caller.dataOwnerType
          )
            return fail(
              REALTIME_CLOSE_CODES.unauthorized,
              'UNAUTHORIZED',
              "The user's roles or data owner changed: reconnect",
            )
          caller = fresh
        },
        (error: unknown) => {
          if (error instanceof AppError && error.status === 401)
            fail(REALTIME_CLOSE_CODES.unauthorized, 'UNAUTHORIZED', error.message)
        },
      )
    }, this.options.pingMs)

    ws.on('message', (data: RawData, isBinary: boolean) => {
      let message: unknown
      try {
        message = isBinary ? undefined : JSON.parse(rawText(data))
      } catch {
        message = undefined
      }
      const type = (message as { type?: unknown } | null)?.type
      if (type === 'pong') {
        awaitingPong = false
        return
      }
      if (subscription || counted)
        return fail(
          REALTIME_CLOSE_CODES.badRequest,
          'BAD_REQUEST',
          'One subscription per socket: open another socket',
        )
      clearTimeout(subscribeTimer)
      let spec: SubscriptionSpec
      let since: number | undefined
      try {
        const subscribe = this.#validator.parse(message)
        since = subscribe.since !== undefined ? Number(subscribe.since) : undefined
        if (since !== undefined && !Number.isSafeInteger(since))
          throw new AppError('BAD_REQUEST', 'Invalid cursor')
        spec = { ...this.#spec(caller, subscribe), ...(clientAddress !== undefined ? { clientAddress } : {}) }
      } catch (error) {
        if (error instanceof AppError) return fail(closeCodeOf(error), error.code, error.message)
        // A failure of the server's own (never thrown out of a socket listener: it would end the process).
        this.#log.error({ err: { message: (error as Error).message } }, 'realtime: subscribe failed')
        return fail(1011, 'INTERNAL', 'The subscription could not start; reconnect')
      }
      const count = this.#perUser.get(caller.userId) ?? 0
      if (count >= this.options.maxSubscriptionsPerUser)
        return fail(
          REALTIME_CLOSE_CODES.tooMany,
          'TOO_MANY_REQUESTS',
          `At most ${this.options.maxSubscriptionsPerUser} subscriptions per user on this server`,
        )
      this.#perUser.set(caller.userId, count + 1)
      counted = true
      subscription = new Subscription(
        spec,
        {
          send: (text) => {
            if (ws.readyState === ws.OPEN) ws.send(text)
          },
          bufferedAmount: () => ws.bufferedAmount,
          close: (code, error) => closeWith(ws, code, error),
        },
        { queueLimit: this.options.queueLimit, maxBufferBytes: this.options.maxBufferBytes },
        (error) =>
          this.#log.error(
            { err: { message: (error as Error).message } },
            'realtime: delivering events failed',
          ),
      )
      this.hub.subscribe(subscription, since).catch((error: unknown) => {
        this.#log.error({ err: { message: (error as Error).message } }, 'realtime: subscribing failed')
        fail(1011, 'INTERNAL', 'The subscription could not start; reconnect')
      })
    })

    ws.on('close', () => {
      clearTimeout(subscribeTimer)
      if (expiryTimer) clearTimeout(expiryTimer)
      clearInterval(pingTimer)
      this.#sockets.delete(ws)
      if (subscription) this.hub.unsubscribe(subscription)
      if (counted) {
        const left = (this.#perUser.get(caller.userId) ?? 1) - 1
        if (left > 0) this.#perUser.set(caller.userId, left)
        else this.#perUser.delete(caller.userId)
      }
    })
    ws.on('error', () => ws.terminate())
  }

  /**
   * The subscription's spec: its filter compiled for the caller as the filter routes compile it (a
   * filter naming another data owner is the same 403), and its matcher, which asks the database which
   * of a batch's ids the filter selects among what the caller can read (one query per batch).
   */
  #spec(caller: Caller, message: SubscribeMessage): SubscriptionSpec {
    const base = { caller, entityType: message.entityType, eventTypes: new Set(message.eventTypes) }
    if (message.entityType === 'user') {
      if (message.filter === undefined) return base
      const { query, patientIds } = compileUserFilter(message.filter as UserFilterDto)
      const storage = this.storage
      return {
        ...base,
        matcher: async (ids) => {
          // As the user filter route: a UsersByPatientIdFilter names a patient, never another data owner.
          const notPatients = new Set<string>()
          for (const id of new Set(patientIds)) {
            const patient = await storage.getDoc('patient', id)
            if (!patient || patient.deleted) notPatients.add(id)
          }
          const q = notPatients.size > 0 ? withoutDataOwners(query, notPatients) : query
          const { users } = await storage.findUsersPage({ all: [q], ids }, undefined, ids.length)
          return new Set(users.map((u) => u.id))
        },
      }
    }
    const type = message.entityType
    if (!caller.dataOwnerId) throw forbidden(`Only data owners may subscribe to ${type} events`)
    if (message.filter === undefined) return base
    const compiled = compileFilter(caller, type, message.filter as FilterDto)
    const storage = this.storage
    return {
      ...base,
      matcher: async (ids) =>
        new Set(
          await storage.matchIds(
            type,
            compiled.dataOwnerId,
            { op: 'and', of: [compiled.query, { op: 'ids', ids }] },
            ids.length,
          ),
        ),
    }
  }

  /** Closes every socket with 1001 (server shutting down) and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true
    const closing = [...this.#sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve())
          ws.close(REALTIME_CLOSE_CODES.goingAway, 'server shutting down')
          // A peer that does not answer the close handshake is cut.
          setTimeout(() => {
            ws.terminate()
            resolve()
          }, 1_000).unref()
        }),
    )
    await Promise.all(closing)
    this.#wss.close()
  }
}

/** The UTF-8 text of a message. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

/** Sends an `error` message, then closes with `code` (the reason, cut to the 123 bytes a close frame holds). */
function closeWith(ws: WebSocket, code: number, error: { code: string; message: string }): void {
  if (ws.readyState !== ws.OPEN) return
  ws.send(JSON.stringify({ type: 'error', error }))
  ws.close(code, Buffer.from(error.message).subarray(0, 123).toString('utf8'))
}

/** Answers an upgrade with a bare HTTP error (`headers`: more header lines) and ends the connection. */
function refuse(socket: Duplex, status: number, text: string, headers = ''): void {
  if (socket.destroyed) return
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`)
}
