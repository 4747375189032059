import type { FastifyInstance } from 'fastify'

/**
 * Logs one line per answered request, at info: method, path without the query string (which may
 * carry filter values), status, duration in ms and client address, bound to the request id by the
 * request's child logger. Never headers or bodies: tokens, passwords and ciphertext stay out of logs.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        remoteAddress: request.ip,
      },
      'request',
    )
    done()
  })
}
