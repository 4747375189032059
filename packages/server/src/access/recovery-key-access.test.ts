import { describe, expect, it } from 'vitest'
import type { DataOwnerType } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import { assertCanUseRecoveryKey } from './access-policy.ts'

const OWNER = '7d3f1c2a-0b4e-4f6a-9c8d-1e2f3a4b5c6d'

const caller = (dataOwnerId?: string, type?: DataOwnerType, isAdmin = false): Caller => ({
  userId: 'user',
  requestId: 'request-under-test',
  dataOwnerId,
  dataOwnerType: type,
  isAdmin,
})

describe('assertCanUseRecoveryKey', () => {
  it('lets the data owner itself use its recovery key', () => {
    expect(() => assertCanUseRecoveryKey(caller(OWNER, 'Patient'), OWNER)).not.toThrow()
    expect(() => assertCanUseRecoveryKey(caller(OWNER, 'HealthcareProfessional'), OWNER)).not.toThrow()
  })

  it('refuses anyone else with the same 403: another data owner, an admin, a user that is no data owner', () => {
    for (const who of [
      caller('another-owner', 'HealthcareProfessional'),
      caller(undefined, undefined, true),
      caller('another-owner', 'HealthcareProfessional', true),
      caller(),
    ]) {
      const refusal = (() => {
        try {
          assertCanUseRecoveryKey(who, OWNER)
        } catch (e) {
          return e
        }
      })()
      expect(refusal).toBeInstanceOf(AppError)
      expect(refusal).toMatchObject({
        code: 'FORBIDDEN',
        status: 403,
        message: `Only data owner ${OWNER} itself may use its recovery key`,
      })
    }
  })
})
