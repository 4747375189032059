/**
 * The load generator of `npm run bench:server`, run as its own process (so that its CPU is never
 * counted as the server's, and the orchestrator's timers do not disturb it).
 *
 * It is a small keep-alive HTTP/1.1 client over raw `net` sockets: each of `connections` sockets has
 * exactly one request in flight (no pipelining) and sends the next one as soon as the answer is
 * complete. Raw sockets rather than `http.request` or `fetch` because on 2 cores the client shares
 * the machine with the server, and Node's HTTP client costs several times more CPU per request than
 * writing a prepared buffer and reading a `Content-Length` answer.
 *
 * `load-process.ts` runs it in a child process.
 */
import { connect, type Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { sampleCpu, type CpuSample } from './cpu-sample.ts'

/** One kind of request: a rotation of prepared ones, or a body with a fresh id each time. */
export type SingleRequestSpec =
  | { kind: 'rotate'; method: 'GET' | 'POST'; paths: string[]; body?: string }
  | {
      kind: 'fresh-id'
      method: 'POST'
      path: string
      /** The JSON body with the placeholder where each request puts a new UUID. */
      bodyTemplate: string
      placeholder: string
    }

/**
 * What to send: one kind of request, or a mix whose parts are sent in turn (a part listed three times
 * is sent three times as often: `[get, get, get, create]` is three reads to one write).
 */
export type RequestSpec = SingleRequestSpec | { kind: 'mix'; parts: SingleRequestSpec[] }

/** One load run. */
export interface LoadSpec {
  host: string
  port: number
  connections: number
  /** Requests answered during the warm-up are not counted. */
  warmupMs: number
  durationMs: number
  /** Full header value, e.g. `Bearer <jwt>`. Never printed. */
  authorization: string
  request: RequestSpec
  /** The server's pid, to read its CPU time at the edges of the measured window. */
  serverPid?: number
  /**
   * Several servers instead of `host`/`port` (bench/scale-out): connection i goes to target
   * i mod n, as a layer-4 load balancer spreads keep-alive connections round robin.
   */
  targets?: { host: string; port: number }[]
  /** The pids of every server of `targets` (their CPU times add up in `cores.server`). */
  serverPids?: number[]
}

/** Outcome of one load run (counted in the measured window only). */
export interface LoadResult {
  requests: number
  /** Answers with a status outside 200–299, by status. */
  non2xx: Record<string, number>
  /** Socket errors, closed connections, unparseable answers. */
  socketErrors: number
  /** Measured window actually elapsed, in ms. */
  elapsedMs: number
  reqPerSec: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** CLOCK_MONOTONIC µs of the measured window, to cut the server's CPU profile to it. */
  window: { startUs: number; endUs: number }
  /**
   * Cores kept busy during the measured window: by the server process, PostgreSQL, this load
   * generator, and everything else on the machine (which disturbs the figures when it is not ~0).
   */
  cores: { server: number; postgres: number; loadGenerator: number; other: number }
  /** The body of the first non-2xx answer (for diagnosis; error bodies carry no secrets). */
  firstError?: string
}

const HEADER_END = Buffer.from('\r\n\r\n')

/** CLOCK_MONOTONIC in µs (the clock of V8 CPU profiles, in every process). */
function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Builds the next request's bytes: of the one kind of `spec`, or of each part of a mix in turn. */
function requestFactory(spec: LoadSpec): () => Buffer {
  const r = spec.request
  if (r.kind !== 'mix') return singleFactory(spec, r)
  const parts = r.parts.map((part) => singleFactory(spec, part))
  let i = 0
  return () => parts[i++ % parts.length]()
}

/** Builds the next request's bytes. Prepared buffers are reused; fresh-id bodies are built per call. */
function singleFactory(spec: LoadSpec, r: SingleRequestSpec): () => Buffer {
  const head = (method: string, path: string, length?: number) =>
    `${method} ${path} HTTP/1.1\r\nHost: ${spec.host}:${spec.port}\r\nAuthorization: ${spec.authorization}\r\n` +
    `Accept: application/json\r\nConnection: keep-alive\r\n` +
    (length === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${length}\r\n`) +
    '\r\n'
  if (r.kind === 'rotate') {
    const prepared = r.paths.map((p) =>
      r.body === undefined
        ? Buffer.from(head(r.method, p))
        : Buffer.from(head(r.method, p, Buffer.byteLength(r.body)) + r.body),
    )
    let i = 0
    return () => prepared[i++ % prepared.length]
  }
  const at = r.bodyTemplate.indexOf(r.placeholder)
  if (at < 0) throw new Error('fresh-id body template has no placeholder')
  const before = r.bodyTemplate.slice(0, at)
  const after = r.bodyTemplate.slice(at + r.placeholder.length)
  return () => {
    const body = before + randomUUID() + after
    return Buffer.from(head(r.method, r.path, Buffer.byteLength(body)) + body)
  }
}

/** Reads the status and Content-Length of a response head; -1 length when absent (unsupported here). */
function parseHead(head: string): { status: number; length: number } {
  const status = Number(head.slice(9, 12))
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  return { status, length: m ? Number(m[1]) : -1 }
}

/** Runs the load and resolves with what was measured. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const next = requestFactory(spec)
  const t0 = nowUs()
  const measureFrom = t0 + spec.warmupMs * 1000
  const stopAt = measureFrom + spec.durationMs * 1000
  // Latencies of the measured window, in µs; a typed array grown by doubling keeps GC out of the loop.
  let lat = new Float64Array(1 << 16)
  let count = 0
  const non2xx: Record<string, number> = {}
  let socketErrors = 0
  let firstError: string | undefined
  let lastEnd = measureFrom

  const record = (sentAt: number, status: number, body: Buffer) => {
    const end = nowUs()
    if (sentAt < measureFrom || end > stopAt) return
    if (count === lat.length) {
      const grown = new Float64Array(lat.length * 2)
      grown.set(lat)
      lat = grown
    }
    lat[count++] = end - sentAt
    lastEnd = end
    if (status < 200 || status > 299) {
      non2xx[status] = (non2xx[status] ?? 0) + 1
      firstError ??= `${status} ${body.toString('utf8', 0, Math.min(body.length, 300))}`
    }
  }

  const targets = spec.targets ?? [{ host: spec.host, port: spec.port }]
  const runConnection = (index: number) =>
    new Promise<void>((resolve) => {
      const target = targets[index % targets.length]
      let socket: Socket
      let buffered: Buffer = Buffer.alloc(0)
      let sentAt = 0
      let expected: { status: number; length: number; bodyAt: number } | undefined
      const send = () => {
        if (nowUs() >= stopAt) {
          socket.end()
          return resolve()
        }
        sentAt = nowUs()
        socket.write(next())
      }
      const open = () => {
        socket = connect({ host: target.host, port: target.port, noDelay: true })
        buffered = Buffer.alloc(0)
        expected = undefined
        socket.on('connect', send)
        socket.on('data', (chunk: Buffer) => {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
          if (!expected) {
            const end = buffered.indexOf(HEADER_END)
            if (end < 0) return
            const head = parseHead(buffered.toString('latin1', 0, end))
            if (head.length < 0) {
              socketErrors++
              firstError ??= 'answer without Content-Length (chunked answers are not supported)'
              socket.destroy()
              return resolve()
            }
            expected = { ...head, bodyAt: end + HEADER_END.length }
          }
          if (buffered.length < expected.bodyAt + expected.length) return
          const body = buffered.subarray(expected.bodyAt, expected.bodyAt + expected.length)
          record(sentAt, expected.status, body)
          buffered = buffered.subarray(expected.bodyAt + expected.length)
          expected = undefined
          send()
        })
        socket.on('error', () => {
          socketErrors++
        })
        socket.on('close', () => {
          // The server closed a connection it should have kept: count it and open another one.
          if (nowUs() < stopAt) {
            socketErrors++
            open()
          } else resolve()
        })
      }
      open()
    })

  // CPU counters at the edges of the measured window (the warm-up and process start are left out).
  type Timed = CpuSample & { atUs: number }
  const pids = spec.serverPids ?? (spec.serverPid === undefined ? [] : [spec.serverPid])
  const sample = (): Timed => ({ ...sampleCpu(pids), atUs: nowUs() })
  let first: Timed | undefined
  let last: Timed | undefined
  const edges = [
    setTimeout(() => (first = sample()), spec.warmupMs),
    setTimeout(() => (last = sample()), spec.warmupMs + spec.durationMs),
  ]
  await Promise.all(Array.from({ length: spec.connections }, (_, i) => runConnection(i)))
  edges.forEach(clearTimeout)
  first ??= sample()
  last ??= sample()
  // Timers fire a little late on a busy loop: divide by the time the samples actually span.
  const seconds = Math.max(0.001, (last.atUs - first.atUs) / 1e6)
  const per = (ms: number) => Math.max(0, ms / 1000 / seconds)
  const server = last.serverMs - first.serverMs
  const postgres = last.postgresMs - first.postgresMs
  const self = last.selfMs - first.selfMs
  const sorted = lat.subarray(0, count).sort()
  const pct = (p: number) => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.floor(count * p))] / 1000)
  const elapsedMs = Math.max(1, (Math.min(lastEnd, stopAt) - measureFrom) / 1000)
  return {
    requests: count,
    non2xx,
    socketErrors,
    elapsedMs,
    reqPerSec: count / (spec.durationMs / 1000),
    p50Ms: pct(0.5),
    p90Ms: pct(0.9),
    p99Ms: pct(0.99),
    maxMs: count === 0 ? 0 : sorted[count - 1] / 1000,
    window: { startUs: measureFrom, endUs: stopAt },
    cores: {
      server: per(server),
      postgres: per(postgres),
      loadGenerator: per(self),
      other: per(last.machineMs - first.machineMs - server - postgres - self),
    },
    ...(firstError ? { firstError } : {}),
  }
}
