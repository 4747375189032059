import { describe, expect, it } from 'vitest'
import { ENTITY_TYPES, type FilterDto, type FilterType } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import type { IndexQuery } from '../storage/index-query.ts'
import {
  FILTER_KINDS,
  assertFiltersMatchDescriptor,
  compileFilter,
  declaredFilterTypes,
  registeredFilterTypes,
} from './filter-registry.ts'
import type { SearchTarget } from './filter-kind.ts'

const me = 'hcp-me'
const caller: Caller = {
  userId: 'u',
  dataOwnerId: me,
  dataOwnerType: 'HealthcareProfessional',
  isAdmin: false,
  requestId: 'r',
}
const admin: Caller = { userId: 'admin', isAdmin: true, requestId: 'r' }

const TARGETS: SearchTarget[] = [...ENTITY_TYPES, 'healthcareProfessional', 'medicalDevice']
const term = (...terms: string[]): IndexQuery => ({ op: 'term', terms })
const compile = (target: SearchTarget, filter: object, who: Caller = caller) =>
  compileFilter(who, target, filter as FilterDto)

/**
 * One case per leaf filter kind: the filter as an app sends it, the search target, and the index query
 * and order it must compile to. The test below checks that every registered kind has its case.
 */
const CASES: Record<FilterType, { target: SearchTarget; filter: object; query: IndexQuery; order?: object }> =
  {
    PatientByHealthcarePartyFilter: {
      target: 'patient',
      filter: { healthcarePartyId: me },
      query: { op: 'all' },
    },
    PatientByIdsFilter: {
      target: 'patient',
      filter: { ids: ['a', 'b'] },
      query: { op: 'ids', ids: ['a', 'b'] },
    },
    PatientByHealthcarePartyIdentifiersFilter: {
      target: 'patient',
      filter: { identifiers: [{ system: 'urn:mrn', value: '42' }, { value: 'x' }] },
      query: term('id:urn:mrn|42', 'id:|x'),
    },
    PatientByHealthcarePartySsinsFilter: {
      target: 'patient',
      filter: { ssins: ['1', '2'] },
      query: term('ssin:1', 'ssin:2'),
    },
    PatientByHealthcarePartyDateOfBirthBetweenFilter: {
      target: 'patient',
      filter: { minDateOfBirth: 19800101, maxDateOfBirth: 19891231 },
      // Birth dates are YYYYMMDD: bounds are taken as they are; unknown birth dates (0) never match.
      query: { op: 'term', terms: ['*'], min: 19800101, max: 19891231 },
      order: { by: 'value', descending: false },
    },
    PatientByHealthcarePartyNameContainsFuzzyFilter: {
      target: 'patient',
      filter: { healthcarePartyId: me, searchString: ' Dü Pont ' },
      query: { op: 'name', prefix: 'dupont' },
    },
    PatientByHealthcarePartyGenderEducationProfessionFilter: {
      target: 'patient',
      filter: { gender: 'female', profession: 'nurse' },
      query: { op: 'and', of: [term('gender:female'), term('profession:nurse')] },
    },
    DataSampleByHealthcarePartyPatientFilter: {
      target: 'dataSample',
      filter: { healthcarePartyId: me, patientSecretForeignKeys: ['s1', 's2'] },
      query: term('sfk:s1', 'sfk:s2'),
    },
    DataSampleByHealthcarePartyFilter: { target: 'dataSample', filter: { hcpId: me }, query: { op: 'all' } },
    DataSampleByIdsFilter: { target: 'dataSample', filter: { ids: ['x'] }, query: { op: 'ids', ids: ['x'] } },
    DataSampleByHealthcarePartyIdentifiersFilter: {
      target: 'dataSample',
      filter: { identifiers: [{ system: 's', value: 'v' }] },
      query: term('id:s|v'),
    },
    DataSampleByHealthcarePartyTagCodeDateFilter: {
      target: 'dataSample',
      filter: {
        patientSecretForeignKey: 'sfk1',
        tagType: 'CARE',
        codeType: 'LOINC',
        codeCode: '2339-0',
        startValueDate: 20240101,
        endValueDate: 20240131,
        descending: true,
      },
      // Samples are dated YYYYMMDDhhmmss: a date bound covers its whole day.
      query: {
        op: 'and',
        of: [
          term('sfk:sfk1'),
          { op: 'and', of: [term('tag:CARE'), term('code:LOINC|2339-0')] },
          { op: 'term', terms: ['*'], min: 20240101000000, max: 20240131235959 },
        ],
      },
      order: { by: 'value', descending: true },
    },
    DataSampleByHealthcarePartyHealthcareElementIdsFilter: {
      target: 'dataSample',
      filter: { healthcareElementIds: ['he1'] },
      query: term('he:he1'),
    },
    HealthcareElementByHealthcarePartyPatientFilter: {
      target: 'healthcareElement',
      filter: { patientSecretForeignKeys: ['s'] },
      query: term('sfk:s'),
    },
    HealthcareElementByHealthcarePartyFilter: {
      target: 'healthcareElement',
      filter: { healthcarePartyId: me },
      query: { op: 'all' },
    },
    HealthcareElementByIdsFilter: {
      target: 'healthcareElement',
      filter: { ids: ['a'] },
      query: { op: 'ids', ids: ['a'] },
    },
    HealthcareElementByHealthcarePartyIdentifiersFilter: {
      target: 'healthcareElement',
      filter: { identifiers: [{ system: 's', value: 'v' }] },
      query: term('id:s|v'),
    },
    HealthcareElementByHealthcarePartyLabelCodeFilter: {
      target: 'healthcareElement',
      filter: { codeType: 'ICD', codeCode: 'A15', status: 1 },
      query: { op: 'and', of: [term('code:ICD|A15'), term('status:1')] },
    },
    AllHealthcareProfessionalsFilter: { target: 'healthcareProfessional', filter: {}, query: { op: 'all' } },
    HealthcareProfessionalByIdsFilter: {
      target: 'healthcareProfessional',
      filter: { ids: ['h'] },
      query: { op: 'ids', ids: ['h'] },
    },
    HealthcareProfessionalByNameFilter: {
      target: 'healthcareProfessional',
      filter: { name: 'eatsJo' },
      query: { op: 'name', prefix: 'eatsjo' },
    },
    HealthcareProfessionalByLabelCodeFilter: {
      target: 'healthcareProfessional',
      filter: { codeType: 'SPECIALITY', codeCode: 'cardio' },
      query: term('code:SPECIALITY|cardio'),
    },
    NotificationsByIdFilter: {
      target: 'notification',
      filter: { ids: ['n1', 'n2'] },
      query: { op: 'ids', ids: ['n1', 'n2'] },
    },
    NotificationsByHcPartyAndTypeFilter: {
      target: 'notification',
      filter: { healthcarePartyId: me, type: 'KEY_PAIR_UPDATE' },
      query: term('type:KEY_PAIR_UPDATE'),
    },
    NotificationsAfterDateFilter: {
      target: 'notification',
      filter: { healthcarePartyId: me, date: 1_700_000_000_000 },
      // MedTech: created > date (strictly); the creation time (epoch ms) is the sort value; newest first.
      query: { op: 'term', terms: ['*'], min: 1_700_000_000_001 },
      order: { by: 'value', descending: true },
    },
    AllMedicalDevicesFilter: { target: 'medicalDevice', filter: {}, query: { op: 'all' } },
    MedicalDeviceByIdsFilter: {
      target: 'medicalDevice',
      filter: { ids: ['d'] },
      query: { op: 'ids', ids: ['d'] },
    },
  }

