import type { FastifyInstance } from 'fastify'

/** What the access log needs to know about a request being served. */
export interface RequestContext {
  /** Its x-request-id. */
  readonly requestId: string
  /** The client address, as the trusted proxy setting resolves it. */
  readonly clientAddress: string
}

/**
 * The requests being served, by request id. Every source of entries knows the request id already
 * (write events and callers carry it), so this is where the client address is found without every
 * signature carrying it. A map rather than AsyncLocalStorage: on Node 20 the latter enables promise
 * hooks for the whole process, which the server benchmark measured at a large share of a GET's CPU.
 */
const contexts = new Map<string, RequestContext>()

/** The context of request `requestId`, while it is being served. */
export function requestContext(requestId: string): RequestContext | undefined {
  return contexts.get(requestId)
}

/**
 * Installs the hook that keeps the context of every request from its start (onRequest) until its
 * response is closed, so that whatever records an access-log entry during the request finds its
 * client address. The response's `close` event fires in every case: answered, aborted, or a client
 * that sent its whole request and left before the answer (which fires neither onResponse nor
 * onRequestAbort, and would otherwise leave its entry in the map for ever).
 */
export function installRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const id = request.id
    contexts.set(id, { requestId: id, clientAddress: request.ip })
    reply.raw.once('close', () => contexts.delete(id))
    done()
  })
}

/** Requests whose context is kept right now (tests: nothing is kept after the answers). */
export function requestContextCount(): number {
  return contexts.size
}
