/**
 * `npm run bench:server`: HTTP throughput of one real Cairn server process, per backend, scenario and
 * number of connections. See docs/performance.md, "Server throughput (npm run bench:server)".
 *
 *   npm run bench:server                              # every backend, scenario and connection count
 *   npm run bench:server -- --quick                   # 64 connections, 3 s per run
 *   npm run bench:server -- --backends sqlite --scenarios get --connections 1,64 --duration 5
 *   npm run bench:server -- --profile                 # the server's CPU profile, by self time, per run
 *   npm run bench:server -- --log-level warn          # the server's LOG_LEVEL (default: info, as shipped)
 *   npm run bench:server -- --compare /tmp/old-tree   # A/B: also a server from another checkout, runs interleaved
 *   npm run bench:server -- --audit-off --scenarios mixed   # also a server with CAIRN_AUDIT_LOG=off: the log's cost
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { disposeServer, startServer, type ServerProcess } from '../../tests/support/server-process.ts'
import { readCpuProfile, sliceProfile } from '../profile.ts'
import type { LoadResult, LoadSpec } from './load-client.ts'
import { runLoadProcess, serverPid } from './load-runner.ts'
import { prepareData, type Prepared } from './prepare-data.ts'
import { summariseServerProfile, type ServerHotSpots } from './server-profile.ts'

const ROOT = new URL('../..', import.meta.url).pathname

type Backend = 'sqlite' | 'postgres'
type Scenario = 'get' | 'create' | 'list' | 'mixed'

/** What each scenario sends, for the report. */
const SCENARIO_LABEL: Record<Scenario, string> = {
  get: 'GET /datasample/{id}',
  create: 'POST /datasample (1 doc)',
  list: 'POST /patient/filter?limit=100',
  mixed: '3 GET /datasample/{id} : 1 POST /datasample',
}

/** Name of the variant run with CAIRN_AUDIT_LOG=off (--audit-off). */
const AUDIT_OFF = 'audit off'

/** One measured run and, when profiling, where the server spent its time during it. */
interface Row {
  /** `this` tree, or `compared` (the checkout given with --compare). */
  variant: string
  backend: Backend
  scenario: Scenario
  connections: number
  result: LoadResult
  /** Runs made before this one was kept, because other work used more than --max-other cores. */
  retries: number
  hotSpots?: ServerHotSpots
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backends: { type: 'string' },
    scenarios: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'max-other': { type: 'string', default: '0.15' },
    attempts: { type: 'string', default: '3' },
    out: { type: 'string', default: '.bench/server-last.json' },
    compare: { type: 'string' },
    'audit-off': { type: 'boolean', default: false },
  },
})

const list = <T extends string>(value: string | undefined, all: readonly T[]): T[] => {
  if (!value) return [...all]
  const picked = value.split(',').map((s) => s.trim()) as T[]
  for (const p of picked)
    if (!all.includes(p)) throw new Error(`unknown value ${p}; expected ${all.join('|')}`)
  return picked
}

const backends = list<Backend>(args.backends, ['sqlite', 'postgres'])
const scenarios = list<Scenario>(args.scenarios, ['get', 'create', 'list', 'mixed'])
// --quick: the connection count the targets are set at, and short runs (a smoke test, ~1 min).
const connections = (args.connections ?? (args.quick ? '64' : '1,16,64,256')).split(',').map(Number)
const durationMs = Number(args.duration ?? (args.quick ? 3 : 8)) * 1000
// The warm-up of each run lets V8 optimise the new request shape and the connections open.
const warmupMs = Number(args.warmup ?? (args.quick ? 1 : 2)) * 1000
// The machine is shared: a run during which other processes used more than this many cores is
// repeated (up to --attempts times, keeping the quietest), since on 2 cores that work competes with
// the server directly.
const maxOtherCores = Number(args['max-other'])
const attempts = Number(args.attempts)
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** The request each scenario sends, from the prepared data. */
function requestOf(scenario: Scenario, data: Prepared): LoadSpec['request'] {
  switch (scenario) {
    case 'mixed': {
      // Reads and writes as a clinical app makes them, each recorded in the access log.
      const get = requestOf('get', data)
      const create = requestOf('create', data)
      if (get.kind === 'mix' || create.kind === 'mix') throw new Error('nested mix')
      return { kind: 'mix', parts: [get, get, get, create] }
    }
    case 'get':
      return { kind: 'rotate', method: 'GET', paths: data.sampleIds.map((id) => `/rest/v1/datasample/${id}`) }
    case 'create':
      return {
        kind: 'fresh-id',
        method: 'POST',
        path: '/rest/v1/datasample',
        bodyTemplate: data.createTemplate,
        placeholder: data.idPlaceholder,
      }
    case 'list':
      return {
        kind: 'rotate',
        method: 'POST',
        paths: ['/rest/v1/patient/filter?limit=100'],
        body: JSON.stringify({
          filter: { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: data.hcpId },
        }),
      }
  }
}

