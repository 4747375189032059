import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, ENTITY_ROUTES, type ErrorBody } from '@cairn/protocol'
import { startInProcessServer } from '../testing/in-process-server.ts'
import { parsePrometheusText, type PrometheusSample } from '../testing/prometheus-text.ts'
import { Metrics } from './metrics.ts'

type Server = Awaited<ReturnType<typeof startInProcessServer>>

const TOKEN = 'metrics-token-for-tests'

/** The samples named `name` whose labels include `labels`. */
function find(samples: PrometheusSample[], name: string, labels: Record<string, string> = {}) {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** The value of the one sample named `name` with `labels`. */
function value(samples: PrometheusSample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels)
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return found[0].value
}

/** Blocks the event loop (the in-process server shares it) for `ms` milliseconds. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // busy wait on purpose
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('/metrics when disabled (in process)', () => {
  let s: Server
  beforeAll(async () => {
    s = await startInProcessServer()
  })
  afterAll(() => s.close())

  it('answers 404 like an unknown route', async () => {
    const res = await s.request<ErrorBody>({ method: 'GET', url: '/metrics' })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('NOT_FOUND')
    expect(res.body.error.message).toBe('No route GET /metrics')
  })
})

describe('/metrics with a token (in process)', () => {
  let s: Server
  const scrape = async () => {
    const res = await s.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(res.status, res.text).toBe(200)
    return { res, samples: parsePrometheusText(res.text) }
  }

  beforeAll(async () => {
    // Two failures block a login: small, so that the blocked gauge moves in the test.
    s = await startInProcessServer({ metricsToken: TOKEN, loginMaxFailures: 2 })
  })
  afterAll(() => s.close())

  it('is enabled by the token alone', () => {
    expect(s.server.config.metricsEnabled).toBe(true)
  })

  it('answers 401 with the error body without the token or with a wrong one', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      'Bearer ',
    ]) {
      const res = await s.request<ErrorBody>({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(res.status, String(authorization)).toBe(401)
      expect(res.body.error.code).toBe('UNAUTHORIZED')
    }
  })

  it('answers the Prometheus text format with the token, and is not in the OpenAPI document', async () => {
    const { res } = await scrape()
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const doc = await s.request<{ paths: Record<string, unknown> }>({ method: 'GET', url: '/openapi.json' })
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics')
  })

  it('counts requests by method, route template and status, with latency buckets, and never a raw id', async () => {
    const hcp = await s.createHcp(`metrics-${randomUUID()}@example.org`)
    const missingId = randomUUID()
    const strayId = randomUUID()
    const getPatient = `${API_PREFIX}${ENTITY_ROUTES.patient.get.path}`
    const missing = await s.request({
      method: 'GET',
      url: getPatient.replace(':id', missingId),
      token: hcp.token,
    })
    for (let i = 0; i < 3; i++) {
      const unauth = await s.request({ method: 'GET', url: getPatient.replace(':id', randomUUID()) })
      expect(unauth.status).toBe(401)
    }
    expect((await s.request({ method: 'GET', url: `/no/such/route/${strayId}` })).status).toBe(404)

    const { res, samples } = await scrape()
    const route = getPatient
    expect(value(samples, 'cairn_http_requests_total', { method: 'GET', route, status_code: '401' })).toBe(3)
    expect(
      value(samples, 'cairn_http_requests_total', {
        method: 'GET',
        route,
        status_code: String(missing.status),
      }),
    ).toBe(1)
    expect(
      value(samples, 'cairn_http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' }),
    ).toBe(1)
    expect(
      value(samples, 'cairn_http_requests_total', { method: 'POST', route: `${API_PREFIX}/auth/login` }),
    ).toBeGreaterThan(0)

    const buckets = find(samples, 'cairn_http_request_duration_seconds_bucket', { route, status_code: '401' })
    expect(buckets.map((b) => b.labels.le)).toContain('+Inf')
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(3)
    expect(value(samples, 'cairn_http_request_duration_seconds_count', { route, status_code: '401' })).toBe(3)
    expect(
      value(samples, 'cairn_http_request_duration_seconds_sum', { route, status_code: '401' }),
    ).toBeGreaterThan(0)

    // Ids never become labels: only route templates (or "unmatched") do.
    expect(res.text).not.toContain(missingId)
    expect(res.text).not.toContain(strayId)
    const routes = new Set(find(samples, 'cairn_http_requests_total').map((x) => x.labels.route))
    for (const r of routes) expect(r === 'unmatched' || !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(r), r).toBe(true)
  })

  it('exposes the storage pool gauges', async () => {
    const { samples } = await scrape()
    // Embedded SQLite: one connection, idle between requests.
    expect(value(samples, 'cairn_db_pool_connections')).toBe(1)
    expect(value(samples, 'cairn_db_pool_idle_connections')).toBe(1)
    expect(value(samples, 'cairn_db_pool_waiting_queries')).toBe(0)
  })

  it('exposes the login limiter gauges', async () => {
    const login = `nobody-${randomUUID()}`
    const before = (await scrape()).samples
    for (let i = 0; i < 2; i++) {
      const res = await s.request({
        method: 'POST',
        url: `${API_PREFIX}/auth/login`,
        payload: { username: login, password: 'wrong' },
      })
      expect(res.status).toBe(401)
    }
    const { samples } = await scrape()
    // No login failed before: then the login's key and the client address's key both hold two
    // failures, the base limit (the address would only be refused at ten times that).
    expect(value(before, 'cairn_login_limiter_tracked_keys')).toBe(0)
    expect(value(before, 'cairn_login_limiter_blocked_keys')).toBe(0)
    expect(value(samples, 'cairn_login_limiter_tracked_keys')).toBe(2)
    expect(value(samples, 'cairn_login_limiter_blocked_keys')).toBe(2)
  })

  it('exposes the event-loop delay since the previous scrape, beyond the sampling period', async () => {
    await scrape() // starts a new window
    await sleep(60)
    blockEventLoop(150)
    await sleep(60)
    const { samples } = await scrape()
    const max = value(samples, 'cairn_event_loop_delay_max_seconds')
    expect(max).toBeGreaterThanOrEqual(0.12)
    expect(max).toBeLessThan(5)
    for (const quantile of ['0.5', '0.9', '0.99']) {
      const q = value(samples, 'cairn_event_loop_delay_seconds', { quantile })
      expect(q).toBeGreaterThanOrEqual(0)
      expect(q).toBeLessThanOrEqual(max)
    }
    // The window was reset by that scrape: the stall is not reported twice.
    // Compared with the stall just measured, not a fixed figure: a GC pause on a loaded machine can be long.
    expect(value((await scrape()).samples, 'cairn_event_loop_delay_max_seconds')).toBeLessThan(max)
  })

  it('includes the default process metrics', async () => {
    const { samples } = await scrape()
    expect(find(samples, 'process_cpu_user_seconds_total')).toHaveLength(1)
    expect(find(samples, 'nodejs_heap_size_used_bytes')).toHaveLength(1)
  })
})

describe('Metrics', () => {
  const sources = {
    poolStats: () => ({ total: 10, idle: 7, waiting: 2 }),
    loginLimiter: () => Promise.resolve({ tracked: 5, blocked: 1 }),
  }

  it('keeps one registry per instance, so several coexist in one process, and empties it on close', async () => {
    const a = new Metrics(sources, { processMetrics: false })
    const b = new Metrics(sources, { processMetrics: false })
    a.observeRequest('GET', '/x/:id', 200, 0.01)
    const textA = parsePrometheusText(await a.scrape())
    const textB = parsePrometheusText(await b.scrape())
    expect(value(textA, 'cairn_http_requests_total', { route: '/x/:id' })).toBe(1)
    expect(find(textB, 'cairn_http_requests_total')).toHaveLength(0)
    expect(value(textB, 'cairn_db_pool_connections')).toBe(10)
    expect(value(textB, 'cairn_db_pool_idle_connections')).toBe(7)
    expect(value(textB, 'cairn_db_pool_waiting_queries')).toBe(2)
    expect(value(textB, 'cairn_login_limiter_tracked_keys')).toBe(5)
    expect(value(textB, 'cairn_login_limiter_blocked_keys')).toBe(1)
    expect(find(textB, 'process_cpu_user_seconds_total')).toHaveLength(0)
    a.close()
    b.close()
    expect(a.registry.getMetricsAsArray()).toHaveLength(0)
    expect(await b.scrape()).toBe('\n')
  })
})
