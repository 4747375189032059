import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { ServerConfig } from './config.ts'
import type { Storage } from './storage/storage.ts'
import {
  createStorage,
  describeStorageLocation,
  type CreateStorageOptions,
} from './storage/create-storage.ts'
import { StorageFaultLog } from './storage/storage-fault-log.ts'
import { classifyStorageFault } from './storage/storage-fault.ts'
import { JwtService } from './auth/jwt.ts'
import { LoginThrottle } from './auth/login-throttle.ts'
import { SessionService } from './auth/session-service.ts'
import { loadJwtSecret } from './auth/jwt-secret.ts'
import { SecretAgreement, type SecretClaim } from './auth/secret-agreement.ts'
import { AuthService } from './auth/auth-service.ts'
import { bootstrapAdmin, type BootstrapResult } from './auth/bootstrap.ts'
import { buildApp } from './app.ts'
import { EventBus } from './events/event-bus.ts'
import type { WriteEventListener } from './events/event-bus.ts'
import { Metrics } from './metrics/metrics.ts'
import { Outbox } from './messaging/outbox.ts'
import { ValidationCodeHasher } from './messaging/validation-code.ts'
import { RealtimeService } from './realtime/realtime-service.ts'
import { AuditLog } from './audit/audit-log.ts'
import { AuditWriterThread } from './audit/audit-writer-thread.ts'
import { recordWriteEvents } from './audit/audit-sources.ts'

/**
 * The Cairn server with an explicit lifecycle: `init()` opens storage (running migrations) and
 * builds the HTTP app; `listen()` serves, then creates the admin on an empty database; `close()`
 * stops accepting requests, lets in-flight ones finish, stops the outbox worker (after the sends
 * under way), then closes storage.
 */
export class CairnServer {
  private storage?: Storage
  private app?: FastifyInstance
  private events?: EventBus
  private metrics?: Metrics
  private outbox?: Outbox
  private realtime?: RealtimeService
  private audit?: AuditLog
  private secretAgreement?: SecretAgreement
  private auditWriter?: AuditWriterThread
  /** Where the token signing secret came from (for the start-up log; never the secret). */
  jwtSecretSource?: { source: string; path?: string }
  /** Outcome of the admin bootstrap, for the CLI to print once. */
  bootstrap?: BootstrapResult

  constructor(readonly config: ServerConfig) {}

