import { describe, expect, it } from 'vitest'
import type { EncryptedEntityDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import {
  assertCanCreateEntity,
  assertCanDeleteEntity,
  assertCanModifyEntity,
  assertCanReadEntity,
  assertCanReadEntityById,
} from './access-policy.ts'

/*
 * Notification access (docs/access.md, "Notifications"): its creator and its delegates read, modify
 * and delete it; anyone else gets the 404 of an unknown id; the creator must be its `responsible`.
 */

const PATIENT = 'patient-p'
const DOCTOR = 'hcp-d'
const OTHER = 'hcp-o'
const ID = '0c9f7a41-6f7e-4f0f-9f5e-2a6c1f8d3b10'

const caller = (dataOwnerId: string, type: Caller['dataOwnerType']): Caller => ({
  userId: `user-of-${dataOwnerId}`,
  dataOwnerId,
  dataOwnerType: type,
  isAdmin: false,
  requestId: 'r',
})
const patient = caller(PATIENT, 'Patient')
const doctor = caller(DOCTOR, 'HealthcareProfessional')
const other = caller(OTHER, 'HealthcareProfessional')

/** A notification created by `creator`, shared with each of `owners` (the creator included). */
function notification(
  creator: string,
  owners: string[],
  extra: Record<string, unknown> = {},
): EncryptedEntityDto {
  const map = Object.fromEntries(owners.map((o) => [o, [{ owner: creator, delegatedTo: o, key: `k-${o}` }]]))
  return {
    id: ID,
    type: 'OTHER',
    status: 'pending',
    ...extra,
    systemMetaData: { secretForeignKeys: [], delegations: map, encryptionKeys: map, cryptedForeignKeys: {} },
  }
}

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

describe('notification access rules', () => {
  it('create: the creator may leave responsible out or name itself; naming anyone else is a 403', () => {
    expect(() =>
      assertCanCreateEntity(patient, 'notification', notification(PATIENT, [PATIENT, DOCTOR])),
    ).not.toThrow()
    expect(() =>
      assertCanCreateEntity(
        patient,
        'notification',
        notification(PATIENT, [PATIENT, DOCTOR], { responsible: PATIENT }),
      ),
    ).not.toThrow()
    const e = errorOf(() =>
      assertCanCreateEntity(
        patient,
        'notification',
        notification(PATIENT, [PATIENT, DOCTOR], { responsible: DOCTOR }),
      ),
    )
    expect(e.code).toBe('FORBIDDEN')
    expect(e.message).toBe(
      `A new notification's responsible must be the data owner creating it (${PATIENT}), not ${DOCTOR}`,
    )
    // Other entity types keep their rule: the server sets responsible, whatever the client sent.
    expect(() =>
      assertCanCreateEntity(
        doctor,
        'healthcareElement',
        notification(DOCTOR, [DOCTOR], { responsible: OTHER }),
      ),
    ).not.toThrow()
  })

  it('create: the creator must give itself access, as for every encrypted entity', () => {
    const e = errorOf(() => assertCanCreateEntity(patient, 'notification', notification(PATIENT, [DOCTOR])))
    expect(e.code).toBe('FORBIDDEN')
  })

  it('read, modify, delete: the creator and its delegates; a third data owner gets the 404 of an unknown id', () => {
    const stored = notification(PATIENT, [PATIENT, DOCTOR], { responsible: PATIENT })
    for (const who of [patient, doctor]) {
      expect(() => assertCanReadEntity(who, 'notification', stored)).not.toThrow()
      expect(() =>
        assertCanModifyEntity(who, 'notification', stored, { ...stored, status: 'completed' }),
      ).not.toThrow()
      expect(() => assertCanDeleteEntity(who, 'notification', stored)).not.toThrow()
    }
    for (const rule of [
      () => assertCanReadEntity(other, 'notification', stored),
      () => assertCanReadEntityById(other, 'notification', ID, false),
      () => assertCanModifyEntity(other, 'notification', stored, { ...stored, status: 'completed' }),
      () => assertCanDeleteEntity(other, 'notification', stored),
    ]) {
      const e = errorOf(rule)
      expect(e.code).toBe('NOT_FOUND')
      expect(e.message).toBe(`notification ${ID} not found`)
    }
  })

  it('a delegate cannot take the creator off its own notification', () => {
    const stored = notification(PATIENT, [PATIENT, DOCTOR])
    const { [PATIENT]: _gone, ...rest } = stored.systemMetaData.delegations
    const e = errorOf(() =>
      assertCanModifyEntity(doctor, 'notification', stored, {
        ...stored,
        systemMetaData: { ...stored.systemMetaData, delegations: rest },
      }),
    )
    expect(e.code).toBe('FORBIDDEN')
  })
})
