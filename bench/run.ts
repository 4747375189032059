// `npm run bench`: E2EE create / read / share of DataSamples against a real server process, each phase
// next to a baseline sending the same HTTP requests without client crypto. See docs/performance.md.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_PAGE_SIZE, MAX_BATCH_SIZE } from '@cairn/protocol'
import { disposeServer, startServer, type ServerProcess } from '../tests/support/server-process.ts'
import { Baseline } from './baseline.ts'
import { bearerToken, setUp } from './fixture.ts'
import { installInstruments, measure, type Measurement } from './measure.ts'
import { e2eeCreate, e2eeRead, e2eeShare } from './phases.ts'
import { profile, readCpuProfile, sliceProfile, summarise } from './profile.ts'
import { machine, render, targetsOf, writeResult, type BenchResult, type PhaseReport } from './report.ts'

/** Run parameters; the environment can override them (BENCH_BATCH=1000 npm run bench). */
const config = {
  samples: envInt('BENCH_SAMPLES', 10_000),
  batch: envInt('BENCH_BATCH', MAX_BATCH_SIZE),
  /** createOrModifyDataSamplesFor calls (and baseline batch POSTs) in flight at once. */
  createInFlight: envInt('BENCH_CREATE_IN_FLIGHT', 1),
  shares: envInt('BENCH_SHARES', 1_000),
  shareConcurrency: envInt('BENCH_SHARE_CONCURRENCY', 8),
  warmup: envInt('BENCH_WARMUP', 500),
  /** Client profiles: 'missed' (default) profiles the phases that missed a target; 'all' or 'none'. */
  profile: process.env.BENCH_PROFILE ?? 'missed',
  /** BENCH_SERVER_PROFILE=1 runs the server under --cpu-prof and summarises it per measured run. */
  serverProfile: process.env.BENCH_SERVER_PROFILE === '1' ? 1 : 0,
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  const n = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`)
  return n
}

/** Sets up the actors, then measures each phase (E2EE, then its baseline) and profiles missed ones. */
async function runPhases(server: ServerProcess): Promise<{ phases: PhaseReport[]; firstContactRsa: number }> {
  const fx = await setUp(server, config.warmup)
  const base = new Baseline(fx, {
    hcp1: await bearerToken(server.url, fx.hcp1),
    p: await bearerToken(server.url, fx.p),
  })
  const { samples, batch, createInFlight, shares, shareConcurrency } = config

  // (a) create: E2EE first, then the baseline (which thus never runs on a colder server).
  const a1 = await measure(samples, () => e2eeCreate(fx, fx.patientId, samples, batch, createInFlight))
  const a0 = await measure(samples, () => base.create(samples, batch, createInFlight))

  // (b) read everything for the patient, as the patient: protocol v2 opens, verifies the seal and the
  // writer proof, and checks the link to the patient of every sample.
  const b1 = await measure(samples, () => e2eeRead(fx))
  const b0 = await measure(samples, () => base.read(DEFAULT_PAGE_SIZE))
  check(b1.value.length === samples, `E2EE read returned ${b1.value.length} samples`)
  check(b0.value === samples, `baseline read returned ${b0.value} documents`)
  check(
    b1.value.every((s) => s.comment?.startsWith('Resting heart rate')),
    'E2EE read: content not decrypted',
  )

  // (c) share 1,000 entities with a new delegate (hcp3).
  const c1 = await measure(shares, () => e2eeShare(fx, a1.value.slice(0, shares), shareConcurrency))
  const c0 = await measure(shares, () => base.share(a0.value.slice(0, shares), shareConcurrency))
  const last = a1.value[shares - 1]
  check(
    (await fx.hcp3.api.dataSampleApi.getDataSample(last.id!)).comment === last.comment,
    'hcp3 cannot read',
  )

  const phases: PhaseReport[] = [
    phase(
      'a',
      `create ${samples} (2 auto-delegates)`,
      a1.m,
      a0.m,
      3000,
      2.0,
      `batch ${batch} per createOrModifyDataSamplesFor / POST batch, ${createInFlight} in flight, as hcp1`,
    ),
    phase(
      'b',
      `read+decrypt ${samples} for patient`,
      b1.m,
      b0.m,
      6000,
      3.0,
      `getDataSamplesForPatient as the patient p: POST /datasample/filter, pages of ${DEFAULT_PAGE_SIZE}`,
    ),
    phase(
      'c',
      `giveAccessTo ${shares} (new delegate)`,
      c1.m,
      c0.m,
      undefined,
      1.5,
      `one PUT /datasample per entity, ${shareConcurrency} in flight, hcp1 shares with hcp3`,
    ),
  ]

  // Client CPU profiles of the phases that missed a target, on fresh work of the same size.
  const reruns: Record<PhaseReport['id'], () => Promise<unknown>> = {
    a: () => e2eeCreate(fx, fx.otherPatientId, samples, batch, createInFlight),
    b: () => e2eeRead(fx),
    c: () => e2eeShare(fx, a1.value.slice(shares, 2 * shares), shareConcurrency),
  }
  for (const p of phases) {
    const missed = p.targets.some((t) => !t.met)
    if (config.profile === 'all' || (config.profile === 'missed' && missed))
      p.profile = await profile(reruns[p.id])
  }
  return { phases, firstContactRsa: fx.firstContactRsa }
}

function phase(
  id: PhaseReport['id'],
  title: string,
  e2ee: Measurement,
  baseline: Measurement,
  minThroughput: number | undefined,
  maxRatio: number,
  setup: string,
): PhaseReport {
  const ratio = e2ee.wallMs / baseline.wallMs
  return { id, title, setup, e2ee, baseline, ratio, targets: targetsOf(e2ee, ratio, minThroughput, maxRatio) }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${message}`)
}

const host = await machine()
const started = performance.now()
installInstruments()
const profDir = config.serverProfile ? mkdtempSync(join(tmpdir(), 'cairn-bench-prof-')) : undefined
// warn, not info: startServer() keeps the whole server output in one string and re-scans it with a
// regex on every chunk, which costs the client process O(output size) per log line (see
// docs/performance.md). Server time comes from its CPU time and client-side request timings instead.
const server = await startServer({
  env: { LOG_LEVEL: 'warn' },
  nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=250'] : [],
})
let run: Awaited<ReturnType<typeof runPhases>>
try {
  run = await runPhases(server)
} finally {
  await disposeServer(server) // the server writes its --cpu-prof profile as it exits
}
if (profDir) {
  const serverProfile = readCpuProfile(profDir)
  rmSync(profDir, { recursive: true, force: true })
  for (const p of run.phases) {
    const of = (m: Measurement) => summarise(sliceProfile(serverProfile, m.window.startUs, m.window.endUs), 8)
    p.serverProfile = { e2ee: of(p.e2ee), baseline: of(p.baseline) }
  }
}
const result: BenchResult = {
  date: new Date().toISOString(),
  machine: host,
  config,
  firstContactRsa: run.firstContactRsa,
  phases: run.phases,
  totalSeconds: (performance.now() - started) / 1000,
}
writeResult(result)
console.log(render(result))
