// `npm run bench:search` (and part of `npm run bench`): MedTech filters answered from the index tables,
// on SQLite and, when DATABASE_URL is set, on PostgreSQL. See docs/performance.md, "Search".
//
//   npm run bench:search
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:search
//   BENCH_SEARCH_SAMPLES=20000 BENCH_SEARCH_PATIENTS=200 BENCH_SEARCH_HEAVY=3000 npm run bench:search
//   BENCH_SEARCH_BACKENDS=postgres DATABASE_URL=... npm run bench:search   # one backend only
import { disposeServer, startServer } from '../../tests/support/server-process.ts'
import { machine } from '../report.ts'
import { searchConfig } from './config.ts'
import { populate } from './populate.ts'
import { renderSearch, writeSearchResult, type BackendRun, type SearchResult } from './report.ts'
import { measureSearches } from './scenarios.ts'
import { vacuumAnalyze } from './vacuum-analyze.ts'

/** The backends to run: SQLite always, PostgreSQL when DATABASE_URL is set (BENCH_SEARCH_BACKENDS picks). */
function backends(): { name: string; databaseUrl?: string }[] {
  const url = process.env.DATABASE_URL
  const all = [{ name: 'SQLite' }, ...(url ? [{ name: 'PostgreSQL', databaseUrl: url }] : [])]
  const picked = process.env.BENCH_SEARCH_BACKENDS?.split(',').map((s) => s.trim().toLowerCase())
  if (!picked) return all
  if (picked.includes('postgres') && !url)
    throw new Error('BENCH_SEARCH_BACKENDS=postgres needs DATABASE_URL')
  return all.filter((b) => picked.includes(b.databaseUrl ? 'postgres' : 'sqlite'))
}

const config = searchConfig()
const host = await machine()
const started = performance.now()
const runs: BackendRun[] = []
for (const backend of backends()) {
  // LOG_LEVEL=warn: one log line per request would weigh on the measurement (as in bench/run.ts).
  const server = await startServer({
    ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}),
    env: { LOG_LEVEL: 'warn' },
  })
  try {
    const pop = await populate(server, config, backend.name)
    let maintenance = 'none (as loaded)'
    if (backend.databaseUrl && config.pgVacuum) {
      const t0 = performance.now()
      await vacuumAnalyze(backend.databaseUrl, server.pgSchema!)
      maintenance = `VACUUM ANALYZE of its schema (${((performance.now() - t0) / 1000).toFixed(1)} s)`
    }
    process.stderr.write(`[search ${backend.name}] measuring…\n`)
    const measurements = await measureSearches(server.url, pop, config)
    runs.push({
      backend: backend.name,
      createSeconds: pop.createSeconds,
      createRate: pop.createRate,
      maintenance,
      measurements,
    })
  } finally {
    // Removes the data dir, or drops the PostgreSQL schema.
    await disposeServer(server)
  }
}
const result: SearchResult = {
  date: new Date().toISOString(),
  machine: host,
  config,
  runs,
  totalSeconds: (performance.now() - started) / 1000,
}
writeSearchResult(result)
console.log(renderSearch(result))
