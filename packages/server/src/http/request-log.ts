import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Logs one line per answered request, at info: method, the route template (`/rest/v1/patient/:id`,
 * never the ids or emails of the actual path: they identify people; the request id ties the line to
 * the client's report), status, duration in ms and client address (as CAIRN_TRUST_PROXY resolves
 * it), bound to the request id by the request's child logger. A request that matched no route logs
 * its path without the query string. A refused request (4xx, 5xx) also
 * carries its error code and, when the caller was authenticated, its user id: what an operator needs
 * to tell a client's mistake from an attack, and whose. Never headers or bodies: tokens, passwords
 * and ciphertext stay out of logs.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply.statusCode, reply.elapsedTime)
    done()
  })
}

/** Writes the one log line of an answered request (see installRequestLog). */
export function logRequest(request: FastifyRequest, statusCode: number, elapsedMs: number): void {
  const line: Record<string, unknown> = {
    method: request.method,
    url: request.routeOptions.url ?? request.url.split('?')[0],
    statusCode,
    ms: Math.round(elapsedMs * 10) / 10,
    remoteAddress: request.ip,
  }
  if (statusCode >= 400) {
    line.code = request.errorCode
    line.userId = request.caller?.userId
  }
  request.log.info(line, 'request')
}
