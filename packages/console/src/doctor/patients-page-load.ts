import { IntegrityError, PatientFilter, type MedTechApi, type PotentiallyEncryptedPatient } from '@cairn/sdk'
import type { RecordFailure } from '../ui/integrity-failure.tsx'

/** One page of the patients list. */
export interface PatientsPage {
  /** In id order (the server's); withheld ones (no key on this device) included, marked by the SDK. */
  rows: PotentiallyEncryptedPatient[]
  /** Every match the server counts. */
  total: number
  /** Patients that failed their integrity check (IntegrityError): shown as such, never dropped. */
  failures: RecordFailure[]
  /** Where the next page starts; undefined on the last page. */
  next?: string
}

/**
 * One keyset page of the doctor's patients whose name contains `query` (every patient when empty):
 * `filterPatients(filter, start, size)` (docs/filters.md). Lists leave out the patients this device
 * cannot open (protocol v2), which the console must show as "not readable" rather than hide: when a
 * page comes back short, the ids of the page's range (from `start` to the next page's first id) are
 * matched and each one left out is read alone, which answers it marked `contentWithheld` (its name is
 * in clear, its note is not).
 */
export async function loadPatientsPage(
  api: MedTechApi,
  query: string,
  start: string | undefined,
  offset: number,
  size: number,
): Promise<PatientsPage> {
  const builder = new PatientFilter(api).forSelf()
  const filter = await (query ? builder.containsFuzzy(query) : builder).build()
  const page = await api.patientApi.filterPatients(filter, start, size)
  const next = page.nextKeyPair?.startKeyDocId
  const total = page.totalSize ?? page.rows.length
  const rows: PotentiallyEncryptedPatient[] = [...page.rows]
  const failures: RecordFailure[] = []
  const short = next ? rows.length < size : offset + rows.length < total
  if (short) {
    const seen = new Set(rows.map((r) => r.id))
    const missing = (await api.patientApi.matchPatients(filter)).filter(
      (id) => !seen.has(id) && (start === undefined || id >= start) && (next === undefined || id < next),
    )
    // Only a withheld patient (answered marked) or one failing its integrity check is tolerated: any
    // other error (network, session ended) fails the page rather than leave patients out unsaid.
    const alone = await Promise.allSettled(missing.map((id) => api.patientApi.getPatientAndTryDecrypt(id)))
    alone.forEach((r, k) => {
      if (r.status === 'fulfilled') rows.push(r.value)
      else if (r.reason instanceof IntegrityError) failures.push({ id: missing[k], error: r.reason })
      else throw r.reason
    })
    rows.sort((a, b) => ((a.id ?? '') < (b.id ?? '') ? -1 : 1))
  }
  return { rows, total, failures, ...(next ? { next } : {}) }
}
