import type { FastifyInstance, FastifyRequest, FastifySchema, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  API_PREFIX,
  ErrorBodySchema,
  ref,
  type BodyOf,
  type ParamsOf,
  type QueryOf,
  type ResponseOf,
  type RouteDef,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { unauthorized } from './app-error.ts'
import { RawJson } from './raw-json.ts'

/** What a handler receives: the validated, typed parts of the request (`unknown` where the route has none). */
export interface PublicRouteRequest<R extends RouteDef> {
  readonly params: FastifyRequest<Parts<R>>['params']
  readonly query: FastifyRequest<Parts<R>>['query']
  readonly body: FastifyRequest<Parts<R>>['body']
  /** The request id (x-request-id of the answer), carried into write events. */
  readonly requestId: string
  /** Client address (as Fastify's trust-proxy setting resolves it). */
  readonly ip: string
}

/** What the handler of an authenticated route receives: the request and who is calling. */
export interface RouteRequest<R extends RouteDef> extends PublicRouteRequest<R> {
  readonly caller: Caller
}

/** A route handler: returns the response object, or its JSON text already serialised. */
type Handler<Q, R extends RouteDef> = (request: Q) => Promise<ResponseOf<R> | RawJson<ResponseOf<R>>>

/** Options of a route registration beyond the route table. */
export interface ServeOptions {
  /** Runs before schema validation (e.g. to answer a clearer 400 than the schema errors). */
  preValidation?: preValidationHookHandler
}

const errorResponse = ref(ErrorBodySchema)

/** The Fastify schema of a route: validation, serialisation and its OpenAPI operation. */
export function schemaOf(route: RouteDef): FastifySchema {
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    ...(route.public ? { security: [] } : {}),
    ...(route.params ? { params: route.params } : {}),
    ...(route.query ? { querystring: route.query } : {}),
    ...(route.body ? { body: route.body } : {}),
    response: { 200: route.response, '4xx': errorResponse, '5xx': errorResponse },
  }
}

/** The typed parts of a request, as Fastify validated them against the route's schemas. */
type Parts<R extends RouteDef> = { Params: ParamsOf<R>; Querystring: QueryOf<R>; Body: BodyOf<R> }

/**
 * Registers one route of the protocol's route table. Paths come only from the table (the SDK calls the
 * same entries), so no path is written twice; the request parts are typed from the route's TypeBox
 * schemas, and validated against them before the handler runs.
 */
function register<R extends RouteDef>(
  app: FastifyInstance,
  route: R,
  options: ServeOptions,
  handler: (request: FastifyRequest<Parts<R>>) => Promise<unknown>,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route<Parts<R>>({
    method: route.method,
    url: route.root ? route.path : `${API_PREFIX}${route.path}`,
    schema: schemaOf(route),
    config: { public: route.public === true },
    ...(options.preValidation ? { preValidation: options.preValidation } : {}),
    handler: async (request, reply) => {
      const result = await handler(request)
      if (result instanceof RawJson) return reply.type('application/json; charset=utf-8').send(result.text)
      return result
    },
  })
}

/**
 * Serves an authenticated route: the app's onRequest hook resolved the caller from the bearer token
 * (a missing caller here is a 401, never a handler call without one).
 */
export function serveRoute<R extends RouteDef & { public?: false }>(
  app: FastifyInstance,
  route: R,
  handler: Handler<RouteRequest<R>, R>,
  options: ServeOptions = {},
): void {
  register(app, route, options, (request) => {
    const caller = request.caller
    if (!caller) throw unauthorized('Not authenticated')
    const { params, query, body, id: requestId, ip } = request
    return handler({ params, query, body, requestId, ip, caller })
  })
}

/** Serves a public route (health, login, refresh): no bearer token, no caller. */
export function servePublicRoute<R extends RouteDef & { public: true }>(
  app: FastifyInstance,
  route: R,
  handler: Handler<PublicRouteRequest<R>, R>,
): void {
  register(app, route, {}, (request) => {
    const { params, query, body, id: requestId, ip } = request
    return handler({ params, query, body, requestId, ip })
  })
}
