import type { WriteEvent } from './write-event.ts'

/** Receives write events; may be async. Its failures are reported, never propagated to the writer. */
export type WriteEventListener = (event: WriteEvent) => void | Promise<void>

/**
 * In-process publish/subscribe of write events. Services call `emit` after the storage call that
 * committed the write returned, so listeners only ever see committed data. A listener that throws or
 * rejects cannot fail the request: its error goes to `onListenerError`. Listeners are called in the
 * request, in order: one that has slow work to do must do it asynchronously (the promise it returns
 * is not awaited). `close()` drops every listener, for a clean shutdown.
 */
export class EventBus {
  readonly #listeners = new Set<WriteEventListener>()
  #closed = false

  constructor(private readonly onListenerError: (error: unknown, event: WriteEvent) => void) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: WriteEventListener): () => void {
    if (this.#closed) throw new Error('the event bus is closed')
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Delivers committed writes to every listener, in order, each event once per listener. */
  emit(events: readonly WriteEvent[]): void {
    if (this.#closed || this.#listeners.size === 0) return
    for (const event of events) {
      for (const listener of this.#listeners) {
        try {
          const result = listener(event)
          if (result instanceof Promise) result.catch((e: unknown) => this.onListenerError(e, event))
        } catch (e) {
          this.onListenerError(e, event)
        }
      }
    }
  }

  /** Number of listeners (for health and tests). */
  get size(): number {
    return this.#listeners.size
  }

  /** Stops delivering and forgets every listener. */
  close(): void {
    this.#closed = true
    this.#listeners.clear()
  }
}
