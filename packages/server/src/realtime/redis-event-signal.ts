import { createClient } from 'redis'
import type { EventSignal } from './event-signal.ts'
import type { SignalLog } from './pg-event-signal.ts'

/** First and longest wait before connecting again after a Redis connection broke (ms), as for PostgreSQL. */
const RECONNECT_MIN_MS = 100
const RECONNECT_MAX_MS = 10_000

type Client = ReturnType<typeof createClient>

/**
 * The Redis channel of a deployment: `cairn:events:<database>:<schema>`, from the PostgreSQL URL and
 * schema, so that deployments sharing one Redis (another database, or another schema of the same
 * one) do not wake each other. Two deployments on different PostgreSQL servers with the same database
 * and schema names would share a channel: that costs each an occasional read of its log for nothing,
 * never a wrong delivery (the signal carries no event).
 */
export function redisEventChannel(databaseUrl: string, schema: string): string {
  let database = ''
  try {
    database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''))
  } catch {
    // Not a URL (a libpq keyword string): the schema alone separates deployments.
  }
  return `cairn:events:${database}:${schema}`
}

/** The back-off between reconnection attempts: RECONNECT_MIN_MS doubling up to RECONNECT_MAX_MS. */
export function redisReconnectDelay(retries: number): number {
  return Math.min(RECONNECT_MIN_MS * 2 ** retries, RECONNECT_MAX_MS)
}

/**
 * EventSignal over Redis PUBLISH/SUBSCRIBE (CAIRN_REALTIME_REDIS_URL), for deployments that prefer it
 * to PostgreSQL LISTEN/NOTIFY (a PostgreSQL behind a pooler that drops LISTEN, for one). Two
 * connections: one that publishes, one that subscribes (a subscribed Redis connection accepts no other
 * command). The client reconnects by itself with capped back-off and subscribes again before it
 * reports ready; the callbacks then run once, so the tailer reads whatever was signalled meanwhile.
 * While the publishing connection is down, publishes are dropped, not queued (the offline queue is
 * off): the event rows stay the source of truth and every instance's poll picks them up. The URL is
 * never logged (it may hold a password).
 */
export class RedisEventSignal implements EventSignal {
  readonly #callbacks: (() => void)[] = []
  readonly #channel: string
  readonly #publisher: Client
  readonly #subscriber: Client
  #subscribed = false
  #closed = false
  /** A PUBLISH awaits Redis's answer. */
  #publishing = false
  /** The head to publish once the PUBLISH in flight is answered (the newest asked meanwhile). */
  #pendingHead?: string

  constructor(
    redisUrl: string,
    channel: string,
    private readonly log: SignalLog,
    private readonly connectTimeoutMs = 5_000,
  ) {
    this.#channel = channel
    const options = {
      url: redisUrl,
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: (retries: number) => redisReconnectDelay(retries),
      },
      disableOfflineQueue: true,
    }
    this.#publisher = createClient(options)
    // The subscriber keeps its offline queue: it only ever holds the one SUBSCRIBE of init().
    this.#subscriber = createClient({ ...options, disableOfflineQueue: false })
    this.#watch(this.#publisher, 'publishing')
    this.#watch(this.#subscriber, 'subscribing')
    this.#subscriber.on('ready', () => {
      // Ready again after a break: the client subscribed again before this (its resubscription is
      // part of the reconnection), so events recorded while away can be read now.
      if (this.#subscribed && !this.#closed) this.#fire()
    })
  }

  /**
   * Logs the first error of each outage (not every failed attempt, which the back-off repeats every
   * 10 s) and the return. Without an `error` listener a client error would crash the process.
   */
  #watch(client: Client, role: string): void {
    let down = false
    client.on('error', (error: Error) => {
      if (down || this.#closed) return
      down = true
      this.log.warn(
        { err: { message: error.message }, connection: role },
        'realtime: the Redis connection is down; connecting again (the poll delivers meanwhile)',
      )
    })
    client.on('ready', () => {
      if (!down) return
      down = false
      this.log.info({ connection: role }, 'realtime: the Redis connection is back')
    })
  }

  /**
   * Connects both clients and subscribes. Waits at most the connect timeout: when Redis is not
   * reachable yet the clients keep trying in the background and the instance starts anyway (its poll
   * delivers meanwhile), as with PostgreSQL LISTEN.
   */
  async init(): Promise<void> {
    // The publisher connects on its own: publishes are dropped until it is ready.
    this.#publisher.connect().catch(() => undefined)
    const started = (async () => {
      await this.#subscriber.connect()
      await this.#subscriber.subscribe(this.#channel, () => this.#fire())
      if (this.#closed) return
      this.#subscribed = true
      // Events may have been recorded before this instance listened.
      this.#fire()
    })()
    // A failure after close() (the connection attempt aborted) is expected; others were logged by #watch.
    const settled = started.then(
      () => true,
      () => false,
    )
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.connectTimeoutMs)
      timer.unref()
    })
    const ok = await Promise.race([settled, timeout])
    clearTimeout(timer)
    if (!ok && !this.#closed)
      this.log.warn({}, 'realtime: not subscribed to Redis yet; retrying in the background')
  }

  #fire(): void {
    for (const cb of this.#callbacks) cb()
  }

  /**
   * PUBLISH with the head as payload; dropped when the publishing connection is down. One PUBLISH at
   * a time: the heads asked for while one is in flight collapse into one PUBLISH of the newest when it
   * is answered, so a stalled Redis holds at most two, never a growing queue, and no append is left
   * unsignalled while Redis answers.
   */
  publish(head: bigint | string): void {
    if (this.#closed || !this.#publisher.isReady) return
    if (this.#publishing) {
      this.#pendingHead = String(head)
      return
    }
    this.#publishing = true
    this.#publisher
      .publish(this.#channel, String(head))
      .catch(() => undefined)
      .finally(() => {
        this.#publishing = false
        const next = this.#pendingHead
        this.#pendingHead = undefined
        if (next !== undefined) this.publish(next)
      })
  }

  /** See EventSignal.onSignal. */
  onSignal(callback: () => void): void {
    this.#callbacks.push(callback)
  }

  /** Whether the subscription is live (tests, health). */
  get listening(): boolean {
    return this.#subscribed && this.#subscriber.isReady
  }

  /** Closes both connections and stops reconnecting. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    this.#callbacks.length = 0
    this.#subscribed = false
    // destroy(), not close(): nothing waits for an answer worth keeping, and it also stops a
    // connection that is between reconnection attempts.
    for (const client of [this.#publisher, this.#subscriber]) if (client.isOpen) client.destroy()
    return Promise.resolve()
  }
}
