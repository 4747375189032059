import { describe, expect, it } from 'vitest'
import type { DataOwnerType, EncryptedEntityDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { AppError } from '../http/app-error.ts'
import {
  assertCanDeleteDataOwner,
  assertCanDeleteEntity,
  assertCanLinkHealthcareElements,
  assertNoUserActsAs,
} from './access-policy.ts'

/*
 * The rules of deletion and of links from data samples to healthcare elements (docs/access.md,
 * "Deleting"): pure functions of the caller and the stored documents, as the rest of access-policy.
 */

// Data owner ids (the policy never parses them).
const A = 'hcp-a'
const B = 'hcp-b'
const P = 'patient-p'
const D = 'device-d'

function caller(opts: { dataOwnerId?: string; type?: DataOwnerType; admin?: boolean } = {}): Caller {
  return {
    userId: `user-of-${opts.dataOwnerId ?? 'nobody'}`,
    requestId: 'request-under-test',
    dataOwnerId: opts.dataOwnerId,
    dataOwnerType: opts.dataOwnerId ? (opts.type ?? 'HealthcareProfessional') : undefined,
    isAdmin: opts.admin ?? false,
  }
}
const hcp = (id: string) => caller({ dataOwnerId: id })
const patient = (id: string) => caller({ dataOwnerId: id, type: 'Patient' })
const device = (id: string) => caller({ dataOwnerId: id, type: 'MedicalDevice' })
const admin = () => caller({ admin: true })

/** An encrypted entity shared (by its creator `owners[0]`) with each of `owners`. */
function entity(id: string, owners: string[]): EncryptedEntityDto {
  const map = Object.fromEntries(
    owners.map((o) => [o, [{ owner: owners[0], delegatedTo: o, key: `k-${o}` }]]),
  )
  return {
    id,
    rev: '1-a',
    systemMetaData: { secretForeignKeys: [], delegations: map, encryptionKeys: map, cryptedForeignKeys: {} },
  }
}

/** The AppError `fn` throws (the test fails if it throws nothing). */
function thrown(fn: () => unknown): AppError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    return e as AppError
  }
  throw new Error('expected an AppError, nothing was thrown')
}

function expectError(fn: () => unknown, status: number, message: string | RegExp): void {
  const e = thrown(fn)
  expect(e.status).toBe(status)
  expect(e.message).toMatch(message)
}

describe('assertCanDeleteEntity', () => {
  const sample = entity('s1', [A, B])

  it('lets every delegate of an entity delete it', () => {
    expect(() => assertCanDeleteEntity(hcp(A), 'dataSample', sample)).not.toThrow()
    expect(() => assertCanDeleteEntity(hcp(B), 'dataSample', sample)).not.toThrow()
    expect(() => assertCanDeleteEntity(patient(P), 'patient', entity(P, [A, P]))).not.toThrow()
  })

  it('answers anyone else with the 404 of an unknown id', () => {
    expectError(
      () => assertCanDeleteEntity(hcp('hcp-c'), 'dataSample', sample),
      404,
      'dataSample s1 not found',
    )
    expectError(
      () => assertCanDeleteEntity(device(D), 'patient', entity(P, [A])),
      404,
      `patient ${P} not found`,
    )
  })

  it('refuses a patient that reads its own record without being a delegate with a 403', () => {
    expectError(
      () => assertCanDeleteEntity(patient(P), 'patient', entity(P, [A])),
      403,
      `Data owner ${P} may not delete patient ${P}: only the data owners it is shared with may`,
    )
  })

  it('refuses a user that is no data owner, even an admin', () => {
    expectError(() => assertCanDeleteEntity(admin(), 'dataSample', sample), 403, /not a data owner/)
  })
})

describe('assertCanDeleteDataOwner', () => {
  const record = (id: string, responsible?: string) => ({ id, responsible })

  it('lets admins and the responsible professional delete a record', () => {
    for (const kind of ['healthcareProfessional', 'medicalDevice'] as const) {
      expect(() => assertCanDeleteDataOwner(admin(), kind, record('x', A))).not.toThrow()
      expect(() => assertCanDeleteDataOwner(hcp(A), kind, record('x', A))).not.toThrow()
    }
  })

  it('refuses other professionals, patients and devices with a 403 naming who may', () => {
    expectError(
      () => assertCanDeleteDataOwner(hcp(B), 'medicalDevice', record(D, A)),
      403,
      `Data owner ${B} may not delete medicalDevice ${D}: only its responsible professional and admins may`,
    )
    expectError(
      () => assertCanDeleteDataOwner(hcp(B), 'healthcareProfessional', record('h', A)),
      403,
      'only the professional that created it and admins may',
    )
    // A patient or a device named as responsible (only professionals are) does not count.
    expectError(
      () => assertCanDeleteDataOwner(patient(P), 'medicalDevice', record(D, P)),
      403,
      /may not delete/,
    )
    expectError(() => assertCanDeleteDataOwner(caller(), 'medicalDevice', record(D, A)), 403, /\(none\)/)
  })

  it('never lets a data owner delete itself, not even an admin acting as it', () => {
    expectError(
      () => assertCanDeleteDataOwner(device(D), 'medicalDevice', record(D, A)),
      403,
      `medicalDevice ${D} cannot delete itself`,
    )
    const adminHcp = caller({ dataOwnerId: A, admin: true })
    expectError(() => assertCanDeleteDataOwner(adminHcp, 'healthcareProfessional', record(A)), 403, /itself/)
  })
})

describe('assertNoUserActsAs', () => {
  it('accepts a data owner no live user acts as', () => {
    expect(() => assertNoUserActsAs('medicalDevice', D, [])).not.toThrow()
  })

  it('answers 409 naming the user to delete first', () => {
    const e = thrown(() => assertNoUserActsAs('healthcareProfessional', A, ['u-1']))
    expect(e.code).toBe('CONFLICT')
    expect(e.message).toBe(
      `healthcareProfessional ${A} is the data owner of user u-1: delete that user first (DELETE /user/u-1)`,
    )
  })
})

describe('assertCanLinkHealthcareElements', () => {
  const mine = entity('he-1', [A])
  const ours = entity('he-2', [B, A])
  const theirs = entity('he-3', [B])

  it('accepts links to live elements the caller reads', () => {
    expect(() =>
      assertCanLinkHealthcareElements(hcp(A), ['he-1', 'he-2'], [mine, ours, theirs]),
    ).not.toThrow()
    expect(() => assertCanLinkHealthcareElements(hcp(A), [], [])).not.toThrow()
  })

  it('refuses missing (or deleted) and unreadable elements with the MedTech text, naming each', () => {
    expectError(
      () => assertCanLinkHealthcareElements(hcp(A), ['he-1', 'he-3', 'he-9'], [mine, theirs]),
      400,
      `Health elements he-3,he-9 do not exist or user user-of-${A} may not access them`,
    )
  })
})
