import type { ConsoleSession } from '../session/console-session.ts'
import { metricFigures, type MetricFigure } from './metrics-figures.ts'

/** One probe's outcome: its answer's summary and how long the round trip took in this page. */
export interface Probe {
  ok: boolean
  /** What the server said: "ok (sqlite)", or its error message. */
  detail: string
  roundTripMs: number
  /** The database's own answer time, as /ready measures it. */
  databaseMs?: number
}

/** What the screen can say of /metrics. */
export type MetricsState =
  | { kind: 'figures'; figures: MetricFigure[] }
  /** Metrics are off on this server (CAIRN_METRICS unset): /metrics answers 404. */
  | { kind: 'off' }
  /** /metrics is on and asks for its own token (CAIRN_METRICS_TOKEN), not an admin session. */
  | { kind: 'needs-token'; wrongToken: boolean }
  | { kind: 'error'; detail: string }

export interface ServerHealth {
  health: Probe
  ready: Probe
  version: string | undefined
  metrics: MetricsState
}

async function probe(session: ConsoleSession, path: string): Promise<Probe> {
  const started = performance.now()
  try {
    const response = await session.rest.getRaw(path)
    const roundTripMs = Math.round((performance.now() - started) * 10) / 10
    const body = (await response.json().catch(() => undefined)) as
      { status?: string; database?: string; latencyMs?: number; error?: { message?: string } } | undefined
    if (!response.ok)
      return {
        ok: false,
        detail: body?.error?.message ?? `${response.status} ${response.statusText}`,
        roundTripMs,
      }
    return {
      ok: true,
      detail: `${body?.status ?? 'ok'} (${body?.database ?? 'database unknown'})`,
      roundTripMs,
      databaseMs: body?.latencyMs,
    }
  } catch (e) {
    return {
      ok: false,
      detail: `no answer (${e instanceof Error ? e.message : String(e)})`,
      roundTripMs: Math.round(performance.now() - started),
    }
  }
}

/** The server's version, from its OpenAPI document (public, and the one place it is published). */
async function version(session: ConsoleSession): Promise<string | undefined> {
  const response = await session.rest.getRaw('/openapi.json').catch(() => undefined)
  if (!response?.ok) return undefined
  const doc = (await response.json().catch(() => undefined)) as { info?: { version?: string } } | undefined
  return doc?.info?.version
}

/**
 * /metrics with `token` (the metrics token an operator typed), else without one. An admin session
 * does not open it: the route takes its own bearer token, meant for a Prometheus scraper.
 */
async function metrics(token: string | undefined): Promise<MetricsState> {
  try {
    const response = await fetch('/metrics', token ? { headers: { authorization: `Bearer ${token}` } } : {})
    if (response.status === 404) return { kind: 'off' }
    if (response.status === 401) return { kind: 'needs-token', wrongToken: token !== undefined }
    if (!response.ok) return { kind: 'error', detail: `${response.status} ${response.statusText}` }
    return { kind: 'figures', figures: metricFigures(await response.text()) }
  } catch (e) {
    return { kind: 'error', detail: e instanceof Error ? e.message : String(e) }
  }
}

/**
 * Liveness (/health), readiness with the database's latency (/ready), the version and the main
 * metrics, all at once. Never rejects: a probe that fails is part of the answer.
 */
export async function readServerHealth(
  session: ConsoleSession,
  metricsToken?: string,
): Promise<ServerHealth> {
  const [health, ready, v, m] = await Promise.all([
    probe(session, '/health'),
    probe(session, '/ready'),
    version(session),
    metrics(metricsToken),
  ])
  return { health, ready, version: v, metrics: m }
}
