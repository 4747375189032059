import { describe, expect, it } from 'vitest'
import type { DataOwnerType } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import { assertCanWriteCodings } from './access-policy.ts'

const caller = (type?: DataOwnerType, isAdmin = false): Caller => ({
  userId: 'user',
  requestId: 'request-under-test',
  dataOwnerId: type ? 'owner' : undefined,
  dataOwnerType: type,
  isAdmin,
})

describe('assertCanWriteCodings', () => {
  it('lets admins and healthcare professionals write codings', () => {
    expect(() => assertCanWriteCodings(caller(undefined, true))).not.toThrow()
    expect(() => assertCanWriteCodings(caller('HealthcareProfessional'))).not.toThrow()
  })

  it('refuses patients, devices and plain users with a 403', () => {
    for (const who of [caller('Patient'), caller('MedicalDevice'), caller()]) {
      const refusal = (() => {
        try {
          assertCanWriteCodings(who)
        } catch (e) {
          return e
        }
      })()
      expect(refusal).toBeInstanceOf(AppError)
      expect(refusal).toMatchObject({ code: 'FORBIDDEN', status: 403 })
      expect((refusal as AppError).message).toContain('admin or a healthcare professional')
    }
  })
})
