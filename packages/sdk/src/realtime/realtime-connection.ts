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
import { EventQueue } from './event-queue.ts'
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
 * Why a browser client closes its socket when too many events wait for the app (it cannot pause a
 * WebSocket): a normal close, since nothing failed; it reconnects from its cursor once they were handled.
 */
const QUEUE_FULL_CLOSE = { code: REALTIME_CLOSE_CODES.normal, reason: 'client event queue full' }

/**
 * One realtime subscription (MedTech `ConnectionImpl`, docs/realtime.md): opens the socket, sends the
 * `subscribe` message, answers pings, hands the events to the app one at a time in the order they
 * came (each decoded, then `eventFired` awaited), and reconnects after a lost connection with `since`
 * set to the last cursor handled, so that what was missed is replayed and nothing twice. The cursor
 * also follows the positions of the server's pings (events this subscription did not receive), so a
 * quiet or filtered subscription is not told to resync after a long outage. At most
 * `maxQueuedEvents` events wait for the app: past it the socket is paused (Node) or closed and
 * reopened once they were handled (browsers). Failures of one event (it does not decrypt or verify,
 * the app's callback throws) go to `onError` and the subscription goes on.
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
  /** Events and positions, handled one at a time in order, the events counted. */
  readonly #queue: EventQueue
  /** The socket paused because the queue is full (Node), until it drained. */
  #paused: RealtimeSocket | undefined
  /** The attempt whose `subscribed` was handled: pings move the cursor only once it is live. */
  #liveAttempt = 0
  /** The cursor when the current attempt started, to tell whether it made progress. */
  #cursorAtConnect: string | undefined
  #warned = false

  constructor(private readonly spec: SubscriptionSpec<M>) {
    this.#retry = new RetryBudget(spec.options.connectionMaxRetry, spec.options.connectionRetryIntervalMs)
    this.#queue = new EventQueue(spec.options.maxQueuedEvents, {
      full: () => this.#queueFull(),
      drained: () => this.#queueDrained(),
      failed: (e) => this.#report(asError(e)),
    })
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

  /** Events received and not yet handled by the app (at most about `maxQueuedEvents`). */
  get queuedEvents(): number {
    return this.#queue.events
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
    this.#cursorAtConnect = this.#cursor.value
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
      case 'ping': {
        // Answered at once (the keep-alive must not wait for the app); its position is taken in order.
        this.#send(JSON.stringify({ type: 'pong' }))
        const cursor = message.cursor
        if (cursor !== undefined) this.#queue.push(() => this.#passed(attempt, cursor))
        return
      }
      case 'subscribed':
        this.#queue.push(() => this.#live(attempt, message.cursor))
        return
      case 'event':
        this.#queue.pushEvent(() => this.#deliver(message))
        return
      case 'resync':
        this.#queue.push(() => this.#resync(message.cursor))
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
  #live(attempt: number, cursor: string): void {
    if (this.#ended) return
    if (isCursor(cursor)) this.#cursor.advanceTo(cursor)
    this.#liveAttempt = attempt
    this.#renewToken = false
    this.#retry.live(Date.now())
    this.#status = 'CONNECTED'
    if (!this.#settled) {
      this.#settled = true
      this.#ready.resolve(this)
    }
    this.#fire('connected')
  }

  /**
   * A ping's position: the server's stream went up to `cursor` for this subscription, including
   * events it did not send (filtered out, not readable). Handled after the events queued before the
   * ping, so it never passes one of them, and only once live: during a replay the position may be
   * ahead of the replayed events still to come. Forward only.
   */
  #passed(attempt: number, cursor: string): void {
    if (this.#ended || attempt !== this.#liveAttempt || attempt !== this.#attempt) return
    if (isCursor(cursor)) this.#cursor.advanceTo(cursor)
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

  /**
   * More than `maxQueuedEvents` events wait. Node: stop reading the socket until half of them were
   * handled (what the server sends then waits in the network and in the server's queue, which closes
   * with 4409 if it overflows). Browsers cannot stop reading: the socket is closed and reopened from
   * the cursor once the queue drained, and the server replays what came in between.
   */
  #queueFull(): void {
    const socket = this.#socket
    if (!socket || this.#ended) return
    if (socket.pause) {
      socket.pause()
      this.#paused = socket
      // The silence that follows is this client's: no keep-alive timeout while it is paused.
      this.#armKeepAlive(this.#attempt)
      return
    }
    this.#shed(this.#attempt, socket)
  }

  /** Enough events were handled after `#queueFull`: a paused socket reads again. */
  #queueDrained(): void {
    const socket = this.#paused
    this.#paused = undefined
    if (!socket || socket !== this.#socket || this.#ended) return
    socket.resume?.()
    this.#armKeepAlive(this.#attempt)
  }

  /** Closes the socket of `attempt` for a full queue; the next attempt starts once the queue drained. */
  #shed(attempt: number, socket: RealtimeSocket): void {
    this.#clearTimers()
    this.#socket = undefined
    try {
      socket.close(QUEUE_FULL_CLOSE.code, QUEUE_FULL_CLOSE.reason)
    } catch {
      socket.terminate()
    }
    this.#queue.push(() => this.#afterShed(attempt))
  }

  /**
   * Reconnects after `#shed`, at once and without spending the retry budget: nothing failed, and the
   * events handled meanwhile moved the cursor, so the replay starts after them.
   */
  #afterShed(attempt: number): void {
    if (this.#ended || attempt !== this.#attempt) return
    this.#status = 'CLOSED'
    this.#fire('closed')
    void this.#connect()
  }

  /** The socket of `attempt` closed: reconnect, or end the subscription, as its close code says. */
  #lost(attempt: number, code: number, reason: string): void {
    if (attempt !== this.#attempt) return
    this.#clearTimers()
    this.#socket = undefined
    // Decided once the events received before the close were handled: a reconnection's `since` must
    // be the cursor of the last of them.
    this.#queue.push(() => this.#afterClose(code, reason))
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
    // The server closes a slow consumer (4409) after it sent more than the app handled: when the
    // attempt moved the cursor, reconnecting makes progress and does not count against the budget
    // (else a slow app replaying a long outage would give up before it ever went live).
    const progressed = this.#cursor.value !== this.#cursorAtConnect
    const free = code === REALTIME_CLOSE_CODES.slowConsumer && progressed
    if (!free && !this.#retry.next(Date.now())) {
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
    this.#keepAlive = undefined
    if (this.#paused && this.#paused === this.#socket) return
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
