import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { NotificationTypeEnum, User } from '../models/index.ts'
import { dataOwnerIdOf } from '../api/data-owner-api.ts'
import { filterToDto } from '../mappers/filter-mapper.ts'
import { NoOpFilter } from './filter.ts'
import type { FilterApi } from './filter-api.ts'
import { NotificationFilter } from './notification-filter.ts'

const forHcp = () => new NotificationFilter().forDataOwner('hcp-1')
const ofType = (type: string) => ({
  $type: 'NotificationsByHcPartyAndTypeFilter',
  healthcarePartyId: 'hcp-1',
  type,
})
const after = (date: number) => ({ $type: 'NotificationsAfterDateFilter', healthcarePartyId: 'hcp-1', date })

describe('NotificationFilter', () => {
  let warn: MockInstance<typeof console.warn>
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => warn.mockRestore())

  it('builds every notification of the data owner (after date 0) when nothing is added', async () => {
    expect(await forHcp().build()).toStrictEqual(after(0))
    const self: FilterApi = {
      userApi: { getLoggedUser: () => Promise.resolve(new User({ id: 'u', patientId: 'pat-2' })) },
      dataOwnerApi: { getDataOwnerIdOf: dataOwnerIdOf },
    }
    const builder = new NotificationFilter(self).forSelf()
    expect(await builder.getDataOwner()).toBe('pat-2')
    expect(await builder.build()).toStrictEqual({
      $type: 'NotificationsAfterDateFilter',
      healthcarePartyId: 'pat-2',
      date: 0,
    })
  })

  it('makes byIds (intersected, no data owner), withType and afterDate filters', async () => {
    expect(await forHcp().byIds(['n1', 'n2']).byIds(['n2', 'n3']).build()).toStrictEqual({
      $type: 'NotificationsByIdFilter',
      ids: ['n2'],
    })
    expect(await forHcp().withType(NotificationTypeEnum.KEY_PAIR_UPDATE).build()).toStrictEqual(
      ofType('KEY_PAIR_UPDATE'),
    )
    expect(await forHcp().afterDate(1_700_000_000_000).build()).toStrictEqual(after(1_700_000_000_000))
  })

  it('treats withType and afterDate as singletons: the same twice is one filter, two different match nothing', async () => {
    expect(await forHcp().withType('OTHER').withType('OTHER').build()).toStrictEqual(ofType('OTHER'))
    expect(await forHcp().afterDate(5).afterDate(5).build()).toStrictEqual(after(5))
    expect(NoOpFilter.isNoOp(await forHcp().withType('OTHER').withType('KEY_PAIR_UPDATE').build())).toBe(true)
    expect(NoOpFilter.isNoOp(await forHcp().afterDate(1).afterDate(2).build())).toBe(true)
    expect(NoOpFilter.isNoOp(await forHcp().byIds(['a']).byIds(['b']).build())).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
  })

  it('intersects the criteria, the sort key first', async () => {
    expect(await forHcp().withType('OTHER').afterDate(10).build()).toStrictEqual({
      $type: 'IntersectionFilter',
      filters: [ofType('OTHER'), after(10)],
    })
    expect(await forHcp().withType('OTHER').sort.afterDate(10).build()).toStrictEqual({
      $type: 'IntersectionFilter',
      filters: [after(10), ofType('OTHER')],
    })
  })

  it('throws at once for a bad argument, and forSelf without the api', () => {
    expect(() => forHcp().afterDate('yesterday' as unknown as number)).toThrow(
      'NotificationFilter.afterDate(fromDate) needs a date in epoch milliseconds, got yesterday',
    )
    expect(() => forHcp().byIds('n1' as unknown as string[])).toThrow(
      'NotificationFilter.byIds(ids) needs an array, got string',
    )
    expect(() => new NotificationFilter().forSelf()).toThrow(
      'NotificationFilter.forSelf() needs the MedTechApi: new NotificationFilter(api).forSelf()',
    )
    expect(() => new NotificationFilter().forDataOwner('')).toThrow(/needs a data owner id/)
  })

  it('maps to the wire as it is, and refuses a filter of another type', async () => {
    const built = await forHcp().withType('OTHER').afterDate(10).build()
    expect(filterToDto(built, 'Notification')).toStrictEqual({
      $type: 'IntersectionFilter',
      filters: [ofType('OTHER'), after(10)],
    })
    expect(
      filterToDto({ $type: 'NotificationsByIdFilter', ids: new Set(['a']) } as never, 'Notification'),
    ).toStrictEqual({ $type: 'NotificationsByIdFilter', ids: ['a'] })
    expect(() => filterToDto(built, 'HealthcareElement')).toThrow(
      'No mapper for NotificationsByHcPartyAndTypeFilter',
    )
    expect(() =>
      filterToDto({ $type: 'HealthcareElementByIdsFilter', ids: [] } as never, 'Notification'),
    ).toThrow('No mapper for HealthcareElementByIdsFilter')
  })
})
