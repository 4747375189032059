/**
 * How instances tell each other that the event log grew: a hint only, never the events themselves
 * (the rows of `event_log` are the source of truth, and every instance also polls them, so a lost
 * signal only delays delivery by up to CAIRN_REALTIME_POLL_MS).
 */
export interface EventSignal {
  /** Starts listening (connects, for a transport that has a connection). */
  init(): Promise<void>
  /** Tells every instance (this one included) that events up to `head` were recorded. */
  publish(head: bigint | string): void
  /** Registers what to run when a signal arrives (or when a lost connection came back). */
  onSignal(callback: () => void): void
  /** Stops listening and forgets the callbacks. */
  close(): Promise<void>
}

/**
 * The signal of a single instance (SQLite, or one process on PostgreSQL without a transport): the
 * callbacks run on the next turn of the event loop, never within the publisher's call.
 */
export class InProcessEventSignal implements EventSignal {
  readonly #callbacks: (() => void)[] = []
  #closed = false

  /** Nothing to connect. */
  init(): Promise<void> {
    return Promise.resolve()
  }

  /** Runs the callbacks soon (setImmediate). */
  publish(_head: bigint | string): void {
    if (this.#closed) return
    setImmediate(() => {
      if (!this.#closed) for (const cb of this.#callbacks) cb()
    })
  }

  /** See EventSignal.onSignal. */
  onSignal(callback: () => void): void {
    this.#callbacks.push(callback)
  }

  /** Stops delivering. */
  close(): Promise<void> {
    this.#closed = true
    this.#callbacks.length = 0
    return Promise.resolve()
  }
}
