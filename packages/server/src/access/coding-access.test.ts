import { describe, expect, it } from 'vitest'
import type { DataOwnerType } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
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
    for (const who of [caller('Patient'), caller('MedicalDevice'), caller()])
      expect(() => assertCanWriteCodings(who)).toThrow(
        expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('admin or a healthcare professional') }),
      )
  })
})
