import {
  DataSample,
  MemoryStorage,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  rsaOperationCount,
  resetRsaOperationCount,
  type MedTechApi,
} from '@cairn/sdk'
import { newHcp, newPatient } from '../../tests/support/actors.ts'
import type { ServerProcess } from '../../tests/support/server-process.ts'
import { pool } from '../phases.ts'

/** Samples per createOrModifyDataSamplesFor call (the SDK sends them 100 per request, the batch maximum). */
const CALL_SIZE = 1_000
/** createOrModifyDataSamplesFor calls in flight: only shortens the set-up. */
const IN_FLIGHT = 2
/** Samples the patient reads back by id after the reload. */
const READ_BACK = 50

/** What one run measured: `entities` samples of P shared by A, then P's lost key given access back. */
export interface GiveBackRun {
  entities: number
  /** Wall time of creating the samples, and of sharing them with P (giveAccessToAllDataOf). */
  createSeconds: number
  shareSeconds: number
  /** RSA operations (this process) and wall time of A's `giveAccessBackTo(P, newKey)`. */
  rsaOperations: number
  giveBackMs: number
  /** Samples P read back after its reload, and the time it took. */
  readBack: number
  readBackMs: number
}

/**
 * One run against a running server: a professional A creates `entities` samples of a patient P (who
 * logged in once, so has a key) and shares them with P; P loses its key (a new device: fresh storage
 * and key storage, a new key generated at build); A, in a session whose caches are cleared, accepts
 * P's new key with `dataOwnerApi.giveAccessBackTo`, counted in RSA operations and wall time; P reloads
 * and reads samples back. Throws if any step does not give what it should.
 */
export async function giveBackRun(
  server: ServerProcess,
  entities: number,
  log: (line: string) => void,
): Promise<GiveBackRun> {
  const a = await newHcp(server, `giveback-a-${entities}`)
  const p = await newPatient(server, a, `Giveback${entities}`)
  const pid = p.dataOwnerId

  const t0 = performance.now()
  const starts = Array.from({ length: Math.ceil(entities / CALL_SIZE) }, (_, k) => k * CALL_SIZE)
  const created: DataSample[][] = []
  await pool(starts, IN_FLIGHT, async (start, k) => {
    const n = Math.min(CALL_SIZE, entities - start)
    created[k] = await a.api.dataSampleApi.createOrModifyDataSamplesFor(
      pid,
      Array.from(
        { length: n },
        (_, i) => new DataSample({ content: { en: { stringValue: `value ${start + i}` } } }),
      ),
    )
  })
  const samples = created.flat()
  if (samples.length !== entities) throw new Error(`created ${samples.length} of ${entities} samples`)
  const createSeconds = (performance.now() - t0) / 1000
  log(`${entities} samples created in ${createSeconds.toFixed(1)} s`)

  const t1 = performance.now()
  const shared = await a.api.patientApi.giveAccessToAllDataOf(pid)
  const shareSeconds = (performance.now() - t1) / 1000
  if (shared.statuses.dataSamples?.modified !== entities || !shared.statuses.dataSamples.success)
    throw new Error(`giveAccessToAllDataOf shared ${shared.statuses.dataSamples?.modified} of ${entities}`)
  log(`shared with the patient in ${shareSeconds.toFixed(1)} s`)

  // P loses its key: a new device, nothing kept. The SDK warns (the new pair lives only in memory here).
  const strategies = new SimpleMedTechCryptoStrategies([])
  const warn = console.warn
  console.warn = () => undefined
  let lost: MedTechApi
  try {
    lost = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(p.login)
      .withPassword(p.password)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(strategies)
      .build()
  } finally {
    console.warn = warn
  }
  const newKey = strategies.generatedKeyPair?.publicKey
  if (!newKey) throw new Error('the patient did not get a new key pair')
  const probe = await lost.dataSampleApi.getDataSample(samples[0].id!)
  if (!probe.systemMetaData?.contentWithheld) throw new Error('the patient read old data with its new key')

  // A acts on P's request later, with nothing cached: exchange keys and trusted keys are fetched again.
  await a.api.forceReload()
  resetRsaOperationCount()
  const t2 = performance.now()
  await a.api.dataOwnerApi.giveAccessBackTo(pid, newKey)
  const giveBackMs = performance.now() - t2
  const rsaOperations = rsaOperationCount()
  log(`giveAccessBackTo: ${rsaOperations} RSA operations, ${giveBackMs.toFixed(0)} ms`)

  await lost.forceReload()
  const t3 = performance.now()
  const step = Math.max(1, Math.floor(entities / READ_BACK))
  const picked = samples.filter((_, i) => i % step === 0).slice(0, READ_BACK)
  await pool(picked, 4, async (s) => {
    const read = await lost.dataSampleApi.getDataSample(s.id!)
    if (read.content.en?.stringValue !== s.content.en.stringValue)
      throw new Error(`the patient read ${JSON.stringify(read.content)} for sample ${s.id}`)
  })
  const readBackMs = performance.now() - t3
  return {
    entities,
    createSeconds,
    shareSeconds,
    rsaOperations,
    giveBackMs,
    readBack: picked.length,
    readBackMs,
  }
}
