import type { EventBus } from '../events/event-bus.ts'
import type { WriteEvent } from '../events/write-event.ts'
import type { EventLogStore, NewEventLogRow } from '../storage/event-log-store.ts'
import type { EventSignal } from './event-signal.ts'
import { eventLogRowOf } from './event-kind.ts'

/** What the recorder logs: counts and causes, never ids of records or content. */
export interface RecorderLog {
  error(details: object, message: string): void
}

/** Tuning of the recorder; the defaults suit a server. */
export interface RecorderOptions {
  /** Longest an event waits for its batch to be appended (ms): a few ms groups a burst of writes. */
  flushMs?: number
  /** A batch is appended at once when this many events wait. */
  batchSize?: number
  /** Most events kept waiting while the database does not keep up (or is down); more are dropped. */
  maxQueued?: number
  /** Wait before appending again after a failed append (ms). */
  retryMs?: number
}

/**
 * Records the write events subscribers can see (eventLogRowOf) into the event log, off the request
 * path: events are queued as the EventBus delivers them (after their write committed) and appended in
 * batches, one append at a time, every `flushMs` or as soon as `batchSize` wait; each append is
 * followed by a signal to every instance.
 *
 * Bounded: when the database cannot keep up (or is down: a failed append is retried after `retryMs`),
 * at most `maxQueued` events wait. Past that, new events are dropped — never silently: the count is
 * logged as an error, and `onLoss` is told so that this instance's subscribers are sent a `resync`.
 * Known limit (docs/realtime.md): an event is recorded after its write committed, so a crash between
 * the two loses the event (never the write); subscribers of other instances are not told of a loss.
 */
export class EventRecorder {
  readonly #queue: NewEventLogRow[] = []
  readonly #flushMs: number
  readonly #batchSize: number
  readonly #maxQueued: number
  readonly #retryMs: number
  #timer?: NodeJS.Timeout
  #flushing?: Promise<void>
  #unsubscribe?: () => void
  #closed = false
  #dropped = 0

  constructor(
    private readonly events: EventBus,
    private readonly store: EventLogStore,
    private readonly signal: EventSignal,
    private readonly log: RecorderLog,
    options: RecorderOptions = {},
    /** Told of events dropped because the queue was full (their subscribers must resync). */
    private readonly onLoss: (count: number) => void = () => undefined,
  ) {
    this.#flushMs = options.flushMs ?? 5
    this.#batchSize = options.batchSize ?? 200
    this.#maxQueued = options.maxQueued ?? 10_000
    this.#retryMs = options.retryMs ?? 1_000
  }

  /** Starts recording the bus's events. */
  init(): void {
    this.#unsubscribe = this.events.subscribe((event) => this.record(event))
  }

  /** Queues one event (if subscribers can see it); for the bus, and for tests. */
  record(event: WriteEvent): void {
    if (this.#closed) return
    const row = eventLogRowOf(event)
    if (!row) return
    if (this.#queue.length >= this.#maxQueued) {
      this.#dropped++
      // One line per burst of drops, at its first event and then every 1,000.
      if (this.#dropped % 1000 === 1)
        this.log.error(
          { dropped: this.#dropped, queued: this.#queue.length },
          'realtime: the event log cannot keep up; events dropped (their subscribers are told to resync)',
        )
      this.onLoss(1)
      return
    }
    this.#queue.push(row)
    if (this.#queue.length >= this.#batchSize) this.#kick(0)
    else this.#kick(this.#flushMs)
  }

  /** Events waiting to be appended (tests, metrics). */
  get queued(): number {
    return this.#queue.length
  }

  #kick(delay: number): void {
    if (this.#flushing) return // the running flush goes on while events wait
    if (this.#timer && delay > 0) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.flush()
    }, delay)
  }

  /** Appends everything queued now, batch after batch; resolves when the queue is empty or an append failed. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined
      if (this.#queue.length > 0 && !this.#closed) this.#kick(this.#failed ? this.#retryMs : 0)
    })
    return this.#flushing
  }

  #failed = false

  async #drain(): Promise<void> {
    this.#failed = false
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#batchSize)
      let head: number
      try {
        head = await this.store.append(batch)
      } catch (error) {
        this.#failed = true
        this.log.error(
          { err: { message: (error as Error).message }, queued: this.#queue.length },
          'realtime: appending to the event log failed; retrying',
        )
        return
      }
      this.#queue.splice(0, batch.length)
      if (this.#dropped > 0) this.#dropped = 0
      this.signal.publish(String(head))
    }
  }

  /** Stops recording and appends what is queued (a failure leaves it unrecorded, logged). */
  async close(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#flushing
    if (this.#queue.length > 0) await this.flush()
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#queue.length > 0)
      this.log.error({ lost: this.#queue.length }, 'realtime: events not recorded at shutdown')
  }
}