  /**
   * Opens storage, migrates, builds the app and starts the outbox worker (the admin is created by
   * listen()).
   */
  async init(): Promise<void> {
    const location: CreateStorageOptions = {
      databaseUrl: this.config.databaseUrl,
      dataDir: this.config.dataDir,
      pgSchema: this.config.pgSchema,
    }
    const faults = new StorageFaultLog(describeStorageLocation(location))
    const storage = createStorage({
      ...location,
      pgPoolSize: this.config.pgPoolSize,
      pgTimeouts: this.config.pgTimeouts,
      sqliteMinFreeBytes: this.config.sqliteMinFreeBytes,
      sqliteBusyTimeoutMs: this.config.sqliteBusyTimeoutMs,
      // A connection that breaks outside any request (idle in the pool) is logged like the others.
      onConnectionError: (error) =>
        faults.report(classifyStorageFault(error) ?? { kind: 'unreachable', cause: error.message }),
    })
    try {
      await storage.init()
    } catch (error) {
      // A database that cannot be opened or migrated (read-only folder, full disk, PostgreSQL down)
      // stops the start with what and where, rather than a driver's bare message.
      const fault = classifyStorageFault(error)
      if (!fault) throw error
      await storage.close().catch(() => {})
      throw new Error(`cannot open the database (${faults.location}): ${fault.kind} (${fault.cause})`, {
        cause: error,
      })
    }
    this.storage = storage
    const events = new EventBus((error, event) => {
      this.app?.log.error(
        { err: { message: (error as Error)?.message }, event: { kind: event.kind, id: event.id } },
        'write event listener failed',
      )
    })
    this.events = events
    const jwtSecret = await loadJwtSecret(this.config.jwtSecret, this.config.dataDir)
    this.jwtSecretSource = jwtSecret
    // Several instances may share a PostgreSQL database: they must sign with one secret, which never
    // goes to the database; its fingerprint does, and a start with another one is refused while an
    // instance with the old one runs (a clean shutdown releases at once, a crash blocks for at most
    // SECRET_LIVE_MS). SQLite has one instance, whose secret is its data dir's.
    let secretClaim: SecretClaim | undefined
    if (storage.dialect === 'postgres') {
      const agreement = new SecretAgreement(storage, jwtSecret.secret)
      try {
        secretClaim = await agreement.claim()
      } catch (error) {
        this.storage = undefined
        await storage.close().catch(() => {})
        throw error
      }
      this.secretAgreement = agreement
    }
    const jwt = new JwtService(jwtSecret.secret)
    const throttle = new LoginThrottle(
      storage,
      {
        freeFailures: this.config.loginMaxFailures,
        addressFactor: 10,
        baseDelayMs: 1000,
        maxDelayMs: this.config.loginMaxDelaySeconds * 1000,
        windowMs: this.config.loginWindowSeconds * 1000,
      },
      jwtSecret.secret,
    )
    const sessions = new SessionService(storage, jwt, {
      access: this.config.accessTokenTtl,
      refresh: this.config.refreshTokenTtl,
    })
    // Only when enabled: disabled metrics cost nothing (no event-loop monitor, no hook). Before the
    // access log, which registers its gauges in their registry.
    this.metrics = this.config.metricsEnabled
      ? new Metrics({ poolStats: () => storage.poolStats(), loginLimiter: () => throttle.stats() })
      : undefined
    // The access log (docs/audit.md): every committed write from the bus, reads and failed logins from
    // the services; off only with CAIRN_AUDIT_LOG=off (warned about below).
    // Appends run on a thread of their own (audit-writer-thread.ts); retention runs on the storage.
    const auditWriter = this.config.auditLog ? new AuditWriterThread(storage.auditConnection) : undefined
    this.auditWriter = auditWriter
    const audit = auditWriter
      ? new AuditLog(
          { append: (e) => auditWriter.append(e), prune: (b) => storage.audit.prune(b) },
          {
            queueLimit: this.config.auditQueueLimit,
            retentionDays: this.config.auditRetentionDays,
            metrics: this.metrics?.registry,
          },
        )
      : undefined
    this.audit = audit
    if (audit) recordWriteEvents(events, audit)
    const auth = new AuthService(
      storage,
      jwt,
      throttle,
      sessions,
      events,
      {},
      this.config.reauthenticationWindowSeconds * 1000,
      // Validation codes are hashed under the JWT secret, which every instance of a deployment shares.
      new ValidationCodeHasher(jwtSecret.secret),
      audit,
    )
    // Sealed with a key derived from the JWT secret, which every instance sharing the database has;
    // the worker claims only while this instance's secret is still the others' (see below).
    const agreement = this.secretAgreement
    const outbox = new Outbox(
      storage.outbox,
      jwtSecret.secret,
      this.config,
      agreement ? { mayClaim: () => agreement.current() } : {},
    )
    this.outbox = outbox
    // Realtime subscriptions: recorder, tailer and sockets (docs/realtime.md); deliveries are logged
    // as reads in the access log, and held while it refuses.
    const realtime = new RealtimeService(this.config, storage, events, auth, this.metrics, audit)
    this.realtime = realtime
    this.app = await buildApp(
      this.config,
      storage,
      auth,
      events,
      faults,
      this.metrics,
      outbox,
      realtime,
      audit,
      this.secretAgreement,
    )
    if (secretClaim === 'replaced')
      this.app.log.warn(
        'the signing secret (CAIRN_JWT_SECRET) differs from the one this database was used with: earlier sessions, pending validation codes and queued messages no longer open',
      )
    // Overtaken by instances with another secret (auth/secret-agreement.ts): stop at once everything
    // that works in the background under the old secret. The outbox worker would fail every message
    // the others sealed ("cannot be opened"); the sockets' clients reconnect to another instance. API
    // requests are refused by app.ts, /ready answers 503; a restart with the right secret brings it back.
    agreement?.onOvertaken(() => {
      void outbox.close()
      void realtime.closeSockets()
    })
    agreement?.start(this.app.log)
    if (audit) {
      audit.attach(this.app.log)
      audit.init()
    } else
      this.app.log.warn(
        'CAIRN_AUDIT_LOG=off: reads, writes and logins are NOT recorded in the access log (benchmarks and development only)',
      )
    faults.attach(this.app.log)
    outbox.attach(this.app.log)
    await outbox.init()
    await realtime.init()
  }

