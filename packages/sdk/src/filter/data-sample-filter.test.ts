import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import {
  EncryptedPatient,
  Identifier,
  Patient,
  User,
  type PotentiallyEncryptedPatient,
} from '../models/index.ts'
import { dataOwnerIdOf } from '../api/data-owner-api.ts'
import { NoOpFilter } from './filter.ts'
import type { FilterApi } from './filter-api.ts'
import { DataSampleFilter } from './data-sample-filter.ts'

/** The secret ids the current user can read, by patient id (what `cryptoApi.entities.secretIdsOf` answers). */
const SECRET_IDS: Record<string, string[]> = { p1: ['s1a', 's1b'], p2: ['s2'], hidden: [] }

/** An api whose only part is the secret-id lookup: `forPatients` needs nothing else. */
function secretIdsApi(calls: unknown[][] = []): FilterApi {
  return {
    cryptoApi: {
      entities: {
        secretIdsOf: (patient: PotentiallyEncryptedPatient, entityType?: string) => {
          calls.push([patient, entityType])
          return Promise.resolve(SECRET_IDS[patient.id!] ?? [])
        },
      },
    },
  }
}
const forHcp = (api: FilterApi = secretIdsApi()) => new DataSampleFilter(api).forDataOwner('hcp-1')

const tagCodeDate = (fields: object) => ({
  $type: 'DataSampleByHealthcarePartyTagCodeDateFilter',
  healthcarePartyId: 'hcp-1',
  ...fields,
})
const forPatient = (keys: string[]) => ({
  $type: 'DataSampleByHealthcarePartyPatientFilter',
  healthcarePartyId: 'hcp-1',
  patientSecretForeignKeys: keys,
})

