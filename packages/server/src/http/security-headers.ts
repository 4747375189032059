import type { FastifyContextConfig, FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Helmet options of one route, merged over the global ones (@fastify/helmet reads them here). */
    helmet?: Record<string, unknown>
  }
}

/**
 * Content-Security-Policy of the API: its answers are JSON that no browser should ever render, run
 * or frame, so nothing is allowed at all.
 */
const API_CSP = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] }

/**
 * Content-Security-Policy of Swagger UI (/docs): its page, scripts and styles come from the server
 * itself (no inline script: the page loads `swagger-initializer.js`), icons are `data:` images,
 * and it fetches the OpenAPI document and, with "Try it out", the API from the same origin. Its
 * bundle injects a `<style>` element, hence inline styles (styles cannot run code; scripts stay
 * strictly from the server: tests/browser/cors-and-docs.e2e.test.ts checks no violation remains).
 * Still never framed (clickjacking of "Try it out" with the operator's token).
 */
const DOCS_CSP = {
  'default-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
}

/**
 * The headers that matter on an error written before any hook runs (a malformed request: see
 * client-error.ts and framework-errors.ts), the same values helmet and the hook below give.
 */
export const BASIC_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** Route options of the Swagger UI routes: their own CSP (see DOCS_CSP). */
export const DOCS_ROUTE_CONFIG: FastifyContextConfig = {
  helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } },
}

/**
 * Security headers on every answer (errors and unknown routes included), with @fastify/helmet:
 * `X-Content-Type-Options: nosniff`, a CSP that allows nothing (`default-src 'none'; frame-ancestors
 * 'none'`; Swagger UI gets DOCS_CSP), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, plus
 * helmet's other defaults (cross-origin opener and resource policies, no DNS prefetch...). Answers
 * hold health data, even if encrypted, and tokens: `Cache-Control: no-store` keeps them out of
 * browser and proxy caches (static Swagger UI files keep the cache headers of their plugin).
 *
 * `Strict-Transport-Security` (`max-age=hstsMaxAge`) is sent only on requests that came over HTTPS:
 * directly, or through a trusted proxy's `X-Forwarded-Proto: https` (CAIRN_TRUST_PROXY). Over plain
 * HTTP browsers ignore it anyway, and a local or test server must not pin its host name to HTTPS.
 * Register it first, so that its hook runs before any hook that may answer (CORS, authentication).
 */
export async function registerSecurityHeaders(app: FastifyInstance, hstsMaxAge: number): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Sent below, only over HTTPS.
    strictTransportSecurity: false,
  })
  const hsts = `max-age=${hstsMaxAge}`
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('cache-control', 'no-store')
    if (hstsMaxAge > 0 && request.protocol === 'https') reply.header('strict-transport-security', hsts)
    done()
  })
}
