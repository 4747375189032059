import { describe, expect, it } from 'vitest'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import { assertCanReadAttachment, assertCanWriteAttachment } from './access-policy.ts'

const SAMPLE = '6f1c7a4e-0d52-4a38-9a39-1c6a8c2b1e01'

const caller = (over: Partial<Caller>): Caller => ({ userId: 'u', isAdmin: false, requestId: 'r', ...over })
const hcp = caller({ dataOwnerId: 'hcp-a', dataOwnerType: 'HealthcareProfessional' })
const admin = caller({ isAdmin: true })

/** The AppError `f` throws (failing the test if it throws nothing or something else). */
function errorOf(f: () => void): AppError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    return e as AppError
  }
  throw new Error('expected an AppError')
}

describe('attachment access rules', () => {
  for (const [name, rule] of [
    ['read', assertCanReadAttachment],
    ['write', assertCanWriteAttachment],
  ] as const) {
    it(`${name}: a delegate of the sample may; anyone else gets the 404 of an unknown sample`, () => {
      expect(() => rule(hcp, SAMPLE, true)).not.toThrow()
      const e = errorOf(() => rule(hcp, SAMPLE, false))
      expect(e.code).toBe('NOT_FOUND')
      expect(e.message).toBe(`dataSample ${SAMPLE} not found`)
    })

    it(`${name}: a user that is no data owner (an admin) gets a 403, even for a sample id it names`, () => {
      const e = errorOf(() => rule(admin, SAMPLE, true))
      expect(e.code).toBe('FORBIDDEN')
    })
  }
})