  /**
   * Starts listening, then creates the admin on an empty database (createAdminIfEmpty); returns the
   * base URL (e.g. http://127.0.0.1:16043). The admin comes only after the port is bound: a start
   * that fails to listen (port taken) leaves the database empty, so the next start generates and
   * shows a password again instead of keeping one nobody saw.
   */
  async listen(): Promise<string> {
    if (!this.app) throw new Error('CairnServer.init() must be called before listen()')
    await this.app.listen({ host: this.config.host, port: this.config.port })
    await this.createAdminIfEmpty()
    const address = this.app.server.address()
    const port = typeof address === 'object' && address ? address.port : this.config.port
    const host = this.config.host === '0.0.0.0' ? '127.0.0.1' : this.config.host
    return `http://${host}:${port}`
  }

  /**
   * Creates the admin user when the database has no user (its password: the configured one, or one
   * generated here and returned once in `bootstrap`). listen() calls it; a server used without a
   * socket (inject) calls it itself.
   */
  async createAdminIfEmpty(): Promise<BootstrapResult> {
    if (!this.storage) throw new Error('CairnServer.init() must be called before createAdminIfEmpty()')
    this.bootstrap = await bootstrapAdmin(this.storage, this.config.adminLogin, this.config.adminPassword)
    return this.bootstrap
  }

  /**
   * Subscribes to the write events of this server (emitted after each committed write); returns the
   * function that unsubscribes. Realtime, audit and notifications hang on this.
   */
  onWrite(listener: WriteEventListener): () => void {
    if (!this.events) throw new Error('CairnServer.init() must be called before onWrite()')
    return this.events.subscribe(listener)
  }

  /**
   * Resolves once every access-log entry recorded so far is written (tests, and callers that must see
   * an access in the log right after it); at once when the log is off.
   */
  flushAuditLog(): Promise<void> {
    return this.audit?.flushed() ?? Promise.resolve()
  }

  /** Answers one request in process, without a socket (tests of routes that need no real process). */
  inject(options: InjectOptions): Promise<LightMyRequestResponse> {
    if (!this.app) throw new Error('CairnServer.init() must be called before inject()')
    return this.app.inject(options)
  }

  /**
   * Graceful shutdown within `graceMs` (default: the configured grace): stop accepting, let in-flight
   * requests finish, stop the outbox, close storage. Whatever is still running when the grace period
   * ends (a request waiting on a silent database, a pool that cannot say goodbye to it) is cut: open
   * connections are destroyed and the storage is abandoned, so that close() always returns within
   * about `graceMs`.
   * Returns false when something had to be cut.
   */
  async close(graceMs = this.config.shutdownGraceMs): Promise<boolean> {
    const app = this.app
    const storage = this.storage
    this.app = undefined
    this.storage = undefined
    const deadline = Date.now() + graceMs
    const inTime = (work: Promise<unknown>): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
      })
      return Promise.race([work.then(() => true), expired]).finally(() => clearTimeout(timer))
    }
    let clean = true
    // Subscription sockets first (1001): they are upgraded connections, which the HTTP server's close
    // does not wait for, and their clients reconnect to another instance with their cursor.
    const realtime = this.realtime
    this.realtime = undefined
    if (realtime) clean = (await inTime(realtime.closeSockets())) && clean
    if (app) {
      clean = await inTime(app.close())
      // Requests still running past the grace period: cut their sockets so that the HTTP server closes.
      if (!clean) app.server.closeAllConnections()
    }
    // No more confirmations; the row goes once the outbox worker stopped (below).
    this.secretAgreement?.stop()
    this.metrics?.close()
    this.metrics = undefined
    // Before the bus closes and before storage: the events queued are recorded, the tailer stops.
    if (realtime) clean = (await inTime(realtime.close())) && clean
    this.events?.close()
    this.events = undefined
    // Before storage, once no request runs: every entry queued is written.
    const audit = this.audit
    this.audit = undefined
    if (audit) clean = (await inTime(audit.close(Math.max(0, deadline - Date.now())))) && clean
    const auditWriter = this.auditWriter
    this.auditWriter = undefined
    if (auditWriter) clean = (await inTime(auditWriter.close())) && clean
    // Before storage: the sends under way record their outcome. Cut at the deadline, a send's message
    // stays leased and is sent again by the next start once the lease ends (never lost).
    const outbox = this.outbox
    this.outbox = undefined
    if (outbox) clean = (await inTime(outbox.close())) && clean
    // Once nothing here opens sealed data any more: an instance with a new secret may start at once
    // (see auth/secret-agreement.ts). Not deleted, the row blocks such a start until it is stale.
    const agreement = this.secretAgreement
    this.secretAgreement = undefined
    if (agreement && storage) clean = (await inTime(agreement.release().catch(() => undefined))) && clean
    if (storage) clean = (await inTime(storage.close())) && clean
    return clean
  }
}
