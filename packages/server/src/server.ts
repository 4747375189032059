import { randomBytes } from 'node:crypto'
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
import { LoginLimiter } from './auth/login-limiter.ts'
import { AuthService } from './auth/auth-service.ts'
import { bootstrapAdmin, type BootstrapResult } from './auth/bootstrap.ts'
import { buildApp } from './app.ts'
import { EventBus } from './events/event-bus.ts'
import type { WriteEventListener } from './events/event-bus.ts'
import { Metrics } from './metrics/metrics.ts'

/** Key of the generated JWT secret in the settings table. */
const JWT_SECRET_SETTING = 'jwt.secret'

/**
 * The Cairn server with an explicit lifecycle: `init()` opens storage (running migrations),
 * creates the admin on an empty database and builds the HTTP app; `listen()` serves; `close()`
 * stops accepting requests, lets in-flight ones finish, then closes storage.
 */
export class CairnServer {
  private storage?: Storage
  private app?: FastifyInstance
  private events?: EventBus
  private metrics?: Metrics
  /** Outcome of the admin bootstrap, for the CLI to print once. */
  bootstrap?: BootstrapResult

  constructor(readonly config: ServerConfig) {}

  /** Opens storage, migrates, bootstraps the admin and builds the app. */
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
    const secret =
      this.config.jwtSecret ??
      (await storage.setSettingIfAbsent(JWT_SECRET_SETTING, randomBytes(32).toString('base64url')))
    const limiter = new LoginLimiter(this.config.loginMaxFailures, this.config.loginWindowSeconds * 1000)
    const auth = new AuthService(
      storage,
      new JwtService(secret),
      limiter,
      { access: this.config.accessTokenTtl, refresh: this.config.refreshTokenTtl },
      events,
    )
    this.bootstrap = await bootstrapAdmin(storage, this.config.adminLogin, this.config.adminPassword)
    // Only when enabled: disabled metrics cost nothing (no event-loop monitor, no hook).
    this.metrics = this.config.metricsEnabled
      ? new Metrics({ poolStats: () => storage.poolStats(), loginLimiter: () => limiter.size })
      : undefined
    this.app = await buildApp(this.config, storage, auth, events, faults, this.metrics)
    faults.attach(this.app.log)
  }

  /** Starts listening; returns the base URL (e.g. http://127.0.0.1:16043). */
  async listen(): Promise<string> {
    if (!this.app) throw new Error('CairnServer.init() must be called before listen()')
    await this.app.listen({ host: this.config.host, port: this.config.port })
    const address = this.app.server.address()
    const port = typeof address === 'object' && address ? address.port : this.config.port
    const host = this.config.host === '0.0.0.0' ? '127.0.0.1' : this.config.host
    return `http://${host}:${port}`
  }

  /**
   * Subscribes to the write events of this server (emitted after each committed write); returns the
   * function that unsubscribes. Realtime, audit and notifications hang on this.
   */
  onWrite(listener: WriteEventListener): () => void {
    if (!this.events) throw new Error('CairnServer.init() must be called before onWrite()')
    return this.events.subscribe(listener)
  }

  /** Answers one request in process, without a socket (tests of routes that need no real process). */
  inject(options: InjectOptions): Promise<LightMyRequestResponse> {
    if (!this.app) throw new Error('CairnServer.init() must be called before inject()')
    return this.app.inject(options)
  }

  /**
   * Graceful shutdown within `graceMs` (default: the configured grace): stop accepting, let in-flight
   * requests finish, close storage. Whatever is still running when the grace period ends (a request
   * waiting on a silent database, a pool that cannot say goodbye to it) is cut: open connections are
   * destroyed and the storage is abandoned, so that close() always returns within about `graceMs`.
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
    if (app) {
      clean = await inTime(app.close())
      // Requests still running past the grace period: cut their sockets so that the HTTP server closes.
      if (!clean) app.server.closeAllConnections()
    }
    this.metrics?.close()
    this.metrics = undefined
    this.events?.close()
    this.events = undefined
    if (storage) clean = (await inTime(storage.close())) && clean
    return clean
  }
}
