import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { NAMED_SCHEMAS, ROUTES } from '@cairn/protocol'
import type { ServerConfig } from './config.ts'
import type { Storage } from './storage/storage.ts'
import type { EventBus } from './events/event-bus.ts'
import { installErrorHandler } from './http/error-handler.ts'
import { installRequestLog } from './http/request-log.ts'
import { installDepthCheckedJsonParser } from './http/json-depth.ts'
import { installUrlGuard } from './http/url-guard.ts'
import { DOCS_ROUTE_CONFIG, registerSecurityHeaders } from './http/security-headers.ts'
import { registerCors } from './http/cors.ts'
import { loggerOptions } from './http/logger-options.ts'
import { withoutUnsupportedKeywords } from './http/openapi-keywords.ts'
import { fastifyTrustProxy } from './http/trust-proxy.ts'
import { answerFrameworkError } from './http/framework-errors.ts'
import { answerClientError } from './http/client-error.ts'
import { servePublicRoute } from './http/serve-route.ts'
import type { StorageFaultLog } from './storage/storage-fault-log.ts'
import { checkReadiness } from './http/readiness.ts'
import type { AuthService } from './auth/auth-service.ts'
import { registerAuthRoutes } from './auth/auth-routes.ts'
import { registerEncryptedEntityRoutes } from './entities/encrypted-entity/encrypted-entity-routes.ts'
import { registerHealthcareProfessionalRoutes } from './entities/healthcare-professional/healthcare-professional-routes.ts'
import { registerMedicalDeviceRoutes } from './entities/medical-device/medical-device-routes.ts'
import { registerDataOwnerRoutes } from './entities/data-owner/data-owner-routes.ts'
import { registerExchangeKeyRoutes } from './entities/exchange-key/exchange-key-routes.ts'
import { registerUserRoutes } from './entities/user/user-routes.ts'
import { registerAttachmentRoutes } from './entities/attachment/attachment-routes.ts'
import { openBlobStore } from './storage/open-blob-store.ts'
import { registerCodingRoutes } from './entities/coding/coding-routes.ts'
import { registerRecoveryKeyRoutes } from './entities/recovery-key/recovery-key-routes.ts'
import { API_VERSION } from './version.ts'
import type { Metrics } from './metrics/metrics.ts'
import { registerMetrics } from './metrics/metrics-route.ts'
import type { MessageOutbox } from './messaging/outgoing-message.ts'
import { registerMsgGwRoutes } from './messaging/msg-gw-routes.ts'
import type { RealtimeService } from './realtime/realtime-service.ts'
import type { AuditLog } from './audit/audit-log.ts'
import { installRequestContext } from './audit/request-context.ts'
import { registerAuditRoutes } from './audit/audit-routes.ts'
import { registerConsole } from './http/console-static.ts'
import { AppError } from './http/app-error.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes reachable without a bearer token. */
    public?: boolean
  }
}

/** What an instance overtaken by others with another signing secret still answers: its probes. */
const OVERTAKEN_SERVED = new Set(['/health', '/ready', '/metrics'])

/**
 * Builds the Fastify instance: logging that never carries secrets or payloads, the central error
 * handler, authentication on every non-public route, the named schemas, the OpenAPI document (with
 * Swagger UI at /docs) and every route of the protocol's route table.
 */
