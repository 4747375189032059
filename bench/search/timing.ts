import { cpuOfPid, machineBusyMs, serverPid } from '../measure.ts'

/** The timings of one query over its measured calls. */
export interface Timed {
  calls: number
  medianMs: number
  p90Ms: number
  minMs: number
  /** Calls per second, one call in flight: calls / summed wall time. */
  perSecond: number
  /**
   * Mean CPU time of the Cairn server process per call, from /proc (10 ms ticks: each call's delta is
   * coarse, their mean over many calls is not biased). PostgreSQL's own processes are not included.
   */
  serverCpuMs?: number
  /** Mean CPU time of this client process per call (HTTP, JSON, decryption). */
  clientCpuMs: number
}

/** What else the machine did while a group of queries was measured. */
export interface Window {
  wallMs: number
  /** Cores busy with work other than this process and the Cairn server (PostgreSQL counts here). */
  otherCores?: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

/**
 * Times each query of `queries` `reps` times after `warmup` unmeasured calls, one call at a time. The
 * queries take turns (A B C A B C ...) rather than running in blocks, so that a change of load on
 * this shared machine hits each of them alike and the ratios between them stay meaningful.
 */
export async function timeInterleaved<K extends string>(
  queries: Record<K, () => Promise<unknown>>,
  warmup: number,
  reps: number,
): Promise<{ timed: Record<K, Timed>; window: Window }> {
  const keys = Object.keys(queries) as K[]
  for (let r = 0; r < warmup; r++) for (const k of keys) await queries[k]()
  const pid = serverPid()
  const wall = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>
  const server = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  const client = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  let serverKnown = pid !== undefined
  const busy0 = machineBusyMs()
  const cpuAll0 = process.cpuUsage()
  const serverAll0 = pid === undefined ? undefined : cpuOfPid(pid)
  const t0 = performance.now()
  for (let r = 0; r < reps; r++) {
    for (const k of keys) {
      const s0 = pid === undefined ? undefined : cpuOfPid(pid)
      const c0 = process.cpuUsage()
      const start = performance.now()
      await queries[k]()
      wall[k].push(performance.now() - start)
      const c = process.cpuUsage(c0)
      client[k] += (c.user + c.system) / 1000
      const s1 = pid === undefined ? undefined : cpuOfPid(pid)
      if (s0 === undefined || s1 === undefined) serverKnown = false
      else server[k] += s1 - s0
    }
  }
  const wallMs = performance.now() - t0
  const busy1 = machineBusyMs()
  const cpuAll = process.cpuUsage(cpuAll0)
  const serverAll1 = pid === undefined ? undefined : cpuOfPid(pid)
  const timed = {} as Record<K, Timed>
  for (const k of keys) {
    const sorted = [...wall[k]].sort((a, b) => a - b)
    const sum = sorted.reduce((a, b) => a + b, 0)
    timed[k] = {
      calls: reps,
      medianMs: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      minMs: sorted[0],
      perSecond: (reps / sum) * 1000,
      ...(serverKnown ? { serverCpuMs: server[k] / reps } : {}),
      clientCpuMs: client[k] / reps,
    }
  }
  let otherCores: number | undefined
  if (busy0 !== undefined && busy1 !== undefined && serverAll0 !== undefined && serverAll1 !== undefined) {
    const mine = (cpuAll.user + cpuAll.system) / 1000 + (serverAll1 - serverAll0)
    otherCores = Math.max(0, busy1 - busy0 - mine) / wallMs
  }
  return { timed, window: { wallMs, ...(otherCores !== undefined ? { otherCores } : {}) } }
}
