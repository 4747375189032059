import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, ROUTES } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import {
  parsePrometheusText,
  type PrometheusSample,
} from '../../packages/server/src/testing/prometheus-text.ts'

/**
 * Monitoring of a real server process: `cairn serve` with CAIRN_METRICS_TOKEN, scraped over HTTP the
 * way Prometheus does, on each storage backend; and CAIRN_METRICS=1 without a token, served openly.
 */

/** The value of the one sample named `name` with `labels`; fails when there is not exactly one. */
function value(samples: PrometheusSample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return found[0].value
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`/metrics over HTTP, with a token (${backend.name})`, () => {
    const token = randomBytes(24).toString('base64url')
    let server: ServerProcess

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl, env: { CAIRN_METRICS_TOKEN: token } })
    })
    afterAll(() => disposeServer(server))

    it('refuses a scrape without the token or with a wrong one (401 error body)', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${token}-wrong` }]
      for (const headers of attempts) {
        const res = await fetch(`${server.url}/metrics`, { headers })
        expect(res.status).toBe(401)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED')
      }
    })

    it('exposes request counts and latency by route template, pool, event-loop and limiter gauges', async () => {
      const login = await fetch(`${server.url}${API_PREFIX}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: server.adminLogin, password: server.adminPassword }),
      })
      expect(login.status).toBe(200)
      const { token: access } = (await login.json()) as { token: string }
      const missingUser = randomUUID()
      const userRoute = API_PREFIX + ROUTES.getUser.path
      const missing = await fetch(`${server.url}${userRoute.replace(':id', missingUser)}`, {
        headers: { authorization: `Bearer ${access}` },
      })
      await missing.body?.cancel()
      const denied = await fetch(`${server.url}${userRoute.replace(':id', randomUUID())}`)
      expect(denied.status).toBe(401)
      await denied.body?.cancel()

      const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const text = await res.text()
      const samples = parsePrometheusText(text)

      const route = userRoute
      const status = String(missing.status)
      expect(value(samples, 'cairn_http_requests_total', { method: 'GET', route, status_code: status })).toBe(
        1,
      )
      expect(value(samples, 'cairn_http_requests_total', { method: 'GET', route, status_code: '401' })).toBe(
        1,
      )
      expect(
        value(samples, 'cairn_http_requests_total', {
          method: 'POST',
          route: `${API_PREFIX}/auth/login`,
          status_code: '200',
        }),
      ).toBe(1)
      expect(
        value(samples, 'cairn_http_request_duration_seconds_bucket', {
          route,
          status_code: '401',
          le: '+Inf',
        }),
      ).toBe(1)
      expect(text).not.toContain(missingUser)

      // SQLite holds one connection; the PostgreSQL pool has opened at least one by now.
      expect(value(samples, 'cairn_db_pool_connections')).toBeGreaterThanOrEqual(1)
      expect(value(samples, 'cairn_db_pool_idle_connections')).toBeGreaterThanOrEqual(0)
      expect(value(samples, 'cairn_db_pool_waiting_queries')).toBe(0)
      expect(value(samples, 'cairn_event_loop_delay_seconds', { quantile: '0.99' })).toBeGreaterThanOrEqual(0)
      expect(value(samples, 'cairn_event_loop_delay_max_seconds')).toBeGreaterThanOrEqual(0)
      expect(value(samples, 'cairn_login_limiter_tracked_keys')).toBe(0)
      expect(value(samples, 'cairn_login_limiter_blocked_keys')).toBe(0)
      expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    })

    it('keeps the token out of the log', () => {
      expect(server.output()).not.toContain(token)
    })
  })
}

describe('/metrics over HTTP, CAIRN_METRICS=1 without a token (SQLite)', () => {
  let server: ServerProcess
  beforeAll(async () => {
    server = await startServer({ env: { CAIRN_METRICS: '1' } })
  })
  afterAll(() => disposeServer(server))

  it('is served without credentials and hidden from the OpenAPI document', async () => {
    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('# TYPE cairn_http_requests_total counter')
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(doc.paths)).not.toContain('/metrics')
  })
})
