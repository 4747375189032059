import { randomBytes } from 'node:crypto'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { ServerConfig } from './config.ts'
import type { Storage } from './storage/storage.ts'
import { createStorage } from './storage/create-storage.ts'
import { JwtService } from './auth/jwt.ts'
import { LoginLimiter } from './auth/login-limiter.ts'
import { AuthService } from './auth/auth-service.ts'
import { bootstrapAdmin, type BootstrapResult } from './auth/bootstrap.ts'
import { buildApp } from './app.ts'
import { EventBus } from './events/event-bus.ts'
import type { WriteEventListener } from './events/event-bus.ts'

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
  /** Outcome of the admin bootstrap, for the CLI to print once. */
  bootstrap?: BootstrapResult

  constructor(readonly config: ServerConfig) {}

  /** Opens storage, migrates, bootstraps the admin and builds the app. */
  async init(): Promise<void> {
    const storage = createStorage({
      databaseUrl: this.config.databaseUrl,
      dataDir: this.config.dataDir,
      pgSchema: this.config.pgSchema,
    })
    await storage.init()
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
    const auth = new AuthService(
      storage,
      new JwtService(secret),
      new LoginLimiter(this.config.loginMaxFailures, this.config.loginWindowSeconds * 1000),
      { access: this.config.accessTokenTtl, refresh: this.config.refreshTokenTtl },
      events,
    )
    this.bootstrap = await bootstrapAdmin(storage, this.config.adminLogin, this.config.adminPassword)
    this.app = await buildApp(this.config, storage, auth, events)
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

  /** Graceful shutdown: stop accepting, drain in-flight requests, close storage. */
  async close(): Promise<void> {
    await this.app?.close()
    this.events?.close()
    await this.storage?.close()
    this.events = undefined
    this.app = undefined
    this.storage = undefined
  }
}
