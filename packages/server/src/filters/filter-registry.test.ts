import { describe, expect, it } from 'vitest'
import { ENTITY_TYPES, type FilterDto } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import {
  FILTER_KINDS,
  assertFiltersMatchDescriptor,
  compileFilter,
  declaredFilterTypes,
  registeredFilterTypes,
} from './filter-registry.ts'

const me = 'hcp-me'
const caller: Caller = {
  userId: 'u',
  dataOwnerId: me,
  dataOwnerType: 'HealthcareProfessional',
  isAdmin: false,
  requestId: 'r',
}

describe('filter registry', () => {
  it('has a kind for exactly the filters each entity descriptor declares', () => {
    for (const entity of ENTITY_TYPES) {
      expect(registeredFilterTypes(entity).sort()).toEqual(declaredFilterTypes(entity).sort())
      expect(() => assertFiltersMatchDescriptor(entity)).not.toThrow()
    }
    for (const [type, kind] of Object.entries(FILTER_KINDS)) expect(kind.type).toBe(type)
  })

  it('compiles the "for patient" filters to the secret-foreign-key index, as the caller', () => {
    for (const [$type, entity] of [
      ['DataSampleByHealthcarePartyPatientFilter', 'dataSample'],
      ['HealthcareElementByHealthcarePartyPatientFilter', 'healthcareElement'],
    ] as const) {
      const filter = { $type, healthcarePartyId: me, patientSecretForeignKeys: ['s1', 's2'] } as FilterDto
      expect(compileFilter(caller, entity, filter)).toEqual({
        dataOwnerId: me,
        query: { op: 'index', index: 'sfk', values: ['s1', 's2'] },
      })
      // Without healthcarePartyId the caller's own data owner is used.
      const implicit = { $type, patientSecretForeignKeys: ['s1'] } as FilterDto
      expect(compileFilter(caller, entity, implicit).dataOwnerId).toBe(me)
    }
  })

  it('compiles the by-data-owner filters to the access index alone, and by-ids filters to the ids', () => {
    expect(
      compileFilter(caller, 'patient', { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: me }),
    ).toEqual({
      dataOwnerId: me,
      query: { op: 'all' },
    })
    expect(
      compileFilter(caller, 'dataSample', { $type: 'DataSampleByHealthcarePartyFilter', hcpId: me }).query,
    ).toEqual({
      op: 'all',
    })
    expect(
      compileFilter(caller, 'healthcareElement', { $type: 'HealthcareElementByIdsFilter', ids: ['a', 'b'] }),
    ).toEqual({ dataOwnerId: me, query: { op: 'ids', ids: ['a', 'b'] } })
  })

  it('refuses a filter naming another data owner (403) or sent to another entity type (400)', () => {
    expect(() =>
      compileFilter(caller, 'patient', {
        $type: 'PatientByHealthcarePartyFilter',
        healthcarePartyId: 'someone-else',
      }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as unknown)
    expect(() =>
      compileFilter(caller, 'patient', { $type: 'DataSampleByHealthcarePartyFilter', hcpId: me }),
    ).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }) as unknown)
    const admin: Caller = { userId: 'admin', isAdmin: true, requestId: 'r' }
    expect(() => compileFilter(admin, 'patient', { $type: 'PatientByIdsFilter', ids: ['x'] })).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as unknown,
    )
  })
})
