import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { DEFAULT_BODY_LIMIT } from '@cairn/protocol'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * Security headers on every answer of a real server process (default settings: no CORS, no trusted
 * proxy): successes, errors of every kind, unknown routes, and the Swagger UI with its own CSP.
 * The headers do not depend on the database: one SQLite server is enough.
 */

const R = '/rest/v1'
const API_CSP = "default-src 'none';frame-ancestors 'none'"

/** The headers every answer of the API carries. */
function expectApiHeaders(res: Response, what: string): void {
  const h = res.headers
  expect(h.get('x-content-type-options'), what).toBe('nosniff')
  expect(h.get('content-security-policy')?.replaceAll('; ', ';'), what).toBe(API_CSP)
  expect(h.get('x-frame-options'), what).toBe('DENY')
  expect(h.get('referrer-policy'), what).toBe('no-referrer')
  expect(h.get('cache-control'), what).toBe('no-store')
  // Plain HTTP: browsers ignore HSTS there, and a local server must not pin its name to HTTPS.
  expect(h.get('strict-transport-security'), what).toBeNull()
  // No CORS configured: no CORS header at all.
  expect(h.get('access-control-allow-origin'), what).toBeNull()
}

describe('security headers (one real server, default settings)', () => {
  let server: ServerProcess
  let token: string

  beforeAll(async () => {
    server = await startServer()
    const login = await fetch(`${server.url}${R}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: server.adminLogin, password: server.adminPassword }),
    })
    expect(login.status).toBe(200)
    expectApiHeaders(login, 'login')
    token = ((await login.json()) as { token: string }).token
  })
  afterAll(() => disposeServer(server))

  it('sends them on successes and on every kind of error', async () => {
    const auth = { authorization: `Bearer ${token}` }
    const json = { 'content-type': 'application/json' }
    const cases: [string, string, RequestInit, number][] = [
      ['health', '/health', {}, 200],
      ['readiness', '/ready', {}, 200],
      ['an API read', `${R}/user/current`, { headers: auth }, 200],
      ['the OpenAPI document', '/openapi.json', {}, 200],
      ['no token', `${R}/user/current`, {}, 401],
      ['an unknown route', `${R}/nope`, { headers: auth }, 404],
      ['an unknown entity', `${R}/patient/${crypto.randomUUID()}`, { headers: auth }, 403],
      ['a NUL in the URL', `${R}/patient/%00`, { headers: auth }, 400],
      ['a path that does not decode', `${R}/patient/%C3%28`, { headers: auth }, 400],
      ['invalid JSON', `${R}/auth/login`, { method: 'POST', headers: json, body: '{' }, 400],
      [
        'a body over the limit',
        `${R}/auth/login`,
        { method: 'POST', headers: json, body: 'x'.repeat(DEFAULT_BODY_LIMIT + 1) },
        413,
      ],
    ]
    for (const [what, path, init, status] of cases) {
      const res = await fetch(server.url + path, init)
      expect(res.status, what).toBe(status)
      expectApiHeaders(res, what)
      await res.body?.cancel()
    }
  })

  it('sends them on a request Node refuses before Fastify sees it (raw bytes in the URL)', async () => {
    const { hostname, port } = new URL(server.url)
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.end(Buffer.from(`GET ${R}/patient/\u00e9 HTTP/1.1\r\nHost: cairn\r\n\r\n`, 'latin1')),
      )
      let out = ''
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')))
      socket.on('error', reject)
      socket.on('close', () => resolve(out.split('\r\n\r\n')[0].toLowerCase()))
    })
    expect(head).toMatch(/^http\/1\.1 400/)
    for (const line of [
      'x-content-type-options: nosniff',
      "content-security-policy: default-src 'none';frame-ancestors 'none'",
      'x-frame-options: deny',
      'referrer-policy: no-referrer',
      'cache-control: no-store',
    ])
      expect(head).toContain(line)
  })

  it('gives Swagger UI its own policy: its scripts and styles from the server, never framed', async () => {
    const page = await fetch(`${server.url}/docs/`)
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    // Inline styles only (the bundle injects one): no inline script, no eval.
    expect(csp.replace("style-src 'self' 'unsafe-inline'", '')).not.toMatch(/unsafe/)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    // The page loads its scripts from the server, none inline (the CSP would block them).
    const html = await page.text()
    expect(html).toMatch(/<script src="[^"]*swagger-initializer\.js"/)
    expect(html).not.toMatch(/<script>[^<]/)
    for (const asset of ['swagger-ui-bundle.js', 'swagger-initializer.js', 'swagger-ui.css']) {
      const res = await fetch(`${server.url}/docs/static/${asset}`)
      expect(res.status, asset).toBe(200)
      expect(res.headers.get('x-content-type-options'), asset).toBe('nosniff')
      await res.body?.cancel()
    }
    // The document Swagger UI fetches is not cached either.
    const json = await fetch(`${server.url}/docs/json`)
    expect(json.headers.get('cache-control')).toBe('no-store')
    expect(json.headers.get('x-content-type-options')).toBe('nosniff')
    await json.body?.cancel()
  })

  it('trusts no proxy by default: X-Forwarded-Proto and X-Forwarded-For are ignored', async () => {
    const res = await fetch(`${server.url}/health`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
    })
    await res.body?.cancel()
    expect(res.headers.get('strict-transport-security')).toBeNull()
    const id = res.headers.get('x-request-id')!
    for (let i = 0; i < 50 && !server.stdout().includes(`"reqId":"${id}","method"`); i++)
      await new Promise((r) => setTimeout(r, 20))
    const line = server
      .stdout()
      .split('\n')
      .find((l) => l.includes(`"reqId":"${id}","method"`))
    expect(JSON.parse(line!)).toMatchObject({ remoteAddress: '127.0.0.1' })
  })

  it('answers a CORS preflight with 404 when no origin is allowed (CAIRN_CORS_ORIGINS empty)', async () => {
    const res = await fetch(`${server.url}${R}/user/current`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.org',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    expect(res.status).toBe(404)
    expectApiHeaders(res, 'preflight')
    expect(res.headers.get('access-control-allow-methods')).toBeNull()
  })
})
