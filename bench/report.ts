import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { availableParallelism, totalmem } from 'node:os'
import type { Measurement } from './measure.ts'
import type { ProfileSummary } from './profile.ts'

/** One target of a phase and whether the run met it. */
export interface Target {
  what: string
  goal: string
  value: number
  met: boolean
}

/** Everything measured for one phase. */
export interface PhaseReport {
  id: 'a' | 'b' | 'c'
  title: string
  /** Batch size, concurrency, acting user: what both the E2EE and the baseline runs did. */
  setup: string
  e2ee: Measurement
  baseline: Measurement
  /** E2EE wall time / baseline wall time. */
  ratio: number
  targets: Target[]
  /** Client CPU profile of a re-run of the phase (missed phases, or all with BENCH_PROFILE=all). */
  profile?: ProfileSummary
  /** Server CPU profile sliced to each measured run (BENCH_SERVER_PROFILE=1). */
  serverProfile?: { e2ee: ProfileSummary; baseline: ProfileSummary }
}

/** The machine the run happened on. */
export interface Machine {
  nproc: number
  cpu: string
  ramGiB: number
  node: string
  /** Cores busy with other work during the second before the run (from /proc/stat): it skews the figures. */
  busyCoresBefore?: number
  /** Time of a fixed single-threaded JS loop: compares the speed of the machine between runs. */
  speedProbeMs: number
  /** Commit of the code measured, with `+local changes` when packages/ differs from it. */
  commit: string
}

/** The JSON written to .bench/last.json. */
export interface BenchResult {
  date: string
  machine: Machine
  /** Run parameters (sizes, batch, concurrency). */
  config: Record<string, number | string>
  firstContactRsa: number
  phases: PhaseReport[]
  totalSeconds: number
}

/** nproc, CPU model, RAM, Node version, measured commit and current CPU use of this machine. */
export async function machine(): Promise<Machine> {
  let cpu = 'unknown'
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  } catch {
    // Not Linux: keep "unknown".
  }
  return {
    nproc: availableParallelism(),
    cpu,
    ramGiB: totalmem() / 2 ** 30,
    node: process.version,
    busyCoresBefore: await busyCores(1000),
    speedProbeMs: speedProbe(),
    commit: commit(),
  }
}

/** Milliseconds of a fixed integer loop (about 0.4 s here); larger means a slower machine right now. */
function speedProbe(): number {
  const t0 = performance.now()
  let x = 0
  for (let i = 0; i < 1e8; i++) x = (x + i * 7) % 1000003
  if (x < 0) throw new Error('unreachable') // keeps the loop from being optimised away
  return performance.now() - t0
}

/** Average number of busy cores over `ms` (all processes), from /proc/stat; undefined off Linux. */
async function busyCores(ms: number): Promise<number | undefined> {
  const sample = () => {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number)
    const idle = ticks[3] + ticks[4] // idle + iowait
    return { idle, total: ticks.reduce((a, b) => a + b, 0) }
  }
  try {
    const a = sample()
    await new Promise((resolve) => setTimeout(resolve, ms))
    const b = sample()
    return (1 - (b.idle - a.idle) / (b.total - a.total)) * availableParallelism()
  } catch {
    return undefined
  }
}

/** Short HEAD commit (read-only git commands), marked when packages/ has uncommitted changes. */
function commit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim()
    const head = git('rev-parse', '--short', 'HEAD')
    return git('status', '--porcelain', '--', 'packages') ? `${head}+local changes` : head
  } catch {
    return 'unknown'
  }
}