export async function buildApp(
  config: ServerConfig,
  storage: Storage,
  auth: AuthService,
  events: EventBus,
  faults: StorageFaultLog,
  metrics?: Metrics,
  /** The outbox of emails and SMS, for the message-gateway routes (absent: a server without messaging). */
  outbox?: MessageOutbox,
  /** Realtime subscriptions: the ticket route and the socket's upgrade handler (absent: none). */
  realtime?: RealtimeService,
  /** The access log's writer (absent: CAIRN_AUDIT_LOG=off, nothing is recorded). */
  audit?: AuditLog,
  /** On PostgreSQL, whether this instance still signs with the secret the others use (auth/secret-agreement.ts). */
  secretAgreement?: { readonly agreed: boolean },
): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    // JSON lines, or pretty ones on a terminal; credentials redacted, bodies never logged.
    logger: await loggerOptions(config.logLevel, config.logFormat),
    // Which proxies' X-Forwarded-For/-Proto to believe (CAIRN_TRUST_PROXY): request.ip and protocol.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Requests refused before any hook (malformed HTTP, undecodable path) answer in the API's shape.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Fastify's own request logging writes two lines per request ("incoming", "completed"), which the
    // server benchmark measured at ~7% of the CPU of a GET: one line per request is logged instead
    // (installRequestLog), with method, path (no query), status, timing and client address.
    logController: new LogController({ disableRequestLogging: true }),
    // Every response carries its request id (x-request-id), which the SDK puts in its error messages
    // so that a user's report can be matched with the server log.
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  })
  installErrorHandler(app, faults)
  installRequestLog(app)
  // Before any plugin, so that its request timing hook covers every route (see registerMetrics).
  registerMetrics(app, config, metrics)
  // First onRequest hooks: every answer gets the security headers, even one refused by a later hook;
  // the CORS preflight is answered before authentication (browsers send it without a token); a
  // target with a NUL or broken UTF-8 is refused before anything reads it.
  registerSecurityHeaders(app, config.hstsMaxAge)
  await registerCors(app, config.corsOrigins)
  installUrlGuard(app)
  // Every later hook and handler runs in the request's context (request id, client address) for the
  // access log; then, before authentication, the gate that refuses requests while the log cannot keep
  // up (fail closed, docs/audit.md).
  installRequestContext(app)
  audit?.installGate(app)
  for (const schema of NAMED_SCHEMAS) app.addSchema(schema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cairn API',
        version: API_VERSION,
        description:
          'End-to-end encrypted health data: the server stores, indexes and access-checks ciphertext it cannot read.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    // Named schemas become components/schemas entries under their $id instead of def-N names.
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transformObject: (documents) =>
      withoutUnsupportedKeywords(
        'openapiObject' in documents ? documents.openapiObject : documents.swaggerObject,
      ),
  })
  // Swagger UI's own routes are public: they serve the documentation, never data.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), public: true, ...DOCS_ROUTE_CONFIG }
    })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })
  // An instance overtaken by others with another signing secret (auth/secret-agreement.ts) answers
  // only its probes: the tokens it would issue or accept, the codes it would check and the messages it
  // would queue no longer match those of the instances that hold the database.
  if (secretAgreement)
    app.addHook('onRequest', (request, _reply, done) => {
      if (secretAgreement.agreed || OVERTAKEN_SERVED.has(request.routeOptions.url ?? '')) return done()
      done(
        new AppError(
          'UNAVAILABLE',
          'This server instance is out of service: the other instances of its database sign tokens with a different secret. Try again (another instance answers)',
          30,
        ),
      )
    })
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.url || request.routeOptions.config.public) return
    request.caller = await auth.authenticate(request.headers.authorization, request.id)
  })
  installDepthCheckedJsonParser(app)

  // Liveness never touches the database: a process that answers is alive, and restarting it would not
  // bring a lost database back. Readiness (/ready) is what load balancers should route on.
  servePublicRoute(app, ROUTES.health, () =>
    Promise.resolve({ status: 'ok' as const, database: storage.dialect }),
  )
  servePublicRoute(app, ROUTES.ready, () =>
    checkReadiness(storage, faults, config.readyTimeoutMs, secretAgreement),
  )
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, () => app.swagger())

  registerAuthRoutes(app, auth)
  registerUserRoutes(app, storage, events, auth.sessions, audit)
  registerDataOwnerRoutes(app, storage)
  registerHealthcareProfessionalRoutes(app, storage, events)
  registerMedicalDeviceRoutes(app, storage, events)
  registerExchangeKeyRoutes(app, storage, events)
  registerEncryptedEntityRoutes(app, storage, events, audit)
  // Attachments: in the database, or in CAIRN_ATTACHMENT_DIR; a data sample's go when it is deleted.
  const blobs = await openBlobStore(storage, config.attachmentDir)
  await registerAttachmentRoutes(app, storage, events, blobs, config.attachmentMaxBytes, audit)
  registerCodingRoutes(app, storage, events)
  registerRecoveryKeyRoutes(app, storage, config)
  // The message gateway (/msggw) and its administration: codes hashed with the login's hasher.
  registerMsgGwRoutes(app, storage, config, events, auth.codes, outbox)
  // Realtime subscriptions (docs/realtime.md): POST /realtime/ticket and the socket at REALTIME_PATH.
  realtime?.register(app)
  registerAuditRoutes(app, storage)
  // The web console (packages/console) at `/`, when built and not turned off (CAIRN_CONSOLE_DIR).
  if (config.consoleDir) await registerConsole(app, config.consoleDir)
  return app
}
