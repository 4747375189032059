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
 * a stream is not JSON). When the handler fails before it read the whole body, the rest is dropped for
 * a moment while the answer goes out, then the connection is closed (lingerThenClose), so that the
 * rest of an upload is not read for nothing and the client still gets the answer.
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
        if (!body.readableEnded) lingerThenClose(body, reply)
        throw error
      }
    },
  })
}

/** How long, and how many more bytes, an upload refused midway is read (and dropped) after the answer. */
const LINGER_MS = 2_000
const LINGER_BYTES = 4 * 1024 * 1024

/**
 * Ends an upload refused before its end (413 midway, 403...) without making the client miss the answer:
 * closing a socket whose peer is still sending makes the kernel reset the connection, and a reset can
 * reach the client before it read the answer ("fetch failed" instead of the 413). So the rest of the
 * body is read and dropped while the answer goes out, for a short while (a lingering close, as web
 * servers do); then, if the client is still sending, the connection is destroyed: the server never
 * reads much more than the limit for nothing. A client that stops in time keeps its connection.
 */
function lingerThenClose(body: Readable, reply: FastifyReply): void {
  const socket = reply.raw.socket
  let dropped = 0
  const close = () => {
    clearTimeout(timer)
    socket?.destroy()
  }
  const timer = setTimeout(close, LINGER_MS)
  timer.unref()
  const done = () => clearTimeout(timer)
  body.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > LINGER_BYTES) close()
  })
  body.once('end', done)
  body.once('error', close)
  body.resume()
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
