/**
 * `npm run bench:scale`: the same HTTP workload against one Cairn server process and against two, on
 * one PostgreSQL schema, on the same machine, in one run; reports the throughput ratio (two over one).
 * See docs/scaling.md and docs/performance.md, "Scale-out".
 *
 *   npm run bench:scale                                   # mixed and get, 64 connections, 2 rounds
 *   npm run bench:scale -- --scenarios mixed --duration 5 --rounds 1
 *   npm run bench:scale -- --connections 128 --log-level warn
 *   npm run bench:scale -- --max-other 0.3 --attempts 5      # how much other work a kept run may see
 *
 * Both servers run for the whole benchmark: the one-instance runs send every connection to the first,
 * the two-instance runs spread connections round robin over both (load-client.ts `targets`), as a
 * layer-4 load balancer does. Rounds alternate 1, 2, 1, 2… so that other work on a shared machine hits
 * both alike; the ratio is the sum of the two-instance throughputs over the sum of the one-instance ones.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { disposeServer, startServer, type ServerProcess } from '../../tests/support/server-process.ts'
import type { LoadResult, LoadSpec } from '../server/load-client.ts'
import { runLoadProcess, serverPid } from '../server/load-runner.ts'
import { prepareData, type Prepared } from '../server/prepare-data.ts'

const ROOT = new URL('../..', import.meta.url).pathname

type Scenario = 'get' | 'create' | 'mixed'
const SCENARIO_LABEL: Record<Scenario, string> = {
  get: 'GET /datasample/{id}',
  create: 'POST /datasample (1 doc)',
  mixed: '3 GET /datasample/{id} : 1 POST /datasample',
}

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'mixed,get' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    'log-level': { type: 'string', default: 'info' },
    'max-other': { type: 'string', default: '0.15' },
    attempts: { type: 'string', default: '3' },
    out: { type: 'string', default: '.bench/scale-last.json' },
  },
})

const scenarios = args.scenarios.split(',').map((s) => s.trim()) as Scenario[]
for (const s of scenarios)
  if (!(s in SCENARIO_LABEL)) throw new Error(`unknown scenario ${s}; expected get|create|mixed`)
const connections = Number(args.connections)
const durationMs = Number(args.duration) * 1000
const warmupMs = Number(args.warmup) * 1000
const rounds = Number(args.rounds)
// The machine is shared: a run during which other processes used more than this many cores is
// repeated (up to --attempts times, keeping the quietest), as bench/server does.
const maxOtherCores = Number(args['max-other'])
const attempts = Number(args.attempts)
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** One measured run. */
interface Row {
  scenario: Scenario
  instances: 1 | 2
  round: number
  result: LoadResult
}

/** The request each scenario sends (as bench/server does). */
function requestOf(scenario: Scenario, data: Prepared): LoadSpec['request'] {
  const get = {
    kind: 'rotate' as const,
    method: 'GET' as const,
    paths: data.sampleIds.map((id) => `/rest/v1/datasample/${id}`),
  }
  const create = {
    kind: 'fresh-id' as const,
    method: 'POST' as const,
    path: '/rest/v1/datasample',
    bodyTemplate: data.createTemplate,
    placeholder: data.idPlaceholder,
  }
  if (scenario === 'get') return get
  if (scenario === 'create') return create
  return { kind: 'mix', parts: [get, get, get, create] }
}

/** What the report says about the machine: cores, CPU model, memory, Node, PostgreSQL and its settings. */
async function machine(): Promise<string> {
  const model = cpus()[0]?.model ?? 'unknown CPU'
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const version = (await client.query<{ v: string }>('select version() as v')).rows[0].v.split(' on ')[0]
    const setting = async (name: string) =>
      (await client.query<{ s: string }>(`select current_setting('${name}') as s`)).rows[0].s
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    return (
      `${cpus().length} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ` +
      `${version} on the same machine (shared_buffers ${await setting('shared_buffers')}, ` +
      `synchronous_commit ${await setting('synchronous_commit')}), load average before the run ${load}`
    )
  } finally {
    await client.end()
  }
}

/** Tables whose size per row tells how the database grows: a data sample and what it adds elsewhere. */
const SIZED_TABLES = ['data_sample', 'data_sample_access', 'data_sample_term', 'audit_log', 'event_log']

/** Rows, bytes with indexes and index bytes of SIZED_TABLES in `schema`, once the runs are done. */
async function tableSizes(
  schema: string,
): Promise<{ table: string; rows: number; total: number; indexes: number }[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    // VACUUM ANALYZE first: sizes of a settled table, as it would be after autovacuum.
    const out = []
    for (const table of SIZED_TABLES) {
      const name = `"${schema}"."${table}"`
      await client.query(`vacuum analyze ${name}`)
      const { rows } = await client.query<{ n: string; total: string; indexes: string }>(
        `select (select count(*) from ${name}) as n, pg_total_relation_size('${name}') as total, pg_indexes_size('${name}') as indexes`,
      )
      out.push({
        table,
        rows: Number(rows[0].n),
        total: Number(rows[0].total),
        indexes: Number(rows[0].indexes),
      })
    }
    return out
  } finally {
    await client.end()
  }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** The markdown table of every run. */
