/** Bounds of a date-of-birth filter, as MedTech fuzzy dates (YYYYMMDD, inclusive). */
export interface DateOfBirthRange {
  minDateOfBirth: number
  maxDateOfBirth: number
}

/**
 * The dates of birth of the people who are `age` full years old on `now` (local time): born at most
 * `age` years before today, and more than `age + 1` years before. MedTech's formula, with two fixes:
 * - quirk 7: MedTech took the day of the *week* (`getDay()`, 0-6) for the day of the month, so its
 *   bounds were off by up to a month; this uses the day of the month (`getDate()`);
 * - on February 29, the same day `age` years earlier may not exist: it is taken as February 28 (not
 *   rolled over to March 1, which would count someone born on March 1 as already having the age).
 */
export function dateOfBirthRangeOfAge(age: number, now: Date = new Date()): DateOfBirthRange {
  const year = now.getFullYear()
  const month = now.getMonth()
  const day = now.getDate()
  const latest = sameDayIn(year - age, month, day)
  const previous = sameDayIn(year - age - 1, month, day)
  const dayAfter = localDate(previous.getFullYear(), previous.getMonth(), previous.getDate() + 1)
  return { minDateOfBirth: fuzzyDate(dayAfter), maxDateOfBirth: fuzzyDate(latest) }
}

/** The date of `day`/`month` in `year`, clamped to the month's last day (February 29 -> 28). */
function sameDayIn(year: number, month: number, day: number): Date {
  // Day 0 of the next month is the last day of this one.
  const lastDay = localDate(year, month + 1, 0).getDate()
  return localDate(year, month, Math.min(day, lastDay))
}

/**
 * Local midnight of a date; out-of-range months and days roll over. Through setFullYear because the
 * Date constructor maps years 0-99 to 1900-1999.
 */
function localDate(year: number, month: number, day: number): Date {
  const date = new Date(0)
  date.setFullYear(year, month, day)
  date.setHours(0, 0, 0, 0)
  return date
}

/** A date as a MedTech fuzzy date, YYYYMMDD (local time). */
function fuzzyDate(date: Date): number {
  return date.getFullYear() * 10_000 + (date.getMonth() + 1) * 100 + date.getDate()
}
