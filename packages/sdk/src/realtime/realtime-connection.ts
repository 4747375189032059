import {
  REALTIME_CLOSE_CODES,
  type ErrorMessage,
  type EventMessage,
  type FilterDto,
  type RealtimeEntityType,
  type RealtimeEventType,
  type ServerMessage,
  type SubscribeMessage,
  type UserFilterDto,
} from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import type { Connection, ConnectionStatus } from '../models/connection.ts'
import { closeDecision } from './close-decision.ts'
import { EventCursor, isCursor } from './event-cursor.ts'
import { openSocket, type RealtimeSocket } from './open-socket.ts'
import { RetryBudget } from './retry-budget.ts'
import type { ResolvedSubscriptionOptions } from './subscription-options.ts'

/** What one subscription is about and what to do with its events. */
export interface SubscriptionSpec<M> {
  readonly http: HttpClient
  readonly entityType: RealtimeEntityType
  readonly eventTypes: readonly RealtimeEventType[]
  /** The filter as it travels (already mapped from the SDK's filter objects); none: every readable event. */
  readonly filter?: FilterDto | UserFilterDto
  /** Turns an event's record into the SDK model given to the app (decrypted and verified as a get). */
  readonly decode: (event: EventMessage) => Promise<M>
  /** The app's callback. */
  readonly eventFired: (model: M) => unknown
  readonly options: ResolvedSubscriptionOptions
}

/** The SdkError code and HTTP-like status of the close codes that end a subscription. */
const REFUSALS: Record<number, { code: 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN'; status: number }> = {
  [REALTIME_CLOSE_CODES.badRequest]: { code: 'BAD_REQUEST', status: 400 },
  [REALTIME_CLOSE_CODES.unauthorized]: { code: 'UNAUTHORIZED', status: 401 },
  [REALTIME_CLOSE_CODES.forbidden]: { code: 'FORBIDDEN', status: 403 },
}

/** Why the client closes a socket that stopped answering (an application close code). */
const KEEP_ALIVE_CLOSE = { code: REALTIME_CLOSE_CODES.timeout, reason: 'no message from the server' }

/**
 * One realtime subscription (MedTech `ConnectionImpl`, docs/realtime.md): opens the socket, sends the
 * `subscribe` message, answers pings, hands the events to the app one at a time in the order they
 * came (each decoded, then `eventFired` awaited), and reconnects after a lost connection with `since`
 * set to the last cursor handled, so that what was missed is replayed and nothing twice. Failures
 * of one event (it does not decrypt or verify, the app's callback throws) go to `onError` and the
 * subscription goes on.
 */
