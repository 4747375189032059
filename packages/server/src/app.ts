import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { API_PREFIX } from '@cairn/protocol'
import type { ServerConfig } from './config.ts'
import type { Storage } from './storage/storage.ts'
import { installErrorHandler } from './http/error-handler.ts'
import { assertJsonDepth, MAX_JSON_DEPTH } from './http/json-depth.ts'
import type { AuthService } from './auth/auth-service.ts'
import { registerAuthRoutes } from './auth/auth-routes.ts'
import { registerPatientRoutes } from './entities/patient/patient-routes.ts'
import { registerDataSampleRoutes } from './entities/data-sample/data-sample-routes.ts'
import { registerHealthcareElementRoutes } from './entities/healthcare-element/healthcare-element-routes.ts'
import { registerHealthcareProfessionalRoutes } from './entities/healthcare-professional/healthcare-professional-routes.ts'
import { registerMedicalDeviceRoutes } from './entities/medical-device/medical-device-routes.ts'
import { registerDataOwnerRoutes } from './entities/data-owner/data-owner-routes.ts'
import { registerExchangeKeyRoutes } from './entities/exchange-key/exchange-key-routes.ts'
import { registerUserRoutes } from './entities/user/user-routes.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes reachable without a bearer token. */
    public?: boolean
  }
}

/**
 * Builds the Fastify instance: logging that never carries secrets or payloads, the central error
 * handler, authentication on every non-public route, the OpenAPI document and the API routes.
 */
export async function buildApp(
  config: ServerConfig,
  storage: Storage,
  auth: AuthService,
): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    logger: {
      level: config.logLevel,
      // Request logs keep method, path, status and timing; headers with credentials are redacted and
      // bodies (ciphertext, passwords) are never logged.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers.token'],
      serializers: {
        req: (req) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    },
    // Every response carries its request id (x-request-id), which the SDK puts in its error messages
    // so that a user's report can be matched with the server log.
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  })
  installErrorHandler(app)
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Cairn API',
        version: '0.1.0',
        description: 'End-to-end encrypted health data: the server only sees ciphertext.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  })

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.url || request.routeOptions.config.public) return
    request.caller = await auth.authenticate(request.headers.authorization)
  })
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined) assertJsonDepth(request.body, MAX_JSON_DEPTH)
  })

  app.get('/health', { config: { public: true }, schema: { tags: ['health'] } }, async (_req, reply) => {
    try {
      await storage.countUsers()
      return { status: 'ok', database: storage.dialect }
    } catch {
      return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'database unreachable' } })
    }
  })
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())

  await app.register(
    async (api) => {
      registerAuthRoutes(api, auth)
      registerUserRoutes(api, storage)
      registerDataOwnerRoutes(api, storage)
      registerHealthcareProfessionalRoutes(api, storage)
      registerMedicalDeviceRoutes(api, storage)
      registerExchangeKeyRoutes(api, storage)
      registerPatientRoutes(api, storage)
      registerDataSampleRoutes(api, storage)
      registerHealthcareElementRoutes(api, storage)
    },
    { prefix: API_PREFIX },
  )
  return app
}