/** A server under test: this tree's, or one started from the checkout given with --compare. */
interface Variant {
  name: string
  start: typeof startServer
  /** Prepares the data through that tree's own SDK (the API may differ between the two trees). */
  prepare: typeof prepareData
  /** Environment of its server beyond LOG_LEVEL. */
  env?: Record<string, string>
}

/**
 * The variants to measure. With --compare, a second server runs the other checkout's code (its own
 * tests/support/server-process.ts starts it from that tree, and its own bench/server/prepare-data.ts
 * fills it through that tree's SDK), and every run alternates between the two, so that load from
 * other work on a shared machine hits both alike.
 */
async function variants(): Promise<Variant[]> {
  const own = { name: 'this', start: startServer, prepare: prepareData }
  // The same tree without the access log, runs interleaved with `this`: what the log costs.
  if (args['audit-off']) return [{ ...own, name: AUDIT_OFF, env: { CAIRN_AUDIT_LOG: 'off' } }, own]
  if (!args.compare) return [own]
  const other = (await import(join(args.compare, 'tests/support/server-process.ts'))) as {
    startServer: typeof startServer
  }
  const otherData = (await import(join(args.compare, 'bench/server/prepare-data.ts'))) as {
    prepareData: typeof prepareData
  }
  return [{ name: 'compared', start: other.startServer, prepare: otherData.prepareData }, own]
}

/** One run of a scenario, repeated while other work used too much of the machine (the quietest kept). */
async function measure(
  variant: string,
  backend: Backend,
  scenario: Scenario,
  c: number,
  server: ServerProcess,
  pid: number | undefined,
  data: Prepared,
): Promise<Row> {
  const { hostname, port } = new URL(server.url)
  let kept: Row | undefined
  for (let attempt = 0; attempt < attempts; attempt++) {
    const result = await runLoadProcess({
      host: hostname,
      port: Number(port),
      connections: c,
      warmupMs,
      durationMs,
      authorization: `Bearer ${data.token}`,
      request: requestOf(scenario, data),
      serverPid: pid,
    })
    const row: Row = { variant, backend, scenario, connections: c, result, retries: attempt }
    if (!kept || row.result.cores.other < kept.result.cores.other) kept = row
    if (row.result.cores.other <= maxOtherCores) break
    process.stderr.write(
      `[${variant} ${backend}] ${scenario} c=${c}: other work used ${row.result.cores.other.toFixed(2)} cores, run again\n`,
    )
    await new Promise((r) => setTimeout(r, 3000))
  }
  const row = kept!
  const r = row.result
  process.stderr.write(
    `[${variant} ${backend}] ${scenario} c=${c}: ${Math.round(r.reqPerSec)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, errors ${errorCount(r)}, other ${row.result.cores.other.toFixed(2)} cores${r.firstError ? ` (first: ${r.firstError.slice(0, 160)})` : ''}\n`,
  )
  return row
}

/** Starts the server(s) on one backend, prepares their data and measures every scenario × connection count. */
async function benchBackend(backend: Backend): Promise<Row[]> {
  const servers: {
    variant: string
    server: ServerProcess
    pid?: number
    data: Prepared
    profDir?: string
  }[] = []
  const rows: Row[] = []
  try {
    for (const v of await variants()) {
      const profDir = args.profile ? await mkdtemp(join(tmpdir(), 'cairn-bench-prof-')) : undefined
      const server = await v.start({
        ...(backend === 'postgres' ? { databaseUrl } : {}),
        env: { LOG_LEVEL: args['log-level'], ...(v.env ?? {}) },
        nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=250'] : [],
      })
      const pid = await serverPid(new Set(servers.map((s) => s.pid ?? 0)))
      servers.push({ variant: v.name, server, pid, profDir, data: undefined as unknown as Prepared })
      process.stderr.write(`[${v.name} ${backend}] preparing data through the SDK…\n`)
      servers[servers.length - 1].data = await v.prepare(server)
    }
    for (const scenario of scenarios) {
      for (const c of connections) {
        for (const s of servers)
          rows.push(await measure(s.variant, backend, scenario, c, s.server, s.pid, s.data))
      }
    }
  } finally {
    // Each server writes its --cpu-prof profile as it exits.
    for (const s of servers) await disposeServer(s.server)
  }
  for (const s of servers) {
    if (!s.profDir) continue
    const profile = readCpuProfile(s.profDir)
    for (const row of rows.filter((r) => r.variant === s.variant)) {
      const slice = sliceProfile(profile, row.result.window.startUs, row.result.window.endUs)
      row.hotSpots = summariseServerProfile(slice)
    }
    await rm(s.profDir, { recursive: true, force: true })
  }
  return rows
}

