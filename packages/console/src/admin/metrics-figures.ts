/** One sample of the Prometheus text format: `name{labels} value`. */
interface Sample {
  name: string
  labels: string
  value: number
}

/** A figure the health screen shows, already in words. */
export interface MetricFigure {
  label: string
  value: string
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/

/** The samples of a Prometheus text exposition (comments and malformed lines skipped). */
function samplesOf(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line.trim())
    if (!m) continue
    const value = Number(m[3])
    if (Number.isFinite(value)) out.push({ name: m[1], labels: m[2] ?? '', value })
  }
  return out
}

/** Sum of a metric's samples whose labels match `labels` (every sample when absent); undefined if none. */
function total(samples: Sample[], name: string, labels?: RegExp): number | undefined {
  const matching = samples.filter((s) => s.name === name && (!labels || labels.test(s.labels)))
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0)
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${Math.floor(seconds % 60)} s`
}

/**
 * The few figures of the server's /metrics an administrator looks at first (uptime, memory, requests
 * and server errors, event-loop delay, database pool, access-log queue, realtime subscriptions), from
 * the Prometheus text; a metric the server does not expose is left out.
 */
export function metricFigures(text: string, nowMs: number = Date.now()): MetricFigure[] {
  const s = samplesOf(text)
  const figures: MetricFigure[] = []
  const add = (label: string, value: number | undefined, show: (v: number) => string) => {
    if (value !== undefined) figures.push({ label, value: show(value) })
  }
  const count = (v: number) => Math.round(v).toLocaleString()
  add('Uptime', total(s, 'process_start_time_seconds'), (start) =>
    duration(Math.max(0, nowMs / 1000 - start)),
  )
  add('Resident memory', total(s, 'process_resident_memory_bytes'), (b) => `${(b / 1048576).toFixed(0)} MiB`)
  add('Requests answered', total(s, 'cairn_http_requests_total'), count)
  add('Server errors (5xx)', total(s, 'cairn_http_requests_total', /status_code="5/) ?? 0, count)
  add(
    'Event loop delay (max)',
    total(s, 'cairn_event_loop_delay_max_seconds'),
    (v) => `${(v * 1000).toFixed(1)} ms`,
  )
  add('Database connections', total(s, 'cairn_db_pool_connections'), count)
  add('Database queries waiting', total(s, 'cairn_db_pool_waiting_queries'), count)
  add('Access log queue', total(s, 'cairn_audit_queue_length'), count)
  add('Realtime subscriptions', total(s, 'cairn_realtime_subscriptions'), count)
  return figures
}
