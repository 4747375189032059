import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify'
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

/** What a handler receives: the validated, typed parts of the request and who is calling. */
export interface RouteRequest<R extends RouteDef> {
  readonly params: ParamsOf<R>
  readonly query: QueryOf<R>
  readonly body: BodyOf<R>
  /** The authenticated caller; public routes have none. */
  readonly caller: R extends { public: true } ? undefined : Caller
  /** The request id (x-request-id of the answer), carried into write events. */
  readonly requestId: string
  /** Client address (as Fastify's trust-proxy setting resolves it). */
  readonly ip: string
}

/** A route handler: returns the response object, or its JSON text already serialised. */
export type RouteHandler<R extends RouteDef> = (
  request: RouteRequest<R>,
) => Promise<ResponseOf<R> | RawJson<ResponseOf<R>>>

const errorResponse = ref(ErrorBodySchema)

/** The Fastify schema of a route: validation, serialisation and its OpenAPI operation. */
function schemaOf(route: RouteDef): FastifySchema {
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

/**
 * Registers one route of the protocol's route table with its handler. Paths come only from the table
 * (the SDK calls the same entries), so no path is written twice. Non-public routes reach the handler
 * only authenticated (the app's onRequest hook sets the caller; its absence here is a 401).
 */
export function serveRoute<R extends RouteDef>(
  app: FastifyInstance,
  route: R,
  handler: RouteHandler<R>,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: route.method,
    url: route.root ? route.path : `${API_PREFIX}${route.path}`,
    schema: schemaOf(route),
    config: { public: route.public === true },
    handler: async (request, reply: FastifyReply) => {
      if (!route.public && !request.caller) throw unauthorized('Not authenticated')
      const result = await handler({
        params: request.params as ParamsOf<R>,
        query: request.query as QueryOf<R>,
        body: request.body as BodyOf<R>,
        caller: request.caller as RouteRequest<R>['caller'],
        requestId: request.id,
        ip: request.ip,
      })
      if (result instanceof RawJson) return reply.type('application/json; charset=utf-8').send(result.text)
      return result
    },
  })
}