describe('filter registry', () => {
  it('has a kind for exactly the filters the protocol declares for each type', () => {
    for (const target of TARGETS) {
      expect(registeredFilterTypes(target).sort()).toEqual(declaredFilterTypes(target).sort())
      expect(() => assertFiltersMatchDescriptor(target)).not.toThrow()
    }
    for (const [type, kind] of Object.entries(FILTER_KINDS)) expect(kind.type).toBe(type)
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(FILTER_KINDS).sort())
  })

  for (const [$type, c] of Object.entries(CASES)) {
    it(`compiles ${$type}`, () => {
      const compiled = compile(c.target, { $type, ...c.filter })
      expect(compiled.query).toEqual(c.query)
      expect(compiled.order).toEqual(c.order ?? { by: 'id' })
      // Encrypted entities are searched as the caller; directories without a data owner.
      expect(compiled.dataOwnerId).toBe(ENTITY_TYPES.includes(c.target as never) ? me : undefined)
    })
  }

  it('compiles unions, intersections (order of the first) and complements recursively', () => {
    const byDate = { $type: 'PatientByHealthcarePartyDateOfBirthBetweenFilter', minDateOfBirth: 1 }
    const byName = { $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter', searchString: 'ann' }
    const dateQuery: IndexQuery = { op: 'term', terms: ['*'], min: 1 }
    const nameQuery: IndexQuery = { op: 'name', prefix: 'ann' }
    expect(compile('patient', { $type: 'IntersectionFilter', filters: [byDate, byName] })).toMatchObject({
      query: { op: 'and', of: [dateQuery, nameQuery] },
      order: { by: 'value', descending: false },
    })
    expect(compile('patient', { $type: 'IntersectionFilter', filters: [byName, byDate] }).order).toEqual({
      by: 'id',
    })
    expect(compile('patient', { $type: 'UnionFilter', filters: [byDate, byName] })).toMatchObject({
      query: { op: 'or', of: [dateQuery, nameQuery] },
      order: { by: 'id' },
    })
    expect(
      compile('patient', {
        $type: 'ComplementFilter',
        superSet: byDate,
        subSet: { $type: 'UnionFilter', filters: [byName] },
      }),
    ).toMatchObject({
      query: { op: 'and', of: [dateQuery, { op: 'not', of: { op: 'or', of: [nameQuery] } }] },
      order: { by: 'value', descending: false },
    })
  })

  it('refuses a filter naming another data owner (403), also nested, and one of another type (400)', () => {
    const foreign = { $type: 'PatientByHealthcarePartyFilter', healthcarePartyId: 'someone-else' }
    expect(() => compile('patient', foreign)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as unknown,
    )
    expect(() =>
      compile('patient', {
        $type: 'UnionFilter',
        filters: [{ $type: 'PatientByIdsFilter', ids: [] }, foreign],
      }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as unknown)
    expect(() => compile('patient', { $type: 'DataSampleByHealthcarePartyFilter', hcpId: me })).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: 'Unsupported filter DataSampleByHealthcarePartyFilter for patient',
      }) as unknown,
    )
    expect(() =>
      compile('dataSample', {
        $type: 'IntersectionFilter',
        filters: [{ $type: 'PatientByIdsFilter', ids: [] }],
      }),
    ).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }) as unknown)
  })

  it('refuses a filter too large for one statement (400): over 50 leaves, or over 10,000 values in all', () => {
    const leaf = (n: number) => ({
      $type: 'PatientByIdsFilter',
      ids: Array.from({ length: n }, (_, i) => `id-${i}`),
    })
    const union = (filters: object[]) => ({ $type: 'UnionFilter', filters })
    expect(() => compile('patient', union(Array.from({ length: 50 }, () => leaf(1))))).not.toThrow()
    expect(() =>
      compile('patient', union([union(Array.from({ length: 50 }, () => leaf(1))), leaf(1)])),
    ).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/at most 50 filters/) as unknown,
      }) as unknown,
    )
    expect(() => compile('patient', union(Array.from({ length: 11 }, () => leaf(1000))))).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/at most 10000 ids/) as unknown,
      }) as unknown,
    )
  })

  it('needs a data owner for encrypted entities, not for directories', () => {
    expect(() => compile('patient', { $type: 'PatientByIdsFilter', ids: ['x'] }, admin)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }) as unknown,
    )
    expect(compile('healthcareProfessional', { $type: 'AllHealthcareProfessionalsFilter' }, admin)).toEqual({
      dataOwnerId: undefined,
      query: { op: 'all' },
      order: { by: 'id' },
    })
  })

  it('selects every notification of the data owner when no type is given, from date 0 all of them', () => {
    expect(compile('notification', { $type: 'NotificationsByHcPartyAndTypeFilter' }).query).toEqual({
      op: 'all',
    })
    expect(
      compile('notification', {
        $type: 'NotificationsByHcPartyAndTypeFilter',
        healthcarePartyId: me,
        type: '',
      }).query,
    ).toEqual({ op: 'all' })
    expect(compile('notification', { $type: 'NotificationsAfterDateFilter', date: 0 }).query).toEqual({
      op: 'term',
      terms: ['*'],
      min: 1,
    })
  })

  it('refuses a notification filter naming another data owner (403), not one by ids', () => {
    for (const filter of [
      { $type: 'NotificationsAfterDateFilter', healthcarePartyId: 'someone-else', date: 0 },
      { $type: 'NotificationsByHcPartyAndTypeFilter', healthcarePartyId: 'someone-else', type: 'OTHER' },
    ])
      expect(() => compile('notification', filter)).toThrow(
        expect.objectContaining({
          code: 'FORBIDDEN',
          message: `Data owner ${me} cannot query the data of data owner someone-else`,
        }) as unknown,
      )
    expect(compile('notification', { $type: 'NotificationsByIdFilter', ids: ['n'] }).dataOwnerId).toBe(me)
    expect(() => compile('notification', { $type: 'HealthcareElementByIdsFilter', ids: ['n'] })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }) as unknown,
    )
  })

  it('refuses a code without its type, and an empty search string selects everything', () => {
    expect(() =>
      compile('dataSample', { $type: 'DataSampleByHealthcarePartyTagCodeDateFilter', codeCode: '2339-0' }),
    ).toThrow(
      expect.objectContaining({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/code type/) as unknown,
      }) as unknown,
    )
    expect(
      compile('patient', { $type: 'PatientByHealthcarePartyNameContainsFuzzyFilter', searchString: ' -' })
        .query,
    ).toEqual({ op: 'all' })
  })
})
