import type { FastifyBaseLogger } from 'fastify'
import type { StorageFault, StorageFaultKind } from './storage-fault.ts'

/** A fault of the same kind is logged again at most this often (ms), with the number left unlogged. */
const REPEAT_INTERVAL_MS = 60_000

/**
 * Logs database faults once, with their cause and where the data lives, instead of once per failed
 * request: a full disk under load would otherwise write thousands of identical lines (and fill the
 * disk that holds the log). A new kind of fault is logged at once; the same kind again after a minute,
 * with how many occurrences were not logged in between.
 */
export class StorageFaultLog {
  readonly #last = new Map<StorageFaultKind, { at: number; unlogged: number }>()
  #log?: FastifyBaseLogger

  /** `location` says where the data lives (SQLite file, PostgreSQL host/database/schema; no password). */
  constructor(readonly location: string) {}

  /** Sets the logger (the app's, created after storage). Faults before that go to stderr. */
  attach(log: FastifyBaseLogger): void {
    this.#log = log
  }

  /** Records one occurrence of `fault`; logs it unless the same kind was logged less than a minute ago. */
  report(fault: StorageFault, now = Date.now()): void {
    const last = this.#last.get(fault.kind)
    if (last && now - last.at < REPEAT_INTERVAL_MS) {
      last.unlogged++
      return
    }
    this.#last.set(fault.kind, { at: now, unlogged: 0 })
    const entry = {
      fault: fault.kind,
      cause: fault.cause,
      data: this.location,
      ...(last?.unlogged ? { unloggedSinceLast: last.unlogged } : {}),
    }
    const message = `database fault: ${fault.kind} (${fault.cause}) at ${this.location}`
    if (this.#log) this.#log.error(entry, message)
    else process.stderr.write(`${message}\n`)
  }
}
