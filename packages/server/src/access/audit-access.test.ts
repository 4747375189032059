import { describe, expect, it } from 'vitest'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import {
  assertCanListAuditLog,
  assertCanReadAccessLogOf,
  assertCanReadAccessLogOfRecord,
} from './audit-access.ts'

const admin: Caller = { userId: 'admin', isAdmin: true, requestId: 'r' }
const hcp: Caller = {
  userId: 'u1',
  dataOwnerId: 'hcp-1',
  dataOwnerType: 'HealthcareProfessional',
  isAdmin: false,
  requestId: 'r',
}
const adminActingAsHcp: Caller = { ...hcp, userId: 'u2', isAdmin: true }

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn()
    return undefined
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError'
  }
}

describe('access-log access', () => {
  it('lets admins only list the whole log', () => {
    expect(codeOf(() => assertCanListAuditLog(admin))).toBeUndefined()
    expect(codeOf(() => assertCanListAuditLog(hcp))).toBe('FORBIDDEN')
  })

  it('lets only the data owner itself list who accessed its records, admins included in the refusal', () => {
    expect(codeOf(() => assertCanReadAccessLogOf(hcp, 'hcp-1'))).toBeUndefined()
    expect(codeOf(() => assertCanReadAccessLogOf(hcp, 'hcp-2'))).toBe('FORBIDDEN')
    expect(codeOf(() => assertCanReadAccessLogOf(admin, 'hcp-1'))).toBe('FORBIDDEN')
    expect(codeOf(() => assertCanReadAccessLogOf(adminActingAsHcp, 'hcp-1'))).toBeUndefined()
  })

  it('answers an unreadable record like an unknown one', () => {
    expect(codeOf(() => assertCanReadAccessLogOfRecord('x', true))).toBeUndefined()
    expect(codeOf(() => assertCanReadAccessLogOfRecord('x', false))).toBe('NOT_FOUND')
  })
})
