/** The cursor's wire form (realtime-dto.ts CursorSchema): 1 to 19 decimal digits. */
const CURSOR = /^[0-9]{1,19}$/

/** True if `value` is a cursor as the protocol defines it. */
export function isCursor(value: unknown): value is string {
  return typeof value === 'string' && CURSOR.test(value)
}

/**
 * The position of a subscription in the server's event stream: the cursor of the last event handled.
 * A reconnection asks for what came after it (`since`), and the replay may overlap what was already
 * delivered (events sent while the socket was dying): only a cursor after the last one is accepted,
 * so every event reaches the app once, in order. Cursors are compared as integers (BigInt: up to 19
 * digits, more than a double holds exactly).
 */
export class EventCursor {
  #last: string | undefined

  constructor(initial?: string) {
    if (initial !== undefined && !isCursor(initial)) throw new RangeError(`not a cursor: ${String(initial)}`)
    this.#last = initial
  }

  /** The last cursor accepted; undefined before the first. */
  get value(): string | undefined {
    return this.#last
  }

  /** True if `cursor` comes after the last one (which it then becomes); false for a duplicate or an older one. */
  accept(cursor: string): boolean {
    if (!isCursor(cursor)) return false
    if (this.#last !== undefined && BigInt(cursor) <= BigInt(this.#last)) return false
    this.#last = cursor
    return true
  }

  /**
   * Moves to a position the server gave (`subscribed`, `resync`) if it is after the last one: a replay
   * must never start before what was already delivered.
   */
  advanceTo(cursor: string): void {
    this.accept(cursor)
  }

  /** Moves to `cursor` whatever it is (`resync`: the server restarts the stream from there). */
  reset(cursor: string): void {
    if (isCursor(cursor)) this.#last = cursor
  }
}
