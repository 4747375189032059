import { readFileSync, readdirSync } from 'node:fs'
import { rsaOperationCount, resetRsaOperationCount } from '@cairn/sdk'

/** What one measured run of a phase cost, on both sides of the wire. */
export interface Measurement {
  entities: number
  wallMs: number
  /** Entities per second. */
  throughput: number
  /** RSA operations of the client process during the run (`rsaOperationCount()` delta). */
  rsaOps: number
  /** CPU time of the client process (main thread and WebCrypto/libuv threads). */
  clientCpuMs: number
  /** CPU time of the server process, when its /proc entry is readable (Linux). */
  serverCpuMs?: number
  /** CPU time of every other process on the machine during the run (Linux): it skews the figures. */
  otherCpuMs?: number
  /** HTTP requests made during the run. */
  requests: number
  /** Wall time with at least one request in flight (sent, response body not fully read yet). */
  httpBusyMs: number
  /** Requests by route (`METHOD /path`, ids replaced by `:id`): count and summed latency. */
  routes: Record<string, { count: number; sumMs: number }>
  /** WebCrypto calls of the client during the run, by method (`encrypt`, `importKey`, ...). */
  webCrypto: Record<string, number>
  /** Start and end on CLOCK_MONOTONIC in µs (as V8 profiles time samples), to slice a server profile. */
  window: { startUs: number; endUs: number }
}

interface Exchange {
  route: string
  start: number
  end: number
}

const exchanges: Exchange[] = []
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi

const webCryptoCalls: Record<string, number> = {}

/**
 * Instruments this process: wraps `globalThis.fetch` to time every request from its start until its
 * body has been read (`text()` or `json()`), and counts the calls to each WebCrypto method. Must run
 * before any MedTechApi is built: the SDK's HttpClient takes the global fetch when it is constructed.
 */
export function installInstruments(): void {
  const subtle = globalThis.crypto.subtle as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const name of ['encrypt', 'decrypt', 'importKey', 'generateKey', 'sign', 'verify', 'digest']) {
    const method = subtle[name].bind(subtle)
    subtle[name] = (...args: unknown[]) => {
      webCryptoCalls[name] = (webCryptoCalls[name] ?? 0) + 1
      return method(...args)
    }
  }
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const route = `${init?.method ?? 'GET'} ${url.pathname.replace(UUID, ':id')}`
    const start = performance.now()
    const res = await original(input, init)
    const done = <T>(value: T): T => {
      exchanges.push({ route, start, end: performance.now() })
      return value
    }
    res.text = () => Response.prototype.text.call(res).then(done)
    res.json = () => Response.prototype.json.call(res).then(done)
    return res
  }
}

/** Runs `fn` once and measures it: wall time, RSA operations, client and server CPU, HTTP timings. */
export async function measure<T>(
  entities: number,
  fn: () => Promise<T>,
): Promise<{ value: T; m: Measurement }> {
  const pid = serverPid()
  const first = exchanges.length
  const crypto0 = { ...webCryptoCalls }
  const serverCpu0 = pid ? cpuOfPid(pid) : undefined
  const machine0 = machineBusyMs()
  const cpu0 = process.cpuUsage()
  resetRsaOperationCount()
  const startUs = monotonicUs()
  const t0 = performance.now()
  const value = await fn()
  const wallMs = performance.now() - t0
  const endUs = monotonicUs()
  const rsaOps = rsaOperationCount()
  const cpu = process.cpuUsage(cpu0)
  const serverCpu1 = pid ? cpuOfPid(pid) : undefined
  const machine1 = machineBusyMs()
  const http = httpStats(exchanges.slice(first))
  const webCrypto = Object.fromEntries(
    Object.entries(webCryptoCalls)
      .map(([k, n]) => [k, n - (crypto0[k] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  )
  const clientCpuMs = (cpu.user + cpu.system) / 1000
  const serverCpuMs =
    serverCpu0 !== undefined && serverCpu1 !== undefined ? serverCpu1 - serverCpu0 : undefined
  const otherCpuMs =
    machine0 !== undefined && machine1 !== undefined && serverCpuMs !== undefined
      ? Math.max(0, machine1 - machine0 - clientCpuMs - serverCpuMs)
      : undefined
  return {
    value,
    m: {
      entities,
      wallMs,
      throughput: (entities / wallMs) * 1000,
      rsaOps,
      clientCpuMs,
      serverCpuMs,
      otherCpuMs,
      ...http,
      webCrypto,
      window: { startUs, endUs },
    },
  }
}

/** CLOCK_MONOTONIC in µs: the clock of `process.hrtime` and of V8 CPU profiles in every process. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Count, busy time (union of intervals) and per-route latency of a list of exchanges. */
function httpStats(list: Exchange[]): Pick<Measurement, 'requests' | 'httpBusyMs' | 'routes'> {
  const routes: Measurement['routes'] = {}
  for (const x of list) {
    const r = (routes[x.route] ??= { count: 0, sumMs: 0 })
    r.count++
    r.sumMs += x.end - x.start
  }
  const sorted = [...list].sort((a, b) => a.start - b.start)
  let busy = 0
  let end = -Infinity
  for (const x of sorted) {
    if (x.end <= end) continue
    busy += x.end - Math.max(x.start, end)
    end = x.end
  }
  return { requests: list.length, httpBusyMs: busy, routes }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100

/** Pid of the `cairn serve` child of this process (Linux /proc), or undefined. */
export function serverPid(): number | undefined {
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/)
      for (const child of children.filter(Boolean)) {
        const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8')
        if (cmd.includes('packages/cli/src/main.ts') && cmd.includes('serve')) return Number(child)
      }
    }
  } catch {
    // Not Linux, or /proc not readable: server CPU is left out.
  }
  return undefined
}

/** CPU time all cores spent busy (not idle, not waiting for I/O) since boot, in ms, from /proc/stat. */
export function machineBusyMs(): number | undefined {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4] // minus idle, iowait
    return (busy * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/** User + system CPU time of a process in ms, from /proc/<pid>/stat. */
export function cpuOfPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
