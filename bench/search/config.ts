/** A positive integer from the environment, or `fallback` when unset. */
function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return n
}

/** Sizes and repetitions of the search benchmark (docs/performance.md, "Search"). */
export interface SearchConfig {
  /** Data samples of the measured professional, over all its patients (heavy patient included). */
  samples: number
  /** Patients of the measured professional. */
  patients: number
  /** Samples of the one "heavy" patient (a wearable user): the patient of phases 1 and 2. */
  heavy: number
  /** Data samples of the other professionals (never readable by the measured one). */
  otherSamples: number
  /** Patients of the other professionals (with the same surnames: the name search must skip them). */
  otherPatients: number
  /** createOrModifyDataSamplesFor calls in flight while the data is created. */
  inFlight: number
  /** Page size of phase 1 (patient + code + date range): small, as a timeline screen shows. */
  pageSize: number
  /** The page compared with the first one (page 50). */
  farPage: number
  /** Unmeasured calls of each query before the measured ones. */
  warmup: number
  /** Measured calls of each query. */
  reps: number
  /**
   * PostgreSQL: VACUUM ANALYZE the schema after the load, before measuring (the state autovacuum
   * reaches after a while); BENCH_SEARCH_PG_VACUUM=0 measures right after the load instead.
   */
  pgVacuum: boolean
}

/** The configuration, from BENCH_SEARCH_* variables (`BENCH_SEARCH_SAMPLES=20000 npm run bench:search`). */
export function searchConfig(): SearchConfig {
  const config: SearchConfig = {
    samples: envInt('BENCH_SEARCH_SAMPLES', 100_000),
    patients: envInt('BENCH_SEARCH_PATIENTS', 1_000),
    heavy: envInt('BENCH_SEARCH_HEAVY', 10_000),
    otherSamples: envInt('BENCH_SEARCH_OTHER_SAMPLES', 10_000),
    otherPatients: envInt('BENCH_SEARCH_OTHER_PATIENTS', 100),
    inFlight: envInt('BENCH_SEARCH_IN_FLIGHT', 2),
    pageSize: envInt('BENCH_SEARCH_PAGE', 20),
    farPage: envInt('BENCH_SEARCH_FAR_PAGE', 50),
    warmup: envInt('BENCH_SEARCH_WARMUP', 3),
    reps: envInt('BENCH_SEARCH_REPS', 20),
    pgVacuum: process.env.BENCH_SEARCH_PG_VACUUM !== '0',
  }
  if (config.heavy > config.samples) throw new Error('BENCH_SEARCH_HEAVY exceeds BENCH_SEARCH_SAMPLES')
  if (config.patients < 2)
    throw new Error('BENCH_SEARCH_PATIENTS must be at least 2 (a heavy one and others)')
  return config
}
