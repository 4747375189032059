import { readFileSync, readdirSync } from 'node:fs'
import { rsaOperationCount, resetRsaOperationCount } from '@cairn/sdk'
import type { ServerProcess } from '../tests/support/server-process.ts'

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
  /** Requests the server completed during the run, with the sum of their `responseTime`. */
  serverRequests: number
  serverSumMs: number
  /** Wall time during which at least one request was in the server (union of request intervals). */
  serverBusyMs: number
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100

/**
 * Runs `fn` once and measures it: wall time, RSA operations, client and server CPU, and the server's
 * own request timings taken from its pino log (`responseTime` of each "request completed" line).
 */
export async function measure<T>(
  server: ServerProcess,
  entities: number,
  fn: () => Promise<T>,
): Promise<{ value: T; m: Measurement }> {
  const pid = serverPid()
  const logStart = server.output().length
  const serverCpu0 = pid ? cpuOfPid(pid) : undefined
  const cpu0 = process.cpuUsage()
  resetRsaOperationCount()
  const t0 = performance.now()
  const value = await fn()
  const wallMs = performance.now() - t0
  const rsaOps = rsaOperationCount()
  const cpu = process.cpuUsage(cpu0)
  const serverCpu1 = pid ? cpuOfPid(pid) : undefined
  await new Promise((resolve) => setTimeout(resolve, 100)) // let the last log lines arrive
  const log = serverLog(server.output().slice(logStart))
  return {
    value,
    m: {
      entities,
      wallMs,
      throughput: (entities / wallMs) * 1000,
      rsaOps,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      serverCpuMs:
        serverCpu0 !== undefined && serverCpu1 !== undefined ? serverCpu1 - serverCpu0 : undefined,
      ...log,
    },
  }
}

/** Request count, summed `responseTime` and busy time (union of intervals) of a slice of the server log. */
export function serverLog(text: string): { serverRequests: number; serverSumMs: number; serverBusyMs: number } {
  const intervals: [number, number][] = []
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.includes('"request completed"')) continue
    const entry = JSON.parse(line) as { time: number; responseTime: number }
    sum += entry.responseTime
    intervals.push([entry.time - entry.responseTime, entry.time])
  }
  intervals.sort((a, b) => a[0] - b[0])
  let busy = 0
  let end = -Infinity
  for (const [s, e] of intervals) {
    if (e <= end) continue
    busy += e - Math.max(s, end)
    end = e
  }
  return { serverRequests: intervals.length, serverSumMs: sum, serverBusyMs: busy }
}

/** Pid of the `cairn serve` child of this process (Linux /proc), or undefined. */
function serverPid(): number | undefined {
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

/** User + system CPU time of a process in ms, from /proc/<pid>/stat. */
function cpuOfPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
