import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { errorBody } from './error-handler.ts'
import { BASIC_SECURITY_HEADERS } from './security-headers.ts'

/** Node's parser errors that say what the client did wrong, as messages the client can act on. */
const MESSAGES: Record<string, string> = {
  HPE_INVALID_URL:
    'Invalid URL: it holds characters that are not allowed (bytes beyond ASCII, NUL and spaces must be percent-encoded, as UTF-8)',
  HPE_HEADER_OVERFLOW: 'Request headers are too large',
}

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it (Fastify's `clientErrorHandler`
 * option): raw bytes beyond ASCII or a NUL in the URL, headers too large, broken framing. The answer
 * is written on the socket, in the API's shape `{error: {code, message}}` with the security headers,
 * and the connection closed, as Node does. A timeout (408) and oversized headers (431) keep Node's
 * status, with the code BAD_REQUEST (the closed set has none closer). Resets and closed sockets need
 * no answer.
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  const status = timeout ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const message = timeout ? 'Request timeout' : (MESSAGES[error.code ?? ''] ?? 'Malformed HTTP request')
  const body = JSON.stringify(errorBody('BAD_REQUEST', message))
  const headers = { ...BASIC_SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  }
  this.log.debug({ code: error.code }, 'malformed request refused')
  socket.destroy(error)
}
