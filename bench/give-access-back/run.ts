// `npm run bench:giveback` (and the end of `npm run bench`): the lost-key flow of MedTech,
// `dataOwnerApi.giveAccessBackTo(ownerId, newPublicKey)`, costs RSA operations per exchange key,
// never per entity. Run with 100 and with 10,000 data samples of the patient; the counts must match
// and the call must take under a second. See docs/performance.md, "Giving access back".
//
//   npm run bench:giveback
//   BENCH_GIVEBACK_SIZES=100,50000 npm run bench:giveback
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:giveback   # on PostgreSQL
import { cpus } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { disposeServer, startServer } from '../../tests/support/server-process.ts'
import { machine } from '../report.ts'
import { giveBackRun, type GiveBackRun } from './scenario.ts'
import { renderGiveBack, withinTargets } from './report.ts'

const sizes = (process.env.BENCH_GIVEBACK_SIZES ?? '100,10000').split(',').map((s) => Number(s.trim()))
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(
    `BENCH_GIVEBACK_SIZES must list positive integers (got ${process.env.BENCH_GIVEBACK_SIZES})`,
  )

const host = await machine()
const cpuModel = cpus()[0]?.model ?? 'unknown'
const backend = process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'
// LOG_LEVEL=warn: one log line per request would weigh on the set-up (as in the other benches).
const server = await startServer({
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  env: { LOG_LEVEL: 'warn' },
})
const runs: GiveBackRun[] = []
try {
  for (const n of sizes)
    runs.push(await giveBackRun(server, n, (line) => process.stderr.write(`[giveback ${n}] ${line}\n`)))
} finally {
  await disposeServer(server)
}
const result = { date: new Date().toISOString(), machine: host, cpuModel, backend, runs }
const dir = new URL('../../.bench/', import.meta.url)
mkdirSync(dir, { recursive: true })
writeFileSync(new URL('giveback-last.json', dir), JSON.stringify(result, null, 2) + '\n')
console.log(renderGiveBack(result))
if (!withinTargets(runs)) process.exitCode = 1
