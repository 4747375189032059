import { CompiledQuery, type Kysely } from 'kysely'
import type { Database } from './database-schema.ts'

/**
 * Most writes committed together. Bounds how long one batch holds the connection (and the event
 * loop: better-sqlite3 is synchronous) when thousands of writes are queued.
 */
const MAX_BATCH = 64

/**
 * The control statements, compiled once: through Kysely's `sql` tag each would be built and compiled
 * again for every write (four per write), which the server benchmark showed costing more than running
 * them.
 */
const BEGIN = CompiledQuery.raw('begin immediate')
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')
const SAVEPOINTS = Array.from({ length: MAX_BATCH }, (_, i) => ({
  open: CompiledQuery.raw(`savepoint w${i}`),
  release: CompiledQuery.raw(`release w${i}`),
  undo: CompiledQuery.raw(`rollback to w${i}`),
}))

/** A write transaction waiting for its turn. */
interface Job {
  fn: (trx: Kysely<Database>) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/**
 * Group commit for SQLite. With synchronous=FULL every COMMIT waits for an fsync of the write-ahead
 * log: about 4 ms on the machine of docs/performance.md, which capped writes at ~250 transactions/s
 * and blocked the event loop meanwhile. Writes that arrive while one commits are queued, then run
 * together inside one BEGIN IMMEDIATE ... COMMIT, each in its own SAVEPOINT: a write that fails (a
 * stale rev, a taken id) is rolled back to its savepoint alone and rejected, the others commit, and
 * every write is acknowledged only after the one fsync that makes it durable. Under no load a batch
 * holds one write, so latency does not change.
 *
 * When SQLite rolls back the whole transaction on its own (disk full, I/O error: it may do so for
 * these), every write of the batch that had succeeded so far is rejected with that error too (none of
 * them was acknowledged), and the writes not yet run go to the next batch.
 */
export class SqliteGroupCommit {
  readonly #queue: Job[] = []
  #draining = false
  /** Transactions committed (batches) and the writes they held: how much grouping happens (tests read it). */
  readonly stats = { batches: 0, writes: 0 }

  /**
   * `db` runs on the one SQLite connection; `inTransaction` tells whether that connection is still
   * inside a transaction (better-sqlite3's `inTransaction`).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inTransaction: () => boolean,
  ) {}

  /** Runs `fn` in a write transaction shared with the writes queued meanwhile; resolves once committed. */
  run<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
      if (!this.#draining) {
        this.#draining = true
        void this.#drain()
      }
    })
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Let the requests that arrived during the last commit reach the queue and join this batch.
        await new Promise((resolve) => setImmediate(resolve))
        await this.#runBatch(this.#queue.splice(0, MAX_BATCH))
      }
    } finally {
      this.#draining = false
    }
  }

  async #runBatch(batch: Job[]): Promise<void> {
    try {
      await this.db.connection().execute(async (conn) => {
        await conn.executeQuery(BEGIN)
        const done: { job: Job; value: unknown }[] = []
        for (let i = 0; i < batch.length; i++) {
          const job = batch[i]
          const savepoint = SAVEPOINTS[i]
          await conn.executeQuery(savepoint.open)
          try {
            const value = await job.fn(conn)
            await conn.executeQuery(savepoint.release)
            done.push({ job, value })
          } catch (error) {
            if (!this.inTransaction()) {
              // SQLite rolled everything back: nothing of this batch is saved.
              job.reject(error)
              for (const d of done) d.job.reject(error)
              this.#queue.unshift(...batch.slice(i + 1))
              return
            }
            await conn.executeQuery(savepoint.undo)
            await conn.executeQuery(savepoint.release)
            job.reject(error)
          }
        }
        try {
          await conn.executeQuery(COMMIT)
        } catch (error) {
          await conn.executeQuery(ROLLBACK).catch(() => {})
          for (const d of done) d.job.reject(error)
          return
        }
        this.stats.batches++
        this.stats.writes += done.length
        for (const d of done) d.job.resolve(d.value)
      })
    } catch (error) {
      // BEGIN failed (busy, I/O) or a savepoint statement did: nothing of this batch ran to completion.
      if (this.inTransaction()) await this.db.executeQuery(ROLLBACK).catch(() => {})
      for (const job of batch) job.reject(error)
    }
  }
}
