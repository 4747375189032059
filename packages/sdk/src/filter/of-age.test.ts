import { describe, expect, it, vi } from 'vitest'
import { dateOfBirthRangeOfAge } from './of-age.ts'

/** Age in full years on `now` of someone born on `birth` (birthdays counted from the same month and day). */
function ageOn(birth: Date, now: Date): number {
  const before =
    now.getMonth() < birth.getMonth() ||
    (now.getMonth() === birth.getMonth() && now.getDate() < birth.getDate())
  return now.getFullYear() - birth.getFullYear() - (before ? 1 : 0)
}

/** A YYYYMMDD fuzzy date as a local Date, shifted by `days`. */
function fromFuzzy(fuzzy: number, days = 0): Date {
  return new Date(Math.floor(fuzzy / 10_000), (Math.floor(fuzzy / 100) % 100) - 1, (fuzzy % 100) + days, 12)
}

describe('dateOfBirthRangeOfAge', () => {
  it('uses the day of the month, not of the week (MedTech quirk 7)', () => {
    // Wednesday 17 July 2024: MedTech's getDay() would have given day 3.
    const now = new Date(2024, 6, 17, 15, 30)
    expect(dateOfBirthRangeOfAge(30, now)).toEqual({ minDateOfBirth: 19930718, maxDateOfBirth: 19940717 })
    expect(dateOfBirthRangeOfAge(0, now)).toEqual({ minDateOfBirth: 20230718, maxDateOfBirth: 20240717 })
  })

  it('rolls over months and years for the day after', () => {
    expect(dateOfBirthRangeOfAge(0, new Date(2023, 11, 31, 23, 59))).toEqual({
      minDateOfBirth: 20230101,
      maxDateOfBirth: 20231231,
    })
    expect(dateOfBirthRangeOfAge(5, new Date(2024, 0, 1, 0, 1))).toEqual({
      minDateOfBirth: 20180102,
      maxDateOfBirth: 20190101,
    })
  })

  it('takes February 28 for a February 29 that the earlier year does not have', () => {
    expect(dateOfBirthRangeOfAge(10, new Date(2024, 1, 29, 12))).toEqual({
      minDateOfBirth: 20130301,
      maxDateOfBirth: 20140228,
    })
    expect(dateOfBirthRangeOfAge(8, new Date(2024, 1, 29, 12))).toEqual({
      minDateOfBirth: 20150301,
      maxDateOfBirth: 20160229,
    })
  })

  it('holds exactly the people of that age, on every day of a common and a leap year', () => {
    for (const year of [2023, 2024]) {
      for (let day = new Date(year, 0, 1, 12); day.getFullYear() === year; day.setDate(day.getDate() + 1)) {
        for (const age of [0, 7, 30]) {
          const { minDateOfBirth, maxDateOfBirth } = dateOfBirthRangeOfAge(age, day)
          const at = `${day.toDateString()}, age ${age}`
          expect(ageOn(fromFuzzy(maxDateOfBirth), day), at).toBe(age)
          expect(ageOn(fromFuzzy(maxDateOfBirth, 1), day), at).toBe(age - 1)
          expect(ageOn(fromFuzzy(minDateOfBirth), day), at).toBe(age)
          expect(ageOn(fromFuzzy(minDateOfBirth, -1), day), at).toBe(age + 1)
        }
      }
    }
  })

  it('defaults to the current date', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(new Date(2024, 6, 17, 10))
      expect(dateOfBirthRangeOfAge(1)).toEqual({ minDateOfBirth: 20220718, maxDateOfBirth: 20230717 })
    } finally {
      vi.useRealTimers()
    }
  })
})
