import type { Patient } from '@cairn/sdk'
import { newHcp, type Actor } from '../../tests/support/actors.ts'
import type { ServerProcess } from '../../tests/support/server-process.ts'
import { bearerToken } from '../fixture.ts'
import { pool } from '../phases.ts'
import type { SearchConfig } from './config.ts'
import { HEART_RATE, Rng, makeSearchPatient, makeSearchSample } from './dataset.ts'

/** What the searches run against, and the facts their answers are checked with. */
export interface Population {
  /** The professional whose searches are measured. */
  hcp: Actor
  /** Its bearer token, for the raw HTTP calls. */
  token: string
  /** Its patients; the first one is the heavy patient. */
  patients: Patient[]
  /** The other professionals' patients (same surnames: a name search must not return them). */
  otherPatients: Patient[]
  /** Value dates of the heavy patient's heart-rate samples. */
  heavyHeartRateDates: number[]
  /** Samples the professional can read (its own). */
  samples: number
  /** Wall time of creating everything, in seconds, and samples created per second. */
  createSeconds: number
  createRate: number
}

/** Other professionals with data of their own on the same server. */
const OTHER_HCPS = 2
/** Patient creations in flight (one SDK client; only shortens the set-up). */
const PATIENTS_IN_FLIGHT = 8
/** Samples per createOrModifyDataSamplesFor call for the heavy patient (sent as batches of 100). */
const HEAVY_CALL = 1_000
/** Seconds between two progress lines. */
const PROGRESS_EVERY_S = 10

/** One createOrModifyDataSamplesFor call to make. */
interface Work {
  actor: Actor
  patientId: string
  count: number
  heavy: boolean
}

/** `total` spread over `n` parts as evenly as integers allow. */
function spread(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => Math.floor(((k + 1) * total) / n) - Math.floor((k * total) / n))
}

/**
 * Creates the benchmark's data through the SDK (real end-to-end encrypted documents): the measured
 * professional with `config.patients` patients and `config.samples` samples, `config.heavy` of them
 * for its first patient, and {@link OTHER_HCPS} other professionals with data of their own. Prints
 * progress on stderr (`label` names the backend).
 */
export async function populate(
  server: ServerProcess,
  config: SearchConfig,
  label: string,
): Promise<Population> {
  const log = (line: string) => process.stderr.write(`[search ${label}] ${line}\n`)
  const t0 = performance.now()
  const hcp = await newHcp(server, 'search-hcp')
  const others = await Promise.all(Array.from({ length: OTHER_HCPS }, (_, i) => newHcp(server, `other${i}`)))

  const makePatients = async (actor: Actor, n: number, first: number, seed: number) => {
    const rng = new Rng(seed)
    const made: Patient[] = []
    await pool(
      Array.from({ length: n }, (_, k) => makeSearchPatient(first + k, rng)),
      PATIENTS_IN_FLIGHT,
      async (p, k) => {
        made[k] = await actor.api.patientApi.createOrModifyPatient(p)
      },
    )
    return made
  }
  const patients = await makePatients(hcp, config.patients, 0, 1)
  const otherCounts = spread(config.otherPatients, OTHER_HCPS)
  const otherPatients: Patient[][] = []
  for (const [i, actor] of others.entries())
    otherPatients.push(await makePatients(actor, otherCounts[i], 7 * i + 3, 100 + i))
  log(`${patients.length + config.otherPatients} patients created`)

  const work: Work[] = []
  for (const c of spread(config.heavy, Math.ceil(config.heavy / HEAVY_CALL)))
    work.push({ actor: hcp, patientId: patients[0].id!, count: c, heavy: true })
  const rest = spread(config.samples - config.heavy, patients.length - 1)
  for (const [k, c] of rest.entries())
    if (c > 0) work.push({ actor: hcp, patientId: patients[k + 1].id!, count: c, heavy: false })
  for (const [i, actor] of others.entries()) {
    const theirs = otherPatients[i]
    for (const [k, c] of spread(Math.floor(config.otherSamples / OTHER_HCPS), theirs.length).entries())
      if (c > 0) work.push({ actor, patientId: theirs[k].id!, count: c, heavy: false })
  }

  const total = work.reduce((n, w) => n + w.count, 0)
  const rng = new Rng(42)
  const heavyHeartRateDates: number[] = []
  let done = 0
  let lastLog = performance.now()
  const tSamples = performance.now()
  await pool(work, config.inFlight, async (w) => {
    const generated = Array.from({ length: w.count }, () => makeSearchSample(rng))
    if (w.heavy)
      for (const g of generated) if (g.code === HEART_RATE.code) heavyHeartRateDates.push(g.valueDate)
    const created = await w.actor.api.dataSampleApi.createOrModifyDataSamplesFor(
      w.patientId,
      generated.map((g) => g.sample),
    )
    if (created.length !== w.count) throw new Error(`created ${created.length} of ${w.count} samples`)
    done += w.count
    const now = performance.now()
    if (now - lastLog > PROGRESS_EVERY_S * 1000 || done === total) {
      lastLog = now
      const rate = done / ((now - tSamples) / 1000)
      log(
        `data samples ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} ` +
          `(${Math.round(rate).toLocaleString('en-US')}/s, ${Math.round((now - t0) / 1000)} s)`,
      )
    }
  })
  const samplesSeconds = (performance.now() - tSamples) / 1000
  return {
    hcp,
    token: await bearerToken(server.url, hcp),
    patients,
    otherPatients: otherPatients.flat(),
    heavyHeartRateDates,
    samples: config.samples,
    createSeconds: (performance.now() - t0) / 1000,
    createRate: total / samplesSeconds,
  }
}
