import { API_PREFIX, DEFAULT_PAGE_SIZE, type FilterDto, type PaginatedListDto } from '@cairn/protocol'
import { DataSampleFilter, PatientFilter, type DataSample } from '@cairn/sdk'
import type { Filter } from '../../packages/sdk/src/filter/filter.ts'
import { filterToDto } from '../../packages/sdk/src/mappers/filter-mapper.ts'
import type { SearchConfig } from './config.ts'
import { HEART_RATE, foldName, nameMatches } from './dataset.ts'
import type { Population } from './populate.ts'
import { timeInterleaved, type Timed, type Window } from './timing.ts'

/** Phase 1's date range: the second of the two years (MedTech fuzzy dates: whole days). */
const RANGE = { start: 20240101, end: 20241231 } as const
/** The same bounds as the server reads them (YYYYMMDDhhmmss, end of the last day included). */
const RANGE_TIMES = { start: 20240101000000, end: 20241231235959 } as const
/** Name searches the patient-search phase takes turns with (substrings of different surnames). */
const NAME_SEARCHES = 8

/** First page and a far page of one paged filter, each through raw HTTP and through the SDK. */
export interface PagingResult {
  id: string
  title: string
  /** How the filter is built (DSL). */
  filter: string
  pageSize: number
  /** The far page actually measured (the configured one, or the last full page with less data). */
  farPage: number
  totalSize: number
  http: { first: Timed; far: Timed }
  sdk: { first: Timed; far: Timed }
  window: Window
}

/** Everything measured on one backend. */
export interface SearchMeasurements {
  paging: PagingResult[]
  match: { ids: number; filter: string; http: Timed; sdk: Timed; window: Window }
  names: {
    searches: string[]
    pageSize: number
    /** Mean number of patients a search matches (`totalSize`), among the professional's. */
    meanMatches: number
    http: Timed
    sdk: Timed
    window: Window
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`search benchmark sanity check failed: ${message}`)
}

/**
 * Measures the searches of the benchmark (docs/performance.md, "Search") on a populated server:
 * phase 1, a patient's samples of one code in a date range, page 1 against page 50 (in id order as
 * the DSL builds it, and in date order with the code criterion as the sort key); phase 2, match of
 * the heavy patient's 10,000 ids; phase 3, patient search by a substring of a surname; and, for
 * comparison, every sample of the professional in pages of the default size. Each query runs as a
 * raw HTTP call (the request the SDK sends, answer parsed as JSON: server, transfer and parse) and
 * through the SDK (the same request, then decryption and verification of every row).
 */