function errorCount(r: LoadResult): number {
  return Object.values(r.non2xx).reduce((a, b) => a + b, 0) + r.socketErrors
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** The markdown table of every run. */
function table(rows: Row[]): string {
  const lines = [
    '| code | backend | scenario | conns | req/s | p50 ms | p99 ms | max ms | errors (non-2xx / socket) | server CPU µs/req | cores: server / PG / load gen. / other |',
    '| ---- | ------- | -------- | ----: | ----: | -----: | -----: | -----: | ------------------------- | ----------------: | -------------------------------------: |',
  ]
  for (const r of rows) {
    const non2xx = Object.entries(r.result.non2xx)
      .map(([s, n]) => `${n}×${s}`)
      .join(' ')
    lines.push(
      `| ${r.variant} | ${r.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${SCENARIO_LABEL[r.scenario]} | ${r.connections} | ${fmt(r.result.reqPerSec)} | ${fmt(r.result.p50Ms, 1)} | ${fmt(r.result.p99Ms, 1)} | ${fmt(r.result.maxMs, 1)} | ${non2xx || '0'} / ${r.result.socketErrors} | ${fmt((r.result.cores.server * 1e6) / Math.max(1, r.result.reqPerSec))} | ${fmt(r.result.cores.server, 2)} / ${fmt(r.result.cores.postgres, 2)} / ${fmt(r.result.cores.loadGenerator, 2)} / ${fmt(r.result.cores.other, 2)} |`,
    )
  }
  return lines.join('\n')
}

/** The hottest functions and packages of the server during each profiled run. */
function profileReport(rows: Row[]): string {
  const out: string[] = []
  for (const r of rows) {
    if (!r.hotSpots) continue
    out.push(
      `\n### ${r.variant} ${r.backend} ${SCENARIO_LABEL[r.scenario]} c=${r.connections}: ${fmt((r.result.cores.server * 1e6) / Math.max(1, r.result.reqPerSec))} µs of server CPU per request, self time of the main thread:\n`,
      '| self time | share | package or category |',
      '| --------: | ----: | ------------------- |',
      ...r.hotSpots.categories.map((h) => `| ${fmt(h.selfMs)} ms | ${fmt(h.percent, 1)}% | ${h.name} |`),
      '',
      '| self time | share | function |',
      '| --------: | ----: | -------- |',
      ...r.hotSpots.functions.map((h) => `| ${fmt(h.selfMs)} ms | ${fmt(h.percent, 1)}% | \`${h.name}\` |`),
    )
  }
  return out.join('\n')
}

/**
 * With --audit-off: the throughput with the access log over that without it, per backend, scenario and
 * connection count (the target is at least 0.85, docs/performance.md).
 */
function auditRatios(rows: Row[]): string {
  const lines = [
    '\n| backend | scenario | conns | req/s log on | req/s log off | ratio on/off |',
    '| ------- | -------- | ----: | -----------: | ------------: | -----------: |',
  ]
  for (const on of rows.filter((r) => r.variant === 'this')) {
    const off = rows.find(
      (r) =>
        r.variant === AUDIT_OFF &&
        r.backend === on.backend &&
        r.scenario === on.scenario &&
        r.connections === on.connections,
    )
    if (!off) continue
    lines.push(
      `| ${on.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${SCENARIO_LABEL[on.scenario]} | ${on.connections} | ${fmt(on.result.reqPerSec)} | ${fmt(off.result.reqPerSec)} | ${fmt(on.result.reqPerSec / Math.max(1, off.result.reqPerSec), 2)} |`,
    )
  }
  return lines.length > 2 ? lines.join('\n') + '\n' : ''
}

const rows: Row[] = []
for (const backend of backends) rows.push(...(await benchBackend(backend)))
const header =
  `Server throughput, ${new Date().toISOString()}, Node ${process.version}, ` +
  `${durationMs / 1000} s per run after ${warmupMs / 1000} s warm-up, LOG_LEVEL=${args['log-level']}`
process.stdout.write(`\n${header}\n\n${table(rows)}\n${auditRatios(rows)}${profileReport(rows)}\n`)
await mkdir(join(ROOT, '.bench'), { recursive: true })
await writeFile(join(ROOT, args.out), JSON.stringify({ header, rows }, null, 2))