/** The targets of a phase: throughput floor (if any), ratio ceiling, and zero RSA per entity. */
export function targetsOf(
  e2ee: Measurement,
  ratio: number,
  minThroughput: number | undefined,
  maxRatio: number,
): Target[] {
  const targets: Target[] = []
  if (minThroughput !== undefined) {
    targets.push({
      what: 'E2EE throughput',
      goal: `>= ${minThroughput} entities/s`,
      value: e2ee.throughput,
      met: e2ee.throughput >= minThroughput,
    })
  }
  targets.push({
    what: 'ratio E2EE/baseline',
    goal: `<= ${maxRatio.toFixed(1)}`,
    value: ratio,
    met: ratio <= maxRatio,
  })
  targets.push({
    what: 'RSA operations per entity',
    goal: '= 0',
    value: e2ee.rsaOps / e2ee.entities,
    met: e2ee.rsaOps === 0,
  })
  return targets
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const pad = (s: string, n: number) => s.padEnd(n)
const lpad = (s: string, n: number) => s.padStart(n)

/** The human-readable report printed on stdout. */
export function render(result: BenchResult): string {
  const out: string[] = []
  const m = result.machine
  out.push(
    `Cairn benchmark, ${result.date} — ${m.nproc} cores ${m.cpu}, ${fmt(m.ramGiB, 1)} GiB, Node ${m.node}`,
  )
  const busy = m.busyCoresBefore
  const busyText = busy === undefined ? 'n/a' : fmt(busy, 2)
  out.push(`Code at ${m.commit}; cores busy with other work before the run: ${busyText}`)
  out.push(`CPU speed probe (fixed JS loop): ${fmt(m.speedProbeMs)} ms (lower is faster)`)
  if (busy !== undefined && busy > 0.25)
    out.push('WARNING: the machine was busy before the run; figures may be low.')
  const disturbed = result.phases.flatMap((p) =>
    [p.e2ee, p.baseline].filter((x) => (x.otherCpuMs ?? 0) > 0.1 * x.wallMs).map(() => p.id),
  )
  if (disturbed.length > 0) {
    out.push(
      `WARNING: other processes used > 10% of a core during phase(s) ${[...new Set(disturbed)].join(',')}.`,
    )
  }
  out.push(`First-contact RSA operations (setup + warm-up, not per entity): ${result.firstContactRsa}`)
  out.push('')
  const head = ['phase', 'E2EE ent/s', 'base ent/s', 'E2EE s', 'base s', 'ratio', 'RSA', 'RSA/ent']
  const widths = [34, 11, 11, 8, 8, 6, 5, 8]
  out.push(head.map((h, i) => (i === 0 ? pad(h, widths[i]) : lpad(h, widths[i]))).join(' '))
  for (const p of result.phases) {
    const cells = [
      `(${p.id}) ${p.title}`,
      fmt(p.e2ee.throughput),
      fmt(p.baseline.throughput),
      fmt(p.e2ee.wallMs / 1000, 2),
      fmt(p.baseline.wallMs / 1000, 2),
      fmt(p.ratio, 2),
      String(p.e2ee.rsaOps),
      fmt(p.e2ee.rsaOps / p.e2ee.entities, 3),
    ]
    out.push(cells.map((c, i) => (i === 0 ? pad(c, widths[i]) : lpad(c, widths[i]))).join(' '))
  }
  out.push('')
  out.push('Setup of each phase (identical for E2EE and baseline):')
  for (const p of result.phases) out.push(`  (${p.id}) ${p.setup}`)
  out.push('')
  out.push(
    'Where the time goes (wall; CPU of each process; HTTP busy = wall time with >= 1 request in flight):',
  )
  for (const p of result.phases) {
    for (const [label, x] of [
      ['E2EE    ', p.e2ee],
      ['baseline', p.baseline],
    ] as const) {
      const cpu = (ms: number | undefined) => lpad(ms === undefined ? 'n/a' : fmt(ms), 6)
      out.push(
        `  (${p.id}) ${label} wall ${lpad(fmt(x.wallMs), 6)} ms | client CPU ${cpu(x.clientCpuMs)} ms` +
          ` | server CPU ${cpu(x.serverCpuMs)} ms | other processes ${cpu(x.otherCpuMs)} ms` +
          ` | HTTP busy ${lpad(fmt(x.httpBusyMs), 6)} ms` +
          ` (${fmt((x.httpBusyMs / x.wallMs) * 100)}% of wall)`,
      )
      const routes = Object.entries(x.routes).map(
        ([r, v]) => `${r} x${v.count} (mean ${fmt(v.sumMs / v.count, 1)} ms)`,
      )
      const crypto = Object.entries(x.webCrypto).map(([k, n]) => `${k} ${fmt(n / x.entities, 2)}`)
      out.push(`      requests: ${routes.join(', ')}`)
      if (crypto.length > 0) out.push(`      WebCrypto calls per entity: ${crypto.join(', ')}`)
    }
  }
  out.push('')
  out.push('Targets:')
  for (const p of result.phases) {
    for (const t of p.targets) {
      const value = t.what.startsWith('RSA')
        ? fmt(t.value, 3)
        : fmt(t.value, t.what.startsWith('ratio') ? 2 : 0)
      out.push(
        `  (${p.id}) ${pad(t.what, 26)} ${pad(t.goal, 22)} ${lpad(value, 8)}  ${t.met ? 'MET' : 'MISSED'}`,
      )
    }
  }
  const summary = (title: string, s: ProfileSummary, categories: number) => {
    out.push('')
    out.push(`${title} (${fmt(s.totalMs)} ms):`)
    out.push('  by category (self time):')
    for (const c of s.categories.slice(0, categories))
      out.push(`    ${lpad(fmt(c.selfMs), 7)} ms ${lpad(fmt(c.percent, 1), 5)}%  ${c.name}`)
    out.push('  top functions (self time):')
    for (const f of s.functions)
      out.push(`    ${lpad(fmt(f.selfMs), 7)} ms ${lpad(fmt(f.percent, 1), 5)}%  ${f.name}`)
  }
  for (const p of result.phases) {
    if (p.profile)
      summary(`Client CPU profile of (${p.id}) ${p.title}, re-run under the inspector`, p.profile, 8)
  }
  for (const p of result.phases) {
    if (!p.serverProfile) continue
    summary(`Server CPU profile of (${p.id}) E2EE run`, p.serverProfile.e2ee, 5)
    summary(`Server CPU profile of (${p.id}) baseline run`, p.serverProfile.baseline, 5)
  }
  out.push('')
  out.push(`Total run time ${fmt(result.totalSeconds, 1)} s. JSON: .bench/last.json`)
  return out.join('\n')
}

/** Writes the JSON result to .bench/last.json (git-ignored). */
export function writeResult(result: BenchResult): void {
  const dir = new URL('../.bench/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  writeFileSync(new URL('last.json', dir), JSON.stringify(result, null, 2) + '\n')
}
