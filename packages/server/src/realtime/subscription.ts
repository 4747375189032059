import {
  REALTIME_CLOSE_CODES,
  type RealtimeEntityType,
  type RealtimeEventType,
  type ServerMessage,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'

/** Where a subscription's messages go: its socket. */
export interface SubscriptionSink {
  /** Sends one text message. */
  send(text: string): void
  /** Bytes queued on the socket and not yet written to the network. */
  bufferedAmount(): number
  /** Sends an `error` message, then closes the socket with `code`. */
  close(code: number, error: { code: string; message: string }): void
}

/** The bounds of one subscription (CAIRN_REALTIME_QUEUE_LIMIT, CAIRN_REALTIME_MAX_BUFFER_BYTES). */
export interface SubscriptionLimits {
  /** Most events waiting to be matched and sent. */
  readonly queueLimit: number
  /** Most bytes waiting in the socket's buffer. */
  readonly maxBufferBytes: number
}

/** What was asked for, once validated and compiled. */
export interface SubscriptionSpec {
  readonly caller: Caller
  readonly entityType: RealtimeEntityType
  readonly eventTypes: ReadonlySet<RealtimeEventType>
  /**
   * The filter, evaluated by the database: which of `ids` (entities of the batch the caller may read)
   * it selects. Absent: every readable event.
   */
  readonly matcher?: (ids: string[]) => Promise<Set<string>>
  /**
   * The client address of the socket's upgrade (as the trust-proxy setting resolves it), recorded
   * with every event delivered in the access log; `caller.requestId` is the socket's id (`ws-<uuid>`).
   */
  readonly clientAddress?: string
}

/**
 * One subscription of one socket: the caller and what it asked for, the cursor of the last event it
 * was given (`lastSeq`: replay and live delivery both skip rows at or below it, so that none is sent
 * twice), and a serial queue (a promise chain) through which every batch passes in stream order.
 *
 * Slow consumers are bounded: more than `queueLimit` events waiting in the queue, or more than
 * `maxBufferBytes` waiting in the socket's buffer, closes the socket with 4409 ("slow consumer: ...");
 * the client reconnects with its cursor and is replayed what it missed (or told to resync).
 */
export class Subscription {
  /** Seq of the last event handled (sent or skipped); the cursor the client would send back. */
  lastSeq = 0
  /**
   * Whether `subscribed` was sent: from then on `lastSeq` is a cursor the client may adopt (the
   * keep-alive ping carries it, so that quiet or filtered subscribers' cursors advance too).
   */
  live = false
  #pending = 0
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  constructor(
    readonly spec: SubscriptionSpec,
    private readonly sink: SubscriptionSink,
    private readonly limits: SubscriptionLimits,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Whether the subscription was closed (by a limit or its socket). */
  get closed(): boolean {
    return this.#closed
  }

  /** Events queued and not handled yet. */
  get pending(): number {
    return this.#pending
  }

  /**
   * Queues `task`, which handles `events` events, after the tasks queued before it. False (and the
   * socket closed with 4409) when that puts more than `queueLimit` events in the queue.
   */
  enqueue(events: number, task: () => Promise<void>): boolean {
    if (this.#closed) return false
    if (this.#pending + events > this.limits.queueLimit) {
      this.fail(
        REALTIME_CLOSE_CODES.slowConsumer,
        'SLOW_CONSUMER',
        `slow consumer: more than ${this.limits.queueLimit} events waiting`,
      )
      return false
    }
    this.#pending += events
    this.#chain = this.#chain
      .then(() => (this.#closed ? undefined : task()))
      .catch((error: unknown) => {
        this.onError(error)
        this.fail(1011, 'INTERNAL', 'the server could not deliver events; reconnect with your cursor')
      })
      .finally(() => {
        this.#pending -= events
      })
    return true
  }

  /** Resolves once every task queued so far ran (tests, shutdown). */
  idle(): Promise<void> {
    return this.#chain
  }

  /** Sends a message (object or JSON text); closes with 4409 when the socket's buffer is over its limit. */
  send(message: ServerMessage | string): void {
    if (this.#closed) return
    this.sink.send(typeof message === 'string' ? message : JSON.stringify(message))
    const buffered = this.sink.bufferedAmount()
    if (buffered > this.limits.maxBufferBytes)
      this.fail(
        REALTIME_CLOSE_CODES.slowConsumer,
        'SLOW_CONSUMER',
        `slow consumer: more than ${this.limits.maxBufferBytes} bytes waiting to be sent`,
      )
  }

  /** Closes the socket with `code` after an `error` message; later calls and sends do nothing. */
  fail(code: number, errorCode: string, message: string): void {
    if (this.#closed) return
    this.#closed = true
    this.sink.close(code, { code: errorCode, message })
  }

  /** Marks it closed without touching the socket (the socket closed first). */
  markClosed(): void {
    this.#closed = true
  }
}
