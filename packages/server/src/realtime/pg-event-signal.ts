import pg from 'pg'
import { pgApplicationName } from '../storage/postgres-backend.ts'
import { quotePgSchema } from '../storage/pg-schema-name.ts'
import type { EventSignal } from './event-signal.ts'

/** First and longest wait before connecting again after the listening connection broke (ms). */
const RECONNECT_MIN_MS = 100
const RECONNECT_MAX_MS = 10_000

/**
 * Idle time before the first TCP keep-alive probe (ms). Without it the OS default applies (two hours
 * on Linux), so a connection cut by a firewall or NAT would go unnoticed for that long.
 */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000

/**
 * The watchdog: every WATCHDOG_EVERY_MS the listening connection runs `select 1`, and one that does
 * not answer within WATCHDOG_TIMEOUT_MS is taken as dead and replaced. A connection can die without
 * an error (a silently dropped TCP flow): it then neither errors nor receives notifications, and only
 * the poll would deliver events, CAIRN_REALTIME_POLL_MS late, until the keep-alive gives up.
 */
const WATCHDOG_EVERY_MS = 30_000
const WATCHDOG_TIMEOUT_MS = 5_000

/** Timing of the liveness checks (tests shorten them). */
export interface SignalTiming {
  readonly watchdogEveryMs?: number
  readonly watchdogTimeoutMs?: number
}

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
 * read it anyway). A watchdog replaces a connection that died silently (WATCHDOG_*). `publish`
 * sends NOTIFY on the same connection, one at a time: while one is in flight, or the connection is
 * down, a publish is skipped (a notification is a hint, the instances' polls pick the events up, and
 * queueing them behind a stalled connection would only pile them up).
 */
export class PgEventSignal implements EventSignal {
  readonly #callbacks: (() => void)[] = []
  readonly #channel: string
  #client?: pg.Client
  #listening = false
  #closed = false
  #delay = RECONNECT_MIN_MS
  #timer?: NodeJS.Timeout
  #watchdog?: NodeJS.Timeout
  #publishing = false
  readonly #watchdogEveryMs: number
  readonly #watchdogTimeoutMs: number

  constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
    private readonly log: SignalLog,
    private readonly connectTimeoutMs = 5_000,
    timing: SignalTiming = {},
  ) {
    this.#channel = pgEventChannel(schema)
    this.#watchdogEveryMs = timing.watchdogEveryMs ?? WATCHDOG_EVERY_MS
    this.#watchdogTimeoutMs = timing.watchdogTimeoutMs ?? WATCHDOG_TIMEOUT_MS
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
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    })
    this.#client = client
    let lost = false
    const onLost = (error?: Error) => {
      if (lost) return
      lost = true
      this.#stopWatchdog()
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
    this.#startWatchdog(client, onLost)
    // Events may have been recorded while not listening.
    this.#fire()
  }

  #startWatchdog(client: pg.Client, onLost: (error?: Error) => void): void {
    this.#stopWatchdog()
    let checking = false
    this.#watchdog = setInterval(() => {
      if (checking) return
      checking = true
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('no answer to the liveness check')),
          this.#watchdogTimeoutMs,
        )
      })
      Promise.race([client.query('select 1'), timeout])
        .then(
          () => undefined,
          (error: unknown) => onLost(error as Error),
        )
        .finally(() => {
          clearTimeout(timer)
          checking = false
        })
    }, this.#watchdogEveryMs)
    this.#watchdog.unref()
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog)
    this.#watchdog = undefined
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

  /**
   * NOTIFY with the head as payload; skipped when not connected or while the previous NOTIFY has not
   * been answered (a later poll or signal reads the events anyway).
   */
  publish(head: bigint | string): void {
    const client = this.#client
    if (this.#closed || !client || !this.#listening || this.#publishing) return
    this.#publishing = true
    client
      .query('select pg_notify($1, $2)', [this.#channel, String(head)])
      .catch(() => undefined)
      .finally(() => {
        this.#publishing = false
      })
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
    this.#stopWatchdog()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const client = this.#client
    this.#client = undefined
    this.#listening = false
    if (client) await client.end().catch(() => undefined)
  }
}