export async function measureSearches(
  baseUrl: string,
  pop: Population,
  config: SearchConfig,
): Promise<SearchMeasurements> {
  const { hcp, token } = pop
  const api = hcp.api
  const heavy = pop.patients[0]

  const http = async <T>(path: string, body: unknown, query: Record<string, string | number> = {}) => {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()
    const res = await fetch(`${baseUrl}${API_PREFIX}${path}${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
  type Page = PaginatedListDto<{ id: string; valueDate?: number }>
  const httpPage = (path: string, filter: FilterDto, limit: number, start?: string) =>
    http<Page>(`${path}/filter`, { filter }, { limit, ...(start ? { startDocumentId: start } : {}) })

  /** The start id of page `page` (> 1), by following nextKeyPair from the first page. */
  const startOf = async (path: string, filter: FilterDto, limit: number, page: number) => {
    let start: string | undefined
    for (let p = 1; p < page; p++) {
      start = (await httpPage(path, filter, limit, start)).nextKeyPair.startKeyDocId
      if (start === undefined) throw new Error(`${path}: no page ${p + 1}`)
    }
    return start
  }

  const paging: PagingResult[] = []
  /** Page 1 and the far page of one sample filter, HTTP and SDK calls taking turns. */
  const pagedSamples = async (
    id: string,
    title: string,
    filterText: string,
    filter: Filter<DataSample>,
    limit: number,
    expectedTotal: number,
    checkRows: (first: DataSample[], far: DataSample[]) => void,
  ) => {
    const dto = filterToDto(filter, 'DataSample')
    const first1 = await httpPage('/datasample', dto, limit)
    // The configured far page, or the last full page when there is less data (reduced runs).
    const farPage = Math.max(1, Math.min(config.farPage, Math.floor(first1.totalSize / limit)))
    const far = { page: farPage, start: await startOf('/datasample', dto, limit, farPage) }
    const far1 = await httpPage('/datasample', dto, limit, far.start)
    check(
      first1.totalSize === expectedTotal,
      `${id}: totalSize ${first1.totalSize}, expected ${expectedTotal}`,
    )
    check(
      first1.rows.length === Math.min(limit, expectedTotal),
      `${id}: page 1 has ${first1.rows.length} rows`,
    )
    check(far1.rows.length === first1.rows.length, `${id}: page ${far.page} has ${far1.rows.length} rows`)
    const sdkFirst = await api.dataSampleApi.filterDataSample(filter, undefined, limit)
    const sdkFar = await api.dataSampleApi.filterDataSample(filter, far.start, limit)
    check(
      sdkFirst.rows.map((r) => r.id).join() === first1.rows.map((r) => r.id).join(),
      `${id}: the SDK's page 1 differs from the HTTP one`,
    )
    check(
      far.page === 1 || !sdkFar.rows.some((r) => sdkFirst.rows.some((s) => s.id === r.id)),
      `${id}: page ${far.page} repeats rows of page 1`,
    )
    checkRows(sdkFirst.rows, sdkFar.rows)
    const { timed, window } = await timeInterleaved(
      {
        httpFirst: () => httpPage('/datasample', dto, limit),
        httpFar: () => httpPage('/datasample', dto, limit, far.start),
        sdkFirst: () => api.dataSampleApi.filterDataSample(filter, undefined, limit),
        sdkFar: () => api.dataSampleApi.filterDataSample(filter, far.start, limit),
      },
      config.warmup,
      config.reps,
    )
    paging.push({
      id,
      title,
      filter: filterText,
      pageSize: limit,
      farPage: far.page,
      totalSize: first1.totalSize,
      http: { first: timed.httpFirst, far: timed.httpFar },
      sdk: { first: timed.sdkFirst, far: timed.sdkFar },
      window,
    })
  }

  // Phase 1: the heavy patient's heart-rate samples of one year.
  const inRange = pop.heavyHeartRateDates.filter((d) => d >= RANGE_TIMES.start && d <= RANGE_TIMES.end)
  const heartRateOnly = (first: DataSample[], far: DataSample[]) =>
    check(
      [...first, ...far].every(
        (r) =>
          r.comment?.startsWith(HEART_RATE.name) &&
          r.valueDate! >= RANGE_TIMES.start &&
          r.valueDate! <= RANGE_TIMES.end,
      ),
      'a row is not a decrypted heart-rate sample of the range',
    )
  const byId = await new DataSampleFilter(api)
    .forDataOwner(hcp.dataOwnerId)
    .forPatients([heavy])
    .byLabelCodeDateFilter(undefined, undefined, 'LOINC', HEART_RATE.code, RANGE.start, RANGE.end)
    .build()
  await pagedSamples(
    '1',
    'patient + code + date range, id order',
    `forPatients([p]).byLabelCodeDateFilter(-, -, 'LOINC', '${HEART_RATE.code}', ${RANGE.start}, ${RANGE.end})`,
    byId,
    config.pageSize,
    inRange.length,
    heartRateOnly,
  )
  const byDate = await new DataSampleFilter(api)
    .forDataOwner(hcp.dataOwnerId)
    .sort.byLabelCodeDateFilter(undefined, undefined, 'LOINC', HEART_RATE.code, RANGE.start, RANGE.end)
    .forPatients([heavy])
    .build()
  await pagedSamples(
    '1d',
    'patient + code + date range, date order',
    `sort.byLabelCodeDateFilter(-, -, 'LOINC', '${HEART_RATE.code}', ${RANGE.start}, ${RANGE.end}).forPatients([p])`,
    byDate,
    config.pageSize,
    inRange.length,
    (first, far) => {
      heartRateOnly(first, far)
      const ascending = (rows: DataSample[]) =>
        rows.every((r, i) => i === 0 || rows[i - 1].valueDate! <= r.valueDate!)
      // The far page comes after page 1 in date order (unless it is page 1 itself, in reduced runs).
      const after = first === far || far[0].id === first[0].id || ascending([first[first.length - 1], far[0]])
      check(ascending(first) && ascending(far) && after, 'date-ordered pages out of order')
    },
  )

  // For comparison: every sample of the professional, pages of the default size, in id order.
  const all = await new DataSampleFilter(api).forDataOwner(hcp.dataOwnerId).build()
  await pagedSamples(
    'hcp',
    'every sample of the HCP, id order',
    'forDataOwner(hcp).build() (DataSampleByHealthcarePartyFilter)',
    all,
    DEFAULT_PAGE_SIZE,
    pop.samples,
    (first, far) =>
      check(
        [...first, ...far].every((r) => typeof r.comment === 'string'),
        'a row is not decrypted',
      ),
  )

  // Phase 2: the ids of every sample of the heavy patient.
  const heavyFilter = await new DataSampleFilter(api)
    .forDataOwner(hcp.dataOwnerId)
    .forPatients([heavy])
    .build()
  const heavyDto = filterToDto(heavyFilter, 'DataSample')
  const ids = await api.dataSampleApi.matchDataSample(heavyFilter)
  check(ids.length === config.heavy, `match returned ${ids.length} ids, expected ${config.heavy}`)
  const matched = await timeInterleaved(
    {
      http: () => http<string[]>('/datasample/match', { filter: heavyDto }),
      sdk: () => api.dataSampleApi.matchDataSample(heavyFilter),
    },
    config.warmup,
    config.reps,
  )

  // Phase 3: patients by a substring of a surname (taking turns over several surnames).
  const surnames = [...new Set(pop.patients.map((p) => p.lastName!))]
  const searches = Array.from({ length: Math.min(NAME_SEARCHES, surnames.length) }, (_, i) =>
    foldName(surnames[Math.floor((i * surnames.length) / NAME_SEARCHES)]).slice(1, 5),
  )
  const expected = searches.map((s) => pop.patients.filter((p) => nameMatches(p, s)).length)
  const foreign = new Set(pop.otherPatients.map((p) => p.id))
  const nameFilters = await Promise.all(
    searches.map((s) => new PatientFilter(api).forDataOwner(hcp.dataOwnerId).containsFuzzy(s).build()),
  )
  const nameDtos = nameFilters.map((f) => filterToDto(f, 'Patient'))
  for (const [i, f] of nameFilters.entries()) {
    const page = await api.patientApi.filterPatients(f, undefined, config.pageSize)
    check(
      page.totalSize === expected[i],
      `"${searches[i]}": ${page.totalSize} patients, expected ${expected[i]}`,
    )
    check(
      page.rows.every((p) => !foreign.has(p.id) && nameMatches(p, searches[i])),
      `"${searches[i]}": a patient of another professional, or not matching, was returned`,
    )
  }
  let h = 0
  let s = 0
  const named = await timeInterleaved(
    {
      http: () => httpPage('/patient', nameDtos[h++ % nameDtos.length], config.pageSize),
      sdk: () =>
        api.patientApi.filterPatients(nameFilters[s++ % nameFilters.length], undefined, config.pageSize),
    },
    config.warmup,
    config.reps,
  )

  return {
    paging,
    match: {
      ids: ids.length,
      filter: 'forPatients([p]).build() (DataSampleByHealthcarePartyPatientFilter)',
      http: matched.timed.http,
      sdk: matched.timed.sdk,
      window: matched.window,
    },
    names: {
      searches,
      pageSize: config.pageSize,
      meanMatches: expected.reduce((a, b) => a + b, 0) / expected.length,
      http: named.timed.http,
      sdk: named.timed.sdk,
      window: named.window,
    },
  }
}
