import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from '../config.ts'
import { unauthorized } from '../http/app-error.ts'
import { type Metrics, UNMATCHED_ROUTE } from './metrics.ts'

/** Where Prometheus scrapes; outside `/rest/v1` because it is not part of the API. */
const METRICS_PATH = '/metrics'

/**
 * Installs monitoring on the app when `metrics` is given (it is only when metrics are enabled):
 * an `onResponse` hook that times every request by method, route template and status, and
 * `GET /metrics` in the Prometheus text format. Without `metrics` it does nothing, so `/metrics`
 * answers 404 like any unknown route.
 *
 * The route bypasses user authentication (`public`: a scraper has no Cairn user) and is hidden from
 * the OpenAPI document; when `config.metricsToken` is set it requires `Authorization: Bearer
 * <token>`, otherwise it is open and must be firewalled. Call it before any plugin is registered, so
 * that the hook also times the routes of encapsulated plugins (Swagger UI).
 */
export function registerMetrics(app: FastifyInstance, config: ServerConfig, metrics?: Metrics): void {
  if (!metrics) return
  app.addHook('onResponse', (request, reply, done) => {
    // The template (`/rest/v1/patient/:id`), never `request.url`: ids must not become labels.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  const expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken)
  // Said once at start, where an operator who forgot the token will look.
  if (!expected) app.log.warn('GET /metrics is served without a token (CAIRN_METRICS=1): firewall it')
  app.get(METRICS_PATH, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    // The scheme is case-insensitive (RFC 9110); the token is compared as a whole.
    const presented = /^bearer +(.*)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (expected && (presented === undefined || !timingSafeEqual(digest(presented), expected))) {
      throw unauthorized('A valid metrics token is required (Authorization: Bearer <token>)')
    }
    const text = await metrics.scrape()
    return reply.type(metrics.contentType).send(text)
  })
}

/**
 * SHA-256 of a header value. Comparing digests keeps the comparison constant-time whatever the
 * lengths (`timingSafeEqual` needs equal lengths, and a length check would leak the token's length).
 */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
