/**
 * Dates in MedTech records come in three shapes: epoch milliseconds (`created`, often `openingDate`),
 * "fuzzy" dates YYYYMMDD (`dateOfBirth`) and date-times YYYYMMDDhhmmss (`valueDate`). These helpers
 * tell them apart by size and show them in the reader's locale; none of them is ambiguous for dates
 * after 1970.
 */

/** The Date a MedTech date number stands for, or undefined when it is none of the three shapes. */
export function dateOf(value: number | undefined): Date | undefined {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined
  const digits = String(Math.trunc(value))
  if (digits.length === 8 || digits.length === 14) {
    const y = Number(digits.slice(0, 4))
    const m = Number(digits.slice(4, 6))
    const d = Number(digits.slice(6, 8))
    const [h, min, s] =
      digits.length === 14 ? [8, 10, 12].map((i) => Number(digits.slice(i, i + 2))) : [0, 0, 0]
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return new Date(y, m - 1, d, h, min, s)
  }
  return new Date(value)
}

/** A MedTech date as text (date and time when it has a time), or "—" when absent. */
export function formatDate(value: number | undefined): string {
  const date = dateOf(value)
  if (!date) return '—'
  const digits = String(Math.trunc(value!))
  return digits.length === 8
    ? date.toLocaleDateString()
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** A YYYYMMDD number (a birth date) from an `<input type="date">` value (`2024-05-31`); undefined if empty. */
export function fuzzyDateOf(input: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input)
  return m ? Number(`${m[1]}${m[2]}${m[3]}`) : undefined
}

/** A YYYYMMDDhhmmss number from an `<input type="datetime-local">` value; undefined if empty. */
export function dateTimeOf(input: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(input)
  return m ? Number(`${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}00`) : undefined
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The `<input type="date">` value of a MedTech date ('' when absent). */
export function dateInputOf(value: number | undefined): string {
  const d = dateOf(value)
  return d ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : ''
}

/** The `<input type="datetime-local">` value of a MedTech date ('' when absent). */
export function dateTimeInputOf(value: number | undefined): string {
  const d = dateOf(value)
  return d ? `${dateInputOf(value)}T${pad(d.getHours())}:${pad(d.getMinutes())}` : ''
}

/** Now as YYYYMMDDhhmmss, the shape of a data sample's `valueDate`. */
export function nowDateTime(): number {
  const d = new Date()
  return Number(
    `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`,
  )
}
