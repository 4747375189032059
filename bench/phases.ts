import type { DataSample } from '@cairn/sdk'
import { makeSamples, type Fixture } from './fixture.ts'

/** Runs `worker` over `items` with at most `concurrency` calls in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      await worker(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane))
}

/**
 * Phase (a), end to end encrypted: hcp1 creates `total` samples for `patientId` with
 * `createOrModifyDataSamplesFor`, one call per batch of `batch`, `inFlight` calls at a time. Each call
 * encrypts its batch (entity key, encryptedSelf, 3 wrapped values for each of the 3 data owners with
 * access) and POSTs it to `/datasample/batch`. Returns the created samples in order.
 */
export async function e2eeCreate(
  fx: Fixture,
  patientId: string,
  total: number,
  batch: number,
  inFlight: number,
): Promise<DataSample[]> {
  const starts = Array.from({ length: Math.ceil(total / batch) }, (_, k) => k * batch)
  const out: DataSample[][] = []
  await pool(starts, inFlight, async (start, k) => {
    const samples = makeSamples(start, Math.min(batch, total - start))
    out[k] = await fx.hcp1.api.dataSampleApi.createOrModifyDataSamplesFor(patientId, samples)
  })
  return out.flat()
}

/**
 * Phase (b), end to end encrypted: the patient p reads and decrypts every sample of its record with
 * `getDataSamplesForPatient` (filter pages of 1,000, each page decrypted as it arrives).
 */
export async function e2eeRead(fx: Fixture): Promise<DataSample[]> {
  return fx.p.api.dataSampleApi.getDataSamplesForPatient(fx.patientAsReader)
}

/**
 * Phase (c), end to end encrypted: hcp1 gives hcp3 access to each sample (`giveAccessTo`, one PUT
 * per entity), `concurrency` shares in flight.
 */
export async function e2eeShare(
  fx: Fixture,
  samples: readonly DataSample[],
  concurrency: number,
): Promise<void> {
  await pool(samples, concurrency, async (s) => {
    await fx.hcp1.api.dataSampleApi.giveAccessTo(s, fx.hcp3.dataOwnerId)
  })
}
