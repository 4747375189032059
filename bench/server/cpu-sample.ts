import { readFileSync, readdirSync } from 'node:fs'

/** CPU time so far (ms) of the machine, the server process(es), PostgreSQL and this process. */
export interface CpuSample {
  machineMs: number
  serverMs: number
  postgresMs: number
  selfMs: number
}

/** utime + stime (ms) from a /proc/<pid>/stat line (Linux, 100 ticks per second). */
function statCpuMs(stat: string): number {
  // Fields 14 and 15 (utime, stime), counted from after the parenthesised command name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * Reads every CPU counter at one instant, so that a run can tell the server's CPU from the database's,
 * the load generator's and everything else on the machine (a shared machine: other work competes with
 * the server for the 2 cores and must be visible next to each figure). Synchronous and taken only at
 * the edges of a measured window.
 */
export function sampleCpu(serverPids: number | readonly number[] | undefined): CpuSample {
  const servers = new Set(typeof serverPids === 'number' ? [serverPids] : (serverPids ?? []))
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1, 9).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = line
  let serverMs = 0
  let postgresMs = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (servers.has(Number(entry))) serverMs += statCpuMs(stat)
      // Every PostgreSQL process counts, including those serving other clients of the same cluster.
      else if (stat.includes('(postgres)')) postgresMs += statCpuMs(stat)
    } catch {
      // The process ended while we looked.
    }
  }
  const self = process.cpuUsage()
  return {
    machineMs: (user + nice + system + irq + softirq + steal) * 10,
    serverMs,
    postgresMs,
    selfMs: (self.user + self.system) / 1000,
  }
}
