// `npm run bench:cli` (also the end of `npm run bench`): wall time of the built `cairn` command for
// the answers that must be instant (`--help`, `--version`), next to a bare `node` start. Needs
// `npm run build` (the npm scripts run it first). See docs/performance.md, "CLI startup".
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { machine } from './report.ts'

const ROOT = new URL('..', import.meta.url).pathname
const BIN = join(ROOT, 'packages/cli/bin/cairn.js')
const RUNS = positiveInt(process.env.BENCH_CLI_RUNS, 20)

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(n) || n <= 0) throw new Error('BENCH_CLI_RUNS must be a positive integer')
  return n
}

/** One command line, measured RUNS times. */
interface Case {
  label: string
  args: string[]
}

const CASES: Case[] = [
  { label: 'node -e "" (bare Node.js start)', args: ['-e', ''] },
  { label: 'cairn --help', args: [BIN, '--help'] },
  { label: 'cairn --version', args: [BIN, '--version'] },
  { label: 'cairn serve --help', args: [BIN, 'serve', '--help'] },
]

/** Wall time in ms of one run of `node <args>`; throws if it fails. */
function timeOnce(args: string[]): number {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`)
  return ms
}

/** The value below which a fraction `q` of the sorted values fall (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

if (!existsSync(join(ROOT, 'packages/cli/dist/main.js')))
  throw new Error('packages/cli/dist/main.js is missing: run `npm run build` first (npm run bench:cli does)')

const host = await machine()
console.log(`\nCLI startup — ${host.nproc} cores ${host.cpu}, Node ${host.node}, code at ${host.commit}`)
if (host.busyCoresBefore !== undefined && host.busyCoresBefore > 0.25)
  console.log(
    `WARNING: ${host.busyCoresBefore.toFixed(2)} cores were busy with other work; figures may be high.`,
  )
console.log(`${RUNS} runs of each, interleaved, after one warm-up round (wall time from spawn to exit)\n`)
// Round-robin over the cases, so that a change of load during the run affects them all alike.
for (const c of CASES) timeOnce(c.args)
const times = CASES.map(() => [] as number[])
for (let i = 0; i < RUNS; i++) CASES.forEach((c, k) => times[k].push(timeOnce(c.args)))
const widths = [34, 10, 10, 10]
const row = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ')
console.log(row(['command', 'median ms', 'p95 ms', 'min ms']))
CASES.forEach((c, k) => {
  const sorted = times[k].sort((a, b) => a - b)
  const cells = [quantile(sorted, 0.5), quantile(sorted, 0.95), sorted[0]].map((ms) => ms.toFixed(0))
  console.log(row([c.label, ...cells]))
})
