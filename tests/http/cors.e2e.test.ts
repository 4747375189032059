import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'

/**
 * CORS of a real server process with an allow-list (CAIRN_CORS_ORIGINS): the preflight a browser
 * sends before a call with a bearer token, the call itself, and origins that are not on the list.
 * Browsers enforce CORS from these headers: an answer without Access-Control-Allow-Origin is
 * withheld from the page (tests/browser/cors-and-docs.e2e.test.ts checks it in Chromium).
 */

const R = '/rest/v1'
const APP = 'https://app.example.org'
const DEV = 'http://localhost:5173'
const OTHER = 'https://evil.example.org'

describe('CORS with an allow-list (one real server)', () => {
  let server: ServerProcess
  let token: string

  beforeAll(async () => {
    // Spaces and a trailing slash are tolerated: origins are normalised as browsers send them.
    server = await startServer({ env: { CAIRN_CORS_ORIGINS: ` ${APP}/ , ${DEV}` } })
    const login = await fetch(`${server.url}${R}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: APP },
      body: JSON.stringify({ username: server.adminLogin, password: server.adminPassword }),
    })
    expect(login.status).toBe(200)
    expect(login.headers.get('access-control-allow-origin')).toBe(APP)
    token = ((await login.json()) as { token: string }).token
  })
  afterAll(() => disposeServer(server))

  const preflight = (origin: string, method = 'POST', headers = 'authorization, content-type') =>
    fetch(`${server.url}${R}/patient/filter`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    })

  it('answers the preflight of an allowed origin with 204, before authentication', async () => {
    for (const origin of [APP, DEV]) {
      const res = await preflight(origin)
      expect(res.status).toBe(204)
      const h = res.headers
      expect(h.get('access-control-allow-origin')).toBe(origin)
      expect(h.get('access-control-allow-methods')?.split(/, */)).toEqual(['GET', 'POST', 'PUT', 'DELETE'])
      expect(h.get('access-control-allow-headers')?.split(/, */)).toEqual(['authorization', 'content-type'])
      expect(h.get('access-control-max-age')).toBe('3600')
      expect(h.get('vary')).toMatch(/\bOrigin\b/)
      // Bearer tokens, never cookies.
      expect(h.get('access-control-allow-credentials')).toBeNull()
      // The preflight is an answer like any other.
      expect(h.get('x-content-type-options')).toBe('nosniff')
      expect(await res.text()).toBe('')
    }
  })

  it('gives no Access-Control-Allow-Origin to an origin off the list (the browser then refuses)', async () => {
    for (const origin of [OTHER, 'null', 'https://app.example.org.evil.org', 'http://app.example.org']) {
      const res = await preflight(origin)
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull()
      await res.body?.cancel()
    }
  })

  it('lets an allowed origin read answers, the request id and Retry-After included, errors too', async () => {
    const ok = await fetch(`${server.url}${R}/user/current`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
    })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP)
    expect(ok.headers.get('access-control-expose-headers')?.split(/, */)).toEqual([
      'x-request-id',
      'retry-after',
    ])
    expect(ok.headers.get('vary')).toMatch(/\bOrigin\b/)
    await ok.body?.cancel()
    // An error is readable by the app too (it must show why a call failed).
    const denied = await fetch(`${server.url}${R}/user/current`, { headers: { origin: DEV } })
    expect(denied.status).toBe(401)
    expect(denied.headers.get('access-control-allow-origin')).toBe(DEV)
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED')
  })

  it('sends no CORS grant to other origins or to requests without an Origin', async () => {
    for (const headers of [{ origin: OTHER }, {}] as Record<string, string>[]) {
      const res = await fetch(`${server.url}${R}/user/current`, {
        headers: { ...headers, authorization: `Bearer ${token}` },
      })
      // The server still answers (CORS is the browser's rule), without granting the page access.
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
      await res.body?.cancel()
    }
  })
})
