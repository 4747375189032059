import pg from 'pg'
import { pgApplicationName } from '../storage/postgres-backend.ts'
import { quotePgSchema } from '../storage/pg-schema-name.ts'
import type { EventSignal } from './event-signal.ts'

/** First and longest wait before connecting again after the listening connection broke (ms). */
const RECONNECT_MIN_MS = 100
const RECONNECT_MAX_MS = 10_000

/** What the signal logs (connection trouble, never data). */
export interface SignalLog {
  warn(details: object, message: string): void
  info(details: object, message: string): void
}

/**
 * The NOTIFY channel of a schema: `cairn_events_<schema>`, so that several Cairn schemas on one
 * database do not wake each other. Channel names are identifiers (63 bytes at most); a long schema
 * name is cut, which at worst wakes another schema's instances for nothing.
 */
export function pgEventChannel(schema: string): string {
  quotePgSchema(schema) // validates: lower-case letters, digits and _ only
  return `cairn_events_${schema}`.slice(0, 63)
}

/**
 * EventSignal over PostgreSQL LISTEN/NOTIFY, on a dedicated connection outside the pool (a pooled
 * connection is handed to requests, and LISTEN belongs to one session). When that connection breaks,
 * it connects again with doubling back-off (RECONNECT_MIN_MS to RECONNECT_MAX_MS), and runs the
 * callbacks once listening again: whatever was signalled meanwhile is read then (and the poll would
 * read it anyway). `publish` sends NOTIFY on the same connection; when it is down the notification is
 * dropped (the instances' polls pick the events up).
 */
export class PgEventSignal implements EventSignal {
  readonly #callbacks: (() => void)[] = []
  readonly #channel: string
  #client?: pg.Client
  #listening = false
  #closed = false
  #delay = RECONNECT_MIN_MS
  #timer?: NodeJS.Timeout

  constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly log: SignalLog,
    private readonly connectTimeoutMs = 5_000,
  ) {
    this.#channel = pgEventChannel(schema)
  }

  /** Connects and listens; a failure here is retried in the background (the poll covers meanwhile). */
  async init(): Promise<void> {
    await this.#connect()
  }

  async #connect(): Promise<void> {
    if (this.#closed) return
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: pgApplicationName(this.schema),
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
    })
    this.#client = client
    let lost = false
    const onLost = (error?: Error) => {
      if (lost) return
      lost = true
      this.#listening = false
      if (this.#client === client) this.#client = undefined
      client.removeAllListeners('notification')
      client.end().catch(() => undefined)
      if (this.#closed) return
      this.log.warn(
        { err: { message: error?.message ?? 'connection ended' }, retryInMs: this.#delay },
        'realtime: the LISTEN connection to PostgreSQL broke; connecting again',
      )
      this.#schedule()
    }
    client.on('error', onLost)
    client.on('end', () => onLost())
    client.on('notification', (message) => {
      if (message.channel === this.#channel) this.#fire()
    })
    try {
      await client.connect()
      await client.query(`LISTEN "${this.#channel}"`)
    } catch (error) {
      onLost(error as Error)
      return
    }
    if (this.#closed) {
      await client.end().catch(() => undefined)
      return
    }
    this.#listening = true
    this.#delay = RECONNECT_MIN_MS
    // Events may have been recorded while not listening.
    this.#fire()
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return
    const delay = this.#delay
    this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#connect()
    }, delay)
    this.#timer.unref()
  }

  #fire(): void {
    for (const cb of this.#callbacks) cb()
  }

  /** NOTIFY with the head as payload; dropped (logged at most by the connection) when not connected. */
  publish(head: bigint | string): void {
    const client = this.#client
    if (this.#closed || !client || !this.#listening) return
    client.query('select pg_notify($1, $2)', [this.#channel, String(head)]).catch(() => undefined)
  }

  /** See EventSignal.onSignal. */
  onSignal(callback: () => void): void {
    this.#callbacks.push(callback)
  }

  /** Whether the LISTEN connection is up (tests, health). */
  get listening(): boolean {
    return this.#listening
  }

  /** Ends the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true
    this.#callbacks.length = 0
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const client = this.#client
    this.#client = undefined
    this.#listening = false
    if (client) await client.end().catch(() => undefined)
  }
}
