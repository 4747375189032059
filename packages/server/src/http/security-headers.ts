import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyContextConfig, FastifyInstance } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which set of security headers a route gets: the API's (default), Swagger UI's or the console's. */
    securityHeaders?: 'api' | 'docs' | 'console'
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
 * Content-Security-Policy of the web console (served at `/`): scripts only from the server (Vite's
 * bundles, no inline script), the API and its WebSocket on the same origin (CSP Level 3 lets 'self'
 * match ws:/wss: of the page's host), inline styles because Mantine writes its CSS variables in a
 * `<style>` element, never framed. Decrypted records live in this page: nothing may load code from
 * anywhere else.
 */
const CONSOLE_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
}

/** Route options of the web console's routes: their own CSP (see CONSOLE_CSP). */
export const CONSOLE_ROUTE_CONFIG: FastifyContextConfig = { securityHeaders: 'console' }

/** Route options of the Swagger UI routes: their own CSP (see DOCS_CSP). */
export const DOCS_ROUTE_CONFIG: FastifyContextConfig = { securityHeaders: 'docs' }

/**
 * Helmet's options for the API: its defaults, with the API's CSP, frames denied, no referrer, and
 * without the headers that only mean something to an HTML page (opener policy, origin-agent
 * cluster, DNS prefetch, IE's download options and XSS filter, Flash/PDF cross-domain policies) or
 * to cookie-authenticated resources (the resource policy: a cross-origin `no-cors` read carries no
 * bearer token, so it can only get a 401): each costs bytes and CPU on every answer for nothing
 * (the server benchmark's GET lost 4% to headers). HSTS is sent by the hook below.
 */
const API_HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  crossOriginResourcePolicy: false,
}

/**
 * The headers helmet writes for `options`, computed once: helmet's middleware is run against a
 * response that only records headers. Helmet's headers depend on its options alone (no nonce is
 * configured), so every answer can carry the same set. Running helmet per request through
 * @fastify/helmet cost 4% of the server's CPU on a GET (parsing its options again each time).
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    },
  }
  let done = false
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {
    done = true
  })
  if (!done) throw new Error('helmet did not compute its headers synchronously')
  return Object.freeze(headers)
}

/**
 * The security headers of every API answer, computed once: helmet's for API_HELMET, plus
 * `Cache-Control: no-store`. Also written on errors answered before any hook runs (a malformed
 * request: see client-error.ts and framework-errors.ts), so that those carry the same set.
 */
export const BASIC_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...helmetHeaders(API_HELMET),
  'cache-control': 'no-store',
})

/**
 * Security headers on every answer (errors and unknown routes included), computed by helmet once
 * (helmetHeaders) and set by one hook: `X-Content-Type-Options: nosniff`, a CSP that allows nothing
 * (`default-src 'none'; frame-ancestors 'none'`; Swagger UI gets DOCS_CSP), `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`. Answers hold health data, even if encrypted, and tokens:
 * `Cache-Control: no-store` keeps them out of browser and proxy caches (static Swagger UI files keep
 * the cache headers of their plugin).
 *
 * `Strict-Transport-Security` (`max-age=hstsMaxAge`) is sent only on requests that came over HTTPS:
 * directly, or through a trusted proxy's `X-Forwarded-Proto: https` (CAIRN_TRUST_PROXY). Over plain
 * HTTP browsers ignore it anyway, and a local or test server must not pin its host name to HTTPS.
 * Register it first, so that its hook runs before any hook that may answer (CORS, authentication).
 */
export function registerSecurityHeaders(app: FastifyInstance, hstsMaxAge: number): void {
  const api = BASIC_SECURITY_HEADERS
  const docs = {
    ...helmetHeaders({ ...API_HELMET, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } }),
    'cache-control': 'no-store',
  }
  const consolePage = {
    ...helmetHeaders({
      ...API_HELMET,
      contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP },
      // The console page holds decrypted records and keys: a page it opens, or that opened it, from
      // another origin gets no `window.opener` handle on it (Cross-Origin-Opener-Policy: same-origin).
      crossOriginOpenerPolicy: { policy: 'same-origin' },
    }),
    'cache-control': 'no-store',
  }
  const byKind = { api, docs, console: consolePage }
  const hsts = `max-age=${hstsMaxAge}`
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(byKind[request.routeOptions.config?.securityHeaders ?? 'api'])
    if (hstsMaxAge > 0 && request.protocol === 'https') reply.header('strict-transport-security', hsts)
    done()
  })
}
