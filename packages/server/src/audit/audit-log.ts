import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import { AppError } from '../http/app-error.ts'
import type { AuditRecord, AuditStore } from '../storage/audit-store.ts'
import { requestContext } from './request-context.ts'

/** Where the sources of entries (services, the write-event listener, the login) hand them over. */
export interface AuditSink {
  /**
   * Queues entries for writing, synchronously (never awaits the database). An entry with a request id
   * but no client address gets the address of that request, while it is served (request-context.ts).
   */
  record(entries: readonly AuditRecord[]): void
}

/** Settings of the access log's writer. */
export interface AuditLogOptions {
  /** Entries queued at most before requests are refused (CAIRN_AUDIT_QUEUE_LIMIT). */
  queueLimit: number
  /** Entries older than this many days are deleted, once a day; 0 keeps them forever. */
  retentionDays: number
  /** The registry of the server's metrics, when they are enabled. */
  metrics?: Registry
  /** Most time queued entries wait for a write (ms; default FLUSH_INTERVAL_MS). */
  flushIntervalMs?: number
  /** How long the writer may keep failing before requests are refused (ms; default STALL_MS). */
  stallMs?: number
}

/**
 * Entries wait at most this long (ms) before a write. The cost of an entry is mostly the index pages
 * its insert dirties (four indexes, three of them at random positions): a transaction of 300 entries
 * costs about 38 µs per entry on SQLite, one of 1,500 about 22 µs, one of 5,000 about 16 µs (measured
 * on the 2-core benchmark machine, docs/performance.md). A quarter of a second keeps the log current
 * for any reader while a busy server writes thousands of entries per transaction.
 */
const FLUSH_INTERVAL_MS = 250

/** This many queued entries are written at once, without waiting for the interval. */
const FLUSH_AT = 5000

/** Most entries per append transaction: bounds how long one holds the chain's lock. */
const MAX_BATCH = 5000

/** First retry delay after a failed write (ms), doubled at each failure up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 50
const MAX_BACKOFF_MS = 2000

/**
 * A writer that has been failing for this long (ms) makes the server refuse requests even though its
 * queue has room: the database is evidently not taking entries, and every request served meanwhile
 * would be logged only if the database comes back before the process ends.
 */
const STALL_MS = 5000

/** Retry-After of a refused request (seconds): about how long a backlog of the bound takes to drain. */
const REFUSAL_RETRY_AFTER_S = 2

/** Routes served while the log cannot keep up: probes, metrics and the documentation never log anything. */
const UNGATED = new Set(['/health', '/ready', '/metrics', '/openapi.json'])

/** Retention runs this long after the start (ms), then once a day. */
const RETENTION_FIRST_DELAY_MS = 60_000
const DAY_MS = 24 * 3600 * 1000

/**
 * The access log's writer (docs/audit.md). `record` queues entries in memory and returns at once; a
 * writer appends them in batches off the request path (every FLUSH_INTERVAL_MS, or as soon as
 * FLUSH_AT are queued), in order. A failed write is retried with back-off, never dropped. The queue is
 * bounded: when it holds `queueLimit` entries, or the writer has been failing for longer than
 * `stallMs`, the gate (installGate) answers every API request with 503 and Retry-After rather than
 * serve requests that might go unlogged (fail closed). Entries of requests already admitted are still
 * queued: the bound gates new work, it never loses an entry.
 *
 * Lifecycle: `init()` starts the daily retention when configured; `close()` writes what is queued
 * (before the storage closes) and stops.
 */
export class AuditLog implements AuditSink {
  #queue: AuditRecord[] = []
  #timer?: NodeJS.Timeout
  #retention?: NodeJS.Timeout
  #draining = false
  #backoffMs = 0
  /** Since when (epoch ms) every write attempt failed; undefined while writes succeed. */
  #failingSince?: number
  #closed = false
  #log?: FastifyBaseLogger
  /** Whether requests are being refused, to log the start and the end of a refusal once. */
  #refusing = false
  readonly #written?: Counter
  readonly #refused?: Counter
  readonly #queueLimit: number
  readonly #flushIntervalMs: number
  readonly #stallMs: number
  /** Drains waiting for the queue to empty (close, tests). */
  #idle: (() => void)[] = []

