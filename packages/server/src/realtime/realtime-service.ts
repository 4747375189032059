import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { Counter, Gauge } from 'prom-client'
import { ROUTES } from '@cairn/protocol'
import type { ServerConfig } from '../config.ts'
import type { AuthService } from '../auth/auth-service.ts'
import type { EventBus } from '../events/event-bus.ts'
import { unauthorized } from '../http/app-error.ts'
import { serveRoute } from '../http/serve-route.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { Storage } from '../storage/storage.ts'
import { EventRecorder } from './event-recorder.ts'
import { InProcessEventSignal, type EventSignal } from './event-signal.ts'
import { PgEventSignal } from './pg-event-signal.ts'
import { RedisEventSignal, redisEventChannel } from './redis-event-signal.ts'
import { RealtimeHub, type RealtimeAudit } from './realtime-hub.ts'
import { RealtimeSockets, ticketHash, verifiedTokenExpiry } from './realtime-socket.ts'

/** How long a ticket opens a socket (ms): enough to open the socket right after asking for it. */
const TICKET_TTL_MS = 30_000

/** A log whose target is set once the app's logger exists. */
class LateLog {
  target?: FastifyBaseLogger
  info = (details: object, message: string): void => this.target?.info(details, message)
  warn = (details: object, message: string): void => this.target?.warn(details, message)
  error = (details: object, message: string): void => this.target?.error(details, message)
}

/**
 * Realtime subscriptions of one server instance (docs/realtime.md): the recorder that writes the
 * subscribable write events to the event log, the signal between instances (PostgreSQL LISTEN/NOTIFY
 * on PostgreSQL, or Redis with CAIRN_REALTIME_REDIS_URL; in process on SQLite), the hub that tails
 * the log and dispatches to subscriptions, the sockets, and the ticket route. Lifecycle: `register`
 * (with the app's routes), `init` (after the app is built), `closeSockets` (first at shutdown: 1001
 * to every client) and `close` (before storage closes: flushes the recorder, stops the tailer and
 * the signal). With the access log (`audit`), deliveries are recorded as reads and held, and
 * upgrades refused, while it refuses.
 */
export class RealtimeService {
  readonly hub: RealtimeHub
  readonly sockets: RealtimeSockets
  readonly #recorder: EventRecorder
  readonly #log = new LateLog()

  constructor(
    config: ServerConfig,
    private readonly storage: Storage,
    events: EventBus,
    auth: AuthService,
    metrics?: Metrics,
    audit?: RealtimeAudit,
  ) {
    // With CAIRN_REALTIME_REDIS_URL (PostgreSQL only, checked by loadConfig), Redis carries the
    // signal instead of LISTEN/NOTIFY; the event rows and the poll stay as they are.
    const signal: EventSignal =
      storage.dialect === 'postgres' && config.databaseUrl && config.realtimeRedisUrl
        ? new RedisEventSignal(
            config.realtimeRedisUrl,
            redisEventChannel(config.databaseUrl, config.pgSchema ?? 'public'),
            this.#log,
            config.pgTimeouts.connectMs,
          )
        : storage.dialect === 'postgres' && config.databaseUrl
          ? new PgEventSignal(
              config.databaseUrl,
              config.pgSchema ?? 'public',
              this.#log,
              config.pgTimeouts.connectMs,
            )
          : new InProcessEventSignal()
    let delivered: Counter<'entity_type'> | undefined
    if (metrics) {
      delivered = new Counter({
        name: 'cairn_realtime_events_delivered_total',
        help: 'Events sent to realtime subscribers by this instance',
        labelNames: ['entity_type'],
        registers: [metrics.registry],
      })
    }
    this.hub = new RealtimeHub(
      storage,
      signal,
      {
        pollMs: config.realtimePollMs,
        replayMax: config.realtimeReplayMax,
        replaySeconds: config.realtimeReplaySeconds,
      },
      this.#log,
      (type) => delivered?.inc({ entity_type: type }),
      audit,
    )
    if (metrics) {
      const hub = this.hub
      new Gauge({
        name: 'cairn_realtime_subscriptions',
        help: 'Open realtime subscriptions on this instance',
        registers: [metrics.registry],
        collect() {
          this.set(hub.size)
        },
      })
    }
    this.#recorder = new EventRecorder(events, storage.eventLog, signal, this.#log, {}, () =>
      this.hub.resyncAll('events were lost before they were recorded'),
    )
    this.sockets = new RealtimeSockets(
      storage,
      auth,
      this.hub,
      {
        pingMs: config.realtimePingMs,
        maxSubscriptionsPerUser: config.realtimeMaxSubscriptions,
        queueLimit: config.realtimeQueueLimit,
        maxBufferBytes: config.realtimeMaxBufferBytes,
        corsOrigins: config.corsOrigins,
        trustProxy: config.trustProxy,
      },
      audit,
    )
  }

  /**
   * Registers the ticket route and the socket (the `upgrade` handler of the app's HTTP server). The
   * recorder starts here, with the routes, so that no committed write goes unrecorded once the app
   * can answer.
   */
  register(app: FastifyInstance): void {
    this.#log.target = app.log
    this.sockets.attachLog(this.#log)
    this.#recorder.init()
    // The expiry of the access token of each ticket request, by request id, for the handler (which
    // sees the verified caller, not the token).
    const expiries = new Map<string, number | undefined>()
    serveRoute(
      app,
      ROUTES.realtime.ticket,
      async ({ caller, requestId }) => {
        const notAfter = expiries.get(requestId)
        expiries.delete(requestId)
        if (!caller.sessionId) throw unauthorized('This access token has no session: log in again')
        const ticket = randomBytes(32).toString('base64url')
        const now = Date.now()
        const expiresAt = now + TICKET_TTL_MS
        await this.storage.realtimeTickets.insert(
          {
            hash: ticketHash(ticket),
            userId: caller.userId,
            sessionId: caller.sessionId,
            expires: expiresAt,
            notAfter: notAfter ?? expiresAt,
          },
          now,
        )
        return { ticket, expiresAt }
      },
      {
        preValidation: (request, _reply, done) => {
          const token = request.headers.authorization?.split(' ')[1]
          expiries.set(request.id, token ? verifiedTokenExpiry(token) : undefined)
          done()
        },
      },
    )
    this.sockets.attach(app.server)
  }

  /** Starts tailing the event log and listening for signals. */
  async init(): Promise<void> {
    await this.hub.init()
  }

  /** Closes every socket with 1001 (first step of a shutdown). */
  closeSockets(): Promise<void> {
    return this.sockets.close()
  }

  /** Records what is queued, then stops tailing and listening (before storage closes). */
  async close(): Promise<void> {
    await this.sockets.close()
    await this.#recorder.close()
    await this.hub.close()
  }
}
