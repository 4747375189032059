import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PoolStats } from '../storage/storage.ts'
import { processMetricsRegistry } from './process-metrics-registry.ts'

/** What the gauges read at each scrape; narrow on purpose, so tests can pass stand-ins. */
export interface MetricsSources {
  /** Connection use of the storage (`Storage.poolStats()`). */
  poolStats(): PoolStats
  /** Failed-login keys of the login throttle (`LoginThrottle.stats()`, read from the database). */
  loginLimiter(): Promise<{ tracked: number; blocked: number }>
}

/** Options of a `Metrics` instance. */
export interface MetricsOptions {
  /** Also expose prom-client's default `process_*` / `nodejs_*` metrics (default true). */
  processMetrics?: boolean
}

/** Route label of requests that matched no route: one label, so scanners cannot create series. */
export const UNMATCHED_ROUTE = 'unmatched'

/**
 * Sampling period of the event-loop delay monitor. 20 ms is 50 wake-ups a second, which costs
 * nothing measurable, while a stall shorter than that is not worth an alert anyway.
 */
const EVENT_LOOP_RESOLUTION_MS = 20

/**
 * Latency buckets in seconds: from 5 ms (a cached read) to 30 s (a large batch on a busy database);
 * logins sit around 50–200 ms because scrypt is deliberately slow.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** Event-loop delay quantiles exposed, as the `quantile` label and as the histogram's percentile. */
const EVENT_LOOP_QUANTILES = [0.5, 0.9, 0.99]

const NS_PER_SECOND = 1e9

type RequestLabels = 'method' | 'route' | 'status_code'

/**
 * The Prometheus metrics of one server, in a registry of its own (never prom-client's global one)
 * so that several servers in one process, as in tests, do not clash. Explicit lifecycle: created by
 * `CairnServer.init()` when metrics are enabled, `close()`d by `CairnServer.close()`.
 *
 * - `cairn_http_requests_total` and `cairn_http_request_duration_seconds`, by method, route
 *   template and status code (fed by `observeRequest`, from the `onResponse` hook);
 * - `cairn_db_pool_*`: connections of the storage, read at each scrape;
 * - `cairn_event_loop_delay_seconds` (p50, p90, p99) and `cairn_event_loop_delay_max_seconds`;
 * - `cairn_login_limiter_tracked_keys` and `cairn_login_limiter_blocked_keys`;
 * - the default `process_*` / `nodejs_*` metrics unless `processMetrics: false`.
 *
 * The outbox of the messaging feature (a later issue) will add its gauges here, reading the outbox
 * at each scrape like the pool gauges do; there is no outbox yet, so no gauge pretends to measure it.
 */
export class Metrics {
  /** This server's registry. */
  readonly registry = new Registry()
  private readonly requests: Counter<RequestLabels>
  private readonly latency: Histogram<RequestLabels>
  private readonly eventLoop: IntervalHistogram
  private readonly eventLoopMax: Gauge
  private readonly eventLoopQuantiles: Gauge<'quantile'>
  private readonly processMetrics: boolean

  constructor(sources: MetricsSources, options: MetricsOptions = {}) {
    const registers = [this.registry]
    this.processMetrics = options.processMetrics ?? true
    const labelNames: RequestLabels[] = ['method', 'route', 'status_code']
    this.requests = new Counter({
      name: 'cairn_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames,
      registers,
    })
    this.latency = new Histogram({
      name: 'cairn_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, by method, route template and status code.',
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers,
    })

    new Gauge({
      name: 'cairn_db_pool_connections',
      help: 'Open database connections (SQLite: its one connection).',
      registers,
      collect() {
        this.set(sources.poolStats().total)
      },
    })
    new Gauge({
      name: 'cairn_db_pool_idle_connections',
      help: 'Open database connections not running a query.',
      registers,
      collect() {
        this.set(sources.poolStats().idle)
      },
    })
    new Gauge({
      name: 'cairn_db_pool_waiting_queries',
      help: 'Queries waiting for a free connection: above 0 for long, the pool is too small or the database too slow.',
      registers,
      collect() {
        this.set(sources.poolStats().waiting)
      },
    })

    new Gauge({
      name: 'cairn_login_limiter_tracked_keys',
      help: 'Logins and client addresses with failed logins in their current window.',
      registers,
      async collect() {
        this.set((await sources.loginLimiter()).tracked)
      },
    })
    new Gauge({
      name: 'cairn_login_limiter_blocked_keys',
      help: 'Logins and client addresses whose failed logins reached the per-login limit in their current window.',
      registers,
      async collect() {
        this.set((await sources.loginLimiter()).blocked)
      },
    })

    this.eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
    this.eventLoop.enable()
    this.eventLoopMax = new Gauge({
      name: 'cairn_event_loop_delay_max_seconds',
      help: 'Longest event-loop delay since the previous scrape, beyond the 20 ms sampling period.',
      registers,
    })
    this.eventLoopQuantiles = new Gauge({
      name: 'cairn_event_loop_delay_seconds',
      help: 'Event-loop delay quantiles since the previous scrape, beyond the 20 ms sampling period.',
      labelNames: ['quantile'],
      registers,
    })
  }

  /**
   * Counts one answered request and its latency. `route` must be the route template (such as
   * `/rest/v1/patient/:id`) or `UNMATCHED_ROUTE`, never the raw URL: ids in labels would create a
   * series per document and leak them to whoever reads the metrics.
   */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) }
    this.requests.inc(labels)
    this.latency.observe(labels, seconds)
  }

  /** Content type of `scrape()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  /** The exposition text: this server's metrics, then the process metrics when enabled. */
  async scrape(): Promise<string> {
    this.readEventLoop()
    const own = await this.registry.metrics()
    return this.processMetrics ? own + '\n' + (await processMetricsRegistry().metrics()) : own
  }

  /**
   * Sets the event-loop gauges from the monitor, then resets it: the window is the time since the
   * previous scrape, so every stall appears in exactly one scrape (with several scrapers, each sees
   * the time since the latest scrape of any of them). Done here rather than in gauge `collect`
   * callbacks, which prom-client runs one metric after the other: both gauges must read the same
   * window before the reset. The monitor records the time between its timer's runs, so a punctual
   * loop reads one resolution: that is subtracted, and 0 means "on time".
   */
  private readEventLoop(): void {
    const h = this.eventLoop
    // An empty window (two scrapes within one sampling period) reads 0, not the "no sample" values.
    const empty = h.count === 0
    const seconds = (ns: number) =>
      empty ? 0 : Math.max(0, ns / NS_PER_SECOND - EVENT_LOOP_RESOLUTION_MS / 1000)
    for (const q of EVENT_LOOP_QUANTILES) {
      this.eventLoopQuantiles.set({ quantile: String(q) }, seconds(h.percentile(q * 100)))
    }
    this.eventLoopMax.set(seconds(h.max))
    h.reset()
  }

  /** Stops the event-loop monitor and drops every metric; the instance is unusable afterwards. */
  close(): void {
    this.eventLoop.disable()
    this.registry.clear()
  }
}
