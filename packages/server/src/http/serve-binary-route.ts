import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import {
  API_PREFIX,
  ErrorBodySchema,
  ref,
  type ParamsOf,
  type ResponseOf,
  type RouteDef,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { badRequest, unauthorized } from './app-error.ts'
import { schemaOf } from './serve-route.ts'

/** Media type of raw bytes: attachments travel as such, never as JSON. */
export const OCTET_STREAM = 'application/octet-stream'

/** What the handler of a binary route receives. */
export interface BinaryRouteRequest<R extends RouteDef> {
  readonly params: ParamsOf<R>
  readonly caller: Caller
  readonly requestId: string
}

/** What the handler of an upload route also receives: the body, as the stream it arrives in. */
export interface UploadRouteRequest<R extends RouteDef> extends BinaryRouteRequest<R> {
  readonly body: Readable
  /** The Content-Length the client announced, if any (a body sent in chunks has none). */
  readonly declaredLength?: number
}

/** What a download handler answers: the size of the bytes and the stream of them. */
export interface BinaryAnswer {
  size: number
  stream: Readable
}

const errorResponse = ref(ErrorBodySchema)
const binaryContent = (schema: unknown) => ({ content: { [OCTET_STREAM]: { schema } } })

/**
 * Installs, in the plugin scope `app`, the parser that hands an `application/octet-stream` body over as
 * the request stream itself: nothing is buffered, and Fastify's body limit does not apply (the route
 * enforces its own limit while it reads). Scoped so that no JSON route ever receives a stream.
 */
export function acceptOctetStreams(app: FastifyInstance): void {
  app.addContentTypeParser(OCTET_STREAM, (_request, payload, done) => done(null, payload))
}

/** The caller of an authenticated route (the app's onRequest hook set it; none is a 401). */
function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthorized('Not authenticated')
  return request.caller
}

/**
 * Serves a route of the route table whose body is raw bytes (`bodyType: 'binary'`), in a scope where
 * acceptOctetStreams was called: the handler gets the body as a stream, to store as it arrives, and
 * answers JSON. The OpenAPI document describes the body as binary (the route's schema validates no body:
 * a stream is not JSON). When the handler fails before it read the whole body, the connection is closed
 * after the answer, so that the rest of an upload is not read for nothing.
 */
export function serveUploadRoute<R extends RouteDef & { bodyType: 'binary' }>(
  app: FastifyInstance,
  route: R,
  handler: (request: UploadRouteRequest<R>) => Promise<ResponseOf<R>>,
): void {
  const schema: FastifySchema = schemaOf(route)
  app.route({
    method: route.method,
    url: `${API_PREFIX}${route.path}`,
    schema,
    config: {
      public: false,
      swaggerTransform: ({ schema: documented, url }) => ({
        schema: { ...documented, body: binaryContent(route.body ?? { type: 'string', format: 'binary' }) },
        url,
      }),
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = callerOf(request)
      const body = request.body
      if (!(body instanceof Readable))
        throw badRequest(`Send the attachment as ${OCTET_STREAM} (the encrypted bytes), not as JSON`)
      const length = Number(request.headers['content-length'])
      try {
        return await handler({
          params: request.params as ParamsOf<R>,
          caller,
          requestId: request.id,
          body,
          declaredLength: Number.isSafeInteger(length) ? length : undefined,
        })
      } catch (error) {
        if (!body.readableEnded) void reply.header('connection', 'close')
        throw error
      }
    },
  })
}

/**
 * Serves a route of the route table whose answer is raw bytes (`responseType: 'binary'`): the handler
 * answers a stream and its size, sent as `application/octet-stream` with its Content-Length. Errors
 * before the stream starts are the usual JSON error bodies.
 */
export function serveDownloadRoute<R extends RouteDef & { responseType: 'binary' }>(
  app: FastifyInstance,
  route: R,
  handler: (request: BinaryRouteRequest<R>) => Promise<BinaryAnswer>,
): void {
  const base = schemaOf(route)
  const schema: FastifySchema = {
    ...base,
    response: { 200: binaryContent(route.response), '4xx': errorResponse, '5xx': errorResponse },
  }
  app.route({
    method: route.method,
    url: `${API_PREFIX}${route.path}`,
    schema,
    config: { public: false },
    // No automatic HEAD route: it would open the stored attachment to send nothing of it.
    exposeHeadRoute: false,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = await handler({
        params: request.params as ParamsOf<R>,
        caller: callerOf(request),
        requestId: request.id,
      })
      return reply.type(OCTET_STREAM).header('content-length', String(answer.size)).send(answer.stream)
    },
  })
}
