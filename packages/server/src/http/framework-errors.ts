import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from './error-handler.ts'
import { BASIC_SECURITY_HEADERS } from './security-headers.ts'
import { logRequest } from './request-log.ts'

/**
 * Answers the errors Fastify raises while routing, before any hook or the error handler can
 * (Fastify's `frameworkErrors` option), in the API's shape `{error: {code, message}}` with the
 * security headers, instead of Fastify's own body: a path whose percent-escapes do not decode
 * (`/patient/%C3%28`: not UTF-8) and a path parameter over the router's length limit.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const message =
    error.code === 'FST_ERR_BAD_URL'
      ? 'Invalid URL: a percent-escape of the path does not decode to UTF-8 (malformed %XX sequence)'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'Invalid URL: a path parameter is too long'
        : 'Invalid request'
  request.errorCode = 'BAD_REQUEST'
  void reply
    .status(400)
    .headers({ ...BASIC_SECURITY_HEADERS, 'x-request-id': request.id })
    .send(errorBody('BAD_REQUEST', message))
  // No hook runs for these requests: the request log line is written here.
  logRequest(request, 400, reply.elapsedTime)
}
