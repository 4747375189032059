import { CodingReference, Content, DataSample, Measure, Patient } from '@cairn/sdk'

/*
 * The records of the search benchmark: patients with common names, and data samples as a monitoring
 * app would store them (one LOINC code among 20, a label saying where the value comes from, a value
 * date within two years, an encrypted measure and comment). Generated from a seeded generator, so that
 * every run (and both backends) searches the same shapes of data.
 */

/** A small seeded pseudo-random generator (linear congruential, 32-bit state): fast and repeatable. */
export class Rng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A number in [0, 1). */
  next(): number {
    // Numerical Recipes' LCG constants; the top bits are the better ones, hence the division.
    this.#state = (Math.imul(this.#state, 1664525) + 1013904223) >>> 0
    return this.#state / 2 ** 32
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n)
  }
}

/** One measured quantity: its LOINC code, unit and a plausible range of values. */
interface Quantity {
  code: string
  name: string
  unit: string
  min: number
  max: number
}

/** Heart rate: the code phase 1 searches for. Wearables record it far more often than anything else. */
export const HEART_RATE: Quantity = { code: '8867-4', name: 'Heart rate', unit: '/min', min: 45, max: 140 }

/** Share of heart-rate samples (the rest is spread evenly over the 19 other codes). */
export const HEART_RATE_SHARE = 0.3

/** The 19 other quantities (LOINC codes of common vital signs and lab results). */
const OTHERS: readonly Quantity[] = [
  { code: '55423-8', name: 'Step count', unit: '{steps}', min: 500, max: 20000 },
  { code: '29463-7', name: 'Body weight', unit: 'kg', min: 45, max: 120 },
  { code: '8480-6', name: 'Systolic blood pressure', unit: 'mm[Hg]', min: 95, max: 170 },
  { code: '8462-4', name: 'Diastolic blood pressure', unit: 'mm[Hg]', min: 55, max: 105 },
  { code: '59408-5', name: 'Oxygen saturation', unit: '%', min: 88, max: 100 },
  { code: '8310-5', name: 'Body temperature', unit: 'Cel', min: 35.5, max: 39.5 },
  { code: '9279-1', name: 'Respiratory rate', unit: '/min', min: 10, max: 28 },
  { code: '2339-0', name: 'Glucose', unit: 'mg/dL', min: 65, max: 220 },
  { code: '4548-4', name: 'Hemoglobin A1c', unit: '%', min: 4.5, max: 10 },
  { code: '2093-3', name: 'Cholesterol', unit: 'mg/dL', min: 120, max: 300 },
  { code: '39156-5', name: 'Body mass index', unit: 'kg/m2', min: 17, max: 40 },
  { code: '8302-2', name: 'Body height', unit: 'cm', min: 150, max: 200 },
  { code: '93832-4', name: 'Sleep duration', unit: 'h', min: 3, max: 10 },
  { code: '2823-3', name: 'Potassium', unit: 'mmol/L', min: 3.2, max: 5.5 },
  { code: '2951-2', name: 'Sodium', unit: 'mmol/L', min: 132, max: 148 },
  { code: '2160-0', name: 'Creatinine', unit: 'mg/dL', min: 0.5, max: 1.8 },
  { code: '718-7', name: 'Hemoglobin', unit: 'g/dL', min: 10, max: 18 },
  { code: '3016-3', name: 'Thyrotropin', unit: 'm[IU]/L', min: 0.3, max: 6 },
  { code: '13457-7', name: 'LDL cholesterol', unit: 'mg/dL', min: 60, max: 200 },
]

/** Where a value comes from: the sample's label (`labels`, in clear). */
const SOURCES = ['wearable', 'home-device', 'clinic'] as const

/** The two years the value dates are spread over (2023-01-01 to 2024-12-31, UTC). */
const FIRST_DAY = Date.UTC(2023, 0, 1)
const SPAN_MS = Date.UTC(2025, 0, 1) - FIRST_DAY

/** A MedTech fuzzy date-time (YYYYMMDDhhmmss) of a UTC time. */
function fuzzyDateTime(ms: number): number {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return Number(
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
      `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
  )
}

/** A generated sample and the clear facts the benchmark checks its searches against. */
export interface GeneratedSample {
  sample: DataSample
  code: string
  valueDate: number
}

/** One data sample: a code (heart rate with {@link HEART_RATE_SHARE}), a source label, a date, a value. */
export function makeSearchSample(rng: Rng): GeneratedSample {
  const q = rng.next() < HEART_RATE_SHARE ? HEART_RATE : OTHERS[rng.below(OTHERS.length)]
  const valueDate = fuzzyDateTime(FIRST_DAY + Math.floor(rng.next() * SPAN_MS))
  // Values rounded to one decimal, as devices report them.
  const value = Math.round((q.min + rng.next() * (q.max - q.min)) * 10) / 10
  const source = SOURCES[rng.below(SOURCES.length)]
  const sample = new DataSample({
    labels: new Set([new CodingReference({ type: 'CAIRN-SOURCE', code: source })]),
    codes: new Set([new CodingReference({ type: 'LOINC', code: q.code, version: '2.77' })]),
    content: {
      en: new Content({ measureValue: new Measure({ value, unit: q.unit, min: q.min, max: q.max }) }),
    },
    comment: `${q.name} from ${source}`,
    valueDate,
  })
  return { sample, code: q.code, valueDate }
}

const FIRST_NAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Mia', 'Hugo', 'Léa', 'Jonas',
  'Sofia', 'Mateo', 'Chloé', 'Elias', 'Zoé', 'Arthur', 'Nora', 'Louis', 'Alice', 'Adam',
  'Inès', 'Jules', 'Camille', 'Tom', 'Lina', 'Nathan', 'Sarah', 'Gabriel', 'Eva', 'Victor',
] // prettier-ignore

/** Surnames of several origins, some sharing substrings (mart-, -son, -ez), as real lists do. */
export const LAST_NAMES = [
  'Martin', 'Martinez', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy',
  'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent',
  'Fournier', 'Morel', 'Girard', 'André', 'Lefèvre', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Janssens', 'Peeters', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Wouters', 'De Smet',
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor',
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'González', 'Rodríguez', 'Fernández', 'López', 'Sánchez', 'Pérez', 'Gómez', 'Díaz', 'Álvarez', 'Romero',
] // prettier-ignore

/** The `k`-th patient: a first and last name, a date of birth and a gender, from `rng`. */
export function makeSearchPatient(k: number, rng: Rng): Patient {
  const year = 1935 + rng.below(70)
  const month = 1 + rng.below(12)
  const day = 1 + rng.below(28)
  return new Patient({
    firstName: FIRST_NAMES[rng.below(FIRST_NAMES.length)],
    lastName: LAST_NAMES[k % LAST_NAMES.length],
    dateOfBirth: year * 10000 + month * 100 + day,
    gender: rng.next() < 0.5 ? 'female' : 'male',
  })
}

/**
 * A name reduced as the server's fuzzy search compares it (accents dropped, lower case, letters and
 * digits only): used to count the expected matches of a name search, from the generated names.
 */
export function foldName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
}

/** Whether a patient is a match of `containsFuzzy(search)`: the search is in "last first" or "first last". */
export function nameMatches(patient: Patient, search: string): boolean {
  const s = foldName(search)
  const first = patient.firstName ?? ''
  const last = patient.lastName ?? ''
  return foldName(`${last}${first}`).includes(s) || foldName(`${first}${last}`).includes(s)
}