function table(rows: Row[]): string {
  const lines = [
    '| scenario | instances | round | req/s | p50 ms | p99 ms | errors | cores: servers / PG / load gen. / other |',
    '| -------- | --------: | ----: | ----: | -----: | -----: | -----: | --------------------------------------: |',
  ]
  for (const r of rows) {
    const errors = Object.values(r.result.non2xx).reduce((a, b) => a + b, 0) + r.result.socketErrors
    const c = r.result.cores
    lines.push(
      `| ${SCENARIO_LABEL[r.scenario]} | ${r.instances} | ${r.round} | ${fmt(r.result.reqPerSec)} | ${fmt(r.result.p50Ms, 1)} | ${fmt(r.result.p99Ms, 1)} | ${errors} | ${fmt(c.server, 2)} / ${fmt(c.postgres, 2)} / ${fmt(c.loadGenerator, 2)} / ${fmt(c.other, 2)} |`,
    )
  }
  return lines.join('\n')
}

/** Per scenario: mean req/s with one and two instances, and their ratio. */
function ratios(rows: Row[]): { scenario: Scenario; one: number; two: number; ratio: number }[] {
  return scenarios.map((scenario) => {
    const mean = (n: 1 | 2) => {
      const runs = rows.filter((r) => r.scenario === scenario && r.instances === n)
      return runs.reduce((a, r) => a + r.result.reqPerSec, 0) / Math.max(1, runs.length)
    }
    const one = mean(1)
    const two = mean(2)
    return { scenario, one, two, ratio: two / Math.max(1, one) }
  })
}

const description = await machine()
// One signing secret for both instances (every instance of a deployment has the same).
const env = { LOG_LEVEL: args['log-level'], CAIRN_JWT_SECRET: randomBytes(32).toString('hex') }
let first: ServerProcess | undefined
let second: ServerProcess | undefined
const rows: Row[] = []
let sizes: Awaited<ReturnType<typeof tableSizes>> = []
try {
  first = await startServer({ databaseUrl, env })
  const firstPid = await serverPid(new Set())
  process.stderr.write('[scale] preparing data through the SDK on the first instance…\n')
  const data = await prepareData(first)
  second = await startServer({ databaseUrl, pgSchema: first.pgSchema, env })
  const secondPid = await serverPid(new Set(firstPid === undefined ? [] : [firstPid]))
  const target = (s: ServerProcess) => {
    const { hostname, port } = new URL(s.url)
    return { host: hostname, port: Number(port) }
  }
  const pids = (list: (number | undefined)[]) => list.filter((p): p is number => p !== undefined)
  for (const scenario of scenarios) {
    for (let round = 1; round <= rounds; round++) {
      for (const instances of [1, 2] as const) {
        const targets = instances === 1 ? [target(first)] : [target(first), target(second)]
        let result: LoadResult | undefined
        for (let attempt = 0; attempt < attempts; attempt++) {
          const run = await runLoadProcess({
            ...targets[0],
            targets,
            connections,
            warmupMs,
            durationMs,
            authorization: `Bearer ${data.token}`,
            request: requestOf(scenario, data),
            // Both servers count in both configurations: the idle one's background work is part of it.
            serverPids: pids([firstPid, secondPid]),
          })
          if (!result || run.cores.other < result.cores.other) result = run
          if (run.cores.other <= maxOtherCores) break
          process.stderr.write(
            `[scale] ${scenario}, ${instances}: other work used ${fmt(run.cores.other, 2)} cores, run again\n`,
          )
          await new Promise((r) => setTimeout(r, 3000))
        }
        if (!result) throw new Error('no run')
        rows.push({ scenario, instances, round, result })
        process.stderr.write(
          `[scale] ${scenario}, ${instances} instance${instances === 1 ? '' : 's'}, round ${round}: ${fmt(result.reqPerSec)} req/s, p99 ${fmt(result.p99Ms, 1)} ms, cores servers ${fmt(result.cores.server, 2)} PG ${fmt(result.cores.postgres, 2)} load ${fmt(result.cores.loadGenerator, 2)} other ${fmt(result.cores.other, 2)}\n`,
        )
      }
    }
  }
  await second.stop()
  sizes = await tableSizes(first.pgSchema!)
} finally {
  await second?.stop()
  await disposeServer(first)
}

const summary = ratios(rows)
const header =
  `Scale-out, ${new Date().toISOString()}: ${description}. ${connections} connections, ` +
  `${durationMs / 1000} s per run after ${warmupMs / 1000} s warm-up, ${rounds} round(s), LOG_LEVEL=${args['log-level']}`
const summaryTable = [
  '| scenario | req/s, 1 instance | req/s, 2 instances | ratio 2/1 |',
  '| -------- | ----------------: | -----------------: | --------: |',
  ...summary.map(
    (s) => `| ${SCENARIO_LABEL[s.scenario]} | ${fmt(s.one)} | ${fmt(s.two)} | ${fmt(s.ratio, 2)} |`,
  ),
].join('\n')
const perSample = sizes.find((t) => t.table === 'data_sample')?.rows ?? 0
const sizeTable = [
  '| table | rows | total MB (with indexes) | indexes MB | bytes per data sample (total / indexes) |',
  '| ----- | ---: | ----------------------: | ---------: | --------------------------------------: |',
  ...sizes.map(
    (t) =>
      `| ${t.table} | ${fmt(t.rows)} | ${fmt(t.total / 2 ** 20, 1)} | ${fmt(t.indexes / 2 ** 20, 1)} | ${fmt(t.total / Math.max(1, perSample))} / ${fmt(t.indexes / Math.max(1, perSample))} |`,
  ),
].join('\n')
process.stdout.write(
  `\n${header}\n\n${table(rows)}\n\n${summaryTable}\n\nSizes after the runs:\n\n${sizeTable}\n`,
)
await mkdir(join(ROOT, '.bench'), { recursive: true })
await writeFile(join(ROOT, args.out), JSON.stringify({ header, rows, summary, sizes }, null, 2))
