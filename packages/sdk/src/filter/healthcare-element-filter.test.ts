import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { Identifier, Patient, User, type PotentiallyEncryptedPatient } from '../models/index.ts'
import { dataOwnerIdOf } from '../api/data-owner-api.ts'
import { NoOpFilter } from './filter.ts'
import type { FilterApi } from './filter-api.ts'
import { HealthcareElementFilter } from './healthcare-element-filter.ts'

/** An api whose only part is the secret-id lookup (`cryptoApi.entities.secretIdsOf`). */
const secretIdsApi: FilterApi = {
  cryptoApi: {
    entities: {
      secretIdsOf: (patient: PotentiallyEncryptedPatient) =>
        Promise.resolve(({ p1: ['s1'], p2: ['s2a', 's2b'] } as Record<string, string[]>)[patient.id!] ?? []),
    },
  },
}
const forHcp = () => new HealthcareElementFilter(secretIdsApi).forDataOwner('hcp-1')

const labelCode = (fields: object) => ({
  $type: 'HealthcareElementByHealthcarePartyLabelCodeFilter',
  healthcarePartyId: 'hcp-1',
  ...fields,
})
const forPatient = (keys: string[]) => ({
  $type: 'HealthcareElementByHealthcarePartyPatientFilter',
  healthcarePartyId: 'hcp-1',
  patientSecretForeignKeys: keys,
})
const NO_CRITERION =
  'To instantiate the filter, you must specify at least one of these parameters: labelType, labelCode, codeType, or codeCode'

describe('HealthcareElementFilter', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => warn.mockRestore())

  it('builds every healthcare element of the data owner when nothing is added', async () => {
    expect(await forHcp().build()).toEqual({
      $type: 'HealthcareElementByHealthcarePartyFilter',
      healthcarePartyId: 'hcp-1',
    })
    const self: FilterApi = {
      userApi: { getLoggedUser: () => Promise.resolve(new User({ id: 'u', healthcarePartyId: 'hcp-2' })) },
      dataOwnerApi: { getDataOwnerIdOf: dataOwnerIdOf },
    }
    const builder = new HealthcareElementFilter(self).forSelf()
    expect(await builder.getDataOwner()).toBe('hcp-2')
    expect(await builder.build()).toEqual({
      $type: 'HealthcareElementByHealthcarePartyFilter',
      healthcarePartyId: 'hcp-2',
    })
  })

  it('makes byIds and byIdentifiers filters', async () => {
    expect(await forHcp().byIds(['h1', 'h2']).byIds(['h2']).build()).toEqual({
      $type: 'HealthcareElementByIdsFilter',
      ids: ['h2'],
    })
    const identifier = new Identifier({ system: 's', value: 'v' })
    const built = (await forHcp().byIdentifiers([identifier]).build()) as unknown as {
      identifiers: unknown[]
    }
    expect(built).toEqual({
      $type: 'HealthcareElementByHealthcarePartyIdentifiersFilter',
      healthcarePartyId: 'hcp-1',
      identifiers: [identifier],
    })
    expect(built.identifiers[0]).toBeInstanceOf(Identifier)
  })

  it('binds byLabelCodeFilter to the data owner (quirk 6 fixed), and throws at once without a criterion', async () => {
    expect(
      await forHcp().byLabelCodeFilter(undefined, undefined, 'SNOMED', '44054006').build(),
    ).toStrictEqual(labelCode({ codeType: 'SNOMED', codeCode: '44054006' }))
    expect(await forHcp().byLabelCodeFilter('ICPC', 'T90', 'ICD', 'E11').build()).toStrictEqual(
      labelCode({ tagType: 'ICPC', tagCode: 'T90', codeType: 'ICD', codeCode: 'E11' }),
    )
    expect(() => forHcp().byLabelCodeFilter()).toThrow(NO_CRITERION)
    expect(() => forHcp().byLabelCodeFilter('', '', undefined, '')).toThrow(NO_CRITERION)
  })

  it('finds healthcare elements of patients through their readable secret ids', async () => {
    const p1 = new Patient({ id: 'p1' })
    const p2 = new Patient({ id: 'p2' })
    expect(await forHcp().forPatients([p1, p2]).build()).toEqual(forPatient(['s1', 's2a', 's2b']))
    expect(await forHcp().forPatients([p2]).forPatients([p1, p2]).build()).toEqual(forPatient(['s2a', 's2b']))
    expect(NoOpFilter.isNoOp(await forHcp().forPatients([p1]).forPatients([p2]).build())).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
  })

  it('intersects the criteria, the sort key first', async () => {
    const p1 = new Patient({ id: 'p1' })
    expect(await forHcp().forPatients([p1]).byLabelCodeFilter('A').build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [forPatient(['s1']), labelCode({ tagType: 'A' })],
    })
    expect(await forHcp().forPatients([p1]).sort.byLabelCodeFilter('A').build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [labelCode({ tagType: 'A' }), forPatient(['s1'])],
    })
    for (const [name, add] of [
      ['byIds', (b: ReturnType<typeof forHcp>) => b.sort.byIds(['h'])],
      ['byIdentifiers', (b: ReturnType<typeof forHcp>) => b.sort.byIdentifiers([])],
      ['forPatients', (b: ReturnType<typeof forHcp>) => b.sort.forPatients([p1])],
    ] as const) {
      const built = (await add(forHcp().byLabelCodeFilter('z')).build()) as unknown as { filters: object[] }
      expect(built.filters, name).toHaveLength(2)
      expect(built.filters[1], name).toEqual(labelCode({ tagType: 'z' }))
    }
  })
})
