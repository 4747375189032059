import {
  DataSampleFilter,
  HealthcareElementFilter,
  type DataSample,
  type HealthcareElement,
  type MedTechApi,
  type PotentiallyEncryptedPatient,
} from '@cairn/sdk'
import { dateOf } from '../ui/format-date.ts'

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
}

/**
 * Loads the records of one kind by their ids: lists leave out what this device cannot open (protocol
 * v2), but the page must say "not readable on this device" rather than hide them, so the ids come
 * from `match` and each id a list left out is read alone, which answers the record marked
 * `contentWithheld` (docs/compatibility.md).
 */
async function byIds<T extends { id?: string }>(
  ids: string[],
  list: (chunk: string[]) => Promise<T[]>,
  getOne: (id: string) => Promise<T>,
): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK)
    const rows = await list(chunk)
    const seen = new Set(rows.map((r) => r.id))
    const missing = chunk.filter((id) => !seen.has(id))
    const alone = await Promise.all(missing.map((id) => getOne(id).catch(() => undefined)))
    out.push(...rows, ...alone.filter((r): r is Awaited<T> => r !== undefined))
  }
  return out
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
  const rows = await byIds(
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
  return { rows, total: ids.length }
}

/** The patient's healthcare elements this data owner may read, newest first (opening date). */
export async function loadHealthcareElements(
  api: MedTechApi,
  patient: PotentiallyEncryptedPatient,
): Promise<PatientRecords<HealthcareElement>> {
  const filter = await new HealthcareElementFilter(api).forSelf().forPatients([patient]).build()
  const ids = await api.healthcareElementApi.matchHealthcareElement(filter)
  const rows = await byIds(
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
  return { rows, total: ids.length }
}
