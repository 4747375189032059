/** What the queue tells its owner when it fills up and when it has room again. */
export interface EventQueueHooks {
  /** More than `maxEvents` events wait: stop reading (or drop the socket) until `drained`. */
  full(): void
  /** The events waiting fell back to the low-water mark after `full`: reading may go on. */
  drained(): void
  /** A task failed (threw or rejected); the queue goes on with the next one. */
  failed(error: unknown): void
}

/**
 * The serial queue of one subscription: every message of the server becomes a task run one at a time
 * in arrival order (an event is decoded and the app's `eventFired` awaited before the next one). The
 * tasks themselves are cheap closures, but an event holds its record until it is handled, so the
 * events waiting are counted: past `maxEvents` the owner is told to stop reading (`full`), so that a
 * slow app makes the server see a slow consumer (its own backpressure and 4409) instead of the client
 * buffering a whole replay or burst in memory. Reading resumes (`drained`) at half the limit, not at
 * the first event handled, so that a socket is not paused and resumed at every event.
 */
export class EventQueue {
  #tail: Promise<void> = Promise.resolve()
  #events = 0
  #full = false
  readonly #resumeAt: number

  constructor(
    readonly maxEvents: number,
    private readonly hooks: EventQueueHooks,
  ) {
    if (!Number.isInteger(maxEvents) || maxEvents < 1)
      throw new RangeError(`maxEvents must be a positive integer (got ${String(maxEvents)})`)
    this.#resumeAt = Math.floor(maxEvents / 2)
  }

  /** Events queued and not yet handled (the one being handled included). */
  get events(): number {
    return this.#events
  }

  /** True between `full` and `drained`. */
  get isFull(): boolean {
    return this.#full
  }

  /** Queues an event's task: it counts against `maxEvents` until it settled. */
  pushEvent(task: () => void | Promise<void>): void {
    this.#events++
    this.#chain(task, true)
    if (!this.#full && this.#events > this.maxEvents) {
      this.#full = true
      try {
        this.hooks.full()
      } catch (e) {
        this.#failed(e)
      }
    }
  }

  /**
   * Queues a task that is no event (a position, the subscription going live, a close): it runs in
   * order with the events but does not count.
   */
  push(task: () => void | Promise<void>): void {
    this.#chain(task, false)
  }

  #chain(task: () => void | Promise<void>, isEvent: boolean): void {
    // The tail never rejects: a failing task (or hook) must not skip the tasks queued after it.
    this.#tail = this.#tail.then(async () => {
      try {
        await task()
      } catch (e) {
        this.#failed(e)
      }
      if (isEvent) this.#handled()
    })
  }

  #handled(): void {
    this.#events--
    if (this.#full && this.#events <= this.#resumeAt) {
      this.#full = false
      try {
        this.hooks.drained()
      } catch (e) {
        this.#failed(e)
      }
    }
  }

  #failed(error: unknown): void {
    try {
      this.hooks.failed(error)
    } catch {
      // Reporting a failure failed too: nothing left to tell, and the queue must go on.
    }
  }
}
