import { mkdirSync, writeFileSync } from 'node:fs'
import type { Machine } from '../report.ts'
import type { SearchConfig } from './config.ts'
import type { SearchMeasurements } from './scenarios.ts'
import type { Timed } from './timing.ts'

/** The measurements and data set of one backend. */
export interface BackendRun {
  backend: string
  /** Wall time and rate of creating the data through the SDK. */
  createSeconds: number
  createRate: number
  /** What was done between the load and the measurements (PostgreSQL: VACUUM ANALYZE). */
  maintenance: string
  measurements: SearchMeasurements
}

/** The JSON written to .bench/search-last.json. */
export interface SearchResult {
  date: string
  machine: Machine
  config: SearchConfig
  runs: BackendRun[]
  totalSeconds: number
}

/** Page 50 over page 1 of phase 1: the keyset target (docs/performance.md). */
export const MAX_FAR_PAGE_RATIO = 1.2

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** One markdown row of a timed query. */
function row(backend: string, query: string, via: string, page: string, items: number, t: Timed): string {
  return (
    `| ${backend} | ${query} | ${via} | ${page} | ${fmt(items)} | ${fmt(t.medianMs, 1)} | ${fmt(t.p90Ms, 1)} ` +
    `| ${fmt(t.perSecond)} | ${fmt(t.serverCpuMs, 1)} | ${fmt(t.clientCpuMs, 1)} |`
  )
}

/** The report printed on stdout: markdown tables, ready for docs/performance.md. */
export function renderSearch(result: SearchResult): string {
  const m = result.machine
  const c = result.config
  const out: string[] = [
    `Cairn search benchmark, ${result.date} — ${m.nproc} cores ${m.cpu}, ${fmt(m.ramGiB, 1)} GiB, Node ${m.node}`,
    `Code at ${m.commit}; cores busy with other work before the run: ${fmt(m.busyCoresBefore, 2)}; CPU speed probe ${fmt(m.speedProbeMs)} ms`,
    `Data per backend: ${fmt(c.samples)} samples over ${fmt(c.patients)} patients of one HCP (heavy patient: ${fmt(c.heavy)}), ` +
      `plus ${fmt(c.otherSamples)} samples over ${fmt(c.otherPatients)} patients of 2 other HCPs. ` +
      `${c.warmup} warm-up + ${c.reps} measured calls per query, queries taking turns, one call in flight.`,
    '',
  ]
  for (const r of result.runs) {
    out.push(
      `${r.backend}: data created through the SDK in ${fmt(r.createSeconds)} s (${fmt(r.createRate)} samples/s); then ${r.maintenance}`,
    )
  }
  out.push(
    '',
    'HTTP = the raw POST the SDK sends, answer parsed as JSON (server + transfer + parse); SDK = the API call (same request, then decryption and verification of every row).',
    'calls/s = calls / summed wall time, one in flight. CPU ms per call: the Cairn server process (PostgreSQL excluded) and this client.',
    '',
    '| backend | query | via | page | rows / ids | median ms | p90 ms | calls/s | server CPU ms | client CPU ms |',
    '| ------- | ----- | --- | ---: | ---------: | --------: | -----: | ------: | ------------: | ------------: |',
  )
  for (const r of result.runs) {
    const s = r.measurements
    for (const p of s.paging) {
      const q = `(${p.id}) ${p.title}, ${p.pageSize}/page of ${fmt(p.totalSize)}`
      const rows = Math.min(p.pageSize, p.totalSize)
      out.push(row(r.backend, q, 'HTTP', '1', rows, p.http.first))
      out.push(row(r.backend, q, 'HTTP', String(p.farPage), rows, p.http.far))
      out.push(row(r.backend, q, 'SDK', '1', rows, p.sdk.first))
      out.push(row(r.backend, q, 'SDK', String(p.farPage), rows, p.sdk.far))
    }
    const q2 = `(2) match ${fmt(s.match.ids)} ids`
    out.push(row(r.backend, q2, 'HTTP', '-', s.match.ids, s.match.http))
    out.push(row(r.backend, q2, 'SDK', '-', s.match.ids, s.match.sdk))
    const q3 = `(3) patient name search (${fmt(s.names.meanMatches, 1)} matches on average)`
    const rows3 = Math.min(s.names.pageSize, Math.round(s.names.meanMatches))
    out.push(row(r.backend, q3, 'HTTP', '1', rows3, s.names.http))
    out.push(row(r.backend, q3, 'SDK', '1', rows3, s.names.sdk))
  }
  out.push(
    '',
    `| backend | query | HTTP page N / page 1 | SDK page N / page 1 | target (phase 1) | other cores busy |`,
    `| ------- | ----- | -------------------: | ------------------: | ---------------- | ---------------: |`,
  )
  for (const r of result.runs) {
    for (const p of r.measurements.paging) {
      const httpRatio = p.http.far.medianMs / p.http.first.medianMs
      const sdkRatio = p.sdk.far.medianMs / p.sdk.first.medianMs
      const target =
        p.id === 'hcp'
          ? 'none (comparison)'
          : `<= ${MAX_FAR_PAGE_RATIO}: ${Math.max(httpRatio, sdkRatio) <= MAX_FAR_PAGE_RATIO ? 'MET' : 'MISSED'}`
      out.push(
        `| ${r.backend} | (${p.id}) ${p.title}, page ${p.farPage} | ${fmt(httpRatio, 2)} | ${fmt(sdkRatio, 2)} | ${target} | ${fmt(p.window.otherCores, 2)} |`,
      )
    }
  }
  out.push(
    '',
    `Phase 2: ${result.runs.map((r) => `${r.backend} ${fmt((r.measurements.match.ids / r.measurements.match.sdk.medianMs) * 1000)} ids/s through the SDK`).join(', ')}.`,
  )
  out.push(`Name searches: ${result.runs[0]?.measurements.names.searches.map((s) => `"${s}"`).join(', ')}.`)
  out.push('', `Total run time ${fmt(result.totalSeconds, 1)} s. JSON: .bench/search-last.json`)
  return out.join('\n')
}

/** Writes the JSON result to .bench/search-last.json (git-ignored), next to the other benches' results. */
export function writeSearchResult(result: SearchResult): void {
  const dir = new URL('../../.bench/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  writeFileSync(new URL('search-last.json', dir), JSON.stringify(result, null, 2) + '\n')
}
