import {
  DataSampleFilter,
  IntegrityError,
  HealthcareElementFilter,
  type DataSample,
  type HealthcareElement,
  type MedTechApi,
  type PotentiallyEncryptedPatient,
} from '@cairn/sdk'
import { dateOf } from '../ui/format-date.ts'
import type { RecordFailure } from '../ui/integrity-failure.tsx'

/** Most records of one kind the patient page loads (newest first); more are counted, not shown. */
export const MAX_RECORDS = 500

/** Ids read per request (the server's batch size). */
const CHUNK = 100

/** A patient's records of one kind, as the patient page shows them. */
export interface PatientRecords<T> {
  /** Newest first; withheld ones (no key on this device) included, marked by the SDK. */
  rows: T[]
  /** Every record of the patient this data owner may read, including those not loaded. */
  total: number
  /** Records that failed their integrity check (IntegrityError): shown as such, never dropped. */
  failures: RecordFailure[]
}

/**
 * Loads the records of one kind by their ids: lists leave out what this device cannot open and what
 * fails its integrity check (protocol v2), but the page must say so rather than hide them, so the ids
 * come from `match` and each id a list left out is read alone: that answers the record marked
 * `contentWithheld` (docs/compatibility.md), or rejects with an IntegrityError, kept as a failure to
 * show. Any other error (network, session ended) fails the whole load: the page says it could not
 * load rather than show a partial list as if complete.
 */
async function byIds<T extends { id?: string }>(
  ids: string[],
  list: (chunk: string[]) => Promise<T[]>,
  getOne: (id: string) => Promise<T>,
): Promise<{ rows: T[]; failures: RecordFailure[] }> {
  const rows: T[] = []
  const failures: RecordFailure[] = []
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK)
    const listed = await list(chunk)
    const seen = new Set(listed.map((r) => r.id))
    const missing = chunk.filter((id) => !seen.has(id))
    const alone = await Promise.allSettled(missing.map((id) => getOne(id)))
    rows.push(...listed)
    alone.forEach((r, k) => {
      if (r.status === 'fulfilled') rows.push(r.value)
      else if (r.reason instanceof IntegrityError) failures.push({ id: missing[k], error: r.reason })
      else throw r.reason
    })
  }
  return { rows, failures }
}

const newestFirst = (a: number | undefined, b: number | undefined) =>
  (dateOf(b)?.getTime() ?? 0) - (dateOf(a)?.getTime() ?? 0)

/** The patient's data samples this data owner may read, newest first (value date, else opening date). */
export async function loadDataSamples(
  api: MedTechApi,
  patient: PotentiallyEncryptedPatient,
): Promise<PatientRecords<DataSample>> {
  const filter = await new DataSampleFilter(api).forSelf().forPatients([patient]).build()
  const ids = await api.dataSampleApi.matchDataSample(filter)
  const { rows, failures } = await byIds(
    ids.slice(0, MAX_RECORDS),
    async (chunk) =>
      (
        await api.dataSampleApi.filterDataSample(
          await new DataSampleFilter(api).forSelf().byIds(chunk).build(),
          undefined,
          chunk.length,
        )
      ).rows,
    (id) => api.dataSampleApi.getDataSample(id),
  )
  rows.sort((a, b) => newestFirst(a.valueDate ?? a.openingDate, b.valueDate ?? b.openingDate))
  return { rows, total: ids.length, failures }
}

/** The patient's healthcare elements this data owner may read, newest first (opening date). */
export async function loadHealthcareElements(
  api: MedTechApi,
  patient: PotentiallyEncryptedPatient,
): Promise<PatientRecords<HealthcareElement>> {
  const filter = await new HealthcareElementFilter(api).forSelf().forPatients([patient]).build()
  const ids = await api.healthcareElementApi.matchHealthcareElement(filter)
  const { rows, failures } = await byIds(
    ids.slice(0, MAX_RECORDS),
    async (chunk) =>
      (
        await api.healthcareElementApi.filterHealthcareElement(
          await new HealthcareElementFilter(api).forSelf().byIds(chunk).build(),
          undefined,
          chunk.length,
        )
      ).rows,
    (id) => api.healthcareElementApi.getHealthcareElement(id),
  )
  rows.sort((a, b) => newestFirst(a.openingDate ?? a.created, b.openingDate ?? b.created))
  return { rows, total: ids.length, failures }
}
