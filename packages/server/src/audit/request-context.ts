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
 * Installs the hooks that keep the context of every request from its start (onRequest) until it is
 * answered or aborted, so that whatever records an access-log entry during the request finds its
 * client address.
 */
export function installRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    contexts.set(request.id, { requestId: request.id, clientAddress: request.ip })
    done()
  })
  app.addHook('onResponse', (request, _reply, done) => {
    contexts.delete(request.id)
    done()
  })
  app.addHook('onRequestAbort', (request, done) => {
    contexts.delete(request.id)
    done()
  })
}