export class RealtimeConnection<M> implements Connection {
  #status: ConnectionStatus = 'NOT_CONNECTED'
  readonly #cursor = new EventCursor()
  readonly #retry: RetryBudget
  readonly #callbacks = {
    connected: [] as (() => void)[],
    closed: [] as (() => void)[],
    error: [] as ((error?: Error) => void)[],
    resync: [] as (() => void)[],
  }
  /** Settles the promise of `subscribeTo...Events`: resolved once live, rejected if never. */
  readonly #ready: {
    promise: Promise<Connection>
    resolve: (c: Connection) => void
    reject: (e: Error) => void
  }
  #settled = false
  #socket: RealtimeSocket | undefined
  /** Number of the current attempt: what an older socket still reports is ignored. */
  #attempt = 0
  #closedByApp = false
  #ended = false
  /** The last attempt was refused with 4401: the next one goes with a fresh token; a second refusal ends it. */
  #renewToken = false
  /** The server's `error` message, which comes just before its close. */
  #serverError: ErrorMessage['error'] | undefined
  #keepAlive: ReturnType<typeof setTimeout> | undefined
  #reconnect: ReturnType<typeof setTimeout> | undefined
  /** Events and positions, handled one at a time in order. */
  #queue: Promise<void> = Promise.resolve()
  #warned = false

  constructor(private readonly spec: SubscriptionSpec<M>) {
    this.#retry = new RetryBudget(spec.options.connectionMaxRetry, spec.options.connectionRetryIntervalMs)
    let resolve!: (c: Connection) => void
    let reject!: (e: Error) => void
    const promise = new Promise<Connection>((res, rej) => {
      resolve = res
      reject = rej
    })
    this.#ready = { promise, resolve, reject }
  }

  /** Connects; resolves once the subscription is live, rejects if it is refused or never comes up. */
  start(): Promise<Connection> {
    void this.#connect()
    return this.#ready.promise
  }

  get connectionStatus(): ConnectionStatus {
    return this.#status
  }

  get cursor(): string | undefined {
    return this.#cursor.value
  }

  onConnected(callback: () => void): Connection {
    this.#callbacks.connected.push(callback)
    return this
  }

  onClosed(callback: () => void): Connection {
    this.#callbacks.closed.push(callback)
    return this
  }

  onError(callback: (error?: Error) => void): Connection {
    this.#callbacks.error.push(callback)
    return this
  }

  onResync(callback: () => void): Connection {
    this.#callbacks.resync.push(callback)
    return this
  }

  close(): void {
    if (this.#closedByApp) return
    this.#closedByApp = true
    this.#ended = true
    this.#clearTimers()
    const socket = this.#socket
    this.#socket = undefined
    this.#attempt++
    if (socket) {
      try {
        socket.close(REALTIME_CLOSE_CODES.normal, 'Client closed connection')
      } catch {
        socket.terminate()
      }
    }
    this.#status = 'CLOSED'
    this.#fire('closed')
    this.#fail(
      new SdkError('BAD_REQUEST', `The ${this.spec.entityType} subscription was closed before it went live`),
    )
  }

  /** One attempt: a socket with the current credentials, then the subscribe message once it is open. */
  async #connect(): Promise<void> {
    const attempt = ++this.#attempt
    this.#serverError = undefined
    let socket: RealtimeSocket
    try {
      socket = await openSocket(this.spec.http, this.#renewToken, {
        open: () => this.#opened(attempt),
        message: (text) => this.#received(attempt, text),
        close: (code, reason, message) => {
          if (message) this.#serverError = { code: 'HTTP', message }
          this.#lost(attempt, code, reason)
        },
        error: (e) => {
          if (attempt !== this.#attempt) return
          this.#status = 'ERROR'
          this.#report(
            new SdkError(
              'NETWORK',
              `The ${this.spec.entityType} subscription's socket failed: ${e.message}`,
              { cause: e },
            ),
          )
        },
      })
    } catch (e) {
      if (attempt !== this.#attempt) return
      // No token or ticket: bad credentials end the subscription, a network failure is one more attempt.
      const error =
        e instanceof SdkError ? e : new SdkError('NETWORK', String((e as Error)?.message ?? e), { cause: e })
      if (error.status === 401 || error.status === 403) return this.#end(error)
      this.#report(error)
      return this.#lost(attempt, 1006, error.message)
    }
    if (attempt !== this.#attempt) {
      socket.terminate()
      return
    }
    this.#socket = socket
    this.#armKeepAlive(attempt)
  }

  #opened(attempt: number): void {
    if (attempt !== this.#attempt) return
    const message: SubscribeMessage = {
      type: 'subscribe',
      entityType: this.spec.entityType,
      eventTypes: [...this.spec.eventTypes],
      ...(this.spec.filter ? { filter: this.spec.filter } : {}),
      ...(this.#cursor.value !== undefined ? { since: this.#cursor.value } : {}),
    }
    this.#send(JSON.stringify(message))
  }

  #send(text: string): void {
    try {
      this.#socket?.send(text)
    } catch (e) {
      // A socket closing under the send: its close follows and decides what comes next.
      this.#report(
        new SdkError('NETWORK', `Cannot send on the ${this.spec.entityType} subscription's socket`, {
          cause: e,
        }),
      )
    }
  }

  #received(attempt: number, text: string): void {
    if (attempt !== this.#attempt) return
    this.#armKeepAlive(attempt)
    let message: ServerMessage
    try {
      message = JSON.parse(text) as ServerMessage
    } catch (e) {
      this.#report(
        new SdkError('INTERNAL', 'The server sent a realtime message that is not JSON', { cause: e }),
      )
      return
    }
    switch (message?.type) {
      case 'ping':
        this.#send(JSON.stringify({ type: 'pong' }))
        return
      case 'subscribed':
        this.#enqueue(() => this.#live(message.cursor))
        return
      case 'event':
        this.#enqueue(() => this.#deliver(message))
        return
      case 'resync':
        this.#enqueue(() => this.#resync(message.cursor))
        return
      case 'error':
        this.#serverError = message.error
        return
      default:
        this.#report(
          new SdkError(
            'INTERNAL',
            `Unknown realtime message type ${String((message as { type?: unknown })?.type)}`,
          ),
        )
    }
  }

  /** The subscription is live: what was replayed before this message has been handed to the app. */
  #live(cursor: string): void {
    if (this.#ended) return
    if (isCursor(cursor)) this.#cursor.advanceTo(cursor)
    this.#renewToken = false
    this.#retry.live(Date.now())
    this.#status = 'CONNECTED'
    if (!this.#settled) {
      this.#settled = true
      this.#ready.resolve(this)
    }
    this.#fire('connected')
  }

  /** The server could not replay what was missed: the stream goes on from `cursor`, the app reloads. */
  #resync(cursor: string): void {
    if (this.#ended) return
    this.#cursor.reset(cursor)
    this.#fire('resync')
  }

  /** One event: skipped if already handled, else decoded and given to the app, failures reported. */
  async #deliver(event: EventMessage): Promise<void> {
    if (this.#closedByApp) return
    if (!isCursor(event.cursor)) {
      this.#report(
        new SdkError('INTERNAL', `A realtime event without a valid cursor was ignored (${String(event.id)})`),
      )
      return
    }
    if (!this.#cursor.accept(event.cursor)) return
    // The server filters already; a record of another type or event type never reaches the app.
    if (event.entityType !== this.spec.entityType || !this.spec.eventTypes.includes(event.eventType)) return
    let model: M
    try {
      model = await this.spec.decode(event)
    } catch (e) {
      this.#report(asError(e))
      return
    }
    if (this.#closedByApp) return
    try {
      await this.spec.eventFired(model)
    } catch (e) {
      this.#report(asError(e))
    }
  }

  #enqueue(task: () => void | Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((e: unknown) => this.#report(asError(e)))
  }

  /** The socket of `attempt` closed: reconnect, or end the subscription, as its close code says. */
  #lost(attempt: number, code: number, reason: string): void {
    if (attempt !== this.#attempt) return
    this.#clearTimers()
    this.#socket = undefined
    // Decided once the events received before the close were handled: a reconnection's `since` must
    // be the cursor of the last of them.
    this.#enqueue(() => this.#afterClose(code, reason))
  }

  #afterClose(code: number, reason: string): void {
    if (this.#ended) return
    // MedTech: a failed attempt shows ERROR (the socket's error) then CLOSED; ERROR again if it ends here.
    this.#status = 'CLOSED'
    this.#fire('closed')
    const decision = closeDecision(code, this.#closedByApp)
    const serverMessage = this.#serverError?.message ?? reason
    if (decision.action === 'stop' || (decision.renewToken && this.#renewToken)) {
      const refusal = REFUSALS[code] ?? { code: 'BAD_REQUEST' as const, status: 400 }
      return this.#end(
        new SdkError(
          refusal.code,
          `${refusal.status} - The ${this.spec.entityType} subscription was refused: ${serverMessage || `close code ${code}`}`,
          { status: refusal.status, serverMessage, url: this.#url() },
        ),
      )
    }
    if (code !== REALTIME_CLOSE_CODES.normal && this.#settled)
      this.#report(
        new SdkError(
          'NETWORK',
          `The ${this.spec.entityType} subscription was lost (close code ${code}${serverMessage ? `: ${serverMessage}` : ''}); reconnecting`,
        ),
      )
    if (!this.#retry.next(Date.now())) {
      return this.#end(
        new SdkError(
          'NETWORK',
          `The ${this.spec.entityType} subscription gave up after ${this.#retry.maxRetries} reconnection attempts (last close code ${code}${serverMessage ? `: ${serverMessage}` : ''})`,
          { url: this.#url() },
        ),
      )
    }
    this.#renewToken = decision.renewToken
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined
      if (!this.#ended) void this.#connect()
    }, this.spec.options.connectionRetryIntervalMs)
  }

  /** Ends the subscription for good with `error`: the subscribe promise rejects if it had not resolved. */
  #end(error: SdkError): void {
    this.#ended = true
    this.#clearTimers()
    this.#socket?.terminate()
    this.#socket = undefined
    this.#status = 'ERROR'
    if (this.#settled) this.#report(error)
    this.#fail(error)
  }

  #fail(error: Error): void {
    if (this.#settled) return
    this.#settled = true
    this.#ready.reject(error)
  }

  /** No message for `pingTimeoutMs` (the server pings every 20 s): the connection is dead; drop it. */
  #armKeepAlive(attempt: number): void {
    if (this.#keepAlive) clearTimeout(this.#keepAlive)
    this.#keepAlive = setTimeout(() => {
      this.#keepAlive = undefined
      if (attempt !== this.#attempt || this.#ended) return
      this.#socket?.terminate()
      this.#lost(attempt, KEEP_ALIVE_CLOSE.code, KEEP_ALIVE_CLOSE.reason)
    }, this.spec.options.pingTimeoutMs)
  }

  #clearTimers(): void {
    if (this.#keepAlive) clearTimeout(this.#keepAlive)
    if (this.#reconnect) clearTimeout(this.#reconnect)
    this.#keepAlive = undefined
    this.#reconnect = undefined
  }

  #url(): string {
    return `WS ${this.spec.http.baseUrl}`
  }

  /** Reports an error to the app's onError callbacks (one console warning if it registered none). */
  #report(error: Error): void {
    if (this.#callbacks.error.length === 0) {
      if (!this.#warned && this.#settled) {
        this.#warned = true
        console.warn(`Cairn: ${error.message} (register connection.onError to handle subscription errors)`)
      }
      return
    }
    for (const callback of this.#callbacks.error) {
      try {
        callback(error)
      } catch {
        // The app's error handler failing must not end the subscription.
      }
    }
  }

  #fire(kind: 'connected' | 'closed' | 'resync'): void {
    for (const callback of this.#callbacks[kind]) {
      try {
        callback()
      } catch (e) {
        this.#report(asError(e))
      }
    }
  }
}

/** An Error for whatever was thrown. */
function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
