import { describe, expect, it, vi } from 'vitest'
import { NoOpFilter } from './filter.ts'
import { UserFilter } from './user-filter.ts'
import { userFilterToDto } from '../mappers/user-filter-mapper.ts'

describe('UserFilter (MedTech builder semantics)', () => {
  it('builds AllUsersFilter with no criterion, and one filter per criterion', async () => {
    expect(await new UserFilter().build()).toEqual({ $type: 'AllUsersFilter' })
    expect(await new UserFilter().byIds(['a', 'b']).build()).toEqual({
      $type: 'UserByIdsFilter',
      ids: ['a', 'b'],
    })
    expect(await new UserFilter().byPatientId('p').build()).toEqual({
      $type: 'UsersByPatientIdFilter',
      patientId: 'p',
    })
  })

  it('intersects id lists in the order of the first, and makes a NoOpFilter (with a warning) when empty', async () => {
    expect(await new UserFilter().byIds(['c', 'a', 'b']).byIds(['b', 'c']).build()).toEqual({
      $type: 'UserByIdsFilter',
      ids: ['c', 'b'],
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(NoOpFilter.isNoOp(await new UserFilter().byIds(['a']).byIds(['b']).build())).toBe(true)
    expect(NoOpFilter.isNoOp(await new UserFilter().byPatientId('p').byPatientId('q').build())).toBe(true)
    expect(warn).toHaveBeenCalledWith(
      'Warning: the filter you built cannot be resolved and will return no entity',
    )
    warn.mockRestore()
  })

  it('combines different criteria in an IntersectionFilter, in order, the sort key first', async () => {
    const byIds = { $type: 'UserByIdsFilter', ids: ['a'] }
    const byPatient = { $type: 'UsersByPatientIdFilter', patientId: 'p' }
    expect(await new UserFilter().byPatientId('p').byIds(['a']).build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [byPatient, byIds],
    })
    expect(await new UserFilter().byPatientId('p').sort.byIds(['a']).build()).toEqual({
      $type: 'IntersectionFilter',
      filters: [byIds, byPatient],
    })
  })
})

describe('userFilterToDto', () => {
  it('sends the user filters field by field, intersections included', () => {
    expect(userFilterToDto({ $type: 'UserByIdsFilter', ids: new Set(['a']), extra: 1 } as never)).toEqual({
      $type: 'UserByIdsFilter',
      ids: ['a'],
    })
    expect(
      userFilterToDto({
        $type: 'IntersectionFilter',
        description: 'd',
        filters: [{ $type: 'AllUsersFilter' }],
      } as never),
    ).toEqual({ $type: 'IntersectionFilter', description: 'd', filters: [{ $type: 'AllUsersFilter' }] })
  })

  it('throws MedTech’s "No mapper for" on other filters, also nested, and maps unions and complements', () => {
    expect(() => userFilterToDto({ $type: 'PatientByIdsFilter' })).toThrow('No mapper for PatientByIdsFilter')
    expect(() =>
      userFilterToDto({ $type: 'UnionFilter', filters: [{ $type: 'NoOpFilter' }] } as never),
    ).toThrow('No mapper for NoOpFilter')
    expect(
      userFilterToDto({
        $type: 'ComplementFilter',
        superSet: { $type: 'AllUsersFilter' },
        subSet: { $type: 'UnionFilter', filters: [{ $type: 'UserByIdsFilter', ids: new Set(['a']) }] },
      } as never),
    ).toEqual({
      $type: 'ComplementFilter',
      superSet: { $type: 'AllUsersFilter' },
      subSet: { $type: 'UnionFilter', filters: [{ $type: 'UserByIdsFilter', ids: ['a'] }] },
    })
  })
})