  constructor(
    /** Appends (in production: the writer thread's) and prunes (the storage's). */
    private readonly store: Pick<AuditStore, 'append' | 'prune'>,
    private readonly options: AuditLogOptions,
  ) {
    this.#queueLimit = options.queueLimit
    this.#flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS
    this.#stallMs = options.stallMs ?? STALL_MS
    const registers = options.metrics ? [options.metrics] : undefined
    if (registers) {
      const queue = () => this.#queue.length
      new Gauge({
        name: 'cairn_audit_queue_length',
        help: 'Access-log entries waiting to be written',
        registers,
        collect() {
          this.set(queue())
        },
      })
      this.#written = new Counter({
        name: 'cairn_audit_entries_written_total',
        help: 'Access-log entries written',
        registers,
      })
      this.#refused = new Counter({
        name: 'cairn_audit_refused_requests_total',
        help: 'Requests refused (503) because the access log could not keep up',
        registers,
      })
    }
  }

  /** Where failures are logged (the app's logger, once it exists). */
  attach(log: FastifyBaseLogger): void {
    this.#log = log
  }

  /** Starts the daily retention, when entries are not kept forever. */
  init(): void {
    if (this.options.retentionDays <= 0) return
    const run = () => {
      this.#retention = setTimeout(run, DAY_MS).unref()
      this.prune().catch((error: unknown) =>
        this.#log?.error({ err: { message: (error as Error)?.message } }, 'access log retention failed'),
      )
    }
    this.#retention = setTimeout(run, RETENTION_FIRST_DELAY_MS).unref()
  }

  /** Deletes the entries older than the retention period now; returns how many (0 when kept forever). */
  async prune(now = Date.now()): Promise<number> {
    if (this.options.retentionDays <= 0) return 0
    const deleted = await this.store.prune(now - this.options.retentionDays * DAY_MS)
    if (deleted > 0) this.#log?.info({ deleted }, 'access log retention deleted old entries')
    return deleted
  }

  /** See AuditSink.record. */
  record(entries: readonly AuditRecord[]): void {
    if (entries.length === 0) return
    for (const entry of entries) {
      const request =
        entry.clientAddress === undefined && entry.requestId !== undefined
          ? requestContext(entry.requestId)
          : undefined
      this.#queue.push(request ? { ...entry, clientAddress: request.clientAddress } : entry)
    }
    if (this.#queue.length >= FLUSH_AT) this.#schedule(0)
    else this.#schedule(this.#flushIntervalMs)
  }

  /** Entries waiting to be written. */
  get queued(): number {
    return this.#queue.length
  }

  /** True when requests are refused: the queue is full, or the writer has been failing too long. */
  get refusing(): boolean {
    const refusing =
      this.#queue.length >= this.#queueLimit ||
      (this.#failingSince !== undefined && Date.now() - this.#failingSince > this.#stallMs)
    if (refusing !== this.#refusing) {
      this.#refusing = refusing
      if (refusing)
        this.#log?.error(
          { queued: this.#queue.length, failing: this.#failingSince !== undefined },
          'access log cannot keep up: refusing requests (503) until it does',
        )
      else this.#log?.warn('access log caught up: serving requests again')
    }
    return refusing
  }

  /**
   * Installs the gate: an onRequest hook that answers 503 with Retry-After to every request while
   * `refusing`, except the health, readiness, metrics and documentation routes. Install it before the
   * authentication hook, so a refused request costs nothing.
   */
  installGate(app: FastifyInstance): void {
    app.addHook('onRequest', (request, _reply, done) => {
      const url = request.routeOptions.url
      if (url === undefined || UNGATED.has(url) || url.startsWith('/docs') || !this.refusing) return done()
      this.#refused?.inc()
      done(
        new AppError(
          'UNAVAILABLE',
          'the access log cannot keep up; try again shortly',
          REFUSAL_RETRY_AFTER_S,
        ),
      )
    })
  }

  /** Resolves once everything queued so far has been written (tests, close). */
  flushed(): Promise<void> {
    if (this.#queue.length === 0 && !this.#draining) return Promise.resolve()
    this.#schedule(0)
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Stops the retention and writes everything queued, retrying failures, for up to `graceMs`. What
   * could not be written by then is counted in an error log line (the process is ending: there is
   * nowhere else to keep it). Call it before the storage closes.
   */
  async close(graceMs = 10_000): Promise<void> {
    clearTimeout(this.#retention)
    const deadline = Date.now() + graceMs
    while (this.#queue.length > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.flushed(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
      ])
      clearTimeout(timer)
    }
    this.#closed = true
    clearTimeout(this.#timer)
    if (this.#queue.length > 0)
      this.#log?.error(
        { lost: this.#queue.length },
        'access log entries could not be written before shutdown',
      )
    for (const resolve of this.#idle.splice(0)) resolve()
  }

  /** Starts a drain after `delayMs`, unless one is running or already scheduled sooner. */
  #schedule(delayMs: number): void {
    if (this.#closed || this.#draining) return
    if (this.#timer) {
      // A retry waiting out its back-off keeps waiting: more entries do not make the database healthier.
      if (delayMs > 0 || this.#failingSince !== undefined) return
      clearTimeout(this.#timer)
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#drain()
    }, delayMs)
  }

  /** Writes batches until the queue is empty or a write fails (then retries after a back-off). */
  async #drain(): Promise<void> {
    if (this.#draining) return
    this.#draining = true
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.slice(0, MAX_BATCH)
        try {
          await this.store.append(batch)
        } catch (error) {
          if (this.#failingSince === undefined) {
            this.#failingSince = Date.now()
            this.#log?.error(
              { err: { message: (error as Error)?.message }, queued: this.#queue.length },
              'access log write failed; retrying',
            )
          }
          this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(FIRST_BACKOFF_MS, this.#backoffMs * 2))
          this.#draining = false
          this.#schedule(this.#backoffMs)
          return
        }
        this.#queue.splice(0, batch.length)
        this.#written?.inc(batch.length)
        if (this.#failingSince !== undefined) this.#log?.warn('access log writes succeed again')
        this.#failingSince = undefined
        this.#backoffMs = 0
      }
    } finally {
      this.#draining = false
    }
    for (const resolve of this.#idle.splice(0)) resolve()
  }
}
