import type { FastifyInstance } from 'fastify'
import cors from '@fastify/cors'

/** Methods of the API (the preflight answers them; HEAD is allowed without a preflight). */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE']
/** Request headers a browser app sends: the bearer token and the JSON content type. */
const ALLOWED_HEADERS = ['authorization', 'content-type']
/** Answer headers a browser app may read: the request id (for bug reports) and when to retry. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after']
/**
 * Seconds a browser may reuse a preflight answer: one preflight an hour per route instead of one per
 * request (browsers cap it lower: Chromium at two hours, Firefox at one day).
 */
const PREFLIGHT_MAX_AGE = 3600

/**
 * Reads CAIRN_CORS_ORIGINS: a comma list of the origins (`https://app.example.org`, scheme, host and
 * port only) whose browser apps may call the API. Empty (the default) means no CORS at all: browsers
 * then only let pages served by Cairn's own origin call it. `*` lets any web page call it, and must
 * be written alone, on purpose. An origin with a path, a query or credentials, or `null` (what
 * sandboxed frames and local files send: trusting it would trust any of them), fails the start.
 * Origins are kept as browsers send them (lower-case host, no default port, no trailing slash).
 */
export function parseCorsOrigins(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (list.includes('*')) {
    if (list.length > 1) throw new Error('CAIRN_CORS_ORIGINS: "*" allows every origin and must be alone')
    return ['*']
  }
  return list.map((value) => {
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    const plain =
      url &&
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username &&
      !url.password
    if (!url || !plain)
      throw new Error(
        `CAIRN_CORS_ORIGINS: "${value}" is not an origin (scheme://host[:port], e.g. https://app.example.org)`,
      )
    return url.origin
  })
}

/**
 * CORS for browser apps on the origins of `origins` (parseCorsOrigins); nothing when the list is
 * empty, so that OPTIONS requests stay unknown routes (404) and no CORS header is ever sent. The
 * preflight (OPTIONS with Origin) is answered 204 before authentication, since browsers send it
 * without the bearer token. Answers to an allowed origin carry `Access-Control-Allow-Origin` with
 * that origin and `Vary: Origin`; a refused origin gets no such header, so its browser withholds the
 * answer from the page. Credentials (cookies) are never allowed: the API takes bearer tokens only.
 * Register it before the authentication hook.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins[0] === '*' ? '*' : [...origins],
    methods: METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE,
    // A bare OPTIONS (no Origin or no Access-Control-Request-Method) is answered like a preflight
    // rather than with the plugin's plain-text 400: it is harmless, and every error the server
    // writes stays JSON.
    strictPreflight: false,
  })
}