describe('DataSampleFilter', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => warn.mockRestore())

  it('builds every sample of the data owner (hcpId) when nothing is added, for a given owner or the current one', async () => {
    expect(await forHcp().build()).toEqual({ $type: 'DataSampleByHealthcarePartyFilter', hcpId: 'hcp-1' })
    expect(await forHcp().getDataOwner()).toBe('hcp-1')
    const self: FilterApi = {
      userApi: { getLoggedUser: () => Promise.resolve(new User({ id: 'u', deviceId: 'dev-1' })) },
      dataOwnerApi: { getDataOwnerIdOf: dataOwnerIdOf },
    }
    expect(await new DataSampleFilter(self).forSelf().build()).toEqual({
      $type: 'DataSampleByHealthcarePartyFilter',
      hcpId: 'dev-1',
    })
    expect(() => new DataSampleFilter(secretIdsApi()).forSelf()).toThrow(
      'DataSampleFilter.forSelf() needs the MedTechApi: new DataSampleFilter(api).forSelf()',
    )
  })

  it('makes byIds, byIdentifiers and byHealthElementIds filters', async () => {
    expect(await forHcp().byIds(['d1']).build()).toEqual({ $type: 'DataSampleByIdsFilter', ids: ['d1'] })
    const identifier = new Identifier({ system: 's', value: 'v' })
    const built = (await forHcp().byIdentifiers([identifier]).build()) as unknown as {
      identifiers: unknown[]
    }
    expect(built).toEqual({
      $type: 'DataSampleByHealthcarePartyIdentifiersFilter',
      healthcarePartyId: 'hcp-1',
      identifiers: [identifier],
    })
    expect(built.identifiers[0]).toBeInstanceOf(Identifier)
    expect(await forHcp().byHealthElementIds(['he1', 'he2']).byHealthElementIds(['he2']).build()).toEqual({
      $type: 'DataSampleByHealthcarePartyHealthcareElementIdsFilter',
      healthcarePartyId: 'hcp-1',
      healthcareElementIds: ['he2'],
    })
  })

  it('makes byLabelCodeDateFilter with descending false by default, and throws at once without a criterion', async () => {
    expect(await forHcp().byLabelCodeDateFilter('LOINC', '2345-7').build()).toStrictEqual(
      tagCodeDate({ tagType: 'LOINC', tagCode: '2345-7', descending: false }),
    )
    expect(
      await forHcp().byLabelCodeDateFilter('T', 'C', 'CT', 'CC', 20240101, 20241231235959, true).build(),
    ).toStrictEqual(
      tagCodeDate({
        tagType: 'T',
        tagCode: 'C',
        codeType: 'CT',
        codeCode: 'CC',
        startValueDate: 20240101,
        endValueDate: 20241231235959,
        descending: true,
      }),
    )
    expect(
      await forHcp().byLabelCodeDateFilter(undefined, undefined, undefined, undefined, 20240101).build(),
    ).toStrictEqual(tagCodeDate({ startValueDate: 20240101, descending: false }))
    const builder = forHcp()
    expect(() => builder.byLabelCodeDateFilter()).toThrow('At least one parameter must be specified')
    expect(() => builder.byLabelCodeDateFilter('', undefined, '', undefined, 0, 0, true)).toThrow(
      'At least one parameter must be specified',
    )
    expect(() => builder.sort.byLabelCodeDateFilter()).toThrow('At least one parameter must be specified')
    // Nothing was added by the failed calls.
    expect(await builder.build()).toEqual({ $type: 'DataSampleByHealthcarePartyFilter', hcpId: 'hcp-1' })
  })

  it('finds samples of patients through the secret ids the current user can read', async () => {
    const calls: unknown[][] = []
    const p1 = new Patient({ id: 'p1' })
    const p2 = new EncryptedPatient({ id: 'p2' })
    expect(await forHcp(secretIdsApi(calls)).forPatients([p1, p2]).build()).toEqual(
      forPatient(['s1a', 's1b', 's2']),
    )
    expect(calls).toEqual([
      [p1, 'patient'],
      [p2, 'patient'],
    ])
    // Two forPatients intersect; a patient whose secret ids the user cannot read matches nothing.
    expect(
      await forHcp()
        .forPatients([p1, p2])
        .forPatients([new Patient({ id: 'p2' })])
        .build(),
    ).toEqual(forPatient(['s2']))
    expect(
      NoOpFilter.isNoOp(
        await forHcp()
          .forPatients([new Patient({ id: 'hidden' })])
          .build(),
      ),
    ).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
    expect(() => new DataSampleFilter({}).forDataOwner('hcp-1').forPatients([p1])).toThrow(
      'DataSampleFilter.forPatients(patients) needs the MedTechApi: new DataSampleFilter(api)',
    )
  })

  it('rejects build() when a secret-id lookup fails', async () => {
    const failing: FilterApi = {
      cryptoApi: { entities: { secretIdsOf: () => Promise.reject(new Error('no access to the key')) } },
    }
    const builder = forHcp(failing).forPatients([new Patient({ id: 'p1' })])
    await expect(builder.build()).rejects.toThrow('no access to the key')
  })

  it('combines criteria as the documentation does, the sort key first', async () => {
    const p1 = new Patient({ id: 'p1' })
    expect(await forHcp().byLabelCodeDateFilter('LOINC', '2345-7').forPatients([p1]).build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [
        tagCodeDate({ tagType: 'LOINC', tagCode: '2345-7', descending: false }),
        forPatient(['s1a', 's1b']),
      ],
    })
    expect(
      await forHcp()
        .forPatients([p1])
        .sort.byLabelCodeDateFilter('LOINC', '2345-7', undefined, undefined, undefined, undefined, true)
        .build(),
    ).toEqual({
      $type: 'IntersectionFilter',
      filters: [
        tagCodeDate({ tagType: 'LOINC', tagCode: '2345-7', descending: true }),
        forPatient(['s1a', 's1b']),
      ],
    })
    // Two label searches stay two filters.
    expect(await forHcp().byLabelCodeDateFilter('A').byLabelCodeDateFilter('A').build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [
        tagCodeDate({ tagType: 'A', descending: false }),
        tagCodeDate({ tagType: 'A', descending: false }),
      ],
    })
    for (const [name, add] of [
      ['byIds', (b: ReturnType<typeof forHcp>) => b.sort.byIds(['d'])],
      ['byIdentifiers', (b: ReturnType<typeof forHcp>) => b.sort.byIdentifiers([])],
      ['forPatients', (b: ReturnType<typeof forHcp>) => b.sort.forPatients([p1])],
      ['byHealthElementIds', (b: ReturnType<typeof forHcp>) => b.sort.byHealthElementIds(['he'])],
    ] as const) {
      const built = (await add(forHcp().byLabelCodeDateFilter('z')).build()) as unknown as {
        filters: object[]
      }
      expect(built.filters, name).toHaveLength(2)
      expect(built.filters[1], name).toEqual(tagCodeDate({ tagType: 'z', descending: false }))
    }
  })
})
